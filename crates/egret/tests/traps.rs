//! Traps end-to-end through the public API: every kind the core raises,
//! guard-page bounds checks at the edge of the reservation, stack
//! exhaustion, and the store staying usable afterwards; and the errors an
//! embedder gets, shaped as Wasmtime's: a `Trap` under a `WasmBacktrace`,
//! a host function's own error (not a trap) under one.

mod common;

use common::{backtrace_names, trap_of};
use egret::{Config, Engine, Error, Func, Instance, Module, Store, Trap, WasmBacktrace};

fn instance(text: &str) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, text).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("module instantiates");
    (store, instance)
}

#[test]
fn load_at_the_far_end_of_the_guard_region_traps() {
    let (mut store, instance) = instance(
        r#"(module (memory 1)
            (func (export "load") (param i32) (result i32)
              (i32.load offset=0x7fffffff (local.get 0)))
            (func (export "load64") (param i32) (result i64)
              (i64.load offset=0x7fffffff (local.get 0))))"#,
    );
    let load = instance
        .get_typed_func::<u32, i32>(&mut store, "load")
        .unwrap();
    let load64 = instance
        .get_typed_func::<u32, i64>(&mut store, "load64")
        .unwrap();
    assert_eq!(
        trap_of(load.call(&mut store, 0xFFFF_FFFF)),
        Trap::MemoryOutOfBounds
    );
    assert_eq!(
        trap_of(load64.call(&mut store, 0xFFFF_FFFF)),
        Trap::MemoryOutOfBounds
    );
    assert_eq!(trap_of(load.call(&mut store, 0)), Trap::MemoryOutOfBounds);
}

#[test]
fn access_just_past_the_end_traps_and_just_inside_works() {
    let (mut store, instance) = instance(
        r#"(module (memory 1)
            (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
            (func (export "store") (param i32) (i32.store8 (local.get 0) (i32.const 9))))"#,
    );
    let load = instance
        .get_typed_func::<u32, i32>(&mut store, "load")
        .unwrap();
    let store_byte = instance
        .get_typed_func::<u32, ()>(&mut store, "store")
        .unwrap();
    store_byte.call(&mut store, 65535).unwrap();
    assert_eq!(load.call(&mut store, 65532).unwrap(), 9 << 24);
    assert_eq!(
        trap_of(load.call(&mut store, 65533)),
        Trap::MemoryOutOfBounds
    );
    assert_eq!(
        trap_of(store_byte.call(&mut store, 65536)),
        Trap::MemoryOutOfBounds
    );
}

const RECURSIVE: &str = r#"(module
    (func $depth (export "depth") (param $n i32) (result i32)
      (if (result i32) (i32.eqz (local.get $n))
        (then (i32.const 0))
        (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get $n) (i32.const 1)))))))
    (func $forever (export "forever") (call $forever)))"#;

#[test]
fn ten_million_deep_recursion_traps_and_the_next_call_works() {
    let (mut store, instance) = instance(RECURSIVE);
    let depth = instance
        .get_typed_func::<i32, i32>(&mut store, "depth")
        .unwrap();
    assert_eq!(
        trap_of(depth.call(&mut store, 10_000_000)),
        Trap::StackOverflow
    );
    assert_eq!(depth.call(&mut store, 1000).unwrap(), 1000);
    let forever = instance
        .get_typed_func::<(), ()>(&mut store, "forever")
        .unwrap();
    assert_eq!(trap_of(forever.call(&mut store, ())), Trap::StackOverflow);
    assert_eq!(depth.call(&mut store, 10).unwrap(), 10);
}

#[test]
fn every_core_trap_kind_is_reported() {
    let (mut store, instance) = instance(
        r#"(module
            (type $v (func))
            (table 2 funcref)
            (elem (i32.const 1) $other)
            (func $other (param i32))
            (func (export "unreachable") unreachable)
            (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
            (func (export "trunc") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
            (func (export "indirect") (param i32) (call_indirect (type $v) (local.get 0))))"#,
    );
    let unreachable = instance
        .get_typed_func::<(), ()>(&mut store, "unreachable")
        .unwrap();
    let div = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "div")
        .unwrap();
    let trunc = instance
        .get_typed_func::<f32, i32>(&mut store, "trunc")
        .unwrap();
    let indirect = instance
        .get_typed_func::<i32, ()>(&mut store, "indirect")
        .unwrap();
    assert_eq!(
        trap_of(unreachable.call(&mut store, ())),
        Trap::UnreachableCodeReached
    );
    assert_eq!(
        trap_of(div.call(&mut store, (1, 0))),
        Trap::IntegerDivisionByZero
    );
    assert_eq!(
        trap_of(div.call(&mut store, (i32::MIN, -1))),
        Trap::IntegerOverflow
    );
    assert_eq!(
        trap_of(trunc.call(&mut store, f32::NAN)),
        Trap::BadConversionToInteger
    );
    assert_eq!(trap_of(trunc.call(&mut store, 3e9)), Trap::IntegerOverflow);
    assert_eq!(
        trap_of(indirect.call(&mut store, 0)),
        Trap::IndirectCallToNull
    );
    assert_eq!(trap_of(indirect.call(&mut store, 1)), Trap::BadSignature);
    assert_eq!(
        trap_of(indirect.call(&mut store, 2)),
        Trap::TableOutOfBounds
    );
    assert_eq!(div.call(&mut store, (7, 2)).unwrap(), 3);
}

