//! Reference values from C: `externref`s made by the host
//! (`wasmtime_externref_new`, `_data`), `i31ref`s and the `anyref` tests,
//! and the copy, release and raw-slot conversions of the reference
//! structs.
//!
//! A reference struct C holds owns a boxed `KeptRef` (an
//! `OwnedRooted`, which keeps its object alive through collections): its
//! `__private3` points to the box and its store id names the store.
//! Copying the struct with `_clone` boxes a second handle; `_unroot`
//! drops the box, so a later `wasmtime_context_gc` can free the object.
//! As in Wasmtime, a struct must not be used after it is unrooted, and
//! one that is never unrooted keeps its object (and leaks its box).
//!
//! Raw slots (`wasmtime_val_raw_t`) cannot own anything: see
//! [`crate::raw_slots`].

use crate::boundary::or_default;
use crate::raw_slots::{from_raw_slot, to_raw_slot};
use crate::store::{Finalizer, ForeignData, StoreData, wasmtime_context_t};
use crate::val::{
    wasmtime_anyref_t, wasmtime_arrayref_t, wasmtime_eqref_t, wasmtime_exnref_t,
    wasmtime_externref_t, wasmtime_gcref_t, wasmtime_structref_t,
};
use egret_api::{AnyRef, AsContextMut, ExnRef, ExternRef, I31, OwnedRooted, Rooted, Val};
use std::ffi::c_void;

/// A reference C holds, rooted for as long as it is held.
#[derive(Clone)]
pub(crate) enum KeptRef {
    /// An `externref`.
    Extern(OwnedRooted<ExternRef>),
    /// An `anyref` (also an `eqref`, `structref` or `arrayref` struct).
    Any(OwnedRooted<AnyRef>),
    /// An `exnref`.
    Exn(OwnedRooted<ExnRef>),
}

impl KeptRef {
    /// `val`'s reference, owned; `None` for a null, a number, a funcref,
    /// or a reference not valid in the store.
    pub(crate) fn own(val: &Val, mut cx: impl AsContextMut) -> Option<KeptRef> {
        Some(match val {
            Val::ExternRef(Some(r)) => KeptRef::Extern(r.to_owned_rooted(&mut cx).ok()?),
            Val::AnyRef(Some(r)) => KeptRef::Any(r.to_owned_rooted(&mut cx).ok()?),
            Val::ExnRef(Some(r)) => KeptRef::Exn(r.to_owned_rooted(&mut cx).ok()?),
            _ => return None,
        })
    }

    /// The value, rooted in the store's current scope.
    pub(crate) fn to_val(&self, mut cx: impl AsContextMut) -> Val {
        match self {
            KeptRef::Extern(r) => Val::ExternRef(Some(r.to_rooted(&mut cx))),
            KeptRef::Any(r) => Val::AnyRef(Some(r.to_rooted(&mut cx))),
            KeptRef::Exn(r) => Val::ExnRef(Some(r.to_rooted(&mut cx))),
        }
    }
}

/// The null reference struct.
pub(crate) const NULL: wasmtime_gcref_t = wasmtime_gcref_t {
    store_id: 0,
    __private1: 0,
    __private2: 0,
    __private3: std::ptr::null_mut(),
};

/// The struct owning `kept`, a reference of the store `store_id`.
fn owning(kept: KeptRef, store_id: u64) -> wasmtime_gcref_t {
    wasmtime_gcref_t {
        store_id,
        __private1: 0,
        __private2: 0,
        __private3: Box::into_raw(Box::new(kept)).cast(),
    }
}

/// The reference a struct holds, whatever its store; `None` for null.
fn boxed(gcref: &wasmtime_gcref_t) -> Option<&KeptRef> {
    if gcref.store_id == 0 || gcref.__private3.is_null() {
        return None;
    }
    // SAFETY: a struct with a store id was made by `owning` (C may only
    // pass structs this library wrote), and the C API allows using it
    // only until it is unrooted, which is when its box is dropped.
    Some(unsafe { &*gcref.__private3.cast::<KeptRef>() })
}

/// Keeps `val`'s reference for C and returns the struct owning it; the
/// null struct for a null (or a value that is no reference of the store).
pub(crate) fn keep(val: &Val, mut cx: impl AsContextMut<Data = StoreData>) -> wasmtime_gcref_t {
    let Some(kept) = KeptRef::own(val, &mut cx) else {
        return NULL;
    };
    owning(kept, cx.as_context().data().id)
}

/// A second struct owning the same reference (null for null).
pub(crate) fn duplicate(gcref: &wasmtime_gcref_t) -> wasmtime_gcref_t {
    boxed(gcref).map_or(NULL, |kept| owning(kept.clone(), gcref.store_id))
}

/// Drops the reference the struct owns and makes it null.
pub(crate) fn release(gcref: &mut wasmtime_gcref_t) {
    if boxed(gcref).is_some() {
        // SAFETY: as in `boxed`; the struct is made null right after, so
        // the box is dropped once.
        drop(unsafe { Box::from_raw(gcref.__private3.cast::<KeptRef>()) });
    }
    *gcref = NULL;
}

