//! Globals and tables from the host, as Wasmtime has them: `Global::new`,
//! `get`, `set` and `ty`; `Table::new`, `get`, `set`, `grow` and `size`
//! with `Ref`s of functions and external references.

use wasmtime::{
    Engine, ExternRef, Func, Global, GlobalType, HeapType, Instance, Module, Mutability, Ref,
    RefType, Store, Table, TableType, Val, ValType,
};

const MODULE: &str = r#"
(module
  (import "env" "scale" (global $scale (mut i32)))
  (import "env" "handlers" (table 2 funcref))
  (type $unary (func (param i32) (result i32)))
  (global (export "calls") (mut i64) (i64.const 0))
  (func (export "dispatch") (param i32 i32) (result i32)
    (global.set 1 (i64.add (global.get 1) (i64.const 1)))
    (i32.mul (global.get $scale)
      (call_indirect (type $unary) (local.get 1) (local.get 0))))
  (func (export "double") (param i32) (result i32)
    (i32.add (local.get 0) (local.get 0))))
"#;

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());

    let scale = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Var),
        Val::I32(1),
    )?;
    let handlers = Table::new(
        &mut store,
        TableType::new(RefType::FUNCREF, 2, Some(8)),
        Ref::Func(None),
    )?;
    let module = Module::new(&engine, MODULE)?;
    let instance = Instance::new(&mut store, &module, &[scale.into(), handlers.into()])?;

    let increment = Func::wrap(&mut store, |x: i32| x + 1);
    let double = instance
        .get_func(&mut store, "double")
        .expect("`double` is exported");
    handlers.set(&mut store, 0, Ref::Func(Some(increment)))?;
    handlers.set(&mut store, 1, double.into())?;
    let dispatch = instance.get_typed_func::<(i32, i32), i32>(&mut store, "dispatch")?;
    println!("handler 0 (10) = {}", dispatch.call(&mut store, (0, 10))?);
    scale.set(&mut store, Val::I32(3))?;
    println!(
        "handler 1 (10) x 3 = {}",
        dispatch.call(&mut store, (1, 10))?
    );
    println!("scale = {:?}", scale.get(&mut store).i32());

    // An empty slot, and one past the end.
    println!(
        "grow from {}",
        handlers.grow(&mut store, 2, Ref::Func(None))?
    );
    println!("table size: {}", handlers.size(&store));
    println!(
        "slot 2 is null: {}",
        handlers
            .get(&mut store, 2)
            .is_some_and(|r| r.unwrap_func().is_none())
    );
    println!("slot 99: {:?}", handlers.get(&mut store, 99).is_none());
    let error = dispatch.call(&mut store, (2, 1)).unwrap_err();
    println!("calling a null slot: {}", error.root_cause());
    println!(
        "setting past the end fails: {}",
        handlers.set(&mut store, 99, Ref::Func(None)).is_err()
    );

    let calls = instance
        .get_global(&mut store, "calls")
        .expect("`calls` is exported");
    println!("calls = {:?}", calls.get(&mut store).i64());
    let ty = calls.ty(&store);
    println!(
        "calls is a mutable i64: {}",
        ty.content().is_i64() && ty.mutability() == Mutability::Var
    );
    let constant = Global::new(
        &mut store,
        GlobalType::new(ValType::F32, Mutability::Const),
        Val::F32(2.5_f32.to_bits()),
    )?;
    println!("constant = {:?}", constant.get(&mut store).f32());
    println!(
        "setting a constant fails: {}",
        constant.set(&mut store, Val::F32(0)).is_err()
    );
    println!(
        "setting the wrong type fails: {}",
        scale.set(&mut store, Val::I64(1)).is_err()
    );

    // A table of external references holding host values.
    let things = Table::new(
        &mut store,
        TableType::new(RefType::EXTERNREF, 1, None),
        Ref::Extern(None),
    )?;
    let answer = ExternRef::new(&mut store, 42_u32)?;
    things.set(&mut store, 0, answer.into())?;
    let held = things
        .get(&mut store, 0)
        .and_then(|r| r.unwrap_extern().copied())
        .expect("an externref");
    let value = held
        .data(&store)?
        .and_then(|data| data.downcast_ref::<u32>())
        .copied();
    println!("externref holds {value:?}");

    // Reference values and their accessors.
    let as_val = Val::ExternRef(Some(held));
    println!(
        "as a Val: externref {}, anyref {}, funcref {}",
        as_val.externref().is_some(),
        as_val.anyref().is_some(),
        as_val.funcref().is_some()
    );
    let again = as_val.unwrap_externref().expect("not null");
    let value = again
        .data(&store)?
        .and_then(|data| data.downcast_ref::<u32>())
        .copied();
    println!("through unwrap_externref: {value:?}");
    let nulls = [
        Val::null_func_ref(),
        Val::null_extern_ref(),
        Val::null_any_ref(),
        Val::null_ref(&HeapType::Exn),
    ];
    for null in &nulls {
        let is_null = match null {
            Val::FuncRef(f) => f.is_none(),
            Val::ExternRef(e) => e.is_none(),
            Val::AnyRef(a) => a.is_none(),
            Val::ExnRef(e) => e.is_none(),
            _ => false,
        };
        println!("null {is_null}");
    }
    println!(
        "unwrap_funcref of a null: {:?}",
        nulls[0].unwrap_funcref().is_none()
    );
    println!(
        "anyref of a null anyref: {:?}",
        nulls[2].anyref().map(|a| a.is_none())
    );
    println!(
        "exnref of a null exnref: {:?}",
        nulls[3].exnref().map(|e| e.is_none())
    );
    Ok(())
}
