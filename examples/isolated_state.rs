//! Isolated state: two instances of one module each have their own memory
//! contents, globals and counters, whether they share a store or not.
//!
//! Written against Wasmtime 48's API; part of the compatibility corpus
//! (tests/compat). Run with
//! `cargo run -p egret-compat-on-egret --bin isolated_state`.

use wasmtime::{Engine, Instance, Module, Store};

const COUNTER: &str = r#"
(module
  (memory (export "memory") 1)
  (global $count (export "count") (mut i32) (i32.const 0))
  ;; Increments the counter and stores it at address 0.
  (func (export "tick") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $count))
    (global.get $count)))
"#;

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, COUNTER)?;

    // Two instances in one store.
    let mut store = Store::new(&engine, ());
    let first = Instance::new(&mut store, &module, &[])?;
    let second = Instance::new(&mut store, &module, &[])?;
    let tick_first = first.get_typed_func::<(), i32>(&mut store, "tick")?;
    let tick_second = second.get_typed_func::<(), i32>(&mut store, "tick")?;
    for _ in 0..3 {
        tick_first.call(&mut store, ())?;
    }
    tick_second.call(&mut store, ())?;

    let count = |instance: Instance, store: &mut Store<()>| -> wasmtime::Result<i32> {
        let global = instance
            .get_global(&mut *store, "count")
            .ok_or_else(|| wasmtime::Error::msg("no global `count`"))?;
        Ok(global.get(&mut *store).i32().unwrap_or_default())
    };
    let memory_word = |instance: Instance, store: &mut Store<()>| -> wasmtime::Result<u32> {
        let memory = instance
            .get_memory(&mut *store, "memory")
            .ok_or_else(|| wasmtime::Error::msg("no memory `memory`"))?;
        let mut word = [0; 4];
        memory.read(&*store, 0, &mut word)?;
        Ok(u32::from_le_bytes(word))
    };
    println!(
        "same store: first counted {} (memory says {}), second counted {} (memory says {})",
        count(first, &mut store)?,
        memory_word(first, &mut store)?,
        count(second, &mut store)?,
        memory_word(second, &mut store)?,
    );

    // Instances in two stores are just as separate.
    let mut store2 = Store::new(&engine, ());
    let third = Instance::new(&mut store2, &module, &[])?;
    let tick_third = third.get_typed_func::<(), i32>(&mut store2, "tick")?;
    println!(
        "other store: first tick gives {}",
        tick_third.call(&mut store2, ())?
    );
    Ok(())
}
