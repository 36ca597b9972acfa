//! Several instances in one store: they share what the store holds (an
//! imported memory, host data, host functions) and keep their own module
//! state.
//!
//! Written against Wasmtime 48's API; part of the compatibility corpus
//! (tests/compat). Run with
//! `cargo run -p egret-compat-on-egret --bin shared_store`.

use wasmtime::{Caller, Engine, Func, Instance, Memory, MemoryType, Module, Store};

const WRITER: &str = r#"
(module
  (import "env" "memory" (memory 1))
  (import "env" "note" (func $note (param i32)))
  (global $writes (mut i32) (i32.const 0))
  ;; Writes `value` at `addr` in the shared memory and tells the host.
  (func (export "write") (param $addr i32) (param $value i32)
    (i32.store (local.get $addr) (local.get $value))
    (global.set $writes (i32.add (global.get $writes) (i32.const 1)))
    (call $note (global.get $writes))))
"#;

const READER: &str = r#"
(module
  (import "env" "memory" (memory 1))
  (func (export "read") (param $addr i32) (result i32)
    (i32.load (local.get $addr))))
"#;

/// Host data shared by every instance in the store.
#[derive(Default)]
struct Log {
    notes: Vec<i32>,
}

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Log::default());

    let memory = Memory::new(&mut store, MemoryType::new(1, None))?;
    let note = Func::wrap(&mut store, |mut caller: Caller<'_, Log>, n: i32| {
        caller.data_mut().notes.push(n);
    });

    let writer = Module::new(&engine, WRITER)?;
    let reader = Module::new(&engine, READER)?;
    let writer_a = Instance::new(&mut store, &writer, &[memory.into(), note.into()])?;
    let writer_b = Instance::new(&mut store, &writer, &[memory.into(), note.into()])?;
    let reader = Instance::new(&mut store, &reader, &[memory.into()])?;

    let write_a = writer_a.get_typed_func::<(i32, i32), ()>(&mut store, "write")?;
    let write_b = writer_b.get_typed_func::<(i32, i32), ()>(&mut store, "write")?;
    let read = reader.get_typed_func::<i32, i32>(&mut store, "read")?;

    write_a.call(&mut store, (0, 111))?;
    write_a.call(&mut store, (4, 222))?;
    write_b.call(&mut store, (8, 333))?;

    println!(
        "reader sees {} {} {} in the shared memory",
        read.call(&mut store, 0)?,
        read.call(&mut store, 4)?,
        read.call(&mut store, 8)?
    );
    // Each writer counted its own writes (module state), all into one log
    // (store state): writer_a noted 1 and 2, writer_b noted 1.
    println!("host log: {:?}", store.data().notes);
    Ok(())
}
