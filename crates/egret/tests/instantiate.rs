//! Instantiation's fast paths keep the spec's semantics: memories created
//! from a module's copy-on-write image, linear-memory reservations reused
//! across instances and stores, and element segments evaluated on use; and
//! an instantiation that fails before its instance exists leaves the store
//! as it was.

use egret::*;

const DATA_MODULE: &str = r#"(module
    (memory (export "memory") 2 4)
    (data (i32.const 100) "hello")
    (data (i32.const 70000) "far")
    (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size)))"#;

fn instance(engine: &Engine, module: &Module) -> (Store<()>, Instance) {
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, module, &[]).unwrap();
    (store, instance)
}

fn call<P: WasmParams, R: WasmResults>(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
    params: P,
) -> Result<R> {
    instance
        .get_typed_func::<P, R>(&mut *store, name)?
        .call(store, params)
}

#[test]
fn every_instance_starts_from_the_data_segments_whatever_earlier_ones_did() {
    let engine = Engine::default();
    let module = Module::new(&engine, DATA_MODULE).unwrap();
    for round in 0..5 {
        let (mut store, instance) = instance(&engine, &module);
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        let data = memory.data(&store);
        assert_eq!(&data[100..105], b"hello", "round {round}");
        assert_eq!(&data[70000..70003], b"far", "round {round}");
        assert!(data[..100].iter().all(|b| *b == 0), "round {round}");
        assert!(data[105..70000].iter().all(|b| *b == 0), "round {round}");
        assert_eq!(
            call::<(), i32>(&mut store, &instance, "size", ()).unwrap(),
            2
        );
        assert!(
            call::<i32, i32>(&mut store, &instance, "load", 65536 * 2).is_err(),
            "beyond the initial size traps in round {round}"
        );

        // Leave the memory as unlike the image as possible for the next
        // instance, which may reuse the reservation.
        call::<(i32, i32), ()>(&mut store, &instance, "store", (100, 0x58)).unwrap();
        call::<(i32, i32), ()>(&mut store, &instance, "store", (5, 1)).unwrap();
        assert_eq!(
            call::<i32, i32>(&mut store, &instance, "grow", 2).unwrap(),
            2
        );
        call::<(i32, i32), ()>(&mut store, &instance, "store", (4 * 65536 - 1, 2)).unwrap();
        assert_eq!(
            call::<i32, i32>(&mut store, &instance, "load", 100).unwrap(),
            0x58
        );
    }
}

#[test]
fn instances_in_one_store_have_separate_copies_of_the_image() {
    let engine = Engine::default();
    let module = Module::new(&engine, DATA_MODULE).unwrap();
    let mut store = Store::new(&engine, ());
    let a = Instance::new(&mut store, &module, &[]).unwrap();
    let b = Instance::new(&mut store, &module, &[]).unwrap();
    call::<(i32, i32), ()>(&mut store, &a, "store", (101, i32::from(b'E'))).unwrap();
    assert_eq!(
        call::<i32, i32>(&mut store, &a, "load", 101).unwrap(),
        i32::from(b'E')
    );
    assert_eq!(
        call::<i32, i32>(&mut store, &b, "load", 101).unwrap(),
        i32::from(b'e')
    );
}

#[test]
fn modules_with_different_images_alternate_on_reused_reservations() {
    let engine = Engine::default();
    let first = Module::new(&engine, DATA_MODULE).unwrap();
    let second = Module::new(
        &engine,
        r#"(module (memory (export "memory") 2) (data (i32.const 90000) "second"))"#,
    )
    .unwrap();
    let plain = Module::new(&engine, r#"(module (memory (export "memory") 1))"#).unwrap();
    for _ in 0..3 {
        for module in [&first, &second, &plain] {
            let (mut store, instance) = instance(&engine, module);
            let memory = instance.get_memory(&mut store, "memory").unwrap();
            let expected_pages = if std::ptr::eq(module, &plain) { 1 } else { 2 };
            assert_eq!(memory.size(&store), expected_pages);
            let data = memory.data_mut(&mut store);
            let nonzero: Vec<(usize, u8)> = data
                .iter()
                .enumerate()
                .filter(|(_, b)| **b != 0)
                .map(|(i, b)| (i, *b))
                .collect();
            let expected: Vec<(usize, u8)> = if std::ptr::eq(module, &first) {
                (100..105)
                    .zip(*b"hello")
                    .chain((70000..70003).zip(*b"far"))
                    .collect()
            } else if std::ptr::eq(module, &second) {
                (90000..90006).zip(*b"second").collect()
            } else {
                Vec::new()
            };
            assert_eq!(nonzero, expected);
            data.fill(0xAA);
        }
    }
}

#[test]
fn data_is_not_applied_when_an_element_segment_traps_first() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let table = Table::new(
        &mut store,
        TableType::new(RefType::FUNCREF, 2, None),
        Ref::Func(None),
    )
    .unwrap();
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "table" (table 2 funcref))
            (memory 1)
            (func $read (result i32) (i32.load8_u (i32.const 10)))
            (elem (i32.const 0) $read)
            (elem (i32.const 5) $read)
            (data (i32.const 10) "\2a"))"#,
    )
    .unwrap();
    let err = Instance::new(&mut store, &module, &[table.into()]).unwrap_err();
    assert!(err.downcast_ref() == Some(&Trap::TableOutOfBounds), "{err}");
    // The first element segment stored the function before the second one
    // trapped; the data segment never ran, so its memory holds zeros.
    let Some(Ref::Func(Some(read))) = table.get(&mut store, 0) else {
        panic!("the first element segment was applied");
    };
    let read = read.typed::<(), i32>(&store).unwrap();
    assert_eq!(read.call(&mut store, ()).unwrap(), 0);
}

