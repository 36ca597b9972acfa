//! Bounding and configuring wasm as Wasmtime does: `Config` switches
//! (Cranelift's optimisation level and NaN canonicalisation, the wasm
//! stack limit, fuel, epoch interruption, proposals), fuel
//! (`Store::set_fuel`/`get_fuel`), epoch deadlines that trap or call back,
//! `Engine::increment_epoch` and `Engine::same`, resource limits,
//! `WasmBacktrace::capture` from a host function, and the GC collector
//! choice (`Config::collector`).

use wasmtime::{
    Caller, Collector, Config, Engine, Instance, Linker, Module, OptLevel, Store, StoreLimits,
    StoreLimitsBuilder, Trap, UpdateDeadline, WasmBacktrace,
};

const SPIN: &str = r#"
(module
  (func (export "spin") (param $n i32) (result i32)
    (local $i i32)
    (loop $again
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  (func (export "forever") (loop $again (br $again))))
"#;

fn main() -> wasmtime::Result<()> {
    // Fuel.
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .cranelift_opt_level(OptLevel::Speed)
        .cranelift_nan_canonicalization(true)
        .wasm_simd(true)
        .wasm_bulk_memory(true)
        .wasm_multi_value(true)
        .wasm_reference_types(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, SPIN)?;
    let mut store = Store::new(&engine, ());
    println!("fuel at start: {}", store.get_fuel()?);
    store.set_fuel(1_000_000)?;
    println!("fuel after set_fuel: {}", store.get_fuel()?);
    let instance = Instance::new(&mut store, &module, &[])?;
    let spin = instance.get_typed_func::<i32, i32>(&mut store, "spin")?;
    println!("spin(100) = {}", spin.call(&mut store, 100)?);
    let left = store.get_fuel()?;
    println!("fuel was consumed: {}", left < 1_000_000);
    let error = spin.call(&mut store, i32::MAX).unwrap_err();
    println!(
        "out of fuel: {:?} ({})",
        error.downcast_ref::<Trap>(),
        error.root_cause()
    );
    println!("fuel left: {}", store.get_fuel()?);
    store.set_fuel(10_000)?;
    println!("refuelled: spin(10) = {}", spin.call(&mut store, 10)?);
    let plain = Engine::default();
    let plain_store = Store::new(&plain, ());
    println!(
        "get_fuel without consume_fuel fails: {}",
        plain_store.get_fuel().is_err()
    );

    // Epochs: a deadline that traps.
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, SPIN)?;
    let mut store = Store::new(&engine, 0_u32);
    store.set_epoch_deadline(1);
    store.epoch_deadline_trap();
    let instance = Instance::new(&mut store, &module, &[])?;
    let forever = instance.get_typed_func::<(), ()>(&mut store, "forever")?;
    let ticker = {
        let engine = engine.clone();
        std::thread::spawn(move || {
            for _ in 0..200 {
                std::thread::sleep(std::time::Duration::from_millis(5));
                engine.increment_epoch();
            }
        })
    };
    let error = forever.call(&mut store, ()).unwrap_err();
    println!(
        "epoch deadline: {:?} ({})",
        error.downcast_ref::<Trap>(),
        error.root_cause()
    );

    // Epochs: a callback that extends the deadline three times, then stops.
    store.epoch_deadline_callback(|mut context| {
        *context.data_mut() += 1;
        if *context.data() < 3 {
            Ok(UpdateDeadline::Continue(1))
        } else {
            wasmtime::bail!("stopped after {} deadlines", context.data())
        }
    });
    store.set_epoch_deadline(1);
    let error = forever.call(&mut store, ()).unwrap_err();
    println!("epoch callback: {}", error.root_cause());
    println!("callback ran {} times", store.data());
    ticker.join().expect("the ticker thread ends");

    // Engines: clones are the same engine, two engines are not.
    let again = engine.clone();
    println!(
        "Engine::same: clone {}, other {}",
        Engine::same(&engine, &again),
        Engine::same(&engine, &plain)
    );

    // The wasm stack limit: deep recursion traps, shallow does not.
    let mut config = Config::new();
    config.max_wasm_stack(128 * 1024);
    let engine = Engine::new(&config)?;
    let module = Module::new(
        &engine,
        r#"(module
             (func $depth (export "depth") (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0))
                 (then (i32.const 0))
                 (else (i32.add (i32.const 1)
                         (call $depth (i32.sub (local.get 0) (i32.const 1))))))))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let depth = instance.get_typed_func::<i32, i32>(&mut store, "depth")?;
    println!("depth(100) = {}", depth.call(&mut store, 100)?);
    let error = depth.call(&mut store, 10_000_000).unwrap_err();
    println!("deep recursion: {:?}", error.downcast_ref::<Trap>());

    // Resource limits.
    let mut store = Store::new(
        &engine,
        StoreLimitsBuilder::new().memory_size(2 * 65536).build(),
    );
    store.limiter(|limits: &mut StoreLimits| limits);
    let module = Module::new(
        &engine,
        r#"(module (memory (export "m") 1)
             (func (export "grow") (param i32) (result i32)
               (memory.grow (local.get 0))))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
    println!("grow by 1: {}", grow.call(&mut store, 1)?);
    println!("grow past the limit: {}", grow.call(&mut store, 1)?);

    // A host function captures the wasm frames that called it.
    let engine = Engine::default();
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "where", |caller: Caller<'_, ()>| {
        let backtrace = WasmBacktrace::capture(&caller);
        let names: Vec<String> = backtrace
            .frames()
            .iter()
            .map(|frame| {
                format!(
                    "{} at {:?} ({:?} into the body)",
                    frame.func_name().unwrap_or("?"),
                    frame.module_offset(),
                    frame.func_offset()
                )
            })
            .collect();
        println!("called from: {}", names.join(" <- "));
    })?;
    let module = Module::new(
        &engine,
        r#"(module $traced
             (import "host" "where" (func $where))
             (func $inner (call $where))
             (func $outer (export "outer") (call $inner)))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    let outer = instance.get_typed_func::<(), ()>(&mut store, "outer")?;
    outer.call(&mut store, ())?;
    println!(
        "outside wasm: {} frames",
        WasmBacktrace::capture(&store).frames().len()
    );

    // Garbage under each collector, in a store whose limiter caps the GC
    // heap at 4 MiB: collected, the churn fits; never collected, it fails.
    for collector in [
        Collector::Auto,
        Collector::DeferredReferenceCounting,
        Collector::Null,
    ] {
        churn(collector)?;
    }
    Ok(())
}

/// Allocates 500,000 structs of 8 bytes of fields, keeping none, under
/// `collector`; prints whether that worked.
fn churn(collector: Collector) -> wasmtime::Result<()> {
    let engine = Engine::new(Config::new().wasm_gc(true).collector(collector))?;
    let module = Module::new(
        &engine,
        r#"(module
             (type $pair (struct (field i32) (field i32)))
             (func (export "churn") (param $n i32)
               (loop $again
                 (drop (struct.new $pair (local.get $n) (local.get $n)))
                 (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                 (br_if $again (local.get $n)))))"#,
    )?;
    let limits = StoreLimitsBuilder::new().memory_size(4 << 20).build();
    let mut store = Store::new(&engine, limits);
    store.limiter(|limits| limits);
    let instance = Instance::new(&mut store, &module, &[])?;
    let churn = instance.get_typed_func::<i32, ()>(&mut store, "churn")?;
    match churn.call(&mut store, 500_000) {
        Ok(()) => println!("{collector:?} collector: the churn fits"),
        Err(_) => println!("{collector:?} collector: the churn runs out of GC heap"),
    }
    Ok(())
}
