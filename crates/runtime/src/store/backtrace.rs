//! The wasm frames a store has suspended on this thread, for a host
//! function that asks where it was called from (Wasmtime's
//! `WasmBacktrace::capture`).

use super::StoreOpaque;
use crate::trap::FrameInfo;
use crate::traphandlers;

impl StoreOpaque {
    /// The wasm frames of this store suspended on this thread, innermost
    /// first: those of the wasm that called the running host function and
    /// of every wasm below it. Empty when no wasm of this store runs on
    /// this thread; only the frames found when the walk cannot be complete
    /// (see `walk_wasm_frames`).
    pub fn wasm_backtrace(&self) -> Vec<FrameInfo> {
        let mut frames = Vec::new();
        let mut visit = |_fp: usize, return_address: usize| {
            // A return address points after its call; look up the call.
            frames.extend(FrameInfo::at(return_address.wrapping_sub(1)));
        };
        // SAFETY: `self.context` is this live store's context; holding
        // `&self` means the store is in use by this code, and the walk
        // reads only activations of this thread, whose recorded exits are
        // frame records on this thread's stack while they are live.
        unsafe { traphandlers::walk_wasm_frames(self.context.as_ptr(), &mut visit) };
        frames
    }
}
