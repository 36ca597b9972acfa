//! `wasm.h`'s own externs (functions, globals, memories, tables), its
//! references (`wasm_ref_t`) and the conversion of its values
//! (`wasm_val_t`) to and from Egret's.
//!
//! A `wasm_extern_t` is a store handle (see [`crate::wasm_store`]) and the
//! `wasmtime_extern_t` naming the item in that store. `wasm_func_t`,
//! `wasm_global_t`, `wasm_memory_t` and `wasm_table_t` are the same
//! struct, so `wasm_extern_as_func` and `wasm_func_as_extern` return the
//! pointer they are given (after checking the kind). A `wasm_ref_t` holds
//! a function or an `externref` (kept rooted as long as the handle
//! lives), independent of any store handle: using it with another store
//! is an error, as for Egret's own handles.
//!
//! `wasm.h`'s functions have no error channel: a failure is NULL, false
//! or 0, or a trap for calls and instantiation.

use crate::boundary::{CMut, or_default};
use crate::externs::{externkind, wasmtime_extern_t};
use crate::refs::KeptRef;
use crate::store::{Finalizer, ForeignData, StoreData, wasmtime_context_t};
use crate::trap::wasm_trap_t;
use crate::types::{
    extern_type_of, externkind as wasm_externkind, valkind, wasm_externtype_t, wasm_functype_t,
    wasm_globaltype_t, wasm_memorytype_t, wasm_tabletype_t,
};
use crate::vec::{WasmVec, wasm_val_t, wasm_val_union, wasm_val_vec_t};
use crate::wasm_store::{HostInfo, StoreRef, WasmObject, object_functions, wasm_store_t};
use egret_api::{
    AsContextMut, Caller, Error, Extern, Func, Global, Memory, Ref, Result, RootScope,
    StoreContextMut, Table, Val,
};
use std::ffi::c_void;
use std::sync::Arc;

/// An extern (function, global, memory or table) of a `wasm.h` store.
#[derive(Clone)]
pub struct wasm_extern_t {
    store: StoreRef,
    which: wasmtime_extern_t,
    host_info: HostInfo,
}

/// A function: an extern of kind `WASM_EXTERN_FUNC`.
pub type wasm_func_t = wasm_extern_t;
/// A global: an extern of kind `WASM_EXTERN_GLOBAL`.
pub type wasm_global_t = wasm_extern_t;
/// A memory: an extern of kind `WASM_EXTERN_MEMORY`.
pub type wasm_memory_t = wasm_extern_t;
/// A table: an extern of kind `WASM_EXTERN_TABLE`.
pub type wasm_table_t = wasm_extern_t;

impl WasmObject for wasm_extern_t {
    fn host_info(&self) -> &HostInfo {
        &self.host_info
    }

    fn host_info_mut(&mut self) -> &mut HostInfo {
        &mut self.host_info
    }
}

impl wasm_extern_t {
    /// The extern of `item`, of the store `store` (whose context is
    /// `context`).
    pub(crate) fn new(
        store: &StoreRef,
        item: Extern,
        context: &mut wasmtime_context_t,
    ) -> wasm_extern_t {
        wasm_extern_t {
            store: store.clone(),
            which: wasmtime_extern_t::new(item, context.data_mut()),
            host_info: HostInfo::default(),
        }
    }

    /// The item, checked to belong to `context`'s store.
    pub(crate) fn resolve_in(&self, context: &wasmtime_context_t) -> Result<Extern> {
        self.which.resolve(context.data())
    }

    /// Runs `body` with the item and its store's context; `None` if the
    /// item cannot be resolved.
    fn with<R>(&self, body: impl FnOnce(Extern, &mut wasmtime_context_t) -> R) -> Option<R> {
        self.store.with(|context| {
            let item = self.resolve_in(context).ok()?;
            Some(body(item, context))
        })
    }

    fn with_func<R>(&self, body: impl FnOnce(Func, &mut wasmtime_context_t) -> R) -> Option<R> {
        self.with(|item, cx| item.into_func().map(|f| body(f, cx)))
            .flatten()
    }

