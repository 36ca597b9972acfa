//! The call-kinds figure (issue #14): the same wasm→wasm call made in a
//! hot loop with `call`, with `call_indirect` (to a callee of exactly the
//! expected type, and to one whose type is a declared subtype of it) and
//! with `call_ref`, so the cost of each kind's checks shows beside the
//! others.
//!
//! The callee is `x + 1`, too small to hide a call's cost. Every loop
//! makes [`CALLS_PER_LOOP`] calls (more with a larger `n`) and threads an
//! accumulator through them, so each returns `n`. The table slot and the
//! function reference are read from mutable globals before the loop: the
//! compiler sees neither as a constant, as in code whose targets are data.

/// One way of calling the callee.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// `call $inc`: a direct call.
    Direct,
    /// `call_indirect (type $f)` of a table slot holding a function of
    /// type `$f`: a bounds check, a null check and an exact type match.
    Indirect,
    /// `call_indirect (type $base)` of a slot holding a function of type
    /// `$derived`, declared `(sub $base ...)`: the type differs, so the
    /// check must find `$base` among `$derived`'s supertypes.
    IndirectSubtype,
    /// `call_ref $f` of a non-null `(ref $f)`: no table, no type check.
    Ref,
}

impl CallKind {
    /// Every kind, in table order.
    pub const ALL: [CallKind; 4] = [
        CallKind::Direct,
        CallKind::Indirect,
        CallKind::IndirectSubtype,
        CallKind::Ref,
    ];

    /// The export that runs this kind's loop.
    pub fn export(self) -> &'static str {
        match self {
            CallKind::Direct => "call",
            CallKind::Indirect => "call_indirect",
            CallKind::IndirectSubtype => "call_indirect_subtype",
            CallKind::Ref => "call_ref",
        }
    }
}

/// Calls per `run(n)` in the benchmarks.
pub const CALLS_PER_LOOP: u32 = 10_000;

/// `LOOP(CALL)`: a function `(param $n i32) (result i32)` that makes `$n`
/// calls, each `CALL` (which consumes `$acc` and leaves its next value,
/// here the callee's result), and returns the accumulator. `SETUP` declares
/// and sets further locals before the loop. The exceptions figure uses it
/// too.
pub(crate) const LOOP: &str = r#"(param $n i32) (result i32) (local $acc i32)
    SETUP
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc CALL)
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))"#;

/// The module: exports `call`, `call_indirect`, `call_indirect_subtype`
/// and `call_ref`, each `(i32) -> i32` (see [`CallKind::export`]). Needs
/// typed function references and GC types (for the `sub` declarations).
pub fn call_kinds_wat() -> String {
    let func = |kind: CallKind, setup: &str, call: &str| {
        let body = LOOP.replace("SETUP", setup).replace("CALL", call);
        format!("  (func (export \"{}\") {body}\n", kind.export())
    };
    let mut wat = String::from(
        r#"(module
  (type $f (func (param i32) (result i32)))
  (type $base (sub (func (param i32) (result i32))))
  (type $derived (sub $base (func (param i32) (result i32))))
  (func $inc (type $f) (i32.add (local.get 0) (i32.const 1)))
  (func $inc_derived (type $derived) (i32.add (local.get 0) (i32.const 1)))
  (table 2 funcref)
  (elem (i32.const 0) func $inc $inc_derived)
  (global $inc_slot (mut i32) (i32.const 0))
  (global $inc_derived_slot (mut i32) (i32.const 1))
  (global $inc_ref (mut (ref null $f)) (ref.func $inc))
"#,
    );
    wat += &func(CallKind::Direct, "", "(call $inc (local.get $acc))");
    wat += &func(
        CallKind::Indirect,
        "(local $slot i32) (local.set $slot (global.get $inc_slot))",
        "(call_indirect (type $f) (local.get $acc) (local.get $slot))",
    );
    wat += &func(
        CallKind::IndirectSubtype,
        "(local $slot i32) (local.set $slot (global.get $inc_derived_slot))",
        "(call_indirect (type $base) (local.get $acc) (local.get $slot))",
    );
    wat += &func(
        CallKind::Ref,
        "(local $target (ref $f)) (local.set $target (ref.as_non_null (global.get $inc_ref)))",
        "(call_ref $f (local.get $acc) (local.get $target))",
    );
    wat.push(')');
    wat
}

/// [`call_kinds_wat`] in binary form.
pub fn call_kinds_module() -> Vec<u8> {
    wat::parse_str(call_kinds_wat()).expect("the call-kinds module is valid text")
}
