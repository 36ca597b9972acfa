//! Fuel, epoch interruption, resource limiters, the wasm stack limit, and
//! robustness against huge declarations and huge or deeply nested code,
//! through the public API.

mod common;

use common::trap_of;
use egret::*;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn engine_with(configure: impl FnOnce(&mut Config)) -> Engine {
    let mut config = Config::new();
    configure(&mut config);
    Engine::new(&config).expect("engine")
}

/// An infinite loop, an infinite recursion, an exponential call tree with
/// no loops (about 2^n calls, at most n deep), and a cheap function.
const SPINNERS: &str = r#"(module
    (func (export "spin") (loop $l (br $l)))
    (func $recurse (export "recurse") (call $recurse))
    (func $tree (export "tree") (param $n i32)
        (if (local.get $n) (then
            (call $tree (i32.sub (local.get $n) (i32.const 1)))
            (call $tree (i32.sub (local.get $n) (i32.const 1))))))
    (func (export "add") (param i32 i32) (result i32)
        (i32.add (local.get 0) (local.get 1)))
    (func (export "count") (param $n i32)
        (loop $l
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br_if $l (local.get $n)))))"#;

struct Spinners {
    spin: TypedFunc<(), ()>,
    recurse: TypedFunc<(), ()>,
    tree: TypedFunc<i32, ()>,
    add: TypedFunc<(i32, i32), i32>,
    count: TypedFunc<i32, ()>,
}

fn spinners(store: &mut Store<()>) -> Spinners {
    let module = Module::new(store.engine(), SPINNERS).unwrap();
    let instance = Instance::new(&mut *store, &module, &[]).unwrap();
    Spinners {
        spin: instance.get_typed_func(&mut *store, "spin").unwrap(),
        recurse: instance.get_typed_func(&mut *store, "recurse").unwrap(),
        tree: instance.get_typed_func(&mut *store, "tree").unwrap(),
        add: instance.get_typed_func(&mut *store, "add").unwrap(),
        count: instance.get_typed_func(&mut *store, "count").unwrap(),
    }
}

// ---------------------------------------------------------------- fuel

fn fuel_store() -> Store<()> {
    Store::new(&engine_with(|c| _ = c.consume_fuel(true)), ())
}

#[test]
fn fuel_stops_an_infinite_loop_and_the_store_stays_usable() {
    let mut store = fuel_store();
    store.set_fuel(10_000).unwrap();
    let f = spinners(&mut store);
    assert_eq!(trap_of(f.spin.call(&mut store, ())), Trap::OutOfFuel);
    assert_eq!(store.get_fuel().unwrap(), 0);
    // Refuelled, the same store runs again, and runs out again.
    store.set_fuel(1_000).unwrap();
    assert_eq!(f.add.call(&mut store, (2, 3)).unwrap(), 5);
    let left = store.get_fuel().unwrap();
    assert!(left < 1_000 && left > 990, "{left}");
    assert_eq!(trap_of(f.spin.call(&mut store, ())), Trap::OutOfFuel);
    assert_eq!(store.get_fuel().unwrap(), 0);
}

#[test]
fn fuel_stops_infinite_recursion_and_call_trees() {
    let mut store = fuel_store();
    let f = spinners(&mut store);
    // Little enough fuel to run out long before the stack does.
    store.set_fuel(1_000).unwrap();
    assert_eq!(trap_of(f.recurse.call(&mut store, ())), Trap::OutOfFuel);
    store.set_fuel(100_000).unwrap();
    assert_eq!(trap_of(f.tree.call(&mut store, 60)), Trap::OutOfFuel);
    assert_eq!(store.get_fuel().unwrap(), 0);
}

