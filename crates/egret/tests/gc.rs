//! GC through the embedding API (issue #16): objects made by wasm reach
//! the host as `AnyRef`s of the right kind, `i31`s and converted host
//! references cross both ways, a full heap fails a call without harming
//! the store, handles stay bound to their store, and collections (under
//! stress, deep recursion, host calls, fuel and epochs) keep what is
//! reachable and free the rest, host values included.

mod common;

use common::trap_of;
use egret::{
    AnyRef, ArrayRef, ArrayRefPre, ArrayType, AsContextMut, Caller, Collector, Config, Engine,
    EqRef, Error, ExternRef, FieldType, Finality, Func, GcHeapOutOfMemory, HeapType, I31, Instance,
    Module, Mutability, OwnedRooted, RootScope, Rooted, StorageType, Store, StoreLimits,
    StoreLimitsBuilder, StructRef, StructRefPre, StructType, Trap, Val, ValType,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn gc_engine() -> Engine {
    let mut config = Config::new();
    config.wasm_gc(true);
    Engine::new(&config).expect("engine")
}

const OBJECTS: &str = r#"(module
    (type $point (struct (field (mut i32)) (field i64)))
    (type $bytes (array (mut i8)))
    (func (export "point") (param i32) (result anyref)
        (struct.new $point (local.get 0) (i64.const 7)))
    (func (export "x") (param anyref) (result i32)
        (struct.get $point 0 (ref.cast (ref $point) (local.get 0))))
    (func (export "bytes") (param i32) (result anyref)
        (array.new $bytes (i32.const 0xab) (local.get 0)))
    (func (export "zeros") (param i32) (result anyref)
        (array.new_default $bytes (local.get 0)))
    (func (export "len") (param anyref) (result i32)
        (array.len (ref.cast (ref array) (local.get 0))))
    (func (export "i31") (param i32) (result (ref i31)) (ref.i31 (local.get 0)))
    (func (export "get_s") (param i31ref) (result i32) (i31.get_s (local.get 0)))
    (func (export "internalize") (param externref) (result anyref)
        (any.convert_extern (local.get 0)))
    (func (export "externalize") (param anyref) (result externref)
        (extern.convert_any (local.get 0))))"#;

fn objects(store: &mut Store<()>) -> Instance {
    let module = Module::new(store.engine(), OBJECTS).expect("compiles");
    Instance::new(&mut *store, &module, &[]).expect("instantiates")
}

#[test]
fn objects_made_by_wasm_reach_the_host_with_their_kind() {
    let mut store = Store::new(&gc_engine(), ());
    let instance = objects(&mut store);
    let point = instance
        .get_typed_func::<i32, Option<Rooted<AnyRef>>>(&mut store, "point")
        .unwrap();
    let x = instance
        .get_typed_func::<Option<Rooted<AnyRef>>, i32>(&mut store, "x")
        .unwrap();
    let p = point.call(&mut store, 41).unwrap().expect("non-null");
    assert!(p.is_struct(&store).unwrap());
    assert!(!p.is_array(&store).unwrap());
    assert!(p.is_eqref(&store).unwrap());
    assert!(matches!(p.ty(&store).unwrap(), HeapType::ConcreteStruct(_)));
    // The host hands the object back and wasm reads its field.
    assert_eq!(x.call(&mut store, Some(p)).unwrap(), 41);
    // A cast that fails traps, and the store goes on.
    let bytes = instance
        .get_typed_func::<i32, Option<Rooted<AnyRef>>>(&mut store, "bytes")
        .unwrap();
    let array = bytes.call(&mut store, 3).unwrap().expect("non-null");
    assert!(array.is_array(&store).unwrap());
    assert_eq!(trap_of(x.call(&mut store, Some(array))), Trap::CastFailure);
    let len = instance
        .get_typed_func::<Option<Rooted<AnyRef>>, i32>(&mut store, "len")
        .unwrap();
    assert_eq!(len.call(&mut store, Some(array)).unwrap(), 3);
    assert_eq!(trap_of(len.call(&mut store, None)), Trap::CastFailure);
}

#[test]
fn i31_values_cross_both_ways() {
    let mut store = Store::new(&gc_engine(), ());
    let instance = objects(&mut store);
    let make = instance
        .get_typed_func::<i32, I31>(&mut store, "i31")
        .unwrap();
    let get_s = instance
        .get_typed_func::<Option<I31>, i32>(&mut store, "get_s")
        .unwrap();
    // `ref.i31` keeps the low 31 bits.
    assert_eq!(make.call(&mut store, -1).unwrap().get_i32(), -1);
    assert_eq!(make.call(&mut store, i32::MAX).unwrap().get_i32(), -1);
    assert_eq!(get_s.call(&mut store, I31::new_i32(-5)).unwrap(), -5);
    assert_eq!(trap_of(get_s.call(&mut store, None)), Trap::NullReference);
    let any = AnyRef::from_i31(&mut store, I31::wrapping_u32(9));
    let func = instance.get_func(&mut store, "get_s").unwrap();
    let mut out = [Val::I32(0)];
    func.call(&mut store, &[Val::AnyRef(Some(any))], &mut out)
        .unwrap();
    assert_eq!(out[0].i32(), Some(9));
}

#[test]
fn host_references_convert_to_any_and_back() {
    let mut store = Store::new(&gc_engine(), ());
    let instance = objects(&mut store);
    let internalize = instance
        .get_typed_func::<Option<Rooted<ExternRef>>, Option<Rooted<AnyRef>>>(
            &mut store,
            "internalize",
        )
        .unwrap();
    let externalize = instance
        .get_typed_func::<Option<Rooted<AnyRef>>, Option<Rooted<ExternRef>>>(
            &mut store,
            "externalize",
        )
        .unwrap();
    let host = ExternRef::new(&mut store, "hello").unwrap();
    let any = internalize.call(&mut store, Some(host)).unwrap().unwrap();
    assert!(matches!(any.ty(&store).unwrap(), HeapType::Any));
    assert!(!any.is_eqref(&store).unwrap());
    let converted = AnyRef::convert_extern(&mut store, host).unwrap();
    assert!(Rooted::ref_eq(&store, &any, &converted).unwrap());
    let back = externalize.call(&mut store, Some(any)).unwrap().unwrap();
    let data = back.data(&store).unwrap().unwrap();
    assert_eq!(data.downcast_ref::<&str>(), Some(&"hello"));
    // An object externalized has no host value, and comes back itself.
    let i31 = AnyRef::from_i31(&mut store, I31::wrapping_u32(3));
    let wrapped = externalize.call(&mut store, Some(i31)).unwrap().unwrap();
    assert!(wrapped.data(&store).unwrap().is_none());
    let converted = ExternRef::convert_any(&mut store, i31).unwrap();
    assert!(Rooted::ref_eq(&store, &converted, &wrapped).unwrap());
    let again = internalize
        .call(&mut store, Some(wrapped))
        .unwrap()
        .unwrap();
    assert_eq!(again.unwrap_i31(&store).unwrap().get_u32(), 3);
}

#[test]
fn a_full_heap_fails_the_call_and_the_store_stays_usable() {
    let mut store = Store::new(&gc_engine(), ());
    let instance = objects(&mut store);
    let zeros = instance
        .get_typed_func::<i32, Option<Rooted<AnyRef>>>(&mut store, "zeros")
        .unwrap();
    // An array larger than any heap (4 GiB) traps before allocating, as
    // Wasmtime's `AllocationTooLarge`.
    let err = zeros.call(&mut store, -1).unwrap_err();
    assert_eq!(trap_of(Err::<(), _>(err)), Trap::AllocationTooLarge);
    // 3 GiB fit once (no page of them is touched), not twice: the second
    // fails with a resource limit, not a trap.
    let three_gib = (3u32 << 30) as i32;
    assert!(zeros.call(&mut store, three_gib).unwrap().is_some());
    let err = zeros.call(&mut store, three_gib).unwrap_err();
    assert!(format!("{err:?}").contains("GC heap"), "{err:?}");
    assert!(!err.is::<Trap>());
    let bytes = instance
        .get_typed_func::<i32, Option<Rooted<AnyRef>>>(&mut store, "bytes")
        .unwrap();
    let small = bytes.call(&mut store, 4).unwrap().unwrap();
    assert!(small.is_array(&store).unwrap());
}

