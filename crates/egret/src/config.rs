//! Engine configuration: optimisation, WebAssembly features, compilation
//! strategy, runtime limits, fuel and epoch interruption, the garbage
//! collector, profiling.

use crate::Cache;
use crate::{Error, Result};
use egret_frontend::config::CompilerConfig;
use egret_frontend::target::Target;
use egret_runtime::engine::{Collection, RuntimeConfig};
use wasmparser::WasmFeatures;

pub use egret_frontend::config::{Inlining, OptLevel};

/// Settings for an [`Engine`](crate::Engine).
///
/// ```
/// let mut config = egret::Config::new();
/// config.cranelift_opt_level(egret::OptLevel::Speed).wasm_simd(false);
/// let engine = egret::Engine::new(&config).unwrap();
/// # drop(engine);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub(crate) compiler: CompilerConfig,
    pub(crate) target: Target,
    pub(crate) runtime: RuntimeConfig,
    pub(crate) cache: Option<Cache>,
    pub(crate) collector: Collector,
    pub(crate) profiler: ProfilingStrategy,
}

/// Which garbage collector an engine's stores use ([`Config::collector`]):
/// Wasmtime 48's choices. Egret has one collector, a precise mark-sweep
/// (docs/gc.md), which `Auto` and `DeferredReferenceCounting` select.
#[non_exhaustive]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Collector {
    /// Egret's choice: the mark-sweep collector.
    #[default]
    Auto,
    /// Wasmtime's deferred reference counting; in Egret, the mark-sweep
    /// collector, which also frees cycles.
    DeferredReferenceCounting,
    /// No collection ever: objects live as long as their store, and an
    /// allocation fails with [`GcHeapOutOfMemory`](crate::GcHeapOutOfMemory)
    /// once the heap cannot grow (the resource limiter refuses, or it
    /// reached 4 GiB). [`Store::gc`](crate::Store::gc) does nothing.
    Null,
    /// Wasmtime's copying collector (unfinished there); Egret has none,
    /// and [`Engine::new`](crate::Engine::new) refuses it.
    Copying,
}

impl Collector {
    /// What the runtime does for this choice.
    pub(crate) fn collection(self) -> Result<Collection> {
        match self {
            Collector::Auto | Collector::DeferredReferenceCounting => Ok(Collection::MarkSweep),
            Collector::Null => Ok(Collection::Never),
            Collector::Copying => Err(Error::misuse(
                "cannot create an engine using the copying collector: Egret has none",
            )),
        }
    }
}

/// How a profiler learns about generated code ([`Config::profiler`]):
/// Wasmtime 48's choices, of which Egret supports `None` and `PerfMap`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum ProfilingStrategy {
    /// No profiler support (the default).
    #[default]
    None,
    /// Every function's code range and name go to `/tmp/perf-PID.map`,
    /// where Linux `perf` looks up code it has no symbols for: `perf
    /// record` then `perf report` names the wasm functions (from the name
    /// section, else `wasm-function[N]`).
    PerfMap,
    /// Wasmtime's `perf` "jitdump" files; Egret has no support, and
    /// [`Engine::new`](crate::Engine::new) refuses it.
    JitDump,
    /// Wasmtime's VTune support; Egret has none, and
    /// [`Engine::new`](crate::Engine::new) refuses it.
    VTune,
    /// Wasmtime's interpreter profiling; Egret has no interpreter, and
    /// [`Engine::new`](crate::Engine::new) refuses it.
    Pulley,
}

impl ProfilingStrategy {
    /// Whether the runtime writes a perf map, or an error for a strategy
    /// Egret does not support.
    pub(crate) fn writes_perf_map(self) -> Result<bool> {
        match self {
            ProfilingStrategy::None => Ok(false),
            ProfilingStrategy::PerfMap => Ok(true),
            ProfilingStrategy::JitDump | ProfilingStrategy::VTune | ProfilingStrategy::Pulley => {
                Err(Error::misuse(format!(
                    "cannot create an engine with the {self:?} profiler: Egret supports \
                     `ProfilingStrategy::None` and `ProfilingStrategy::PerfMap`"
                )))
            }
        }
    }
}

