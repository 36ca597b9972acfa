//! Reference values and types as Wasmtime has them: the bottom types'
//! handles (`NoFunc`, `NoExtern`, `NoneRef`) in typed calls and host
//! functions, `Val::matches_ty`, `Val::default_for_ty` and
//! `Ref::matches_ty`; and two ways to hold or load things: `Engine::weak`
//! and `Module::from_trusted_file`.

use wasmtime::{
    Engine, Func, FuncType, HeapType, Instance, Module, NoExtern, NoFunc, NoneRef, Ref, RefType,
    Store, Val, ValType,
};

const MODULE: &str = r#"
(module
  (import "host" "nulls" (func $nulls (param (ref null none) (ref null noextern)) (result i32)))
  (func (export "pass") (param (ref null nofunc) (ref null noextern) (ref null none))
                        (result (ref null nofunc) (ref null noextern) (ref null none) i32)
    (local.get 0) (local.get 1) (local.get 2)
    (i32.add (i32.add (ref.is_null (local.get 0)) (ref.is_null (local.get 1)))
             (ref.is_null (local.get 2))))
  (func (export "ask_host") (result i32)
    (call $nulls (ref.null none) (ref.null noextern))))
"#;

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, MODULE)?;
    let mut store = Store::new(&engine, ());

    // The bottom types' handles.
    let nulls = Func::wrap(&mut store, |a: Option<NoneRef>, b: Option<NoExtern>| {
        i32::from(a.is_none()) + i32::from(b.is_none())
    });
    let instance = Instance::new(&mut store, &module, &[nulls.into()])?;
    let pass = instance.get_typed_func::<
        (Option<NoFunc>, Option<NoExtern>, Option<NoneRef>),
        (Option<NoFunc>, Option<NoExtern>, Option<NoneRef>, i32),
    >(&mut store, "pass")?;
    let out = pass.call(
        &mut store,
        (NoFunc::null(), NoExtern::null(), NoneRef::null()),
    )?;
    println!("pass: {out:?}");
    let ask_host = instance.get_typed_func::<(), i32>(&mut store, "ask_host")?;
    println!("the host saw {} nulls", ask_host.call(&mut store, ())?);
    println!(
        "NoFunc::null_ref: func {}, null {}; NoExtern::null_val: {:?}",
        NoFunc::null_ref().is_func(),
        NoFunc::null_ref().is_null(),
        NoExtern::null_val()
    );

    // Values against types.
    let identity = Func::wrap(&mut store, |x: i32| x);
    let i32_to_i32 = FuncType::new(&engine, [ValType::I32], [ValType::I32]);
    let exact = ValType::Ref(RefType::new(false, HeapType::ConcreteFunc(i32_to_i32)));
    let values = [
        ("i32 1", Val::I32(1)),
        ("a host function", Val::FuncRef(Some(identity))),
        ("null funcref", Val::FuncRef(None)),
        ("null anyref", Val::AnyRef(None)),
    ];
    let types = [
        ("i32", ValType::I32),
        ("funcref", ValType::FUNCREF),
        ("(ref (func i32 -> i32))", exact.clone()),
        ("nullfuncref", ValType::NULLFUNCREF),
        ("nullref", ValType::NULLREF),
    ];
    for (value_name, value) in &values {
        let matching: Vec<&str> = types
            .iter()
            .filter(|(_, ty)| value.matches_ty(&store, ty).unwrap())
            .map(|(name, _)| *name)
            .collect();
        println!("{value_name} matches: {}", matching.join(", "));
    }
    for (name, ty) in &types {
        match Val::default_for_ty(ty) {
            Some(value) => println!("default {name}: {value:?}"),
            None => println!("default {name}: none"),
        }
    }
    let null = Ref::Func(None);
    for (name, ty) in [
        ("nullfuncref", RefType::NULLFUNCREF),
        ("funcref", RefType::FUNCREF),
        ("(ref func)", RefType::new(false, HeapType::Func)),
        ("externref", RefType::EXTERNREF),
    ] {
        println!(
            "Ref::Func(None) matches {name}: {}",
            null.matches_ty(&store, &ty)?
        );
    }

    // A weak engine.
    let other = Engine::default();
    let weak = other.weak();
    println!("weak engine while alive: {}", weak.upgrade().is_some());
    drop(other);
    println!("weak engine after drop: {}", weak.upgrade().is_some());

    // A trusted file.
    let dir = std::env::temp_dir().join(format!("compat-refs-and-types-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("answer.wat");
    std::fs::write(
        &path,
        r#"(module (func (export "answer") (result i32) (i32.const 42)))"#,
    )?;
    // SAFETY: this program wrote the file just now.
    let trusted = unsafe { Module::from_trusted_file(&engine, &path)? };
    let instance = Instance::new(&mut store, &trusted, &[])?;
    let answer = instance.get_typed_func::<(), i32>(&mut store, "answer")?;
    println!("from a trusted file: {}", answer.call(&mut store, ())?);
    std::fs::remove_dir_all(&dir)?;

    // A typed parameter of a concrete function type takes `Func`, and
    // each call checks the argument's type.
    let module = Module::new(
        &engine,
        r#"(module
             (type $t (func (result i32)))
             (func $three (type $t) (i32.const 3))
             (elem declare func $three)
             (func (export "three") (result (ref $t)) (ref.func $three))
             (func (export "take") (param (ref null $t)) (result i32)
               (call_ref $t (local.get 0))))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let three = instance
        .get_typed_func::<(), Func>(&mut store, "three")?
        .call(&mut store, ())?;
    let take = instance.get_typed_func::<Option<Func>, i32>(&mut store, "take")?;
    println!(
        "typed concrete parameter: {}",
        take.call(&mut store, Some(three))?
    );
    let wrong = Func::wrap(&mut store, |x: i32| x);
    println!(
        "a function of another type: {}",
        if take.call(&mut store, Some(wrong)).is_err() {
            "refused"
        } else {
            "accepted"
        }
    );
    Ok(())
}