#[test]
fn fuel_counts_operators() {
    let mut store = fuel_store();
    let f = spinners(&mut store);
    // add: local.get, local.get, i32.add; end is free.
    store.set_fuel(100).unwrap();
    f.add.call(&mut store, (1, 2)).unwrap();
    assert_eq!(store.get_fuel().unwrap(), 97);
    // count: 6 operators per iteration.
    store.set_fuel(1_000_000).unwrap();
    f.count.call(&mut store, 1000).unwrap();
    let spent = 1_000_000 - store.get_fuel().unwrap();
    assert_eq!(spent, 6 * 1000);
    // Exactly enough fuel for 1000 iterations is not enough for 2000.
    store.set_fuel(spent + 6).unwrap();
    f.count.call(&mut store, 1000).unwrap();
    assert_eq!(trap_of(f.count.call(&mut store, 2000)), Trap::OutOfFuel);
}

#[test]
fn a_new_store_has_no_fuel() {
    let mut store = fuel_store();
    assert_eq!(store.get_fuel().unwrap(), 0);
    let module = Module::new(store.engine(), SPINNERS).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let add = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
        .unwrap();
    assert_eq!(trap_of(add.call(&mut store, (1, 2))), Trap::OutOfFuel);
    store.set_fuel(u64::MAX).unwrap();
    assert_eq!(add.call(&mut store, (1, 2)).unwrap(), 3);
    assert_eq!(store.get_fuel().unwrap(), i64::MAX as u64 - 3);
}

#[test]
fn fuel_is_an_error_when_not_enabled() {
    let mut store = Store::new(&Engine::default(), ());
    assert!(matches!(store.set_fuel(10), Err(Error::Misuse(_))));
    assert!(matches!(store.get_fuel(), Err(Error::Misuse(_))));
}

#[test]
fn host_functions_see_and_change_fuel() {
    let mut store = fuel_store();
    let module = Module::new(
        store.engine(),
        r#"(module
            (import "host" "refuel" (func $refuel (result i64)))
            (func (export "run") (param $n i32) (result i64)
                (local $seen i64)
                (loop $l
                    (local.set $seen (call $refuel))
                    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                    (br_if $l (local.get $n)))
                (local.get $seen)))"#,
    )
    .unwrap();
    // An iteration costs 8 fuel, so 1000 of them need far more than 50;
    // the host tops the fuel up to 50 at every call.
    let refuel = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| -> Result<i64> {
        let seen = caller.get_fuel()?;
        caller.set_fuel(50)?;
        Ok(seen as i64)
    });
    let instance = Instance::new(&mut store, &module, &[refuel.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, i64>(&mut store, "run")
        .unwrap();
    store.set_fuel(50).unwrap();
    let seen = run.call(&mut store, 1000).unwrap();
    // The host saw what wasm had spent since the last top-up.
    assert!(seen > 0 && seen < 50, "{seen}");
}

// -------------------------------------------------------------- epochs

#[test]
fn an_epoch_from_another_thread_stops_an_infinite_loop() {
    let engine = engine_with(|c| _ = c.epoch_interruption(true));
    let mut store = Store::new(&engine, ());
    let f = spinners(&mut store);
    store.set_epoch_deadline(1);
    let ticker = engine.clone();
    let ticked = Arc::new(AtomicBool::new(false));
    let ticked_here = ticked.clone();
    let thread = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        ticker.increment_epoch();
        ticked_here.store(true, Ordering::SeqCst);
        Instant::now()
    });
    let result = f.spin.call(&mut store, ());
    let stopped = Instant::now();
    let ticked_at = thread.join().unwrap();
    assert!(ticked.load(Ordering::SeqCst));
    assert_eq!(trap_of(result), Trap::Interrupt);
    // "Within milliseconds": generous, so a loaded machine does not fail.
    assert!(
        stopped.saturating_duration_since(ticked_at) < Duration::from_secs(2),
        "{:?}",
        stopped.saturating_duration_since(ticked_at)
    );
    // The store is usable again once the deadline is moved on.
    assert_eq!(trap_of(f.add.call(&mut store, (1, 2))), Trap::Interrupt);
    store.set_epoch_deadline(1);
    assert_eq!(f.add.call(&mut store, (1, 2)).unwrap(), 3);
}

