//! libFuzzer target for the precompiled-module loader: damaged artifacts
//! are refused with an error or loaded, never a crash. The input picks one
//! of a few artifacts (made once), mutates it (byte writes, bit flips,
//! truncation) and, when it asks, makes its checksum match again so that
//! the decoder and the offset checks behind it are reached. A loaded
//! module is not run: loading trusts the code.

#![no_main]

use arbitrary::Unstructured;
use egret::{Engine, Error, Module};
use egret_fuzzing::oracles;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(|| oracles::Engines::new().egret);

/// Modules whose artifacts are mutated: no code, plain code, and a module
/// with every kind of item (imports, memory and data, table and elements,
/// globals, start function, names).
const MODULES: [&str; 3] = [
    "(module)",
    r#"(module (func (export "f") (param i32) (result i32)
        (i32.mul (local.get 0) (i32.const 3))))"#,
    r#"(module $m
        (import "env" "log" (func $log (param i32)))
        (import "env" "g" (global i32))
        (memory (export "memory") 1 2)
        (data (i32.const 8) "artifact")
        (table 2 funcref)
        (elem (i32.const 0) $a $b)
        (global $c (mut i64) (i64.const 7))
        (func $a (param i32) (result i32) (call $log (local.get 0)) (local.get 0))
        (func $b (param i32) (result i32) (f64.floor (f64.const 1.5)) drop unreachable)
        (func $start (global.set $c (i64.add (global.get $c) (i64.const 1))))
        (func (export "run") (param i32) (result i32)
            (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0)))
        (start $start))"#,
];

static ARTIFACTS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    MODULES
        .iter()
        .map(|wat| ENGINE.precompile_module(wat.as_bytes()).expect("the modules compile"))
        .collect()
});

/// Where an artifact's payload starts and how long its checksum is.
const PAYLOAD_START: usize = 20;
const CHECKSUM_LEN: usize = 4;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(pick) = u.choose_index(ARTIFACTS.len()) else {
        return;
    };
    let mut artifact = ARTIFACTS[pick].clone();
    let mutations = u.int_in_range(1..=8u8).unwrap_or(1);
    for _ in 0..mutations {
        let Ok(at) = u.choose_index(artifact.len()) else {
            break;
        };
        match u.int_in_range(0..=2u8).unwrap_or(0) {
            0 => artifact[at] = u.arbitrary().unwrap_or(0),
            1 => artifact[at] ^= 1 << u.int_in_range(0..=7u8).unwrap_or(0),
            _ => artifact.truncate(at.max(1)),
        }
    }
    let reseal = u.arbitrary().unwrap_or(false);
    if reseal && artifact.len() >= PAYLOAD_START + CHECKSUM_LEN {
        let end = artifact.len() - CHECKSUM_LEN;
        let checksum = crc32fast::hash(&artifact[PAYLOAD_START..end]);
        artifact[end..].copy_from_slice(&checksum.to_le_bytes());
    }
    // SAFETY: the property under test: damaged artifacts give errors. A
    // loaded module is not run.
    match unsafe { Module::deserialize(&*ENGINE, &artifact) } {
        Ok(_) | Err(Error::Artifact(_)) => {}
        Err(other) => panic!("unexpected error: {other:?}"),
    }
});
