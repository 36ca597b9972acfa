//! Exception handling through the public API: wasm throwing to the host,
//! the host throwing to wasm, exceptions through host frames between wasm
//! frames, traps that `catch_all` must not see, `exnref` values crossing
//! the boundary, fuel and epochs inside handlers, and the store staying
//! usable after each.

mod common;

use common::trap_of;
use egret::{
    AsContextMut, Caller, Config, Engine, Error, ExnRef, ExnRefPre, ExnType, Func, FuncType,
    Global, GlobalType, Instance, Linker, Module, Mutability, Ref, Rooted, Store, Tag, TagType,
    ThrownException, Trap, Val, ValType,
};

/// A module exporting a tag `e` of `(i32, i64)`, functions that throw it,
/// and one that catches it from a callee given as a function reference.
const THROWER: &str = r#"(module
    (tag $e (export "e") (param i32 i64))
    (type $thunk (func))
    (func $throw (export "throw") (param i32 i64)
      (throw $e (local.get 0) (local.get 1)))
    (func (export "ok") (result i32) (i32.const 42))
    (func (export "catch_from") (param (ref $thunk)) (result i32 i64)
      (block $h (result i32 i64)
        (try_table (catch $e $h) (call_ref $thunk (local.get 0)))
        (return (i32.const -1) (i64.const -1))))
    (func (export "trap_under_catch_all") (result i32)
      (block $h
        (try_table (catch_all $h) (unreachable)))
      (i32.const 1))
    (func (export "rethrow") (param exnref) (throw_ref (local.get 0)))
    (func (export "catch_ref") (result exnref)
      (block $h (result exnref)
        (try_table (catch_all_ref $h) (call $throw (i32.const 5) (i64.const 6)))
        (unreachable))))"#;

fn engine() -> Engine {
    Engine::default()
}

fn instantiate(store: &mut Store<()>, text: &str) -> Instance {
    let module = Module::new(store.engine(), text).expect("module compiles");
    Instance::new(&mut *store, &module, &[]).expect("module instantiates")
}

fn call(
    store: &mut Store<()>,
    instance: Instance,
    name: &str,
    params: &[Val],
) -> egret::Result<Vec<Val>> {
    let func = instance.try_get_func(&mut *store, name)?;
    let ty = func.ty(&mut *store);
    let mut results = vec![Val::I32(0); ty.results().len()];
    func.call(&mut *store, params, &mut results)?;
    Ok(results)
}

/// `catch_from(thunk)`: the two fields of the exception the thunk threw.
fn catch_from(store: &mut Store<()>, instance: Instance, thunk: Func) -> (i32, i64) {
    let results = call(store, instance, "catch_from", &[Val::FuncRef(Some(thunk))]).unwrap();
    (results[0].i32().unwrap(), results[1].i64().unwrap())
}

/// Fails the test unless `store` still runs wasm.
fn assert_usable(store: &mut Store<()>, instance: Instance) {
    let results = call(store, instance, "ok", &[]).expect("the store still runs wasm");
    assert_eq!(results[0].i32(), Some(42));
}

#[test]
fn wasm_throws_and_the_host_gets_the_exception_with_its_fields() {
    let mut store = Store::new(&engine(), ());
    let instance = instantiate(&mut store, THROWER);
    let err = call(&mut store, instance, "throw", &[Val::I32(7), Val::I64(-9)]).unwrap_err();
    assert!(matches!(err, Error::Exception(_)), "{err:?}");
    assert!(err.downcast_ref::<ThrownException>().is_some());
    assert!(err.to_string().contains("tag `e`"), "{err}");
    assert!(store.has_pending_exception());
    let exn = store.take_pending_exception().expect("pending exception");
    assert!(!store.has_pending_exception());
    let tag = instance
        .get_export(&mut store, "e")
        .unwrap()
        .into_tag()
        .unwrap();
    assert!(Tag::eq(&exn.tag(&store).unwrap(), &tag, &store));
    let fields: Vec<Val> = exn.fields(&store).unwrap().collect();
    assert_eq!(fields[0].i32(), Some(7));
    assert_eq!(fields[1].i64(), Some(-9));
    assert!(exn.field(&store, 2).is_err());
    assert_usable(&mut store, instance);
}

