//! The runtimes under measurement behind one interface, so every figure
//! is the same code on each: Egret always; Wasmtime and wasmi with the
//! `compare` feature.

mod on_egret;
#[cfg(feature = "compare")]
mod on_wasmi;
#[cfg(feature = "compare")]
mod on_wasmtime;

pub use on_egret::Egret;
#[cfg(feature = "compare")]
pub use on_wasmi::Wasmi;
#[cfg(feature = "compare")]
pub use on_wasmtime::Wasmtime;

/// A WebAssembly runtime, configured as its users get it by default
/// (except where a comparison needs otherwise, as noted on each type).
pub trait Runtime: Sized + 'static {
    /// The name tables print.
    const NAME: &'static str;
    /// Whether this runtime can run the kernels when built with debug
    /// assertions (as `cargo test` builds dependencies in this workspace).
    const RUNS_KERNELS_WITH_DEBUG_ASSERTIONS: bool = true;
    /// A compiled module.
    type Module;
    /// An instance of a kernel, ready to run.
    type Kernel: KernelInstance;
    /// An instance of [`calls_module`](crate::modules::calls_module).
    type Calls: CallsInstance;

    /// An engine with the runtime's default configuration.
    fn new() -> Self;

    /// Compiles (and validates) a module from its binary form.
    fn compile(&self, wasm: &[u8]) -> Self::Module;

    /// Creates a store and instantiates `module` (which has no imports) in
    /// it, then drops both: the instantiate figure.
    fn instantiate(&self, module: &Self::Module);

    /// Compiles and instantiates a kernel in a store of its own.
    fn kernel(&self, wasm: &[u8]) -> Self::Kernel {
        self.export(wasm, "run")
    }

    /// Compiles and instantiates `wasm` (which has no imports) in a store
    /// of its own, ready to call its export `name: (i32) -> i32`.
    fn export(&self, wasm: &[u8], name: &str) -> Self::Kernel;

    /// Compiles and instantiates the calls module in a store of its own,
    /// with `host.inc(x) = x + 1`.
    fn calls(&self) -> Self::Calls;
}

/// A runtime that also runs the WebAssembly 3.0 code of the call-kinds,
/// memory64 and exceptions figures: typed function references
/// (`call_ref`), declared function subtypes, 64-bit memories and exception
/// handling (Egret and Wasmtime).
pub trait Wasm3: Runtime {
    /// An engine with [`Runtime::new`]'s configuration plus typed function
    /// references, GC types (declared subtypes are part of the GC
    /// proposal), memory64 and exception handling, the same on every
    /// runtime. (Exception handling is on by default in both Egret and
    /// Wasmtime 48, the latter only when built with its `gc` feature;
    /// naming it keeps the two configurations visibly alike.)
    fn with_wasm3() -> Self;
}

/// A runtime that can save compiled modules and load them again.
pub trait Precompiling: Runtime {
    /// The compiled form of `module`.
    fn serialize(&self, module: &Self::Module) -> Vec<u8>;

    /// Loads a module from [`Precompiling::serialize`]'s output.
    fn deserialize(&self, bytes: &[u8]) -> Self::Module;
}

/// An instantiated kernel (or another `(i32) -> i32` export, see
/// [`Runtime::export`]).
pub trait KernelInstance {
    /// Calls the kernel's `run(n)` (or the export) and returns its result.
    fn run(&mut self, n: u32) -> u32;
}

/// An instantiated [`calls_module`](crate::modules::calls_module).
pub trait CallsInstance {
    /// Calls `empty` from the host.
    fn empty(&mut self);
    /// Calls `add` from the host.
    fn add(&mut self, a: i32, b: i32) -> i32;
    /// Calls `host_loop(n)`, which makes n calls of the host function.
    fn host_loop(&mut self, n: i32) -> i32;
}

/// Expands its argument only when the `compare` feature is on.
#[cfg(feature = "compare")]
#[doc(hidden)]
#[macro_export]
macro_rules! if_compare {
    ($($tokens:tt)*) => { $($tokens)* };
}

/// Expands its argument only when the `compare` feature is on.
#[cfg(not(feature = "compare"))]
#[doc(hidden)]
#[macro_export]
macro_rules! if_compare {
    ($($tokens:tt)*) => {};
}

/// Calls the generic function `f::<R>(args...)` for every runtime `R`
/// built in: Egret, then (with `compare`) Wasmtime and wasmi.
#[macro_export]
macro_rules! each_runtime {
    ($f:ident($($arg:expr),* $(,)?)) => {{
        $f::<$crate::runtimes::Egret>($($arg),*);
        $crate::if_compare! {
            $f::<$crate::runtimes::Wasmtime>($($arg),*);
            $f::<$crate::runtimes::Wasmi>($($arg),*);
        }
    }};
}