#[test]
fn gc_handles_are_bound_to_their_store() {
    let engine = gc_engine();
    let mut first = Store::new(&engine, ());
    let mut second = Store::new(&engine, ());
    let instance = objects(&mut first);
    let point = instance
        .get_typed_func::<i32, Option<Rooted<AnyRef>>>(&mut first, "point")
        .unwrap();
    let p = point.call(&mut first, 1).unwrap().unwrap();
    assert!(matches!(p.is_struct(&second), Err(Error::WrongStore)));
    let other = objects(&mut second);
    let x = other
        .get_typed_func::<Option<Rooted<AnyRef>>, i32>(&mut second, "x")
        .unwrap();
    assert!(matches!(
        x.call(&mut second, Some(p)),
        Err(Error::WrongStore)
    ));
}

const LISTS: &str = r#"(module
    (type $node (struct (field $value i32) (field $next (ref null $node))))
    (import "host" "collect" (func $collect))
    (global $kept (mut (ref null $node)) (ref.null $node))
    (table $slots 1 (ref null $node))
    ;; A list of `n` nodes holding n-1 .. 0.
    (func $list (export "list") (param $n i32) (result (ref null $node))
        (local $head (ref null $node))
        (loop $more
            (if (local.get $n) (then
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (local.set $head (struct.new $node (local.get $n) (local.get $head)))
                (br $more))))
        (local.get $head))
    (func $sum (export "sum") (param $list (ref null $node)) (result i32)
        (local $total i32)
        (block $done (loop $more
            (br_if $done (ref.is_null (local.get $list)))
            (local.set $total (i32.add (local.get $total)
                (struct.get $node $value (local.get $list))))
            (local.set $list (struct.get $node $next (local.get $list)))
            (br $more)))
        (local.get $total))
    (func (export "sum_any") (param anyref) (result i32)
        (call $sum (ref.cast (ref null $node) (local.get 0))))
    ;; Makes `rounds` lists of 100 nodes that die at once.
    (func $churn (export "churn") (param $rounds i32)
        (loop $more
            (if (local.get $rounds) (then
                (drop (call $list (i32.const 100)))
                (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
                (br $more)))))
    ;; Keeps lists in a global, a table and a local while garbage is made
    ;; and collected, then sums all three.
    (func (export "survivors") (param $rounds i32) (result i32)
        (local $mine (ref null $node))
        (global.set $kept (call $list (i32.const 10)))
        (table.set $slots (i32.const 0) (call $list (i32.const 20)))
        (local.set $mine (call $list (i32.const 30)))
        (call $churn (local.get $rounds))
        (call $collect)
        (i32.add (call $sum (global.get $kept))
            (i32.add (call $sum (table.get $slots (i32.const 0)))
                (call $sum (local.get $mine))))))"#;

fn lists(store: &mut Store<()>) -> Instance {
    let module = Module::new(store.engine(), LISTS).expect("compiles");
    let collect = egret::Func::wrap(&mut *store, |mut caller: egret::Caller<'_, ()>| {
        caller.gc(None).expect("collects");
    });
    Instance::new(&mut *store, &module, &[collect.into()]).expect("instantiates")
}

/// The sum of `0..n`.
fn triangle(n: i32) -> i32 {
    n * (n - 1) / 2
}

#[test]
fn short_lived_objects_are_collected_and_the_heap_stays_bounded() {
    let mut store = Store::new(&gc_engine(), ());
    let instance = lists(&mut store);
    let churn = instance
        .get_typed_func::<i32, ()>(&mut store, "churn")
        .unwrap();
    // 1,000,000 nodes of 16 bytes: 16 MB allocated in all.
    churn.call(&mut store, 10_000).unwrap();
    let capacity = store.gc_heap_capacity();
    assert!(capacity > 0);
    assert!(
        capacity <= 4 << 20,
        "the heap grew to {capacity} bytes for 16 MB of short-lived objects"
    );
}

#[test]
fn objects_reachable_from_globals_tables_frames_and_the_host_survive() {
    let mut store = Store::new(&gc_engine(), ());
    let instance = lists(&mut store);
    let survivors = instance
        .get_typed_func::<i32, i32>(&mut store, "survivors")
        .unwrap();
    let expected = triangle(10) + triangle(20) + triangle(30);
    assert_eq!(survivors.call(&mut store, 20_000).unwrap(), expected);

    // A list the host holds survives collections it did not ask for.
    let list = instance
        .get_typed_func::<i32, Option<Rooted<AnyRef>>>(&mut store, "list")
        .unwrap();
    let sum = instance
        .get_typed_func::<Option<Rooted<AnyRef>>, i32>(&mut store, "sum_any")
        .unwrap();
    let held = list.call(&mut store, 40).unwrap();
    store.gc(None).unwrap();
    let churn = instance
        .get_typed_func::<i32, ()>(&mut store, "churn")
        .unwrap();
    churn.call(&mut store, 20_000).unwrap();
    assert_eq!(sum.call(&mut store, held).unwrap(), triangle(40));
}

#[test]
fn rooted_handles_end_with_their_scope_and_owned_ones_do_not() {
    let mut store = Store::new(&gc_engine(), ());
    let instance = lists(&mut store);
    let list = instance
        .get_typed_func::<i32, Option<Rooted<AnyRef>>>(&mut store, "list")
        .unwrap();
    let sum = instance
        .get_typed_func::<Option<Rooted<AnyRef>>, i32>(&mut store, "sum_any")
        .unwrap();
    let churn = instance
        .get_typed_func::<i32, ()>(&mut store, "churn")
        .unwrap();

    let (scoped, owned) = {
        let mut scope = RootScope::new(&mut store);
        let scoped = list.call(&mut scope, 5).unwrap().unwrap();
        let owned = scoped.to_owned_rooted(&mut scope).unwrap();
        assert_eq!(sum.call(&mut scope, Some(scoped)).unwrap(), triangle(5));
        (scoped, owned)
    };
    // The scope is over: its handle is refused, the owned one lives on
    // through collections.
    assert!(scoped.is_struct(&store).is_err());
    assert!(sum.call(&mut store, Some(scoped)).is_err());
    churn.call(&mut store, 20_000).unwrap();
    store.gc(None).unwrap();
    let again = owned.to_rooted(&mut store);
    assert_eq!(sum.call(&mut store, Some(again)).unwrap(), triangle(5));
}

