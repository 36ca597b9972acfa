//! libFuzzer target for oracle (a): any bytes compile or fail cleanly, as
//! wasmparser's validator says. Half the inputs are used as raw bytes, half
//! are turned into (possibly invalid) wasm-smith modules.

#![no_main]

use arbitrary::Unstructured;
use egret_fuzzing::{generators, oracles};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<egret::Engine> = LazyLock::new(|| oracles::Engines::new().egret);

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let wasm = if first % 2 == 0 {
        rest.to_vec()
    } else {
        match generators::compile_input(&mut Unstructured::new(rest)) {
            Ok(wasm) => wasm,
            Err(_) => return,
        }
    };
    if let Err(finding) = oracles::compile(&ENGINE, &wasm) {
        panic!("{finding}");
    }
});
