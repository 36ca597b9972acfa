//! Tail calls (`return_call`, `return_call_indirect`) through the public
//! API: constant stack use over 100,000,000 calls, calls across instances
//! and to host functions, `call_indirect`'s traps, fuel and epochs in
//! tail-call loops, and what a trap's backtrace shows of them.

mod common;

use common::{backtrace_names, trap_of};
use egret::{Caller, Config, Engine, Error, Extern, Func, Instance, Module, Store, Trap};

fn engine_with(configure: impl FnOnce(&mut Config)) -> Engine {
    let mut config = Config::new();
    config.wasm_tail_call(true);
    configure(&mut config);
    Engine::new(&config).expect("engine")
}

fn instance(engine: &Engine, text: &str) -> (Store<()>, Instance) {
    let module = Module::new(engine, text).expect("module compiles");
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("module instantiates");
    (store, instance)
}

/// `$even`/`$odd` decide the parity of `n` by calling each other `n`
/// times; `$call` is the same with plain calls.
const PARITY: &str = r#"(module
    (func $even (export "even") (param i64) (result i32)
      (if (result i32) (i64.eqz (local.get 0))
        (then (i32.const 1))
        (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
    (func $odd (export "odd") (param i64) (result i32)
      (if (result i32) (i64.eqz (local.get 0))
        (then (i32.const 0))
        (else (return_call $even (i64.sub (local.get 0) (i64.const 1))))))
    (func $call_even (export "call_even") (param i64) (result i32)
      (if (result i32) (i64.eqz (local.get 0))
        (then (i32.const 1))
        (else (call $call_odd (i64.sub (local.get 0) (i64.const 1))))))
    (func $call_odd (param i64) (result i32)
      (if (result i32) (i64.eqz (local.get 0))
        (then (i32.const 0))
        (else (call $call_even (i64.sub (local.get 0) (i64.const 1)))))))"#;

#[test]
fn a_hundred_million_mutual_tail_calls_run_in_constant_stack() {
    let (mut store, instance) = instance(&engine_with(|_| {}), PARITY);
    let even = instance
        .get_typed_func::<i64, i32>(&mut store, "even")
        .unwrap();
    assert_eq!(even.call(&mut store, 100_000_000).unwrap(), 1);
    assert_eq!(even.call(&mut store, 100_000_001).unwrap(), 0);
}

#[test]
fn the_same_recursion_with_plain_calls_overflows_the_stack() {
    let (mut store, instance) = instance(&engine_with(|_| {}), PARITY);
    let call_even = instance
        .get_typed_func::<i64, i32>(&mut store, "call_even")
        .unwrap();
    assert_eq!(
        trap_of(call_even.call(&mut store, 100_000_000)),
        Trap::StackOverflow
    );
    assert_eq!(call_even.call(&mut store, 1000).unwrap(), 1);
}

#[test]
fn tail_calls_with_stack_arguments_and_a_return_area_run_in_constant_stack() {
    // Twelve parameters do not fit in registers, and seven results go
    // through the caller's return area; the functions rotate their
    // arguments so a misplaced stack argument changes the result.
    let (mut store, instance) = instance(
        &engine_with(|_| {}),
        r#"(module
            (type $t (func (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
                           (result i64 i64 i64 i64 i64 i64 i64)))
            (func $spin (type $t)
              (if (i64.eqz (local.get 0))
                (then (return (local.get 1) (local.get 2) (local.get 3) (local.get 4)
                              (local.get 5) (local.get 6) (local.get 11))))
              (return_call $step (i64.sub (local.get 0) (i64.const 1))
                (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6)
                (local.get 7) (local.get 8) (local.get 9) (local.get 10) (local.get 11)
                (local.get 1)))
            (func $step (type $t)
              (return_call $spin (local.get 0) (local.get 1) (local.get 2) (local.get 3)
                (local.get 4) (local.get 5) (local.get 6) (local.get 7) (local.get 8)
                (local.get 9) (local.get 10) (i64.add (local.get 11) (i64.const 100))))
            (func (export "run") (param i64) (result i64 i64 i64 i64 i64 i64 i64)
              (call $spin (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3)
                (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8)
                (i64.const 9) (i64.const 10) (i64.const 11))))"#,
    );
    type Seven = (i64, i64, i64, i64, i64, i64, i64);
    let run = instance
        .get_typed_func::<i64, Seven>(&mut store, "run")
        .unwrap();
    // Each step (`$spin` then `$step`) moves the first of the eleven values
    // to the back, adding 100; returned are the first six and the last.
    let expected = |n: i64| -> Seven {
        let at = |i: i64| (n + i) % 11 + 1 + 100 * ((n + i) / 11);
        (at(0), at(1), at(2), at(3), at(4), at(5), at(10))
    };
    let simulated = |n: i64| -> Seven {
        let mut values: Vec<i64> = (1..=11).collect();
        for _ in 0..n {
            let first = values.remove(0);
            values.push(first + 100);
        }
        let v = &values;
        (v[0], v[1], v[2], v[3], v[4], v[5], v[10])
    };
    for n in [0, 1, 10, 11, 12, 25] {
        assert_eq!(expected(n), simulated(n));
        assert_eq!(run.call(&mut store, n).unwrap(), expected(n));
    }
    assert_eq!(
        run.call(&mut store, 10_000_000).unwrap(),
        expected(10_000_000)
    );
}

#[test]
fn tail_calls_between_instances_use_the_callee_instance() {
    // `$ping` (instance A) and `$pong` (instance B) tail-call each other:
    // B imports `$ping`, A reaches `$pong` through its table, into which B
    // writes it. Each answers with its own instance's global at the end,
    // so the parity of `n` says which vmctx the last callee ran with.
    let engine = engine_with(|_| {});
    let a = Module::new(
        &engine,
        r#"(module
            (type $t (func (param i32) (result i32)))
            (global $id i32 (i32.const 100))
            (table (export "table") 1 funcref)
            (func (export "ping") (type $t)
              (if (result i32) (i32.eqz (local.get 0))
                (then (global.get $id))
                (else (return_call_indirect (type $t)
                  (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))))))"#,
    )
    .unwrap();
    let b = Module::new(
        &engine,
        r#"(module
            (type $t (func (param i32) (result i32)))
            (import "a" "ping" (func $ping (type $t)))
            (import "a" "table" (table 1 funcref))
            (global $id i32 (i32.const 200))
            (elem (i32.const 0) $pong)
            (func $pong (export "pong") (type $t)
              (if (result i32) (i32.eqz (local.get 0))
                (then (global.get $id))
                (else (return_call $ping (i32.sub (local.get 0) (i32.const 1)))))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let a = Instance::new(&mut store, &a, &[]).unwrap();
    let imports: [Extern; 2] = [
        a.get_func(&mut store, "ping").unwrap().into(),
        a.get_table(&mut store, "table").unwrap().into(),
    ];
    let b = Instance::new(&mut store, &b, &imports).unwrap();
    let ping = a.get_typed_func::<i32, i32>(&mut store, "ping").unwrap();
    let pong = b.get_typed_func::<i32, i32>(&mut store, "pong").unwrap();
    assert_eq!(ping.call(&mut store, 0).unwrap(), 100);
    assert_eq!(ping.call(&mut store, 1).unwrap(), 200);
    assert_eq!(pong.call(&mut store, 1).unwrap(), 100);
    assert_eq!(ping.call(&mut store, 10_000_000).unwrap(), 100);
    assert_eq!(pong.call(&mut store, 10_000_001).unwrap(), 100);
}

#[test]
fn tail_calls_to_host_functions_return_to_the_wasm_caller() {
    // `$via_import` tail-calls the host function directly, `$via_table`
    // through a table; the host sees the tail-calling instance as its
    // caller, and its result (or error) goes to the wasm function's caller.
    let engine = engine_with(|_| {});
    let module = Module::new(
        &engine,
        r#"(module
            (type $t (func (param i32 i64) (result i64)))
            (import "host" "scale" (func $scale (type $t)))
            (global (export "factor") i64 (i64.const 3))
            (table 1 funcref)
            (elem (i32.const 0) $scale)
            (func $via_import (export "via_import") (param i32 i64) (result i64)
              (return_call $scale (local.get 0) (local.get 1)))
            (func $via_table (export "via_table") (param i32 i64) (result i64)
              (return_call_indirect (type $t) (local.get 0) (local.get 1) (i32.const 0)))
            (func (export "nested") (param i32 i64) (result i64)
              (i64.add (call $via_table (local.get 0) (local.get 1)) (i64.const 1))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, 0u32);
    let scale = Func::wrap(
        &mut store,
        |mut caller: Caller<'_, u32>, fail: i32, x: i64| -> egret::Result<i64> {
            *caller.data_mut() += 1;
            if fail != 0 {
                return Err(Error::msg("scale refused"));
            }
            let factor = caller
                .get_export("factor")
                .and_then(Extern::into_global)
                .expect("the caller is the tail-calling instance");
            let factor = factor.get(&mut caller).i64().expect("an i64 global");
            Ok(x * factor)
        },
    );
    let instance = Instance::new(&mut store, &module, &[scale.into()]).unwrap();
    for name in ["via_import", "via_table"] {
        let f = instance
            .get_typed_func::<(i32, i64), i64>(&mut store, name)
            .unwrap();
        assert_eq!(f.call(&mut store, (0, 14)).unwrap(), 42, "{name}");
        let err = f.call(&mut store, (1, 14)).unwrap_err();
        assert!(!err.is::<Trap>(), "{name}: a host error is not a trap");
        assert_eq!(err.root_cause().to_string(), "scale refused", "{name}");
    }
    let nested = instance
        .get_typed_func::<(i32, i64), i64>(&mut store, "nested")
        .unwrap();
    assert_eq!(nested.call(&mut store, (0, 5)).unwrap(), 16);
    assert_eq!(*store.data(), 5);
}

#[test]
fn return_call_indirect_checks_as_call_indirect_does() {
    let (mut store, instance) = instance(
        &engine_with(|_| {}),
        r#"(module
            (type $v (func (result i32)))
            (table 3 funcref)
            (elem (i32.const 1) $seven $other)
            (func $seven (result i32) (i32.const 7))
            (func $other (param i32) (result i32) (local.get 0))
            (func (export "run") (param i32) (result i32)
              (return_call_indirect (type $v) (local.get 0))))"#,
    );
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 1).unwrap(), 7);
    assert_eq!(trap_of(run.call(&mut store, 0)), Trap::IndirectCallToNull);
    assert_eq!(trap_of(run.call(&mut store, 2)), Trap::BadSignature);
    assert_eq!(trap_of(run.call(&mut store, 3)), Trap::TableOutOfBounds);
}

