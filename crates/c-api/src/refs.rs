//! Reference values from C: `externref`s made by the host
//! (`wasmtime_externref_new`, `_data`), `i31ref`s and the `anyref` tests,
//! and the copy, release and raw-slot conversions of `externref`,
//! `anyref` and `exnref` structs.
//!
//! A reference C holds is a position in its store's `StoreData::refs`
//! (see [`crate::val`]), where it is kept as an `OwnedRooted` until the
//! store is deleted, whatever scope (a host callback's, say) made it:
//! copying the struct copies the reference, and releasing it has nothing
//! to do. Its raw slot form is that position + 1 (0 is null), as in
//! [`crate::func`]'s raw slots.

use crate::boundary::or_default;
use crate::store::{Finalizer, ForeignData, StoreData, wasmtime_context_t};
use crate::val::wasmtime_gcref_t;
use egret_api::{AnyRef, AsContextMut, ExnRef, ExternRef, I31, OwnedRooted, Rooted, Val};
use std::ffi::c_void;

/// A reference C holds, owned by the store's table of them.
#[derive(Clone)]
pub(crate) enum KeptRef {
    /// An `externref`.
    Extern(OwnedRooted<ExternRef>),
    /// An `anyref`.
    Any(OwnedRooted<AnyRef>),
    /// An `exnref`.
    Exn(OwnedRooted<ExnRef>),
}

impl KeptRef {
    /// `val`'s reference, owned; `None` for a null, a number, a funcref,
    /// or a reference not valid in the store.
    fn own(val: &Val, mut cx: impl AsContextMut) -> Option<KeptRef> {
        Some(match val {
            Val::ExternRef(Some(r)) => KeptRef::Extern(r.to_owned_rooted(&mut cx).ok()?),
            Val::AnyRef(Some(r)) => KeptRef::Any(r.to_owned_rooted(&mut cx).ok()?),
            Val::ExnRef(Some(r)) => KeptRef::Exn(r.to_owned_rooted(&mut cx).ok()?),
            _ => return None,
        })
    }

    /// The value, rooted in the store's current scope.
    fn to_val(&self, mut cx: impl AsContextMut) -> Val {
        match self {
            KeptRef::Extern(r) => Val::ExternRef(Some(r.to_rooted(&mut cx))),
            KeptRef::Any(r) => Val::AnyRef(Some(r.to_rooted(&mut cx))),
            KeptRef::Exn(r) => Val::ExnRef(Some(r.to_rooted(&mut cx))),
        }
    }
}

/// The null reference struct.
const NULL: wasmtime_gcref_t = wasmtime_gcref_t {
    store_id: 0,
    __private1: 0,
    __private2: 0,
    __private3: std::ptr::null_mut(),
};

/// Keeps `val`'s reference in its store and returns its struct; the null
/// struct for a null (or a value that is no reference of the store).
pub(crate) fn keep(val: &Val, mut cx: impl AsContextMut<Data = StoreData>) -> wasmtime_gcref_t {
    let Some(kept) = KeptRef::own(val, &mut cx) else {
        return NULL;
    };
    let mut cx = cx.as_context_mut();
    let data = cx.data_mut();
    data.refs.push(kept);
    wasmtime_gcref_t {
        store_id: data.id,
        __private1: (data.refs.len() - 1) as u32,
        __private2: 0,
        __private3: std::ptr::null_mut(),
    }
}

/// The reference a struct of this store stands for.
fn held<'a>(gcref: &wasmtime_gcref_t, data: &'a StoreData) -> Option<&'a KeptRef> {
    if gcref.store_id != data.id {
        return None;
    }
    data.refs.get(gcref.__private1 as usize)
}

/// The value a reference struct of this store stands for, rooted in the
/// store's current scope.
pub(crate) fn kept(
    gcref: &wasmtime_gcref_t,
    mut cx: impl AsContextMut<Data = StoreData>,
) -> Option<Val> {
    let held = held(gcref, cx.as_context().data())?.clone();
    Some(held.to_val(&mut cx))
}

/// Writes `value` to `out` if it is not NULL.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn write(out: *mut wasmtime_gcref_t, value: wasmtime_gcref_t) {
    if !out.is_null() {
        // SAFETY: non-null and writable, as the caller promises.
        unsafe { out.write(value) };
    }
}

