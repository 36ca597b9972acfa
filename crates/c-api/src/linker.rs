//! `wasmtime_linker_t`: an `egret::Linker` over the C API's store data;
//! definitions by name, host functions from C callbacks, instantiation.

use crate::boundary::{CMut, or_default, required, text, with_error, with_trap, write_out};
use crate::config::wasm_engine_t;
use crate::error::wasmtime_error_t;
use crate::externs::{wasmtime_extern_t, wasmtime_func_t, wasmtime_instance_t};
use crate::func::{
    host_fn, host_fn_unchecked, wasmtime_func_callback_t, wasmtime_func_unchecked_callback_t,
};
use crate::instance::wasmtime_instance_pre_t;
use crate::module::wasmtime_module_t;
use crate::store::{Finalizer, ForeignData, StoreData, wasmtime_context_t};
use crate::trap::wasm_trap_t;
use crate::types::wasm_functype_t;
use egret_api::{Caller, Error, FuncType, Linker, Val};
use std::ffi::{c_char, c_void};

/// A linker.
pub struct wasmtime_linker_t {
    pub(crate) linker: Linker<StoreData>,
}

/// A linker for `engine`; NULL for a NULL engine.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_linker_new(
    engine: Option<CMut<wasm_engine_t>>,
) -> Option<Box<wasmtime_linker_t>> {
    or_default(None, || {
        Some(Box::new(wasmtime_linker_t {
            linker: Linker::new(&engine?.engine),
        }))
    })
}

/// A copy of the linker, with the same definitions.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_linker_clone(
    linker: Option<&wasmtime_linker_t>,
) -> Option<Box<wasmtime_linker_t>> {
    or_default(None, || {
        linker.map(|l| {
            Box::new(wasmtime_linker_t {
                linker: l.linker.clone(),
            })
        })
    })
}

/// Frees a linker (its host functions' finalizers run once no store
/// uses them).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_linker_delete(linker: Option<Box<wasmtime_linker_t>>) {
    or_default((), || drop(linker))
}

/// Whether a later definition of a name replaces an earlier one instead
/// of being an error.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_linker_allow_shadowing(
    linker: Option<&mut wasmtime_linker_t>,
    allow_shadowing: bool,
) {
    or_default((), || {
        if let Some(l) = linker {
            l.linker.allow_shadowing(allow_shadowing);
        }
    })
}

/// Defines `module::name` as `item` of the store.
///
/// # Safety
/// `module` and `name` hold their lengths in bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_linker_define(
    linker: Option<&mut wasmtime_linker_t>,
    store: Option<&mut wasmtime_context_t>,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    item: Option<&wasmtime_extern_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let linker = required(linker, "linker")?;
        let store = required(store, "store")?;
        // SAFETY: forwarded to the caller.
        let (module, name) = unsafe {
            (
                text(module, module_len, "module")?,
                text(name, name_len, "name")?,
            )
        };
        let item = required(item, "item")?.resolve(store.data())?;
        linker.linker.define(store.context(), module, name, item)?;
        Ok(())
    })
}

/// Defines `module::name` as a host function of type `ty` calling `cb`
/// with `data` (`finalizer` runs on it when no linker or store uses the
/// function any more).
///
/// # Safety
/// `module` and `name` hold their lengths in bytes; `cb` may be called
/// with `data` from any store the linker instantiates into.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_linker_define_func(
    linker: Option<&mut wasmtime_linker_t>,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    ty: Option<&wasm_functype_t>,
    cb: Option<wasmtime_func_callback_t>,
    data: *mut c_void,
    finalizer: Option<Finalizer>,
) -> Option<Box<wasmtime_error_t>> {
    let env = ForeignData { data, finalizer };
    // SAFETY: forwarded to the caller.
    unsafe {
        define_host_func(linker, (module, module_len), (name, name_len), ty, |_| {
            Ok(host_fn(required(cb, "callback")?, env))
        })
    }
}

/// As [`wasmtime_linker_define_func`] with a raw-slot callback.
///
/// # Safety
/// As [`wasmtime_linker_define_func`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_linker_define_func_unchecked(
    linker: Option<&mut wasmtime_linker_t>,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    ty: Option<&wasm_functype_t>,
    cb: Option<wasmtime_func_unchecked_callback_t>,
    data: *mut c_void,
    finalizer: Option<Finalizer>,
) -> Option<Box<wasmtime_error_t>> {
    let env = ForeignData { data, finalizer };
    // SAFETY: forwarded to the caller.
    unsafe {
        define_host_func(linker, (module, module_len), (name, name_len), ty, |ty| {
            let cb = required(cb, "callback")?;
            let (params, results) = (ty.params().collect(), ty.results().collect());
            Ok(host_fn_unchecked(cb, env, params, results))
        })
    }
}

/// What `wasmtime_linker_define_func` and its unchecked form share:
/// defines `module::name` (each a pointer and a length in bytes) as a host
/// function of type `ty`, whose closure `host` makes for the engine's form
/// of the type.
///
/// # Safety
/// `module` and `name` hold their lengths in bytes.
unsafe fn define_host_func<F>(
    linker: Option<&mut wasmtime_linker_t>,
    (module, module_len): (*const c_char, usize),
    (name, name_len): (*const c_char, usize),
    ty: Option<&wasm_functype_t>,
    host: impl FnOnce(&FuncType) -> Result<F, Error>,
) -> Option<Box<wasmtime_error_t>>
where
    F: Fn(Caller<'_, StoreData>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
{
    with_error(|| {
        let linker = required(linker, "linker")?;
        // SAFETY: forwarded to the caller.
        let (module, name) = unsafe {
            (
                text(module, module_len, "module")?,
                text(name, name_len, "name")?,
            )
        };
        let ty = required(ty, "function type")?.to_func_type(linker.linker.engine())?;
        let closure = host(&ty)?;
        linker.linker.func_new(module, name, ty, closure)?;
        Ok(())
    })
}

/// Defines every export of `instance` under the module name `name`.
///
/// # Safety
/// `name` holds `name_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_linker_define_instance(
    linker: Option<&mut wasmtime_linker_t>,
    store: Option<&mut wasmtime_context_t>,
    name: *const c_char,
    name_len: usize,
    instance: Option<&wasmtime_instance_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let linker = required(linker, "linker")?;
        let store = required(store, "store")?;
        // SAFETY: forwarded to the caller.
        let name = unsafe { text(name, name_len, "name") }?;
        let instance = required(instance, "instance")?.resolve(store.data())?;
        linker
            .linker
            .instance(store.context_mut(), name, instance)?;
        Ok(())
    })
}

