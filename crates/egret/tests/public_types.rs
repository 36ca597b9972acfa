//! The public type API (`ValType`, `RefType`, `HeapType`, `FuncType` with
//! finality and supertype, `GlobalType`, `TableType`, `MemoryType`,
//! `ExternType`) with Wasmtime's shapes: what modules report, what the
//! host builds, and that host-built and module-declared types are one
//! type engine-wide.

use egret::*;

/// An engine with typed function references, declared subtyping and the
/// GC and exception heap types (which wasm validates as part of GC and
/// exception handling).
fn engine() -> Engine {
    let mut config = Config::new();
    config
        .wasm_function_references(true)
        .wasm_gc(true)
        .wasm_exceptions(true);
    Engine::new(&config).expect("engine")
}

#[test]
fn module_types_name_concrete_function_types_of_the_engine() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (type $t (func (param i32)))
            (import "env" "f" (func (param (ref null $t)) (result (ref $t))))
            (table (export "table") 2 (ref null $t))
            (global (export "g") (mut funcref) (ref.null func)))"#,
    )
    .unwrap();
    let t = FuncType::new(&engine, [ValType::I32], []);

    let import = module.imports().next().unwrap();
    let f = import.ty().unwrap_func().clone();
    let param = f.param(0).unwrap();
    let param = param.unwrap_ref();
    assert!(param.is_nullable());
    assert!(FuncType::eq(param.heap_type().unwrap_concrete_func(), &t));
    let result = f.result(0).unwrap();
    assert!(!result.unwrap_ref().is_nullable());
    assert_eq!(
        f.to_string(),
        "(func (param (ref null (func (param i32)))) (result (ref (func (param i32)))))"
    );

    let exports: Vec<ExportType<'_>> = module.exports().collect();
    let table = exports[0].ty().unwrap_table().clone();
    assert!(table.element().heap_type().is_concrete_func());
    assert_eq!((table.minimum(), table.maximum()), (2, None));
    let global = exports[1].ty().unwrap_global().clone();
    assert!(global.content().is_funcref() && global.mutability().is_var());
}

#[test]
fn a_host_function_of_a_declared_subtype_satisfies_a_supertype_import() {
    let engine = engine();
    let base = FuncType::with_finality_and_supertype(
        &engine,
        Finality::NonFinal,
        None,
        [],
        [ValType::I32],
    )
    .unwrap();
    let derived = FuncType::with_finality_and_supertype(
        &engine,
        Finality::Final,
        Some(&base),
        [],
        [ValType::I32],
    )
    .unwrap();
    assert!(derived.matches(&base) && !base.matches(&derived));
    assert!(FuncType::eq(&derived.supertype().unwrap(), &base));

    // The module declares the same `sub` type: canonicalised to `base`.
    let module = Module::new(
        &engine,
        r#"(module
            (type $base (sub (func (result i32))))
            (import "env" "f" (func $f (type $base)))
            (func (export "run") (result i32) (call $f)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let host = Func::new(&mut store, derived.clone(), |_, _, results| {
        results[0] = Val::I32(5);
        Ok(())
    });
    assert!(FuncType::eq(&host.ty(&store), &derived));
    let instance = Instance::new(&mut store, &module, &[host.into()]).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 5);

    // A host function of an unrelated type with the same shape is not a
    // subtype of `base`: refused at link time.
    let unrelated = FuncType::new(&engine, [], [ValType::I32]);
    let other = Func::new(&mut store, unrelated, |_, _, r| {
        r[0] = Val::I32(0);
        Ok(())
    });
    assert!(Instance::new(&mut store, &module, &[other.into()]).is_err());
}

#[test]
fn subtype_declarations_are_checked() {
    let engine = Engine::default();
    let open = |params: Vec<ValType>, results: Vec<ValType>| {
        FuncType::with_finality_and_supertype(&engine, Finality::NonFinal, None, params, results)
            .unwrap()
    };
    let sup = open(vec![ValType::I32], vec![ValType::FUNCREF]);
    let sub = |params: Vec<ValType>, results: Vec<ValType>| {
        FuncType::with_finality_and_supertype(&engine, Finality::Final, Some(&sup), params, results)
    };
    let non_null_func = ValType::Ref(RefType::new(false, HeapType::Func));
    assert!(
        sub(vec![ValType::I32], vec![non_null_func]).is_ok(),
        "results may narrow"
    );
    assert!(sub(vec![ValType::I64], vec![ValType::FUNCREF]).is_err());
    assert!(sub(vec![ValType::I32], vec![ValType::EXTERNREF]).is_err());
    assert!(sub(vec![ValType::I32], vec![]).is_err());
}

#[test]
fn types_of_another_engine_are_errors_not_undefined_behaviour() {
    let engine = Engine::default();
    let other_engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let foreign = FuncType::new(&other_engine, [], []);
    let err = Func::try_new(&mut store, foreign.clone(), |_, _, _| Ok(())).unwrap_err();
    assert!(err.to_string().contains("another engine"), "{err}");
    // `Func::new` panics instead, as Wasmtime's does.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Func::new(&mut store, foreign.clone(), |_, _, _| Ok(()))
    }));
    assert!(panicked.is_err());

    let foreign_ref = RefType::new(true, HeapType::ConcreteFunc(foreign));
    let table = TableType::new(foreign_ref.clone(), 1, None);
    assert!(Table::new(&mut store, table, Ref::Func(None)).is_err());
    let global = GlobalType::new(ValType::Ref(foreign_ref), Mutability::Const);
    assert!(Global::new(&mut store, global, Val::FuncRef(None)).is_err());
    // The store is still usable.
    let fine = FuncType::new(&engine, [], []);
    assert!(Func::try_new(&mut store, fine, |_, _, _| Ok(())).is_ok());
}

