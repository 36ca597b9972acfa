//! The oracles: what must hold for every input. A violated oracle returns
//! a [`Finding`] describing it; a panic anywhere is also a finding (the
//! driver and libFuzzer report it).

use crate::egret_side::EgretRun;
use crate::generators;
use crate::rng::{Rng, fnv1a};
use crate::shape::{self, ExportKind};
use crate::values::{AnyValue, Outcome, ValKind, Value};
use crate::wasmi_side::WasmiRun;
#[cfg(feature = "wasmtime")]
use crate::wasmtime_side::WasmtimeRun;
use std::fmt;

/// A violated oracle: a crash-free but wrong behaviour, with what was
/// expected and what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding(pub String);

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Finding {}

fn finding(message: impl Into<String>) -> Finding {
    Finding(message.into())
}

/// The engines one worker reuses for all its cases.
pub struct Engines {
    /// Egret, configured by [`crate::egret_side::engine`].
    pub egret: egret::Engine,
    /// The reference interpreter.
    pub wasmi: wasmi::Engine,
    /// Egret configured like [`Engines::wasmtime`]
    /// ([`crate::egret_side::wasmtime_peer_engine`]).
    #[cfg(feature = "wasmtime")]
    pub egret_for_wasmtime: egret::Engine,
    /// Wasmtime 48, the peer of the WebAssembly 3.0 differential.
    #[cfg(feature = "wasmtime")]
    pub wasmtime: wasmtime::Engine,
}

impl Engines {
    /// Every engine with the fuzzing configuration.
    pub fn new() -> Engines {
        Engines {
            egret: crate::egret_side::engine(),
            wasmi: crate::wasmi_side::engine(),
            #[cfg(feature = "wasmtime")]
            egret_for_wasmtime: crate::egret_side::wasmtime_peer_engine(),
            #[cfg(feature = "wasmtime")]
            wasmtime: crate::wasmtime_side::engine(),
        }
    }
}

impl Default for Engines {
    fn default() -> Engines {
        Engines::new()
    }
}

/// Oracle (a): compiling any bytes returns (an error or a module) without
/// panicking, and Egret accepts exactly the modules wasmparser's validator
/// accepts with Egret's default features (`generators::features`): a
/// valid module Egret cannot
/// compile, an invalid one it accepts, or a code generation error is a
/// finding.
pub fn compile(engine: &egret::Engine, wasm: &[u8]) -> Result<(), Finding> {
    let egret = egret::Module::from_binary(engine, wasm);
    let reference = wasmparser::Validator::new_with_features(generators::features())
        .validate_all(wasm)
        .map(drop);
    match (egret, reference) {
        (Err(e @ egret::Error::Compile(egret::CompileError::Codegen(_))), _) => {
            Err(finding(format!("code generation failed: {e}")))
        }
        (Ok(_), Ok(())) | (Err(_), Err(_)) => Ok(()),
        (Ok(_), Err(e)) => Err(finding(format!("Egret accepted an invalid module: {e}"))),
        (Err(e), Ok(())) => Err(finding(format!("Egret rejected a valid module: {e}"))),
    }
}

/// Oracle (b): a valid module compiles, instantiates (or fails to with an
/// error) and every exported function, called with zeros, returns, traps
/// or throws an exception it does not catch. Execution is bounded by the
/// generator's injected fuel. Anything but a trap, an uncaught exception
/// or a link error is a finding.
pub fn instantiate(engine: &egret::Engine, wasm: &[u8]) -> Result<(), Finding> {
    let exports = shape::exports(wasm).map_err(finding)?;
    let module = egret::Module::from_binary(engine, wasm)
        .map_err(|e| finding(format!("Egret failed to compile a valid module: {e}")))?;
    let mut run = match EgretRun::new(&module) {
        Ok(run) => run,
        Err(Outcome::Failed(e)) => return Err(finding(format!("instantiation failed: {e}"))),
        Err(_) => return Ok(()),
    };
    for export in &exports {
        if let ExportKind::Func { params, results } = &export.kind {
            // A non-nullable reference parameter: the host has no value.
            let Some(args) = params
                .iter()
                .map(|k| Value::zero(*k))
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            if let Outcome::Failed(e) = run.call(&export.name, &args, results) {
                return Err(finding(format!("calling `{}` failed: {e}", export.name)));
            }
        }
    }
    Ok(())
}