#[test]
fn the_host_throws_and_wasm_catches() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let instance = instantiate(&mut store, THROWER);
    let tag = instance
        .get_export(&mut store, "e")
        .unwrap()
        .into_tag()
        .unwrap();
    let thunk = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>| -> egret::Result<()> {
            let ty = tag.ty(&caller);
            let pre = ExnRefPre::new(&mut caller, ExnType::from_tag_type(&ty)?);
            let exn = ExnRef::new(&mut caller, &pre, &tag, &[Val::I32(3), Val::I64(4)])?;
            caller.as_context_mut().throw(exn)
        },
    );
    assert_eq!(catch_from(&mut store, instance, thunk), (3, 4));
    assert!(!store.has_pending_exception());
    assert_usable(&mut store, instance);
}

#[test]
fn a_host_error_that_is_not_an_exception_is_not_caught_by_wasm() {
    let mut store = Store::new(&engine(), ());
    let instance = instantiate(&mut store, THROWER);
    let thunk = Func::wrap(&mut store, || -> egret::Result<()> {
        Err(Error::msg("no"))
    });
    let err = call(
        &mut store,
        instance,
        "catch_from",
        &[Val::FuncRef(Some(thunk))],
    );
    let err = err.unwrap_err();
    assert!(!err.is::<Trap>(), "{err:?}");
    assert_eq!(err.root_cause().to_string(), "no");
    assert_usable(&mut store, instance);
}

#[test]
fn an_exception_crosses_host_frames_between_wasm_frames() {
    // wasm (catch_from) -> host (thunk) -> wasm (throw): the inner call's
    // exception reaches the host function as an error; returning it throws
    // it on to the outer wasm, which catches it.
    let mut store = Store::new(&engine(), ());
    let instance = instantiate(&mut store, THROWER);
    let throw = instance.get_func(&mut store, "throw").unwrap();
    let thunk = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>| -> egret::Result<()> {
            let err = throw
                .call(&mut caller, &[Val::I32(11), Val::I64(12)], &mut [])
                .unwrap_err();
            assert!(matches!(err, Error::Exception(_)));
            Err(err)
        },
    );
    assert_eq!(catch_from(&mut store, instance, thunk), (11, 12));

    // Host -> wasm -> host -> wasm with nobody catching: the outermost
    // host call gets the exception.
    let outer = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>| -> egret::Result<()> {
            thunk.call(&mut caller, &[], &mut [])
        },
    );
    let err = outer.call(&mut store, &[], &mut []).unwrap_err();
    assert!(matches!(err, Error::Exception(_)), "{err:?}");
    let exn = store.take_pending_exception().unwrap();
    assert_eq!(exn.field(&store, 0).unwrap().i32(), Some(11));
    assert_usable(&mut store, instance);
}

#[test]
fn catch_all_does_not_catch_a_trap() {
    let mut store = Store::new(&engine(), ());
    let instance = instantiate(&mut store, THROWER);
    let err = call(&mut store, instance, "trap_under_catch_all", &[]);
    assert_eq!(trap_of(err), Trap::UnreachableCodeReached);
    assert!(!store.has_pending_exception());
    assert_usable(&mut store, instance);
}

