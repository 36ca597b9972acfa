//! 64-bit memories and tables through the embedding API: accesses whose
//! address would wrap around 2^64 trap instead, a memory64 grows past
//! 4 GiB (committing only the pages it touches) as far as the limiter
//! allows, and tables take `i64` indices.

mod common;

use common::trap_of;
use egret::{Engine, Extern, Instance, Module, Store, StoreLimits, StoreLimitsBuilder, Trap};

fn instance(text: &str) -> (Store<StoreLimits>, Instance) {
    instance_limited(text, StoreLimits::default())
}

fn instance_limited(text: &str, limits: StoreLimits) -> (Store<StoreLimits>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, text).expect("module compiles");
    let mut store = Store::new(&engine, limits);
    store.limiter(|limits| limits);
    let instance = Instance::new(&mut store, &module, &[]).expect("module instantiates");
    (store, instance)
}

const ACCESSES: &str = r#"(module
    (memory i64 1)
    (data (i64.const 0) "\01\02\03\04\05\06\07\08")
    (func (export "load") (param i64) (result i64)
        (i64.load (local.get 0)))
    (func (export "load_far") (param i64) (result i64)
        (i64.load offset=0xfffffffffffffff8 (local.get 0)))
    (func (export "load8_far") (param i64) (result i32)
        (i32.load8_u offset=0xffffffffffffffff (local.get 0)))
    (func (export "store_far") (param i64)
        (i64.store offset=0xfffffffffffffff8 (local.get 0) (i64.const -1)))
    (func (export "v128_far") (param i64) (result i32)
        (i32x4.extract_lane 0 (v128.load offset=0xfffffffffffffff0 (local.get 0))))
    (func (export "fill") (param i64 i64)
        (memory.fill (local.get 0) (i32.const 9) (local.get 1)))
    (func (export "copy") (param i64 i64 i64)
        (memory.copy (local.get 0) (local.get 1) (local.get 2))))"#;

#[test]
fn accesses_near_two_to_the_64_trap_without_wrapping() {
    let (mut store, instance) = instance(ACCESSES);
    let load = instance
        .get_typed_func::<i64, i64>(&mut store, "load")
        .unwrap();
    let load_far = instance
        .get_typed_func::<i64, i64>(&mut store, "load_far")
        .unwrap();
    let load8_far = instance
        .get_typed_func::<i64, i32>(&mut store, "load8_far")
        .unwrap();
    let store_far = instance
        .get_typed_func::<i64, ()>(&mut store, "store_far")
        .unwrap();
    let v128_far = instance
        .get_typed_func::<i64, i32>(&mut store, "v128_far")
        .unwrap();
    let first_word = 0x0807_0605_0403_0201;
    assert_eq!(load.call(&mut store, 0).unwrap(), first_word);
    // Addresses at the top of the 64-bit space.
    for index in [-8i64, -1, i64::MIN, 1 << 32, 65536 - 7] {
        let kind = trap_of(load.call(&mut store, index));
        assert_eq!(kind, Trap::MemoryOutOfBounds, "index {index:#x}");
    }
    // index + offset is 0 (or 8, ...) modulo 2^64: still out of bounds.
    for index in [0i64, 8, 16, 0x10000] {
        for kind in [
            trap_of(load_far.call(&mut store, index)),
            trap_of(load8_far.call(&mut store, index + 1)),
            trap_of(store_far.call(&mut store, index)),
            trap_of(v128_far.call(&mut store, index + 0x10)),
        ] {
            assert_eq!(kind, Trap::MemoryOutOfBounds, "index {index:#x}");
        }
    }
    // Nothing was written at the wrapped-around addresses.
    assert_eq!(load.call(&mut store, 0).unwrap(), first_word);
    assert_eq!(load.call(&mut store, 8).unwrap(), 0);
}

