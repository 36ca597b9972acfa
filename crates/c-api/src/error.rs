//! `wasmtime_error_t`: an owned `egret::Error`, with its message, WASI
//! exit status and wasm backtrace readable from C.

use crate::boundary::or_default;
use crate::trap::frames_of;
use crate::vec::{WasmVec, wasm_frame_vec_t, wasm_name_t, write_vec};
use egret_api::Error;
use std::ffi::{CStr, c_char, c_int};

/// An error: everything but a trap that an entry point can report.
pub struct wasmtime_error_t {
    pub(crate) error: Error,
}

impl From<Error> for wasmtime_error_t {
    fn from(error: Error) -> wasmtime_error_t {
        wasmtime_error_t { error }
    }
}

/// The message of an error as Wasmtime's C API gives it: the message,
/// then its causes (`{:?}`).
pub(crate) fn message_of(error: &Error) -> String {
    format!("{error:?}")
}

/// An error with the NUL-terminated `message` (a NULL message is empty).
///
/// # Safety
/// `message` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_error_new(
    message: *const c_char,
) -> Option<Box<wasmtime_error_t>> {
    or_default(None, || {
        let text = if message.is_null() {
            String::new()
        } else {
            // SAFETY: non-null, and the caller promises a C string.
            unsafe { CStr::from_ptr(message) }
                .to_string_lossy()
                .into_owned()
        };
        Some(Box::new(wasmtime_error_t::from(Error::msg(text))))
    })
}

/// Frees an error.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_error_delete(error: Option<Box<wasmtime_error_t>>) {
    or_default((), || drop(error))
}

/// Writes the error's message (not NUL-terminated) to `message`, which
/// the caller frees with `wasm_byte_vec_delete`. Nothing is written for a
/// NULL error.
///
/// # Safety
/// `message` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_error_message(
    error: Option<&wasmtime_error_t>,
    message: *mut wasm_name_t,
) {
    or_default((), || {
        if let Some(error) = error {
            let text = message_of(&error.error).into_bytes();
            // SAFETY: forwarded to the caller.
            unsafe { write_vec(message, WasmVec::from_vec(text)) }
        }
    })
}

/// Whether the error is a WASI program's `proc_exit`; if so its code is
/// written to `status`.
///
/// # Safety
/// `status` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_error_exit_status(
    error: Option<&wasmtime_error_t>,
    status: *mut c_int,
) -> bool {
    or_default(false, || {
        let Some(code) = error.and_then(|e| egret_wasi::exit_code(&e.error)) else {
            return false;
        };
        if !status.is_null() {
            // SAFETY: non-null and writable, as the caller promises.
            unsafe { status.write(code) };
        }
        true
    })
}

/// Writes the wasm frames the error was raised in (innermost first; empty
/// if it was not raised in wasm) to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_error_wasm_trace(
    error: Option<&wasmtime_error_t>,
    out: *mut wasm_frame_vec_t,
) {
    or_default((), || {
        let frames = error.map(|e| frames_of(&e.error)).unwrap_or_default();
        // SAFETY: forwarded to the caller.
        unsafe { write_vec(out, WasmVec::from_vec(frames)) }
    })
}
