//! Executes the directives of one script against one store: modules and
//! their instances, registrations, invocations and every kind of
//! assertion. Each directive passes or fails on its own; a panic inside
//! Egret fails only the directive that caused it.

use crate::values::{self, ExternRefs};
use crate::{Failure, Report};
use egret::{CompileError, Engine, Error, Instance, Linker, Module, Store, TrapKind, Val};
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, Wat};

/// Why a directive failed.
type Outcome = Result<(), String>;

/// An instance, or the line of the module directive that failed to make it.
type Slot = Result<Instance, usize>;

/// The state of one running script.
pub(crate) struct Script<'t> {
    text: &'t str,
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    externs: ExternRefs,
    /// The most recent module's instance, which unnamed references mean.
    current: Option<Slot>,
    /// Instances by their `$name`.
    named: HashMap<String, Slot>,
    /// Modules from `module definition`, by `$name`.
    definitions: HashMap<String, Result<Module, usize>>,
    /// The most recent `module definition`.
    last_definition: Option<Result<Module, usize>>,
}

impl<'t> Script<'t> {
    pub(crate) fn new(engine: &Engine, text: &'t str) -> egret::Result<Script<'t>> {
        let mut store = Store::new(engine, ());
        let mut linker = Linker::new(engine);
        linker.allow_shadowing(true);
        crate::spectest::define(&mut linker, &mut store)?;
        Ok(Script {
            text,
            engine: engine.clone(),
            store,
            linker,
            externs: ExternRefs::default(),
            current: None,
            named: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
        })
    }

    /// Parses and runs the whole script.
    pub(crate) fn run(mut self, name: &str) -> Report {
        let mut report = Report {
            name: name.to_string(),
            passed: 0,
            failed: Vec::new(),
        };
        let mut lexer = wast::lexer::Lexer::new(self.text);
        lexer.allow_confusing_unicode(true);
        let parsed = wast::parser::ParseBuffer::new_with_lexer(lexer).and_then(|buffer| {
            let wast = wast::parser::parse::<Wast<'_>>(&buffer)?;
            for directive in wast.directives {
                let line = self.line(directive.span());
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| self.directive(directive)))
                    .unwrap_or_else(|payload| {
                        Err(format!("panic in Egret: {}", panic_message(&*payload)))
                    });
                match outcome {
                    Ok(()) => report.passed += 1,
                    Err(message) => report.failed.push(Failure { line, message }),
                }
            }
            Ok(())
        });
        if let Err(e) = parsed {
            report.failed.push(Failure {
                line: self.line(e.span()),
                message: format!("script does not parse: {}", e.message()),
            });
        }
        report
    }

    fn line(&self, span: wast::token::Span) -> usize {
        span.linecol_in(self.text).0 + 1
    }

    fn directive(&mut self, directive: WastDirective<'_>) -> Outcome {
        let line = self.line(directive.span());
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let instance = self
                    .compile(&mut module)
                    .and_then(|m| self.instantiate(&m).map_err(|e| e.to_string()));
                let slot = instance.as_ref().map_err(|_| line).copied();
                if let Some(name) = name {
                    self.named.insert(name, slot);
                }
                self.current = Some(slot);
                instance.map(drop).map_err(|e| format!("module: {e}"))
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let compiled = self.compile(&mut module);
                let slot = compiled.as_ref().map_err(|_| line).cloned();
                if let Some(name) = name {
                    self.definitions.insert(name, slot.clone());
                }
                self.last_definition = Some(slot);
                compiled
                    .map(drop)
                    .map_err(|e| format!("module definition: {e}"))
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let definition = match module {
                    Some(id) => self.definitions.get(id.name()).cloned(),
                    None => self.last_definition.clone(),
                };
                let module = match definition {
                    Some(Ok(module)) => module,
                    Some(Err(failed)) => {
                        return Err(format!(
                            "module instance: its module (line {failed}) failed"
                        ));
                    }
                    None => return Err("module instance: no such module definition".into()),
                };
                let made = self.instantiate(&module);
                let slot = made.as_ref().map_err(|_| line).copied();
                if let Some(id) = instance {
                    self.named.insert(id.name().to_string(), slot);
                }
                self.current = Some(slot);
                made.map(drop).map_err(|e| format!("module instance: {e}"))
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module.map(|id| id.name()))?;
                self.linker
                    .instance(&self.store, name, instance)
                    .map(drop)
                    .map_err(|e| format!("register: {e}"))
            }
            WastDirective::Invoke(invoke) => self
                .invoke(&invoke)?
                .map(drop)
                .map_err(|e| format!("invoke: {e}")),
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = self
                    .execute(exec)?
                    .map_err(|e| format!("assert_return: {e}"))?;
                let mismatch = actual.len() != results.len()
                    || actual
                        .iter()
                        .zip(&results)
                        .any(|(a, e)| !values::matches(&self.store, a, e));
                if mismatch {
                    let actual: Vec<String> = actual
                        .iter()
                        .enumerate()
                        .map(|(i, v)| values::show_like(&self.store, v, results.get(i)))
                        .collect();
                    let expected: Vec<String> = results.iter().map(values::show_expected).collect();
                    return Err(format!(
                        "assert_return: expected [{}], got [{}]",
                        expected.join(", "),
                        actual.join(", ")
                    ));
                }
                Ok(())
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let result = self.execute(exec)?;
                self.expect_trap("assert_trap", result, message)
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let result = self.invoke(&call)?;
                self.expect_trap("assert_exhaustion", result, message)
            }
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => expect_invalid(
                "assert_invalid",
                self.encode(&mut module),
                &self.engine,
                message,
            ),
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => expect_invalid(
                "assert_malformed",
                self.encode(&mut module),
                &self.engine,
                message,
            ),
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => {
                let module = self
                    .compile(&mut QuoteWat::Wat(module))
                    .map_err(|e| format!("assert_unlinkable: {e}"))?;
                match self.instantiate(&module) {
                    Err(Error::Link(_)) => Ok(()),
                    Ok(_) => Err(format!(
                        "assert_unlinkable: module linked, expected \"{message}\""
                    )),
                    Err(e) => Err(format!(
                        "assert_unlinkable: expected a link error \"{message}\", got: {e}"
                    )),
                }
            }
            other => Err(format!("unsupported directive: {}", directive_name(&other))),
        }
    }

    /// The binary of a module directive; `Err` if it is not a core module
    /// or its text does not parse.
    fn encode(&self, module: &mut QuoteWat<'_>) -> Result<Vec<u8>, Encode> {
        if matches!(
            module,
            QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_))
        ) {
            return Err(Encode::Component);
        }
        module
            .encode()
            .map_err(|e| Encode::Text(format!("line {}: {}", self.line(e.span()), e.message())))
    }

    fn compile(&self, module: &mut QuoteWat<'_>) -> Result<Module, String> {
        let binary = self.encode(module).map_err(|e| e.to_string())?;
        Module::from_binary(&self.engine, &binary).map_err(|e| e.to_string())
    }

    fn instantiate(&mut self, module: &Module) -> egret::Result<Instance> {
        self.linker.instantiate(&mut self.store, module)
    }

    /// The named instance, or the current one.
    fn instance(&self, name: Option<&str>) -> Result<Instance, String> {
        let slot = match name {
            Some(name) => self
                .named
                .get(name)
                .ok_or_else(|| format!("no module named ${name}"))?,
            None => self
                .current
                .as_ref()
                .ok_or("no module has been instantiated")?,
        };
        slot.as_ref()
            .copied()
            .map_err(|line| format!("the module (line {line}) failed to instantiate"))
    }

    /// Calls an export: `Err` when the call cannot even be attempted (no
    /// such instance, unsupported argument), `Ok(Err)` when Egret fails it.
    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<egret::Result<Vec<Val>>, String> {
        let instance = self.instance(invoke.module.map(|id| id.name()))?;
        let args = invoke
            .args
            .iter()
            .map(|a| values::arg(&mut self.store, &mut self.externs, a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(call(&mut self.store, instance, invoke.name, &args))
    }

    /// Runs the action of an assertion.
    fn execute(&mut self, exec: WastExecute<'_>) -> Result<egret::Result<Vec<Val>>, String> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module.map(|id| id.name()))?;
                Ok(instance
                    .get_global(&self.store, global)
                    .and_then(|g| g.get(&self.store))
                    .map(|v| vec![v]))
            }
            WastExecute::Wat(module) => {
                let module = self.compile(&mut QuoteWat::Wat(module))?;
                Ok(self.instantiate(&module).map(|_| Vec::new()))
            }
        }
    }

    fn expect_trap(&self, what: &str, result: egret::Result<Vec<Val>>, expected: &str) -> Outcome {
        match result {
            Err(Error::Trap(trap)) if trap_matches(trap.kind(), expected) => Ok(()),
            Err(Error::Trap(trap)) => Err(format!(
                "{what}: expected trap \"{expected}\", got trap \"{}\"",
                trap.kind().message()
            )),
            Err(e) => Err(format!(
                "{what}: expected trap \"{expected}\", got error: {e}"
            )),
            Ok(results) => {
                let results: Vec<String> = results
                    .iter()
                    .map(|v| values::show(&self.store, v))
                    .collect();
                Err(format!(
                    "{what}: expected trap \"{expected}\", returned [{}]",
                    results.join(", ")
                ))
            }
        }
    }
}

