//! Error handling: every failure is an `egret::Error` with a clear message,
//! and the store stays usable afterwards.
//!
//! Run with `cargo run --example error_handling`.

use egret::{Engine, Error, Instance, Linker, Module, Store, Trap, WasmBacktrace};

fn main() -> egret::Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());

    // Bytes that are not a module at all.
    match Module::new(&engine, b"\0asm\x09\0\0\0 definitely not wasm") {
        Err(e @ Error::Compile(_)) => println!("invalid bytes: {e}"),
        other => println!("unexpected: {other:?}"),
    }

    // A well-formed module that does not validate.
    match Module::new(&engine, r#"(module (func (result i32) (i64.const 1)))"#) {
        Err(e @ Error::Compile(_)) => println!("invalid module: {e}"),
        other => println!("unexpected: {other:?}"),
    }

    // A handle used with the wrong store.
    let module = Module::new(&engine, r#"(module (func (export "boom") unreachable))"#)?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let boom = instance
        .get_func(&mut store, "boom")
        .expect("`boom` is exported");
    let mut other_store = Store::new(&engine, ());
    match boom.call(&mut other_store, &[], &mut []) {
        Err(e @ Error::WrongStore) => println!("wrong store: {e}"),
        other => println!("unexpected: {other:?}"),
    }

    // A missing import.
    let needs_import = Module::new(&engine, r#"(module (import "env" "missing" (func)))"#)?;
    match Linker::new(&engine).instantiate(&mut store, &needs_import) {
        Err(e @ Error::Link(_)) => println!("missing import: {e}"),
        other => println!("unexpected: {other:?}"),
    }

    // A trap: the error is a `Trap` with a `WasmBacktrace` as context.
    match boom.call(&mut store, &[], &mut []) {
        Err(e) if e.is::<Trap>() => {
            let trap = e.downcast_ref::<Trap>().expect("a trap");
            println!("trap ({trap:?}): {trap}");
            if let Some(backtrace) = e.downcast_ref::<WasmBacktrace>() {
                println!("{backtrace}");
            }
        }
        other => println!("unexpected: {other:?}"),
    }

    // The store is still usable after all of that.
    let ok = Module::new(
        &engine,
        r#"(module (func (export "ok") (result i32) i32.const 1))"#,
    )?;
    let ok = Instance::new(&mut store, &ok, &[])?;
    let ok = ok.get_typed_func::<(), i32>(&mut store, "ok")?;
    println!("store still works: ok() = {}", ok.call(&mut store, ())?);
    Ok(())
}