    fn with_global<R>(&self, body: impl FnOnce(Global, &mut wasmtime_context_t) -> R) -> Option<R> {
        self.with(|item, cx| item.into_global().map(|g| body(g, cx)))
            .flatten()
    }

    fn with_memory<R>(&self, body: impl FnOnce(Memory, &mut wasmtime_context_t) -> R) -> Option<R> {
        self.with(|item, cx| item.into_memory().map(|m| body(m, cx)))
            .flatten()
    }

    fn with_table<R>(&self, body: impl FnOnce(Table, &mut wasmtime_context_t) -> R) -> Option<R> {
        self.with(|item, cx| item.into_table().map(|t| body(t, cx)))
            .flatten()
    }

    /// `wasm.h`'s kind of this extern.
    fn kind(&self) -> u8 {
        match self.which.kind {
            externkind::FUNC => wasm_externkind::FUNC,
            externkind::GLOBAL => wasm_externkind::GLOBAL,
            externkind::TABLE => wasm_externkind::TABLE,
            externkind::MEMORY => wasm_externkind::MEMORY,
            // A tag: `wasm.h` externs are made only from Egret's items,
            // which are never shared memories.
            _ => wasm_externkind::TAG,
        }
    }

    /// The extern made in `store` by `make`, boxed; NULL if it failed.
    fn made(
        store: Option<&wasm_store_t>,
        make: impl FnOnce(&mut wasmtime_context_t) -> Result<Extern>,
    ) -> Option<Box<wasm_extern_t>> {
        let store = &store?.store;
        store.with(|context| {
            let item = make(context).ok()?;
            Some(Box::new(wasm_extern_t::new(store, item, context)))
        })
    }
}

/// A reference: a function or an `externref`.
#[derive(Clone)]
pub struct wasm_ref_t {
    value: RefValue,
    host_info: HostInfo,
}

#[derive(Clone)]
enum RefValue {
    Func(Func),
    Gc(KeptRef),
}

impl WasmObject for wasm_ref_t {
    fn host_info(&self) -> &HostInfo {
        &self.host_info
    }

    fn host_info_mut(&mut self) -> &mut HostInfo {
        &mut self.host_info
    }
}

impl wasm_ref_t {
    /// The reference of `value`; `None` for a null or a number.
    fn of(value: &Val, cx: impl AsContextMut) -> Option<wasm_ref_t> {
        let value = match value {
            Val::FuncRef(Some(f)) => RefValue::Func(*f),
            other => RefValue::Gc(KeptRef::own(other, cx)?),
        };
        Some(wasm_ref_t {
            value,
            host_info: HostInfo::default(),
        })
    }

    /// The value, checked to belong to the store, rooted in its current
    /// scope.
    fn value(&self, cx: impl AsContextMut) -> Val {
        match &self.value {
            RefValue::Func(f) => Val::FuncRef(Some(*f)),
            RefValue::Gc(kept) => kept.to_val(cx),
        }
    }
}

/// Whether both references are the same function. (Two `externref`
/// handles are never reported the same: comparing them needs their
/// store, which a `wasm_ref_t` does not name.)
#[unsafe(no_mangle)]
pub extern "C" fn wasm_ref_same(a: Option<&wasm_ref_t>, b: Option<&wasm_ref_t>) -> bool {
    or_default(false, || match (a.map(|r| &r.value), b.map(|r| &r.value)) {
        (Some(RefValue::Func(a)), Some(RefValue::Func(b))) => a == b,
        _ => false,
    })
}

impl wasm_val_t {
    /// The reference this value holds, if it is a non-null reference.
    pub(crate) fn reference(&self) -> Option<&wasm_ref_t> {
        if self.kind != valkind::EXTERNREF && self.kind != valkind::FUNCREF {
            return None;
        }
        // SAFETY: a reference kind's payload is a `wasm_ref_t *`: NULL, or
        // a box this library made (C moves values, never forges them).
        unsafe { self.of.ref_.as_ref() }
    }

