//! Typed function references through the public API: `call_ref` and its
//! null trap, `call_indirect` and imports accepting declared subtypes (and
//! refusing anything else), typed globals and tables across modules, and
//! host values checked against typed references, and typed functions
//! whose parameters take subtypes or concrete types (checked per call).

mod common;

use common::trap_of;
use egret::{Config, Engine, Instance, Linker, Module, Ref, Store, Trap, Val};

/// An engine with typed function references and declared subtyping (which
/// wasm validates as part of GC).
fn engine() -> Engine {
    let mut config = Config::new();
    config.wasm_function_references(true).wasm_gc(true);
    Engine::new(&config).expect("engine")
}

/// `$base` is open; `$derived` declares it as supertype; `$other` has the
/// same structure as `$base` but is final, so it is a different type.
const HIERARCHY: &str = r#"
    (type $base (sub (func (result i32))))
    (type $derived (sub $base (func (result i32))))
    (type $other (func (result i32)))
"#;

#[test]
fn call_ref_calls_and_traps_on_null() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (type $t (func (param i32) (result i32)))
            (func $double (type $t) (i32.mul (local.get 0) (i32.const 2)))
            (elem declare func $double)
            (func (export "call") (param i32) (result i32)
              (call_ref $t (local.get 0) (ref.func $double)))
            (func (export "call_null") (param i32) (result i32)
              (call_ref $t (local.get 0) (ref.null $t)))
            (func (export "as_non_null") (result i32)
              (ref.is_null (ref.as_non_null (ref.null func)))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let call = instance
        .get_typed_func::<i32, i32>(&mut store, "call")
        .unwrap();
    assert_eq!(call.call(&mut store, 21).unwrap(), 42);
    let call_null = instance
        .get_typed_func::<i32, i32>(&mut store, "call_null")
        .unwrap();
    let err = call_null.call(&mut store, 1);
    let message = format!("{:?}", err.as_ref().unwrap_err());
    assert_eq!(trap_of(err), Trap::NullReference);
    assert!(message.contains("wasm trap: null reference"), "{message}");
    let as_non_null = instance
        .get_typed_func::<(), i32>(&mut store, "as_non_null")
        .unwrap();
    assert_eq!(
        trap_of(as_non_null.call(&mut store, ())),
        Trap::NullReference
    );
    // The store is usable after the traps.
    assert_eq!(call.call(&mut store, 5).unwrap(), 10);
}

#[test]
fn call_ref_and_call_indirect_through_a_subtype() {
    let engine = engine();
    let module = Module::new(
        &engine,
        format!(
            r#"(module {HIERARCHY}
                (func $derived_fn (type $derived) (i32.const 7))
                (func $other_fn (type $other) (i32.const 8))
                (table funcref (elem $derived_fn $other_fn))
                (func (export "ref_as_base") (result i32)
                  (call_ref $base (ref.func $derived_fn)))
                (func (export "indirect_base") (param i32) (result i32)
                  (call_indirect (type $base) (local.get 0)))
                (func (export "indirect_derived") (param i32) (result i32)
                  (call_indirect (type $derived) (local.get 0))))"#
        ),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let ref_as_base = instance
        .get_typed_func::<(), i32>(&mut store, "ref_as_base")
        .unwrap();
    assert_eq!(ref_as_base.call(&mut store, ()).unwrap(), 7);
    let base = instance
        .get_typed_func::<i32, i32>(&mut store, "indirect_base")
        .unwrap();
    // A `$derived` function is a `$base`: the run-time check accepts it.
    assert_eq!(base.call(&mut store, 0).unwrap(), 7);
    // `$other` has `$base`'s structure but is not declared its subtype.
    assert_eq!(trap_of(base.call(&mut store, 1)), Trap::BadSignature);
    let derived = instance
        .get_typed_func::<i32, i32>(&mut store, "indirect_derived")
        .unwrap();
    assert_eq!(derived.call(&mut store, 0).unwrap(), 7);
    assert_eq!(trap_of(derived.call(&mut store, 1)), Trap::BadSignature);
}