#[test]
fn a_tail_call_costs_the_fuel_of_a_call_and_an_endless_one_runs_out() {
    let engine = engine_with(|c| _ = c.consume_fuel(true));
    let (mut store, instance) = instance(
        &engine,
        r#"(module
            (func $down (export "down") (param i32) (result i32)
              (if (result i32) (i32.eqz (local.get 0))
                (then (i32.const 0))
                (else (return_call $down (i32.sub (local.get 0) (i32.const 1))))))
            (func $call_down (export "call_down") (param i32) (result i32)
              (if (result i32) (i32.eqz (local.get 0))
                (then (i32.const 0))
                (else (call $call_down (i32.sub (local.get 0) (i32.const 1))))))
            (func $forever (export "forever") (return_call $forever)))"#,
    );
    let spent = |store: &mut Store<()>, name: &str| {
        store.set_fuel(1_000_000).unwrap();
        let f = instance
            .get_typed_func::<i32, i32>(&mut *store, name)
            .unwrap();
        f.call(&mut *store, 1000).unwrap();
        1_000_000 - store.get_fuel().unwrap()
    };
    let tail = spent(&mut store, "down");
    assert!(tail > 1000, "{tail}");
    assert_eq!(tail, spent(&mut store, "call_down"));

    store.set_fuel(10_000).unwrap();
    let forever = instance
        .get_typed_func::<(), ()>(&mut store, "forever")
        .unwrap();
    assert_eq!(trap_of(forever.call(&mut store, ())), Trap::OutOfFuel);
    assert_eq!(store.get_fuel().unwrap(), 0);
}

