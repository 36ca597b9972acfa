//! Creating an instance: an engine, a store, a module compiled from bytes,
//! and an instance of it whose export we call.
//!
//! Written against Wasmtime 48's API; part of the compatibility corpus
//! (tests/compat). Run with
//! `cargo run -p egret-compat-on-egret --bin instance_basics`.

use wasmtime::{Engine, Instance, Module, Store};

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    // `Module::new` takes the binary or the text format.
    let module = Module::new(
        &engine,
        r#"(module
             (func (export "answer") (result i32) i32.const 42))"#,
    )?;

    let instance = Instance::new(&mut store, &module, &[])?;
    let answer = instance.get_typed_func::<(), i32>(&mut store, "answer")?;
    println!("answer() = {}", answer.call(&mut store, ())?);
    Ok(())
}