    /// The `wasm.h` value of `val`; an error for the types `wasm.h` cannot
    /// name (`v128`, GC and exception references).
    fn new(val: &Val, cx: impl AsContextMut) -> Result<wasm_val_t> {
        let (kind, of) = match val {
            Val::I32(n) => (valkind::I32, wasm_val_union { i32: *n }),
            Val::I64(n) => (valkind::I64, wasm_val_union { i64: *n }),
            Val::F32(bits) => (
                valkind::F32,
                wasm_val_union {
                    f32: f32::from_bits(*bits),
                },
            ),
            Val::F64(bits) => (
                valkind::F64,
                wasm_val_union {
                    f64: f64::from_bits(*bits),
                },
            ),
            Val::FuncRef(_) | Val::ExternRef(_) => {
                let kind = if matches!(val, Val::FuncRef(_)) {
                    valkind::FUNCREF
                } else {
                    valkind::EXTERNREF
                };
                let reference = wasm_ref_t::of(val, cx).map(Box::new);
                let ref_ = reference.map_or(std::ptr::null_mut(), Box::into_raw);
                (kind, wasm_val_union { ref_ })
            }
            Val::V128(_) | Val::AnyRef(_) | Val::ExnRef(_) => {
                return Err(Error::msg(
                    "wasm.h cannot represent v128, GC or exception reference values",
                ));
            }
        };
        Ok(wasm_val_t { kind, of })
    }

    /// Egret's value.
    fn value(&self, cx: impl AsContextMut) -> Result<Val> {
        // SAFETY: each arm reads the field its kind says is set.
        Ok(unsafe {
            match self.kind {
                valkind::I32 => Val::I32(self.of.i32),
                valkind::I64 => Val::I64(self.of.i64),
                valkind::F32 => Val::F32(self.of.f32.to_bits()),
                valkind::F64 => Val::F64(self.of.f64.to_bits()),
                valkind::FUNCREF => self.reference().map_or(Val::FuncRef(None), |r| r.value(cx)),
                valkind::EXTERNREF => self
                    .reference()
                    .map_or(Val::ExternRef(None), |r| r.value(cx)),
                other => return Err(Error::msg(format!("invalid value: unknown kind {other}"))),
            }
        })
    }
}

/// Creates a function of type `ty` in the store whose calls run
/// `callback` (with `env`, when given; `finalizer` runs on `env` when the
/// store is deleted).
fn new_func(
    store: Option<&wasm_store_t>,
    ty: Option<&wasm_functype_t>,
    callback: Callback,
    env: ForeignData,
) -> Option<Box<wasm_func_t>> {
    let store = store?;
    let ty = ty?;
    let weak = store.store.downgrade();
    let env = Arc::new(env);
    wasm_extern_t::made(Some(store), |context| {
        let ty = ty.to_func_type(context.engine())?;
        let func = Func::try_new(
            context.context_mut(),
            ty,
            move |mut caller: Caller<'_, StoreData>, params, results| {
                let store = weak
                    .upgrade()
                    .ok_or_else(|| Error::msg("the function's store is gone"))?;
                let args = params
                    .iter()
                    .map(|p| wasm_val_t::new(p, &mut caller))
                    .collect::<Result<Vec<_>>>()?;
                let args = WasmVec::from_vec(args);
                let mut outs = WasmVec::from_vec(vec![wasm_val_t::default(); results.len()]);
                let mut c_caller = wasmtime_context_t::of_caller(&mut caller);
                // SAFETY: the callback was given for this function's type
                // (with `env` if it takes one); both vectors live across
                // the call.
                let trap = store.in_call(&mut c_caller, || unsafe {
                    match callback {
                        Callback::Plain(f) => f(&args, &mut outs),
                        Callback::WithEnv(f) => f(env.data, &args, &mut outs),
                    }
                });
                if !trap.is_null() {
                    // SAFETY: the callback returned an owned trap made by
                    // this library, which is now ours.
                    return Err(unsafe { Box::from_raw(trap) }.error);
                }
                for (slot, out) in results.iter_mut().zip(outs.as_slice()) {
                    *slot = out.value(&mut caller)?;
                }
                Ok(())
            },
        )?;
        Ok(Extern::Func(func))
    })
}