impl Config {
    /// The default configuration: WebAssembly 2.0 plus extended constant
    /// expressions, tail calls, typed function references, wide
    /// arithmetic, multi-memory, memory64 and relaxed SIMD (as in Wasmtime 48, but for the 3.0 features Egret
    /// does not implement yet), optimised code, parallel compilation, a
    /// 512 KiB wasm stack.
    pub fn new() -> Config {
        Config::default()
    }

    /// Which profiler to tell about generated code (default
    /// [`ProfilingStrategy::None`]). With [`ProfilingStrategy::PerfMap`],
    /// `perf record` of the program and `perf report` name the wasm
    /// functions the samples fall in.
    ///
    /// ```
    /// let mut config = egret::Config::new();
    /// config.profiler(egret::ProfilingStrategy::PerfMap);
    /// let engine = egret::Engine::new(&config).unwrap();
    /// # drop(engine);
    /// config.profiler(egret::ProfilingStrategy::JitDump);
    /// assert!(egret::Engine::new(&config).is_err());
    /// ```
    pub fn profiler(&mut self, profile: ProfilingStrategy) -> &mut Self {
        self.profiler = profile;
        self
    }

    /// Generate code for another target: `x86_64-baseline` (the lowest
    /// x86_64 level Egret supports, x86-64-v2), a target triple such as
    /// `aarch64-unknown-linux-gnu`, or `host` (the default). Code for
    /// another target cannot run here: an engine for it produces
    /// precompiled modules
    /// ([`Engine::precompile_module`](crate::Engine::precompile_module))
    /// for an engine of that target, and
    /// [`Engine::compile_report`](crate::Engine::compile_report)s.
    ///
    /// ```
    /// let mut config = egret::Config::new();
    /// config.target("aarch64-unknown-linux-gnu").unwrap();
    /// assert!(config.target("not-a-target!").is_err());
    /// ```
    pub fn target(&mut self, name: &str) -> crate::Result<&mut Self> {
        self.target = Target::parse(name)?;
        Ok(self)
    }

    /// Keep compiled modules in `cache` (or no cache with `None`, the
    /// default): [`Module::new`](crate::Module::new) and
    /// [`Module::from_binary`](crate::Module::from_binary) then load a
    /// module compiled before, by any process, from the same wasm bytes
    /// with an engine of the same code-shaping settings, and write what
    /// they compile. A damaged or unusable entry is compiled again; the
    /// cache never makes compiling fail. Its directory is trusted like a
    /// precompiled module: whoever can write there chooses the code that
    /// runs.
    ///
    /// ```no_run
    /// let mut config = egret::Config::new();
    /// config.cache(Some(egret::Cache::from_file(None)?));
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn cache(&mut self, cache: Option<Cache>) -> &mut Self {
        self.cache = cache;
        self
    }

    /// How much Cranelift optimises generated code.
    pub fn cranelift_opt_level(&mut self, level: OptLevel) -> &mut Self {
        self.compiler.opt_level = level;
        self
    }

    /// Make every NaN that a float operation produces the canonical NaN,
    /// so results do not depend on the machine (off by default, as in
    /// Wasmtime). Costs a compare and select per float operation.
    pub fn cranelift_nan_canonicalization(&mut self, enable: bool) -> &mut Self {
        self.compiler.nan_canonicalization = enable;
        self
    }

    /// Run Cranelift's IR verifier on every function (slower; catches
    /// code generation bugs early).
    pub fn cranelift_debug_verifier(&mut self, enable: bool) -> &mut Self {
        self.compiler.verify = enable;
        self
    }

