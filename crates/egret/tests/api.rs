//! The embedding API end to end: engines, stores, modules, instances,
//! linkers, host functions, memories, globals, tables, values, errors and
//! store association.

use egret::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn engine() -> Engine {
    Engine::default()
}

#[test]
fn module_reports_imports_exports_and_name() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module $named
            (import "env" "f" (func (param i32) (result i64)))
            (import "env" "m" (memory 1 2))
            (import "env" "g" (global (mut f32)))
            (import "env" "t" (table 3 funcref))
            (func (export "run"))
            (global (export "answer") i32 (i32.const 42)))"#,
    )
    .unwrap();
    assert_eq!(module.name(), Some("named"));
    let imports: Vec<_> = module.imports().collect();
    assert_eq!(imports.len(), 4);
    assert_eq!((imports[0].module(), imports[0].name()), ("env", "f"));
    let expected = FuncType::new(&engine, [ValType::I32], [ValType::I64]);
    assert!(FuncType::eq(imports[0].ty().unwrap_func(), &expected));
    assert_eq!(
        *imports[1].ty().unwrap_memory(),
        MemoryType::new(1, Some(2))
    );
    let global = imports[2].ty().unwrap_global().clone();
    assert!(global.content().is_f32() && global.mutability() == Mutability::Var);
    let table = imports[3].ty().unwrap_table().clone();
    assert!(RefType::eq(table.element(), &RefType::FUNCREF));
    assert_eq!(
        (table.minimum(), table.maximum(), table.is_64()),
        (3, None, false)
    );
    let exports: Vec<_> = module.exports().map(|e| e.name().to_string()).collect();
    assert_eq!(exports, ["run", "answer"]);
}

#[test]
fn module_from_file_validate_and_binary_forms() {
    let engine = engine();
    let binary = wat::parse_str("(module (func (export \"f\")))").unwrap();
    Module::validate(&engine, &binary).unwrap();
    assert!(Module::validate(&engine, b"\0asm\x01\0\0\0\x01").is_err());
    Module::from_binary(&engine, &binary).unwrap();
    let dir = std::env::temp_dir().join(format!("egret-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.wasm");
    std::fs::write(&path, &binary).unwrap();
    Module::from_file(&engine, &path).unwrap();
    assert!(matches!(
        Module::from_file(&engine, dir.join("missing.wasm")),
        Err(Error::Misuse(_))
    ));
    // A trusted file may also be a precompiled module.
    // SAFETY: Egret wrote both files just now.
    let from_wasm = unsafe { Module::from_trusted_file(&engine, &path) }.unwrap();
    let precompiled = dir.join("m.cwasm");
    std::fs::write(&precompiled, from_wasm.serialize().unwrap()).unwrap();
    // SAFETY: as above.
    let from_artifact = unsafe { Module::from_trusted_file(&engine, &precompiled) }.unwrap();
    assert_eq!(from_artifact.exports().next().unwrap().name(), "f");
}

#[test]
fn values_and_references_match_types() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let f = Func::wrap(&mut store, |x: i32| x);
    let i32_to_i32 = FuncType::new(&engine, [ValType::I32], [ValType::I32]);
    let concrete = |nullable| RefType::new(nullable, HeapType::ConcreteFunc(i32_to_i32.clone()));
    let func = Val::FuncRef(Some(f));
    assert!(func.matches_ty(&store, &ValType::FUNCREF).unwrap());
    assert!(
        func.matches_ty(&store, &ValType::Ref(concrete(false)))
            .unwrap()
    );
    assert!(!func.matches_ty(&store, &ValType::NULLFUNCREF).unwrap());
    assert!(!func.matches_ty(&store, &ValType::EXTERNREF).unwrap());
    assert!(!Val::I64(0).matches_ty(&store, &ValType::I32).unwrap());
    let null = Ref::Func(None);
    assert!(null.matches_ty(&store, &RefType::NULLFUNCREF).unwrap());
    assert!(null.matches_ty(&store, &concrete(true)).unwrap());
    assert!(!null.matches_ty(&store, &concrete(false)).unwrap());
    assert!(
        !Ref::Any(None)
            .matches_ty(&store, &RefType::FUNCREF)
            .unwrap()
    );
    // A function of another store, a type of another engine: errors.
    let other_engine = Engine::default();
    let mut other = Store::new(&other_engine, ());
    let g = Func::wrap(&mut other, || {});
    assert!(
        Val::FuncRef(Some(g))
            .matches_ty(&store, &ValType::FUNCREF)
            .is_err()
    );
    let foreign = FuncType::new(&other_engine, [], []);
    let foreign = ValType::Ref(RefType::new(true, HeapType::ConcreteFunc(foreign)));
    assert!(func.matches_ty(&store, &foreign).is_err());

    assert!(matches!(
        Val::default_for_ty(&ValType::F64),
        Some(Val::F64(0))
    ));
    assert!(matches!(
        Val::default_for_ty(&ValType::ANYREF),
        Some(Val::AnyRef(None))
    ));
    assert!(Val::default_for_ty(&ValType::Ref(concrete(false))).is_none());
}