/// Calls the function `instance` exports as `name`.
fn call(
    store: &mut Store<()>,
    instance: Instance,
    name: &str,
    args: &[Val],
) -> egret::Result<Vec<Val>> {
    let func = instance.get_func(&*store, name)?;
    let mut results: Vec<Val> = func
        .ty(&*store)?
        .results()
        .iter()
        .map(|t| Val::default_for(*t))
        .collect();
    func.call(store, args, &mut results)?;
    Ok(results)
}

/// Why a module directive has no binary.
enum Encode {
    /// The text does not parse (or does not resolve).
    Text(String),
    /// Component-model modules are out of Egret's scope.
    Component,
}

impl std::fmt::Display for Encode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Encode::Text(e) => write!(f, "module text does not parse: {e}"),
            Encode::Component => f.write_str("components are not supported"),
        }
    }
}

/// `assert_invalid` and `assert_malformed`: the module must be rejected
/// before instantiation, either by the text parser or as malformed or
/// invalid by Egret's compiler (not as unsupported, and not by a code
/// generator failure).
fn expect_invalid(
    what: &str,
    binary: Result<Vec<u8>, Encode>,
    engine: &Engine,
    message: &str,
) -> Outcome {
    let binary = match binary {
        Ok(binary) => binary,
        Err(Encode::Text(_)) => return Ok(()),
        Err(e @ Encode::Component) => return Err(format!("{what}: {e}")),
    };
    match Module::from_binary(engine, &binary) {
        Err(Error::Compile(CompileError::Malformed { .. } | CompileError::Invalid { .. })) => {
            Ok(())
        }
        Err(e) => Err(format!(
            "{what}: expected \"{message}\", got a different error: {e}"
        )),
        Ok(_) => Err(format!("{what}: module compiled, expected \"{message}\"")),
    }
}

