//! Inlining (`Config::compiler_inlining`): an inlined call is seen in
//! backtraces (the callee's frame is gone, as with Wasmtime's inliner),
//! while traps, results, fuel, exceptions and precompiled artifacts stay
//! what they are without it.

mod common;

use common::{backtrace_names, trap_of};
use egret::*;

fn engine(inlining: Inlining) -> Engine {
    Engine::new(Config::new().compiler_inlining(inlining)).unwrap()
}

fn instance(engine: &Engine, text: &str) -> (Store<()>, Instance) {
    let module = Module::new(engine, text).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

/// `$div` is small enough to inline; `$outer` calls it.
const DIVIDE: &str = r#"(module $m
    (func $div (param i32) (result i32) (i32.div_u (i32.const 100) (local.get 0)))
    (func $outer (export "run") (param i32) (result i32)
        (i32.add (call $div (local.get 0)) (i32.const 1))))"#;

#[test]
fn an_inlined_callee_traps_in_its_callers_frame_at_the_call() {
    let frames = |inlining| {
        let (mut store, instance) = instance(&engine(inlining), DIVIDE);
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, 4).unwrap(), 26);
        let error = run.call(&mut store, 0).unwrap_err();
        assert_eq!(error.downcast_ref(), Some(&Trap::IntegerDivisionByZero));
        let offsets: Vec<_> = error
            .downcast_ref::<WasmBacktrace>()
            .unwrap()
            .frames()
            .iter()
            .map(|f| f.module_offset())
            .collect();
        (backtrace_names(&error), offsets)
    };
    let (names, offsets) = frames(Inlining::No);
    assert_eq!(names, ["div", "outer"]);
    let call_offset = offsets[1];
    assert!(call_offset.is_some());

    let (names, offsets) = frames(Inlining::Yes);
    assert_eq!(names, ["outer"], "the call was inlined");
    assert_eq!(offsets, [call_offset]);
}

#[test]
fn modes_without_intra_module_inlining_keep_every_frame() {
    for inlining in [
        Inlining::No,
        Inlining::InterModule,
        Inlining::Intrinsics,
        // The module uses no GC types.
        Inlining::InterModuleAndIntraGc,
    ] {
        let (mut store, instance) = instance(&engine(inlining), DIVIDE);
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .unwrap();
        let error = run.call(&mut store, 0).unwrap_err();
        assert_eq!(backtrace_names(&error), ["div", "outer"], "{inlining}");
    }
}

#[test]
fn recursion_is_not_inlined() {
    let (mut store, instance) = instance(
        &engine(Inlining::Yes),
        r#"(module $m
            (func $down (export "run") (param i32) (result i32)
                (if (result i32) (local.get 0)
                    (then (call $down (i32.sub (local.get 0) (i32.const 1))))
                    (else unreachable))))"#,
    );
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    let error = run.call(&mut store, 2).unwrap_err();
    assert_eq!(backtrace_names(&error), ["down", "down", "down"]);
}

/// A module of small functions calling each other, with multiple results,
/// a return area, memory, globals and a loop.
const CALLS: &str = r#"(module
    (memory 1)
    (global $g (mut i32) (i32.const 0))
    (func $pair (param i32) (result i32 i64) (local.get 0) (i64.extend_i32_u (local.get 0)))
    (func $many (param i32) (result i32 i32 i32 i32 i32)
        (local.get 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4))
    (func $store (param i32 i32) (i32.store (local.get 0) (local.get 1)))
    (func $bump (global.set $g (i32.add (global.get $g) (i32.const 1))))
    (func $sum5 (param i32 i32 i32 i32 i32) (result i32)
        (i32.add (i32.add (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 2) (local.get 3)))
            (local.get 4)))
    (func (export "run") (param $n i32) (result i64)
        (local $i i32) (local $acc i64)
        (loop $l
            (call $bump)
            (call $store (i32.mul (local.get $i) (i32.const 4)) (local.get $i))
            (call $pair (call $sum5 (call $many (local.get $i))))
            (local.set $acc (i64.add (local.get $acc)))
            (local.set $acc (i64.add (i64.extend_i32_u) (local.get $acc)))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                (local.get $n))))
        (i64.add (local.get $acc)
            (i64.extend_i32_u (i32.add (global.get $g) (i32.load (i32.const 40)))))))"#;

#[test]
fn results_and_fuel_are_the_same_with_and_without_inlining() {
    let run = |inlining| {
        let mut config = Config::new();
        config.compiler_inlining(inlining).consume_fuel(true);
        let engine = Engine::new(&config).unwrap();
        let (mut store, instance) = instance(&engine, CALLS);
        store.set_fuel(1_000_000).unwrap();
        let run = instance
            .get_typed_func::<i32, i64>(&mut store, "run")
            .unwrap();
        let result = run.call(&mut store, 100).unwrap();
        let fuel_left = store.get_fuel().unwrap();
        // Running out of fuel inside the inlined code traps the same way.
        store.set_fuel(500).unwrap();
        assert_eq!(trap_of(run.call(&mut store, 100)), Trap::OutOfFuel);
        (result, fuel_left, store.get_fuel().unwrap())
    };
    let without = run(Inlining::No);
    assert_eq!(run(Inlining::Yes), without);
    assert_eq!(without.0, 12_010);
}

#[test]
fn exceptions_thrown_by_inlined_code_are_caught_by_try_table() {
    let (mut store, instance) = instance(
        &engine(Inlining::Yes),
        r#"(module
            (tag $e (param i32))
            (func $throw (param i32) (throw $e (local.get 0)))
            (func $middle (param i32) (call $throw (i32.add (local.get 0) (i32.const 1))))
            (func (export "run") (param i32) (result i32)
                (block $caught (result i32)
                    (try_table (catch $e $caught) (call $middle (local.get 0)))
                    (i32.const -1))))"#,
    );
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 41).unwrap(), 42);
}

#[test]
fn an_inlined_module_round_trips_through_its_artifact() {
    let inlining = engine(Inlining::Yes);
    let bytes = inlining.precompile_module(DIVIDE.as_bytes()).unwrap();
    // SAFETY: made by `precompile_module` above.
    let module = unsafe { Module::deserialize(&inlining, &bytes) }.unwrap();
    let mut store = Store::new(&inlining, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 4).unwrap(), 26);
    let error = run.call(&mut store, 0).unwrap_err();
    assert_eq!(error.downcast_ref(), Some(&Trap::IntegerDivisionByZero));
    assert_eq!(backtrace_names(&error), ["outer"]);
    assert_eq!(module.serialize().unwrap(), bytes);

    // Code made with inlining is not what an engine without it makes.
    // SAFETY: refused before anything is loaded.
    let refused = unsafe { Module::deserialize(&engine(Inlining::No), &bytes) };
    assert!(
        matches!(
            refused,
            Err(Error::Artifact(ArtifactError::Settings { .. }))
        ),
        "{refused:?}"
    );
}
