//! Runs the Egret-against-Wasmtime differential oracle (WebAssembly 3.0
//! features) on seeded cases until the first finding; needs the
//! `wasmtime` feature. See `egret_fuzzing::driver` and `docs/fuzzing.md`.

fn main() {
    egret_fuzzing::driver::main(egret_fuzzing::driver::Target::DifferentialWasmtime);
}