#[test]
fn a_typed_table_from_the_host_holds_only_functions_of_its_type() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let unary = FuncType::new(&engine, [ValType::I32], [ValType::I32]);
    let nullary = FuncType::new(&engine, [], [ValType::I32]);
    let element = RefType::new(true, HeapType::ConcreteFunc(unary.clone()));
    let table = Table::new(
        &mut store,
        TableType::new(element, 2, None),
        Ref::Func(None),
    )
    .unwrap();
    let double = Func::new(&mut store, unary, |_, p, r| {
        r[0] = Val::I32(p[0].i32().unwrap() * 2);
        Ok(())
    });
    let seven = Func::new(&mut store, nullary, |_, _, r| {
        r[0] = Val::I32(7);
        Ok(())
    });
    table.set(&mut store, 0, double.into()).unwrap();
    assert!(table.set(&mut store, 1, seven.into()).is_err());
    let ty = table.ty(&store);
    assert!(ty.element().heap_type().is_concrete_func());
}

#[test]
fn gc_and_exception_references_are_null_until_their_issues_land() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    // Host globals of the any and exn hierarchies hold null, and wasm
    // reads it through an import.
    let any = Global::new(
        &mut store,
        GlobalType::new(ValType::ANYREF, Mutability::Const),
        ValType::ANYREF.default_value().unwrap(),
    )
    .unwrap();
    let exn = Global::new(
        &mut store,
        GlobalType::new(ValType::EXNREF, Mutability::Const),
        Val::ExnRef(None),
    )
    .unwrap();
    assert!(matches!(any.get(&mut store), Val::AnyRef(None)));
    // A value of another hierarchy is refused, and the store stays usable.
    let wrong = GlobalType::new(ValType::ANYREF, Mutability::Const);
    assert!(Global::new(&mut store, wrong, Val::ExternRef(None)).is_err());
    let non_null = ValType::Ref(RefType::new(false, HeapType::Eq));
    assert!(non_null.default_value().is_none());

    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "any" (global $any anyref))
            (import "host" "exn" (global $exn exnref))
            (func (export "any_is_null") (result i32) (ref.is_null (global.get $any)))
            (func (export "exn_is_null") (result i32) (ref.is_null (global.get $exn)))
            (func (export "none") (result nullref) (ref.null none))
            (func (export "eq") (param eqref) (result anyref) (local.get 0)))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &module, &[any.into(), exn.into()]).unwrap();
    for name in ["any_is_null", "exn_is_null"] {
        let f = instance
            .get_typed_func::<(), i32>(&mut store, name)
            .unwrap();
        assert_eq!(f.call(&mut store, ()).unwrap(), 1, "{name}");
    }
    let mut out = [Val::I32(0)];
    let none = instance.get_func(&mut store, "none").unwrap();
    none.call(&mut store, &[], &mut out).unwrap();
    assert!(matches!(out[0], Val::AnyRef(None)));
    let eq = instance.get_func(&mut store, "eq").unwrap();
    eq.call(&mut store, &[Val::AnyRef(None)], &mut out).unwrap();
    assert!(matches!(out[0], Val::AnyRef(None)));
    assert!(eq.call(&mut store, &[Val::ExnRef(None)], &mut out).is_err());

    assert!(ValType::NULLFUNCREF.matches(&ValType::FUNCREF));
    assert!(ValType::I31REF.matches(&ValType::ANYREF));
    assert!(!ValType::ANYREF.matches(&ValType::EXTERNREF));
}

