//! The edge between C and Rust: every entry point runs its body through
//! [`with_error`] or [`or_default`], so a panic never unwinds into C; NULL
//! arguments become errors naming them; C buffers are read as slices only
//! after their pointer is checked.

use crate::error::wasmtime_error_t;
use crate::trap::wasm_trap_t;
use egret_api::{Error, Result};
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A pointer that C declares non-const (`T *`) but Egret only reads
/// through: a shared reference, which `include/egret.h` declares as
/// Wasmtime does.
pub type CMut<'a, T> = &'a T;

/// Runs the body of an entry point that reports failure as an owned
/// `wasmtime_error_t` (NULL on success). A panic becomes an error.
pub(crate) fn with_error(body: impl FnOnce() -> Result<()>) -> Option<Box<wasmtime_error_t>> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(Box::new(wasmtime_error_t::from(error))),
        Err(payload) => Some(Box::new(wasmtime_error_t::from(panic_error(payload)))),
    }
}

/// Runs the body of an entry point that may also report a trap through
/// `trap_out` (a `wasm_trap_t **`): a failure that is a trap (see
/// [`crate::trap::is_trap`]) is written there and NULL is returned; other
/// failures are returned as errors, as Wasmtime does.
pub(crate) fn with_trap(
    trap_out: *mut *mut wasm_trap_t,
    body: impl FnOnce() -> Result<()>,
) -> Option<Box<wasmtime_error_t>> {
    let outcome = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(outcome) => outcome,
        Err(payload) => Err(panic_error(payload)),
    };
    match outcome {
        Ok(()) => None,
        Err(error) if crate::trap::is_trap(&error) && !trap_out.is_null() => {
            let trap = Box::into_raw(Box::new(wasm_trap_t::from(error)));
            // SAFETY: `trap_out` is not null, and C passes a writable
            // `wasm_trap_t *` slot there.
            unsafe { trap_out.write(trap) };
            None
        }
        Err(error) => Some(Box::new(wasmtime_error_t::from(error))),
    }
}

/// Runs the body of an entry point without an error path; `fallback` is
/// returned if it panics.
pub(crate) fn or_default<R>(fallback: R, body: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The error a caught panic becomes.
fn panic_error(payload: Box<dyn Any + Send>) -> Error {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    Error::msg(format!("panic inside Egret: {message}"))
}

/// The error for a NULL argument: "invalid store: null pointer".
pub(crate) fn null_error(what: &str) -> Error {
    Error::msg(format!("invalid {what}: null pointer"))
}

/// `value`, or the error naming the NULL argument `what`.
pub(crate) fn required<T>(value: Option<T>, what: &str) -> Result<T> {
    value.ok_or_else(|| null_error(what))
}

/// The `len` elements at `ptr`: empty for a zero length (whatever the
/// pointer), an error naming `what` for a NULL pointer with a length.
///
/// # Safety
/// A non-null `ptr` must point to `len` initialised elements that stay
/// valid and unchanged for `'a`.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize, what: &str) -> Result<&'a [T]> {
    if len == 0 {
        Ok(&[])
    } else if ptr.is_null() {
        Err(null_error(what))
    } else {
        // SAFETY: non-null, and the caller promises `len` valid elements.
        Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
    }
}

/// The UTF-8 text of `len` bytes at `ptr` (a name given with its length).
///
/// # Safety
/// As [`slice`].
pub(crate) unsafe fn text<'a>(
    ptr: *const std::ffi::c_char,
    len: usize,
    what: &str,
) -> Result<&'a str> {
    // SAFETY: forwarded to the caller.
    let bytes = unsafe { slice(ptr.cast::<u8>(), len, what) }?;
    std::str::from_utf8(bytes).map_err(|_| Error::msg(format!("invalid {what}: not UTF-8")))
}

/// Writes `value` to the C out-parameter `out` without reading (or
/// dropping) what was there; an error naming `what` if `out` is NULL.
///
/// # Safety
/// A non-null `out` must be valid for writing a `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T, what: &str) -> Result<()> {
    if out.is_null() {
        return Err(null_error(what));
    }
    // SAFETY: non-null, and the caller promises it is writable.
    unsafe { out.write(value) };
    Ok(())
}