/// Accesses of an imported memory whose offset plus size fit in the
/// declared minimum compare the index with `length - (offset + size)`
/// (one-byte ones with `index >= length`); those of a defined memory
/// compare it with the end of the memory's reservation, past its length
/// being inaccessible. Either way the last bytes of the current length are
/// in bounds, one byte further traps, and the limit follows `memory.grow`
/// and the real length of an imported memory larger than declared.
const EDGE_FUNCS: &str = r#"
    (func (export "load") (param i64) (result i64) (i64.load (local.get 0)))
    (func (export "load_at_8") (param i64) (result i64)
        (i64.load offset=8 (local.get 0)))
    (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
    (func (export "store8") (param i64) (i32.store8 (local.get 0) (i32.const 7)))
    (func (export "grow") (result i64) (memory.grow (i64.const 1))))"#;

#[test]
fn accesses_end_exactly_at_the_current_length_of_an_imported_memory() {
    let engine = Engine::default();
    let text = format!(r#"(module (import "env" "memory" (memory i64 1)) {EDGE_FUNCS}"#);
    let module = Module::new(&engine, text).expect("module compiles");
    let mut store = Store::new(&engine, ());
    // Two pages where the module declares one.
    let exporter = Module::new(&engine, r#"(module (memory (export "m") i64 2))"#).unwrap();
    let exporter = Instance::new(&mut store, &exporter, &[]).expect("instantiates");
    let memory = exporter.get_export(&mut store, "m").expect("exports m");
    let instance = Instance::new(&mut store, &module, &[memory]).expect("instantiates");
    check_edges(&mut store, &instance, 2, 3);
}

#[test]
fn accesses_end_exactly_at_the_current_length_of_a_defined_memory() {
    let engine = Engine::default();
    let text = format!(r#"(module (memory i64 2) {EDGE_FUNCS}"#);
    let module = Module::new(&engine, text).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    check_edges(&mut store, &instance, 2, 3);
}

/// A defined memory whose maximum is its whole reservation: accesses
/// ending at the maximum are in bounds once it is reached, further ones
/// trap, and growing past it fails.
#[test]
fn accesses_end_exactly_at_the_maximum_of_a_defined_memory() {
    let engine = Engine::default();
    let text = format!(r#"(module (memory i64 1 3) {EDGE_FUNCS}"#);
    let module = Module::new(&engine, text).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    check_edges(&mut store, &instance, 1, 3);
    let grow = instance
        .get_typed_func::<(), i64>(&mut store, "grow")
        .unwrap();
    assert_eq!(grow.call(&mut store, ()).unwrap(), -1, "at its maximum");
}

/// Checks the accesses at the end of a memory of `first` pages, then
/// grows it by one page and checks again, up to `last` pages.
fn check_edges(mut store: &mut Store<()>, instance: &Instance, first: i64, last: i64) {
    let func = |store: &mut Store<()>, name| {
        instance
            .get_typed_func::<i64, i64>(&mut *store, name)
            .unwrap()
    };
    let (load, load_at_8) = (func(store, "load"), func(store, "load_at_8"));
    let load8 = instance
        .get_typed_func::<i64, i32>(&mut store, "load8")
        .unwrap();
    let store8 = instance
        .get_typed_func::<i64, ()>(&mut store, "store8")
        .unwrap();
    let grow = instance
        .get_typed_func::<(), i64>(&mut store, "grow")
        .unwrap();
    let oob = Trap::MemoryOutOfBounds;
    for len in (first..=last).map(|pages| pages * 65536) {
        store8.call(&mut store, len - 1).unwrap();
        assert_eq!(load8.call(&mut store, len - 1).unwrap(), 7, "len {len}");
        assert_eq!(
            load.call(&mut store, len - 8).unwrap(),
            7 << 56,
            "len {len}"
        );
        assert_eq!(load_at_8.call(&mut store, len - 16).unwrap(), 7 << 56);
        assert_eq!(trap_of(load8.call(&mut store, len)), oob, "len {len}");
        assert_eq!(trap_of(store8.call(&mut store, len)), oob, "len {len}");
        assert_eq!(trap_of(load.call(&mut store, len - 7)), oob, "len {len}");
        assert_eq!(trap_of(load_at_8.call(&mut store, len - 15)), oob);
        for index in [-1i64, -8, -16, i64::MIN] {
            assert_eq!(trap_of(load.call(&mut store, index)), oob);
            assert_eq!(trap_of(load_at_8.call(&mut store, index)), oob);
            assert_eq!(trap_of(load8.call(&mut store, index)), oob);
        }
        if len < last * 65536 {
            assert_eq!(grow.call(&mut store, ()).unwrap(), len / 65536);
        }
    }
}

#[test]
fn bulk_operations_near_two_to_the_64_trap() {
    let (mut store, instance) = instance(ACCESSES);
    let fill = instance
        .get_typed_func::<(i64, i64), ()>(&mut store, "fill")
        .unwrap();
    let copy = instance
        .get_typed_func::<(i64, i64, i64), ()>(&mut store, "copy")
        .unwrap();
    let oob = Trap::MemoryOutOfBounds;
    // dst + len wraps to a small number.
    assert_eq!(trap_of(fill.call(&mut store, (-8, 16))), oob);
    assert_eq!(trap_of(fill.call(&mut store, (8, -8))), oob);
    assert_eq!(trap_of(copy.call(&mut store, (0, -4, 8))), oob);
    assert_eq!(trap_of(copy.call(&mut store, (-4, 0, 8))), oob);
    assert_eq!(trap_of(copy.call(&mut store, (0, 8, -1))), oob);
    // Up to the last byte is fine.
    fill.call(&mut store, (65536 - 4, 4)).unwrap();
    copy.call(&mut store, (0, 65536 - 8, 8)).unwrap();
}

/// The resident set of this process, in bytes.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

const GROWER: &str = r#"(module
    (memory (export "memory") i64 1)
    (func (export "grow") (param i64) (result i64)
        (memory.grow (local.get 0)))
    (func (export "size") (result i64) memory.size)
    (func (export "store8") (param i64 i32)
        (i32.store8 (local.get 0) (local.get 1)))
    (func (export "load8") (param i64) (result i32)
        (i32.load8_u (local.get 0))))"#;

const GIB: i64 = 1 << 30;
const PAGE: i64 = 65536;

#[test]
fn a_five_gib_memory64_is_usable_and_committed_only_where_touched() {
    let (mut store, instance) = instance(GROWER);
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
    let before = resident_bytes();
    let five_gib_pages = 5 * GIB / PAGE;
    assert_eq!(grow.call(&mut store, five_gib_pages - 1).unwrap(), 1);
    assert_eq!(size.call(&mut store, ()).unwrap(), five_gib_pages);
    let last = 5 * GIB - 1;
    for address in [0, 4 * GIB - 1, 4 * GIB, last] {
        store8.call(&mut store, (address, 0x5a)).unwrap();
        assert_eq!(load8.call(&mut store, address).unwrap(), 0x5a);
    }
    assert_eq!(
        trap_of(load8.call(&mut store, last + 1)),
        Trap::MemoryOutOfBounds
    );
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert_eq!(memory.data_size(&store), 5 << 30);
    assert_eq!(memory.data(&store)[(5usize << 30) - 1], 0x5a);
    // Four touched pages, not five gibibytes (generously: 256 MiB).
    let grown = resident_bytes().saturating_sub(before);
    assert!(grown < 256 << 20, "resident set grew by {grown} bytes");
}

#[test]
fn the_limiter_bounds_a_memory64() {
    let limits = StoreLimitsBuilder::new()
        .memory_size(4 << 30 | 1 << 16)
        .build();
    let (mut store, instance) = instance_limited(GROWER, limits);
    let grow = instance
        .get_typed_func::<i64, i64>(&mut store, "grow")
        .unwrap();
    // Past 4 GiB + 1 page: refused, the memory unchanged.
    assert_eq!(grow.call(&mut store, 4 * GIB / PAGE + 1).unwrap(), -1);
    assert_eq!(grow.call(&mut store, 4 * GIB / PAGE).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert_eq!(grow.call(&mut store, 0).unwrap(), 4 * GIB / PAGE + 1);
    // Sizes beyond any address space are refused, not wrapped.
    assert_eq!(grow.call(&mut store, i64::MAX).unwrap(), -1);
    assert_eq!(grow.call(&mut store, -1).unwrap(), -1);
}

#[test]
fn table64_grows_and_checks_bounds_with_i64_indices() {
    let (mut store, instance) = instance(
        r#"(module
            (type $t (func (result i32)))
            (table $t64 i64 2 funcref)
            (elem (table $t64) (i64.const 1) func $seven)
            (func $seven (result i32) i32.const 7)
            (func (export "size") (result i64) (table.size $t64))
            (func (export "grow") (param i64) (result i64)
                (table.grow $t64 (ref.null func) (local.get 0)))
            (func (export "is_null") (param i64) (result i32)
                (ref.is_null (table.get $t64 (local.get 0))))
            (func (export "set") (param i64)
                (table.set $t64 (local.get 0) (ref.func $seven)))
            (func (export "call") (param i64) (result i32)
                (call_indirect $t64 (type $t) (local.get 0))))"#,
    );
    let size = instance
        .get_typed_func::<(), i64>(&mut store, "size")
        .unwrap();
    let grow = instance
        .get_typed_func::<i64, i64>(&mut store, "grow")
        .unwrap();
    let is_null = instance
        .get_typed_func::<i64, i32>(&mut store, "is_null")
        .unwrap();
    let set = instance
        .get_typed_func::<i64, ()>(&mut store, "set")
        .unwrap();
    let call = instance
        .get_typed_func::<i64, i32>(&mut store, "call")
        .unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 2);
    assert_eq!(grow.call(&mut store, 3).unwrap(), 2);
    assert_eq!(size.call(&mut store, ()).unwrap(), 5);
    assert_eq!(grow.call(&mut store, i64::MAX).unwrap(), -1);
    assert_eq!(grow.call(&mut store, -1).unwrap(), -1);
    assert_eq!(is_null.call(&mut store, 0).unwrap(), 1);
    assert_eq!(is_null.call(&mut store, 1).unwrap(), 0);
    assert_eq!(call.call(&mut store, 1).unwrap(), 7);
    set.call(&mut store, 4).unwrap();
    assert_eq!(call.call(&mut store, 4).unwrap(), 7);
    // Indices whose low 32 bits are in bounds are still out of bounds.
    for index in [5, 1 << 32, (1 << 32) + 1, -1, i64::MIN + 1] {
        let oob = Trap::TableOutOfBounds;
        assert_eq!(trap_of(is_null.call(&mut store, index)), oob, "{index:#x}");
        assert_eq!(trap_of(set.call(&mut store, index)), oob, "{index:#x}");
        assert_eq!(
            trap_of(call.call(&mut store, index)),
            Trap::TableOutOfBounds,
            "{index:#x}"
        );
    }
}

#[test]
fn imports_match_only_the_same_index_type() {
    let engine = Engine::default();
    let exporter = Module::new(
        &engine,
        r#"(module (table (export "t") i64 1 funcref) (memory (export "m") i64 1))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let exports = Instance::new(&mut store, &exporter, &[]).unwrap();
    let table = Extern::Table(exports.get_table(&mut store, "t").unwrap());
    let memory = Extern::Memory(exports.get_memory(&mut store, "m").unwrap());
    let cases = [
        (r#"(import "" "t" (table i64 1 funcref))"#, &table, true),
        (r#"(import "" "t" (table 1 funcref))"#, &table, false),
        (r#"(import "" "m" (memory i64 1))"#, &memory, true),
        (r#"(import "" "m" (memory 1))"#, &memory, false),
    ];
    for (import, export, links) in cases {
        let module = Module::new(&engine, format!("(module {import})")).unwrap();
        let result = Instance::new(&mut store, &module, &[*export]);
        assert_eq!(result.is_ok(), links, "{import}: {result:?}");
    }
}