#[test]
fn an_epoch_stops_an_endless_tail_call_loop() {
    let engine = engine_with(|c| _ = c.epoch_interruption(true));
    let (mut store, instance) = instance(
        &engine,
        r#"(module
            (func $ping (export "ping") (return_call $pong))
            (func $pong (return_call $ping)))"#,
    );
    store.set_epoch_deadline(1);
    let ping = instance
        .get_typed_func::<(), ()>(&mut store, "ping")
        .unwrap();
    let ticker = engine.clone();
    let thread = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        ticker.increment_epoch();
    });
    assert_eq!(trap_of(ping.call(&mut store, ())), Trap::Interrupt);
    thread.join().unwrap();
}

#[test]
fn a_trap_backtrace_skips_the_frames_tail_calls_replaced() {
    let (mut store, instance) = instance(
        &engine_with(|_| {}),
        r#"(module
            (func $inner unreachable)
            (func $middle (return_call $inner))
            (func $outer (export "outer") (call $middle)))"#,
    );
    let outer = instance
        .get_typed_func::<(), ()>(&mut store, "outer")
        .unwrap();
    let err = outer.call(&mut store, ()).unwrap_err();
    let names = backtrace_names(&err);
    // `$middle`'s frame became `$inner`'s: `$inner` returns to `$outer`.
    assert_eq!(names, ["inner", "outer"]);
}

