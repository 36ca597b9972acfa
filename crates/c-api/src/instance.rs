//! Instances: `wasmtime_instance_new` with imports in the module's order,
//! exports by name or position, and `wasmtime_instance_pre_t` (imports
//! resolved by a linker ahead of time).

use crate::boundary::{or_default, required, slice, text, with_trap, write_out};
use crate::error::wasmtime_error_t;
use crate::externs::{wasmtime_extern_t, wasmtime_instance_t};
use crate::module::wasmtime_module_t;
use crate::store::{StoreData, wasmtime_context_t};
use crate::trap::wasm_trap_t;
use egret_api::{Instance, InstancePre, Result};
use std::ffi::c_char;

/// A module with its imports resolved by a linker.
pub struct wasmtime_instance_pre_t {
    pub(crate) pre: InstancePre<StoreData>,
}

/// Instantiates `module` in the store with `nimports` imports, given in
/// the order of its imports; the start function runs. A trap goes to
/// `*trap`; other failures (NULL arguments, wrong imports, items of
/// another store) are returned as errors.
///
/// # Safety
/// `imports` holds `nimports` externs; `instance` and `trap` are NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_instance_new(
    store: Option<&mut wasmtime_context_t>,
    module: Option<&wasmtime_module_t>,
    imports: *const wasmtime_extern_t,
    nimports: usize,
    instance: *mut wasmtime_instance_t,
    trap: *mut *mut wasm_trap_t,
) -> Option<Box<wasmtime_error_t>> {
    with_trap(trap, || {
        let store = required(store, "store")?;
        let module = required(module, "module")?;
        // SAFETY: forwarded to the caller.
        let imports = unsafe { slice(imports, nimports, "imports") }?;
        let imports = imports
            .iter()
            .map(|i| i.resolve(store.data()))
            .collect::<Result<Vec<_>>>()?;
        let made = Instance::new(store.context_mut(), &module.module, &imports)?;
        let handle = wasmtime_instance_t::new(made, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(instance, handle, "instance") }
    })
}

/// The store and the instance `instance` names in it; `None` if either is
/// NULL or the instance is of another store.
fn with_instance<'a>(
    store: Option<&'a mut wasmtime_context_t>,
    instance: Option<&wasmtime_instance_t>,
) -> Option<(&'a mut wasmtime_context_t, Instance)> {
    let (store, instance) = (store?, instance?);
    let instance = instance.resolve(store.data()).ok()?;
    Some((store, instance))
}

/// Finds the export `name` of the instance; false if there is none (or an
/// argument is NULL or of another store).
///
/// # Safety
/// `name` holds `name_len` bytes; `item` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_instance_export_get(
    store: Option<&mut wasmtime_context_t>,
    instance: Option<&wasmtime_instance_t>,
    name: *const c_char,
    name_len: usize,
    item: *mut wasmtime_extern_t,
) -> bool {
    or_default(false, || {
        let Some((store, instance)) = with_instance(store, instance) else {
            return false;
        };
        // SAFETY: forwarded to the caller.
        let Ok(name) = (unsafe { text(name, name_len, "name") }) else {
            return false;
        };
        let Some(export) = instance.get_export(store.context(), name) else {
            return false;
        };
        let export = wasmtime_extern_t::new(export, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(item, export, "item") }.is_ok()
    })
}

/// The `index`th export of the instance: its name (owned by the store,
/// not NUL-terminated) and item; false past the last one.
///
/// # Safety
/// `name`, `name_len` and `item` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_instance_export_nth(
    store: Option<&mut wasmtime_context_t>,
    instance: Option<&wasmtime_instance_t>,
    index: usize,
    name: *mut *mut c_char,
    name_len: *mut usize,
    item: *mut wasmtime_extern_t,
) -> bool {
    or_default(false, || {
        let Some((store, instance)) = with_instance(store, instance) else {
            return false;
        };
        let Some(export) = instance.exports(store.context()).nth(index) else {
            return false;
        };
        let export_name = export.name().to_string();
        let export = wasmtime_extern_t::new(export.into_extern(), store.data_mut());
        let stored = store.data_mut().intern(&export_name);
        let (ptr, len) = (stored.as_ptr().cast::<c_char>().cast_mut(), stored.len());
        // SAFETY: forwarded to the caller.
        unsafe {
            write_out(name, ptr, "name").is_ok()
                && write_out(name_len, len, "name_len").is_ok()
                && write_out(item, export, "item").is_ok()
        }
    })
}

/// Instantiates the pre-resolved module in the store; as
/// `wasmtime_instance_new` for traps and errors.
///
/// # Safety
/// `instance` and `trap_ptr` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_instance_pre_instantiate(
    instance_pre: Option<&wasmtime_instance_pre_t>,
    store: Option<&mut wasmtime_context_t>,
    instance: *mut wasmtime_instance_t,
    trap_ptr: *mut *mut wasm_trap_t,
) -> Option<Box<wasmtime_error_t>> {
    with_trap(trap_ptr, || {
        let pre = required(instance_pre, "instance_pre")?;
        let store = required(store, "store")?;
        let made = pre.pre.instantiate(store.context_mut())?;
        let handle = wasmtime_instance_t::new(made, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(instance, handle, "instance") }
    })
}

/// The pre-resolved module (a new handle owned by the caller).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_instance_pre_module(
    instance_pre: Option<&wasmtime_instance_pre_t>,
) -> Option<Box<wasmtime_module_t>> {
    or_default(None, || {
        instance_pre.map(|p| {
            Box::new(wasmtime_module_t {
                module: p.pre.module().clone(),
            })
        })
    })
}

/// Frees a pre-resolved module.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_instance_pre_delete(instance_pre: Option<Box<wasmtime_instance_pre_t>>) {
    or_default((), || drop(instance_pre))
}