#[test]
fn memory_types_are_built_and_checked() {
    let ty = MemoryType::builder()
        .memory64(true)
        .min(1)
        .max(Some(1 << 40))
        .build()
        .unwrap();
    assert!(ty.is_64() && ty.maximum() == Some(1 << 40));
    assert!(
        MemoryType::builder().min(1 << 17).build().is_err(),
        "past 4 GiB of 32-bit space"
    );
    assert!(MemoryType::builder().page_size_log2(12).build().is_err());
    assert!(MemoryType::shared(1, 2).is_shared());
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let memory = Memory::new(&mut store, MemoryType::new64(2, Some(3))).unwrap();
    let ty = memory.ty(&store);
    assert!(ty.is_64() && ty.minimum() == 2 && ty.maximum() == Some(3));
    // Egret has no threads: a shared memory is refused, not faked.
    let err = Memory::new(&mut store, MemoryType::shared(1, 2)).unwrap_err();
    assert!(err.to_string().contains("shared"), "{err}");
    // Inconsistent table limits are refused too.
    let backwards = TableType::new(RefType::FUNCREF, 5, Some(2));
    assert!(Table::new(&mut store, backwards, Ref::Func(None)).is_err());
}

#[test]
fn tags_are_defined_imported_and_exported_by_identity() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let exporter = Module::new(
        &engine,
        r#"(module (tag (export "a") (param i32)) (tag (export "b") (param i32)))"#,
    )
    .unwrap();
    let ty = exporter.exports().next().unwrap().ty();
    let ty = ty.unwrap_tag().ty();
    assert!(ty.param(0).unwrap().is_i32() && ty.results().len() == 0);

    let first = Instance::new(&mut store, &exporter, &[]).unwrap();
    let a = first.get_export(&store, "a").unwrap().into_tag().unwrap();
    let b = first.get_export(&store, "b").unwrap().into_tag().unwrap();
    assert!(!Tag::eq(&a, &b, &store), "two definitions are two tags");
    let second = Instance::new(&mut store, &exporter, &[]).unwrap();
    let a2 = second.get_export(&store, "a").unwrap().into_tag().unwrap();
    assert!(!Tag::eq(&a, &a2, &store), "each instance defines its own");

    // A module that imports a tag and re-exports it: the same identity.
    let importer = Module::new(
        &engine,
        r#"(module (import "m" "t" (tag $t (param i32))) (export "t" (tag $t)))"#,
    )
    .unwrap();
    let third = Instance::new(&mut store, &importer, &[a.into()]).unwrap();
    let again = third.get_export(&store, "t").unwrap().into_tag().unwrap();
    assert!(Tag::eq(&a, &again, &store));

    // Tag types are invariant: a tag of another type does not link, and
    // neither does a different kind of item.
    let f32_tag = Tag::new(
        &mut store,
        &TagType::new(FuncType::new(&engine, [ValType::F32], [])),
    )
    .unwrap();
    assert!(matches!(
        Instance::new(&mut store, &importer, &[f32_tag.into()]),
        Err(Error::Link(_))
    ));
    let func = Func::wrap(&mut store, |_: i32| {});
    assert!(Instance::new(&mut store, &importer, &[func.into()]).is_err());
    // A host tag of the right type links.
    let host = Tag::new(
        &mut store,
        &TagType::new(FuncType::new(&engine, [ValType::I32], [])),
    )
    .unwrap();
    let fourth = Instance::new(&mut store, &importer, &[host.into()]).unwrap();
    let exported = fourth.get_export(&store, "t").unwrap().into_tag().unwrap();
    assert!(Tag::eq(&host, &exported, &store));
    // A tag type with results is refused.
    let with_result = TagType::new(FuncType::new(&engine, [], [ValType::I32]));
    assert!(Tag::new(&mut store, &with_result).is_err());
}