#[test]
fn a_weak_engine_upgrades_while_the_engine_lives() {
    let engine = engine();
    let weak = engine.weak();
    let store = Store::new(&weak.upgrade().unwrap(), ());
    drop(engine);
    // The store keeps the engine alive.
    assert!(weak.upgrade().is_some());
    drop(store);
    assert!(weak.upgrade().is_none());
    assert!(EngineWeak::default().upgrade().is_none());
}

#[test]
fn compile_errors_tell_malformed_from_invalid() {
    let engine = engine();
    let malformed =
        |r: Result<()>| matches!(r, Err(Error::Compile(CompileError::Malformed { .. })));
    let invalid = |r: Result<()>| matches!(r, Err(Error::Compile(CompileError::Invalid { .. })));
    let truncated = b"\0asm\x01\0\0\0\x01";
    assert!(malformed(Module::from_binary(&engine, truncated).map(drop)));
    assert!(malformed(Module::validate(&engine, truncated)));
    assert!(malformed(Module::new(&engine, "(module (func").map(drop)));
    let mistyped = wat::parse_str("(module (func (result i32)))").unwrap();
    assert!(invalid(Module::from_binary(&engine, &mistyped).map(drop)));
    assert!(invalid(Module::validate(&engine, &mistyped)));
    // Invalid (two memories, without multi-memory), then malformed
    // (section id 14): the whole module is decoded before it is judged
    // invalid, as the spec has it.
    let engine = Engine::new(Config::new().wasm_multi_memory(false)).unwrap();
    let two_memories = wat::parse_str("(module (memory 1) (memory 1))").unwrap();
    assert!(invalid(Module::validate(&engine, &two_memories)));
    let both = [two_memories, b"\x0e\x00".to_vec()].concat();
    assert!(malformed(Module::from_binary(&engine, &both).map(drop)));
}

#[test]
fn host_function_calls_back_into_wasm() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "twice" (func $twice (param i32) (result i32)))
            (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
            (func (export "run") (param i32) (result i32) (call $twice (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, None::<Func>);
    // Calls the instance's own `inc` twice through the store's host data.
    let twice = Func::wrap(
        &mut store,
        |mut caller: Caller<'_, Option<Func>>, x: i32| -> Result<i32> {
            let inc = caller.data().expect("set after instantiation");
            let inc = inc.typed::<i32, i32>(&caller)?;
            let once = inc.call(&mut caller, x)?;
            inc.call(&mut caller, once)
        },
    );
    let instance = Instance::new(&mut store, &module, &[twice.into()]).unwrap();
    *store.data_mut() = Some(instance.get_func(&mut store, "inc").unwrap());
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 40).unwrap(), 42);
}

