//! Creating an instance: an engine, a store, a module compiled from bytes,
//! and an instance of it whose export we call.
//!
//! Run with `cargo run --example instance_basics`.

use egret::{Engine, Instance, Module, Store};

fn main() -> egret::Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    // `Module::new` takes the binary or the text format.
    let wasm_bytes = wat::parse_str(
        r#"(module
             (func (export "answer") (result i32) i32.const 42))"#,
    )
    .expect("valid text");
    let module = Module::new(&engine, &wasm_bytes)?;

    let instance = Instance::new(&mut store, &module, &[])?;
    let answer = instance.get_typed_func::<(), i32>(&mut store, "answer")?;
    println!("answer() = {}", answer.call(&mut store, ())?);
    Ok(())
}
