//! Traps end-to-end through the public API: every kind the core raises,
//! guard-page bounds checks at the edge of the reservation, stack
//! exhaustion, and the store staying usable afterwards.

mod common;

use common::{backtrace_names, trap_of};
use egret::{Engine, Instance, Module, Store, Trap};

fn instance(text: &str) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, text).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("module instantiates");
    (store, instance)
}

#[test]
fn load_at_the_far_end_of_the_guard_region_traps() {
    let (mut store, instance) = instance(
        r#"(module (memory 1)
            (func (export "load") (param i32) (result i32)
              (i32.load offset=0x7fffffff (local.get 0)))
            (func (export "load64") (param i32) (result i64)
              (i64.load offset=0x7fffffff (local.get 0))))"#,
    );
    let load = instance
        .get_typed_func::<u32, i32>(&mut store, "load")
        .unwrap();
    let load64 = instance
        .get_typed_func::<u32, i64>(&mut store, "load64")
        .unwrap();
    assert_eq!(
        trap_of(load.call(&mut store, 0xFFFF_FFFF)),
        Trap::MemoryOutOfBounds
    );
    assert_eq!(
        trap_of(load64.call(&mut store, 0xFFFF_FFFF)),
        Trap::MemoryOutOfBounds
    );
    assert_eq!(
        trap_of(load.call(&mut store, 0)),
        Trap::MemoryOutOfBounds
    );
}

#[test]
fn access_just_past_the_end_traps_and_just_inside_works() {
    let (mut store, instance) = instance(
        r#"(module (memory 1)
            (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
            (func (export "store") (param i32) (i32.store8 (local.get 0) (i32.const 9))))"#,
    );
    let load = instance
        .get_typed_func::<u32, i32>(&mut store, "load")
        .unwrap();
    let store_byte = instance
        .get_typed_func::<u32, ()>(&mut store, "store")
        .unwrap();
    store_byte.call(&mut store, 65535).unwrap();
    assert_eq!(load.call(&mut store, 65532).unwrap(), 9 << 24);
    assert_eq!(
        trap_of(load.call(&mut store, 65533)),
        Trap::MemoryOutOfBounds
    );
    assert_eq!(
        trap_of(store_byte.call(&mut store, 65536)),
        Trap::MemoryOutOfBounds
    );
}

const RECURSIVE: &str = r#"(module
    (func $depth (export "depth") (param $n i32) (result i32)
      (if (result i32) (i32.eqz (local.get $n))
        (then (i32.const 0))
        (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get $n) (i32.const 1)))))))
    (func $forever (export "forever") (call $forever)))"#;

#[test]
fn ten_million_deep_recursion_traps_and_the_next_call_works() {
    let (mut store, instance) = instance(RECURSIVE);
    let depth = instance
        .get_typed_func::<i32, i32>(&mut store, "depth")
        .unwrap();
    assert_eq!(
        trap_of(depth.call(&mut store, 10_000_000)),
        Trap::StackOverflow
    );
    assert_eq!(depth.call(&mut store, 1000).unwrap(), 1000);
    let forever = instance
        .get_typed_func::<(), ()>(&mut store, "forever")
        .unwrap();
    assert_eq!(
        trap_of(forever.call(&mut store, ())),
        Trap::StackOverflow
    );
    assert_eq!(depth.call(&mut store, 10).unwrap(), 10);
}

#[test]
fn every_core_trap_kind_is_reported() {
    let (mut store, instance) = instance(
        r#"(module
            (type $v (func))
            (table 2 funcref)
            (elem (i32.const 1) $other)
            (func $other (param i32))
            (func (export "unreachable") unreachable)
            (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
            (func (export "trunc") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
            (func (export "indirect") (param i32) (call_indirect (type $v) (local.get 0))))"#,
    );
    let unreachable = instance
        .get_typed_func::<(), ()>(&mut store, "unreachable")
        .unwrap();
    let div = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "div")
        .unwrap();
    let trunc = instance
        .get_typed_func::<f32, i32>(&mut store, "trunc")
        .unwrap();
    let indirect = instance
        .get_typed_func::<i32, ()>(&mut store, "indirect")
        .unwrap();
    assert_eq!(
        trap_of(unreachable.call(&mut store, ())),
        Trap::UnreachableCodeReached
    );
    assert_eq!(
        trap_of(div.call(&mut store, (1, 0))),
        Trap::IntegerDivisionByZero
    );
    assert_eq!(
        trap_of(div.call(&mut store, (i32::MIN, -1))),
        Trap::IntegerOverflow
    );
    assert_eq!(
        trap_of(trunc.call(&mut store, f32::NAN)),
        Trap::BadConversionToInteger
    );
    assert_eq!(
        trap_of(trunc.call(&mut store, 3e9)),
        Trap::IntegerOverflow
    );
    assert_eq!(
        trap_of(indirect.call(&mut store, 0)),
        Trap::IndirectCallToNull
    );
    assert_eq!(
        trap_of(indirect.call(&mut store, 1)),
        Trap::BadSignature
    );
    assert_eq!(
        trap_of(indirect.call(&mut store, 2)),
        Trap::TableOutOfBounds
    );
    assert_eq!(div.call(&mut store, (7, 2)).unwrap(), 3);
}

#[test]
fn trap_backtrace_names_the_wasm_frames() {
    let (mut store, instance) = instance(
        r#"(module $demo
            (func $inner unreachable)
            (func $outer (export "outer") (call $inner)))"#,
    );
    let outer = instance
        .get_typed_func::<(), ()>(&mut store, "outer")
        .unwrap();
    let err = outer.call(&mut store, ()).unwrap_err();
    let names = backtrace_names(&err);
    assert_eq!(names, ["inner", "outer"]);
    let text = err.to_string();
    assert!(
        text.contains("unreachable") && text.contains("demo!inner"),
        "{text}"
    );
}

#[test]
fn a_trap_printed_with_debug_reads_as_its_message_and_backtrace() {
    let (mut store, instance) = instance(
        r#"(module $m (memory 1)
            (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#,
    );
    let load = instance
        .get_typed_func::<i32, i32>(&mut store, "load")
        .unwrap();
    let err = load.call(&mut store, 1 << 20).unwrap_err();
    let printed = format!("{err:?}");
    assert!(printed.contains("out of bounds memory access"), "{printed}");
    assert!(printed.contains("wasm backtrace:"), "{printed}");
    assert!(printed.contains("load"), "{printed}");
}