#[test]
fn epochs_stop_infinite_recursion_and_call_trees() {
    let engine = engine_with(|c| _ = c.epoch_interruption(true));
    let mut store = Store::new(&engine, ());
    let f = spinners(&mut store);
    // A call tree has no loop: only the function-entry checks can stop it.
    store.set_epoch_deadline(1);
    let ticker = engine.clone();
    let thread = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        ticker.increment_epoch();
    });
    assert_eq!(trap_of(f.tree.call(&mut store, 60)), Trap::Interrupt);
    thread.join().unwrap();
    // Recursion meets the deadline at its first call.
    assert_eq!(trap_of(f.recurse.call(&mut store, ())), Trap::Interrupt);
    store.set_epoch_deadline(1);
    assert_eq!(trap_of(f.recurse.call(&mut store, ())), Trap::StackOverflow);
}

#[test]
fn a_new_store_has_reached_its_deadline() {
    let engine = engine_with(|c| _ = c.epoch_interruption(true));
    let mut store = Store::new(&engine, ());
    let f = spinners(&mut store);
    assert_eq!(trap_of(f.add.call(&mut store, (1, 2))), Trap::Interrupt);
    store.set_epoch_deadline(3);
    engine.increment_epoch();
    engine.increment_epoch();
    assert_eq!(f.add.call(&mut store, (1, 2)).unwrap(), 3);
    engine.increment_epoch();
    assert_eq!(trap_of(f.add.call(&mut store, (1, 2))), Trap::Interrupt);
}

#[test]
fn fuel_and_epochs_together() {
    let engine = engine_with(|c| _ = c.consume_fuel(true).epoch_interruption(true));
    let mut store = Store::new(&engine, ());
    let f = spinners(&mut store);
    store.set_fuel(1_000_000_000_000).unwrap();
    store.set_epoch_deadline(1);
    let ticker = engine.clone();
    let thread = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        ticker.increment_epoch();
    });
    assert_eq!(trap_of(f.spin.call(&mut store, ())), Trap::Interrupt);
    thread.join().unwrap();
    // The interrupted loop's consumption reached the store.
    let left = store.get_fuel().unwrap();
    assert!(left < 1_000_000_000_000, "{left}");
    store.set_epoch_deadline(1);
    store.set_fuel(100).unwrap();
    assert_eq!(trap_of(f.spin.call(&mut store, ())), Trap::OutOfFuel);
}

// ------------------------------------------------------------ limiters

const GROWER: &str = r#"(module
    (memory (export "memory") 1)
    (table (export "table") 1 funcref)
    (func (export "grow_memory") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "grow_table") (param i32) (result i32)
        (table.grow (ref.null func) (local.get 0))))"#;

struct Grower {
    memory: Memory,
    table: Table,
    grow_memory: TypedFunc<i32, i32>,
    grow_table: TypedFunc<i32, i32>,
}

fn grower<T: 'static>(store: &mut Store<T>) -> Grower {
    let module = Module::new(store.engine(), GROWER).unwrap();
    let instance = Instance::new(&mut *store, &module, &[]).unwrap();
    Grower {
        memory: instance.get_memory(&mut *store, "memory").unwrap(),
        table: instance.get_table(&mut *store, "table").unwrap(),
        grow_memory: instance.get_typed_func(&mut *store, "grow_memory").unwrap(),
        grow_table: instance.get_typed_func(&mut *store, "grow_table").unwrap(),
    }
}

fn limited(limits: StoreLimits) -> Store<StoreLimits> {
    let mut store = Store::new(&Engine::default(), limits);
    store.limiter(|limits| limits);
    store
}

