//! Tests of the script runner itself: every directive kind passes when it
//! should, and fails (with its line) when it should not.

use egret_wast::{Report, WastRunner};

fn run(text: &str) -> Report {
    WastRunner::new()
        .expect("engine")
        .run_str("test.wast", text)
}

/// The lines of the failures.
fn failed_lines(report: &Report) -> Vec<usize> {
    report.failed.iter().map(|f| f.line).collect()
}

#[test]
fn every_directive_kind_passes() {
    let report = run(r#"
(module $m
  (import "spectest" "print_i32" (func $print_i32 (param i32)))
  (import "spectest" "global_i32" (global $gi32 i32))
  (import "spectest" "global_i64" (global $gi64 i64))
  (import "spectest" "global_f32" (global $gf32 f32))
  (import "spectest" "global_f64" (global $gf64 f64))
  (import "spectest" "table" (table 10 20 funcref))
  (import "spectest" "memory" (memory 1 2))
  (global (export "g") i32 (i32.const 7))
  (table (export "tab") 2 funcref)
  (func $id (export "id") (param i32) (result i32) local.get 0)
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "nan64") (result f64) (f64.const nan:0x8000000000001))
  (func (export "neg_zero") (result f32) (f32.const -0))
  (func (export "wide") (param i64) (result i64) local.get 0)
  (func (export "ext") (param externref) (result externref) local.get 0)
  (func (export "fref") (result funcref) (ref.func $id))
  (func (export "null") (result funcref) (ref.null func))
  (func (export "vec") (result v128) (v128.const i32x4 1 2 -1 4))
  (func (export "vid") (param v128) (result v128) local.get 0)
  (func (export "fvec") (result v128)
    (f32x4.div (v128.const f32x4 0 1 0 0) (v128.const f32x4 0 1 1 1)))
  (func (export "two") (result i32 i64) (i32.const 1) (i64.const 2))
  (func (export "oob") (i32.load (i32.const 65536)) drop)
  (func (export "call_null") (call_indirect (i32.const 0)))
  (func $loop (export "loop") (call $loop))
  (func (export "spec") (result i32 i64 f32 f64)
    (call $print_i32 (global.get $gi32))
    (global.get $gi32) (global.get $gi64) (global.get $gf32) (global.get $gf64))
)
(invoke "id" (i32.const 1))
(assert_return (invoke "id" (i32.const -5)) (i32.const -5))
(assert_return (invoke $m "wide" (i64.const -1)) (i64.const 0xffffffffffffffff))
(assert_return (get "g") (i32.const 7))
(assert_return (get $m "g") (i32.const 7))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_return (invoke "nan") (f32.const nan:arithmetic))
(assert_return (invoke "nan64") (f64.const nan:arithmetic))
(assert_return (invoke "nan64") (f64.const nan:0x8000000000001))
(assert_return (invoke "neg_zero") (f32.const -0))
(assert_return (invoke "ext" (ref.extern 3)) (ref.extern 3))
(assert_return (invoke "ext" (ref.extern 3)) (ref.extern))
(assert_return (invoke "ext" (ref.null extern)) (ref.null extern))
(assert_return (invoke "ext" (ref.null extern)) (ref.null))
(assert_return (invoke "fref") (ref.func))
(assert_return (invoke "null") (ref.null func))
(assert_return (invoke "vec") (v128.const i32x4 1 2 -1 4))
(assert_return (invoke "vec") (v128.const i16x8 1 0 2 0 -1 -1 4 0))
(assert_return (invoke "vid" (v128.const i64x2 -1 7)) (v128.const i8x16 -1 -1 -1 -1 -1 -1 -1 -1 7 0 0 0 0 0 0 0))
(assert_return (invoke "fvec") (v128.const f32x4 nan:canonical 1 0 0))
(assert_return (invoke "two") (i32.const 1) (i64.const 2))
(assert_return (invoke "spec") (i32.const 666) (i64.const 666) (f32.const 666.6) (f64.const 666.6))
(assert_return (invoke "id" (i32.const 2)) (either (i32.const 1) (i32.const 2)))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_trap (invoke "oob") "out of bounds memory access")
(assert_trap (invoke "call_null") "uninitialized element 0")
(assert_exhaustion (invoke "loop") "call stack exhausted")
(register "M" $m)
(module (import "M" "g" (global i32)) (func (export "f") (result i32) i32.const 9))
(assert_return (invoke "f") (i32.const 9))
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module quote "(func") "unexpected end")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_unlinkable (module (import "M" "nope" (func))) "unknown import")
(assert_unlinkable (module (import "M" "g" (global i64))) "incompatible import type")
(module definition $d (func (export "h") (result i32) i32.const 4))
(module instance $i1 $d)
(assert_return (invoke $i1 "h") (i32.const 4))
(module instance $d)
(assert_return (invoke "h") (i32.const 4))
"#);
    assert!(report.is_success(), "{report}");
    assert_eq!(report.total(), 43);
}