#[test]
fn exnref_values_cross_the_boundary_and_live_in_globals() {
    let mut store = Store::new(&engine(), ());
    let instance = instantiate(&mut store, THROWER);
    let results = call(&mut store, instance, "catch_ref", &[]).unwrap();
    let Val::ExnRef(Some(exn)) = results[0] else {
        panic!("expected an exception, got {:?}", results[0]);
    };
    assert_eq!(exn.field(&store, 1).unwrap().i64(), Some(6));

    let global = Global::new(
        &mut store,
        GlobalType::new(ValType::EXNREF, Mutability::Var),
        Val::ExnRef(Some(exn)),
    )
    .unwrap();
    let Val::ExnRef(Some(back)) = global.get(&mut store) else {
        panic!("the global lost its exception");
    };
    assert!(Rooted::ref_eq(&store, &back, &exn).unwrap());

    // Typed functions take and return exception references too.
    let catch_ref = instance
        .get_typed_func::<(), Option<Rooted<ExnRef>>>(&mut store, "catch_ref")
        .unwrap();
    let typed = catch_ref
        .call(&mut store, ())
        .unwrap()
        .expect("an exception");
    assert_eq!(typed.field(&store, 0).unwrap().i32(), Some(5));
    let rethrow = instance
        .get_typed_func::<Option<Rooted<ExnRef>>, ()>(&mut store, "rethrow")
        .unwrap();
    assert!(matches!(
        rethrow.call(&mut store, Some(typed)),
        Err(Error::Exception(_))
    ));
    let pending = store.take_pending_exception().unwrap();
    assert!(Rooted::ref_eq(&store, &pending, &typed).unwrap());

    // Thrown again by wasm, it is the same exception.
    let err = call(&mut store, instance, "rethrow", &[Val::ExnRef(Some(exn))]).unwrap_err();
    assert!(matches!(err, Error::Exception(_)));
    let pending = store.take_pending_exception().unwrap();
    assert!(Rooted::ref_eq(&store, &pending, &exn).unwrap());
    let err = call(&mut store, instance, "rethrow", &[Val::ExnRef(None)]);
    assert_eq!(trap_of(err), Trap::NullReference);

    // An exception of another store is refused.
    let mut other = Store::new(store.engine(), ());
    let other_instance = instantiate(&mut other, THROWER);
    let err = call(
        &mut other,
        other_instance,
        "rethrow",
        &[Val::ExnRef(Some(exn))],
    )
    .unwrap_err();
    assert!(matches!(err, Error::WrongStore), "{err:?}");
    assert!(exn.tag(&other).is_err());
    assert_usable(&mut store, instance);
}

#[test]
fn exn_ref_new_checks_its_fields() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let ty = TagType::new(FuncType::new(&engine, [ValType::I32], []));
    let tag = Tag::new(&mut store, &ty).unwrap();
    let pre = ExnRefPre::new(&mut store, ExnType::from_tag_type(&ty).unwrap());
    assert!(ExnRef::new(&mut store, &pre, &tag, &[]).is_err());
    assert!(ExnRef::new(&mut store, &pre, &tag, &[Val::I64(1)]).is_err());
    let other_ty = TagType::new(FuncType::new(&engine, [ValType::I64], []));
    let other_pre = ExnRefPre::new(&mut store, ExnType::from_tag_type(&other_ty).unwrap());
    assert!(ExnRef::new(&mut store, &other_pre, &tag, &[Val::I64(1)]).is_err());
    let exn = ExnRef::new(&mut store, &pre, &tag, &[Val::I32(1)]).unwrap();
    assert_eq!(exn.ty(&store).unwrap().fields().len(), 1);
}

#[test]
fn exceptions_cross_instances_through_an_imported_tag() {
    let mut store = Store::new(&engine(), ());
    let thrower = instantiate(&mut store, THROWER);
    let catcher = Module::new(
        store.engine(),
        r#"(module
            (import "m" "e" (tag $e (param i32 i64)))
            (import "m" "throw" (func $throw (param i32 i64)))
            (tag $other (param i32 i64))
            (func (export "catch") (result i64)
              (block $h (result i32 i64)
                (try_table (catch $other $h) (catch $e $h)
                  (call $throw (i32.const 1) (i64.const 2)))
                (return (i64.const -1)))
              (return)))"#,
    )
    .unwrap();
    let mut linker = Linker::new(store.engine());
    linker.instance(&mut store, "m", thrower).unwrap();
    let catcher = linker.instantiate(&mut store, &catcher).unwrap();
    let catch = catcher
        .get_typed_func::<(), i64>(&mut store, "catch")
        .unwrap();
    // The results of the `block` are (i32, i64); `return` takes the i64.
    assert_eq!(catch.call(&mut store, ()).unwrap(), 2);
}

#[test]
fn exceptions_unwind_through_tail_calls_and_call_ref() {
    let mut store = Store::new(&engine(), ());
    let instance = instantiate(
        &mut store,
        r#"(module
            (tag $e (param i32))
            (type $f (func (param i32)))
            (func $thrower (type $f) (throw $e (local.get 0)))
            (func $tail (param i32) (return_call $thrower (local.get 0)))
            (func $via_ref (param i32) (call_ref $f (local.get 0) (ref.func $thrower)))
            (elem declare func $thrower)
            (func (export "run") (param i32) (result i32)
              (block $h (result i32)
                (try_table (catch $e $h)
                  (if (local.get 0)
                    (then (call $tail (i32.const 10)))
                    (else (call $via_ref (i32.const 20)))))
                (i32.const -1))))"#,
    );
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 1).unwrap(), 10);
    assert_eq!(run.call(&mut store, 0).unwrap(), 20);
}

