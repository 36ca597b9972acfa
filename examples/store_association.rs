//! Store association: every instance, function, memory, global and table
//! belongs to the store it was created in. Using it with another store is
//! refused, never undefined behaviour: Wasmtime panics where the method has
//! no room for an error, Egret returns its error (`None` from the getters
//! that answer an `Option`). This program accepts either and prints the
//! same.
//!
//! Written against Wasmtime 48's API; part of the compatibility corpus
//! (tests/compat). Run with
//! `cargo run -p egret-compat-on-egret --bin store_association`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use wasmtime::{Engine, Instance, Module, Store};

/// Whether `attempt` was refused: it panicked, or it gave no value.
fn refused<T, E>(attempt: impl FnOnce() -> Result<T, E>) -> bool {
    !matches!(catch_unwind(AssertUnwindSafe(attempt)), Ok(Ok(_)))
}

fn main() -> wasmtime::Result<()> {
    // The panics are expected: keep them off the output.
    std::panic::set_hook(Box::new(|_| {}));

    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (func (export "f")) (memory (export "m") 1))"#,
    )?;
    let mut store1 = Store::new(&engine, ());
    let mut store2 = Store::new(&engine, ());

    let instance1 = Instance::new(&mut store1, &module, &[])?;
    let instance2 = Instance::new(&mut store2, &module, &[])?;

    let f = instance1
        .get_func(&mut store1, "f")
        .expect("`f` is exported");
    let memory = instance1
        .get_memory(&mut store1, "m")
        .expect("`m` is exported");

    println!(
        "calling store1's function with store2 refused: {}",
        refused(|| f.call(&mut store2, &[], &mut []))
    );
    println!(
        "sizing store1's memory through store2 refused: {}",
        refused(|| Ok::<_, ()>(memory.size(&store2)))
    );
    println!(
        "looking up store1's instance in store2 refused: {}",
        refused(|| instance1.get_export(&mut store2, "f").ok_or(()))
    );
    // Importing an item from another store is an error in both.
    let importer = Module::new(&engine, r#"(module (import "x" "f" (func)))"#)?;
    println!(
        "instantiating in store2 with store1's function refused: {}",
        Instance::new(&mut store2, &importer, &[f.into()]).is_err()
    );
    // Each store is unaffected, and its own handles work in it.
    f.call(&mut store1, &[], &mut [])?;
    let f2 = instance2.get_typed_func::<(), ()>(&mut store2, "f")?;
    f2.call(&mut store2, ())?;
    println!("store1 and store2 still work");
    Ok(())
}
