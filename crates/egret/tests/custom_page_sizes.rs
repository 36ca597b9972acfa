//! Memories of one-byte pages (the custom page sizes proposal): off by
//! default; sizes and growth in bytes; every access checked against the
//! exact length, though the host page it ends in is accessible; imports
//! match only the same page size.

mod common;

use common::trap_of;
use egret::{Config, Engine, Extern, Instance, Module, Store, Trap};

const BYTE_PAGES: &str = r#"(module
    (memory (export "memory") 3 10 (pagesize 1))
    (data (i32.const 0) "abc")
    (func (export "size") (result i32) memory.size)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
    (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 7) (local.get 1))))"#;

fn engine() -> Engine {
    Engine::new(Config::new().wasm_custom_page_sizes(true)).unwrap()
}

#[test]
fn custom_page_sizes_are_off_by_default() {
    assert!(Module::new(&Engine::default(), BYTE_PAGES).is_err());
    assert!(Module::new(&engine(), BYTE_PAGES).is_ok());
}

#[test]
fn one_byte_pages_size_grow_and_bound_accesses_in_bytes() {
    let engine = engine();
    let module = Module::new(&engine, BYTE_PAGES).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let size = instance
        .get_typed_func::<(), i32>(&mut store, "size")
        .unwrap();
    let grow = instance
        .get_typed_func::<i32, i32>(&mut store, "grow")
        .unwrap();
    let load8 = instance
        .get_typed_func::<i32, i32>(&mut store, "load8")
        .unwrap();
    let load32 = instance
        .get_typed_func::<i32, i32>(&mut store, "load32")
        .unwrap();
    let store8 = instance
        .get_typed_func::<(i32, i32), ()>(&mut store, "store8")
        .unwrap();
    let fill = instance
        .get_typed_func::<(i32, i32), ()>(&mut store, "fill")
        .unwrap();
    let oob = Trap::MemoryOutOfBounds;

    assert_eq!(size.call(&mut store, ()).unwrap(), 3);
    assert_eq!(load8.call(&mut store, 2).unwrap(), i32::from(b'c'));
    // Byte 3 lies in the same (accessible) host page, but past the end.
    assert_eq!(trap_of(load8.call(&mut store, 3)), oob);
    assert_eq!(trap_of(load32.call(&mut store, 0)), oob);
    assert_eq!(trap_of(store8.call(&mut store, (3, 1))), oob);
    assert_eq!(trap_of(fill.call(&mut store, (2, 2))), oob);

    // Growing by one page is one byte; the new byte is zero.
    assert_eq!(grow.call(&mut store, 1).unwrap(), 3);
    assert_eq!(size.call(&mut store, ()).unwrap(), 4);
    assert_eq!(load8.call(&mut store, 3).unwrap(), 0);
    assert_eq!(
        load32.call(&mut store, 0).unwrap(),
        i32::from_le_bytes(*b"abc\0")
    );
    assert_eq!(trap_of(load8.call(&mut store, 4)), oob);
    // Up to the maximum of 10 bytes, not a byte more.
    assert_eq!(grow.call(&mut store, 6).unwrap(), 4);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    fill.call(&mut store, (6, 4)).unwrap();
    assert_eq!(load8.call(&mut store, 9).unwrap(), 7);
    assert_eq!(trap_of(load8.call(&mut store, 10)), oob);

    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert_eq!(memory.size(&store), 10);
    assert_eq!(memory.data_size(&store), 10);
    assert_eq!(memory.ty(&store).page_size_log2(), 0);
}

#[test]
fn a_one_byte_page_memory64_grows_past_a_host_page() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (memory i64 1 (pagesize 1))
            (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
            (func (export "size") (result i64) memory.size)
            (func (export "store8") (param i64 i32) (i32.store8 (local.get 0) (local.get 1)))
            (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let grow = instance
        .get_typed_func::<i64, i64>(&mut store, "grow")
        .unwrap();
    let size = instance
        .get_typed_func::<(), i64>(&mut store, "size")
        .unwrap();
    let store8 = instance
        .get_typed_func::<(i64, i32), ()>(&mut store, "store8")
        .unwrap();
    let load8 = instance
        .get_typed_func::<i64, i32>(&mut store, "load8")
        .unwrap();
    assert_eq!(grow.call(&mut store, 70_000).unwrap(), 1);
    assert_eq!(size.call(&mut store, ()).unwrap(), 70_001);
    store8.call(&mut store, (70_000, 5)).unwrap();
    assert_eq!(load8.call(&mut store, 70_000).unwrap(), 5);
    assert_eq!(
        trap_of(load8.call(&mut store, 70_001)),
        Trap::MemoryOutOfBounds
    );
    assert_eq!(grow.call(&mut store, -1).unwrap(), -1);
}

#[test]
fn imports_match_only_the_same_page_size() {
    let engine = engine();
    let exporter = Module::new(&engine, BYTE_PAGES).unwrap();
    let mut store = Store::new(&engine, ());
    let exports = Instance::new(&mut store, &exporter, &[]).unwrap();
    let memory = Extern::Memory(exports.get_memory(&mut store, "memory").unwrap());
    for (import, links) in [
        (r#"(import "" "m" (memory 3 (pagesize 1)))"#, true),
        (r#"(import "" "m" (memory 0 (pagesize 65536)))"#, false),
        (r#"(import "" "m" (memory 0))"#, false),
    ] {
        let module = Module::new(&engine, format!("(module {import})")).unwrap();
        let result = Instance::new(&mut store, &module, &[memory]);
        assert_eq!(result.is_ok(), links, "{import}: {result:?}");
    }
}
