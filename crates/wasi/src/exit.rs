//! `proc_exit`: the error that stops a wasm program with an exit code, and
//! how an embedder gets the code back out of the error.

use std::fmt;

/// A guest called `proc_exit(code)`.
///
/// The host function returns this as its error, which unwinds the wasm
/// stack back to the embedder: the call into wasm returns it (not a trap,
/// as in Wasmtime) under its [`WasmBacktrace`](egret::WasmBacktrace);
/// `downcast_ref::<I32Exit>()` or [`exit_code`] finds it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct I32Exit(pub i32);

impl fmt::Display for I32Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm program exited with status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}

/// The exit code if `error` is a guest's `proc_exit`, whether it came back
/// from wasm (the guest called `proc_exit`) or directly (the host called
/// the function itself).
///
/// ```
/// let exit: egret::Error = egret_wasi::I32Exit(3).into();
/// assert_eq!(egret_wasi::exit_code(&exit), Some(3));
/// assert_eq!(egret_wasi::exit_code(&egret::Error::msg("boom")), None);
/// ```
pub fn exit_code(error: &egret::Error) -> Option<i32> {
    error.downcast_ref::<I32Exit>().map(|exit| exit.0)
}
