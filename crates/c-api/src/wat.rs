//! `wasmtime_wat2wasm`: the WebAssembly text format to a binary.

use crate::boundary::{text, with_error, write_out};
use crate::error::wasmtime_error_t;
use crate::vec::{WasmVec, wasm_byte_vec_t};
use egret_api::Error;
use std::ffi::c_char;

/// Converts the `wat_len` bytes of text at `wat` to a wasm binary written
/// to `ret`; a syntax error is returned as an error.
///
/// # Safety
/// `wat` holds `wat_len` bytes; `ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_wat2wasm(
    wat: *const c_char,
    wat_len: usize,
    ret: *mut wasm_byte_vec_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        // SAFETY: forwarded to the caller.
        let source = unsafe { text(wat, wat_len, "wat") }?;
        let binary = wat::parse_str(source).map_err(|e| Error::msg(e.to_string()))?;
        // SAFETY: forwarded to the caller.
        unsafe { write_out(ret, WasmVec::from_vec(binary), "ret") }
    })
}