#[test]
fn a_limiter_refuses_memory_growth() {
    let mut store = limited(StoreLimitsBuilder::new().memory_size(3 << 16).build());
    let g = grower(&mut store);
    assert_eq!(g.grow_memory.call(&mut store, 2).unwrap(), 1);
    assert_eq!(g.grow_memory.call(&mut store, 1).unwrap(), -1);
    assert_eq!(g.grow_memory.call(&mut store, 0).unwrap(), 3);
    assert!(matches!(
        g.memory.grow(&mut store, 1),
        Err(Error::Resource(_))
    ));
    assert_eq!(g.memory.size(&store), 3);
    // Host-created memories are limited too.
    assert!(Memory::new(&mut store, MemoryType::new(4, None)).is_err());
    let small = Memory::new(&mut store, MemoryType::new(3, None)).unwrap();
    assert!(small.grow(&mut store, 1).is_err());
}

#[test]
fn a_limiter_refuses_table_growth() {
    let mut store = limited(StoreLimitsBuilder::new().table_elements(10).build());
    let g = grower(&mut store);
    assert_eq!(g.grow_table.call(&mut store, 9).unwrap(), 1);
    assert_eq!(g.grow_table.call(&mut store, 1).unwrap(), -1);
    assert!(matches!(
        g.table.grow(&mut store, 1, Ref::Func(None)),
        Err(Error::Resource(_))
    ));
    assert_eq!(g.table.size(&store), 10);
    assert!(
        Table::new(
            &mut store,
            TableType::new(RefType::FUNCREF, 11, None),
            Ref::Func(None)
        )
        .is_err()
    );
}

#[test]
fn a_module_larger_than_the_limit_fails_to_instantiate() {
    let mut store = limited(StoreLimitsBuilder::new().memory_size(16 << 20).build());
    let module = Module::new(store.engine(), "(module (memory 65536))").unwrap();
    match Instance::new(&mut store, &module, &[]) {
        Err(Error::Resource(message)) => {
            assert!(message.contains("memory minimum size"), "{message}")
        }
        other => panic!("expected a resource error, got {other:?}"),
    }
    // 256 pages is exactly 16 MiB.
    let module = Module::new(store.engine(), "(module (memory 256))").unwrap();
    Instance::new(&mut store, &module, &[]).unwrap();
}

#[test]
fn counts_of_instances_memories_and_tables_are_capped() {
    let mut store = limited(StoreLimitsBuilder::new().instances(2).build());
    let empty = Module::new(store.engine(), "(module)").unwrap();
    Instance::new(&mut store, &empty, &[]).unwrap();
    Instance::new(&mut store, &empty, &[]).unwrap();
    match Instance::new(&mut store, &empty, &[]) {
        Err(Error::Resource(message)) => assert!(message.contains("instance count"), "{message}"),
        other => panic!("expected a resource error, got {other:?}"),
    }

    let mut store = limited(StoreLimitsBuilder::new().memories(2).tables(1).build());
    let with_memory = Module::new(store.engine(), "(module (memory 1))").unwrap();
    let with_table = Module::new(store.engine(), "(module (table 1 funcref))").unwrap();
    Instance::new(&mut store, &with_memory, &[]).unwrap();
    Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    match Instance::new(&mut store, &with_memory, &[]) {
        Err(Error::Resource(message)) => assert!(message.contains("memory count"), "{message}"),
        other => panic!("expected a resource error, got {other:?}"),
    }
    assert!(Memory::new(&mut store, MemoryType::new(1, None)).is_err());
    Instance::new(&mut store, &with_table, &[]).unwrap();
    match Instance::new(&mut store, &with_table, &[]) {
        Err(Error::Resource(message)) => assert!(message.contains("table count"), "{message}"),
        other => panic!("expected a resource error, got {other:?}"),
    }
    // Modules that need none of them still instantiate.
    let empty = Module::new(store.engine(), "(module)").unwrap();
    Instance::new(&mut store, &empty, &[]).unwrap();
}

/// A limiter that fails (or panics) instead of refusing.
struct Failing {
    panic: bool,
}