#[test]
fn host_error_unwinds_through_wasm_and_store_survives() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "fail" (func $fail (param i32)))
            (func $middle (param i32) (call $fail (local.get 0)))
            (func (export "run") (param i32) (call $middle (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, 0);
    let fail = Func::wrap(
        &mut store,
        |mut caller: Caller<'_, i32>, x: i32| -> Result<()> {
            *caller.data_mut() += 1;
            if x > 0 {
                Err(Error::msg(format!("refusing {x}")))
            } else {
                Ok(())
            }
        },
    );
    let instance = Instance::new(&mut store, &module, &[fail.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, ()>(&mut store, "run")
        .unwrap();
    let err = run.call(&mut store, 7).unwrap_err();
    assert!(!err.is::<Trap>(), "host errors are not traps: {err:?}");
    assert_eq!(err.root_cause().to_string(), "refusing 7");
    let backtrace = err.downcast_ref::<WasmBacktrace>().expect("a backtrace");
    assert_eq!(backtrace.frames().len(), 2, "{err:?}");
    run.call(&mut store, 0).unwrap();
    assert_eq!(*store.data(), 2);
}

#[test]
fn host_panic_resumes_in_the_embedder() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "p" (func $p)) (func (export "run") (call $p)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let p = Func::wrap(&mut store, || -> () { panic!("host panic") });
    let instance = Instance::new(&mut store, &module, &[p.into()]).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run.call(&mut store, ())));
    assert!(outcome.is_err());
}

#[test]
fn a_panic_in_a_nested_host_call_unwinds_to_the_embedder_and_the_store_stays_usable() {
    // wasm -> `outer` (host) -> `inner` (host, called directly) panics: the
    // panic crosses `outer`'s call of `inner`, is caught at the wasm
    // boundary and resumes at the embedder's call.
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "outer" (func $outer (param i32) (result i32)))
            (func (export "run") (param i32) (result i32) (call $outer (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, 0u32);
    let inner = Func::wrap(&mut store, |mut caller: Caller<'_, u32>, x: i32| -> i32 {
        *caller.data_mut() += 1;
        if x < 0 {
            panic!("inner panic");
        }
        x * 2
    });
    let outer = Func::wrap(
        &mut store,
        move |mut caller: Caller<'_, u32>, x: i32| -> Result<i32> {
            let doubled = inner.typed::<i32, i32>(&caller)?.call(&mut caller, x)?;
            *caller.data_mut() += 10;
            Ok(doubled + 1)
        },
    );
    let instance = Instance::new(&mut store, &module, &[outer.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 4).unwrap(), 9);
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run.call(&mut store, -1)))
            .unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"inner panic"));
    assert_eq!(run.call(&mut store, 5).unwrap(), 11);
    assert_eq!(*store.data(), 23);
}

#[test]
fn func_new_with_dynamic_types_and_untyped_calls() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let ty = FuncType::new(
        &engine,
        [ValType::I64, ValType::F64],
        [ValType::F64, ValType::I64],
    );
    let swap = Func::new(&mut store, ty.clone(), |_, params, results| {
        results[0] = params[1].clone();
        results[1] = params[0].clone();
        Ok(())
    });
    assert!(FuncType::eq(&swap.ty(&store), &ty));
    let mut results = [Val::I32(0), Val::I32(0)];
    swap.call(&mut store, &[Val::I64(3), Val::from(2.5f64)], &mut results)
        .unwrap();
    assert_eq!(results[0].f64(), Some(2.5));
    assert_eq!(results[1].i64(), Some(3));
    // Wrong argument types and counts are errors, not crashes.
    assert!(matches!(
        swap.call(&mut store, &[Val::I32(1)], &mut results),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        swap.call(&mut store, &[Val::I32(1), Val::F64(0)], &mut results),
        Err(Error::Misuse(_))
    ));
    assert!(swap.typed::<(i64, f64), (f64, i64)>(&store).is_ok());
    assert!(swap.typed::<i64, i64>(&store).is_err());
}