/// Instantiates `module` with its imports found by name; a trap goes to
/// `*trap`, other failures (NULL arguments, a missing or mistyped import)
/// are returned as errors.
///
/// # Safety
/// `instance` and `trap` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_linker_instantiate(
    linker: Option<&wasmtime_linker_t>,
    store: Option<&mut wasmtime_context_t>,
    module: Option<&wasmtime_module_t>,
    instance: *mut wasmtime_instance_t,
    trap: *mut *mut wasm_trap_t,
) -> Option<Box<wasmtime_error_t>> {
    with_trap(trap, || {
        let linker = required(linker, "linker")?;
        let store = required(store, "store")?;
        let module = required(module, "module")?;
        let made = linker
            .linker
            .instantiate(store.context_mut(), &module.module)?;
        let handle = wasmtime_instance_t::new(made, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(instance, handle, "instance") }
    })
}

/// Resolves `module`'s imports now, writing the result to
/// `instance_pre`.
///
/// # Safety
/// `instance_pre` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_linker_instantiate_pre(
    linker: Option<&wasmtime_linker_t>,
    module: Option<&wasmtime_module_t>,
    instance_pre: *mut Option<Box<wasmtime_instance_pre_t>>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let linker = required(linker, "linker")?;
        let module = required(module, "module")?;
        let pre = linker.linker.instantiate_pre(&module.module)?;
        let pre = Some(Box::new(wasmtime_instance_pre_t { pre }));
        // SAFETY: forwarded to the caller.
        unsafe { write_out(instance_pre, pre, "instance_pre") }
    })
}

/// Defines `module` under `name`: a command is instantiated anew for each
/// use of its exports, a reactor once now.
///
/// # Safety
/// `name` holds `name_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_linker_module(
    linker: Option<&mut wasmtime_linker_t>,
    store: Option<&mut wasmtime_context_t>,
    name: *const c_char,
    name_len: usize,
    module: Option<&wasmtime_module_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let linker = required(linker, "linker")?;
        let store = required(store, "store")?;
        // SAFETY: forwarded to the caller.
        let name = unsafe { text(name, name_len, "name") }?;
        let module = required(module, "module")?;
        linker
            .linker
            .module(store.context_mut(), name, &module.module)?;
        Ok(())
    })
}

/// The default function of the module defined as `name` (its `""`
/// export, else `_start`, else a function doing nothing), to `func`.
///
/// # Safety
/// `name` holds `name_len` bytes; `func` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_linker_get_default(
    linker: Option<&wasmtime_linker_t>,
    store: Option<&mut wasmtime_context_t>,
    name: *const c_char,
    name_len: usize,
    func: *mut wasmtime_func_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let linker = required(linker, "linker")?;
        let store = required(store, "store")?;
        // SAFETY: forwarded to the caller.
        let name = unsafe { text(name, name_len, "name") }?;
        let found = linker.linker.get_default(store.context_mut(), name)?;
        let handle = wasmtime_func_t::new(found, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(func, handle, "func") }
    })
}

/// The definition of `module::name`, to `item`; false if there is none.
///
/// # Safety
/// `module` and `name` hold their lengths in bytes; `item` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_linker_get(
    linker: Option<&wasmtime_linker_t>,
    store: Option<&mut wasmtime_context_t>,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    item: *mut wasmtime_extern_t,
) -> bool {
    or_default(false, || {
        let (Some(linker), Some(store)) = (linker, store) else {
            return false;
        };
        // SAFETY: forwarded to the caller.
        let names = unsafe {
            (
                text(module, module_len, "module"),
                text(name, name_len, "name"),
            )
        };
        let (Ok(module), Ok(name)) = names else {
            return false;
        };
        let Ok(found) = linker.linker.get(store.context_mut(), module, name) else {
            return false;
        };
        let found = wasmtime_extern_t::new(found, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(item, found, "item") }.is_ok()
    })
}

/// Defines every import of `module` the linker lacks as a function that
/// traps when called (`Linker::define_unknown_imports_as_traps`).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_linker_define_unknown_imports_as_traps(
    linker: Option<&mut wasmtime_linker_t>,
    module: Option<&wasmtime_module_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let linker = required(linker, "linker")?;
        let module = required(module, "module")?;
        linker
            .linker
            .define_unknown_imports_as_traps(&module.module)
    })
}

/// Defines every import of `module` the linker lacks as its type's
/// default value, in `store`
/// (`Linker::define_unknown_imports_as_default_values`).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_linker_define_unknown_imports_as_default_values(
    linker: Option<&mut wasmtime_linker_t>,
    store: Option<&mut wasmtime_context_t>,
    module: Option<&wasmtime_module_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let linker = required(linker, "linker")?;
        let store = required(store, "store")?;
        let module = required(module, "module")?;
        linker
            .linker
            .define_unknown_imports_as_default_values(store.context_mut(), &module.module)
    })
}