#[derive(Debug)]
struct Denied;

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("denied by policy")
    }
}

impl std::error::Error for Denied {}

impl ResourceLimiter for Failing {
    fn memory_growing(&mut self, current: usize, _: usize, _: Option<usize>) -> Result<bool> {
        if current == 0 {
            return Ok(true); // creation
        }
        if self.panic {
            panic!("limiter panicked");
        }
        Err(Error::Host(Box::new(Denied)))
    }

    fn table_growing(&mut self, current: usize, _: usize, _: Option<usize>) -> Result<bool> {
        if current == 0 {
            return Ok(true);
        }
        Err(Error::msg("no more elements"))
    }
}

#[test]
fn a_failing_limiter_stops_wasm_and_fails_the_host() {
    let mut store = Store::new(&Engine::default(), Failing { panic: false });
    store.limiter(|l| l);
    let g = grower(&mut store);
    let err = g.grow_memory.call(&mut store, 1).unwrap_err();
    assert!(
        !err.is::<Trap>(),
        "a limiter's error is not a trap: {err:?}"
    );
    assert!(err.is::<WasmBacktrace>(), "{err:?}");
    assert!(err.downcast_ref::<Denied>().is_some(), "{err:?}");
    let err = g.memory.grow(&mut store, 1).unwrap_err();
    assert!(err.downcast_ref::<Denied>().is_some(), "{err}");
    let err = g.grow_table.call(&mut store, 1).unwrap_err();
    assert_eq!(err.root_cause().to_string(), "no more elements", "{err:?}");
    // Growing by nothing does not ask.
    assert_eq!(g.grow_memory.call(&mut store, 0).unwrap(), 1);
    assert_eq!(g.memory.size(&store), 1);

    // A limiter's panic reaches the embedder; the store stays usable.
    store.data_mut().panic = true;
    let grow = g.grow_memory;
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = grow.call(&mut store, 1);
    }));
    assert!(caught.is_err());
    assert_eq!(g.grow_memory.call(&mut store, 0).unwrap(), 1);
}

#[test]
fn trap_on_grow_failure_turns_refusals_into_errors() {
    let mut store = limited(
        StoreLimitsBuilder::new()
            .memory_size(1 << 16)
            .trap_on_grow_failure(true)
            .build(),
    );
    let g = grower(&mut store);
    // An error that stops wasm, as Wasmtime's: not a `Trap`.
    let err = g.grow_memory.call(&mut store, 1).unwrap_err();
    assert!(!err.is::<Trap>(), "{err:?}");
    assert!(
        err.root_cause().to_string().starts_with("resource limit: "),
        "{err:?}"
    );
    assert!(matches!(
        g.memory.grow(&mut store, 1),
        Err(Error::Resource(_))
    ));
}

#[test]
fn a_limiter_in_a_field_of_the_store_data() {
    struct Host {
        calls: usize,
        limits: StoreLimits,
    }
    let limits = StoreLimitsBuilder::new().memory_size(2 << 16).build();
    let mut store = Store::new(&Engine::default(), Host { calls: 0, limits });
    store.limiter(|host| {
        host.calls += 1;
        &mut host.limits
    });
    let g = grower(&mut store);
    assert_eq!(g.grow_memory.call(&mut store, 1).unwrap(), 1);
    assert_eq!(g.grow_memory.call(&mut store, 1).unwrap(), -1);
    // Installing (to read the counts), creating the memory and the table,
    // and two grows.
    assert_eq!(store.data().calls, 5);
}

// --------------------------------------------------------- stack limit

const DEPTH: &str = r#"(module
    (func $depth (export "depth") (param $n i32) (result i32)
      (if (result i32) (i32.eqz (local.get $n))
        (then (i32.const 0))
        (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get $n) (i32.const 1))))))))"#;

