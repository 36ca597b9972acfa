//! Executes the directives of one script against one store: modules and
//! their instances, registrations, invocations and every kind of
//! assertion. Each directive passes or fails on its own; a panic inside
//! Egret fails only the directive that caused it.

use crate::values::{self, ExternRefs};
use crate::{Failure, Report};
use egret::{CompileError, Engine, Error, Instance, Linker, Module, Store, Trap, Val};
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
    /// The engine that compiles modules for `engine`, through a
    /// serialized artifact, in precompiled mode.
    compiler: Option<Engine>,
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
    pub(crate) fn new(
        engine: &Engine,
        compiler: Option<&Engine>,
        text: &'t str,
    ) -> egret::Result<Script<'t>> {
        let mut store = Store::new(engine, ());
        let mut linker = Linker::new(engine);
        linker.allow_shadowing(true);
        crate::spectest::define(&mut linker, &mut store)?;
        Ok(Script {
            text,
            engine: engine.clone(),
            compiler: compiler.cloned(),
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
                        .any(|(a, e)| !values::matches(&mut self.store, a, e));
                if mismatch {
                    let actual: Vec<String> = actual
                        .iter()
                        .enumerate()
                        .map(|(i, v)| values::show_like(&mut self.store, v, results.get(i)))
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
                self.expect_trap("assert_trap", result, message, None)
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let result = self.invoke(&call)?;
                self.expect_trap(
                    "assert_exhaustion",
                    result,
                    message,
                    Some(Trap::StackOverflow),
                )
            }
            WastDirective::AssertException { exec, .. } => match self.execute(exec)? {
                Err(Error::Exception(_)) => {
                    // The script goes on with a store that has none pending.
                    self.store.take_pending_exception();
                    Ok(())
                }
                Err(e) => Err(format!(
                    "assert_exception: expected an exception, got error: {e}"
                )),
                Ok(results) => Err(format!(
                    "assert_exception: expected an exception, returned [{}]",
                    self.show_all(&results)
                )),
            },
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => self.expect_failure("assert_malformed", &mut module, Stage::Malformed, message),
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => self.expect_failure("assert_invalid", &mut module, Stage::Invalid, message),
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => self.expect_failure(
                "assert_unlinkable",
                &mut QuoteWat::Wat(module),
                Stage::Unlinkable,
                message,
            ),
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
        self.load(&binary).map_err(|e| e.to_string())
    }

    /// Compiles `binary` for the script's engine: directly, or in
    /// precompiled mode through a serialized artifact.
    #[allow(unsafe_code, reason = "loads the artifact it just serialized")]
    fn load(&self, binary: &[u8]) -> egret::Result<Module> {
        let Some(compiler) = &self.compiler else {
            return Module::from_binary(&self.engine, binary);
        };
        let artifact = Module::from_binary(compiler, binary)?.serialize()?;
        // SAFETY: the artifact was made just now by `serialize`, by an
        // engine of the same configuration.
        unsafe { Module::deserialize(&self.engine, artifact) }
    }

    /// `assert_malformed`, `assert_invalid` and `assert_unlinkable`: the
    /// module must fail at `expected` and not before, with a message that
    /// starts with `text` where the stage [compares
    /// messages](Stage::compares_messages).
    fn expect_failure(
        &mut self,
        what: &str,
        module: &mut QuoteWat<'_>,
        expected: Stage,
        text: &str,
    ) -> Outcome {
        let failed = match self.first_failure(module, expected) {
            Ok(None) => {
                return Err(format!(
                    "{what}: module {}, expected \"{text}\"",
                    expected.survived()
                ));
            }
            Ok(Some(failed)) => failed,
            Err(e) => return Err(format!("{what}: expected \"{text}\", got: {e}")),
        };
        if failed.stage != expected {
            return Err(format!(
                "{what}: expected {} module (\"{text}\"), but it is {}: {}",
                expected.name(),
                failed.stage.name(),
                failed.message
            ));
        }
        if expected.compares_messages() && !failed.message.starts_with(text) {
            return Err(format!(
                "{what}: expected \"{text}\", got \"{}\"",
                failed.message
            ));
        }
        Ok(())
    }

    /// Takes a module through the stages up to `last` (instantiating it
    /// only if `last` is `Unlinkable`): the stage it failed at, `None` if
    /// it got through, or `Err` if it failed in a way that is no stage
    /// (unsupported, a component, a code generator or resource failure).
    fn first_failure(
        &mut self,
        module: &mut QuoteWat<'_>,
        last: Stage,
    ) -> Result<Option<Failed>, String> {
        let binary = match self.encode(module) {
            Ok(binary) => binary,
            Err(e @ Encode::Text(_)) => {
                return Ok(Some(Failed {
                    stage: Stage::Malformed,
                    message: e.to_string(),
                }));
            }
            Err(e @ Encode::Component) => return Err(e.to_string()),
        };
        let compiled = self.load(&binary);
        let result = match compiled {
            Ok(module) if last == Stage::Unlinkable => self.instantiate(&module).map(drop),
            other => other.map(drop),
        };
        match result {
            Ok(()) => Ok(None),
            Err(error) => Stage::of(&error)
                .map(|(stage, message)| Some(Failed { stage, message }))
                .ok_or_else(|| error.to_string()),
        }
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
                    .try_get_global(&self.store, global)
                    .and_then(|g| g.try_get(&mut self.store))
                    .map(|v| vec![v]))
            }
            WastExecute::Wat(module) => {
                let module = self.compile(&mut QuoteWat::Wat(module))?;
                Ok(self.instantiate(&module).map(|_| Vec::new()))
            }
        }
    }

    /// `results` as the script would write them, comma-separated.
    fn show_all(&mut self, results: &[Val]) -> String {
        let shown: Vec<String> = results
            .iter()
            .map(|v| values::show(&mut self.store, v))
            .collect();
        shown.join(", ")
    }

    /// `assert_trap` and `assert_exhaustion`: `result` must be a trap
    /// (`only`, if given) whose message `expected` matches.
    fn expect_trap(
        &mut self,
        what: &str,
        result: egret::Result<Vec<Val>>,
        expected: &str,
        only: Option<Trap>,
    ) -> Outcome {
        match result {
            Err(e) => match e.downcast_ref::<Trap>() {
                Some(&trap)
                    if only.is_none_or(|only| only == trap) && trap_matches(trap, expected) =>
                {
                    Ok(())
                }
                Some(trap) => Err(format!(
                    "{what}: expected trap \"{expected}\"{}, got trap \"{trap}\" ({trap:?})",
                    only.map(|only| format!(" ({only:?})")).unwrap_or_default(),
                )),
                None => Err(format!(
                    "{what}: expected trap \"{expected}\", got error: {e:?}"
                )),
            },
            Ok(results) => Err(format!(
                "{what}: expected trap \"{expected}\", returned [{}]",
                self.show_all(&results)
            )),
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
    let func = instance.try_get_func(&*store, name)?;
    let mut results: Vec<Val> = func
        .ty(&*store)
        .results()
        .map(|t| t.default_value().unwrap_or(Val::FuncRef(None)))
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

/// How far a module got, in the spec's terms: each assertion about a
/// module expects it to fail at one stage.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Stage {
    /// Its text does not parse, or its binary does not decode.
    Malformed,
    /// It decodes but does not validate.
    Invalid,
    /// Its imports are not defined or do not match.
    Unlinkable,
    /// It links, but a segment is out of bounds or its start function
    /// traps.
    Uninstantiable,
}

impl Stage {
    /// The stage `error` stands for and its message, if it stands for
    /// one.
    fn of(error: &Error) -> Option<(Stage, String)> {
        Some(match error {
            Error::Compile(CompileError::Malformed { .. }) => (Stage::Malformed, error.to_string()),
            Error::Compile(CompileError::Invalid { .. }) => (Stage::Invalid, error.to_string()),
            Error::Link(message) => (Stage::Unlinkable, message.clone()),
            _ => match error.downcast_ref::<Trap>() {
                Some(trap) => (Stage::Uninstantiable, trap.to_string()),
                None => return None,
            },
        })
    }

    /// Whether Egret's messages at this stage are worded as the spec's,
    /// so that an assertion's text must be a prefix of them. Decoding and
    /// validation messages are `wasmparser`'s; link messages are Egret's
    /// own, in the spec's words; traps are compared by `trap_matches`.
    fn compares_messages(self) -> bool {
        self == Stage::Unlinkable
    }

    /// The word for a module that fails at this stage.
    fn name(self) -> &'static str {
        match self {
            Stage::Malformed => "a malformed",
            Stage::Invalid => "an invalid",
            Stage::Unlinkable => "an unlinkable",
            Stage::Uninstantiable => "an uninstantiable",
        }
    }

    /// What a module that was expected to fail at this stage did instead.
    fn survived(self) -> &'static str {
        match self {
            Stage::Malformed | Stage::Invalid => "compiled",
            Stage::Unlinkable | Stage::Uninstantiable => "instantiated",
        }
    }
}

