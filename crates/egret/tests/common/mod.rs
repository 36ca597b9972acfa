//! Helpers shared by the integration tests. Each test binary uses some of
//! them, hence `dead_code` is allowed.
#![allow(dead_code)]

use egret::{Error, TrapKind};

/// The kind of the trap `result` failed with; panics (failing the test)
/// if it did not trap.
pub fn trap_kind<R: std::fmt::Debug>(result: egret::Result<R>) -> TrapKind {
    match result {
        Err(Error::Trap(trap)) => trap.kind(),
        other => panic!("expected a trap, got {other:?}"),
    }
}

/// The function names of a trap's wasm backtrace, innermost first ("" for
/// a nameless frame); panics if `error` is not a trap.
pub fn backtrace_names(error: &Error) -> Vec<String> {
    error
        .as_trap()
        .expect("a trap")
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect()
}