#[test]
fn references_a_host_function_receives_are_rooted_for_the_call_only() {
    type Kept = Arc<Mutex<Vec<Rooted<AnyRef>>>>;
    let engine = gc_engine();
    let mut store = Store::new(&engine, ());
    let kept: Kept = Arc::default();
    let owned: Arc<Mutex<Option<OwnedRooted<AnyRef>>>> = Arc::default();
    let module = Module::new(
        &engine,
        r#"(module
            (type $box (struct (field i32)))
            (import "host" "keep" (func $keep (param anyref)))
            (func (export "run") (param i32)
                (call $keep (struct.new $box (local.get 0))))
            (func (export "get") (param anyref) (result i32)
                (struct.get $box 0 (ref.cast (ref $box) (local.get 0)))))"#,
    )
    .unwrap();
    let keep = {
        let (kept, owned) = (kept.clone(), owned.clone());
        Func::wrap(
            &mut store,
            move |mut caller: Caller<'_, ()>, r: Option<Rooted<AnyRef>>| {
                let r = r.expect("non-null");
                // Valid during the call, across a collection.
                caller.gc(None).unwrap();
                assert!(r.is_struct(&caller).unwrap());
                kept.lock().unwrap().push(r);
                *owned.lock().unwrap() = Some(r.to_owned_rooted(&mut caller).unwrap());
            },
        )
    };
    let instance = Instance::new(&mut store, &module, &[keep.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, ()>(&mut store, "run")
        .unwrap();
    let get = instance
        .get_typed_func::<Option<Rooted<AnyRef>>, i32>(&mut store, "get")
        .unwrap();
    run.call(&mut store, 42).unwrap();
    let escaped = kept.lock().unwrap()[0];
    assert!(escaped.is_struct(&store).is_err());
    store.gc(None).unwrap();
    let owned = owned.lock().unwrap().take().unwrap();
    let rooted = owned.to_rooted(&mut store);
    assert_eq!(get.call(&mut store, Some(rooted)).unwrap(), 42);
}

#[test]
fn the_null_collector_never_collects_and_runs_out() {
    let engine = Engine::new(Config::new().wasm_gc(true).collector(Collector::Null)).unwrap();
    let limits = StoreLimitsBuilder::new().memory_size(1 << 20).build();
    let mut store = Store::new(&engine, limits);
    store.limiter(|limits| limits);
    let module = Module::new(store.engine(), LISTS).expect("compiles");
    let collect = Func::wrap(&mut store, |_: Caller<'_, StoreLimits>| {});
    let instance = Instance::new(&mut store, &module, &[collect.into()]).unwrap();
    let churn = instance
        .get_typed_func::<i32, ()>(&mut store, "churn")
        .unwrap();
    // What the mark-sweep collector fits in the limit (above) fails here.
    let err = churn.call(&mut store, 100_000).unwrap_err();
    assert!(
        err.downcast_ref::<GcHeapOutOfMemory<()>>().is_some(),
        "{err:?}"
    );
    // Host values are never freed either, not even by `Store::gc`.
    let dropped = Arc::new(AtomicUsize::new(0));
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    {
        let mut scope = RootScope::new(&mut store);
        ExternRef::new(&mut scope, Counted(dropped.clone())).unwrap();
    }
    store.gc(None).unwrap();
    assert_eq!(dropped.load(Ordering::SeqCst), 0);
    drop(store);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[test]
fn the_copying_collector_is_refused() {
    let err = Engine::new(Config::new().collector(Collector::Copying)).unwrap_err();
    assert!(err.to_string().contains("copying collector"), "{err}");
}

#[test]
fn the_resource_limiter_bounds_the_heap_and_exhaustion_leaves_the_store_usable() {
    let engine = gc_engine();
    let limits = StoreLimitsBuilder::new().memory_size(1 << 20).build();
    let mut store = Store::new(&engine, limits);
    store.limiter(|limits| limits);
    let module = Module::new(store.engine(), LISTS).expect("compiles");
    let collect = Func::wrap(&mut store, |_: Caller<'_, StoreLimits>| {});
    let instance = Instance::new(&mut store, &module, &[collect.into()]).unwrap();
    let list = instance
        .get_typed_func::<i32, Option<Rooted<AnyRef>>>(&mut store, "list")
        .unwrap();
    let churn = instance
        .get_typed_func::<i32, ()>(&mut store, "churn")
        .unwrap();
    // Garbage is collected within the limit...
    churn.call(&mut store, 20_000).unwrap();
    assert!(store.gc_heap_capacity() <= 1 << 20);
    // ...but 100,000 live nodes (1.6 MB) do not fit.
    let err = list.call(&mut store, 100_000).unwrap_err();
    let full = err
        .downcast_ref::<GcHeapOutOfMemory<()>>()
        .expect("a GC heap out-of-memory error");
    assert_eq!(full.bytes_needed(), 16);
    assert!(
        format!("{err:?}").contains("GC heap out of memory"),
        "{err:?}"
    );
    // The store goes on: what failed is garbage now.
    store.gc(None).unwrap();
    let small = list.call(&mut store, 1000).unwrap();
    assert!(small.unwrap().is_struct(&store).unwrap());
}

const POINTS: &str = r#"(module
    (type $point (struct (field $x (mut i32)) (field $tag i8) (field $next (mut (ref null $point)))))
    (type $bytes (array (mut i8)))
    (func (export "make") (param i32) (result (ref $point))
        (struct.new $point (local.get 0) (i32.const 0x1ff) (ref.null $point)))
    (func (export "x") (param (ref null $point)) (result i32)
        (struct.get $point $x (local.get 0)))
    (func (export "next_x") (param (ref null $point)) (result i32)
        (struct.get $point $x (struct.get $point $next (local.get 0))))
    (func (export "sum") (param (ref null $bytes)) (result i32)
        (local $i i32) (local $total i32)
        (block $done (loop $more
            (br_if $done (i32.ge_u (local.get $i) (array.len (local.get 0))))
            (local.set $total (i32.add (local.get $total)
                (array.get_u $bytes (local.get 0) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $more)))
        (local.get $total)))"#;

/// The module's `$point`. (A recursive type cannot be described field by
/// field from the host: its `$next` refers to itself.)
fn point_type(engine: &Engine) -> StructType {
    let module = Module::new(engine, POINTS).unwrap();
    let export = module.exports().find(|e| e.name() == "make").unwrap();
    let ty = export.ty().unwrap_func().result(0).unwrap();
    ty.unwrap_ref().heap_type().unwrap_concrete_struct().clone()
}

#[test]
fn the_host_makes_reads_and_writes_structs_and_arrays_wasm_uses() {
    let engine = gc_engine();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, POINTS).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let point = point_type(&engine);
    assert_eq!(point.fields().len(), 3);
    assert!(point.field(1).unwrap().element_type().is_i8());

    // Wasm makes one; the host reads and writes it.
    let make = instance.get_func(&mut store, "make").unwrap();
    let mut out = [Val::I32(0)];
    make.call(&mut store, &[Val::I32(5)], &mut out).unwrap();
    let Val::AnyRef(Some(made)) = &out[0] else {
        panic!("make returns a struct")
    };
    let made = made.unwrap_struct(&store).unwrap();
    assert!(StructType::eq(&made.ty(&store).unwrap(), &point));
    assert_eq!(made.field(&mut store, 0).unwrap().i32(), Some(5));
    // Packed fields read back zero-extended.
    assert_eq!(made.field(&mut store, 1).unwrap().i32(), Some(0xff));
    made.set_field(&mut store, 0, Val::I32(6)).unwrap();
    assert!(made.set_field(&mut store, 1, Val::I32(1)).is_err());
    assert!(made.set_field(&mut store, 0, Val::I64(1)).is_err());
    assert!(made.field(&mut store, 3).is_err());

    // The host makes one pointing to wasm's; wasm reads both.
    let pre = StructRefPre::new(&mut store, point.clone());
    let head = StructRef::new(
        &mut store,
        &pre,
        &[
            Val::I32(9),
            Val::I32(1),
            Val::AnyRef(Some(made.to_anyref())),
        ],
    )
    .unwrap();
    store.gc(None).unwrap();
    let x = instance.get_func(&mut store, "x").unwrap();
    let next_x = instance.get_func(&mut store, "next_x").unwrap();
    let head_val = Val::AnyRef(Some(head.to_anyref()));
    x.call(&mut store, std::slice::from_ref(&head_val), &mut out)
        .unwrap();
    assert_eq!(out[0].i32(), Some(9));
    next_x.call(&mut store, &[head_val], &mut out).unwrap();
    assert_eq!(out[0].i32(), Some(6));
    // Wrong field count or type: an error, nothing allocated.
    assert!(StructRef::new(&mut store, &pre, &[Val::I32(1)]).is_err());
    let wrong = [Val::I64(1), Val::I32(1), Val::AnyRef(None)];
    assert!(StructRef::new(&mut store, &pre, &wrong).is_err());

    // Arrays: filled, from a list, read, written, summed by wasm.
    let bytes = ArrayType::new(&engine, FieldType::new(Mutability::Var, StorageType::I8));
    let pre = ArrayRefPre::new(&mut store, bytes.clone());
    let filled = ArrayRef::new(&mut store, &pre, &Val::I32(0x102), 4).unwrap();
    assert_eq!(filled.len(&store).unwrap(), 4);
    assert_eq!(filled.get(&mut store, 3).unwrap().i32(), Some(2));
    filled.set(&mut store, 0, Val::I32(10)).unwrap();
    assert!(filled.get(&mut store, 4).is_err());
    let listed = ArrayRef::new_fixed(&mut store, &pre, &[Val::I32(1), Val::I32(2)]).unwrap();
    let elems: Vec<i32> = listed
        .elems(&mut store)
        .unwrap()
        .map(|v| v.i32().unwrap())
        .collect();
    assert_eq!(elems, [1, 2]);
    let sum = instance.get_func(&mut store, "sum").unwrap();
    sum.call(
        &mut store,
        &[Val::AnyRef(Some(filled.to_anyref()))],
        &mut out,
    )
    .unwrap();
    assert_eq!(out[0].i32(), Some(10 + 2 + 2 + 2));
    assert!(ArrayType::eq(&filled.ty(&store).unwrap(), &bytes));
    assert!(
        filled
            .to_anyref()
            .matches_ty(&store, &HeapType::ConcreteArray(bytes))
            .unwrap()
    );
}

#[test]
fn struct_and_array_types_check_their_supertypes() {
    let engine = gc_engine();
    let i32_field = |m| FieldType::new(m, StorageType::ValType(ValType::I32));
    let base = StructType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        None,
        [i32_field(Mutability::Const)],
    )
    .unwrap();
    let wider = StructType::with_finality_and_supertype(
        &engine,
        Finality::Final,
        Some(&base),
        [i32_field(Mutability::Const), i32_field(Mutability::Var)],
    )
    .unwrap();
    assert!(wider.matches(&base));
    assert!(!base.matches(&wider));
    assert!(StructType::eq(&wider.supertype().unwrap(), &base));
    assert!(HeapType::ConcreteStruct(wider.clone()).matches(&HeapType::Struct));
    assert!(HeapType::ConcreteStruct(wider.clone()).matches(&HeapType::Eq));
    // Fields must extend the supertype's; a final type has no subtypes.
    let mismatched = StructType::with_finality_and_supertype(
        &engine,
        Finality::Final,
        Some(&base),
        [i32_field(Mutability::Var)],
    );
    assert!(mismatched.is_err());
    let below_final = StructType::with_finality_and_supertype(
        &engine,
        Finality::Final,
        Some(&wider),
        [i32_field(Mutability::Const), i32_field(Mutability::Var)],
    );
    assert!(below_final.is_err());

    // A struct of another store is refused.
    let mut first = Store::new(&engine, ());
    let mut second = Store::new(&engine, ());
    let pre = StructRefPre::new(&mut first, base);
    assert!(matches!(
        StructRef::new(&mut second, &pre, &[Val::I32(1)]),
        Err(Error::WrongStore)
    ));
    let made = StructRef::new(&mut first, &pre, &[Val::I32(1)]).unwrap();
    assert!(matches!(made.field(&mut second, 0), Err(Error::WrongStore)));
}

#[test]
fn a_struct_view_of_an_owned_root_outlives_the_owned_handle() {
    let mut store = Store::new(&gc_engine(), ());
    let instance = objects(&mut store);
    let point = instance
        .get_typed_func::<i32, Option<OwnedRooted<AnyRef>>>(&mut store, "point")
        .unwrap();
    let x = instance
        .get_typed_func::<Option<Rooted<AnyRef>>, i32>(&mut store, "x")
        .unwrap();
    let owned = point.call(&mut store, 41).unwrap().expect("non-null");
    let view = owned.as_struct(&store).unwrap().expect("a struct");
    drop(owned);
    // The view is a `Rooted` of the store's scope: its object survives a
    // collection, and a new object does not take its place.
    store.gc(None).unwrap();
    let _other = point.call(&mut store, 99).unwrap();
    assert_eq!(x.call(&mut store, Some(view.to_anyref())).unwrap(), 41);
}

#[test]
fn a_handle_an_owned_root_made_for_another_store_is_refused_by_both() {
    let engine = gc_engine();
    let mut store = Store::new(&engine, ());
    let mut other = Store::new(&engine, ());
    let instance = objects(&mut store);
    let point = instance
        .get_typed_func::<i32, Option<OwnedRooted<AnyRef>>>(&mut store, "point")
        .unwrap();
    let owned = point.call(&mut store, 41).unwrap().expect("non-null");
    let stray = owned.to_rooted(&mut other);
    assert!(stray.is_struct(&other).is_err());
    // Not even its own store takes it: nothing roots it once the owned
    // handle is gone.
    assert!(stray.is_struct(&store).is_err());
    drop(owned);
    store.gc(None).unwrap();
    assert!(stray.is_struct(&store).is_err());
}

/// A limiter that panics whenever a memory (or the GC heap) would grow.
struct PanickingLimiter;

impl egret::ResourceLimiter for PanickingLimiter {
    fn memory_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> egret::Result<bool> {
        panic!("the limiter panicked");
    }

    fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> egret::Result<bool> {
        Ok(true)
    }
}

#[test]
fn a_limiter_panicking_as_wasm_allocates_reaches_the_embedder() {
    let mut store = Store::new(&gc_engine(), PanickingLimiter);
    store.limiter(|limiter| limiter);
    let module = Module::new(store.engine(), OBJECTS).expect("compiles");
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let point = instance
        .get_typed_func::<i32, Option<Rooted<AnyRef>>>(&mut store, "point")
        .unwrap();
    let bytes = instance
        .get_typed_func::<i32, Option<Rooted<AnyRef>>>(&mut store, "bytes")
        .unwrap();
    for attempt in [point, bytes] {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = attempt.call(&mut store, 4);
        }));
        assert!(caught.is_err(), "the limiter's panic reaches the embedder");
    }
    // The store stays usable.
    let i31 = instance
        .get_typed_func::<i32, I31>(&mut store, "i31")
        .unwrap();
    assert_eq!(i31.call(&mut store, 5).unwrap().get_i32(), 5);
}

