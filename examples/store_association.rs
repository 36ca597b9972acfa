//! Store association: every instance, function, memory, global and table
//! belongs to the store it was created in. Using it with another store is
//! an error, never undefined behaviour.
//!
//! Run with `cargo run --example store_association`.

use egret::{Engine, Error, Instance, Module, Store};

fn main() -> egret::Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (func (export "f")) (memory (export "m") 1))"#,
    )?;
    let mut store1 = Store::new(&engine, ());
    let mut store2 = Store::new(&engine, ());

    let instance1 = Instance::new(&mut store1, &module, &[])?;
    let _instance2 = Instance::new(&mut store2, &module, &[])?;

    let f = instance1
        .get_func(&mut store1, "f")
        .expect("`f` is exported");
    let memory = instance1
        .get_memory(&mut store1, "m")
        .expect("`m` is exported");

    match f.call(&mut store2, &[], &mut []) {
        Err(Error::WrongStore) => println!("calling store1's function with store2: refused"),
        other => println!("unexpected: {other:?}"),
    }
    // `memory.size(&store2)` would panic, as in Wasmtime; `try_size` says
    // what is wrong instead.
    match memory.try_size(&store2) {
        Err(e) => println!("reading store1's memory through store2: {e}"),
        Ok(size) => println!("unexpected: {size}"),
    }
    // Wasmtime's getters answer `None`; their `try_` twins say why.
    match instance1.try_get_export(&store2, "f") {
        Err(e) => println!("looking up store1's instance in store2: {e}"),
        Ok(_) => println!("unexpected success"),
    }
    // Importing an item from another store is refused too.
    let importer = Module::new(&engine, r#"(module (import "x" "f" (func)))"#)?;
    match Instance::new(&mut store2, &importer, &[f.into()]) {
        Err(e) => println!("instantiating in store2 with store1's function: {e}"),
        Ok(_) => println!("unexpected success"),
    }
    // The store itself is unaffected.
    f.call(&mut store1, &[], &mut [])?;
    println!("store1 still works");
    Ok(())
}
