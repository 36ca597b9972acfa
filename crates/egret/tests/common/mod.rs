//! Helpers shared by the integration tests. Each test binary uses some of
//! them, hence `dead_code` is allowed.
#![allow(dead_code)]

use egret::{Error, Trap, WasmBacktrace};

/// The trap `result` failed with; panics (failing the test) if it did not
/// trap.
pub fn trap_of<R: std::fmt::Debug>(result: egret::Result<R>) -> Trap {
    match result {
        Err(error) => match error.downcast_ref::<Trap>() {
            Some(trap) => *trap,
            None => panic!("expected a trap, got {error:?}"),
        },
        Ok(value) => panic!("expected a trap, got {value:?}"),
    }
}

/// The function names of an error's wasm backtrace, innermost first (""
/// for a nameless frame); panics if `error` has none.
pub fn backtrace_names(error: &Error) -> Vec<String> {
    error
        .downcast_ref::<WasmBacktrace>()
        .expect("a wasm backtrace")
        .frames()
        .iter()
        .map(|f| f.func_name().unwrap_or_default().to_string())
        .collect()
}