#[test]
fn wrong_expectations_fail_with_their_lines() {
    let report = run(r#"(module
  (func (export "one") (result i32) i32.const 1)
  (func (export "nan") (result f32) (f32.const nan:0x200000))
  (func (export "f") (result f32) (f32.const 0))
  (func (export "trap") unreachable)
  (func (export "ext") (param externref) (result externref) local.get 0)
  (func (export "vec") (result v128) (v128.const i32x4 1 2 3 4))
)
(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "one") (i64.const 1))
(assert_return (invoke "one"))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_return (invoke "f") (f32.const -0))
(assert_return (invoke "ext" (ref.extern 1)) (ref.extern 2))
(assert_return (invoke "ext" (ref.extern 1)) (ref.null extern))
(assert_return (invoke "vec") (v128.const i32x4 1 2 3 5))
(assert_trap (invoke "one") "unreachable")
(assert_trap (invoke "trap") "integer overflow")
(assert_exhaustion (invoke "trap") "call stack exhausted")
(invoke "missing")
(invoke "one" (i32.const 1))
(assert_invalid (module (func (result i32) i32.const 0)) "type mismatch")
(assert_malformed (module quote "(func)") "unexpected token")
(assert_unlinkable (module) "unknown import")
(assert_unlinkable (module (func unreachable) (start 0)) "unknown import")
(invoke $nowhere "one")
(register "x" $nowhere)
(module (import "spectest" "nope" (func)))
(invoke "one")
"#);
    assert_eq!(report.passed, 1, "{report}");
    let expected: Vec<usize> = (9..=29).collect();
    assert_eq!(failed_lines(&report), expected, "{report}");
}