#[test]
fn linker_defines_wraps_registers_and_reports_missing_imports() {
    let engine = engine();
    let mut store = Store::new(&engine, 0u32);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("env", "bump", |mut caller: Caller<'_, u32>| {
            *caller.data_mut() += 1
        })
        .unwrap();
    let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    linker.define(&store, "env", "memory", memory).unwrap();
    assert!(matches!(
        linker.define(&store, "env", "memory", memory),
        Err(Error::Link(_))
    ));

    let provider = Module::new(
        &engine,
        r#"(module (import "env" "bump" (func $bump)) (import "env" "memory" (memory 1))
            (func (export "poke") (call $bump) (i32.store8 (i32.const 3) (i32.const 7))))"#,
    )
    .unwrap();
    linker.module(&mut store, "provider", &provider).unwrap();
    let consumer = Module::new(
        &engine,
        r#"(module (import "provider" "poke" (func $poke)) (func (export "run") (call $poke)))"#,
    )
    .unwrap();
    let instance = linker.instantiate(&mut store, &consumer).unwrap();
    instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    assert_eq!(*store.data(), 1);
    assert_eq!(memory.data(&store)[3], 7);
    assert!(linker.get(&mut store, "provider", "poke").is_ok());

    let missing = Module::new(&engine, r#"(module (import "nowhere" "thing" (func)))"#).unwrap();
    let err = linker.instantiate(&mut store, &missing).unwrap_err();
    assert!(matches!(err, Error::Link(_)));
    assert!(err.to_string().contains("nowhere::thing"), "{err}");

    let mistyped = Module::new(
        &engine,
        r#"(module (import "env" "bump" (func (param i32))))"#,
    )
    .unwrap();
    let err = linker.instantiate(&mut store, &mistyped).unwrap_err();
    assert!(
        err.to_string().contains("incompatible import type"),
        "{err}"
    );
}

#[test]
fn memories_globals_and_tables_from_the_host() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();
    memory.data_mut(&mut store)[0] = 5;
    assert_eq!(memory.data(&store)[0], 5);
    assert_eq!(memory.size(&store), 1);
    assert_eq!(memory.data_size(&store), 65536);
    assert!(memory.read(&store, 65535, &mut [0; 2]).is_err());
    assert_eq!(memory.grow(&mut store, 1).unwrap(), 1);
    assert_eq!(memory.ty(&store), MemoryType::new(2, Some(2)));
    assert!(matches!(
        memory.grow(&mut store, 1),
        Err(Error::Resource(_))
    ));

    let constant = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(1),
    )
    .unwrap();
    assert!(constant.set(&mut store, Val::I32(2)).is_err());
    let var = Global::new(
        &mut store,
        GlobalType::new(ValType::F32, Mutability::Var),
        Val::from(1.5f32),
    )
    .unwrap();
    assert!(var.set(&mut store, Val::I32(2)).is_err());
    var.set(&mut store, Val::from(2.5f32)).unwrap();
    assert_eq!(var.get(&mut store).f32(), Some(2.5));
    assert!(
        Global::new(
            &mut store,
            GlobalType::new(ValType::I64, Mutability::Const),
            Val::I32(0)
        )
        .is_err()
    );

    let table = Table::new(
        &mut store,
        TableType::new(RefType::FUNCREF, 1, Some(3)),
        Ref::Func(None),
    )
    .unwrap();
    let f = Func::wrap(&mut store, |x: i32| x);
    table.set(&mut store, 0, f.into()).unwrap();
    assert!(matches!(table.get(&mut store, 0), Some(Ref::Func(Some(g))) if g == f));
    assert_eq!(table.grow(&mut store, 2, Ref::Func(None)).unwrap(), 1);
    assert!(table.grow(&mut store, 1, Ref::Func(None)).is_err());
    assert!(table.set(&mut store, 3, Ref::Func(None)).is_err());
    assert!(table.get(&mut store, 3).is_none());
    assert!(table.set(&mut store, 0, Ref::Extern(None)).is_err());
    // Fill and copy check their ranges before writing anything.
    table.fill(&mut store, 1, f.into(), 2).unwrap();
    assert!(table.fill(&mut store, 2, Ref::Func(None), 2).is_err());
    assert!(
        table
            .get(&mut store, 2)
            .unwrap()
            .as_func()
            .unwrap()
            .is_some()
    );
    Table::copy(&mut store, &table, 0, &table, 1, 2).unwrap();
    assert!(Table::copy(&mut store, &table, 2, &table, 0, 2).is_err());
    table.set(&mut store, 1, Ref::Func(None)).unwrap();
    Table::copy(&mut store, &table, 0, &table, 1, 1).unwrap();
    assert!(table.get(&mut store, 0).unwrap().is_null());
    table.set(&mut store, 0, f.into()).unwrap();
    assert_eq!(table.ty(&store).minimum(), 3);

    // Host-made items imported and used by wasm.
    let module = Module::new(
        &engine,
        r#"(module
            (import "" "m" (memory 1))
            (import "" "g" (global (mut f32)))
            (import "" "t" (table 1 funcref))
            (type $id (func (param i32) (result i32)))
            (func (export "read") (result i32) (i32.load8_u (i32.const 0)))
            (func (export "g") (result f32) (global.get 0))
            (func (export "call") (param i32) (result i32) (call_indirect (type $id) (local.get 0) (i32.const 0))))"#,
    )
    .unwrap();
    let instance = Instance::new(
        &mut store,
        &module,
        &[memory.into(), var.into(), table.into()],
    )
    .unwrap();
    assert_eq!(
        instance
            .get_typed_func::<(), i32>(&mut store, "read")
            .unwrap()
            .call(&mut store, ())
            .unwrap(),
        5
    );
    assert_eq!(
        instance
            .get_typed_func::<(), f32>(&mut store, "g")
            .unwrap()
            .call(&mut store, ())
            .unwrap(),
        2.5
    );
    assert_eq!(
        instance
            .get_typed_func::<i32, i32>(&mut store, "call")
            .unwrap()
            .call(&mut store, 9)
            .unwrap(),
        9
    );
}