/// Makes an `externref` holding `data` (`finalizer` runs on it when the
/// store is deleted), written to `out`; false for a NULL context.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_externref_new(
    context: Option<&mut wasmtime_context_t>,
    data: *mut c_void,
    finalizer: Option<Finalizer>,
    out: *mut wasmtime_gcref_t,
) -> bool {
    let host = ForeignData { data, finalizer };
    let made = or_default(None, || {
        let context = context?;
        let externref = ExternRef::new(context.context_mut(), host).ok()?;
        Some(keep(
            &Val::ExternRef(Some(externref)),
            context.context_mut(),
        ))
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
    data: Option<&wasmtime_gcref_t>,
) -> *mut c_void {
    or_default(std::ptr::null_mut(), || {
        let (Some(context), Some(gcref)) = (context, data) else {
            return std::ptr::null_mut();
        };
        let Some(Val::ExternRef(Some(externref))) = kept(gcref, context.context_mut()) else {
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
    ($($clone:ident, $unroot:ident $(, $from_raw:ident, $to_raw:ident, $variant:ident)?;)*) => {$(
        #[doc = concat!("`", stringify!($clone), "`: copies the reference struct to `out`.")]
        ///
        /// # Safety
        /// `out` is NULL or writable.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $clone(src: Option<&wasmtime_gcref_t>, out: *mut wasmtime_gcref_t) {
            // SAFETY: forwarded to the caller.
            unsafe { write(out, src.copied().unwrap_or(NULL)) };
        }

        #[doc = concat!("`", stringify!($unroot), "`: nothing to release, references live until their store is deleted.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $unroot(_ref: Option<&mut wasmtime_gcref_t>) {}

        $(
            #[doc = concat!("`", stringify!($from_raw), "`: the reference of a raw slot value (null for 0 or an unknown value).")]
            ///
            /// # Safety
            /// `out` is NULL or writable.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn $from_raw(
                context: Option<&mut wasmtime_context_t>,
                raw: u32,
                out: *mut wasmtime_gcref_t,
            ) {
                let found = or_default(None, || {
                    let data = context?.data();
                    let position = (raw as usize).checked_sub(1)?;
                    matches!(data.refs.get(position)?, KeptRef::$variant(_)).then(|| wasmtime_gcref_t {
                        store_id: data.id,
                        __private1: position as u32,
                        __private2: 0,
                        __private3: std::ptr::null_mut(),
                    })
                });
                // SAFETY: forwarded to the caller.
                unsafe { write(out, found.unwrap_or(NULL)) };
            }

            #[doc = concat!("`", stringify!($to_raw), "`: the raw slot value of a reference (0 for null or another store's).")]
            #[unsafe(no_mangle)]
            pub extern "C" fn $to_raw(context: Option<&mut wasmtime_context_t>, gcref: Option<&wasmtime_gcref_t>) -> u32 {
                or_default(0, || match (context, gcref) {
                    (Some(context), Some(gcref)) if held(gcref, context.data()).is_some() => gcref.__private1 + 1,
                    _ => 0,
                })
            }
        )?
    )*};
}

reference_functions! {
    wasmtime_externref_clone, wasmtime_externref_unroot,
        wasmtime_externref_from_raw, wasmtime_externref_to_raw, Extern;
    wasmtime_anyref_clone, wasmtime_anyref_unroot,
        wasmtime_anyref_from_raw, wasmtime_anyref_to_raw, Any;
    wasmtime_exnref_clone, wasmtime_exnref_unroot,
        wasmtime_exnref_from_raw, wasmtime_exnref_to_raw, Exn;
    wasmtime_eqref_clone, wasmtime_eqref_unroot;
    wasmtime_structref_clone, wasmtime_structref_unroot;
    wasmtime_arrayref_clone, wasmtime_arrayref_unroot;
}

/// The `anyref` a reference struct of this store stands for.
fn anyref_of(
    context: &mut wasmtime_context_t,
    gcref: Option<&wasmtime_gcref_t>,
) -> Option<Rooted<AnyRef>> {
    match kept(gcref?, context.context_mut())? {
        Val::AnyRef(Some(any)) => Some(any),
        _ => None,
    }
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
    out: *mut wasmtime_gcref_t,
) {
    let made = or_default(None, || {
        let context = context?;
        let any = AnyRef::from_i31(context.context_mut(), I31::wrapping_u32(i31val));
        Some(keep(&Val::AnyRef(Some(any)), context.context_mut()))
    });
    // SAFETY: forwarded to the caller.
    unsafe { write(out, made.unwrap_or(NULL)) };
}

/// Whether the `anyref` is an `i31ref`.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_anyref_is_i31(
    context: Option<&mut wasmtime_context_t>,
    anyref: Option<&wasmtime_gcref_t>,
) -> bool {
    or_default(false, || {
        let Some(context) = context else { return false };
        anyref_of(context, anyref).is_some_and(|any| any.is_i31(context.context()).unwrap_or(false))
    })
}

/// The `i31ref`'s value, if the `anyref` is one.
fn i31_of(
    context: Option<&mut wasmtime_context_t>,
    anyref: Option<&wasmtime_gcref_t>,
) -> Option<I31> {
    let context = context?;
    anyref_of(context, anyref)?
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
    anyref: Option<&wasmtime_gcref_t>,
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
    anyref: Option<&wasmtime_gcref_t>,
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
            anyref: Option<&wasmtime_gcref_t>,
        ) -> bool {
            or_default(false, || {
                let Some(context) = context else { return false };
                anyref_of(context, anyref).is_some_and(|any| any.$method(context.context()).unwrap_or(false))
            })
        }
    )*};
}

anyref_tests! {
    wasmtime_anyref_is_eqref => is_eqref;
    wasmtime_anyref_is_struct => is_struct;
    wasmtime_anyref_is_array => is_array;
}