/// Assertions about where a module fails, and trap messages, judged as
/// the reference interpreter's harness judges them: (directive, `None` if
/// it must pass, or a part of its failure message).
const STRICT_CASES: &[(&str, Option<&str>)] = &[
    // Malformed: the text does not parse or the binary does not decode.
    (
        r#"(assert_malformed (module quote "(func") "unexpected end")"#,
        None,
    ),
    (
        r#"(assert_malformed (module binary "\00asm\01\00\00\00\0e\00") "malformed section id")"#,
        None,
    ),
    (
        r#"(assert_malformed (module quote "(func (result i32))") "type mismatch")"#,
        Some("but it is an invalid"),
    ),
    (
        r#"(assert_malformed (module binary "\00asm\01\00\00\00\01\05\01\60\00\01\7f\03\02\01\00\0a\04\01\02\00\0b") "type mismatch")"#,
        Some("but it is an invalid"),
    ),
    // Invalid: it decodes, but does not validate.
    (
        r#"(assert_invalid (module (func (result i32))) "type mismatch")"#,
        None,
    ),
    (
        r#"(assert_invalid (module binary "\00asm\01\00\00\00\01\05\01\60\00\01\7f\03\02\01\00\0a\04\01\02\00\0b") "type mismatch")"#,
        None,
    ),
    (
        r#"(assert_invalid (module quote "(func") "type mismatch")"#,
        Some("but it is a malformed"),
    ),
    (
        r#"(assert_invalid (module binary "\00asm\01\00\00\00\0e\00") "type mismatch")"#,
        Some("but it is a malformed"),
    ),
    // Unlinkable: imports missing or mismatched, with the spec's message.
    (
        r#"(assert_unlinkable (module (import "spectest" "nope" (func))) "unknown import")"#,
        None,
    ),
    (
        r#"(assert_unlinkable (module (import "spectest" "global_i32" (global i64))) "incompatible import type")"#,
        None,
    ),
    (
        r#"(assert_unlinkable (module (import "spectest" "nope" (func))) "incompatible import type")"#,
        Some("got \"unknown import"),
    ),
    (
        r#"(assert_unlinkable (module (func unreachable) (start 0)) "unreachable")"#,
        Some("but it is an uninstantiable"),
    ),
    (
        r#"(assert_unlinkable (module (memory 0) (data (i32.const 1) "a")) "out of bounds memory access")"#,
        Some("but it is an uninstantiable"),
    ),
    (
        r#"(assert_unlinkable (module (import "spectest" "nope" (func)) (func (result i32))) "unknown import")"#,
        Some("but it is an invalid"),
    ),
    // Uninstantiable: it links, then a segment or the start function traps.
    (
        r#"(assert_trap (module (func unreachable) (start 0)) "unreachable")"#,
        None,
    ),
    (
        r#"(assert_trap (module (memory 0) (data (i32.const 1) "a")) "out of bounds memory access")"#,
        None,
    ),
    (
        r#"(assert_trap (module (table 0 funcref) (elem (i32.const 1) func)) "out of bounds table access")"#,
        None,
    ),
    (
        r#"(assert_trap (module (import "spectest" "nope" (func)) (func unreachable) (start 1)) "unreachable")"#,
        Some("got error: unknown import"),
    ),
    (
        r#"(assert_trap (module (memory 0) (data (i32.const 1) "a")) "out of bounds table access")"#,
        Some("got trap \"wasm trap: out of bounds memory access\""),
    ),
    // Traps: the expected text must be a prefix of the reference
    // interpreter's message for the trap Egret raised.
    (r#"(assert_trap (invoke "trap") "unreachable")"#, None),
    (r#"(assert_trap (invoke "trap") "unreach")"#, None),
    (
        r#"(assert_trap (invoke "trap") "unreachable executed")"#,
        Some("got trap \"wasm trap: wasm `unreachable` instruction executed\""),
    ),
    (
        r#"(assert_trap (invoke "call" (i32.const 5)) "undefined element")"#,
        None,
    ),
    // `call_indirect` past the table's end and `table.get` out of bounds
    // are one trap, `TableOutOfBounds`, as in Wasmtime: either text of the
    // reference interpreter matches either.
    (
        r#"(assert_trap (invoke "call" (i32.const 5)) "out of bounds table access")"#,
        None,
    ),
    (
        r#"(assert_trap (invoke "call" (i32.const 0)) "uninitialized element 0")"#,
        None,
    ),
    (
        r#"(assert_trap (invoke "call" (i32.const 0)) "undefined element")"#,
        Some("got trap \"wasm trap: uninitialized element\""),
    ),
    (
        r#"(assert_trap (invoke "get" (i32.const 5)) "out of bounds table access")"#,
        None,
    ),
    (
        r#"(assert_trap (invoke "get" (i32.const 5)) "undefined element")"#,
        None,
    ),
    (
        r#"(assert_trap (invoke "get" (i32.const 5)) "uninitialized element")"#,
        Some(
            "got trap \"wasm trap: undefined element: out of bounds table access\" (TableOutOfBounds)",
        ),
    ),
    // Exhaustion: a stack overflow, with its message.
    (
        r#"(assert_exhaustion (invoke "loop") "call stack exhausted")"#,
        None,
    ),
    (
        r#"(assert_exhaustion (invoke "loop") "call stack exhausted!")"#,
        Some("got trap \"wasm trap: call stack exhausted\""),
    ),
    (
        r#"(assert_exhaustion (invoke "trap") "unreachable")"#,
        Some(
            "(StackOverflow), got trap \"wasm trap: wasm `unreachable` instruction executed\" (UnreachableCodeReached)",
        ),
    ),
];

#[test]
fn assertions_are_as_strict_as_the_reference_harness() {
    let module = r#"(module
  (table 1 funcref)
  (func (export "trap") unreachable)
  (func (export "call") (param i32) (call_indirect (local.get 0)))
  (func (export "get") (param i32) (drop (table.get (local.get 0))))
  (func $loop (export "loop") (call $loop)))"#;
    let script: Vec<&str> = std::iter::once(module)
        .chain(STRICT_CASES.iter().map(|(directive, _)| *directive))
        .collect();
    let report = run(&script.join("\n"));
    let first = module.lines().count() + 1;
    for (i, (directive, expected)) in STRICT_CASES.iter().enumerate() {
        let failure = report.failed.iter().find(|f| f.line == first + i);
        match (expected, failure) {
            (None, None) => {}
            (Some(part), Some(failure)) if failure.message.contains(part) => {}
            _ => panic!("{directive}\nexpected {expected:?}, got {failure:?}"),
        }
    }
    assert_eq!(report.total(), 1 + STRICT_CASES.len(), "{report}");
}

#[test]
fn failed_module_is_named_by_later_failures() {
    let report = run(
        "(module $a (func (export \"f\")))\n(module $a (func $f (result i32)))\n(invoke $a \"f\")",
    );
    assert_eq!(failed_lines(&report), [2, 3], "{report}");
    assert!(report.failed[0].message.starts_with("module:"), "{report}");
    assert!(report.failed[1].message.contains("line 2"), "{report}");
}

#[test]
fn unparsable_script_is_one_failure_at_the_error() {
    let report = run("(module)\n(assert_return (invoke \"f\") (i32.const))");
    assert_eq!(report.passed, 0);
    assert_eq!(failed_lines(&report), [2], "{report}");
    assert!(
        report.failed[0]
            .message
            .starts_with("script does not parse"),
        "{report}"
    );
}

#[test]
fn report_display() {
    let report = run("(module)\n(invoke \"nope\")");
    assert_eq!(
        report.to_string().lines().next(),
        Some("FAIL test.wast: 1 of 2 failed")
    );
    assert!(
        report.to_string().contains("\n  line 2: invoke: "),
        "{report}"
    );
    assert_eq!(run("(module)").to_string(), "PASS test.wast (1 assertions)");
}