#[test]
fn deep_throws_are_caught_at_the_right_depth() {
    let mut store = Store::new(&engine(), ());
    let instance = instantiate(
        &mut store,
        r#"(module
            (tag $e (param i32))
            (func $down (param i32) (result i32)
              (if (i32.eqz (local.get 0)) (then (throw $e (i32.const 99))))
              (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
            (func (export "run") (param i32) (result i32)
              (block $h (result i32)
                (try_table (catch $e $h) (call $down (local.get 0)) (return))
                (unreachable))))"#,
    );
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    for depth in [0, 1, 10, 100, 10_000] {
        assert_eq!(run.call(&mut store, depth).unwrap(), 99, "depth {depth}");
    }
}

/// A handler that loops forever: fuel and epochs interrupt it.
const LOOPING_HANDLER: &str = r#"(module
    (tag $e)
    (func $throw (throw $e))
    (func (export "run")
      (block $h
        (try_table (catch $e $h) (call $throw)))
      (loop $forever (br $forever))))"#;

#[test]
fn fuel_runs_out_inside_a_handler() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_fuel(10_000).unwrap();
    let instance = instantiate(&mut store, LOOPING_HANDLER);
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    assert_eq!(trap_of(run.call(&mut store, ())), Trap::OutOfFuel);
    assert_eq!(store.get_fuel().unwrap(), 0);
}

#[test]
fn an_epoch_interrupts_a_handler() {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_epoch_deadline(1);
    let instance = instantiate(&mut store, LOOPING_HANDLER);
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let ticker = {
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            engine.increment_epoch();
        })
    };
    assert_eq!(trap_of(run.call(&mut store, ())), Trap::Interrupt);
    ticker.join().unwrap();
}

#[test]
fn precompiled_modules_keep_their_handlers() {
    let engine = engine();
    let bytes = Module::new(&engine, THROWER).unwrap().serialize().unwrap();
    // SAFETY: the bytes were just made by this engine.
    let module = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let results = call(&mut store, instance, "catch_ref", &[]).unwrap();
    assert!(matches!(results[0], Val::ExnRef(Some(_))));
}

#[test]
fn exnref_tables_hold_exceptions() {
    let mut store = Store::new(&engine(), ());
    let instance = instantiate(
        &mut store,
        r#"(module
            (tag $e (param i32))
            (table $t (export "t") 2 exnref)
            (func (export "ok") (result i32) (i32.const 42))
            (func (export "stash") (param i32)
              (local $x exnref)
              (block $h (result i32 exnref)
                (try_table (catch_ref $e $h) (throw $e (local.get 0)))
                (unreachable))
              (local.set $x)
              (drop)
              (table.set $t (i32.const 1) (local.get $x)))
            (func (export "fill_and_grow") (result i32)
              (table.fill $t (i32.const 0) (table.get $t (i32.const 1)) (i32.const 1))
              (table.grow $t (table.get $t (i32.const 0)) (i32.const 1)))
            (func (export "rethrow") (param i32) (result i32)
              (block $h (result i32)
                (try_table (catch $e $h) (throw_ref (table.get $t (local.get 0))))
                (i32.const -1))))"#,
    );
    call(&mut store, instance, "stash", &[Val::I32(17)]).unwrap();
    assert_eq!(
        call(&mut store, instance, "fill_and_grow", &[]).unwrap()[0].i32(),
        Some(2)
    );
    for slot in 0..3 {
        let caught = call(&mut store, instance, "rethrow", &[Val::I32(slot)]).unwrap();
        assert_eq!(caught[0].i32(), Some(17), "slot {slot}");
    }
    let table = instance
        .get_export(&mut store, "t")
        .unwrap()
        .into_table()
        .unwrap();
    let Some(Ref::Exn(Some(exn))) = table.get(&mut store, 2) else {
        panic!("the table lost its exception");
    };
    assert_eq!(exn.field(&store, 0).unwrap().i32(), Some(17));
    assert_usable(&mut store, instance);
}