fn depth_with_stack(max_wasm_stack: usize, depth: i32) -> Result<i32> {
    let engine = engine_with(|c| _ = c.max_wasm_stack(max_wasm_stack));
    let module = Module::new(&engine, DEPTH)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_typed_func::<i32, i32>(&mut store, "depth")?;
    f.call(&mut store, depth)
}

#[test]
fn max_wasm_stack_is_honoured() {
    // Every frame holds at least a return address and a frame pointer,
    // so 2000 frames need more than 16 KiB, and fit easily in 1 MiB.
    assert_eq!(
        trap_of(depth_with_stack(16 << 10, 2000)),
        Trap::StackOverflow
    );
    assert_eq!(depth_with_stack(1 << 20, 2000).unwrap(), 2000);
    assert_eq!(depth_with_stack(16 << 10, 10).unwrap(), 10);
}

/// Recursion whose every frame keeps `values` i64s alive across the
/// recursive call, so each frame spills them: with 1,000 values a frame is
/// larger than two guard pages.
fn big_frames(values: usize) -> String {
    let mut wat = String::from(
        "(module (memory 1)
           (func $deep (export \"deep\") (param $n i32) (result i64)",
    );
    for i in 0..values {
        write!(wat, " (i64.load offset={} (i32.const 0))", i * 8 % 60_000).unwrap();
    }
    wat.push_str(" (call $deep (i32.add (local.get $n) (i32.const 1)))");
    for _ in 0..values {
        wat.push_str(" i64.add");
    }
    wat.push_str("))");
    wat
}

#[test]
fn frames_larger_than_the_guard_page_trap_instead_of_jumping_over_it() {
    let engine = Engine::default();
    let module = Module::new(&engine, big_frames(1_000)).unwrap();
    // A thread with less stack than the configured maximum (512 KiB): the
    // limit is clamped into its own stack.
    let kind = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            let mut store = Store::new(module.engine(), ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let deep = instance
                .get_typed_func::<i32, i64>(&mut store, "deep")
                .unwrap();
            let kind = trap_of(deep.call(&mut store, 0));
            // The store is usable afterwards.
            assert_eq!(trap_of(deep.call(&mut store, 0)), Trap::StackOverflow);
            kind
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(kind, Trap::StackOverflow);
}

/// A module whose `run` calls the host, which re-enters `depth` (a
/// recursion `n` deep, practically unbounded for negative `n`) from
/// another thread.
const REENTER: &str = r#"(module
    (import "host" "reenter" (func $reenter (result i32)))
    (func $depth (export "depth") (param $n i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
            (then (i32.const 0))
            (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get $n) (i32.const 1)))))))
    (func (export "add") (param i32 i32) (result i32)
        (i32.add (local.get 0) (local.get 1)))
    (func (export "run") (result i32) (call $reenter)))"#;

/// Calls `depth` through `caller` on a scoped thread with `stack` bytes
/// of stack: 1,000 deep, which must work, then unbounded, which must trap.
fn recurse_on_thread(caller: &mut Caller<'_, ()>, stack: usize) -> Result<(i32, Trap)> {
    let depth = caller
        .get_export("depth")
        .and_then(Extern::into_func)
        .expect("depth is exported")
        .typed::<i32, i32>(&*caller)?;
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(stack)
            .spawn_scoped(scope, || {
                let finite = depth.call(&mut *caller, 1_000)?;
                Ok((finite, trap_of(depth.call(caller, -1))))
            })
            .unwrap()
            .join()
            .unwrap()
    })
}

