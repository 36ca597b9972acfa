//! Bounded, seeded runs of the three oracles (a few hundred cases, well
//! under a minute in the dev profile), and hand-written modules that show
//! each oracle catches what it is meant to catch.

use egret_fuzzing::driver::{self, Options, Target};
use egret_fuzzing::oracles::{self, Engines};
use std::path::PathBuf;

fn options(cases: u64, seed: u64) -> Options {
    Options {
        cases,
        seed,
        start: 0,
        workers: None,
        out: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-findings"),
        progress: 3600,
        replay: None,
        arg_seed: None,
    }
}

fn run(target: Target, cases: u64, seed: u64) -> driver::Summary {
    match driver::run(target, &options(cases, seed)) {
        Ok(summary) => summary,
        Err(failure) => panic!(
            "case {} of seed {seed}: {}\n(saved as {:?})",
            failure.case, failure.finding, failure.saved
        ),
    }
}

#[test]
fn differential_seeded_cases_agree() {
    let summary = run(Target::Differential, 500, 0x0e9e7);
    // The generator must mostly produce modules that instantiate and run;
    // otherwise this test would prove little.
    assert!(summary.instantiated >= 400, "{summary}");
    assert!(summary.calls >= 1500, "{summary}");
}

#[test]
fn compile_seeded_cases_never_panic() {
    run(Target::Compile, 500, 0x0c0);
}

#[test]
fn instantiate_seeded_cases_run_cleanly() {
    run(Target::Instantiate, 300, 0x1ce);
}

fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap()
}

#[test]
fn compile_oracle_accepts_valid_and_rejects_garbage() {
    let engine = Engines::new().egret;
    oracles::compile(&engine, &wat("(module (func (export \"f\")))")).unwrap();
    oracles::compile(&engine, b"\0asm\x01\0\0\0\x01\xff").unwrap();
    oracles::compile(&engine, b"not wasm at all").unwrap();
}

#[test]
fn differential_oracle_compares_traps_memory_and_globals() {
    let engines = Engines::new();
    let wasm = wat(r#"(module
        (memory (export "m") 1 1)
        (global $g (export "g") (mut i32) (i32.const 0))
        (func (export "store") (param i32 i32)
            (i32.store (local.get 0) (local.get 1))
            (global.set $g (i32.add (global.get $g) (i32.const 1))))
        (func (export "div") (param i32 i32) (result i32)
            (i32.div_s (local.get 0) (local.get 1)))
        (func (export "nan") (result f32 v128)
            (f32.div (f32.const 0) (f32.const 0))
            (f32x4.div (v128.const f32x4 0 0 0 0) (v128.const f32x4 0 0 0 0))))"#);
    let stats = oracles::differential(&engines, &wasm).unwrap();
    assert!(stats.instantiated);
    assert_eq!(stats.calls, 3 * oracles::CALLS_PER_EXPORT as u64);
    assert!(stats.traps >= 1, "{stats:?}");
}

#[test]
fn differential_oracle_agrees_on_failed_instantiation() {
    let engines = Engines::new();
    let wasm = wat(r#"(module (memory 1 1) (data (i32.const 65535) "ab"))"#);
    let stats = oracles::differential(&engines, &wasm).unwrap();
    assert!(stats.instantiation_failed);
}

#[test]
fn differential_oracle_treats_stack_exhaustion_as_inconclusive() {
    let engines = Engines::new();
    let wasm = wat(r#"(module (func $f (export "f") (call $f)))"#);
    let stats = oracles::differential(&engines, &wasm).unwrap();
    assert!(stats.inconclusive);
}