    /// Whether to inline functions during compilation (Wasmtime 48's
    /// signature). With [`Inlining::Yes`], a direct `call` of a small
    /// function defined in the same module is replaced by the callee's
    /// body, which saves the call and lets Cranelift optimise the two
    /// together; compilation takes a little longer. As in Wasmtime,
    /// backtraces then omit the inlined frames: a trap in an inlined body
    /// shows the caller's frame at the `call`. The default is
    /// [`Inlining::No`], as in Wasmtime.
    pub fn compiler_inlining(&mut self, inlining: Inlining) -> &mut Self {
        self.compiler.inlining = inlining;
        self
    }

    /// Compile function bodies on all cores.
    pub fn parallel_compilation(&mut self, enable: bool) -> &mut Self {
        self.compiler.parallel = enable;
        self
    }

    /// The most stack, in bytes, wasm may use (512 KiB by default);
    /// running past it traps with
    /// [`Trap::StackOverflow`](crate::Trap::StackOverflow). The
    /// budget counts from where the host enters wasm, on the thread that
    /// enters it; wasm re-entered by a host function on the same thread
    /// shares the outer call's budget. On a thread with less stack left
    /// than this, wasm gets what the thread has, less 64 KiB kept for host
    /// functions, so it traps instead of running into the thread's guard
    /// page. [`Engine::new`](crate::Engine::new) refuses 0.
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.runtime.max_wasm_stack = bytes;
        self
    }

    /// Count the fuel wasm consumes and trap with
    /// [`Trap::OutOfFuel`](crate::Trap::OutOfFuel) when a store
    /// runs out (see [`Store::set_fuel`](crate::Store::set_fuel)). Every
    /// operator costs one unit except `nop`, `drop`, `block`, `loop`,
    /// `else`, `end`, `return` and `unreachable`; fuel is checked on
    /// function entry and at every loop iteration. Off by default; when
    /// off, the generated code contains no fuel accounting at all.
    ///
    /// ```
    /// let engine = egret::Engine::new(egret::Config::new().consume_fuel(true))?;
    /// let mut store = egret::Store::new(&engine, ());
    /// store.set_fuel(1_000)?;
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.compiler.tunables.consume_fuel = enable;
        self
    }

    /// Check the store's epoch deadline on function entry and at every
    /// loop iteration, trapping with
    /// [`Trap::Interrupt`](crate::Trap::Interrupt) once
    /// [`Engine::increment_epoch`](crate::Engine::increment_epoch) has
    /// reached it (see
    /// [`Store::set_epoch_deadline`](crate::Store::set_epoch_deadline)).
    /// Cheaper than fuel; the way to bound wasm's running time from
    /// another thread. Off by default; when off, the generated code
    /// contains no epoch checks at all.
    ///
    /// ```
    /// let engine = egret::Engine::new(egret::Config::new().epoch_interruption(true))?;
    /// let mut store = egret::Store::new(&engine, ());
    /// store.set_epoch_deadline(1);
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Self {
        self.compiler.tunables.epoch_interruption = enable;
        self
    }

    fn feature(&mut self, feature: WasmFeatures, enable: bool) -> &mut Self {
        self.compiler.features.set(feature, enable);
        self
    }

    /// Fixed-width SIMD (`v128`).
    pub fn wasm_simd(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::SIMD, enable)
    }

    /// Bulk memory operations.
    pub fn wasm_bulk_memory(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::BULK_MEMORY, enable)
    }

    /// Reference types (`funcref`/`externref` values, several tables).
    pub fn wasm_reference_types(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::REFERENCE_TYPES, enable)
    }

    /// Multi-value blocks and functions.
    pub fn wasm_multi_value(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::MULTI_VALUE, enable)
    }

    /// Sign-extension operators.
    pub fn wasm_sign_extension(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::SIGN_EXTENSION, enable)
    }

    /// Non-trapping float-to-int conversions.
    pub fn wasm_saturating_float_to_int(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::SATURATING_FLOAT_TO_INT, enable)
    }

    /// Several memories per module (a WebAssembly 3.0 feature; on by
    /// default, as in Wasmtime).
    ///
    /// ```
    /// let wat = "(module (memory 1) (memory 1))";
    /// assert!(egret::Module::new(&egret::Engine::default(), wat).is_ok());
    /// let engine = egret::Engine::new(egret::Config::new().wasm_multi_memory(false))?;
    /// assert!(egret::Module::new(&engine, wat).is_err());
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn wasm_multi_memory(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::MULTI_MEMORY, enable)
    }

    /// Extended constant expressions: `i32`/`i64` `add`, `sub` and `mul`
    /// in global initialisers and segment offsets (a WebAssembly 3.0
    /// feature; on by default, as in Wasmtime).
    ///
    /// ```
    /// let wat = "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))";
    /// let engine = egret::Engine::default();
    /// assert!(egret::Module::new(&engine, wat).is_ok());
    /// let engine = egret::Engine::new(egret::Config::new().wasm_extended_const(false))?;
    /// assert!(egret::Module::new(&engine, wat).is_err());
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn wasm_extended_const(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::EXTENDED_CONST, enable)
    }

    /// 64-bit memories and tables (`i64` addresses and indices; a
    /// WebAssembly 3.0 feature; on by default, as in Wasmtime). Every
    /// access to a 64-bit memory is bounds-checked explicitly (with a
    /// guard against speculative out-of-bounds reads), and such a memory
    /// can grow past 4 GiB up to its declared maximum, the resource
    /// limiter's bound, and the engine's reservation (6 GiB by default).
    ///
    /// ```
    /// let wat = "(module (memory i64 1) (table i64 1 funcref))";
    /// assert!(egret::Module::new(&egret::Engine::default(), wat).is_ok());
    /// let engine = egret::Engine::new(egret::Config::new().wasm_memory64(false))?;
    /// assert!(egret::Module::new(&engine, wat).is_err());
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn wasm_memory64(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::MEMORY64, enable)
    }

    /// Tail calls (`return_call`, `return_call_indirect`, and with
    /// [`Config::wasm_function_references`] `return_call_ref`; a
    /// WebAssembly 3.0 feature). On by default, as in Wasmtime. A tail
    /// call replaces the caller's frame, so tail-recursive code runs in
    /// constant stack.
    ///
    /// ```
    /// let wat = r#"(module (func $loop (export "loop") (param i64)
    ///     (if (i64.ne (local.get 0) (i64.const 0))
    ///       (then (return_call $loop (i64.sub (local.get 0) (i64.const 1)))))))"#;
    /// let engine = egret::Engine::default();
    /// let module = egret::Module::new(&engine, wat)?;
    /// let mut store = egret::Store::new(&engine, ());
    /// let instance = egret::Instance::new(&mut store, &module, &[])?;
    /// let run = instance.get_typed_func::<i64, ()>(&mut store, "loop")?;
    /// run.call(&mut store, 10_000_000)?; // far deeper than any stack
    /// let engine = egret::Engine::new(egret::Config::new().wasm_tail_call(false))?;
    /// assert!(egret::Module::new(&engine, wat).is_err());
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn wasm_tail_call(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::TAIL_CALL, enable)
    }

    /// Typed function references (`(ref $t)`, `call_ref`, `br_on_null`,
    /// non-nullable locals, typed tables; a WebAssembly 3.0 feature). On
    /// by default, as in Wasmtime.
    ///
    /// ```
    /// let wat = r#"(module (type $t (func)) (func (param (ref $t)) (call_ref $t (local.get 0))))"#;
    /// assert!(egret::Module::new(&egret::Engine::default(), wat).is_ok());
    /// let engine = egret::Engine::new(egret::Config::new().wasm_function_references(false))?;
    /// assert!(egret::Module::new(&engine, wat).is_err());
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn wasm_function_references(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::FUNCTION_REFERENCES, enable)
    }

    /// Relaxed SIMD (a WebAssembly 3.0 feature; on by default, as in
    /// Wasmtime): vector operators whose result may differ between
    /// machines within bounds the specification sets, so each compiles to
    /// the host's fastest instruction. See
    /// [`Config::relaxed_simd_deterministic`].
    pub fn wasm_relaxed_simd(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::RELAXED_SIMD, enable)
    }

    /// Give relaxed SIMD operators the same result on every machine: that
    /// of their non-relaxed counterparts (`i8x16.swizzle` for
    /// `i8x16.relaxed_swizzle`, the saturating truncations, `fmin`/`fmax`,
    /// `bitselect` for the lane selects, a fused multiply-add for
    /// `madd`/`nmadd`, signed bytes and wrapping sums for the dot
    /// products). Off by default, as in Wasmtime: each operator then uses
    /// the host's fastest permitted instruction, which on x86_64 may give a
    /// different (but permitted) result than on aarch64. Part of the
    /// settings a precompiled module must match.
    ///
    /// ```
    /// let wat = r#"(module (func (export "f") (param v128 v128) (result v128)
    ///     (i8x16.relaxed_swizzle (local.get 0) (local.get 1))))"#;
    /// let engine = egret::Engine::new(egret::Config::new().relaxed_simd_deterministic(true))?;
    /// let module = egret::Module::new(&engine, wat)?;
    /// # drop(module);
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn relaxed_simd_deterministic(&mut self, enable: bool) -> &mut Self {
        self.compiler.tunables.relaxed_simd_deterministic = enable;
        self
    }

    /// Wide arithmetic (`i64.add128`, `i64.sub128`, `i64.mul_wide_s`,
    /// `i64.mul_wide_u`: 128-bit results as pairs of `i64`s). On by
    /// default, as in Wasmtime.
    pub fn wasm_wide_arithmetic(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::WIDE_ARITHMETIC, enable)
    }

    /// Custom page sizes: memories of one-byte pages (`(pagesize 1)`),
    /// whose sizes, limits, `memory.size` and `memory.grow` count bytes.
    /// Every access to such a memory is bounds-checked explicitly. Off by
    /// default, as in Wasmtime.
    ///
    /// ```
    /// let wat = "(module (memory 10 (pagesize 1)))";
    /// assert!(egret::Module::new(&egret::Engine::default(), wat).is_err());
    /// let engine = egret::Engine::new(egret::Config::new().wasm_custom_page_sizes(true))?;
    /// assert!(egret::Module::new(&engine, wat).is_ok());
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn wasm_custom_page_sizes(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::CUSTOM_PAGE_SIZES, enable)
    }

    /// Garbage-collected structs, arrays, `i31` and recursion groups (a
    /// WebAssembly 3.0 feature). On by default, as in Wasmtime 48. Objects
    /// live in a GC heap per store, collected by a precise mark-sweep
    /// collector; the heap grows as the store's resource limiter allows,
    /// and an allocation that does not fit fails the call with
    /// [`GcHeapOutOfMemory`](crate::GcHeapOutOfMemory) (see docs/gc.md).
    /// Off, frames carry no stack maps, and the host values of
    /// `ExternRef`s live as long as their store.
    pub fn wasm_gc(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::GC, enable)
    }

    /// Exception handling (tags, `throw`, `throw_ref`, `try_table`,
    /// `exnref`; a WebAssembly 3.0 feature). On by default, as in
    /// Wasmtime 48.
    pub fn wasm_exceptions(&mut self, enable: bool) -> &mut Self {
        self.feature(WasmFeatures::EXCEPTIONS, enable)
    }

    /// Which garbage collector the engine's stores use (see
    /// [`Collector`]); [`Collector::Auto`] by default, as in Wasmtime.
    ///
    /// ```
    /// use egret::{Collector, Config, Engine};
    /// assert!(Engine::new(Config::new().collector(Collector::Null)).is_ok());
    /// assert!(Engine::new(Config::new().collector(Collector::Copying)).is_err());
    /// ```
    pub fn collector(&mut self, collector: Collector) -> &mut Self {
        self.collector = collector;
        self
    }
}