#[test]
fn passive_element_segments_are_evaluated_when_used() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "base" (global $base i32))
            (table $t 4 funcref)
            (func $a (result i32) (i32.const 1))
            (func $b (result i32) (global.get $base))
            (elem $seg funcref (ref.func $a) (ref.null func) (ref.func $b))
            (func (export "init") (param i32 i32 i32) (table.init $seg (local.get 0) (local.get 1) (local.get 2)))
            (func (export "drop") (elem.drop $seg))
            (func (export "call") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
            (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0)))))"#,
    )
    .unwrap();
    let base = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(7),
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[base.into()]).unwrap();
    let init = instance
        .get_typed_func::<(i32, i32, i32), ()>(&mut store, "init")
        .unwrap();
    let call = instance
        .get_typed_func::<i32, i32>(&mut store, "call")
        .unwrap();
    let is_null = instance
        .get_typed_func::<i32, i32>(&mut store, "is_null")
        .unwrap();
    init.call(&mut store, (1, 0, 3)).unwrap();
    assert_eq!(call.call(&mut store, 1).unwrap(), 1);
    assert_eq!(is_null.call(&mut store, 2).unwrap(), 1);
    assert_eq!(call.call(&mut store, 3).unwrap(), 7);
    // Out of bounds in the segment, then in the table: nothing written.
    assert!(init.call(&mut store, (0, 1, 3)).is_err());
    assert!(init.call(&mut store, (2, 0, 3)).is_err());
    assert_eq!(is_null.call(&mut store, 0).unwrap(), 1);
    // Once dropped, only empty copies succeed.
    instance
        .get_typed_func::<(), ()>(&mut store, "drop")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    assert!(init.call(&mut store, (0, 0, 1)).is_err());
    init.call(&mut store, (0, 0, 0)).unwrap();
}

#[test]
fn a_failed_instantiation_leaves_the_store_as_it_was() {
    let engine = Engine::default();
    let limits = StoreLimitsBuilder::new()
        .memories(1)
        .tables(1)
        .table_elements(10)
        .build();
    let mut store = Store::new(&engine, limits);
    store.limiter(|limits| limits);
    // The memory and the global are created before the table is refused.
    let too_big = Module::new(
        &engine,
        "(module (memory 1) (global (mut i32) (i32.const 7)) (table 100 funcref))",
    )
    .unwrap();
    for _ in 0..3 {
        match Instance::new(&mut store, &too_big, &[]) {
            Err(Error::Resource(message)) => assert!(message.contains("table"), "{message}"),
            other => panic!("expected a resource error, got {other:?}"),
        }
    }
    // Nothing of the failed attempts counts: the store's one memory and
    // one table are still to be had, and work.
    let fits = Module::new(
        &engine,
        r#"(module (memory (export "memory") 1) (table 10 funcref)
            (global $g (mut i32) (i32.const 5))
            (func (export "bump") (result i32)
                (global.set $g (i32.add (global.get $g) (i32.const 1)))
                (global.get $g)))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &fits, &[]).unwrap();
    let bump = instance
        .get_typed_func::<(), i32>(&mut store, "bump")
        .unwrap();
    assert_eq!(bump.call(&mut store, ()).unwrap(), 6);
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    memory.write(&mut store, 0, b"ok").unwrap();
    // And now the caps are reached.
    assert!(Memory::new(&mut store, MemoryType::new(1, None)).is_err());
}

/// Lets memories be created and panics when asked for a table.
struct PanicsOnTables;

impl ResourceLimiter for PanicsOnTables {
    fn memory_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> Result<bool> {
        Ok(true)
    }
    fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> Result<bool> {
        panic!("no tables today")
    }
    fn memories(&self) -> usize {
        1
    }
}

#[test]
fn an_instantiation_interrupted_by_a_panicking_limiter_is_undone_too() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, PanicsOnTables);
    store.limiter(|limits| limits);
    let module = Module::new(
        &engine,
        "(module (memory 1) (global (mut i32) (i32.const 7)) (table 1 funcref))",
    )
    .unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Instance::new(&mut store, &module, &[])
    }));
    assert!(outcome.is_err(), "the limiter's panic reaches the embedder");
    // The memory created before the panic is gone: the cap of one allows
    // a new one.
    Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    assert!(Memory::new(&mut store, MemoryType::new(1, None)).is_err());
}
