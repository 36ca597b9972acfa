//! Functions: `wasmtime_func_new` (a C callback as a host function),
//! calls from C (checked `wasmtime_val_t`s or raw slots), function types,
//! and the `wasmtime_caller_t` a callback receives.
//!
//! A C callback becomes an `egret::Func::try_new` closure ([`host_fn`]):
//! it converts the arguments, gives the callback a caller on its stack,
//! and turns a returned `wasm_trap_t` into the host function's error,
//! which reaches whoever called into wasm: as a trap if it has a trap
//! code, else as an error (Wasmtime's rule, see [`crate::trap::is_trap`]).

use crate::boundary::{or_default, required, slice, text, with_trap, write_out};
use crate::error::wasmtime_error_t;
use crate::externs::{wasmtime_extern_t, wasmtime_func_t};
use crate::store::{Finalizer, ForeignData, StoreData, wasmtime_context_t};
use crate::trap::wasm_trap_t;
use crate::types::wasm_functype_t;
use crate::val::{wasmtime_val_raw_t, wasmtime_val_t};
use egret_api::{AsContextMut, Caller, Error, Func, FuncType, Result, Val, ValType};
use std::ffi::{c_char, c_void};
use std::ptr::NonNull;
use std::sync::Arc;

/// A host function's callback over checked values.
pub type wasmtime_func_callback_t = unsafe extern "C" fn(
    env: *mut c_void,
    caller: *mut wasmtime_caller_t,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut wasmtime_val_t,
    nresults: usize,
) -> *mut wasm_trap_t;

/// A host function's callback over raw slots (arguments in, results out).
pub type wasmtime_func_unchecked_callback_t = unsafe extern "C" fn(
    env: *mut c_void,
    caller: *mut wasmtime_caller_t,
    args_and_results: *mut wasmtime_val_raw_t,
    num_args_and_results: usize,
) -> *mut wasm_trap_t;

/// The caller of a host function: its store (as a context) and the
/// calling instance's exports. Lives on the stack during the callback.
pub struct wasmtime_caller_t {
    caller: NonNull<Caller<'static, StoreData>>,
    context: wasmtime_context_t,
}

impl wasmtime_caller_t {
    fn new(caller: &mut Caller<'_, StoreData>) -> wasmtime_caller_t {
        wasmtime_caller_t {
            context: wasmtime_context_t::of_caller(caller),
            caller: NonNull::from(caller).cast(),
        }
    }
}

/// Runs a C callback's answer: a returned trap becomes the host
/// function's error.
///
/// # Safety
/// `trap` is NULL or a trap the callback gave up ownership of.
unsafe fn callback_outcome(trap: *mut wasm_trap_t) -> Result<()> {
    if trap.is_null() {
        Ok(())
    } else {
        // SAFETY: the callback returned an owned trap, made by this
        // library, which is now ours.
        Err(unsafe { Box::from_raw(trap) }.error)
    }
}

/// The closure of a host function that calls `callback` with `env`.
pub(crate) fn host_fn(
    callback: wasmtime_func_callback_t,
    env: ForeignData,
) -> impl Fn(Caller<'_, StoreData>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static {
    let env = Arc::new(env);
    move |mut caller, params, results| {
        let mut args: Vec<wasmtime_val_t> = params
            .iter()
            .map(|v| wasmtime_val_t::new(v, &mut caller))
            .collect();
        // Results start as the zero values Egret put there, so a callback
        // that leaves one unwritten still returns a value of its type.
        let mut outs: Vec<wasmtime_val_t> = results
            .iter()
            .map(|v| wasmtime_val_t::new(v, &mut caller))
            .collect();
        let mut c_caller = wasmtime_caller_t::new(&mut caller);
        // SAFETY: the callback was given for this function's type, with
        // `env`; the argument and result buffers have the lengths passed
        // and the caller lives across the call.
        let trap = unsafe {
            callback(
                env.data,
                &mut c_caller,
                args.as_ptr(),
                args.len(),
                outs.as_mut_ptr(),
                outs.len(),
            )
        };
        // The arguments were lent to the callback, and the results it
        // wrote are given to Egret: both are released here (as Wasmtime
        // does), whatever the outcome, once the results are read.
        // SAFETY: the callback's return value, as the C API defines it.
        let outcome = unsafe { callback_outcome(trap) }.and_then(|()| {
            for (slot, out) in results.iter_mut().zip(&outs) {
                *slot = out.value(&mut caller)?;
            }
            Ok(())
        });
        for arg in &mut args {
            arg.release();
        }
        for out in &mut outs {
            out.release();
        }
        outcome
    }
}

