//! Error handling: every failure is a `wasmtime::Error` with a clear
//! message, a trap is found in it with `downcast_ref::<Trap>()`, and the
//! store stays usable afterwards.
//!
//! Written against Wasmtime 48's API; part of the compatibility corpus
//! (tests/compat). Run with
//! `cargo run -p egret-compat-on-egret --bin error_handling`.

use wasmtime::{Engine, Instance, Linker, Module, Store, Trap, WasmBacktrace};

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());

    // Bytes that are not a module at all, and a well-formed module that
    // does not validate: both fail to compile (the messages differ between
    // runtimes, so only the outcome is printed).
    let garbage = Module::new(&engine, b"\0asm\x09\0\0\0 definitely not wasm");
    println!("invalid bytes rejected: {}", garbage.is_err());
    let invalid = Module::new(&engine, r#"(module (func (result i32) (i64.const 1)))"#);
    println!("invalid module rejected: {}", invalid.is_err());

    // A missing import.
    let needs_import = Module::new(&engine, r#"(module (import "env" "missing" (func)))"#)?;
    match Linker::new(&engine).instantiate(&mut store, &needs_import) {
        Err(e) => println!("missing import: {e}"),
        Ok(_) => println!("unexpected success"),
    }

    // A trap: the error is a `Trap` with a `WasmBacktrace` as context.
    let module = Module::new(
        &engine,
        r#"(module $demo (func $boom (export "boom") unreachable))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let boom = instance.get_typed_func::<(), ()>(&mut store, "boom")?;
    let error = boom.call(&mut store, ()).unwrap_err();
    let trap = error.downcast_ref::<Trap>().expect("a trap");
    println!("trap ({trap:?}): {trap}");
    println!("is a trap: {}", error.is::<Trap>());
    if let Some(backtrace) = error.downcast_ref::<WasmBacktrace>() {
        for frame in backtrace.frames() {
            println!(
                "  in function {} ({})",
                frame.func_index(),
                frame.func_name().unwrap_or("<unnamed>")
            );
        }
    }
    // (`{error:?}` prints the backtrace too, which in Wasmtime has code
    // offsets that Egret does not keep: print the cause only.)
    println!("root cause: {}", error.root_cause());

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
