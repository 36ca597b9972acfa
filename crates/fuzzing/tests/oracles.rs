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

/// Exception handling as the oracles meet it: exported, unexported and
/// imported tags (two of one type), exceptions caught by tag and by
/// `catch_all_ref`, rethrown with `throw_ref`, or left uncaught with
/// fields of several types, and `exnref` in a result, a global and a
/// table.
const EXCEPTIONS: &str = r#"(module
    (import "env" "imported" (tag $imported (param i64)))
    (tag $a (export "a") (param i32 f64))
    (tag $b (export "b") (param i32 f64))
    (tag $hidden (param v128 exnref))
    (export "imported" (tag $imported))
    (global $caught (export "caught") (mut exnref) (ref.null exn))
    (table $exns (export "exns") 2 2 exnref)
    (func $throw_a (export "throw_a") (param i32)
        (throw $a (local.get 0) (f64.const 1.5)))
    (func (export "throw_b") (param i32)
        (throw $b (local.get 0) (f64.div (f64.const 0) (f64.const 0))))
    (func (export "throw_hidden")
        (throw $hidden (v128.const i64x2 1 2) (ref.null exn)))
    (func (export "throw_imported") (param i64)
        (throw $imported (local.get 0)))
    (func (export "catch_a") (param i32) (result i32 f64)
        (block $handler (result i32 f64)
            (try_table (catch $a $handler) (call $throw_a (local.get 0)))
            (unreachable)))
    (func $catch_ref (export "catch_ref") (param i32) (result exnref)
        (local $exn exnref)
        (block $handler (result exnref)
            (try_table (catch_all_ref $handler) (call $throw_a (local.get 0)))
            (return (ref.null exn)))
        (local.set $exn)
        (global.set $caught (local.get $exn))
        (table.set $exns (i32.const 1) (local.get $exn))
        (local.get $exn))
    (func (export "rethrow") (param i32)
        (throw_ref (call $catch_ref (local.get 0)))))"#;

/// A module whose start function throws an exception nobody catches.
const THROWING_START: &str = r#"(module
    (tag $t (export "t") (param i32))
    (func $start (throw $t (i32.const 7)))
    (start $start))"#;

#[test]
fn instantiate_oracle_accepts_uncaught_exceptions() {
    let engine = Engines::new().egret;
    oracles::instantiate(&engine, &wat(EXCEPTIONS)).unwrap();
    oracles::instantiate(&engine, &wat(THROWING_START)).unwrap();
}

/// `generators::features` (what the compile oracle validates with) is
/// exactly Egret's default: a module using one feature compiles with
/// `egret::Config::new` exactly when the set has the feature.
#[test]
fn compile_oracle_features_are_egrets_defaults() {
    use wasmparser::WasmFeatures as F;
    let engine = egret::Engine::default();
    let features = egret_fuzzing::generators::features();
    let modules = [
        (
            F::EXTENDED_CONST,
            "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
        ),
        (F::TAIL_CALL, "(module (func $f (return_call $f)))"),
        (
            F::WIDE_ARITHMETIC,
            "(module (func (result i64 i64) (i64.add128 (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4))))",
        ),
        (
            F::FUNCTION_REFERENCES,
            "(module (type $t (func)) (func (param (ref $t)) (call_ref $t (local.get 0))))",
        ),
        (F::MEMORY64, "(module (memory i64 1))"),
        (F::MULTI_MEMORY, "(module (memory 1) (memory 1))"),
        (
            F::RELAXED_SIMD,
            "(module (func (param v128) (result v128) (i8x16.relaxed_swizzle (local.get 0) (local.get 0))))",
        ),
        (F::CUSTOM_PAGE_SIZES, "(module (memory 1 (pagesize 1)))"),
        (F::GC, "(module (type (struct)))"),
        (F::EXCEPTIONS, "(module (tag))"),
        (F::THREADS, "(module (memory 1 1 shared))"),
    ];
    for (feature, text) in modules {
        let accepted = egret::Module::new(&engine, text).is_ok();
        assert_eq!(accepted, features.contains(feature), "{feature:?}: {text}");
        let wasm = wat(text);
        assert_eq!(
            wasmparser::Validator::new_with_features(features)
                .validate_all(&wasm)
                .is_ok(),
            accepted,
            "{feature:?}"
        );
        oracles::compile(&engine, &wasm).unwrap();
    }
}

#[cfg(feature = "wasmtime")]
mod with_wasmtime {
    use super::*;

