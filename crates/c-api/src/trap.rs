//! `wasm_trap_t` and `wasm_frame_t`: a trap is an owned `egret::Error`
//! that is a trap (wasm trapped, or a host function it called failed), or
//! one made by C (`wasmtime_trap_new`, `wasm_trap_new`) for a host
//! function to return; a frame is one entry of its wasm backtrace.

use crate::boundary::or_default;
use crate::error::message_of;
use crate::vec::{
    WasmVec, wasm_byte_vec_t, wasm_frame_vec_t, wasm_message_t, wasm_name_t, write_vec,
};
use egret_api::{Error, ThrownException, Trap, WasmBacktrace};
use std::ffi::c_char;

/// A trap.
pub struct wasm_trap_t {
    pub(crate) error: Error,
}

impl From<Error> for wasm_trap_t {
    fn from(error: Error) -> wasm_trap_t {
        wasm_trap_t { error }
    }
}

/// Whether a failed call's error is reported as a trap rather than an
/// error, as Wasmtime decides: wasm trapped (a trap code, also one a host
/// callback returned with `wasmtime_trap_new_code`) or an exception went
/// uncaught. A host callback's `wasmtime_trap_new` message is an error.
pub(crate) fn is_trap(error: &Error) -> bool {
    error.downcast_ref::<Trap>().is_some() || error.downcast_ref::<ThrownException>().is_some()
}

/// `wasmtime_trap_code_t`, in the order of `wasmtime_trap_code_enum`
/// (the codes Egret can raise; the rest are the component model's and
/// stack switching's).
pub(crate) const TRAP_CODES: &[(u8, Trap)] = &[
    (0, Trap::StackOverflow),
    (1, Trap::MemoryOutOfBounds),
    (3, Trap::TableOutOfBounds),
    (4, Trap::IndirectCallToNull),
    (5, Trap::BadSignature),
    (6, Trap::IntegerOverflow),
    (7, Trap::IntegerDivisionByZero),
    (8, Trap::BadConversionToInteger),
    (9, Trap::UnreachableCodeReached),
    (10, Trap::Interrupt),
    (11, Trap::OutOfFuel),
    (13, Trap::NullReference),
    (14, Trap::ArrayOutOfBounds),
    (15, Trap::AllocationTooLarge),
    (16, Trap::CastFailure),
];

/// One wasm frame of a trap's or error's backtrace.
#[derive(Clone)]
pub struct wasm_frame_t {
    func_index: u32,
    func_name: Option<wasm_name_t>,
    module_name: Option<wasm_name_t>,
    module_offset: Option<usize>,
    func_offset: Option<usize>,
}

/// The frames of `error`'s wasm backtrace, innermost first.
pub(crate) fn frames_of(error: &Error) -> Vec<Option<Box<wasm_frame_t>>> {
    let name = |text: Option<&str>| text.map(|t| WasmVec::from_vec(t.as_bytes().to_vec()));
    error
        .downcast_ref::<WasmBacktrace>()
        .map(|trace| trace.frames())
        .unwrap_or_default()
        .iter()
        .map(|frame| {
            Some(Box::new(wasm_frame_t {
                func_index: frame.func_index(),
                func_name: name(frame.func_name()),
                module_name: name(frame.module_name()),
                module_offset: frame.module_offset(),
                func_offset: frame.func_offset(),
            }))
        })
        .collect()
}

/// A trap with the message `message` (a `wasm_message_t`, whose final
/// NUL, if any, is not part of the message). The store is not used:
/// Egret's traps belong to no store.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_trap_new(
    _store: *mut crate::wasm_store::wasm_store_t,
    message: Option<&wasm_message_t>,
) -> Option<Box<wasm_trap_t>> {
    or_default(None, || {
        let bytes = message.map(WasmVec::as_slice).unwrap_or_default();
        let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
        let text = String::from_utf8_lossy(bytes);
        Some(Box::new(wasm_trap_t::from(Error::msg(text))))
    })
}

/// A trap with the message of `len` bytes at `message`.
///
/// # Safety
/// `message` holds `len` bytes (or `len` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_trap_new(
    message: *const c_char,
    len: usize,
) -> Option<Box<wasm_trap_t>> {
    or_default(None, || {
        // SAFETY: forwarded to the caller.
        let bytes = unsafe { crate::boundary::slice(message.cast::<u8>(), len, "message") }.ok()?;
        let text = String::from_utf8_lossy(bytes);
        Some(Box::new(wasm_trap_t::from(Error::msg(text))))
    })
}