#[test]
fn instance_exports_and_lookup_errors() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (func (export "f")) (memory (export "m") 1) (table (export "t") 1 funcref)
            (global (export "g") i32 (i32.const 3)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let names: Vec<_> = instance
        .exports(&store)
        .map(|e| e.name().to_string())
        .collect();
    assert_eq!(names, ["f", "m", "t", "g"]);
    assert!(instance.get_func(&store, "f").is_some());
    assert!(instance.get_memory(&store, "m").is_some());
    assert!(instance.get_table(&store, "t").is_some());
    assert_eq!(
        instance
            .get_global(&store, "g")
            .unwrap()
            .get(&mut store)
            .i32(),
        Some(3)
    );
    // Wasmtime's getters say `None`; their `try_` twins say why.
    assert!(instance.get_func(&store, "m").is_none());
    let err = instance.try_get_func(&store, "m").unwrap_err();
    assert!(err.to_string().contains("not a function"), "{err}");
    assert!(instance.get_export(&store, "nope").is_none());
    let err = instance.try_get_export(&store, "nope").unwrap_err();
    assert!(err.to_string().contains("unknown export"), "{err}");
    assert!(instance.get_typed_func::<i32, ()>(&store, "f").is_err());
    let ty = instance.get_export(&store, "m").unwrap().ty(&store);
    assert_eq!(*ty.unwrap_memory(), MemoryType::new(1, None));
}

#[test]
fn handles_refuse_other_stores() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (func (export "f")) (memory (export "m") 1) (table (export "t") 1 funcref)
            (global (export "g") (mut i32) (i32.const 3)))"#,
    )
    .unwrap();
    let mut a = Store::new(&engine, ());
    let mut b = Store::new(&engine, ());
    let instance = Instance::new(&mut a, &module, &[]).unwrap();
    let f = instance.get_func(&a, "f").unwrap();
    let m = instance.get_memory(&a, "m").unwrap();
    let t = instance.get_table(&a, "t").unwrap();
    let g = instance.get_global(&a, "g").unwrap();
    assert!(instance.get_export(&b, "f").is_none());
    assert!(matches!(
        instance.try_get_export(&b, "f"),
        Err(Error::WrongStore)
    ));
    assert!(matches!(
        f.call(&mut b, &[], &mut []),
        Err(Error::WrongStore)
    ));
    assert!(matches!(f.try_ty(&b), Err(Error::WrongStore)));
    assert!(matches!(m.try_data(&b), Err(Error::WrongStore)));
    // Where Wasmtime's signature has no error, using a foreign store
    // panics, as it does in Wasmtime.
    let panics =
        |f: &mut dyn FnMut()| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err();
    assert!(panics(&mut || {
        f.ty(&b);
    }));
    assert!(panics(&mut || {
        m.data(&b);
    }));
    assert!(panics(&mut || {
        g.get(&mut b);
    }));
    assert!(matches!(m.grow(&mut b, 1), Err(Error::WrongStore)));
    assert!(matches!(t.try_get(&mut b, 0), Err(Error::WrongStore)));
    assert!(t.get(&mut b, 0).is_none());
    assert!(matches!(g.set(&mut b, Val::I32(1)), Err(Error::WrongStore)));
    // A reference from another store cannot be stored or passed.
    let t_b = Table::new(
        &mut b,
        TableType::new(RefType::FUNCREF, 1, None),
        Ref::Func(None),
    )
    .unwrap();
    assert!(matches!(
        t_b.set(&mut b, 0, f.into()),
        Err(Error::WrongStore)
    ));
    let importer = Module::new(&engine, r#"(module (import "" "f" (func)))"#).unwrap();
    assert!(matches!(
        Instance::new(&mut b, &importer, &[f.into()]),
        Err(Error::WrongStore)
    ));
    // Both stores keep working.
    f.call(&mut a, &[], &mut []).unwrap();
    Instance::new(&mut b, &module, &[]).unwrap();
}