const NESTED: &str = r#"(module
    (type $node (struct (field $value i32) (field $next (ref null $node))))
    (import "host" "reenter" (func $reenter (param i32)))
    (import "host" "collect" (func $collect))
    (func $list (param $n i32) (result (ref null $node))
        (local $head (ref null $node))
        (loop $more
            (if (local.get $n) (then
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (local.set $head (struct.new $node (local.get $n) (local.get $head)))
                (br $more))))
        (local.get $head))
    (func $sum (param $list (ref null $node)) (result i32)
        (local $total i32)
        (block $done (loop $more
            (br_if $done (ref.is_null (local.get $list)))
            (local.set $total (i32.add (local.get $total)
                (struct.get $node $value (local.get $list))))
            (local.set $list (struct.get $node $next (local.get $list)))
            (br $more)))
        (local.get $total))
    ;; A list only on the operand stack across a collection, then garbage
    ;; that takes the place of whatever the collection wrongly freed.
    (func (export "on_the_stack") (param $n i32) (result i32)
        (call $list (local.get $n))
        (call $collect)
        (drop (call $list (i32.const 5000)))
        (call $sum))
    ;; Holds a list in a local and one on the operand stack across a call
    ;; to the host, which enters `outer` again (depth times) and `churn`.
    (func (export "outer") (param $depth i32) (param $n i32) (result i32)
        (local $mine (ref null $node))
        (local.set $mine (call $list (local.get $n)))
        (call $list (i32.add (local.get $n) (i32.const 1)))
        (call $reenter (local.get $depth))
        (call $sum)
        (i32.add (call $sum (local.get $mine))))
    ;; Makes garbage, collects and makes garbage again.
    (func (export "churn") (param $rounds i32)
        (loop $more
            (if (local.get $rounds) (then
                (drop (call $list (i32.const 100)))
                (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
                (br $more))))
        (call $collect)
        (drop (call $list (i32.const 5000)))))"#;

/// `NESTED` in a store of `engine`, whose `reenter` makes garbage, calls
/// `outer` with one less depth and checks its result.
fn nested(engine: &Engine) -> (Store<()>, Instance) {
    let mut store = Store::new(engine, ());
    let module = Module::new(engine, NESTED).unwrap();
    let collect = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| {
        caller.gc(None).unwrap();
    });
    let reenter = Func::wrap(&mut store, |mut caller: Caller<'_, ()>, depth: i32| {
        let churn = caller.get_export("churn").unwrap().into_func().unwrap();
        churn.call(&mut caller, &[Val::I32(50)], &mut []).unwrap();
        if depth > 0 {
            let outer = caller.get_export("outer").unwrap().into_func().unwrap();
            let n = 10 + depth;
            let mut result = [Val::I32(0)];
            let args = [Val::I32(depth - 1), Val::I32(n)];
            outer.call(&mut caller, &args, &mut result).unwrap();
            assert_eq!(result[0].i32(), Some(triangle(n) + triangle(n + 1)));
        }
        churn.call(&mut caller, &[Val::I32(50)], &mut []).unwrap();
    });
    let imports = [reenter.into(), collect.into()];
    let instance = Instance::new(&mut store, &module, &imports).unwrap();
    (store, instance)
}

#[test]
fn an_operand_of_a_concrete_type_held_across_a_call_is_a_root() {
    let (mut store, instance) = nested(&gc_engine());
    let on_the_stack = instance
        .get_typed_func::<i32, i32>(&mut store, "on_the_stack")
        .unwrap();
    assert_eq!(on_the_stack.call(&mut store, 40).unwrap(), triangle(40));
}