/// The closure of a host function that calls the raw-slot `callback`.
pub(crate) fn host_fn_unchecked(
    callback: wasmtime_func_unchecked_callback_t,
    env: ForeignData,
    params: Vec<ValType>,
    result_types: Vec<ValType>,
) -> impl Fn(Caller<'_, StoreData>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static {
    let env = Arc::new(env);
    move |mut caller, args, results| {
        let entry = caller.data().raw_refs.enter_callback();
        let mut slots = vec![raw_zero(); params.len().max(result_types.len())];
        for (slot, arg) in slots.iter_mut().zip(args) {
            *slot = to_raw(arg, &mut caller);
        }
        caller.data_mut().raw_refs.protect_arguments();
        let mut c_caller = wasmtime_caller_t::new(&mut caller);
        // SAFETY: the callback was given for this function's type, with
        // `env`; the slots are as many as its parameters or results.
        let trap = unsafe { callback(env.data, &mut c_caller, slots.as_mut_ptr(), slots.len()) };
        // SAFETY: the callback's return value, as the C API defines it.
        let outcome = unsafe { callback_outcome(trap) }.and_then(|()| {
            for ((result, slot), ty) in results.iter_mut().zip(&slots).zip(&result_types) {
                *result = from_raw(slot, ty, &mut caller)?;
            }
            Ok(())
        });
        caller.data_mut().raw_refs.leave_callback(entry);
        outcome
    }
}

fn raw_zero() -> wasmtime_val_raw_t {
    wasmtime_val_raw_t { v128: [0; 16] }
}

/// The raw slot of `val`: numbers as themselves, a `funcref` as its handle
/// position + 1, other references as their reference position + 1 (0 is
/// null).
fn to_raw(val: &Val, mut cx: impl AsContextMut<Data = StoreData>) -> wasmtime_val_raw_t {
    match val {
        Val::I32(n) => wasmtime_val_raw_t {
            i64: i64::from(*n as u32),
        },
        Val::I64(n) => wasmtime_val_raw_t { i64: *n },
        Val::F32(bits) => wasmtime_val_raw_t {
            i64: i64::from(*bits),
        },
        Val::F64(bits) => wasmtime_val_raw_t { i64: *bits as i64 },
        Val::V128(v) => wasmtime_val_raw_t {
            v128: v.as_u128().to_le_bytes(),
        },
        Val::FuncRef(f) => {
            let mut cx = cx.as_context_mut();
            let position = f.map_or(0, |f| cx.data_mut().funcs.position(f) + 1);
            wasmtime_val_raw_t {
                funcref: std::ptr::without_provenance_mut(position),
            }
        }
        Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
            wasmtime_val_raw_t { i64: 0 }
        }
        Val::ExternRef(Some(_)) | Val::AnyRef(Some(_)) | Val::ExnRef(Some(_)) => {
            wasmtime_val_raw_t {
                i64: i64::from(crate::raw_slots::to_raw_slot(val, cx)),
            }
        }
    }
}

/// The value of type `ty` in a raw slot (see [`to_raw`]).
fn from_raw(
    slot: &wasmtime_val_raw_t,
    ty: &ValType,
    cx: impl AsContextMut<Data = StoreData>,
) -> Result<Val> {
    // SAFETY: every field of the union is plain data of at most 16 bytes,
    // all of which the slot holds; which one is meant is given by `ty`.
    let (bits, v128, pointer) = unsafe { (slot.i64, slot.v128, slot.funcref) };
    Ok(match ty {
        ValType::I32 => Val::I32(bits as i32),
        ValType::I64 => Val::I64(bits),
        ValType::F32 => Val::F32(bits as u32),
        ValType::F64 => Val::F64(bits as u64),
        ValType::V128 => Val::from(u128::from_le_bytes(v128)),
        ValType::Ref(r) => {
            let position = if r.heap_type().top().is_func() {
                pointer.addr()
            } else {
                bits as u32 as usize
            };
            if position == 0 {
                return Ok(Val::from(egret_api::Ref::null(r.heap_type())));
            }
            if r.heap_type().top().is_func() {
                let func = cx.as_context().data().funcs.get(position - 1);
                Val::FuncRef(Some(
                    func.ok_or_else(|| Error::msg("invalid funcref: unknown handle"))?,
                ))
            } else {
                crate::raw_slots::from_raw_slot(position as u32, cx)
                    .ok_or_else(|| Error::msg("invalid reference: unknown handle"))?
            }
        }
    })
}