/// A module's failure at a stage.
struct Failed {
    stage: Stage,
    /// Egret's message.
    message: String,
}

/// Compares a trap with an `assert_trap` text as the reference
/// interpreter's harness does: the text must be a prefix of the reference
/// interpreter's message for the trap (Egret's messages are Wasmtime's).
/// The reference interpreter ends its element traps with the element's
/// index ("uninitialized element 7"), which Egret's traps do not carry:
/// that index is not compared.
fn trap_matches(trap: Trap, expected: &str) -> bool {
    let expected = without_element_index(expected);
    spec_messages(trap)
        .iter()
        .any(|message| message.starts_with(expected))
}

/// The reference interpreter's messages for the situations Egret raises
/// `trap` in: Wasmtime (and so Egret) raises one trap where the spec words
/// some situations apart (`call_indirect` past the table end is
/// "undefined element", `call_ref` on null "null function reference",
/// `struct.get` on null "null structure reference").
fn spec_messages(trap: Trap) -> &'static [&'static str] {
    match trap {
        Trap::StackOverflow => &["call stack exhausted"],
        Trap::MemoryOutOfBounds => &["out of bounds memory access"],
        Trap::TableOutOfBounds => &["out of bounds table access", "undefined element"],
        Trap::IndirectCallToNull => &["uninitialized element"],
        Trap::BadSignature => &["indirect call type mismatch"],
        Trap::IntegerOverflow => &["integer overflow"],
        Trap::IntegerDivisionByZero => &["integer divide by zero"],
        Trap::BadConversionToInteger => &["invalid conversion to integer"],
        Trap::UnreachableCodeReached => &["unreachable"],
        Trap::NullReference => &[
            "null reference",
            "null function reference",
            "null i31 reference",
            "null structure reference",
            "null array reference",
            "null exception reference",
        ],
        Trap::ArrayOutOfBounds => &["out of bounds array access"],
        Trap::CastFailure => &["cast failure"],
        // Fuel, epochs and whatever Egret adds later: not in the spec.
        _ => &[],
    }
}

