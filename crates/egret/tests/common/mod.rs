//! Helpers shared by the integration tests.

use egret::{Error, TrapKind};

/// The kind of the trap `result` failed with; panics (failing the test)
/// if it did not trap.
pub fn trap_kind<R: std::fmt::Debug>(result: egret::Result<R>) -> TrapKind {
    match result {
        Err(Error::Trap(trap)) => trap.kind(),
        other => panic!("expected a trap, got {other:?}"),
    }
}
