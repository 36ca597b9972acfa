//! libFuzzer target for oracle (b): wasm-smith modules instantiate and run
//! (bounded by injected fuel) without crashing; traps are errors.

#![no_main]

use arbitrary::Unstructured;
use egret_fuzzing::{driver, generators, oracles};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<egret::Engine> = LazyLock::new(|| oracles::Engines::new().egret);

fuzz_target!(|data: &[u8]| {
    let Ok(wasm) = generators::instantiate_module(&mut Unstructured::new(data)) else {
        return;
    };
    if let Err(finding) = driver::on_big_stack(|| oracles::instantiate(&ENGINE, &wasm)) {
        panic!("{finding}");
    }
});