#[test]
fn engine_and_module_are_shared_across_threads() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (func (export "sum") (param i32) (result i32) (local $acc i32)
            (block $done (loop $next
              (br_if $done (i32.eqz (local.get 0)))
              (local.set $acc (i32.add (local.get $acc) (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br $next)))
            (local.get $acc)))"#,
    )
    .unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    std::thread::scope(|s| {
        for t in 0..4 {
            let (engine, module, done) = (engine.clone(), module.clone(), done.clone());
            s.spawn(move || {
                // Each thread also compiles its own module with the shared engine.
                let own = Module::new(
                    &engine,
                    "(module (func (export \"f\") (result i32) i32.const 7))",
                )
                .unwrap();
                let mut store = Store::new(&engine, ());
                let instance = Instance::new(&mut store, &module, &[]).unwrap();
                let sum = instance
                    .get_typed_func::<i32, i32>(&mut store, "sum")
                    .unwrap();
                for n in 0..200 {
                    assert_eq!(
                        sum.call(&mut store, n + t).unwrap(),
                        (n + t) * (n + t + 1) / 2
                    );
                }
                let own = Instance::new(&mut store, &own, &[]).unwrap();
                assert_eq!(
                    own.get_typed_func::<(), i32>(&mut store, "f")
                        .unwrap()
                        .call(&mut store, ())
                        .unwrap(),
                    7
                );
                done.fetch_add(1, Ordering::Relaxed);
            });
        }
    });
    assert_eq!(done.load(Ordering::Relaxed), 4);
}