#[test]
fn tail_calls_need_their_feature() {
    let engine = engine_with(|c| _ = c.wasm_tail_call(false));
    let err = Module::new(&engine, "(module (func $f (return_call $f)))").unwrap_err();
    assert!(matches!(err, Error::Compile(_)), "{err:?}");
}

#[test]
fn tail_calls_between_functions_with_different_stack_argument_areas() {
    // `$narrow` has one parameter and tail-calls `$wide`, which takes twelve
    // (several on the stack) and tail-calls `$narrow` again: each call
    // changes the size of the argument area the frame is replaced with.
    let (mut store, instance) = instance(
        &engine_with(|_| {}),
        r#"(module
            (func $narrow (export "narrow") (param i64) (result i64)
              (if (result i64) (i64.eqz (local.get 0))
                (then (i64.const 0))
                (else (return_call $wide (i64.sub (local.get 0) (i64.const 1))
                  (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
                  (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 10)
                  (local.get 0)))))
            (func $wide (param $n i64) (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
                        (param $previous i64) (result i64)
              (local $weighted i64) (local $k i32)
              ;; sum of k * argument k for k = 1..10: 385 if none moved
              (loop $sum
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (local.set $weighted (i64.add (local.get $weighted)
                  (i64.mul (i64.extend_i32_u (local.get $k))
                    (call $arg (local.get $k) (local.get 1) (local.get 2) (local.get 3)
                      (local.get 4) (local.get 5) (local.get 6) (local.get 7)
                      (local.get 8) (local.get 9) (local.get 10)))))
                (br_if $sum (i32.lt_u (local.get $k) (i32.const 10))))
              (if (i32.or (i64.ne (local.get $weighted) (i64.const 385))
                          (i64.ne (local.get $previous) (i64.add (local.get $n) (i64.const 1))))
                (then (return (i64.const -1))))
              (return_call $narrow (local.get $n)))
            (func $arg (param $k i32) (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
                       (result i64)
              (block $10 (block $9 (block $8 (block $7 (block $6
              (block $5 (block $4 (block $3 (block $2 (block $1
                (br_table $1 $1 $2 $3 $4 $5 $6 $7 $8 $9 $10 (local.get $k)))
                (return (local.get 1))) (return (local.get 2))) (return (local.get 3)))
                (return (local.get 4))) (return (local.get 5))) (return (local.get 6)))
                (return (local.get 7))) (return (local.get 8))) (return (local.get 9)))
                (local.get 10)))"#,
    );
    let narrow = instance
        .get_typed_func::<i64, i64>(&mut store, "narrow")
        .unwrap();
    assert_eq!(narrow.call(&mut store, 1).unwrap(), 0);
    assert_eq!(narrow.call(&mut store, 1_000_000).unwrap(), 0);
}