/// Creates a host function from the `wasmtime_func_callback_t`; on
/// failure (a NULL argument, a type of another engine) `ret` gets a null
/// function, which every use reports as an error.
///
/// # Safety
/// `ret` is NULL or writable; `callback` may be called with `env` from
/// any call of the function until the store is deleted, then `finalizer`
/// is called on `env`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_func_new(
    store: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_functype_t>,
    callback: Option<wasmtime_func_callback_t>,
    env: *mut c_void,
    finalizer: Option<Finalizer>,
    ret: *mut wasmtime_func_t,
) {
    let env = ForeignData {
        data: env,
        finalizer,
    };
    // SAFETY: forwarded to the caller.
    unsafe { new_host_func(store, ty, ret, |_| Some(host_fn(callback?, env))) }
}

/// Creates a host function from the `wasmtime_func_unchecked_callback_t`;
/// on failure `ret` gets a null function.
///
/// # Safety
/// As [`wasmtime_func_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_func_new_unchecked(
    store: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_functype_t>,
    callback: Option<wasmtime_func_unchecked_callback_t>,
    env: *mut c_void,
    finalizer: Option<Finalizer>,
    ret: *mut wasmtime_func_t,
) {
    let env = ForeignData {
        data: env,
        finalizer,
    };
    // SAFETY: forwarded to the caller.
    unsafe {
        new_host_func(store, ty, ret, |ty| {
            let (params, results) = (ty.params().collect(), ty.results().collect());
            Some(host_fn_unchecked(callback?, env, params, results))
        })
    }
}

/// What `wasmtime_func_new` and its unchecked form share: writes to `ret`
/// a new host function of type `ty` whose closure `host` makes for the
/// engine's form of the type, or a null function if an argument is NULL
/// or the type is of another engine.
///
/// # Safety
/// `ret` is NULL or writable.
unsafe fn new_host_func<F>(
    store: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_functype_t>,
    ret: *mut wasmtime_func_t,
    host: impl FnOnce(&FuncType) -> Option<F>,
) where
    F: Fn(Caller<'_, StoreData>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
{
    let func = or_default(None, || {
        let (store, ty) = (store?, ty?);
        let ty = ty.to_func_type(store.engine()).ok()?;
        let closure = host(&ty)?;
        let func = Func::try_new(store.context_mut(), ty, closure).ok()?;
        Some(wasmtime_func_t::new(func, store.data_mut()))
    });
    // SAFETY: forwarded to the caller. A NULL `ret` has nowhere to go.
    let _ = unsafe { write_out(ret, func.unwrap_or(wasmtime_func_t::NULL), "ret") };
}

/// The function's type (owned by the caller); NULL for a NULL argument or
/// a function of another store.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_func_type(
    store: Option<&wasmtime_context_t>,
    func: Option<&wasmtime_func_t>,
) -> Option<Box<wasm_functype_t>> {
    or_default(None, || {
        let store = store?;
        let ty = func?
            .resolve(store.data())
            .ok()?
            .try_ty(store.context())
            .ok()?;
        Some(Box::new(wasm_functype_t::from_func_type(&ty)))
    })
}

/// Calls `func` with `nargs` arguments, writing `nresults` results. A
/// trap (see [`crate::trap::is_trap`]) goes to `*trap` and NULL is
/// returned; anything else (a host function's error, NULL arguments,
/// wrong counts or types, a function of another store) is returned as an
/// error.
///
/// # Safety
/// `args` holds `nargs` values, `results` has room for `nresults`, `trap`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_func_call(
    store: Option<&mut wasmtime_context_t>,
    func: Option<&wasmtime_func_t>,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut wasmtime_val_t,
    nresults: usize,
    trap: *mut *mut wasm_trap_t,
) -> Option<Box<wasmtime_error_t>> {
    with_trap(trap, || {
        let store = required(store, "store")?;
        let func = required(func, "func")?.resolve(store.data())?;
        // SAFETY: forwarded to the caller.
        let args = unsafe { slice(args, nargs, "args") }?;
        let mut cx = store.scope();
        let args = args
            .iter()
            .map(|a| a.value(&mut cx))
            .collect::<Result<Vec<_>>>()?;
        if nresults > 0 && results.is_null() {
            return Err(crate::boundary::null_error("results"));
        }
        let mut outs = vec![Val::I32(0); nresults];
        func.call(&mut cx, &args, &mut outs)?;
        for (i, out) in outs.iter().enumerate() {
            let val = wasmtime_val_t::new(out, &mut cx);
            // SAFETY: `results` is not NULL and has room for `nresults`.
            unsafe { results.add(i).write(val) };
        }
        Ok(())
    })
}

