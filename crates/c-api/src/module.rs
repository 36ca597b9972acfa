//! `wasmtime_module_t`: a compiled `egret::Module`, shared by clones;
//! compiling, validating, imports and exports, and precompiled bytes.

use crate::boundary::{CMut, or_default, required, slice, with_error, write_out};
use crate::config::wasm_engine_t;
use crate::error::wasmtime_error_t;
use crate::types::{wasm_exporttype_t, wasm_importtype_t};
use crate::vec::{
    WasmVec, wasm_byte_vec_t, wasm_exporttype_vec_t, wasm_importtype_vec_t, write_vec,
};
use egret_api::Module;
use std::ffi::{CStr, c_char, c_void};

/// A compiled module.
#[derive(Clone)]
pub struct wasmtime_module_t {
    pub(crate) module: Module,
}

/// Writes an owned module to `ret`.
///
/// # Safety
/// `ret` is NULL or writable.
unsafe fn write_module(
    ret: *mut Option<Box<wasmtime_module_t>>,
    module: Module,
) -> egret_api::Result<()> {
    // SAFETY: forwarded to the caller.
    unsafe { write_out(ret, Some(Box::new(wasmtime_module_t { module })), "ret") }
}

/// Compiles the wasm binary of `wasm_len` bytes at `wasm` for `engine`,
/// writing the module to `ret`.
///
/// # Safety
/// `wasm` holds `wasm_len` bytes; `ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_module_new(
    engine: Option<CMut<wasm_engine_t>>,
    wasm: *const u8,
    wasm_len: usize,
    ret: *mut Option<Box<wasmtime_module_t>>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let engine = required(engine, "engine")?;
        // SAFETY: forwarded to the caller.
        let bytes = unsafe { slice(wasm, wasm_len, "wasm") }?;
        let module = Module::from_binary(&engine.engine, bytes)?;
        // SAFETY: forwarded to the caller.
        unsafe { write_module(ret, module) }
    })
}

/// Checks that the `wasm_len` bytes at `wasm` are a valid module for
/// `engine`.
///
/// # Safety
/// `wasm` holds `wasm_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_module_validate(
    engine: Option<CMut<wasm_engine_t>>,
    wasm: *const u8,
    wasm_len: usize,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let engine = required(engine, "engine")?;
        // SAFETY: forwarded to the caller.
        let bytes = unsafe { slice(wasm, wasm_len, "wasm") }?;
        Module::validate(&engine.engine, bytes)
    })
}

/// Frees a module handle (instances made from it keep what they need).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_module_delete(module: Option<Box<wasmtime_module_t>>) {
    or_default((), || drop(module))
}

/// Another handle to the same module.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_module_clone(
    module: Option<&wasmtime_module_t>,
) -> Option<Box<wasmtime_module_t>> {
    or_default(None, || {
        module.map(|m| {
            Box::new(wasmtime_module_t {
                module: m.module.clone(),
            })
        })
    })
}

/// Writes the module's imports, in order, to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_module_imports(
    module: Option<&wasmtime_module_t>,
    out: *mut wasm_importtype_vec_t,
) {
    or_default((), || {
        let imports = module.map_or_else(Vec::new, |m| {
            m.module
                .imports()
                .map(|i| {
                    Some(Box::new(wasm_importtype_t::new(
                        i.module(),
                        i.name(),
                        &i.ty(),
                    )))
                })
                .collect()
        });
        // SAFETY: forwarded to the caller.
        unsafe { write_vec(out, WasmVec::from_vec(imports)) }
    })
}

/// Writes the module's exports, in order, to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_module_exports(
    module: Option<&wasmtime_module_t>,
    out: *mut wasm_exporttype_vec_t,
) {
    or_default((), || {
        let exports = module.map_or_else(Vec::new, |m| {
            m.module
                .exports()
                .map(|e| Some(Box::new(wasm_exporttype_t::new(e.name(), &e.ty()))))
                .collect()
        });
        // SAFETY: forwarded to the caller.
        unsafe { write_vec(out, WasmVec::from_vec(exports)) }
    })
}

/// Writes the module's precompiled form (for `wasmtime_module_deserialize`
/// on an engine with the same settings) to `ret`.
///
/// # Safety
/// `ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_module_serialize(
    module: Option<&wasmtime_module_t>,
    ret: *mut wasm_byte_vec_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let bytes = required(module, "module")?.module.serialize()?;
        // SAFETY: forwarded to the caller.
        unsafe { write_out(ret, WasmVec::from_vec(bytes), "ret") }
    })
}

/// Loads a module precompiled by `wasmtime_module_serialize`.
///
/// # Safety
/// `bytes` holds `bytes_len` bytes of a trusted precompiled module (its
/// code runs as it is); `ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_module_deserialize(
    engine: Option<CMut<wasm_engine_t>>,
    bytes: *const u8,
    bytes_len: usize,
    ret: *mut Option<Box<wasmtime_module_t>>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let engine = required(engine, "engine")?;
        // SAFETY: forwarded to the caller.
        let bytes = unsafe { slice(bytes, bytes_len, "bytes") }?;
        // SAFETY: the caller vouches for the bytes, as Wasmtime asks.
        let module = unsafe { Module::deserialize(&engine.engine, bytes) }?;
        // SAFETY: forwarded to the caller.
        unsafe { write_module(ret, module) }
    })
}

/// Loads a module precompiled by `wasmtime_module_serialize` from the
/// file at `path`.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string naming a trusted file; `ret`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_module_deserialize_file(
    engine: Option<CMut<wasm_engine_t>>,
    path: *const c_char,
    ret: *mut Option<Box<wasmtime_module_t>>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let engine = required(engine, "engine")?;
        let path = required((!path.is_null()).then_some(path), "path")?;
        // SAFETY: non-null, and the caller promises a C string.
        let path = unsafe { CStr::from_ptr(path) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: the caller vouches for the file, as Wasmtime asks.
        let module = unsafe { Module::deserialize_file(&engine.engine, path) }?;
        // SAFETY: forwarded to the caller.
        unsafe { write_module(ret, module) }
    })
}

/// The range of the module's code image: Egret does not expose it, so
/// both ends are NULL.
///
/// # Safety
/// `start` and `end` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_module_image_range(
    _module: Option<&wasmtime_module_t>,
    start: *mut *mut c_void,
    end: *mut *mut c_void,
) {
    for out in [start, end] {
        // SAFETY: forwarded to the caller; a NULL pointer is skipped.
        let _ = unsafe { write_out(out, std::ptr::null_mut(), "range") };
    }
}