#[test]
fn trap_backtrace_names_the_wasm_frames() {
    let (mut store, instance) = instance(
        r#"(module $demo
            (func $inner unreachable)
            (func $outer (export "outer") (call $inner)))"#,
    );
    let outer = instance
        .get_typed_func::<(), ()>(&mut store, "outer")
        .unwrap();
    let err = outer.call(&mut store, ()).unwrap_err();
    let names = backtrace_names(&err);
    assert_eq!(names, ["inner", "outer"]);
    // As in Wasmtime, the message is the backtrace; the trap its cause.
    assert_eq!(
        err.to_string(),
        "error while executing at wasm backtrace:\n    0:     0x23 - demo!inner\n    1:     0x27 - demo!outer"
    );
}

#[test]
fn a_trap_printed_with_debug_reads_as_its_message_and_backtrace() {
    let (mut store, instance) = instance(
        r#"(module $m (memory 1)
            (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#,
    );
    let load = instance
        .get_typed_func::<i32, i32>(&mut store, "load")
        .unwrap();
    let err = load.call(&mut store, 1 << 20).unwrap_err();
    let printed = format!("{err:?}");
    assert!(printed.contains("out of bounds memory access"), "{printed}");
    assert!(printed.contains("wasm backtrace:"), "{printed}");
    assert!(printed.contains("load"), "{printed}");
}

#[test]
fn traps_downcast_to_wasmtime_s_trap_variants() {
    let engine = Engine::new(Config::new().wasm_function_references(true)).unwrap();
    let module = Module::new(
        &engine,
        r#"(module
            (type $t (func))
            (memory 1)
            (table 1 funcref)
            (func $recurse (export "recurse") (call $recurse))
            (func (export "load") (drop (i32.load (i32.const 65536))))
            (func (export "table_get") (drop (table.get (i32.const 1))))
            (func (export "call_ref_null") (call_ref $t (ref.null $t)))
            (func (export "as_non_null") (drop (ref.as_non_null (ref.null func)))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let cases = [
        ("recurse", Trap::StackOverflow, "call stack exhausted"),
        (
            "load",
            Trap::MemoryOutOfBounds,
            "out of bounds memory access",
        ),
        (
            "table_get",
            Trap::TableOutOfBounds,
            "undefined element: out of bounds table access",
        ),
        ("call_ref_null", Trap::NullReference, "null reference"),
        ("as_non_null", Trap::NullReference, "null reference"),
    ];
    for (name, expected, message) in cases {
        let f = instance.get_typed_func::<(), ()>(&mut store, name).unwrap();
        let err = f.call(&mut store, ()).unwrap_err();
        assert!(err.is::<Trap>(), "{name}: {err:?}");
        assert_eq!(err.downcast_ref::<Trap>(), Some(&expected), "{name}");
        assert!(err.root_cause().is::<Trap>(), "{name}");
        assert_eq!(expected.to_string(), format!("wasm trap: {message}"));
        assert!(err.is::<WasmBacktrace>(), "{name}: {err:?}");
    }
    assert_eq!(
        Trap::UnreachableCodeReached.to_string(),
        "wasm trap: wasm `unreachable` instruction executed"
    );
}

#[test]
fn a_trap_carries_a_wasm_backtrace_of_frames() {
    let (mut store, instance) = instance(
        r#"(module $demo
            (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
            (func (param i32) (result i32) (call $inner (local.get 0)))
            (func (export "run") (param i32) (result i32) (call 1 (local.get 0))))"#,
    );
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    let err = run.call(&mut store, 0).unwrap_err();
    assert_eq!(err.downcast_ref(), Some(&Trap::IntegerDivisionByZero));
    let backtrace = err.downcast_ref::<WasmBacktrace>().expect("a backtrace");
    let frames = backtrace.frames();
    assert_eq!(frames.len(), 3, "{backtrace}");
    assert_eq!(frames[0].func_name(), Some("inner"));
    assert_eq!(frames[0].func_index(), 0);
    assert_eq!(frames[1].func_name(), None);
    assert_eq!(frames[1].func_index(), 1);
    assert_eq!(frames[2].func_index(), 2);
    assert!(frames.iter().all(|f| f.module_name() == Some("demo")));
    let printed = "error while executing at wasm backtrace:\n    \
                   0:     0x28 - demo!inner\n    \
                   1:     0x2e - demo!<wasm function 1>\n    \
                   2:     0x35 - demo!<wasm function 2>";
    assert_eq!(backtrace.to_string(), printed);
    assert_eq!(format!("{backtrace:?}"), printed);
    assert_eq!(
        format!("{err:?}"),
        format!("{printed}\n\nCaused by:\n    wasm trap: integer divide by zero\n")
    );
    assert_eq!(err.chain().count(), 2);
    // The store is still usable.
    assert_eq!(run.call(&mut store, 1).unwrap(), 1);
}

/// The offset in `wasm` of every instruction `wanted` says yes to, with
/// the offset of the body of the function it is in, in code order; read
/// with wasmparser, independently of Egret.
fn instruction_offsets(
    wasm: &[u8],
    wanted: impl Fn(&wasmparser::Operator<'_>) -> bool,
) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
            let body_start = body.range().start as usize;
            let mut operators = body.get_operators_reader().unwrap();
            while !operators.eof() {
                let (op, offset) = operators.read_with_offset().unwrap();
                let offset = offset as usize;
                if wanted(&op) {
                    found.push((offset, offset - body_start));
                }
            }
        }
    }
    found
}

#[test]
fn frames_give_the_offsets_of_the_trapping_instruction_and_of_each_call() {
    let wasm = wat::parse_str(
        r#"(module
            (import "host" "probe" (func $probe))
            (func $inner (param i32) (result i32)
              (local i64 f32)
              (drop (i32.const 7))
              (i32.div_u (i32.const 1) (local.get 0)))
            (func $probing (call $probe))
            (func (export "run") (param i32) (result i32)
              (nop)
              (call $probing)
              (call $inner (local.get 0))))"#,
    )
    .unwrap();
    let trap = instruction_offsets(&wasm, |op| matches!(op, wasmparser::Operator::I32DivU));
    let calls = instruction_offsets(&wasm, |op| matches!(op, wasmparser::Operator::Call { .. }));
    let [probe_call, probing_call, inner_call] = calls[..] else {
        panic!("three calls: {calls:?}")
    };
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).unwrap();
    // The same offsets from a module read back from its artifact.
    // SAFETY: the bytes were just serialized by this engine.
    let reloaded = unsafe { Module::deserialize(&engine, module.serialize().unwrap()) }.unwrap();
    for module in [module, reloaded] {
        let mut store = Store::new(&engine, Vec::new());
        let probe = Func::wrap(&mut store, |mut caller: egret::Caller<'_, Vec<_>>| {
            let frames = WasmBacktrace::capture(&caller)
                .frames()
                .iter()
                .map(|f| (f.module_offset().unwrap(), f.func_offset().unwrap()))
                .collect();
            *caller.data_mut() = frames;
        });
        let instance = Instance::new(&mut store, &module, &[probe.into()]).unwrap();
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .unwrap();
        let err = run.call(&mut store, 0).unwrap_err();
        let frames: Vec<_> = err
            .downcast_ref::<WasmBacktrace>()
            .unwrap()
            .frames()
            .iter()
            .map(|f| (f.module_offset().unwrap(), f.func_offset().unwrap()))
            .collect();
        assert_eq!(frames, [trap[0], inner_call]);
        assert_eq!(store.data(), &[probe_call, probing_call]);
    }
}