/// What a differential case came to, for statistics.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Both engines instantiated the module.
    pub instantiated: bool,
    /// Both engines agreed that instantiation fails.
    pub instantiation_failed: bool,
    /// Calls whose outcomes were compared.
    pub calls: u64,
    /// Compared calls that trapped (in both engines, identically).
    pub traps: u64,
    /// A resource limit (stack or GC heap exhaustion) in either engine
    /// ended the comparison early.
    pub inconclusive: bool,
    /// Exported functions not called: a parameter is a non-nullable
    /// reference, and the host has none to pass.
    pub uncallable: u64,
    /// wasmi panicked (a bug in the oracle, see [`oracle_guard`]), which
    /// ended the comparison early.
    pub oracle_panicked: bool,
    /// The module uses something wasmi gets wrong (see `wasmi_side.rs`),
    /// so it was not run.
    pub oracle_unsupported: bool,
    /// Which exception-handling and GC instructions the module has
    /// (counted for the Wasmtime differential only).
    pub instructions: shape::Instructions,
    /// Compared calls that ended in an uncaught exception (in both
    /// engines, with the same tag and fields).
    pub uncaught: u64,
    /// Compared calls that returned a non-null `exnref` (in both
    /// engines): an exception caught by `catch_ref` or `catch_all_ref`.
    pub caught_exnrefs: u64,
    /// Compared calls that returned a non-null reference of the `any`
    /// hierarchy (an `i31`, a struct or an array, alike in both engines).
    pub gc_results: u64,
    /// The module imports a table or global of a struct or array type,
    /// which Egret's host API cannot make yet (see
    /// [`shape::imports_gc_typed_table_or_global`]), so it was not run.
    pub gc_typed_import: bool,
}

/// Runs a step of the reference engine, `None` if it panics. wasmi 2.0.0
/// has translator panics on valid modules (an `unreachable!()` in
/// `choose_store_op_vt`, reached by some `i32.store`s); they are bugs of
/// the oracle, not findings about Egret, so the case is abandoned and
/// counted instead. (Under cargo-fuzz, libFuzzer's panic hook aborts
/// first, so there they still show up as crashes inside wasmi.)
pub fn oracle_guard<R>(step: impl FnOnce() -> R) -> Option<R> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).ok()
}

/// How many times each exported function is called: once with zeros,
/// then with interesting values.
pub const CALLS_PER_EXPORT: usize = 3;

/// Oracle (c): Egret and wasmi agree on `wasm`. Both must compile it
/// (it is valid); instantiation must fail in both or in neither (the same
/// way when both trap or throw); every exported function, called
/// [`CALLS_PER_EXPORT`] times in export order with arguments seeded by a
/// hash of `wasm` (so a saved module replays exactly), must return the
/// same values (NaN bits normalised, see [`Value::agrees_with`]), trap
/// the same way, or throw the same uncaught exception (same exported
/// tag, agreeing fields, see [`crate::values::Exception`]); afterwards
/// every exported memory must be byte-equal, every exported global equal
/// (NaN-normalised) and every exported table equally long with the same
/// null elements.
/// Stack (or GC heap) exhaustion in either engine makes the rest of the
/// case inconclusive, since the engines' stack (and heap) sizes differ.
pub fn differential(engines: &Engines, wasm: &[u8]) -> Result<Stats, Finding> {
    differential_with_args(engines, wasm, fnv1a(wasm))
}

/// [`differential`] with arguments from `arg_seed` instead of the module's
/// hash: minimising a finding changes the module, and this keeps the
/// arguments that showed it (the finding message gives the seed).
pub fn differential_with_args(
    engines: &Engines,
    wasm: &[u8],
    arg_seed: u64,
) -> Result<Stats, Finding> {
    let mut stats = Stats::default();
    let exports = shape::exports(wasm).map_err(finding)?;
    let egret_module = egret::Module::from_binary(&engines.egret, wasm)
        .map_err(|e| finding(format!("Egret failed to compile a valid module: {e}")))?;
    let Some(for_wasmi) = crate::wasmi_side::for_wasmi(wasm).map_err(finding)? else {
        stats.oracle_unsupported = true;
        return Ok(stats);
    };
    let wasmi_module = match oracle_guard(|| wasmi::Module::new(&engines.wasmi, &for_wasmi)) {
        Some(module) => {
            module.map_err(|e| finding(format!("wasmi failed to compile a valid module: {e}")))?
        }
        None => {
            stats.oracle_panicked = true;
            return Ok(stats);
        }
    };
    let Some(wasmi_run) = oracle_guard(|| WasmiRun::new(&engines.wasmi, &wasmi_module)) else {
        stats.oracle_panicked = true;
        return Ok(stats);
    };
    compare(
        EgretRun::new(&egret_module),
        wasmi_run,
        &exports,
        arg_seed,
        stats,
    )
}