#[test]
fn function_imports_match_by_declared_subtyping() {
    let engine = engine();
    let exporter = Module::new(
        &engine,
        format!(
            r#"(module {HIERARCHY}
                (func (export "derived") (type $derived) (i32.const 1))
                (func (export "base") (type $base) (i32.const 2))
                (func (export "other") (type $other) (i32.const 3)))"#
        ),
    )
    .unwrap();
    // The importer declares the same hierarchy in another order, so its
    // type indices differ: only canonical ids can match them.
    let importer = |import_type: &str| {
        Module::new(
            &engine,
            format!(
                r#"(module
                    (type $other (func (result i32)))
                    (type $base (sub (func (result i32))))
                    (type $derived (sub $base (func (result i32))))
                    (import "m" "f" (func $f (type {import_type})))
                    (func (export "run") (result i32) (call $f)))"#
            ),
        )
        .unwrap()
    };
    let mut store = Store::new(&engine, ());
    let exports = Instance::new(&mut store, &exporter, &[]).unwrap();
    let mut linker = Linker::new(&engine);
    let link = |linker: &mut Linker<()>, store: &mut Store<()>, name: &str| {
        let f = exports.get_func(&mut *store, name).unwrap();
        linker.allow_shadowing(true);
        linker.define(&mut *store, "m", "f", f).unwrap();
    };
    let cases = [
        ("$base", "derived", Some(1)),
        ("$base", "base", Some(2)),
        ("$base", "other", None),
        ("$derived", "derived", Some(1)),
        ("$derived", "base", None),
        ("$other", "other", Some(3)),
        ("$other", "base", None),
    ];
    for (import_type, export, expected) in cases {
        link(&mut linker, &mut store, export);
        let result = linker.instantiate(&mut store, &importer(import_type));
        match (result, expected) {
            (Ok(instance), Some(value)) => {
                let run = instance
                    .get_typed_func::<(), i32>(&mut store, "run")
                    .unwrap();
                assert_eq!(run.call(&mut store, ()).unwrap(), value);
            }
            (Err(e), None) => {
                assert!(e.to_string().contains("incompatible import type"), "{e}")
            }
            (result, _) => panic!(
                "import of {import_type} given `{export}`: {:?}",
                result.map(|_| ())
            ),
        }
    }
}

#[test]
fn typed_globals_and_tables_cross_modules() {
    let engine = engine();
    let exporter = Module::new(
        &engine,
        r#"(module
            (type $t (func (result i32)))
            (func $f (type $t) (i32.const 11))
            (global (export "g") (ref $t) (ref.func $f))
            (table (export "tab") 2 (ref $t) (ref.func $f)))"#,
    )
    .unwrap();
    let importer = |global: &str, table: &str| {
        Module::new(
            &engine,
            format!(
                r#"(module
                    (type $u (func (param i32)))
                    (type $t (func (result i32)))
                    (import "m" "g" (global $g {global}))
                    (import "m" "tab" (table $tab 2 {table}))
                    (func (export "via_global") (result i32)
                      (call_ref $t (ref.as_non_null (global.get $g))))
                    (func (export "via_table") (result i32)
                      (call_indirect $tab (type $t) (i32.const 1))))"#
            ),
        )
        .unwrap()
    };
    let mut store = Store::new(&engine, ());
    let exports = Instance::new(&mut store, &exporter, &[]).unwrap();
    let mut linker = Linker::new(&engine);
    linker.instance(&mut store, "m", exports).unwrap();

    // An immutable global may be imported at a supertype; a table's
    // element type must be the same.
    let instance = linker
        .instantiate(&mut store, &importer("(ref null $t)", "(ref $t)"))
        .unwrap();
    for name in ["via_global", "via_table"] {
        let f = instance
            .get_typed_func::<(), i32>(&mut store, name)
            .unwrap();
        assert_eq!(f.call(&mut store, ()).unwrap(), 11);
    }
    for (global, table) in [
        ("(ref $u)", "(ref $t)"),
        ("(ref null $t)", "(ref null $t)"),
        ("(ref null $t)", "funcref"),
    ] {
        let imports_only = Module::new(
            &engine,
            format!(
                r#"(module
                    (type $u (func (param i32)))
                    (type $t (func (result i32)))
                    (import "m" "g" (global {global}))
                    (import "m" "tab" (table 2 {table})))"#
            ),
        )
        .unwrap();
        let err = linker
            .instantiate(&mut store, &imports_only)
            .map(|_| ())
            .unwrap_err();
        assert!(
            err.to_string().contains("incompatible import type"),
            "{err}"
        );
    }

    // The host may store into a typed table only functions of its type.
    let table = exports.get_table(&mut store, "tab").unwrap();
    let wrong = Module::new(&engine, r#"(module (func (export "f") (param i32)))"#).unwrap();
    let wrong = Instance::new(&mut store, &wrong, &[]).unwrap();
    let wrong = wrong.get_func(&mut store, "f").unwrap();
    assert!(table.set(&mut store, 0, Ref::Func(Some(wrong))).is_err());
    assert!(table.set(&mut store, 0, Ref::Func(None)).is_err());
    let right = table.get(&mut store, 1).unwrap();
    assert!(table.set(&mut store, 0, right).is_ok());
}

