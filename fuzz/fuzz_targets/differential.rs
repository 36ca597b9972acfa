//! libFuzzer target for oracle (c): Egret and wasmi agree on wasm-smith
//! modules (results, traps, final memories, globals and tables).

#![no_main]

use arbitrary::Unstructured;
use egret_fuzzing::{driver, generators, oracles};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINES: LazyLock<oracles::Engines> = LazyLock::new(oracles::Engines::new);

fuzz_target!(|data: &[u8]| {
    let Ok(wasm) = generators::differential_module(&mut Unstructured::new(data)) else {
        return;
    };
    if let Err(finding) = driver::on_big_stack(|| oracles::differential(&ENGINES, &wasm)) {
        panic!("{finding}");
    }
});
