//! `Store::call_hook`: the order in which it sees calls cross between host
//! and wasm, nested calls included; an error from it at each crossing ends
//! the call with that error and leaves the store usable; and host function
//! arguments survive a collection the hook starts.

use egret::*;

/// `run` calls the host's `outer`, which calls the instance's `inner`,
/// which calls the host's `leaf`: host -> wasm -> host -> wasm -> host.
const NESTED: &str = r#"
    (module
      (import "host" "outer" (func $outer (result i32)))
      (import "host" "leaf" (func $leaf (result i32)))
      (func (export "inner") (result i32) (i32.add (call $leaf) (i32.const 10)))
      (func (export "run") (result i32) (i32.add (call $outer) (i32.const 100))))
"#;

/// What the hook saw, and at which crossing (counting from 0) it fails.
#[derive(Default)]
struct Seen {
    hooks: Vec<CallHook>,
    fail_at: Option<usize>,
}

/// An instance of [`NESTED`] in a store whose hook records into `Seen`.
fn nested() -> (Store<Seen>, TypedFunc<(), i32>) {
    let engine = Engine::default();
    let module = Module::new(&engine, NESTED).unwrap();
    let mut store = Store::new(&engine, Seen::default());
    store.call_hook(|mut store, hook| {
        let seen = store.data_mut();
        seen.hooks.push(hook);
        if seen.fail_at == Some(seen.hooks.len() - 1) {
            return Err(Error::msg(format!("hook refused {hook:?}")));
        }
        Ok(())
    });
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "outer", |mut caller: Caller<'_, Seen>| {
            let inner = caller.get_export("inner").unwrap().into_func().unwrap();
            inner.typed::<(), i32>(&caller)?.call(&mut caller, ())
        })
        .unwrap();
    linker.func_wrap("host", "leaf", || 1).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func(&mut store, "run").unwrap();
    (store, run)
}

use CallHook::*;

const NESTED_ORDER: [CallHook; 8] = [
    CallingWasm,
    CallingHost,
    CallingWasm,
    CallingHost,
    ReturningFromHost,
    ReturningFromWasm,
    ReturningFromHost,
    ReturningFromWasm,
];

#[test]
fn hooks_see_nested_calls_in_order() {
    let (mut store, run) = nested();
    assert_eq!(run.call(&mut store, ()).unwrap(), 111);
    assert_eq!(store.data().hooks, NESTED_ORDER);
    assert!(
        NESTED_ORDER
            .iter()
            .all(|h| h.entering_host() != h.exiting_host())
    );
    assert!(CallingHost.entering_host() && ReturningFromWasm.entering_host());
    assert!(CallingWasm.exiting_host() && ReturningFromHost.exiting_host());
}

#[test]
fn an_error_at_each_crossing_ends_the_call_with_it() {
    for fail_at in 0..NESTED_ORDER.len() {
        let (mut store, run) = nested();
        store.data_mut().fail_at = Some(fail_at);
        let err = run.call(&mut store, ()).unwrap_err();
        let refused = format!("hook refused {:?}", NESTED_ORDER[fail_at]);
        assert_eq!(
            err.root_cause().to_string(),
            refused,
            "failing at {fail_at}"
        );
        // The error unwinds through the crossings still open: they are
        // seen on the way out, and no function runs after the failure.
        let seen = &store.data().hooks;
        assert_eq!(seen[..=fail_at], NESTED_ORDER[..=fail_at]);
        assert!(
            seen[fail_at + 1..]
                .iter()
                .all(|h| matches!(h, ReturningFromHost | ReturningFromWasm))
        );
        // The store stays usable.
        store.data_mut().fail_at = None;
        store.data_mut().hooks.clear();
        assert_eq!(run.call(&mut store, ()).unwrap(), 111);
        assert_eq!(store.data().hooks, NESTED_ORDER);
    }
}

#[test]
fn a_returning_hook_error_replaces_a_trap() {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (func (export "boom") unreachable))"#).unwrap();
    let mut store = Store::new(&engine, ());
    store.call_hook(|_, hook| match hook {
        ReturningFromWasm => Err(Error::msg("hook saw the trap")),
        _ => Ok(()),
    });
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let boom = instance.get_func(&mut store, "boom").unwrap();
    let err = boom.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(err.to_string(), "hook saw the trap");
    assert!(err.downcast_ref::<Trap>().is_none());
}

