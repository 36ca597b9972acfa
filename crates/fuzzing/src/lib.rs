//! Fuzzing for Egret: generators, oracles and a stable driver.
//!
//! - [`generators`]: wasm-smith configured for what each oracle's
//!   engines run (Egret's default features; what wasmi 2 runs; the
//!   WebAssembly 3.0 features Egret shares with Wasmtime 48) with bounded
//!   sizes and execution, fed from `arbitrary` bytes.
//! - [`oracles`]: (a) [`oracles::compile`]: any bytes compile or fail
//!   cleanly, exactly as wasmparser validates them; (b)
//!   [`oracles::instantiate`]: valid modules instantiate and run without
//!   crashing; (c) [`oracles::differential`]: Egret and wasmi agree on
//!   results, traps, final memories, globals and tables; (d)
//!   `oracles::differential_wasmtime` (cargo feature `wasmtime`): the
//!   same between Egret and Wasmtime 48 on WebAssembly 3.0 features.
//! - [`driver`]: the seeded multi-threaded loop behind the `fuzz-*`
//!   binaries, which runs on stable Rust; `fuzz/` holds the cargo-fuzz
//!   (libFuzzer) targets for the same oracles.
//!
//! `docs/fuzzing.md` explains how to run them and why values are compared
//! the way they are.

pub mod driver;
pub mod generators;
pub mod oracles;
pub mod rng;
pub mod shape;
pub mod typed_refs;
pub mod values;

mod egret_side;
mod wasmi_side;
#[cfg(feature = "wasmtime")]
mod wasmtime_side;