#[test]
fn typed_func_results_may_be_typed_references() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (type $t (func (result i32)))
            (func $f (type $t) (i32.const 3))
            (elem declare func $f)
            (func (export "get") (result (ref $t)) (ref.func $f))
            (func (export "take") (param (ref null $t)) (result i32)
              (call_ref $t (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let get = instance
        .get_typed_func::<(), Option<egret::Func>>(&mut store, "get")
        .unwrap();
    let f = get.call(&mut store, ()).unwrap().expect("not null");
    let f = f.typed::<(), i32>(&store).unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 3);
    // As in Wasmtime, a parameter of a concrete type takes a Rust type of
    // its hierarchy, and each call checks the argument.
    let take_typed = instance
        .get_typed_func::<Option<egret::Func>, i32>(&mut store, "take")
        .unwrap();
    assert_eq!(take_typed.call(&mut store, Some(*f.func())).unwrap(), 3);
    let wrong = egret::Func::wrap(&mut store, |x: i32| x);
    let error = take_typed.call(&mut store, Some(wrong)).unwrap_err();
    assert!(
        error.to_string().contains("argument type mismatch"),
        "{error}"
    );
    // A null argument is checked too: the parameter is nullable here.
    assert!(matches!(
        trap_of(take_typed.call(&mut store, None)),
        Trap::NullReference
    ));
    // Another hierarchy is refused when typing.
    assert!(
        instance
            .get_typed_func::<Option<egret::Rooted<egret::AnyRef>>, i32>(&mut store, "take")
            .is_err()
    );
    // The dynamic API checks the argument's type too.
    let take = instance.get_func(&mut store, "take").unwrap();
    let mut result = [Val::I32(0)];
    take.call(&mut store, &[Val::FuncRef(Some(*f.func()))], &mut result)
        .unwrap();
    assert_eq!(result[0].i32(), Some(3));
}

#[test]
fn typed_func_parameters_take_subtypes_and_concrete_gc_types() {
    let engine = engine();
    let module = Module::new(
        &engine,
        r#"(module
            (type $point (struct (field i32)))
            (type $pair (struct (field i32) (field i32)))
            (func (export "new_point") (result (ref $point)) (struct.new $point (i32.const 7)))
            (func (export "new_pair") (result (ref $pair))
              (struct.new $pair (i32.const 1) (i32.const 2)))
            (func (export "x") (param (ref $point)) (result i32)
              (struct.get $point 0 (local.get 0)))
            (func (export "is_null") (param anyref) (result i32)
              (ref.is_null (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let point = instance
        .get_typed_func::<(), egret::Rooted<egret::StructRef>>(&mut store, "new_point")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    let pair = instance
        .get_typed_func::<(), egret::Rooted<egret::StructRef>>(&mut store, "new_pair")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    // `structref` is a subtype of `anyref`: a parameter of the supertype
    // takes the Rust type of the subtype.
    let is_null = instance
        .get_typed_func::<Option<egret::Rooted<egret::StructRef>>, i32>(&mut store, "is_null")
        .unwrap();
    assert_eq!(is_null.call(&mut store, Some(point)).unwrap(), 0);
    assert_eq!(is_null.call(&mut store, None).unwrap(), 1);
    // `(ref $point)` takes a `StructRef`, checked at each call.
    let x = instance
        .get_typed_func::<egret::Rooted<egret::StructRef>, i32>(&mut store, "x")
        .unwrap();
    assert_eq!(x.call(&mut store, point).unwrap(), 7);
    let error = x.call(&mut store, pair).unwrap_err();
    assert!(
        error.to_string().contains("argument type mismatch"),
        "{error}"
    );
    assert_eq!(x.call(&mut store, point).unwrap(), 7);
    // Any Rust type of the hierarchy is accepted when typing, even a
    // nullable one; a null argument then fails the call's check.
    let x_any = instance
        .get_typed_func::<Option<egret::Rooted<egret::AnyRef>>, i32>(&mut store, "x")
        .unwrap();
    assert!(x_any.call(&mut store, None).is_err());
    // A number is not of the hierarchy.
    assert!(
        instance
            .get_typed_func::<i32, i32>(&mut store, "x")
            .is_err()
    );
}