#[test]
fn frames_of_every_nested_activation_and_epoch_exits_are_roots() {
    let mut config = Config::new();
    config.wasm_gc(true);
    config.epoch_interruption(true);
    let engine = Engine::new(&config).unwrap();
    let (mut store, instance) = nested(&engine);
    // Every epoch check collects too.
    store.epoch_deadline_callback(|mut context| {
        context.gc(None)?;
        Ok(egret::UpdateDeadline::Continue(0))
    });
    store.set_epoch_deadline(0);
    engine.increment_epoch();
    let outer = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "outer")
        .unwrap();
    assert_eq!(
        outer.call(&mut store, (3, 40)).unwrap(),
        triangle(40) + triangle(41)
    );
}

#[test]
fn references_in_catch_payloads_block_parameters_and_operands_survive_collections() {
    let mut store = Store::new(&gc_engine(), ());
    let module = Module::new(
        store.engine(),
        r#"(module
            (type $s (struct (field i32)))
            (type $pair (struct (field (ref $s)) (field (ref $s))))
            (type $row (array (ref null $s)))
            (tag $t (param (ref $s)))
            (import "host" "collect" (func $collect))
            (func $mk (param i32) (result (ref $s)) (struct.new $s (local.get 0)))
            ;; Collects, then allocates objects of $s's size that take the
            ;; place of any wrongly freed.
            (func $churn (local $n i32)
                (call $collect)
                (local.set $n (i32.const 200))
                (loop $more
                    (drop (struct.new $s (i32.const 999)))
                    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                    (br_if $more (local.get $n))))
            (func (export "caught") (result i32)
                (block $h (result (ref $s))
                    (try_table (catch $t $h) (throw $t (call $mk (i32.const 5))))
                    (unreachable))
                (call $churn)
                (struct.get $s 0))
            (func (export "block_param") (result i32)
                (call $mk (i32.const 6))
                (block (param (ref $s)) (result (ref $s)) (call $churn))
                (loop (param (ref $s)) (result (ref $s)) (call $churn))
                (struct.get $s 0))
            (func (export "operands") (result i32)
                (local $p (ref $pair))
                (local.set $p (struct.new $pair (call $mk (i32.const 7))
                    (block (result (ref $s)) (call $churn) (call $mk (i32.const 8)))))
                (call $churn)
                (i32.add
                    (struct.get $s 0 (struct.get $pair 0 (local.get $p)))
                    (struct.get $s 0 (struct.get $pair 1 (local.get $p)))))
            (func (export "fill") (result i32)
                (local $r (ref $row))
                (local.set $r (array.new $row (call $mk (i32.const 9)) (i32.const 3)))
                (call $churn)
                (struct.get $s 0 (ref.as_non_null (array.get $row (local.get $r) (i32.const 2))))))"#,
    )
    .unwrap();
    let collect = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| {
        caller.gc(None).unwrap();
    });
    let instance = Instance::new(&mut store, &module, &[collect.into()]).unwrap();
    for (name, expected) in [
        ("caught", 5),
        ("block_param", 6),
        ("operands", 15),
        ("fill", 9),
    ] {
        let f = instance
            .get_typed_func::<(), i32>(&mut store, name)
            .unwrap();
        assert_eq!(f.call(&mut store, ()).unwrap(), expected, "{name}");
    }
}

#[test]
fn objects_of_constant_expressions_and_tail_called_host_exits_survive_collections() {
    let mut config = Config::new();
    config.wasm_gc(true);
    config.wasm_tail_call(true);
    let engine = Engine::new(&config).unwrap();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
            (type $s (struct (field i32)))
            (type $row (array (ref null $s)))
            (import "host" "collect" (func $collect))
            (global $g (ref $s) (struct.new $s (i32.const 1)))
            (table $t 2 (ref null $s) (struct.new $s (i32.const 2)))
            (elem $e (ref $s) (struct.new $s (i32.const 3)) (struct.new $s (i32.const 4)))
            (func $churn (local $n i32)
                (local.set $n (i32.const 200))
                (loop $more
                    (drop (struct.new $s (i32.const 999)))
                    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                    (br_if $more (local.get $n))))
            (func $tail (return_call $collect))
            (func (export "run") (result i32)
                (local $r (ref $row))
                (struct.new $s (i32.const 5))
                (call $tail)
                (call $churn)
                (local.set $r (array.new_elem $row $e (i32.const 0) (i32.const 2)))
                (call $collect)
                (call $churn)
                (struct.get $s 0)
                (i32.add (struct.get $s 0 (global.get $g)))
                (i32.add (struct.get $s 0 (ref.as_non_null (table.get $t (i32.const 1)))))
                (i32.add (struct.get $s 0
                    (ref.as_non_null (array.get $row (local.get $r) (i32.const 0)))))
                (i32.add (struct.get $s 0
                    (ref.as_non_null (array.get $row (local.get $r) (i32.const 1)))))))"#,
    )
    .unwrap();
    let collect = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| {
        caller.gc(None).unwrap();
    });
    let instance = Instance::new(&mut store, &module, &[collect.into()]).unwrap();
    store.gc(None).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 5 + 1 + 2 + 3 + 4);
}

#[test]
fn roots_of_a_host_call_end_when_it_panics() {
    let engine = gc_engine();
    let mut store = Store::new(&engine, ());
    let kept: Arc<Mutex<Option<Rooted<AnyRef>>>> = Arc::default();
    let module = Module::new(
        &engine,
        r#"(module
            (type $box (struct (field i32)))
            (import "host" "keep" (func $keep (param anyref)))
            (func (export "run") (call $keep (struct.new $box (i32.const 1)))))"#,
    )
    .unwrap();
    let keep = {
        let kept = kept.clone();
        Func::wrap(
            &mut store,
            move |_: Caller<'_, ()>, r: Option<Rooted<AnyRef>>| -> () {
                *kept.lock().unwrap() = r;
                panic!("the host function panicked");
            },
        )
    };
    let instance = Instance::new(&mut store, &module, &[keep.into()]).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = run.call(&mut store, ());
    }));
    assert!(caught.is_err());
    let stray = kept.lock().unwrap().take().expect("the argument");
    assert!(stray.is_struct(&store).is_err(), "its scope has ended");
}

const DEEP: &str = r#"(module
    (type $box (struct (field i32)))
    (import "host" "collect" (func $collect))
    ;; Each frame keeps a box of its depth in a local across the call
    ;; below it; the innermost collects. Returns the sum of the depths.
    (func $down (export "down") (param $depth i32) (result i32)
        (local $mine (ref null $box))
        (local.set $mine (struct.new $box (local.get $depth)))
        (if (result i32) (local.get $depth)
            (then
                (i32.add
                    (call $down (i32.sub (local.get $depth) (i32.const 1)))
                    (struct.get $box 0 (local.get $mine))))
            (else (call $collect) (struct.get $box 0 (local.get $mine))))))"#;

#[test]
fn collections_deep_in_recursion_keep_every_frames_objects() {
    let mut store = Store::new(&gc_engine(), ());
    let module = Module::new(store.engine(), DEEP).unwrap();
    let collect = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| {
        caller.gc(None).unwrap();
    });
    let instance = Instance::new(&mut store, &module, &[collect.into()]).unwrap();
    let down = instance
        .get_typed_func::<i32, i32>(&mut store, "down")
        .unwrap();
    assert_eq!(down.call(&mut store, 5_000).unwrap(), 5_000 * 5_001 / 2);
}