    #[test]
    fn differential_wasmtime_seeded_cases_agree() {
        let summary = run(Target::DifferentialWasmtime, 300, 0x3e9e7);
        assert!(summary.instantiated >= 150, "{summary}");
        assert!(summary.calls >= 600, "{summary}");
    }

    #[test]
    fn differential_wasmtime_compares_typed_references_and_null_traps() {
        let engines = Engines::new();
        let wasm = wat(r#"(module
            (type $t (func (result i32)))
            (table $tab (export "tab") 2 2 (ref null $t))
            (memory (export "m") i64 1 1)
            (global $g (export "g") (mut (ref null $t)) (ref.null $t))
            (elem declare func $seven)
            (func $seven (type $t) (i32.const 7))
            (func (export "call") (param (ref null $t)) (result i32)
                (call_ref $t (local.get 0)))
            (func (export "nonnull") (result (ref $t)) (ref.func $seven))
            (func (export "uncallable") (param (ref $t)) (result i32)
                (call_ref $t (local.get 0)))
            (func (export "set") (param i64 i32)
                (i32.store (local.get 0) (local.get 1))
                (table.set $tab (i32.const 1) (ref.func $seven))
                (global.set $g (ref.func $seven))))"#);
        let stats = oracles::differential_wasmtime(&engines, &wasm).unwrap();
        assert!(stats.instantiated);
        // `call` traps on its null argument in both engines alike.
        assert!(stats.traps >= 3, "{stats:?}");
        assert_eq!(stats.uncallable, 1, "{stats:?}");
    }

    #[test]
    fn differential_wasmtime_compares_uncaught_exceptions() {
        let engines = Engines::new();
        let stats = oracles::differential_wasmtime(&engines, &wat(EXCEPTIONS)).unwrap();
        assert!(stats.instantiated);
        assert!(
            stats.instructions.throws && stats.instructions.try_tables,
            "{stats:?}"
        );
        let calls = oracles::CALLS_PER_EXPORT as u64;
        // `throw_a`, `throw_b`, `throw_hidden`, `throw_imported`, `rethrow`.
        assert_eq!(stats.uncaught, 5 * calls, "{stats:?}");
        assert_eq!(stats.caught_exnrefs, calls, "{stats:?}");

        let stats = oracles::differential_wasmtime(&engines, &wat(THROWING_START)).unwrap();
        assert!(stats.instantiation_failed, "{stats:?}");
    }

    /// Structs, arrays, `i31`s, casts and GC traps, every one in both
    /// engines alike.
    const GC: &str = r#"(module
        (type $point (struct (field (mut i32)) (field i64)))
        (type $bytes (array (mut i8)))
        (global $kept (export "kept") (mut anyref) (ref.i31 (i32.const -3)))
        (table (export "objects") 2 2 anyref)
        (func (export "point") (result (ref $point))
            (struct.new $point (i32.const 1) (i64.const 2)))
        (func (export "bytes") (result arrayref)
            (array.new_default $bytes (i32.const 4)))
        (func (export "i31") (param i32) (result i31ref) (ref.i31 (local.get 0)))
        (func (export "null_point") (param (ref null $point)) (result i32)
            (struct.get $point 0 (local.get 0)))
        (func (export "out_of_bounds") (result i32)
            (array.get_u $bytes (array.new_default $bytes (i32.const 1)) (i32.const 1)))
        (func (export "bad_cast") (result (ref $point))
            (ref.cast (ref $point) (array.new_default $bytes (i32.const 0))))
        (func (export "too_large") (result arrayref)
            (array.new_default $bytes (i32.const -1)))
        (func (export "keep") (param anyref) (result anyref)
            (global.set $kept (struct.new_default $point))
            (local.get 0)))"#;

    #[test]
    fn differential_wasmtime_compares_gc_values_and_traps() {
        let engines = Engines::new();
        let stats = oracles::differential_wasmtime(&engines, &wat(GC)).unwrap();
        assert!(stats.instantiated, "{stats:?}");
        assert!(
            stats.instructions.struct_allocations
                && stats.instructions.array_allocations
                && stats.instructions.casts
                && stats.instructions.i31s,
            "{stats:?}"
        );
        let calls = oracles::CALLS_PER_EXPORT as u64;
        // `point`, `bytes` and `i31` return objects and `i31`s.
        assert_eq!(stats.gc_results, 3 * calls, "{stats:?}");
        // `null_point`, `out_of_bounds`, `bad_cast`, `too_large`.
        assert_eq!(stats.traps, 4 * calls, "{stats:?}");
    }
}