#[test]
fn wasm_reentered_from_another_thread_gets_a_stack_limit_for_that_thread() {
    for stack in [2 << 20, 256 << 10] {
        let engine = Engine::default();
        let module = Module::new(&engine, REENTER).unwrap();
        let mut store = Store::new(&engine, ());
        let reenter = Func::wrap(&mut store, move |mut caller: Caller<'_, ()>| {
            let (finite, kind) = recurse_on_thread(&mut caller, stack)?;
            Ok(i32::from(finite == 1_000 && kind == Trap::StackOverflow))
        });
        let instance = Instance::new(&mut store, &module, &[reenter.into()]).unwrap();
        let run = instance
            .get_typed_func::<(), i32>(&mut store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, ()).unwrap(), 1, "thread stack {stack}");
        // The outer call's limit was restored: deep recursion on this
        // thread still traps, and the store is usable.
        let depth = instance
            .get_typed_func::<i32, i32>(&mut store, "depth")
            .unwrap();
        assert_eq!(trap_of(depth.call(&mut store, -1)), Trap::StackOverflow);
        assert_eq!(depth.call(&mut store, 1_000).unwrap(), 1_000);
        let add = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, "add")
            .unwrap();
        assert_eq!(add.call(&mut store, (2, 3)).unwrap(), 5);
    }
}

#[test]
fn reentry_on_the_same_thread_shares_the_outer_stack_budget() {
    // Host -> wasm -> host -> wasm on one thread: the nested call keeps
    // the outer limit, so a budget of 64 KiB bounds the whole chain.
    let engine = engine_with(|c| _ = c.max_wasm_stack(64 << 10));
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "again" (func $again (param i32) (result i32)))
            (func (export "down") (param $n i32) (result i32)
                (if (result i32) (i32.eqz (local.get $n))
                    (then (i32.const 0))
                    (else (call $again (i32.sub (local.get $n) (i32.const 1)))))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let again = Func::wrap(
        &mut store,
        |mut caller: Caller<'_, ()>, n: i32| -> Result<i32> {
            let down = caller
                .get_export("down")
                .and_then(Extern::into_func)
                .expect("down is exported")
                .typed::<i32, i32>(&caller)?;
            down.call(&mut caller, n)
        },
    );
    let instance = Instance::new(&mut store, &module, &[again.into()]).unwrap();
    let down = instance
        .get_typed_func::<i32, i32>(&mut store, "down")
        .unwrap();
    assert_eq!(down.call(&mut store, 10).unwrap(), 0);
    // Each round trip costs far more than 64 KiB / 10,000 of stack (host
    // frames included), so the chain exhausts the outer budget.
    let error = down.call(&mut store, 10_000).unwrap_err();
    assert_eq!(innermost_trap(&error), Trap::StackOverflow, "{error:?}");
    assert_eq!(down.call(&mut store, 10).unwrap(), 0);
}

/// The innermost trap in `error`'s chain (a host function that passes on
/// the error of its call into wasm makes it the cause of its own).
fn innermost_trap(error: &Error) -> Trap {
    let innermost = error
        .chain()
        .filter_map(|e| e.downcast_ref::<Trap>())
        .last();
    *innermost.expect("a trap")
}

// ---------------------------------------------------------- robustness

#[test]
fn huge_declarations_are_errors() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    // A table of 2^32-1 elements exceeds Egret's implementation limit.
    let table = Module::new(&engine, "(module (table 0xffffffff funcref))").unwrap();
    assert!(matches!(
        Instance::new(&mut store, &table, &[]),
        Err(Error::Resource(_))
    ));
    let host_table = TableType::new(RefType::FUNCREF, u32::MAX, None);
    assert!(Table::new(&mut store, host_table, Ref::Func(None)).is_err());
    // A 64-bit memory of 2^64 bytes or more, made by the host.
    for minimum in [1 << 48, u64::MAX] {
        let ty = MemoryType::new64(minimum, None);
        assert!(matches!(
            Memory::new(&mut store, ty),
            Err(Error::Resource(_))
        ));
    }
    // 4 GiB of memory is only reserved, so it may well succeed; either
    // way nothing aborts.
    let big = Module::new(&engine, "(module (memory 65536))").unwrap();
    if let Err(e) = Instance::new(&mut store, &big, &[]) {
        assert!(matches!(e, Error::Resource(_)), "{e}");
    }
}