/// A host function's own error type.
#[derive(Debug, PartialEq)]
struct Refused(i32);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused {}", self.0)
    }
}

impl std::error::Error for Refused {}

#[test]
fn a_host_error_comes_back_as_itself_not_as_a_trap() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module $m
            (import "host" "check" (func $check (param i32)))
            (func $middle (param i32) (call $check (local.get 0)))
            (func (export "run") (param i32) (call $middle (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let check = Func::wrap(&mut store, |x: i32| -> egret::Result<()> {
        if x > 0 {
            return Err(Error::new(Refused(x)));
        }
        Ok(())
    });
    let instance = Instance::new(&mut store, &module, &[check.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, ()>(&mut store, "run")
        .unwrap();
    let err = run.call(&mut store, 5).unwrap_err();
    assert!(!err.is::<Trap>(), "{err:?}");
    assert_eq!(err.downcast_ref::<Trap>(), None);
    assert_eq!(err.downcast_ref::<Refused>(), Some(&Refused(5)));
    assert_eq!(
        err.root_cause().downcast_ref::<Refused>(),
        Some(&Refused(5))
    );
    let backtrace = err.downcast_ref::<WasmBacktrace>().expect("a backtrace");
    let names: Vec<_> = backtrace
        .frames()
        .iter()
        .map(|f| f.func_name().unwrap_or_default())
        .collect();
    assert_eq!(names, ["middle", ""]);
    assert_eq!(
        format!("{err:?}"),
        "error while executing at wasm backtrace:\n    0:     0x34 - m!middle\n    \
         1:     0x3b - m!<wasm function 2>\n\nCaused by:\n    refused 5\n"
    );
    run.call(&mut store, 0).unwrap();

    // Called from the host, with no wasm on the stack: the error alone.
    let err = check
        .typed::<i32, ()>(&store)
        .unwrap()
        .call(&mut store, 2)
        .unwrap_err();
    assert_eq!(err.downcast_ref::<Refused>(), Some(&Refused(2)));
    assert!(!err.is::<Trap>() && !err.is::<WasmBacktrace>(), "{err:?}");
    assert_eq!(format!("{err:?}"), "refused 2");
}

#[test]
fn a_host_function_returning_a_trap_traps_its_caller() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "stop" (func $stop)) (func (export "run") (call $stop)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let stop = Func::wrap(&mut store, || -> egret::Result<()> {
        Err(Trap::UnreachableCodeReached.into())
    });
    let instance = Instance::new(&mut store, &module, &[stop.into()]).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let err = run.call(&mut store, ()).unwrap_err();
    assert_eq!(err.downcast_ref(), Some(&Trap::UnreachableCodeReached));
    assert!(err.is::<WasmBacktrace>(), "{err:?}");
}

#[test]
fn table_bounds_hold_at_every_edge_of_a_32_bit_index() {
    // The bounds check masks the element's address with the sign of
    // `index - length`: the last element is reachable, and every index
    // from the length to 2^32 - 1 (negative as an i32) traps, on a table
    // of fixed size and on one that grew.
    let (mut store, instance) = instance(
        r#"(module
            (type $t (func (result i32)))
            (table $fixed 3 3 funcref)
            (table $growable 1 funcref)
            (elem (table $fixed) (i32.const 2) func $seven)
            (func $seven (type $t) (i32.const 7))
            (func (export "call_fixed") (param i32) (result i32)
              (call_indirect $fixed (type $t) (local.get 0)))
            (func (export "grow_and_call") (param i32) (result i32)
              (drop (table.grow $growable (ref.func $seven) (i32.const 2)))
              (call_indirect $growable (type $t) (local.get 0)))
            (func (export "get") (param i32) (result i32)
              (ref.is_null (table.get $fixed (local.get 0))))
            (func (export "set") (param i32)
              (table.set $fixed (local.get 0) (ref.null func))))"#,
    );
    let call_fixed = instance
        .get_typed_func::<u32, i32>(&mut store, "call_fixed")
        .unwrap();
    let grow_and_call = instance
        .get_typed_func::<u32, i32>(&mut store, "grow_and_call")
        .unwrap();
    let get = instance
        .get_typed_func::<u32, i32>(&mut store, "get")
        .unwrap();
    let set = instance
        .get_typed_func::<u32, ()>(&mut store, "set")
        .unwrap();
    assert_eq!(call_fixed.call(&mut store, 2).unwrap(), 7);
    assert_eq!(get.call(&mut store, 2).unwrap(), 0);
    assert_eq!(grow_and_call.call(&mut store, 2).unwrap(), 7);
    for index in [3, 4, 0x7fff_ffff, 0x8000_0000, 0xffff_fffd, u32::MAX] {
        let fixed = trap_of(call_fixed.call(&mut store, index));
        assert_eq!(fixed, Trap::TableOutOfBounds, "index {index:#x}");
        let got = trap_of(get.call(&mut store, index));
        assert_eq!(got, Trap::TableOutOfBounds, "index {index:#x}");
        let written = trap_of(set.call(&mut store, index));
        assert_eq!(written, Trap::TableOutOfBounds, "index {index:#x}");
    }
    // Each call grows the table by 2 before the access: to 5, 7, 9 and 11
    // elements here, the last access being at the length.
    for index in [0x8000_0000, u32::MAX, 9, 11] {
        let grown = trap_of(grow_and_call.call(&mut store, index));
        assert_eq!(grown, Trap::TableOutOfBounds, "index {index:#x}");
    }
    assert_eq!(grow_and_call.call(&mut store, 12).unwrap(), 7);
}
