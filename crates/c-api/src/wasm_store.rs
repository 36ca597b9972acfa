//! `wasm.h`'s own store, module and instance objects, and the host info
//! every `wasm.h` object can carry.
//!
//! A `wasm_store_t` is a `wasmtime_store_t` shared (an `Rc`) by every
//! object made in it: each extern and instance keeps its store alive, as
//! in the `wasm.h` model, and reaches it through `StoreRef::with`.
//! While one of the store's host functions runs, `with` hands out the
//! caller's context instead of the store's own (which is lent to the
//! running call), so a callback may use the store's objects too.
//!
//! Host info (`wasm_*_set_host_info`) belongs to the handle it was set
//! on: a copy (`wasm_*_copy`) starts without any, and the finalizer runs
//! when the handle is deleted or its host info replaced.

use crate::boundary::{CMut, or_default};
use crate::config::wasm_engine_t;
use crate::externs::wasmtime_instance_t;
use crate::module::{
    wasmtime_module_exports, wasmtime_module_imports, wasmtime_module_serialize, wasmtime_module_t,
};
use crate::store::{
    Finalizer, ForeignData, wasmtime_context_t, wasmtime_store_context, wasmtime_store_new,
    wasmtime_store_t,
};
use crate::trap::wasm_trap_t;
use crate::vec::{
    WasmVec, wasm_byte_vec_t, wasm_exporttype_vec_t, wasm_extern_vec_t, wasm_importtype_vec_t,
    write_vec,
};
use crate::wasm_items::wasm_extern_t;
use egret_api::{Error, Instance, Module};
use std::cell::{Cell, UnsafeCell};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::rc::{Rc, Weak};

/// The data a `wasm.h` object carries for its embedder, with the
/// finalizer to run on it.
#[derive(Default)]
pub struct HostInfo(Option<ForeignData>);

impl Clone for HostInfo {
    /// A copied handle starts without host info (it is the handle's).
    fn clone(&self) -> HostInfo {
        HostInfo(None)
    }
}

impl HostInfo {
    /// The data, or NULL.
    pub(crate) fn get(&self) -> *mut c_void {
        self.0
            .as_ref()
            .map_or(std::ptr::null_mut(), |info| info.data)
    }

    /// Replaces the data (the previous finalizer runs now).
    pub(crate) fn set(&mut self, data: *mut c_void, finalizer: Option<Finalizer>) {
        self.0 = Some(ForeignData { data, finalizer });
    }
}

/// A `wasm.h` object: it has host info, and a copy.
pub(crate) trait WasmObject: Clone {
    fn host_info(&self) -> &HostInfo;
    fn host_info_mut(&mut self) -> &mut HostInfo;
}

/// Defines `_delete`, `_copy` and the host info functions of `wasm.h`
/// object types.
macro_rules! object_functions {
    ($($ty:ty: $delete:ident, $copy:ident, $get:ident, $set:ident, $set_final:ident;)*) => {$(
        #[doc = concat!("`", stringify!($delete), "`: frees the handle (its host info's finalizer runs).")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $delete(object: Option<Box<$ty>>) {
            crate::boundary::or_default((), || drop(object))
        }

        #[doc = concat!("`", stringify!($copy), "`: a second handle to the same object (without host info).")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $copy(object: Option<&$ty>) -> Option<Box<$ty>> {
            crate::boundary::or_default(None, || object.map(|o| Box::new(o.clone())))
        }

        #[doc = concat!("`", stringify!($get), "`: the handle's host info, or NULL.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $get(object: Option<&$ty>) -> *mut std::ffi::c_void {
            crate::boundary::or_default(std::ptr::null_mut(), || {
                object.map_or(std::ptr::null_mut(), |o| {
                    crate::wasm_store::WasmObject::host_info(o).get()
                })
            })
        }

        #[doc = concat!("`", stringify!($set), "`: sets the handle's host info (the previous one's finalizer runs).")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $set(object: Option<&mut $ty>, info: *mut std::ffi::c_void) {
            $set_final(object, info, None)
        }

        #[doc = concat!("`", stringify!($set_final), "`: sets the handle's host info and the finalizer run on it when the handle is deleted.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $set_final(
            object: Option<&mut $ty>,
            info: *mut std::ffi::c_void,
            finalizer: Option<crate::store::Finalizer>,
        ) {
            crate::boundary::or_default((), || {
                if let Some(o) = object {
                    crate::wasm_store::WasmObject::host_info_mut(o).set(info, finalizer);
                }
            })
        }
    )*};
}
pub(crate) use object_functions;

