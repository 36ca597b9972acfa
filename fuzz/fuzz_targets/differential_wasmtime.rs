//! libFuzzer target for oracle (d): Egret and Wasmtime 48 agree on
//! wasm-smith modules of WebAssembly 3.0 features (results, traps, final
//! memories, globals and tables). Needs `--features wasmtime`.

#![no_main]

use arbitrary::Unstructured;
use egret_fuzzing::{driver, generators, oracles};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINES: LazyLock<oracles::Engines> = LazyLock::new(oracles::Engines::new);

fuzz_target!(|data: &[u8]| {
    let Ok(wasm) = generators::wasmtime_differential_module(&mut Unstructured::new(data)) else {
        return;
    };
    if let Err(finding) = driver::on_big_stack(|| oracles::differential_wasmtime(&ENGINES, &wasm)) {
        panic!("{finding}");
    }
});
