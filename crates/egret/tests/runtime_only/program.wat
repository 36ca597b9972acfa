;; The module the runtime-only test runs from its precompiled form (see
;; runtime_only.rs): it calls the host, traps through two frames, and uses
;; memory and a table.
(module $program
  (import "host" "triple" (func $triple (param i32) (result i32)))
  (type $binary (func (param i64 i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 8) "egret")
  (table 2 funcref)
  (elem (i32.const 0) $add $sub)
  (func $add (type $binary) (i64.add (local.get 0) (local.get 1)))
  (func $sub (type $binary) (i64.sub (local.get 0) (local.get 1)))
  (func (export "apply") (param i32 i64 i64) (result i64)
    (call_indirect (type $binary) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "triple_plus_one") (param i32) (result i32)
    (i32.add (call $triple (local.get 0)) (i32.const 1)))
  (func $inner (param i32) (result i32)
    (i32.div_u (i32.const 1) (local.get 0)))
  (func $outer (export "divide") (param i32) (result i32)
    (call $inner (local.get 0))))
