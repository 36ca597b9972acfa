//! `Linker` beyond defining and instantiating: `instantiate_pre` and
//! `InstancePre` across stores, `alias`/`alias_module`, `get_default`,
//! and `module`'s command and reactor semantics, as Wasmtime 48 has them.

use egret::{Engine, Linker, Module, Store};

/// Counts calls in a global; `_initialize` sets it to 100 first.
const COUNTER: &str = r#"(module
    (global $n (mut i32) (i32.const 0))
    (func (export "_initialize") (global.set $n (i32.const 100)))
    (func (export "next") (result i32)
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (global.get $n)))"#;

/// The same counter as a command (it exports `_start`).
const COUNTER_COMMAND: &str = r#"(module
    (global $n (mut i32) (i32.const 0))
    (func (export "_start"))
    (func (export "next") (result i32)
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (global.get $n)))"#;

fn next(linker: &Linker<()>, store: &mut Store<()>, module: &str) -> i32 {
    let f = linker.get(&mut *store, module, "next").expect("defined");
    f.into_func()
        .unwrap()
        .typed::<(), i32>(&*store)
        .unwrap()
        .call(&mut *store, ())
        .unwrap()
}

#[test]
fn a_reactor_is_instantiated_once_and_initialised() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let module = Module::new(&engine, COUNTER).unwrap();
    linker.module(&mut store, "counter", &module).unwrap();
    assert_eq!(next(&linker, &mut store, "counter"), 101);
    assert_eq!(next(&linker, &mut store, "counter"), 102);
    // A reactor has no default function: `get_default` gives a no-op.
    let default = linker.get_default(&mut store, "counter").unwrap();
    default.call(&mut store, &[], &mut []).unwrap();
}

#[test]
fn a_command_gets_a_fresh_instance_per_call() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let module = Module::new(&engine, COUNTER_COMMAND).unwrap();
    linker.module(&mut store, "cmd", &module).unwrap();
    assert_eq!(next(&linker, &mut store, "cmd"), 1);
    assert_eq!(next(&linker, &mut store, "cmd"), 1);
    // Its default function is `_start`.
    let default = linker.get_default(&mut store, "cmd").unwrap();
    assert_eq!(default.ty(&store).params().len(), 0);
    default.call(&mut store, &[], &mut []).unwrap();
}

#[test]
fn aliases_define_the_same_item_under_another_name() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "seven", || 7).unwrap();
    linker.func_wrap("env", "eight", || 8).unwrap();
    linker.alias("env", "seven", "other", "sept").unwrap();
    linker.alias_module("env", "copy").unwrap();
    assert!(linker.alias("env", "nine", "x", "y").is_err());
    let module = Module::new(
        &engine,
        r#"(module
            (import "other" "sept" (func $a (result i32)))
            (import "copy" "eight" (func $b (result i32)))
            (func (export "run") (result i32) (i32.add (call $a) (call $b))))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 15);
}

#[test]
fn an_instance_pre_checks_imports_once_and_instantiates_in_many_stores() {
    let engine = Engine::default();
    let mut linker: Linker<u32> = Linker::new(&engine);
    linker
        .func_wrap("env", "data", |caller: egret::Caller<'_, u32>| {
            *caller.data()
        })
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "data" (func $d (result i32)))
            (func (export "run") (result i32) (call $d)))"#,
    )
    .unwrap();
    let pre = linker.instantiate_pre(&module).unwrap();
    for data in [3, 4] {
        let mut store = Store::new(&engine, data);
        let instance = pre.instantiate(&mut store).unwrap();
        let run = instance
            .get_typed_func::<(), u32>(&mut store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, ()).unwrap(), data);
    }
    // A missing or mistyped import is found before any store exists.
    let mut empty: Linker<u32> = Linker::new(&engine);
    assert!(empty.instantiate_pre(&module).is_err());
    empty.func_wrap("env", "data", |x: i32| x).unwrap();
    let err = empty.instantiate_pre(&module).err().unwrap();
    assert!(
        err.to_string().contains("incompatible import type"),
        "{err}"
    );
}