/// The trap messages the reference interpreter ends with an index.
const INDEXED_MESSAGES: &[&str] = &["undefined element", "uninitialized element"];

/// `expected` without the element index the reference interpreter appends
/// to an [`INDEXED_MESSAGES`] message.
fn without_element_index(expected: &str) -> &str {
    INDEXED_MESSAGES
        .iter()
        .find(|message| {
            expected
                .strip_prefix(**message)
                .and_then(|rest| rest.strip_prefix(' '))
                .is_some_and(|index| !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()))
        })
        .map_or(expected, |message| message)
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
    fn trap_texts_are_prefixes_of_the_messages() {
        let cases = [
            (Trap::MemoryOutOfBounds, "out of bounds memory access"),
            (Trap::IntegerDivisionByZero, "integer divide by zero"),
            (Trap::IntegerOverflow, "integer overflow"),
            (
                Trap::BadConversionToInteger,
                "invalid conversion to integer",
            ),
            (Trap::BadSignature, "indirect call type mismatch"),
            (Trap::StackOverflow, "call stack exhausted"),
            (Trap::UnreachableCodeReached, "unreachable"),
            (Trap::TableOutOfBounds, "out of bounds table access"),
            (Trap::TableOutOfBounds, "out of bounds"),
            (Trap::TableOutOfBounds, "undefined element"),
            (Trap::TableOutOfBounds, "undefined element 12"),
            (Trap::IndirectCallToNull, "uninitialized element"),
            (Trap::IndirectCallToNull, "uninitialized element 7"),
            (Trap::IndirectCallToNull, "uninitialized"),
            (Trap::IndirectCallToNull, ""),
            (Trap::NullReference, "null reference"),
            (Trap::NullReference, "null function reference"),
            (Trap::NullReference, "null structure reference"),
            (Trap::NullReference, "null exception reference"),
            (Trap::CastFailure, "cast failure"),
        ];
        for (trap, text) in cases {
            assert!(trap_matches(trap, text), "{trap:?} should match {text:?}");
        }
        let mismatches = [
            (Trap::MemoryOutOfBounds, "out of bounds table access"),
            (Trap::UnreachableCodeReached, "integer overflow"),
            (Trap::IntegerOverflow, "integer overflow!"),
            (Trap::TableOutOfBounds, "uninitialized element"),
            (Trap::IndirectCallToNull, "undefined element"),
            (Trap::IndirectCallToNull, "uninitialized element x"),
            (Trap::IndirectCallToNull, "uninitialized element "),
            (Trap::NullReference, "null pointer"),
            (Trap::CastFailure, "out of bounds array access"),
            (Trap::OutOfFuel, "all fuel consumed by WebAssembly"),
        ];
        for (trap, text) in mismatches {
            assert!(
                !trap_matches(trap, text),
                "{trap:?} should not match {text:?}"
            );
        }
    }
}