/// Calls `func` with its arguments in the raw slots, which then hold its
/// results; as [`wasmtime_func_call`] for traps and errors.
///
/// # Safety
/// `args_and_results` holds `args_and_results_len` slots, at least as
/// many as the function's parameters and results; `trap` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_func_call_unchecked(
    store: Option<&mut wasmtime_context_t>,
    func: Option<&wasmtime_func_t>,
    args_and_results: *mut wasmtime_val_raw_t,
    args_and_results_len: usize,
    trap: *mut *mut wasm_trap_t,
) -> Option<Box<wasmtime_error_t>> {
    with_trap(trap, || {
        let store = required(store, "store")?;
        let func = required(func, "func")?.resolve(store.data())?;
        let ty = func.try_ty(store.context())?;
        let needed = ty.params().len().max(ty.results().len());
        if args_and_results_len < needed {
            return Err(Error::msg(format!(
                "{args_and_results_len} slots given where the function needs {needed}"
            )));
        }
        // SAFETY: forwarded to the caller; at least `needed` slots.
        let slots = unsafe { slice(args_and_results, args_and_results_len, "args_and_results") }?;
        let mut cx = store.scope();
        let args = slots
            .iter()
            .zip(ty.params())
            .map(|(slot, ty)| from_raw(slot, &ty, &mut cx))
            .collect::<Result<Vec<_>>>()?;
        // The arguments are read; wasm may collect from here on.
        cx.as_context_mut()
            .data_mut()
            .raw_refs
            .release_unprotected();
        let mut outs = vec![Val::I32(0); ty.results().len()];
        func.call(&mut cx, &args, &mut outs)?;
        for (i, out) in outs.iter().enumerate() {
            let raw = to_raw(out, &mut cx);
            // SAFETY: the caller's buffer has at least `needed` slots.
            unsafe { args_and_results.add(i).write(raw) };
        }
        Ok(())
    })
}

/// The function whose raw `funcref` slot value is `raw` (a null function
/// for 0 or an unknown value).
///
/// # Safety
/// `ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_func_from_raw(
    store: Option<&mut wasmtime_context_t>,
    raw: *mut c_void,
    ret: *mut wasmtime_func_t,
) {
    let func = or_default(None, || {
        let store = store?;
        let func = store.data().funcs.get(raw.addr().checked_sub(1)?)?;
        Some(wasmtime_func_t::new(func, store.data_mut()))
    });
    // SAFETY: forwarded to the caller.
    let _ = unsafe { write_out(ret, func.unwrap_or(wasmtime_func_t::NULL), "ret") };
}

/// The raw `funcref` slot value of `func` (NULL for a null or foreign
/// function).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_func_to_raw(
    store: Option<&mut wasmtime_context_t>,
    func: Option<&wasmtime_func_t>,
) -> *mut c_void {
    or_default(std::ptr::null_mut(), || {
        let Some(store) = store else {
            return std::ptr::null_mut();
        };
        let func = func.and_then(|f| f.resolve(store.data()).ok());
        let raw = to_raw(&Val::FuncRef(func), store.context_mut());
        // SAFETY: `to_raw` of a funcref sets the pointer field.
        unsafe { raw.funcref }
    })
}

/// Finds the export `name` of the calling instance; false if there is
/// none (or the host called).
///
/// # Safety
/// `name` holds `name_len` bytes; `item` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_caller_export_get(
    caller: Option<&mut wasmtime_caller_t>,
    name: *const c_char,
    name_len: usize,
    item: *mut wasmtime_extern_t,
) -> bool {
    or_default(false, || {
        let Some(caller) = caller else { return false };
        // SAFETY: forwarded to the caller.
        let Ok(name) = (unsafe { text(name, name_len, "name") }) else {
            return false;
        };
        // SAFETY: a `wasmtime_caller_t` exists only during its callback,
        // while its `Caller` is alive and used through it alone.
        let rust_caller = unsafe { caller.caller.as_mut() };
        let Some(export) = rust_caller.get_export(name) else {
            return false;
        };
        let export = wasmtime_extern_t::new(export, rust_caller.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(item, export, "item") }.is_ok()
    })
}

/// The caller's store, as a context valid during the callback.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_caller_context(
    caller: Option<&mut wasmtime_caller_t>,
) -> Option<&mut wasmtime_context_t> {
    caller.map(|c| &mut c.context)
}