#[test]
fn collections_at_epoch_deadlines_and_fuel_exhaustion_leave_the_store_usable() {
    let mut config = Config::new();
    config
        .wasm_gc(true)
        .epoch_interruption(true)
        .consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let mut store = Store::new(&engine, 0u32);
    store.set_fuel(u64::MAX).unwrap();
    let module = Module::new(&engine, LISTS).unwrap();
    let collect = Func::wrap(&mut store, |_: Caller<'_, u32>| {});
    let instance = Instance::new(&mut store, &module, &[collect.into()]).unwrap();
    let survivors = instance
        .get_typed_func::<i32, i32>(&mut store, "survivors")
        .unwrap();
    // The next 200 loop headers and calls reach the deadline: each time the
    // callback collects, with the wasm frames below it as roots.
    store.epoch_deadline_callback(|mut cx| {
        *cx.data_mut() += 1;
        cx.gc(None)?;
        let ticks = if *cx.data() < 200 { 0 } else { 1 << 40 };
        Ok(egret::UpdateDeadline::Continue(ticks))
    });
    store.set_epoch_deadline(0);
    let expected = triangle(10) + triangle(20) + triangle(30);
    assert_eq!(survivors.call(&mut store, 200).unwrap(), expected);
    assert!(*store.data() >= 200);
    // Fuel runs out half way through the churn: a trap, and the store goes
    // on with what survived.
    store.set_fuel(100_000).unwrap();
    let err = survivors.call(&mut store, 20_000).unwrap_err();
    assert_eq!(trap_of(Err::<(), _>(err)), Trap::OutOfFuel);
    store.gc(None).unwrap();
    store.set_fuel(u64::MAX).unwrap();
    assert_eq!(survivors.call(&mut store, 10).unwrap(), expected);
}

#[test]
fn one_hundred_million_short_lived_structs_run_in_a_bounded_heap() {
    let mut store = Store::new(&gc_engine(), ());
    let module = Module::new(
        store.engine(),
        r#"(module
            (type $pair (struct (field i32) (field (ref null $pair))))
            (func (export "alloc") (param $n i32) (result i32)
                (local $last (ref null $pair)) (local $total i32)
                (block $done (loop $more
                    (br_if $done (i32.eqz (local.get $n)))
                    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                    (local.set $last (struct.new $pair (local.get $n) (ref.null $pair)))
                    (local.set $total
                        (i32.add (local.get $total) (struct.get $pair 0 (local.get $last))))
                    (br $more)))
                (local.get $total)))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let alloc = instance
        .get_typed_func::<i32, i32>(&mut store, "alloc")
        .unwrap();
    let n: u32 = 100_000_000;
    let expected = (0..n).fold(0u32, |total, i| total.wrapping_add(i));
    assert_eq!(alloc.call(&mut store, n as i32).unwrap() as u32, expected);
    // 1.6 GB allocated in all; the heap's peak is its capacity.
    let peak = store.gc_heap_capacity();
    eprintln!("100,000,000 structs of 16 bytes: GC heap peak {peak} bytes");
    assert!(peak <= 4 << 20, "the heap grew to {peak} bytes");
}

/// A host value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

const CYCLE: &str = r#"(module
    (type $node (struct (field (mut (ref null $node))) (field anyref)))
    (import "host" "gc" (func $gc))
    (global $kept (mut (ref null $node)) (ref.null $node))
    ;; Two nodes pointing at each other, each holding the host value.
    (func (export "make_cycle") (param externref)
        (local $a (ref $node)) (local $b (ref $node))
        (local.set $a (struct.new $node (ref.null $node) (any.convert_extern (local.get 0))))
        (local.set $b (struct.new $node (local.get $a) (any.convert_extern (local.get 0))))
        (struct.set $node 0 (local.get $a) (local.get $b))
        (global.set $kept (local.get $a)))
    (func (export "drop_cycle") (global.set $kept (ref.null $node)))
    (func (export "host_value") (result externref)
        (extern.convert_any (struct.get $node 1
            (ref.as_non_null (struct.get $node 0 (ref.as_non_null (global.get $kept)))))))
    ;; The value is only in this frame while the host collects.
    (func (export "through_a_collection") (param externref) (result externref)
        (call $gc)
        (local.get 0)))"#;

#[test]
fn a_cycle_of_structs_holding_a_host_value_is_collected_once_unrooted() {
    let mut store = Store::new(&gc_engine(), ());
    let module = Module::new(store.engine(), CYCLE).unwrap();
    let gc = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| caller.gc(None));
    let instance = Instance::new(&mut store, &module, &[gc.into()]).unwrap();
    let make_cycle = instance
        .get_typed_func::<Option<Rooted<ExternRef>>, ()>(&mut store, "make_cycle")
        .unwrap();
    let drop_cycle = instance
        .get_typed_func::<(), ()>(&mut store, "drop_cycle")
        .unwrap();
    let host_value = instance
        .get_typed_func::<(), Option<Rooted<ExternRef>>>(&mut store, "host_value")
        .unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    {
        let mut scope = RootScope::new(&mut store);
        let value = ExternRef::new(&mut scope, Counted(drops.clone())).unwrap();
        make_cycle.call(&mut scope, Some(value)).unwrap();
        scope.as_context_mut().gc(None).unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 0, "rooted by the host");
    }
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 0, "reached from a global");
    let back = {
        let mut scope = RootScope::new(&mut store);
        let back = host_value.call(&mut scope, ()).unwrap().unwrap();
        assert!(back.data(&scope).unwrap().unwrap().is::<Counted>());
        back
    };
    drop_cycle.call(&mut store, ()).unwrap();
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 1, "collected with its cycle");
    assert!(back.data(&store).is_err(), "the handle's scope has ended");
}

#[test]
fn host_values_held_by_frames_survive_and_dropped_ones_are_freed() {
    let mut store = Store::new(&gc_engine(), ());
    let module = Module::new(store.engine(), CYCLE).unwrap();
    let gc = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| caller.gc(None));
    let instance = Instance::new(&mut store, &module, &[gc.into()]).unwrap();
    let through = instance
        .get_typed_func::<Option<Rooted<ExternRef>>, Option<Rooted<ExternRef>>>(
            &mut store,
            "through_a_collection",
        )
        .unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let owned = {
        let mut scope = RootScope::new(&mut store);
        let value = ExternRef::new(&mut scope, Counted(drops.clone())).unwrap();
        let back = through.call(&mut scope, Some(value)).unwrap().unwrap();
        assert!(back.data(&scope).unwrap().unwrap().is::<Counted>());
        back.to_owned_rooted(&mut scope).unwrap()
    };
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 0, "an owned root keeps it");
    drop(owned);
    // Many short-lived host values: collections as they are made free
    // them, without the host asking.
    for _ in 0..100_000 {
        let mut scope = RootScope::new(&mut store);
        ExternRef::new(&mut scope, Counted(drops.clone())).unwrap();
    }
    assert!(drops.load(Ordering::SeqCst) > 90_000);
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 100_001);
}

/// A host value held only by a frame of `hold` while its host import
/// collects from another thread, once with no wasm there and once from
/// wasm entered there.
const ACROSS_THREADS: &str = r#"(module
    (import "host" "hop" (func $hop))
    (import "host" "gc" (func $gc))
    (global $stash (mut externref) (ref.null extern))
    (func (export "stash") (param externref) (global.set $stash (local.get 0)))
    (func (export "hold") (local $v externref)
        (local.set $v (global.get $stash))
        (global.set $stash (ref.null extern))
        (call $hop)
        (global.set $stash (local.get $v)))
    (func (export "collect") (call $gc)))"#;

#[test]
fn frames_on_another_thread_keep_their_objects_when_the_host_collects_here() {
    let mut store = Store::new(&gc_engine(), ());
    let module = Module::new(store.engine(), ACROSS_THREADS).unwrap();
    let gc = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| caller.gc(None));
    let hop = Func::wrap(
        &mut store,
        |mut caller: Caller<'_, ()>| -> Result<(), Error> {
            let collect = caller
                .get_export("collect")
                .and_then(egret::Extern::into_func)
                .unwrap()
                .typed::<(), ()>(&caller)?;
            std::thread::scope(|scope| {
                scope
                    .spawn(|| {
                        caller.gc(None)?;
                        collect.call(&mut caller, ())
                    })
                    .join()
                    .unwrap()
            })
        },
    );
    let instance = Instance::new(&mut store, &module, &[hop.into(), gc.into()]).unwrap();
    let stash = instance
        .get_typed_func::<Option<Rooted<ExternRef>>, ()>(&mut store, "stash")
        .unwrap();
    let hold = instance
        .get_typed_func::<(), ()>(&mut store, "hold")
        .unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    {
        let mut scope = RootScope::new(&mut store);
        let value = ExternRef::new(&mut scope, Counted(drops.clone())).unwrap();
        stash.call(&mut scope, Some(value)).unwrap();
    }
    hold.call(&mut store, ()).unwrap();
    store.gc(None).unwrap();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "the frame on the first thread held it"
    );
    stash.call(&mut store, None).unwrap();
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 1, "nothing else held it");
}