/// Oracle (d): Egret and Wasmtime 48 agree on `wasm`, a module of
/// WebAssembly 3.0 features, GC included (`generators::wasmtime_features`),
/// by the rules of [`differential`]; running out of GC heap in either
/// engine is a resource limit like stack exhaustion.
#[cfg(feature = "wasmtime")]
pub fn differential_wasmtime(engines: &Engines, wasm: &[u8]) -> Result<Stats, Finding> {
    differential_wasmtime_with_args(engines, wasm, fnv1a(wasm))
}

/// [`differential_wasmtime`] with arguments from `arg_seed` (see
/// [`differential_with_args`]).
#[cfg(feature = "wasmtime")]
pub fn differential_wasmtime_with_args(
    engines: &Engines,
    wasm: &[u8],
    arg_seed: u64,
) -> Result<Stats, Finding> {
    let exports = shape::exports(wasm).map_err(finding)?;
    let egret_module = egret::Module::from_binary(&engines.egret_for_wasmtime, wasm)
        .map_err(|e| finding(format!("Egret failed to compile a valid module: {e}")))?;
    let wasmtime_module = wasmtime::Module::new(&engines.wasmtime, wasm)
        .map_err(|e| finding(format!("Wasmtime failed to compile a valid module: {e:?}")))?;
    if shape::imports_gc_typed_table_or_global(wasm) {
        return Ok(Stats {
            gc_typed_import: true,
            ..Stats::default()
        });
    }
    let stats = Stats {
        instructions: shape::instructions(wasm),
        ..Stats::default()
    };
    compare(
        EgretRun::new(&egret_module),
        WasmtimeRun::new(&engines.wasmtime, &wasmtime_module),
        &exports,
        arg_seed,
        stats,
    )
}

/// The engine Egret is compared with, as [`compare`] uses it: an
/// instance of the module.
trait Peer {
    /// The engine's name, for findings.
    const NAME: &'static str;
    /// Calls the exported function `name`; `None` if the engine panicked
    /// (an oracle bug, see [`oracle_guard`]).
    fn call(&mut self, name: &str, args: &[Value], results: &[ValKind]) -> Option<Outcome>;
    /// The bytes of the exported memory `name`.
    fn memory(&mut self, name: &str) -> Result<Vec<u8>, String>;
    /// The value of the exported global `name`.
    fn global(&mut self, name: &str) -> Result<Value, String>;
    /// Which elements of the exported table `name` are null.
    fn table(&mut self, name: &str) -> Result<Vec<bool>, String>;
}

impl Peer for WasmiRun {
    const NAME: &'static str = "wasmi";

    fn call(&mut self, name: &str, args: &[Value], results: &[ValKind]) -> Option<Outcome> {
        oracle_guard(|| WasmiRun::call(self, name, args, results))
    }

    fn memory(&mut self, name: &str) -> Result<Vec<u8>, String> {
        WasmiRun::memory(self, name).map(<[u8]>::to_vec)
    }

    fn global(&mut self, name: &str) -> Result<Value, String> {
        WasmiRun::global(self, name)
    }

    fn table(&mut self, name: &str) -> Result<Vec<bool>, String> {
        WasmiRun::table(self, name)
    }
}

#[cfg(feature = "wasmtime")]
impl Peer for WasmtimeRun {
    const NAME: &'static str = "Wasmtime";

    fn call(&mut self, name: &str, args: &[Value], results: &[ValKind]) -> Option<Outcome> {
        Some(WasmtimeRun::call(self, name, args, results))
    }

    fn memory(&mut self, name: &str) -> Result<Vec<u8>, String> {
        WasmtimeRun::memory(self, name).map(<[u8]>::to_vec)
    }

    fn global(&mut self, name: &str) -> Result<Value, String> {
        WasmtimeRun::global(self, name)
    }

    fn table(&mut self, name: &str) -> Result<Vec<bool>, String> {
        WasmtimeRun::table(self, name)
    }
}

/// The arguments of call number `call` to a function taking `params`:
/// zeros the first time, then interesting values; `None` when a
/// parameter is a non-nullable reference (the host has none).
fn arguments(params: &[ValKind], call: usize, rng: &mut Rng) -> Option<Vec<Value>> {
    params
        .iter()
        .map(|k| {
            if call == 0 {
                Value::zero(*k)
            } else {
                Value::interesting(*k, rng)
            }
        })
        .collect()
}