#[test]
fn table_growth_near_the_cap_fails_cleanly() {
    let mut store = Store::new(&Engine::default(), ());
    let g = grower(&mut store);
    assert_eq!(g.grow_table.call(&mut store, -1).unwrap(), -1);
    assert_eq!(g.grow_table.call(&mut store, i32::MAX).unwrap(), -1);
    assert_eq!(g.grow_memory.call(&mut store, -1).unwrap(), -1);
    assert_eq!(g.grow_memory.call(&mut store, 65536).unwrap(), -1);
    assert_eq!(g.table.size(&store), 1);
    assert!(g.table.grow(&mut store, u64::MAX, Ref::Func(None)).is_err());
    assert!(g.memory.grow(&mut store, u64::MAX).is_err());
}

/// Compiles and runs `wat`'s `run` export on a thread with an ordinary
/// 2 MiB stack, compiling on that thread too. Without optimisation:
/// Cranelift's optimiser, built with debug assertions as in test builds,
/// takes about a minute on these functions (a release build optimises
/// them in well under a second, or a few seconds for the largest).
fn run_on_small_thread(wat: String) -> Result<i32> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let engine = engine_with(|c| {
                _ = c
                    .parallel_compilation(false)
                    .cranelift_opt_level(OptLevel::None)
            });
            let module = Module::new(&engine, &wat)?;
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[])?;
            let run = instance.get_typed_func::<(), i32>(&mut store, "run")?;
            run.call(&mut store, ())
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn deeply_nested_blocks_compile_on_a_normal_stack() {
    // (Blocks that each add to a value passed out of them would also work,
    // but Cranelift's optimiser takes time quadratic in the depth of such
    // a chain, over a minute for this depth even in a release build.)
    let depth = 100_000;
    let mut wat = String::from("(module (func (export \"run\") (result i32) (local i32)\n");
    for _ in 0..depth {
        wat.push_str("block\n");
    }
    wat.push_str("i32.const 7 local.set 0 br 0\n");
    for _ in 0..depth {
        wat.push_str("end\n");
    }
    wat.push_str("local.get 0))");
    assert_eq!(run_on_small_thread(wat).unwrap(), 7);
}

#[test]
fn a_function_of_a_million_instructions_compiles_or_fails_cleanly() {
    let mut wat = String::from("(module (func (export \"run\") (result i32) (local i32)\n");
    for i in 0..250_000 {
        writeln!(wat, "local.get 0 i32.const {} i32.add local.set 0", i % 7).unwrap();
    }
    wat.push_str("local.get 0))");
    match run_on_small_thread(wat) {
        Ok(sum) => assert_eq!(sum, (0..250_000).map(|i| i % 7).sum::<i32>()),
        Err(e) => assert!(matches!(e, Error::Compile(_)), "{e}"),
    }
}

#[test]
fn an_epoch_callback_decides_and_its_error_is_the_calls() {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, r#"(module (func (export "spin") (loop br 0)))"#).unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let spin = instance
        .get_typed_func::<(), ()>(&mut store, "spin")
        .unwrap();
    // The deadline is already reached (0): the callback runs at once.
    store.epoch_deadline_callback(|mut store| {
        *store.data_mut() += 1;
        Err(egret::Error::msg("stop spinning"))
    });
    let err = spin.call(&mut store, ()).unwrap_err();
    assert!(format!("{err:?}").contains("stop spinning"), "{err:?}");
    assert_eq!(*store.data(), 1);
    // Back to trapping.
    store.epoch_deadline_trap();
    let err = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(*err.downcast_ref::<Trap>().unwrap(), Trap::Interrupt);
    assert_eq!(*store.data(), 1);
    // `Interrupt` from the callback traps too, leaving the deadline.
    store.epoch_deadline_callback(|_| Ok(egret::UpdateDeadline::Interrupt));
    let err = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(*err.downcast_ref::<Trap>().unwrap(), Trap::Interrupt);
}