/// The store an `Rc` shares.
pub(crate) struct SharedStore {
    store: UnsafeCell<Box<wasmtime_store_t>>,
    /// The caller's context while one of this store's host functions runs
    /// (innermost call), which [`StoreRef::with`] uses instead of the
    /// store's own.
    caller: Cell<Option<NonNull<wasmtime_context_t>>>,
}

/// A handle to a `wasm.h` store, shared by the objects made in it.
#[derive(Clone)]
pub struct StoreRef(Rc<SharedStore>);

impl StoreRef {
    /// Runs `body` with the store's context: the running host function's
    /// caller's if there is one, else the store's own.
    pub(crate) fn with<R>(&self, body: impl FnOnce(&mut wasmtime_context_t) -> R) -> R {
        match self.0.caller.get() {
            // SAFETY: set by `in_call` for the duration of a host call,
            // during which the caller context it points to is alive and
            // used only through here (the `wasm.h` API is single-threaded
            // per store, as Wasmtime's).
            Some(mut caller) => body(unsafe { caller.as_mut() }),
            None => {
                // SAFETY: the store is used by one thread at a time and
                // only through this function; no host call is running (it
                // would have set `caller`), so no other reference to the
                // store's context is live.
                let store = unsafe { &mut *self.0.store.get() };
                let context = wasmtime_store_context(Some(store)).expect("a store has a context");
                body(context)
            }
        }
    }

    /// Runs `body` (a host function's callback) with `caller` as the
    /// store's context; the previous one is restored afterwards, even if
    /// `body` panics (the panic is caught at the C boundary and the store
    /// must not keep pointing at a context that is gone).
    pub(crate) fn in_call<R>(
        &self,
        caller: &mut wasmtime_context_t,
        body: impl FnOnce() -> R,
    ) -> R {
        /// Puts the previous caller back when dropped.
        struct Restore<'a> {
            slot: &'a Cell<Option<NonNull<wasmtime_context_t>>>,
            previous: Option<NonNull<wasmtime_context_t>>,
        }
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                self.slot.set(self.previous);
            }
        }
        let _restore = Restore {
            slot: &self.0.caller,
            previous: self.0.caller.replace(Some(NonNull::from(caller))),
        };
        body()
    }

    /// A reference that does not keep the store alive (for the store's
    /// own host functions: the store owns them).
    pub(crate) fn downgrade(&self) -> WeakStoreRef {
        WeakStoreRef(Rc::downgrade(&self.0))
    }

    /// Whether both are the same store.
    pub(crate) fn same(&self, other: &StoreRef) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A store named by one of its own host functions, which must not keep
/// it alive.
pub(crate) struct WeakStoreRef(Weak<SharedStore>);

// SAFETY: a host function must be `Send + Sync` in Egret, but the C API
// makes the embedder use a store, its objects and its functions from one
// thread at a time, as Wasmtime's does: this weak count and the store are
// only touched by calls into the store, on the thread making them.
unsafe impl Send for WeakStoreRef {}
// SAFETY: as for `Send`.
unsafe impl Sync for WeakStoreRef {}

impl WeakStoreRef {
    /// The store, if it is still alive.
    pub(crate) fn upgrade(&self) -> Option<StoreRef> {
        self.0.upgrade().map(StoreRef)
    }
}

/// A `wasm.h` store.
pub struct wasm_store_t {
    pub(crate) store: StoreRef,
}

/// A store of `engine`; NULL for a NULL engine.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_store_new(engine: Option<CMut<wasm_engine_t>>) -> Option<Box<wasm_store_t>> {
    or_default(None, || {
        let store = wasmtime_store_new(engine, std::ptr::null_mut(), None)?;
        let shared = SharedStore {
            store: UnsafeCell::new(store),
            caller: Cell::new(None),
        };
        Some(Box::new(wasm_store_t {
            store: StoreRef(Rc::new(shared)),
        }))
    })
}

