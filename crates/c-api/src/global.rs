//! Globals: creating, typing, reading and writing.

use crate::boundary::{or_default, required, with_error, write_out};
use crate::error::wasmtime_error_t;
use crate::externs::wasmtime_global_t;
use crate::store::wasmtime_context_t;
use crate::types::wasm_globaltype_t;
use crate::val::wasmtime_val_t;
use egret_api::Global;

/// Creates a global of type `ty` holding `val`, written to `ret`.
///
/// # Safety
/// `ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_global_new(
    store: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_globaltype_t>,
    val: Option<&wasmtime_val_t>,
    ret: *mut wasmtime_global_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let store = required(store, "store")?;
        let ty = required(ty, "global type")?.to_global_type();
        let mut cx = store.scope();
        let val = required(val, "val")?.value(&mut cx)?;
        let global = Global::new(&mut cx, ty, val)?;
        drop(cx);
        let handle = wasmtime_global_t::new(global, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(ret, handle, "ret") }
    })
}

/// The global's type (owned by the caller); NULL on a NULL or foreign
/// argument.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_global_type(
    store: Option<&wasmtime_context_t>,
    global: Option<&wasmtime_global_t>,
) -> Option<Box<wasm_globaltype_t>> {
    or_default(None, || {
        let store = store?;
        let ty = global?
            .resolve(store.data())
            .ok()?
            .try_ty(store.context())
            .ok()?;
        Some(Box::new(wasm_globaltype_t::from_global_type(&ty)))
    })
}

/// Writes the global's value to `out`; `i32` 0 on a NULL or foreign
/// argument (this function has no error path).
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_global_get(
    store: Option<&mut wasmtime_context_t>,
    global: Option<&wasmtime_global_t>,
    out: *mut wasmtime_val_t,
) {
    let value = or_default(None, || {
        let store = store?;
        let global = global?.resolve(store.data()).ok()?;
        let mut cx = store.scope();
        let value = global.try_get(&mut cx).ok()?;
        Some(wasmtime_val_t::new(&value, &mut cx))
    });
    // SAFETY: forwarded to the caller; a NULL `out` is skipped.
    let _ = unsafe { write_out(out, value.unwrap_or(wasmtime_val_t::ZERO), "out") };
}

/// Sets the global to `val` (an error for an immutable global or a value
/// of another type).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_global_set(
    store: Option<&mut wasmtime_context_t>,
    global: Option<&wasmtime_global_t>,
    val: Option<&wasmtime_val_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let store = required(store, "store")?;
        let global = required(global, "global")?.resolve(store.data())?;
        let mut cx = store.scope();
        let val = required(val, "val")?.value(&mut cx)?;
        global.set(&mut cx, val)
    })
}
