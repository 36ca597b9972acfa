//! `proc_exit` and `sched_yield`.

use crate::exit::I32Exit;

/// Stops the program: the error unwinds the wasm stack to the embedder.
pub(crate) fn proc_exit(code: u32) -> egret::Result<()> {
    Err(I32Exit(code as i32).into())
}

pub(crate) fn sched_yield() -> i32 {
    std::thread::yield_now();
    0
}