/// Releases the store handle; the store goes with the last object made
/// in it.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_store_delete(store: Option<Box<wasm_store_t>>) {
    or_default((), || drop(store))
}

/// A compiled module (engine-wide, usable in any store of its engine).
#[derive(Clone)]
pub struct wasm_module_t {
    module: wasmtime_module_t,
    host_info: HostInfo,
}

impl WasmObject for wasm_module_t {
    fn host_info(&self) -> &HostInfo {
        &self.host_info
    }

    fn host_info_mut(&mut self) -> &mut HostInfo {
        &mut self.host_info
    }
}

impl wasm_module_t {
    fn new(module: Module) -> Box<wasm_module_t> {
        Box::new(wasm_module_t {
            module: wasmtime_module_t { module },
            host_info: HostInfo::default(),
        })
    }
}

/// A module shared between threads (`wasm_module_share`).
pub struct wasm_shared_module_t {
    module: Module,
}

/// The store's engine.
fn engine_of(store: &wasm_store_t) -> egret_api::Engine {
    store.store.with(|context| context.engine().clone())
}

/// Compiles `binary` for the store's engine; NULL if it is invalid.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_new(
    store: Option<CMut<wasm_store_t>>,
    binary: Option<&wasm_byte_vec_t>,
) -> Option<Box<wasm_module_t>> {
    or_default(None, || {
        let engine = engine_of(store?);
        let module = Module::from_binary(&engine, binary?.as_slice()).ok()?;
        Some(wasm_module_t::new(module))
    })
}

/// Whether `binary` is a valid module for the store's engine.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_validate(
    store: Option<CMut<wasm_store_t>>,
    binary: Option<&wasm_byte_vec_t>,
) -> bool {
    or_default(false, || {
        let (Some(store), Some(binary)) = (store, binary) else {
            return false;
        };
        Module::validate(&engine_of(store), binary.as_slice()).is_ok()
    })
}

/// Writes the module's imports to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_imports(
    module: Option<&wasm_module_t>,
    out: *mut wasm_importtype_vec_t,
) {
    // SAFETY: forwarded to the caller.
    unsafe { wasmtime_module_imports(module.map(|m| &m.module), out) }
}

/// Writes the module's exports to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_exports(
    module: Option<&wasm_module_t>,
    out: *mut wasm_exporttype_vec_t,
) {
    // SAFETY: forwarded to the caller.
    unsafe { wasmtime_module_exports(module.map(|m| &m.module), out) }
}

/// Writes the module's compiled form to `out` (empty if it cannot be
/// serialized).
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_serialize(
    module: Option<&wasm_module_t>,
    out: *mut wasm_byte_vec_t,
) {
    or_default((), || {
        // SAFETY: forwarded to the caller.
        let error = unsafe { wasmtime_module_serialize(module.map(|m| &m.module), out) };
        if error.is_some() {
            // SAFETY: forwarded to the caller.
            unsafe { write_vec(out, WasmVec::from_vec(Vec::new())) };
        }
    })
}

/// The module `wasm_module_serialize` wrote, for the store's engine; NULL
/// if the bytes are not one.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_deserialize(
    store: Option<CMut<wasm_store_t>>,
    binary: Option<&wasm_byte_vec_t>,
) -> Option<Box<wasm_module_t>> {
    or_default(None, || {
        let engine = engine_of(store?);
        // SAFETY: as Wasmtime's, this trusts the bytes to come from
        // `wasm_module_serialize`; Egret also checks their header and
        // engine settings before loading them.
        let module = unsafe { Module::deserialize(&engine, binary?.as_slice()) }.ok()?;
        Some(wasm_module_t::new(module))
    })
}

/// A handle to the module that another thread can `wasm_module_obtain`.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_share(
    module: Option<&wasm_module_t>,
) -> Option<Box<wasm_shared_module_t>> {
    or_default(None, || {
        Some(Box::new(wasm_shared_module_t {
            module: module?.module.module.clone(),
        }))
    })
}

