//! Call hooks as Wasmtime has them: `Store::call_hook` with a closure over
//! `CallHook`, seeing calls nest host -> wasm -> host -> wasm -> host, a
//! start function and a host function called by the host; `entering_host`
//! and `exiting_host`; and an error from the hook at each crossing, which
//! ends the call with it while the store goes on.

use wasmtime::{CallHook, Caller, Engine, Func, Instance, Linker, Module, Store};

/// `run` calls the host's `outer`, which calls the instance's `inner`,
/// which calls the host's `leaf`.
const NESTED: &str = r#"
(module
  (import "host" "outer" (func $outer (result i32)))
  (import "host" "leaf" (func $leaf (result i32)))
  (func (export "inner") (result i32) (i32.add (call $leaf) (i32.const 10)))
  (func (export "run") (result i32) (i32.add (call $outer) (i32.const 100))))
"#;

/// What the hook saw, and at which crossing (from 0) it fails.
#[derive(Default)]
struct Seen {
    hooks: Vec<String>,
    fail_at: Option<usize>,
}

fn hook(mut store: wasmtime::StoreContextMut<'_, Seen>, hook: CallHook) -> wasmtime::Result<()> {
    let direction = if hook.entering_host() {
        "to host"
    } else if hook.exiting_host() {
        "to wasm"
    } else {
        "nowhere"
    };
    let seen = store.data_mut();
    seen.hooks.push(format!("{hook:?} ({direction})"));
    if seen.fail_at == Some(seen.hooks.len() - 1) {
        wasmtime::bail!("the hook refused {hook:?}");
    }
    Ok(())
}

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, NESTED)?;
    let mut store = Store::new(&engine, Seen::default());
    store.call_hook(hook);

    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "outer", |mut caller: Caller<'_, Seen>| {
        let inner = caller.get_export("inner").unwrap().into_func().unwrap();
        inner.typed::<(), i32>(&caller)?.call(&mut caller, ())
    })?;
    linker.func_wrap("host", "leaf", || 1)?;
    let instance = linker.instantiate(&mut store, &module)?;
    let run = instance.get_typed_func::<(), i32>(&mut store, "run")?;

    println!("run: {}", run.call(&mut store, ())?);
    let crossings = std::mem::take(&mut store.data_mut().hooks);
    for crossing in &crossings {
        println!("  {crossing}");
    }

    for fail_at in 0..crossings.len() {
        store.data_mut().fail_at = Some(fail_at);
        match run.call(&mut store, ()) {
            Ok(n) => println!("failing at {fail_at}: run returned {n}"),
            Err(e) => println!("failing at {fail_at}: {}", e.root_cause()),
        }
        println!(
            "  saw {}",
            std::mem::take(&mut store.data_mut().hooks).join(", ")
        );
        store.data_mut().fail_at = None;
        println!("  then run: {}", run.call(&mut store, ())?);
        store.data_mut().hooks.clear();
    }

    let start = Module::new(&engine, r#"(module (func $start) (start $start))"#)?;
    Instance::new(&mut store, &start, &[])?;
    println!(
        "start function: {}",
        store
            .data_mut()
            .hooks
            .drain(..)
            .collect::<Vec<_>>()
            .join(", ")
    );

    let double = Func::wrap(&mut store, |x: i32| x * 2);
    let doubled = double.typed::<i32, i32>(&store)?.call(&mut store, 21)?;
    println!(
        "host function {doubled}: {}",
        store
            .data_mut()
            .hooks
            .drain(..)
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