/// `wasm_func_callback_t`.
pub type wasm_func_callback_t = unsafe extern "C" fn(
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_trap_t;

/// `wasm_func_callback_with_env_t`.
pub type wasm_func_callback_with_env_t = unsafe extern "C" fn(
    env: *mut c_void,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_trap_t;

#[derive(Copy, Clone)]
enum Callback {
    Plain(wasm_func_callback_t),
    WithEnv(wasm_func_callback_with_env_t),
}

/// A host function of type `ty` running `callback`; NULL on a NULL
/// argument or a type of another engine.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_new(
    store: Option<CMut<wasm_store_t>>,
    ty: Option<&wasm_functype_t>,
    callback: Option<wasm_func_callback_t>,
) -> Option<Box<wasm_func_t>> {
    let env = ForeignData {
        data: std::ptr::null_mut(),
        finalizer: None,
    };
    or_default(None, || {
        new_func(store, ty, Callback::Plain(callback?), env)
    })
}

/// A host function of type `ty` running `callback` with `env`
/// (`finalizer` runs on it when the store is deleted).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_new_with_env(
    store: Option<CMut<wasm_store_t>>,
    ty: Option<&wasm_functype_t>,
    callback: Option<wasm_func_callback_with_env_t>,
    env: *mut c_void,
    finalizer: Option<Finalizer>,
) -> Option<Box<wasm_func_t>> {
    let env = ForeignData {
        data: env,
        finalizer,
    };
    or_default(None, || {
        new_func(store, ty, Callback::WithEnv(callback?), env)
    })
}

/// Calls the function with `args`, writing its results into `results`
/// (which must have room for them); a failure is returned as a trap.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_call(
    func: Option<&wasm_func_t>,
    args: Option<&wasm_val_vec_t>,
    results: Option<&mut wasm_val_vec_t>,
) -> Option<Box<wasm_trap_t>> {
    let outcome = or_default(Err(Error::msg("panic inside Egret")), || {
        let func = func.ok_or_else(|| crate::boundary::null_error("func"))?;
        let args = args.map(WasmVec::as_slice).unwrap_or_default();
        func.with_func(|f, context| {
            let mut cx = context.scope();
            let args = args
                .iter()
                .map(|a| a.value(&mut cx))
                .collect::<Result<Vec<_>>>()?;
            let mut outs = vec![Val::I32(0); f.try_ty(&cx)?.results().len()];
            f.call(&mut cx, &args, &mut outs)?;
            outs.iter()
                .map(|v| wasm_val_t::new(v, &mut cx))
                .collect::<Result<Vec<_>>>()
        })
        .ok_or_else(|| Error::msg("invalid func"))?
    });
    match outcome {
        Ok(outs) => {
            let results = results?;
            let slots = results.as_mut_slice();
            if slots.len() < outs.len() {
                return Some(Box::new(wasm_trap_t::from(Error::msg(format!(
                    "{} results given room for {}",
                    outs.len(),
                    slots.len()
                )))));
            }
            for (slot, out) in slots.iter_mut().zip(outs) {
                // SAFETY: a result slot is C's to fill: what it held
                // before is not a value of ours, so it is not dropped.
                unsafe { std::ptr::from_mut(slot).write(out) };
            }
            None
        }
        Err(error) => Some(Box::new(wasm_trap_t::from(error))),
    }
}

/// The function's type (owned by the caller).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_type(func: Option<&wasm_func_t>) -> Option<Box<wasm_functype_t>> {
    or_default(None, || {
        let ty = func?.with_func(|f, cx| f.try_ty(cx.context()))?.ok()?;
        Some(Box::new(wasm_functype_t::from_func_type(&ty)))
    })
}

/// How many parameters the function takes.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_param_arity(func: Option<&wasm_func_t>) -> usize {
    or_default(0, || {
        func.and_then(|f| f.with_func(|f, cx| f.try_ty(cx.context())))
            .and_then(Result::ok)
            .map_or(0, |ty| ty.params().len())
    })
}

/// How many results the function returns.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_result_arity(func: Option<&wasm_func_t>) -> usize {
    or_default(0, || {
        func.and_then(|f| f.with_func(|f, cx| f.try_ty(cx.context())))
            .and_then(Result::ok)
            .map_or(0, |ty| ty.results().len())
    })
}