/// A trap with the code `code`; NULL for a code Egret never raises (those
/// of the component model, async and stack switching).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_trap_new_code(code: u8) -> Option<Box<wasm_trap_t>> {
    or_default(None, || {
        let (_, trap) = TRAP_CODES.iter().find(|(c, _)| *c == code)?;
        Some(Box::new(wasm_trap_t::from(Error::from(*trap))))
    })
}

/// Whether the trap has a code (wasm trapped, rather than a host function
/// failing); if so it is written to `code`.
///
/// # Safety
/// `code` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_trap_code(trap: Option<&wasm_trap_t>, code: *mut u8) -> bool {
    or_default(false, || {
        let Some(found) = trap.and_then(|t| t.error.downcast_ref::<Trap>()) else {
            return false;
        };
        let Some((number, _)) = TRAP_CODES.iter().find(|(_, t)| t == found) else {
            return false;
        };
        if !code.is_null() {
            // SAFETY: non-null and writable, as the caller promises.
            unsafe { code.write(*number) };
        }
        true
    })
}

/// Writes the trap's message, NUL-terminated as a `wasm_message_t`, to
/// `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_trap_message(trap: Option<&wasm_trap_t>, out: *mut wasm_byte_vec_t) {
    or_default((), || {
        if let Some(trap) = trap {
            let mut text = message_of(&trap.error).into_bytes();
            text.push(0);
            // SAFETY: forwarded to the caller.
            unsafe { write_vec(out, WasmVec::from_vec(text)) }
        }
    })
}

/// The innermost wasm frame of the trap, or NULL if it has none.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_trap_origin(trap: Option<&wasm_trap_t>) -> Option<Box<wasm_frame_t>> {
    or_default(None, || {
        frames_of(&trap?.error).into_iter().next().flatten()
    })
}

/// Writes the trap's wasm frames, innermost first, to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_trap_trace(trap: Option<&wasm_trap_t>, out: *mut wasm_frame_vec_t) {
    or_default((), || {
        let frames = trap.map(|t| frames_of(&t.error)).unwrap_or_default();
        // SAFETY: forwarded to the caller.
        unsafe { write_vec(out, WasmVec::from_vec(frames)) }
    })
}

/// Frees a trap.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_trap_delete(trap: Option<Box<wasm_trap_t>>) {
    or_default((), || drop(trap))
}

/// Frees a frame.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_delete(frame: Option<Box<wasm_frame_t>>) {
    or_default((), || drop(frame))
}

/// A copy of a frame.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_copy(frame: Option<&wasm_frame_t>) -> Option<Box<wasm_frame_t>> {
    or_default(None, || frame.map(|f| Box::new(f.clone())))
}

/// The frame's function index in its module.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_func_index(frame: Option<&wasm_frame_t>) -> u32 {
    frame.map_or(0, |f| f.func_index)
}

/// The frame's instance: always NULL (Egret's frames do not record it;
/// Wasmtime 50 does not implement this function either).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_instance(
    _frame: Option<&wasm_frame_t>,
) -> *mut crate::wasm_store::wasm_instance_t {
    std::ptr::null_mut()
}

/// The offset of the frame's instruction (the trapping one, or a call)
/// from the start of its function's body, or `SIZE_MAX` if unknown.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_func_offset(frame: Option<&wasm_frame_t>) -> usize {
    frame.and_then(|f| f.func_offset).unwrap_or(usize::MAX)
}

/// The offset of the frame's instruction in its module's bytes, or
/// `SIZE_MAX` if unknown.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_module_offset(frame: Option<&wasm_frame_t>) -> usize {
    frame.and_then(|f| f.module_offset).unwrap_or(usize::MAX)
}

/// The frame's function name from the name section, or NULL; owned by
/// the frame.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_frame_func_name(frame: Option<&wasm_frame_t>) -> Option<&wasm_name_t> {
    frame?.func_name.as_ref()
}

/// The frame's module name from the name section, or NULL; owned by the
/// frame.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_frame_module_name(frame: Option<&wasm_frame_t>) -> Option<&wasm_name_t> {
    frame?.module_name.as_ref()
}