#[test]
fn eqrefs_structs_and_arrays_cross_typed_calls_and_compare_by_identity() {
    let mut store = Store::new(&gc_engine(), ());
    let module = Module::new(
        store.engine(),
        r#"(module
            (type $pair (struct (field i32) (field i32)))
            (type $bytes (array i8))
            (func (export "pair") (result (ref $pair))
                (struct.new $pair (i32.const 1) (i32.const 2)))
            (func (export "as_struct") (param anyref) (result (ref null struct))
                (ref.cast (ref null struct) (local.get 0)))
            (func (export "bytes") (result (ref array)) (array.new_fixed $bytes 1 (i32.const 9)))
            (func (export "same") (param eqref eqref) (result i32)
                (ref.eq (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let pair = instance
        .get_typed_func::<(), Rooted<StructRef>>(&mut store, "pair")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    let same = instance
        .get_typed_func::<(Option<Rooted<EqRef>>, Option<Rooted<EqRef>>), i32>(&mut store, "same")
        .unwrap();
    let eq = pair.to_eqref();
    assert!(eq.is_struct(&store).unwrap());
    assert_eq!(
        same.call(&mut store, (Some(eq), Some(pair.into())))
            .unwrap(),
        1
    );
    let other = instance
        .get_typed_func::<(), Rooted<StructRef>>(&mut store, "pair")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    assert_eq!(
        same.call(&mut store, (Some(eq), Some(other.into())))
            .unwrap(),
        0
    );
    let seven = EqRef::from_i31(&mut store, I31::wrapping_u32(7));
    let also_seven = EqRef::from_i31(&mut store, I31::wrapping_u32(7));
    assert_eq!(
        same.call(&mut store, (Some(seven), Some(also_seven)))
            .unwrap(),
        1
    );
    // Handles widen and narrow.
    let any: Rooted<AnyRef> = eq.into();
    let back = any.unwrap_eqref(&mut store).unwrap();
    assert_eq!(
        back.unwrap_struct(&store)
            .unwrap()
            .field(&mut store, 1)
            .unwrap()
            .i32(),
        Some(2)
    );
    let host = ExternRef::new(&mut store, ()).unwrap();
    let host = AnyRef::convert_extern(&mut store, host).unwrap();
    assert!(host.as_eqref(&mut store).unwrap().is_none());
    let as_struct = instance
        .get_typed_func::<Option<Rooted<AnyRef>>, Option<Rooted<StructRef>>>(
            &mut store,
            "as_struct",
        )
        .unwrap();
    assert!(
        as_struct
            .call(&mut store, Some(pair.to_anyref()))
            .unwrap()
            .is_some()
    );
    assert!(as_struct.call(&mut store, None).unwrap().is_none());
    let bytes = instance
        .get_typed_func::<(), Rooted<ArrayRef>>(&mut store, "bytes")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    assert_eq!(
        bytes
            .to_eqref()
            .unwrap_array(&store)
            .unwrap()
            .len(&store)
            .unwrap(),
        1
    );
    // Owned handles widen too, keeping the object alive.
    let owned: OwnedRooted<EqRef> = bytes.to_owned_rooted(&mut store).unwrap().into();
    store.gc(None).unwrap();
    assert!(owned.is_array(&store).unwrap());
    // A typed function's declared types are checked against the Rust ones.
    assert!(
        instance
            .get_typed_func::<(), Rooted<ArrayRef>>(&mut store, "pair")
            .is_err()
    );
}

#[test]
fn reference_handles_convert_into_vals_and_refs_as_wasmtime_s() {
    let mut store = Store::new(&gc_engine(), ());
    let instance = objects(&mut store);
    let call = |store: &mut Store<()>, name: &str, arg: Val| {
        let f = instance.get_func(&mut *store, name).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut *store, &[arg], &mut out).unwrap();
        out[0].clone()
    };
    let point = call(&mut store, "point", Val::I32(4));
    let Val::AnyRef(Some(point)) = point else {
        panic!("point returns a struct")
    };
    let point = point.unwrap_struct(&store).unwrap();
    let bytes = call(&mut store, "bytes", Val::I32(3));
    let Val::AnyRef(Some(bytes)) = bytes else {
        panic!("bytes returns an array")
    };
    let bytes = bytes.unwrap_array(&store).unwrap();
    // Structs and arrays pass as `anyref`s.
    assert_eq!(call(&mut store, "x", Val::from(point)).i32(), Some(4));
    assert_eq!(
        call(&mut store, "len", Val::from(Some(bytes))).i32(),
        Some(3)
    );
    assert!(egret::Ref::from(point).is_any());
    assert!(egret::Ref::from(None::<Rooted<ArrayRef>>).is_null());
    let host = ExternRef::new(&mut store, 5_u32).unwrap();
    assert!(matches!(Val::from(host), Val::ExternRef(Some(_))));
    assert!(matches!(
        Val::from(None::<Rooted<AnyRef>>),
        Val::AnyRef(None)
    ));
    assert!(matches!(Val::from(None::<Func>), Val::FuncRef(None)));
}

const HELD: &str = r#"(module
    (import "host" "gc" (func $gc))
    (table $t 2 externref)
    (global $g (mut externref) (ref.null extern))
    (tag $carry (param externref))
    (func $nested (param externref) (result externref)
        (call $gc)
        (local.get 0))
    ;; Each of `a`..`f` reaches the collection through another place: a
    ;; local, an operand under a call, block and loop parameters, a
    ;; `select`, a table, a global and an exception's payload.
    (func (export "hold") (param $a externref) (param $b externref) (param $c externref)
            (param $d externref) (param $e externref) (param $f externref)
            (result externref externref externref externref externref externref)
        (local $i i32)
        (table.set $t (i32.const 1) (local.get $e))
        (global.set $g (local.get $f))
        (local.set $e (ref.null extern))
        (local.set $f (ref.null extern))
        (local.get $a)
        (call $nested (ref.null extern))
        (drop)
        (block (param externref) (result externref)
            (loop (param externref) (result externref)
                (call $gc)
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if 0 (i32.lt_u (local.get $i) (i32.const 3)))))
        (local.get $b)
        (ref.null extern)
        (call $gc)
        (select (result externref) (i32.const 1))
        (call $nested (local.get $c))
        (block $caught (result externref)
            (try_table (catch $carry $caught)
                (call $gc)
                (throw $carry (local.get $d)))
            (unreachable))
        (call $gc)
        (table.get $t (i32.const 1))
        (global.get $g)))"#;

#[test]
fn host_values_in_every_place_wasm_keeps_them_survive_collections() {
    let mut store = Store::new(&Engine::default(), ());
    let module = Module::new(store.engine(), HELD).unwrap();
    let collections = Arc::new(AtomicUsize::new(0));
    let counter = collections.clone();
    let gc = Func::wrap(&mut store, move |mut caller: Caller<'_, ()>| {
        counter.fetch_add(1, Ordering::SeqCst);
        caller.gc(None)
    });
    let instance = Instance::new(&mut store, &module, &[gc.into()]).unwrap();
    type Six = (
        Option<Rooted<ExternRef>>,
        Option<Rooted<ExternRef>>,
        Option<Rooted<ExternRef>>,
        Option<Rooted<ExternRef>>,
        Option<Rooted<ExternRef>>,
        Option<Rooted<ExternRef>>,
    );
    let hold = instance
        .get_typed_func::<Six, Six>(&mut store, "hold")
        .unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    for round in 0..3_u32 {
        let mut scope = RootScope::new(&mut store);
        let made: Vec<_> = (0..6)
            .map(|i| ExternRef::new(&mut scope, (round * 10 + i, Counted(drops.clone()))).unwrap())
            .collect();
        let back = hold
            .call(
                &mut scope,
                (
                    Some(made[0]),
                    Some(made[1]),
                    Some(made[2]),
                    Some(made[3]),
                    Some(made[4]),
                    Some(made[5]),
                ),
            )
            .unwrap();
        let back = [back.0, back.1, back.2, back.3, back.4, back.5];
        for (i, value) in back.iter().enumerate() {
            let data = value.unwrap().data(&scope).unwrap().unwrap();
            let (id, _) = data.downcast_ref::<(u32, Counted)>().unwrap();
            assert_eq!(*id, round * 10 + i as u32, "place {i}");
        }
    }
    assert!(collections.load(Ordering::SeqCst) >= 18);
    // The table and the global still hold the last round's `e` and `f`;
    // each round's exception, caught and dropped, is collected with its
    // `d`: the other 16 are freed.
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 16);
}