/// A global of type `ty` holding `val`; NULL on a NULL argument or a
/// value of another type.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_global_new(
    store: Option<CMut<wasm_store_t>>,
    ty: Option<&wasm_globaltype_t>,
    val: Option<&wasm_val_t>,
) -> Option<Box<wasm_global_t>> {
    or_default(None, || {
        let (ty, val) = (ty?.to_global_type(), val?);
        wasm_extern_t::made(store, |context| {
            let mut cx = context.scope();
            let value = val.value(&mut cx)?;
            Ok(Extern::Global(Global::new(&mut cx, ty, value)?))
        })
    })
}

/// Writes the global's value to `out` (owned by the caller); `i32` 0 on a
/// NULL argument.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_global_get(global: Option<&wasm_global_t>, out: *mut wasm_val_t) {
    let value = or_default(None, || {
        global?
            .with_global(|g, context| {
                let mut cx = context.scope();
                let value = g.try_get(&mut cx).ok()?;
                wasm_val_t::new(&value, &mut cx).ok()
            })
            .flatten()
    });
    // SAFETY: forwarded to the caller; a NULL `out` is skipped.
    let _ = unsafe { crate::boundary::write_out(out, value.unwrap_or_default(), "out") };
}

/// Sets the global to `val` (nothing happens for an immutable global or
/// a value of another type).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_global_set(global: Option<CMut<wasm_global_t>>, val: Option<&wasm_val_t>) {
    or_default((), || {
        let (Some(global), Some(val)) = (global, val) else {
            return;
        };
        global.with_global(|g, context| {
            let mut cx = context.scope();
            if let Ok(value) = val.value(&mut cx) {
                let _ = g.set(&mut cx, value);
            }
        });
    })
}

/// The global's type (owned by the caller).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_global_type(
    global: Option<&wasm_global_t>,
) -> Option<Box<wasm_globaltype_t>> {
    or_default(None, || {
        let ty = global?.with_global(|g, cx| g.try_ty(cx.context()))?.ok()?;
        Some(Box::new(wasm_globaltype_t::from_global_type(&ty)))
    })
}

/// A memory of type `ty`; NULL on a NULL argument or if it cannot be
/// made.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_new(
    store: Option<CMut<wasm_store_t>>,
    ty: Option<&wasm_memorytype_t>,
) -> Option<Box<wasm_memory_t>> {
    or_default(None, || {
        let ty = ty?.to_memory_type();
        wasm_extern_t::made(store, |context| {
            Ok(Extern::Memory(Memory::new(context.context_mut(), ty)?))
        })
    })
}

/// The memory's first byte (valid until it grows).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_data(
    memory: Option<CMut<wasm_memory_t>>,
) -> *mut crate::vec::wasm_byte_t {
    or_default(std::ptr::null_mut(), || {
        memory
            .and_then(|m| m.with_memory(|m, cx| m.data_ptr(cx.context())))
            .unwrap_or(std::ptr::null_mut())
    })
}

/// The memory's size in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_data_size(memory: Option<&wasm_memory_t>) -> usize {
    or_default(0, || {
        memory
            .and_then(|m| m.with_memory(|m, cx| m.try_data_size(cx.context()).ok()))
            .flatten()
            .unwrap_or(0)
    })
}

/// The memory's size in pages.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_size(memory: Option<&wasm_memory_t>) -> u32 {
    or_default(0, || {
        memory
            .and_then(|m| m.with_memory(|m, cx| m.try_size(cx.context()).ok()))
            .flatten()
            .map_or(0, |pages| pages as u32)
    })
}

/// Grows the memory by `delta` pages; false if it cannot.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_grow(memory: Option<CMut<wasm_memory_t>>, delta: u32) -> bool {
    or_default(false, || {
        memory
            .and_then(|m| m.with_memory(|m, cx| m.grow(cx.context_mut(), u64::from(delta)).is_ok()))
            .unwrap_or(false)
    })
}

/// The memory's type (owned by the caller).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_type(
    memory: Option<&wasm_memory_t>,
) -> Option<Box<wasm_memorytype_t>> {
    or_default(None, || {
        let ty = memory?.with_memory(|m, cx| m.try_ty(cx.context()))?.ok()?;
        Some(Box::new(wasm_memorytype_t::from_memory_type(ty)))
    })
}

