//! Egret's benchmark harness (issue 6): what we measure, on which runtime.
//!
//! The figures, each available for Egret and, with the `compare`
//! feature, for Wasmtime and wasmi in the same run:
//!
//! - **execution**: compute kernels written in C (`kernels/*.c` without a
//!   libc, `kernels/wasi/*.c` with one), compiled to wasm32 by clang (the
//!   committed `.wasm` files; the second set against wasi-libc) and, as
//!   the native floor, by the host C compiler (`build.rs`); see [`kernels`];
//! - **compile**: compiling a large generated module, and the kernels;
//!   see [`modules::large_module`]; and a corpus of real toolchain output
//!   (clang with wasi-libc), see [`corpus`];
//! - **instantiate**: a fresh store plus an instance of a module with a
//!   memory, a table and 100 functions; see [`modules::instantiate_module`];
//! - **calls**: host→wasm calls of an empty function and of
//!   `(i32, i32) -> i32`, and wasm→host calls of a host function; see
//!   [`modules::calls_module`];
//! - **call kinds**: wasm→wasm calls made with `call`, `call_indirect`
//!   (exact type and declared subtype) and `call_ref`; see [`call_kinds`];
//! - **memory64**: kernels built for a 32-bit and for a 64-bit memory;
//!   see [`memory64`];
//! - **exceptions**: a throw caught 1, 10 and 100 frames up, and a call
//!   loop with and without `try_table` around its calls; see
//!   [`exceptions`];
//! - **gc**: binary trees, an array kernel and allocation throughput in
//!   WebAssembly GC; see [`gc`].
//!
//! The last four compare Egret with Wasmtime only (the targets of issues
//! #14, #15 and #16), both configured alike by [`Wasm3::with_wasm3`].
//!
//! The Criterion benches (`cargo bench -p egret-benches`) and the `report`
//! binary (`cargo run --release -p egret-benches --features compare --bin
//! report`) both use the [`Runtime`] trait, the [`kernels`] and the
//! [`modules`], so the figures they measure are the same code.

pub mod call_kinds;
pub mod corpus;
pub mod exceptions;
pub mod gc;
pub mod kernels;
pub mod memory64;
pub mod modules;
pub mod report;
pub mod runtimes;
pub mod timing;

pub use runtimes::{CallsInstance, KernelInstance, Precompiling, Runtime, Wasm3};