#[test]
fn modules_from_another_engine_are_refused() {
    let module = Module::new(&engine(), "(module)").unwrap();
    let mut store = Store::new(&engine(), ());
    assert!(matches!(
        Instance::new(&mut store, &module, &[]),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn externrefs_round_trip_through_wasm() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module (func (export "id") (param externref) (result externref) (local.get 0)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let id = instance
        .get_typed_func::<Option<Rooted<ExternRef>>, Option<Rooted<ExternRef>>>(&mut store, "id")
        .unwrap();
    let r = ExternRef::new(&mut store, String::from("payload")).unwrap();
    let back = id.call(&mut store, Some(r)).unwrap().unwrap();
    let data = back.data(&store).unwrap().unwrap();
    assert_eq!(data.downcast_ref::<String>().unwrap(), "payload");
    assert!(id.call(&mut store, None).unwrap().is_none());
}

#[test]
fn store_data_accessors() {
    let engine = engine();
    let mut store = Store::new(&engine, vec![1]);
    store.data_mut().push(2);
    assert_eq!(store.data(), &[1, 2]);
    assert!(Engine::same(store.engine(), &engine));
    assert_eq!(store.into_data(), vec![1, 2]);
}

#[test]
fn config_options_take_effect() {
    let mut config = Config::new();
    config
        .cranelift_opt_level(OptLevel::None)
        .parallel_compilation(false)
        .cranelift_debug_verifier(true)
        .wasm_multi_value(false)
        .max_wasm_stack(64 * 1024);
    let engine = Engine::new(&config).unwrap();
    let multi = "(module (func (result i32 i32) i32.const 1 i32.const 2))";
    assert!(matches!(
        Module::new(&engine, multi),
        Err(Error::Compile(_))
    ));
    assert!(Module::new(&Engine::default(), multi).is_ok());
    let module = Module::new(
        &engine,
        "(module (func (export \"f\") (result i32) i32.const 1))",
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    assert_eq!(
        instance
            .get_typed_func::<(), i32>(&mut store, "f")
            .unwrap()
            .call(&mut store, ())
            .unwrap(),
        1
    );
}

#[test]
fn host_functions_called_from_the_host_return_errors_and_resume_panics() {
    let engine = engine();
    let mut store = Store::new(&engine, 0u32);
    let fail = Func::wrap(
        &mut store,
        |mut caller: Caller<'_, u32>, x: i32| -> Result<i32> {
            *caller.data_mut() += 1;
            match x {
                0 => Ok(1),
                1 => Err(Error::msg("refusing 1")),
                _ => panic!("host panic {x}"),
            }
        },
    );
    let typed = fail.typed::<i32, i32>(&store).unwrap();
    assert_eq!(typed.call(&mut store, 0).unwrap(), 1);
    let err = typed.call(&mut store, 1).unwrap_err();
    assert!(!err.is::<Trap>(), "{err:?}");
    assert!(!err.is::<WasmBacktrace>(), "no wasm ran: {err:?}");
    assert_eq!(err.to_string(), "refusing 1");
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| typed.call(&mut store, 2)))
            .unwrap_err();
    assert_eq!(payload.downcast_ref::<String>().unwrap(), "host panic 2");
    // Untyped calls take the same path.
    let mut out = [Val::I32(0)];
    assert!(fail.call(&mut store, &[Val::I32(1)], &mut out).is_err());
    fail.call(&mut store, &[Val::I32(0)], &mut out).unwrap();
    assert_eq!(out[0].i32(), Some(1));
    assert_eq!(*store.data(), 5);

    // No failure is left behind for the next trap to pick up.
    let module = Module::new(&engine, r#"(module (func (export "boom") unreachable))"#).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let boom = instance
        .get_typed_func::<(), ()>(&mut store, "boom")
        .unwrap();
    let err = boom.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref(), Some(&Trap::UnreachableCodeReached));
    assert_eq!(err.chain().count(), 2, "{err:?}");
}

#[test]
fn nested_host_failures_reach_the_right_caller() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "fail" (func $fail (param i32) (result i32)))
            (func (export "run") (param i32) (result i32) (call $fail (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, None::<Func>);
    let fail = Func::wrap(&mut store, |x: i32| -> Result<i32> {
        Err(Error::msg(format!("inner {x}")))
    });
    let instance = Instance::new(&mut store, &module, &[fail.into()]).unwrap();
    *store.data_mut() = instance.get_func(&mut store, "run");
    // Called from the host, calls wasm, which calls a failing host function.
    let outer = Func::wrap(
        &mut store,
        |mut caller: Caller<'_, Option<Func>>, x: i32| -> Result<i32> {
            let run = caller.data().unwrap().typed::<i32, i32>(&caller)?;
            let err = run.call(&mut caller, x).unwrap_err();
            let inner = err.root_cause().to_string();
            Err(Error::msg(format!("outer saw {inner}")))
        },
    );
    let err = outer
        .typed::<i32, i32>(&store)
        .unwrap()
        .call(&mut store, 3)
        .unwrap_err();
    assert_eq!(err.to_string(), "outer saw inner 3");
}