/// The reference a struct of this store stands for.
fn held<'a>(gcref: &'a wasmtime_gcref_t, data: &StoreData) -> Option<&'a KeptRef> {
    if gcref.store_id != data.id {
        return None;
    }
    boxed(gcref)
}

/// The value a reference struct of this store stands for, rooted in the
/// store's current scope.
pub(crate) fn kept(
    gcref: &wasmtime_gcref_t,
    mut cx: impl AsContextMut<Data = StoreData>,
) -> Option<Val> {
    let held = held(gcref, cx.as_context().data())?;
    Some(held.to_val(&mut cx))
}

/// Writes `value` to `out` if it is not NULL.
///
/// # Safety
/// `out` is NULL or writable.
pub(crate) unsafe fn write(out: *mut wasmtime_gcref_t, value: wasmtime_gcref_t) {
    if !out.is_null() {
        // SAFETY: non-null and writable, as the caller promises.
        unsafe { out.write(value) };
    }
}

/// Makes an `externref` holding `data` (`finalizer` runs on it when the
/// object is collected or the store deleted), written to `out`; false for
/// a NULL context.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_externref_new(
    context: Option<&mut wasmtime_context_t>,
    data: *mut c_void,
    finalizer: Option<Finalizer>,
    out: *mut wasmtime_externref_t,
) -> bool {
    let host = ForeignData { data, finalizer };
    let made = or_default(None, || {
        let mut cx = context?.scope();
        let externref = ExternRef::new(&mut cx, host).ok()?;
        Some(keep(&Val::ExternRef(Some(externref)), &mut cx))
    });
    // SAFETY: forwarded to the caller.
    unsafe { write(out, made.unwrap_or(NULL)) };
    made.is_some()
}

/// The data of an `externref` made by `wasmtime_externref_new`; NULL for
/// a null reference, one of another store, or one made by wasm.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_externref_data(
    context: Option<&mut wasmtime_context_t>,
    data: Option<&wasmtime_externref_t>,
) -> *mut c_void {
    or_default(std::ptr::null_mut(), || {
        let (Some(context), Some(gcref)) = (context, data) else {
            return std::ptr::null_mut();
        };
        let Some(KeptRef::Extern(externref)) = held(gcref, context.data()) else {
            return std::ptr::null_mut();
        };
        externref
            .data(context.context())
            .ok()
            .flatten()
            .and_then(|any| any.downcast_ref::<ForeignData>())
            .map_or(std::ptr::null_mut(), |host| host.data)
    })
}

/// Defines `_clone`, `_unroot`, `_from_raw` and `_to_raw` for one kind of
/// reference struct.
macro_rules! reference_functions {
    ($($ref:ty: $clone:ident, $unroot:ident $(, $from_raw:ident, $to_raw:ident, $variant:ident)?;)*) => {$(
        #[doc = concat!("`", stringify!($clone), "`: a second struct holding the same reference, written to `out`.")]
        ///
        /// # Safety
        /// `out` is NULL or writable.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $clone(src: Option<&$ref>, out: *mut $ref) {
            let copy = or_default(NULL, || src.map_or(NULL, duplicate));
            // SAFETY: forwarded to the caller.
            unsafe { write(out, copy) };
        }

        #[doc = concat!("`", stringify!($unroot), "`: releases the reference the struct holds (it becomes null).")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $unroot(gcref: Option<&mut $ref>) {
            or_default((), || {
                if let Some(gcref) = gcref {
                    release(gcref);
                }
            })
        }

        $(
            #[doc = concat!("`", stringify!($from_raw), "`: the reference of a raw slot value (null for 0 or an unknown value).")]
            ///
            /// # Safety
            /// `out` is NULL or writable.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn $from_raw(
                context: Option<&mut wasmtime_context_t>,
                raw: u32,
                out: *mut $ref,
            ) {
                let found = or_default(None, || {
                    let mut cx = context?.scope();
                    let val = from_raw_slot(raw, &mut cx)?;
                    let mut gcref = keep(&val, &mut cx);
                    if matches!(boxed(&gcref), Some(KeptRef::$variant(_))) {
                        Some(gcref)
                    } else {
                        release(&mut gcref);
                        None
                    }
                });
                // SAFETY: forwarded to the caller.
                unsafe { write(out, found.unwrap_or(NULL)) };
            }

            #[doc = concat!("`", stringify!($to_raw), "`: the raw slot value of a reference (0 for null or another store's).")]
            #[unsafe(no_mangle)]
            pub extern "C" fn $to_raw(context: Option<&mut wasmtime_context_t>, gcref: Option<&$ref>) -> u32 {
                or_default(0, || {
                    let (Some(context), Some(gcref)) = (context, gcref) else { return 0 };
                    let mut cx = context.scope();
                    match kept(gcref, &mut cx) {
                        Some(val) => to_raw_slot(&val, &mut cx),
                        None => 0,
                    }
                })
            }
        )?
    )*};
}