/// The shared module, for the store; NULL if its engine is not the
/// store's.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_obtain(
    store: Option<CMut<wasm_store_t>>,
    shared: Option<&wasm_shared_module_t>,
) -> Option<Box<wasm_module_t>> {
    or_default(None, || {
        let module = shared?.module.clone();
        let engine = engine_of(store?);
        egret_api::Engine::same(module.engine(), &engine).then(|| wasm_module_t::new(module))
    })
}

/// Frees a shared module.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_shared_module_delete(shared: Option<Box<wasm_shared_module_t>>) {
    or_default((), || drop(shared))
}

/// An instance, keeping its store alive.
#[derive(Clone)]
pub struct wasm_instance_t {
    store: StoreRef,
    instance: wasmtime_instance_t,
    host_info: HostInfo,
}

impl WasmObject for wasm_instance_t {
    fn host_info(&self) -> &HostInfo {
        &self.host_info
    }

    fn host_info_mut(&mut self) -> &mut HostInfo {
        &mut self.host_info
    }
}

/// Instantiates `module` in the store with `imports` (one extern per
/// import, in order). On failure returns NULL and, if `trap` is not NULL,
/// writes there the trap (or the error, as a trap) it failed with.
///
/// # Safety
/// `trap` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_instance_new(
    store: Option<CMut<wasm_store_t>>,
    module: Option<&wasm_module_t>,
    imports: Option<&wasm_extern_vec_t>,
    trap: *mut Option<Box<wasm_trap_t>>,
) -> Option<Box<wasm_instance_t>> {
    let outcome = or_default(Err(Error::msg("panic inside Egret")), || {
        let store = store.ok_or_else(|| crate::boundary::null_error("store"))?;
        let module = module.ok_or_else(|| crate::boundary::null_error("module"))?;
        let imports = imports.map(WasmVec::as_slice).unwrap_or_default();
        store
            .store
            .with(|context| {
                let imports = imports
                    .iter()
                    .map(|item| {
                        let item = item.as_deref().ok_or_else(|| Error::msg("a NULL import"))?;
                        item.resolve_in(context)
                    })
                    .collect::<egret_api::Result<Vec<_>>>()?;
                let instance =
                    Instance::new(context.context_mut(), &module.module.module, &imports)?;
                Ok(wasmtime_instance_t::new(instance, context.data_mut()))
            })
            .map(|instance| {
                Box::new(wasm_instance_t {
                    store: store.store.clone(),
                    instance,
                    host_info: HostInfo::default(),
                })
            })
    });
    match outcome {
        Ok(instance) => Some(instance),
        Err(error) => {
            if !trap.is_null() {
                // SAFETY: non-null and writable, as the caller promises.
                unsafe { trap.write(Some(Box::new(wasm_trap_t::from(error)))) };
            }
            None
        }
    }
}

/// Writes the instance's exports, in the module's order, to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_instance_exports(
    instance: Option<&wasm_instance_t>,
    out: *mut wasm_extern_vec_t,
) {
    or_default((), || {
        let exports = instance.map_or_else(Vec::new, |instance| {
            instance.store.with(|context| {
                let Ok(resolved) = instance.instance.resolve(context.data()) else {
                    return Vec::new();
                };
                let exports = resolved.try_exports(context.context()).unwrap_or_default();
                exports
                    .into_iter()
                    .map(|export| {
                        let item = export.into_extern();
                        Some(Box::new(wasm_extern_t::new(&instance.store, item, context)))
                    })
                    .collect()
            })
        });
        // SAFETY: forwarded to the caller.
        unsafe { write_vec(out, WasmVec::from_vec(exports)) }
    })
}

object_functions! {
    wasm_module_t: wasm_module_delete, wasm_module_copy, wasm_module_get_host_info,
        wasm_module_set_host_info, wasm_module_set_host_info_with_finalizer;
    wasm_instance_t: wasm_instance_delete, wasm_instance_copy, wasm_instance_get_host_info,
        wasm_instance_set_host_info, wasm_instance_set_host_info_with_finalizer;
}