/// With a hook installed, host functions run through their own copy of
/// the entry: a panic and an error there reach the embedder as without a
/// hook, and the store, hook included, stays usable.
#[test]
fn host_panics_and_errors_under_a_hook_reach_the_embedder() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "f" (func $f (param i32) (result i32)))
            (func (export "run") (param i32) (result i32) (call $f (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    store.call_hook(|mut store, hook| {
        store.data_mut().push(hook);
        Ok(())
    });
    let f = Func::wrap(&mut store, |x: i32| -> Result<i32> {
        match x {
            0 => panic!("the host function panicked"),
            1 => Err(Error::msg("the host function failed")),
            _ => Ok(x + 1),
        }
    });
    let instance = Instance::new(&mut store, &module, &[f.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();

    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = run.call(&mut store, 0);
    }))
    .unwrap_err();
    assert_eq!(
        panic.downcast_ref::<&str>(),
        Some(&"the host function panicked")
    );
    assert_eq!(store.data()[..2], [CallingWasm, CallingHost]);

    store.data_mut().clear();
    let err = run.call(&mut store, 1).unwrap_err();
    assert_eq!(err.root_cause().to_string(), "the host function failed");
    assert_eq!(
        *store.data(),
        [
            CallingWasm,
            CallingHost,
            ReturningFromHost,
            ReturningFromWasm
        ]
    );

    store.data_mut().clear();
    assert_eq!(run.call(&mut store, 41).unwrap(), 42);
    assert_eq!(
        *store.data(),
        [
            CallingWasm,
            CallingHost,
            ReturningFromHost,
            ReturningFromWasm
        ]
    );
}

#[test]
fn start_functions_and_host_functions_called_by_the_host_are_hooked() {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (func $start) (start $start))"#).unwrap();
    let mut store = Store::new(&engine, Vec::new());
    store.call_hook(|mut store, hook| {
        store.data_mut().push(hook);
        Ok(())
    });
    Instance::new(&mut store, &module, &[]).unwrap();
    assert_eq!(store.data(), &[CallingWasm, ReturningFromWasm]);
    store.data_mut().clear();
    let f = Func::wrap(&mut store, |x: i32| x + 1);
    assert_eq!(
        f.typed::<i32, i32>(&store)
            .unwrap()
            .call(&mut store, 1)
            .unwrap(),
        2
    );
    assert_eq!(
        store.data(),
        &[
            CallingWasm,
            CallingHost,
            ReturningFromHost,
            ReturningFromWasm
        ]
    );
}

#[test]
fn calls_the_hook_makes_are_not_hooked() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Vec::new());
    let f = Func::wrap(&mut store, || {});
    store.call_hook(move |mut store, hook| {
        store.data_mut().push(hook);
        if hook == CallingWasm {
            f.call(&mut store, &[], &mut [])?;
        }
        Ok(())
    });
    f.call(&mut store, &[], &mut []).unwrap();
    assert_eq!(
        store.data(),
        &[
            CallingWasm,
            CallingHost,
            ReturningFromHost,
            ReturningFromWasm
        ]
    );
}

#[test]
fn host_arguments_survive_a_collection_in_the_calling_host_hook() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (type $s (struct (field i32)))
            (import "host" "read" (func $read (param anyref) (result i32)))
            (func (export "run") (result i32)
              (call $read (struct.new $s (i32.const 7)))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    collecting_hook(&mut store, CallingHost);
    let read = Func::wrap(
        &mut store,
        |mut caller: Caller<'_, ()>, r: Option<Rooted<AnyRef>>| -> Result<i32> {
            let s = r.unwrap().unwrap_struct(&caller)?;
            Ok(s.field(&mut caller, 0)?.unwrap_i32())
        },
    );
    let instance = Instance::new(&mut store, &module, &[read.into()]).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 7);
}

/// A hook that collects at `at`, then allocates structs holding 99 that
/// would take the place of a freed object.
fn collecting_hook(store: &mut Store<()>, at: CallHook) {
    let ty = StructType::new(
        store.engine(),
        [FieldType::new(
            Mutability::Const,
            StorageType::ValType(ValType::I32),
        )],
    )
    .unwrap();
    store.call_hook(move |mut store, hook| {
        if hook == at {
            store.gc(None)?;
            let pre = StructRefPre::new(&mut store, ty.clone());
            for _ in 0..8 {
                StructRef::new(&mut store, &pre, &[Val::I32(99)])?;
            }
        }
        Ok(())
    });
}