reference_functions! {
    wasmtime_externref_t: wasmtime_externref_clone, wasmtime_externref_unroot,
        wasmtime_externref_from_raw, wasmtime_externref_to_raw, Extern;
    wasmtime_anyref_t: wasmtime_anyref_clone, wasmtime_anyref_unroot,
        wasmtime_anyref_from_raw, wasmtime_anyref_to_raw, Any;
    wasmtime_exnref_t: wasmtime_exnref_clone, wasmtime_exnref_unroot,
        wasmtime_exnref_from_raw, wasmtime_exnref_to_raw, Exn;
    wasmtime_eqref_t: wasmtime_eqref_clone, wasmtime_eqref_unroot;
    wasmtime_structref_t: wasmtime_structref_clone, wasmtime_structref_unroot;
    wasmtime_arrayref_t: wasmtime_arrayref_clone, wasmtime_arrayref_unroot;
}

/// The `anyref` (or `eqref`, `structref`, `arrayref`) a reference struct
/// of this store holds.
pub(crate) fn anyref_of<'a>(
    data: &StoreData,
    gcref: Option<&'a wasmtime_gcref_t>,
) -> Option<&'a OwnedRooted<AnyRef>> {
    match held(gcref?, data)? {
        KeptRef::Any(any) => Some(any),
        _ => None,
    }
}

/// Keeps an `anyref` for C: the struct owning it.
pub(crate) fn keep_any(
    any: Rooted<AnyRef>,
    cx: impl AsContextMut<Data = StoreData>,
) -> wasmtime_gcref_t {
    keep(&Val::AnyRef(Some(any)), cx)
}

/// Makes the `i31ref` of the low 31 bits of `i31val`, written to `out`
/// (null for a NULL context).
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_anyref_from_i31(
    context: Option<&mut wasmtime_context_t>,
    i31val: u32,
    out: *mut wasmtime_anyref_t,
) {
    let made = or_default(None, || {
        let mut cx = context?.scope();
        let any = AnyRef::from_i31(&mut cx, I31::wrapping_u32(i31val));
        Some(keep_any(any, &mut cx))
    });
    // SAFETY: forwarded to the caller.
    unsafe { write(out, made.unwrap_or(NULL)) };
}

/// The `i31ref`'s value, if the `anyref` is one.
pub(crate) fn i31_of(
    context: Option<&mut wasmtime_context_t>,
    anyref: Option<&wasmtime_gcref_t>,
) -> Option<I31> {
    let context = context?;
    anyref_of(context.data(), anyref)?
        .as_i31(context.context())
        .ok()
        .flatten()
}

/// Writes the `i31ref`'s value, zero-extended, to `dst`; false if the
/// `anyref` is not an `i31ref`.
///
/// # Safety
/// `dst` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_anyref_i31_get_u(
    context: Option<&mut wasmtime_context_t>,
    anyref: Option<&wasmtime_anyref_t>,
    dst: *mut u32,
) -> bool {
    or_default(false, || {
        let Some(value) = i31_of(context, anyref) else {
            return false;
        };
        // SAFETY: forwarded to the caller.
        unsafe { crate::boundary::write_out(dst, value.get_u32(), "dst") }.is_ok()
    })
}

/// Writes the `i31ref`'s value, sign-extended, to `dst`; false if the
/// `anyref` is not an `i31ref`.
///
/// # Safety
/// `dst` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_anyref_i31_get_s(
    context: Option<&mut wasmtime_context_t>,
    anyref: Option<&wasmtime_anyref_t>,
    dst: *mut i32,
) -> bool {
    or_default(false, || {
        let Some(value) = i31_of(context, anyref) else {
            return false;
        };
        // SAFETY: forwarded to the caller.
        unsafe { crate::boundary::write_out(dst, value.get_i32(), "dst") }.is_ok()
    })
}

/// Defines the `wasmtime_anyref_is_*` tests Egret's `AnyRef` answers.
macro_rules! anyref_tests {
    ($($c_name:ident => $method:ident;)*) => {$(
        #[doc = concat!("`AnyRef::", stringify!($method), "` (false on a NULL or foreign argument).")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $c_name(
            context: Option<&mut wasmtime_context_t>,
            anyref: Option<&wasmtime_anyref_t>,
        ) -> bool {
            or_default(false, || {
                let Some(context) = context else { return false };
                anyref_of(context.data(), anyref)
                    .is_some_and(|any| any.$method(context.context()).unwrap_or(false))
            })
        }
    )*};
}

anyref_tests! {
    wasmtime_anyref_is_i31 => is_i31;
    wasmtime_anyref_is_eqref => is_eqref;
    wasmtime_anyref_is_struct => is_struct;
    wasmtime_anyref_is_array => is_array;
}