/// The comparison behind the differential oracles, once both engines
/// have compiled the module and tried to instantiate it.
fn compare<P: Peer>(
    egret: Result<EgretRun, Outcome>,
    peer: Result<P, Outcome>,
    exports: &[shape::Export],
    arg_seed: u64,
    mut stats: Stats,
) -> Result<Stats, Finding> {
    let peer_name = P::NAME;
    let (mut egret, mut peer) = match (egret, peer) {
        (Ok(e), Ok(p)) => (e, p),
        (Err(e), _) | (_, Err(e)) if e.is_resource() => {
            stats.inconclusive = true;
            return Ok(stats);
        }
        (Err(e), Err(p)) => {
            // Two traps, or uncaught exceptions (of no exported tag: there
            // is no instance), or one of each, must agree; a link error
            // has no class to compare.
            if e.is_semantic() && p.is_semantic() && !e.agrees_with(&p) {
                return Err(finding(format!(
                    "instantiation failed differently: Egret {e}, {peer_name} {p}"
                )));
            }
            stats.instantiation_failed = true;
            return Ok(stats);
        }
        (Err(e), Ok(_)) => {
            return Err(finding(format!(
                "instantiation: Egret {e}, {peer_name} succeeded"
            )));
        }
        (Ok(_), Err(p)) => {
            return Err(finding(format!(
                "instantiation: Egret succeeded, {peer_name} {p}"
            )));
        }
    };
    stats.instantiated = true;

    let mut rng = Rng::new(arg_seed);
    for export in exports {
        let ExportKind::Func { params, results } = &export.kind else {
            continue;
        };
        for call in 0..CALLS_PER_EXPORT {
            let Some(args) = arguments(params, call, &mut rng) else {
                stats.uncallable += 1;
                break;
            };
            let Some(expected) = peer.call(&export.name, &args, results) else {
                stats.oracle_panicked = true;
                return Ok(stats);
            };
            let actual = egret.call(&export.name, &args, results);
            if expected.is_resource() || actual.is_resource() {
                stats.inconclusive = true;
                return Ok(stats);
            }
            if !actual.agrees_with(&expected) {
                let args: Vec<String> = args.iter().map(Value::to_string).collect();
                return Err(finding(format!(
                    "call {} of export `{}` with args [{}] (arg seed {arg_seed:#x}):\n  \
                     {peer_name}: {expected}\n  Egret: {actual}",
                    stats.calls,
                    export.name,
                    args.join(", ")
                )));
            }
            stats.calls += 1;
            match &actual {
                Outcome::Trapped(_) => stats.traps += 1,
                Outcome::Uncaught(_) => stats.uncaught += 1,
                Outcome::Returned(values) => {
                    if values.contains(&Value::ExnRef { null: false }) {
                        stats.caught_exnrefs += 1;
                    }
                    if values
                        .iter()
                        .any(|v| matches!(v, Value::AnyRef(a) if *a != AnyValue::Null))
                    {
                        stats.gc_results += 1;
                    }
                }
                Outcome::Failed(_) => {}
            }
        }
    }

    for export in exports {
        let name = &export.name;
        match export.kind {
            // A tag has no state: it only names uncaught exceptions.
            ExportKind::Func { .. } | ExportKind::Tag => {}
            ExportKind::Memory => {
                let (e, p) = (
                    egret.memory(name).map_err(finding)?,
                    peer.memory(name).map_err(finding)?,
                );
                if e != p {
                    let first = e.iter().zip(&p).position(|(a, b)| a != b);
                    return Err(finding(format!(
                        "final memory `{name}` differs: Egret {} bytes, {peer_name} {} bytes, first difference at {first:?}{}",
                        e.len(),
                        p.len(),
                        first
                            .map(|i| format!(" (Egret {:#04x}, {peer_name} {:#04x})", e[i], p[i]))
                            .unwrap_or_default()
                    )));
                }
            }
            ExportKind::Global => {
                let (e, p) = (
                    egret.global(name).map_err(finding)?,
                    peer.global(name).map_err(finding)?,
                );
                if !e.agrees_with(&p) {
                    return Err(finding(format!(
                        "final global `{name}` differs: Egret {e}, {peer_name} {p}"
                    )));
                }
            }
            ExportKind::Table => {
                let (e, p) = (
                    egret.table(name).map_err(finding)?,
                    peer.table(name).map_err(finding)?,
                );
                if e != p {
                    return Err(finding(format!(
                        "final table `{name}` differs: Egret {} elements, null at {:?}; {peer_name} {} elements, null at {:?}",
                        e.len(),
                        nulls(&e),
                        p.len(),
                        nulls(&p)
                    )));
                }
            }
        }
    }
    Ok(stats)
}

fn nulls(elements: &[bool]) -> Vec<usize> {
    elements
        .iter()
        .enumerate()
        .filter_map(|(i, null)| null.then_some(i))
        .collect()
}
