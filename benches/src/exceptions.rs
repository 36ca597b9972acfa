//! The exceptions figure (issue #15): what a throw costs, caught 1, 10 and
//! 100 frames above it, and what `try_table` costs when nothing is thrown
//! (nothing, if exception handling is zero-cost).
//!
//! One module holds every loop. A throw loop calls, [`THROWS_PER_RUN`]
//! times, a chain of wasm functions whose innermost throws the tag `$e`
//! with the loop's counter as its `i32` payload, caught by a `try_table`
//! in the loop; the payloads are summed, so no throw can be removed. Every
//! function of the chain adds 1 to its callee's result, so none of the
//! calls is a tail call and each keeps its frame. The call loops are
//! call_kinds' `call` loop ([`CALLS_PER_RUN`] calls of `x + 1`), once with
//! plain calls and once with every call inside a `try_table` with a
//! `catch_all` that is never taken.

use crate::call_kinds::LOOP;

/// Throws per `run(n)` of a throw loop in the benchmarks.
pub const THROWS_PER_RUN: u32 = 1_000;

/// Calls per `run(n)` of a call loop in the benchmarks.
pub const CALLS_PER_RUN: u32 = 10_000;

/// One loop of the module.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExceptionFigure {
    /// A throw caught `depth` frames up: the loop calls a chain of `depth`
    /// functions, the last of which throws.
    Throw {
        /// Frames between the `try_table` and the `throw`.
        depth: u32,
    },
    /// The call loop with plain calls.
    CallsPlain,
    /// The call loop with every call inside `try_table (catch_all ...)`.
    CallsInTry,
}

impl ExceptionFigure {
    /// Every loop, in table order.
    pub const ALL: [ExceptionFigure; 5] = [
        ExceptionFigure::Throw { depth: 1 },
        ExceptionFigure::Throw { depth: 10 },
        ExceptionFigure::Throw { depth: 100 },
        ExceptionFigure::CallsPlain,
        ExceptionFigure::CallsInTry,
    ];

    /// The export that runs this loop.
    pub fn export(self) -> String {
        match self {
            ExceptionFigure::Throw { depth } => format!("throw_{depth}"),
            ExceptionFigure::CallsPlain => "calls_plain".into(),
            ExceptionFigure::CallsInTry => "calls_in_try".into(),
        }
    }

    /// What one step of the loop is, for tables.
    pub fn unit(self) -> &'static str {
        match self {
            ExceptionFigure::Throw { .. } => "throw",
            ExceptionFigure::CallsPlain | ExceptionFigure::CallsInTry => "call",
        }
    }

    /// Steps per `run(n)` in the benchmarks: [`THROWS_PER_RUN`] or
    /// [`CALLS_PER_RUN`].
    pub fn steps_per_run(self) -> u32 {
        match self {
            ExceptionFigure::Throw { .. } => THROWS_PER_RUN,
            ExceptionFigure::CallsPlain | ExceptionFigure::CallsInTry => CALLS_PER_RUN,
        }
    }

    /// What `run(n)` returns: the sum of the payloads `n, n - 1, ..., 1`
    /// for a throw loop (wrapping, as `i32.add` does), `n` for a call loop.
    pub fn result(self, n: u32) -> u32 {
        match self {
            ExceptionFigure::Throw { .. } => (1..=n).fold(0, u32::wrapping_add),
            ExceptionFigure::CallsPlain | ExceptionFigure::CallsInTry => n,
        }
    }
}

/// The deepest chain the module holds.
fn deepest() -> u32 {
    ExceptionFigure::ALL
        .iter()
        .filter_map(|figure| match figure {
            ExceptionFigure::Throw { depth } => Some(*depth),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// The module: exports every [`ExceptionFigure::export`], each
/// `(i32) -> i32`. `$chain_1` throws its argument; `$chain_k` calls
/// `$chain_{k-1}`.
pub fn exceptions_wat() -> String {
    let mut wat = String::from(
        r#"(module
  (tag $e (param i32))
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $chain_1 (param i32) (result i32) (throw $e (local.get 0)))
"#,
    );
    for depth in 2..=deepest() {
        let callee = depth - 1;
        wat += &format!(
            "  (func $chain_{depth} (param i32) (result i32) \
             (i32.add (call $chain_{callee} (local.get 0)) (i32.const 1)))\n"
        );
    }
    for figure in ExceptionFigure::ALL {
        let step = match figure {
            ExceptionFigure::Throw { depth } => format!(
                "(i32.add (local.get $acc)
          (block $caught (result i32)
            (try_table (catch $e $caught) (drop (call $chain_{depth} (local.get $n))))
            (unreachable)))"
            ),
            ExceptionFigure::CallsPlain => "(call $inc (local.get $acc))".into(),
            ExceptionFigure::CallsInTry => "(block $returned (result i32)
          (block $thrown
            (br $returned
              (try_table (result i32) (catch_all $thrown) (call $inc (local.get $acc)))))
          (unreachable))"
                .into(),
        };
        let body = LOOP.replace("SETUP", "").replace("CALL", &step);
        wat += &format!("  (func (export \"{}\") {body}\n", figure.export());
    }
    wat.push(')');
    wat
}

/// [`exceptions_wat`] in binary form.
pub fn exceptions_module() -> Vec<u8> {
    wat::parse_str(exceptions_wat()).expect("the exceptions module is valid text")
}