/// Compares a trap with the spec's expected text, leniently: either may be
/// a prefix of the other, and the spec's "undefined element" /
/// "uninitialized element" (call_indirect past the table or through a
/// null entry) match either of Egret's table traps.
fn trap_matches(kind: TrapKind, expected: &str) -> bool {
    let actual = kind.message();
    if expected.starts_with(actual) || actual.starts_with(expected) {
        return true;
    }
    let element =
        expected.starts_with("undefined element") || expected.starts_with("uninitialized element");
    element
        && matches!(
            kind,
            TrapKind::IndirectCallToNull | TrapKind::TableOutOfBounds
        )
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<non-string panic payload>")
}

fn directive_name(directive: &WastDirective<'_>) -> &'static str {
    match directive {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_messages_match_the_spec_texts() {
        let cases = [
            (TrapKind::MemoryOutOfBounds, "out of bounds memory access"),
            (TrapKind::IntegerDivisionByZero, "integer divide by zero"),
            (TrapKind::IntegerOverflow, "integer overflow"),
            (
                TrapKind::BadConversionToInteger,
                "invalid conversion to integer",
            ),
            (TrapKind::BadSignature, "indirect call type mismatch"),
            (TrapKind::StackOverflow, "call stack exhausted"),
            (TrapKind::UnreachableCodeReached, "unreachable"),
            (TrapKind::UnreachableCodeReached, "unreachable executed"),
            (TrapKind::TableOutOfBounds, "out of bounds table access"),
            (TrapKind::TableOutOfBounds, "undefined element"),
            (TrapKind::IndirectCallToNull, "uninitialized element 7"),
            (TrapKind::IndirectCallToNull, "uninitialized"),
            (TrapKind::IndirectCallToNull, "undefined element"),
        ];
        for (kind, text) in cases {
            assert!(trap_matches(kind, text), "{kind:?} should match {text:?}");
        }
        assert!(!trap_matches(
            TrapKind::MemoryOutOfBounds,
            "out of bounds table access"
        ));
        assert!(!trap_matches(
            TrapKind::UnreachableCodeReached,
            "integer overflow"
        ));
        assert!(!trap_matches(
            TrapKind::IntegerOverflow,
            "undefined element"
        ));
    }
}