/// The table element `init` stands for (a null of the table's type for
/// NULL).
fn element(
    init: Option<&wasm_ref_t>,
    table_ty: &egret_api::TableType,
    cx: impl AsContextMut,
) -> Result<Ref> {
    match init {
        None => Ok(Ref::null(table_ty.element().heap_type())),
        Some(r) => r
            .value(cx)
            .ref_()
            .ok_or_else(|| Error::msg("a table element must be a reference")),
    }
}

/// A table of type `ty` with every element `init` (null for NULL); NULL
/// on a NULL type or an element of another type.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_new(
    store: Option<CMut<wasm_store_t>>,
    ty: Option<&wasm_tabletype_t>,
    init: Option<CMut<wasm_ref_t>>,
) -> Option<Box<wasm_table_t>> {
    or_default(None, || {
        let ty = ty?.to_table_type();
        wasm_extern_t::made(store, |context| {
            let mut cx = context.scope();
            let init = element(init, &ty, &mut cx)?;
            Ok(Extern::Table(Table::new(&mut cx, ty, init)?))
        })
    })
}

/// Element `index` of the table (owned by the caller); NULL for a null
/// element or an index out of bounds.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_get(
    table: Option<&wasm_table_t>,
    index: u32,
) -> Option<Box<wasm_ref_t>> {
    or_default(None, || {
        table?
            .with_table(|t, context| {
                let mut cx = context.scope();
                let element = t.try_get(&mut cx, u64::from(index)).ok()?;
                wasm_ref_t::of(&Val::from(element), &mut cx).map(Box::new)
            })
            .flatten()
    })
}

/// Runs `change` on the table with `value` (null for NULL) as one of its
/// elements; false if that fails or `value` is of another type.
fn change_with_element(
    table: Option<CMut<wasm_table_t>>,
    value: Option<CMut<wasm_ref_t>>,
    change: impl FnOnce(Table, &mut RootScope<StoreContextMut<'_, StoreData>>, Ref) -> Result<()>,
) -> bool {
    or_default(false, || {
        table
            .and_then(|table| {
                table.with_table(|t, context| {
                    let mut cx = context.scope();
                    let ty = t.try_ty(&cx).ok()?;
                    let value = element(value, &ty, &mut cx).ok()?;
                    change(t, &mut cx, value).ok()
                })
            })
            .flatten()
            .is_some()
    })
}

/// Sets element `index` to `value` (null for NULL); false if it is out
/// of bounds or of another type.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_set(
    table: Option<CMut<wasm_table_t>>,
    index: u32,
    value: Option<CMut<wasm_ref_t>>,
) -> bool {
    change_with_element(table, value, |t, cx, value| {
        t.set(cx, u64::from(index), value)
    })
}

/// The table's size in elements.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_size(table: Option<&wasm_table_t>) -> u32 {
    or_default(0, || {
        table
            .and_then(|t| t.with_table(|t, cx| t.try_size(cx.context()).ok()))
            .flatten()
            .map_or(0, |size| size as u32)
    })
}

/// Grows the table by `delta` elements set to `init` (null for NULL);
/// false if it cannot.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_grow(
    table: Option<CMut<wasm_table_t>>,
    delta: u32,
    init: Option<CMut<wasm_ref_t>>,
) -> bool {
    change_with_element(table, init, |t, cx, init| {
        t.grow(cx, u64::from(delta), init).map(drop)
    })
}

/// The table's type (owned by the caller).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_type(table: Option<&wasm_table_t>) -> Option<Box<wasm_tabletype_t>> {
    or_default(None, || {
        let ty = table?.with_table(|t, cx| t.try_ty(cx.context()))?.ok()?;
        Some(Box::new(wasm_tabletype_t::from_table_type(&ty)))
    })
}

/// The extern's kind (`WASM_EXTERN_FUNC`, ...).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_extern_kind(item: Option<&wasm_extern_t>) -> u8 {
    item.map_or(0, wasm_extern_t::kind)
}