const THROWS: &str = r#"(module
    (import "host" "nothing" (func $nothing))
    (tag $number (param i32))
    (tag $carry (param externref))
    (table $payloads (export "payloads") 3000 externref)
    ;; After a host call (which leaves an old exit record in the store),
    ;; keeps an exception carrying 42 in a local while `count` others are
    ;; thrown and caught, then rethrows it and returns its payload.
    (func (export "keep_across_throws") (param $count i32) (result i32)
        (local $kept exnref)
        (local $i i32)
        (call $nothing)
        (block $caught (result i32 exnref)
            (try_table (catch_ref $number $caught)
                (throw $number (i32.const 42)))
            (unreachable))
        (local.set $kept)
        (drop)
        (drop
            (block $done (result i32)
                (loop $next
                    (block $caught (result i32)
                        (try_table (catch $number $caught)
                            (throw $number (local.get $i)))
                        (unreachable))
                    (drop)
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br_if $next (i32.lt_u (local.get $i) (local.get $count))))
                (i32.const 0)))
        (block $caught (result i32)
            (try_table (catch $number $caught)
                (throw_ref (local.get $kept)))
            (unreachable)))
    ;; Throws an exception carrying each payload of the table in turn
    ;; (clearing its slot), catches it and drops it.
    (func (export "drain")
        (local $i i32)
        (loop $next
            (block $caught (result externref)
                (try_table (catch $carry $caught)
                    (throw $carry (table.get $payloads (local.get $i))))
                (unreachable))
            (drop)
            (table.set $payloads (local.get $i) (ref.null extern))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $next (i32.lt_u (local.get $i) (i32.const 3000))))))"#;

#[test]
fn throwing_collects_exceptions_and_keeps_those_wasm_holds() {
    let mut store = Store::new(&Engine::default(), ());
    let module = Module::new(store.engine(), THROWS).unwrap();
    let nothing = Func::wrap(&mut store, || {});
    let instance = Instance::new(&mut store, &module, &[nothing.into()]).unwrap();

    // Thousands of throws collect (the count doubles past 1,024) while
    // the function holds an exnref in a local: it survives, its number is
    // not reused, and the rethrow finds the right exception.
    let keep = instance
        .get_typed_func::<i32, i32>(&mut store, "keep_across_throws")
        .unwrap();
    for count in [1_023, 5_000] {
        assert_eq!(keep.call(&mut store, count).unwrap(), 42, "{count} throws");
    }

    // Payloads reached only through exceptions wasm dropped are freed by
    // the collections `throw` makes, before any `Store::gc` (no host
    // value is made while `drain` runs).
    let drops = Arc::new(AtomicUsize::new(0));
    let payloads = instance.get_table(&mut store, "payloads").unwrap();
    {
        let mut scope = RootScope::new(&mut store);
        for i in 0..3000 {
            let value = ExternRef::new(&mut scope, (i, Counted(drops.clone()))).unwrap();
            payloads.set(&mut scope, i, value.into()).unwrap();
        }
    }
    let drain = instance
        .get_typed_func::<(), ()>(&mut store, "drain")
        .unwrap();
    drain.call(&mut store, ()).unwrap();
    let freed_by_throws = drops.load(Ordering::SeqCst);
    assert!(freed_by_throws >= 1_000, "{freed_by_throws}");
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 3000);
}

const EXCEPTIONS: &str = r#"(module
    (import "host" "gc" (func $gc))
    (type $box (struct (field (mut exnref))))
    (tag $carry (param externref))
    (global $g (mut exnref) (ref.null exn))
    (table $t 1 exnref)
    (global $boxed (mut (ref null $box)) (ref.null $box))
    ;; Throws an exception carrying `x`, catches it and drops it.
    (func (export "throw_and_drop") (param $x externref)
        (block $caught (result externref)
            (try_table (catch $carry $caught)
                (throw $carry (local.get $x)))
            (unreachable))
        (drop))
    ;; Catches an exception carrying `x` with its `exnref`, keeps it in a
    ;; local across collections, then in a global, a table and a struct
    ;; field, and returns the payload read back from each after more
    ;; collections.
    (func (export "keep") (param $x externref) (param $y externref) (param $z externref)
            (param $w externref) (result externref externref externref externref)
        (local $e exnref)
        (local.set $e (call $catch_ref (local.get $x)))
        (call $gc)
        (global.set $g (call $catch_ref (local.get $y)))
        (table.set $t (i32.const 0) (call $catch_ref (local.get $z)))
        (global.set $boxed (struct.new $box (call $catch_ref (local.get $w))))
        (call $gc)
        (call $payload (local.get $e))
        (call $payload (global.get $g))
        (call $payload (table.get $t (i32.const 0)))
        (call $payload (struct.get $box 0 (global.get $boxed))))
    (func $catch_ref (param $x externref) (result exnref)
        (block $caught (result externref exnref)
            (try_table (catch_ref $carry $caught)
                (throw $carry (local.get $x)))
            (unreachable))
        (call $gc)
        (local.set 0 (ref.null extern))
        (drop (ref.null extern))
        (return))
    (func $payload (param $e exnref) (result externref)
        (block $caught (result externref)
            (try_table (catch $carry $caught)
                (throw_ref (local.get $e)))
            (unreachable)))
    (func (export "throw") (param externref)
        (throw $carry (local.get 0)))
    (func (export "forget")
        (global.set $g (ref.null exn))
        (table.set $t (i32.const 0) (ref.null exn))
        (global.set $boxed (ref.null $box))))"#;

#[test]
fn exceptions_wasm_no_longer_holds_are_collected_with_their_payloads() {
    let mut store = Store::new(&Engine::default(), ());
    let module = Module::new(store.engine(), EXCEPTIONS).unwrap();
    let gc = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| caller.gc(None));
    let instance = Instance::new(&mut store, &module, &[gc.into()]).unwrap();
    let drops = Arc::new(AtomicUsize::new(0));

    // 10,000 exceptions thrown, caught and dropped: the store collects
    // them as it goes (every time their number doubles), not only when
    // asked, and each frees its payload.
    let throw_and_drop = instance
        .get_typed_func::<Option<Rooted<ExternRef>>, ()>(&mut store, "throw_and_drop")
        .unwrap();
    for i in 0..10_000 {
        let mut scope = RootScope::new(&mut store);
        let x = ExternRef::new(&mut scope, (i, Counted(drops.clone()))).unwrap();
        throw_and_drop.call(&mut scope, Some(x)).unwrap();
    }
    assert!(drops.load(Ordering::SeqCst) > 5_000, "{drops:?}");
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 10_000);

    // Exceptions held by a local, a global, a table and a struct field
    // survive collections with their payloads, and go once forgotten.
    type Four = (
        Option<Rooted<ExternRef>>,
        Option<Rooted<ExternRef>>,
        Option<Rooted<ExternRef>>,
        Option<Rooted<ExternRef>>,
    );
    let keep = instance
        .get_typed_func::<Four, Four>(&mut store, "keep")
        .unwrap();
    {
        let mut scope = RootScope::new(&mut store);
        let rooted: Vec<_> = (1..=4_u32)
            .map(|id| Some(ExternRef::new(&mut scope, (id, Counted(drops.clone()))).unwrap()))
            .collect();
        let args = (rooted[0], rooted[1], rooted[2], rooted[3]);
        let back = keep.call(&mut scope, args).unwrap();
        for (value, id) in [back.0, back.1, back.2, back.3].into_iter().zip(1..) {
            let data = value.unwrap().data(&scope).unwrap().unwrap();
            assert_eq!(data.downcast_ref::<(u32, Counted)>().unwrap().0, id);
        }
    }
    // Only the exceptions in the global, the table and the struct still
    // reach payloads 2, 3 and 4 now; 1 (the local's) is freed.
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 10_001);
    let forget = instance
        .get_typed_func::<(), ()>(&mut store, "forget")
        .unwrap();
    forget.call(&mut store, ()).unwrap();
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 10_004);

    // An exception the host took from a failed call survives collections
    // while its handle is in scope, and goes with its payload after.
    let throw = instance
        .get_typed_func::<Option<Rooted<ExternRef>>, ()>(&mut store, "throw")
        .unwrap();
    {
        let mut scope = RootScope::new(&mut store);
        let x = ExternRef::new(&mut scope, (5_u32, Counted(drops.clone()))).unwrap();
        assert!(throw.call(&mut scope, Some(x)).is_err());
        let exception = scope.as_context_mut().take_pending_exception().unwrap();
        scope.as_context_mut().gc(None).unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 10_004);
        let field = exception.field(&mut scope, 0).unwrap();
        let x = field.unwrap_externref().unwrap();
        let data = x.data(&scope).unwrap().unwrap();
        assert_eq!(data.downcast_ref::<(u32, Counted)>().unwrap().0, 5);
    }
    store.gc(None).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 10_005);
}