const STRUCTS: &str = r#"(module
    (type $s (struct (field i32)))
    (import "host" "make" (func $make (result anyref)))
    (func (export "make_in_wasm") (result anyref) (struct.new $s (i32.const 7)))
    (func (export "read") (param anyref) (result i32)
      (struct.get $s 0 (ref.cast (ref $s) (local.get 0))))
    (func (export "read_from_host") (result i32)
      (struct.get $s 0 (ref.cast (ref $s) (call $make)))))"#;

/// Reads field 0 of the struct `r` refers to.
fn field(store: &mut Store<()>, r: Rooted<AnyRef>) -> i32 {
    let s = r.unwrap_struct(&*store).unwrap();
    s.field(&mut *store, 0).unwrap().unwrap_i32()
}

#[test]
fn results_returned_to_the_host_survive_a_collection_in_the_returning_hook() {
    let mut store = Store::new(&Engine::default(), ());
    collecting_hook(&mut store, ReturningFromWasm);
    let module = Module::new(store.engine(), STRUCTS).unwrap();
    let make = Func::wrap(&mut store, || -> Option<Rooted<AnyRef>> { None });
    let instance = Instance::new(&mut store, &module, &[make.into()]).unwrap();
    let typed = instance
        .get_typed_func::<(), Option<Rooted<AnyRef>>>(&mut store, "make_in_wasm")
        .unwrap();
    let made = typed.call(&mut store, ()).unwrap().unwrap();
    assert_eq!(field(&mut store, made), 7);
    let untyped = instance.get_func(&mut store, "make_in_wasm").unwrap();
    let mut results = [Val::I32(0)];
    untyped.call(&mut store, &[], &mut results).unwrap();
    let made = results[0].unwrap_anyref().copied().unwrap();
    assert_eq!(field(&mut store, made), 7);
}

#[test]
fn owned_arguments_survive_a_collection_in_the_calling_wasm_hook() {
    let mut store = Store::new(&Engine::default(), ());
    let module = Module::new(store.engine(), STRUCTS).unwrap();
    let make = Func::wrap(&mut store, || -> Option<Rooted<AnyRef>> { None });
    let instance = Instance::new(&mut store, &module, &[make.into()]).unwrap();
    // Made in a scope that ends: the owned handle is then the struct's
    // only root, and the call consumes it.
    let owned = {
        let mut scope = RootScope::new(&mut store);
        let made = instance
            .get_typed_func::<(), Option<Rooted<AnyRef>>>(&mut scope, "make_in_wasm")
            .unwrap()
            .call(&mut scope, ())
            .unwrap()
            .unwrap();
        made.to_owned_rooted(&mut scope).unwrap()
    };
    collecting_hook(&mut store, CallingWasm);
    let read = instance
        .get_typed_func::<Option<OwnedRooted<AnyRef>>, i32>(&mut store, "read")
        .unwrap();
    assert_eq!(read.call(&mut store, Some(owned)).unwrap(), 7);
}

#[test]
fn host_results_survive_a_collection_in_the_returning_from_host_hook() {
    let mut store = Store::new(&Engine::default(), ());
    let module = Module::new(store.engine(), STRUCTS).unwrap();
    let ty = StructType::new(
        store.engine(),
        [FieldType::new(
            Mutability::Const,
            StorageType::ValType(ValType::I32),
        )],
    )
    .unwrap();
    // The host function returns an owned handle made in an inner scope:
    // once it is written as a result, nothing roots the struct.
    let make = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, ()>| -> Result<Option<OwnedRooted<AnyRef>>> {
            let mut scope = RootScope::new(&mut caller);
            let pre = StructRefPre::new(&mut scope, ty.clone());
            let made = StructRef::new(&mut scope, &pre, &[Val::I32(7)])?;
            Ok(Some(made.to_anyref().to_owned_rooted(&mut scope)?))
        },
    );
    collecting_hook(&mut store, ReturningFromHost);
    let instance = Instance::new(&mut store, &module, &[make.into()]).unwrap();
    let read = instance
        .get_typed_func::<(), i32>(&mut store, "read_from_host")
        .unwrap();
    assert_eq!(read.call(&mut store, ()).unwrap(), 7);
}