#[test]
fn caller_finds_the_calling_instance_exports() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "peek" (func $peek (param i32) (result i32)))
            (memory (export "mem") 1)
            (data (i32.const 8) "\2a")
            (func (export "run") (param i32) (result i32) (call $peek (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let peek = Func::wrap(&mut store, |mut caller: Caller<'_, ()>, at: i32| -> i32 {
        match caller.get_export("mem").and_then(Extern::into_memory) {
            Some(memory) => {
                let mut byte = [0u8];
                memory.read(&caller, at as usize, &mut byte).unwrap();
                i32::from(byte[0])
            }
            None => -1,
        }
    });
    let instance = Instance::new(&mut store, &module, &[peek.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 8).unwrap(), 42);
    // Called by the host there is no calling instance.
    let peek = peek.typed::<i32, i32>(&store).unwrap();
    assert_eq!(peek.call(&mut store, 8).unwrap(), -1);

    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Caller<'static, u32>>();
}

#[test]
fn linker_host_functions_share_one_closure_across_stores() {
    let engine = engine();
    let calls = Arc::new(AtomicUsize::new(0));
    let mut linker = Linker::new(&engine);
    let counter = calls.clone();
    linker
        .func_wrap("host", "inc", move |x: i32| {
            counter.fetch_add(1, Ordering::Relaxed);
            x + 1
        })
        .unwrap();
    let ty = FuncType::new(&engine, [ValType::I32, ValType::I64], [ValType::I64]);
    linker
        .func_new("host", "add", ty, |_, params, results| {
            let sum = i64::from(params[0].i32().unwrap()) + params[1].i64().unwrap();
            results[0] = Val::I64(sum);
            Ok(())
        })
        .unwrap();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "inc" (func $inc (param i32) (result i32)))
            (import "host" "add" (func $add (param i32 i64) (result i64)))
            (func (export "run") (param i32) (result i64)
              (call $add (call $inc (local.get 0)) (i64.const 100))))"#,
    )
    .unwrap();
    for i in 0..3 {
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance
            .get_typed_func::<i32, i64>(&mut store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, i).unwrap(), 101 + i64::from(i));
    }
    assert_eq!(calls.load(Ordering::Relaxed), 3);
}

#[test]
fn host_functions_with_many_parameters_and_results() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "spread" (func $spread (param i32 i64 f32 f64)
              (result f64 f32 i64 i32 i32 i32 i32)))
            (import "host" "sum" (func $sum (param i32 i32 i32 i32 i32 i32 i32 i32) (result i64)))
            (func (export "run") (result i64)
              (local $f64 f64) (local $f32 f32) (local $i64 i64)
              (local $a i32) (local $b i32) (local $c i32) (local $d i32)
              (call $spread (i32.const 1) (i64.const 2) (f32.const 3) (f64.const 4))
              (local.set $d) (local.set $c) (local.set $b) (local.set $a)
              (local.set $i64) (local.set $f32) (local.set $f64)
              (call $sum
                (i32.trunc_f64_s (local.get $f64)) (i32.trunc_f32_s (local.get $f32))
                (i32.wrap_i64 (local.get $i64)) (local.get $a) (local.get $b)
                (local.get $c) (local.get $d) (i32.const 1000))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let spread = Func::wrap(&mut store, |a: i32, b: i64, c: f32, d: f64| {
        (d, c, b, a, 10, 20, 30)
    });
    let ty = FuncType::new(&engine, vec![ValType::I32; 8], [ValType::I64]);
    let sum = Func::new(&mut store, ty, |_, params, results| {
        results[0] = Val::I64(params.iter().map(|p| i64::from(p.i32().unwrap())).sum());
        Ok(())
    });
    let instance = Instance::new(&mut store, &module, &[spread.into(), sum.into()]).unwrap();
    let run = instance
        .get_typed_func::<(), i64>(&mut store, "run")
        .unwrap();
    assert_eq!(
        run.call(&mut store, ()).unwrap(),
        4 + 3 + 2 + 1 + 10 + 20 + 30 + 1000
    );
}

#[test]
fn data_ptr_points_at_the_memory_and_nan_canonicalization_is_a_switch() {
    let mut config = egret::Config::new();
    config.cranelift_nan_canonicalization(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(
        &engine,
        r#"(module (memory (export "m") 1)
            (func (export "nan") (param f32) (result i32)
              (i32.reinterpret_f32 (f32.add (local.get 0) (local.get 0)))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let memory = instance.get_memory(&mut store, "m").unwrap();
    memory.data_mut(&mut store)[5] = 42;
    // SAFETY: the memory is live and no wasm runs.
    assert_eq!(unsafe { *memory.data_ptr(&store).add(5) }, 42);
    // A NaN with a payload comes out canonical.
    let nan = instance
        .get_typed_func::<f32, i32>(&mut store, "nan")
        .unwrap();
    let payload = f32::from_bits(0x7fa0_0001);
    assert_eq!(nan.call(&mut store, payload).unwrap() as u32, 0x7fc0_0000);
}