/// The extern's type (owned by the caller).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_extern_type(item: Option<&wasm_extern_t>) -> Option<Box<wasm_externtype_t>> {
    or_default(None, || {
        let ty = item?.with(|item, cx| item.try_ty(cx.context()))?.ok()?;
        Some(Box::new(extern_type_of(&ty)))
    })
}

/// Whether both externs are the same item.
fn same_item(a: Option<&wasm_extern_t>, b: Option<&wasm_extern_t>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    a.store.same(&b.store)
        && a.with(|item, context| Some(item) == b.resolve_in(context).ok())
            .unwrap_or(false)
}

/// Defines the conversions between an extern and one of its kinds, which
/// are the same struct (the `_const` ones too), and `_same`.
macro_rules! extern_views {
    ($($kind:ident $item:ty: $as_kind:ident, $as_kind_const:ident, $as_extern:ident, $as_extern_const:ident, $same:ident;)*) => {$(
        #[doc = concat!("`", stringify!($as_kind), "`: the extern itself if it is of this kind, else NULL.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_kind(item: Option<&mut wasm_extern_t>) -> Option<&mut $item> {
            item.filter(|item| item.kind() == wasm_externkind::$kind)
        }

        #[doc = concat!("`", stringify!($as_kind_const), "`: the extern itself if it is of this kind, else NULL.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_kind_const(item: Option<&wasm_extern_t>) -> Option<&$item> {
            item.filter(|item| item.kind() == wasm_externkind::$kind)
        }

        #[doc = concat!("`", stringify!($as_extern), "`: the same object, as an extern.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_extern(item: Option<&mut $item>) -> Option<&mut wasm_extern_t> {
            item
        }

        #[doc = concat!("`", stringify!($as_extern_const), "`: the same object, as an extern.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_extern_const(item: Option<&$item>) -> Option<&wasm_extern_t> {
            item
        }

        #[doc = concat!("`", stringify!($same), "`: whether both are the same item.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $same(a: Option<&$item>, b: Option<&$item>) -> bool {
            or_default(false, || same_item(a, b))
        }
    )*};
}

extern_views! {
    FUNC wasm_func_t: wasm_extern_as_func, wasm_extern_as_func_const, wasm_func_as_extern,
        wasm_func_as_extern_const, wasm_func_same;
    GLOBAL wasm_global_t: wasm_extern_as_global, wasm_extern_as_global_const, wasm_global_as_extern,
        wasm_global_as_extern_const, wasm_global_same;
    MEMORY wasm_memory_t: wasm_extern_as_memory, wasm_extern_as_memory_const, wasm_memory_as_extern,
        wasm_memory_as_extern_const, wasm_memory_same;
    TABLE wasm_table_t: wasm_extern_as_table, wasm_extern_as_table_const, wasm_table_as_extern,
        wasm_table_as_extern_const, wasm_table_same;
}

/// Whether both externs are the same item.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_extern_same(a: Option<&wasm_extern_t>, b: Option<&wasm_extern_t>) -> bool {
    or_default(false, || same_item(a, b))
}

object_functions! {
    wasm_extern_t: wasm_extern_delete, wasm_extern_copy, wasm_extern_get_host_info,
        wasm_extern_set_host_info, wasm_extern_set_host_info_with_finalizer;
    wasm_func_t: wasm_func_delete, wasm_func_copy, wasm_func_get_host_info,
        wasm_func_set_host_info, wasm_func_set_host_info_with_finalizer;
    wasm_global_t: wasm_global_delete, wasm_global_copy, wasm_global_get_host_info,
        wasm_global_set_host_info, wasm_global_set_host_info_with_finalizer;
    wasm_memory_t: wasm_memory_delete, wasm_memory_copy, wasm_memory_get_host_info,
        wasm_memory_set_host_info, wasm_memory_set_host_info_with_finalizer;
    wasm_table_t: wasm_table_delete, wasm_table_copy, wasm_table_get_host_info,
        wasm_table_set_host_info, wasm_table_set_host_info_with_finalizer;
    wasm_ref_t: wasm_ref_delete, wasm_ref_copy, wasm_ref_get_host_info,
        wasm_ref_set_host_info, wasm_ref_set_host_info_with_finalizer;
}
