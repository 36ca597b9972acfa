//! Fuzzing for Egret: generators, oracles and a stable driver.
//!
//! - [`generators`]: wasm-smith configured for Egret's default features
//!   (WebAssembly 2.0, extended constant expressions, tail calls and wide
//!   arithmetic) with bounded sizes and execution, fed from `arbitrary`
//!   bytes.
//! - [`oracles`]: (a) [`oracles::compile`]: any bytes compile or fail
//!   cleanly, exactly as wasmparser validates them; (b)
//!   [`oracles::instantiate`]: valid modules instantiate and run without
//!   crashing; (c) [`oracles::differential`]: Egret and wasmi agree on
//!   results, traps, final memories, globals and tables.
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
pub mod values;

mod egret_side;
mod wasmi_side;
