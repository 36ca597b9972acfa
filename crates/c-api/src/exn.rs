//! Exceptions from C: exception types (`wasmtime_exn_type_t`, the types
//! of an exception's fields, which are a tag type's parameters), making
//! an exception object of a tag with field values
//! (`wasmtime_exnref_new`), and reading an exception's tag, type and
//! fields, whether C made it or wasm threw it.
//!
//! An `exnref` struct holds its exception as the other reference structs
//! do (see [`crate::refs`]): what these functions hand out is owned by
//! the caller, who releases it with `wasmtime_exnref_unroot` (or
//! `wasmtime_val_unroot` for a field value). Throwing one into wasm and
//! taking the one wasm threw are [`crate::tag`]'s.

use crate::boundary::{null_error, or_default, required, slice, with_error, write_out};
use crate::config::wasm_engine_t;
use crate::error::wasmtime_error_t;
use crate::externs::wasmtime_tag_t;
use crate::refs::{keep, kept};
use crate::store::{StoreData, wasmtime_context_t};
use crate::types::{valtypes, wasm_tagtype_t};
use crate::val::{wasmtime_exnref_t, wasmtime_val_t};
use crate::vec::wasm_valtype_vec_t;
use egret_api::{
    AsContextMut, Error, ExnRef, ExnRefPre, ExnType, Finality, FuncType, Result, Rooted, TagType,
    Val,
};

/// The type of an exception: the types of its fields.
#[derive(Clone)]
pub struct wasmtime_exn_type_t {
    ty: ExnType,
}

/// The exception type with fields of the types in `params`, written to
/// `out` (owned by the caller).
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_exn_type_new(
    engine: Option<&wasm_engine_t>,
    params: Option<&wasm_valtype_vec_t>,
    out: *mut Option<Box<wasmtime_exn_type_t>>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let engine = &required(engine, "engine")?.engine;
        let fields = valtypes(required(params, "params")?)?;
        // `ExnType::new` panics on a concrete type of another engine;
        // registering the same fields as a function's parameters reports
        // it as an error first.
        FuncType::with_finality_and_supertype(engine, Finality::Final, None, fields.clone(), [])?;
        let ty = Box::new(wasmtime_exn_type_t {
            ty: ExnType::new(engine, fields)?,
        });
        // SAFETY: forwarded to the caller.
        unsafe { write_out(out, Some(ty), "out") }
    })
}

/// Frees an exception type.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_exn_type_delete(ty: Option<Box<wasmtime_exn_type_t>>) {
    or_default((), || drop(ty))
}

/// A copy of an exception type (NULL for NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_exn_type_copy(
    ty: Option<&wasmtime_exn_type_t>,
) -> Option<Box<wasmtime_exn_type_t>> {
    or_default(None, || ty.map(|ty| Box::new(ty.clone())))
}

/// The type of the tags whose exceptions have this type: parameters the
/// fields, no results (owned by the caller; NULL for NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_exn_type_tag_type(
    ty: Option<&wasmtime_exn_type_t>,
) -> Option<Box<wasm_tagtype_t>> {
    or_default(None, || {
        let ty = &ty?.ty;
        let func = FuncType::new(ty.engine(), ty.fields(), []);
        Some(Box::new(wasm_tagtype_t::from_tag_type(TagType::new(func))))
    })
}

/// The exception an `exnref` struct of `cx`'s store holds, rooted in its
/// current scope: an error for a NULL, null or foreign struct, or one
/// holding another kind of reference.
fn exception_of(
    exn: Option<&wasmtime_exnref_t>,
    mut cx: impl AsContextMut<Data = StoreData>,
) -> Result<Rooted<ExnRef>> {
    let exn = required(exn, "exnref")?;
    cx.as_context().data().check(exn.store_id, "exnref")?;
    match kept(exn, &mut cx) {
        Some(Val::ExnRef(Some(exn))) => Ok(exn),
        _ => Err(Error::msg("invalid exnref: not an exception")),
    }
}

/// A new exception of `tag` holding `fields` (which must match the tag's
/// parameters), written to `exn_ret` (owned by the caller).
///
/// # Safety
/// `fields` holds `nfields` values; `exn_ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_exnref_new(
    store: Option<&mut wasmtime_context_t>,
    tag: Option<&wasmtime_tag_t>,
    fields: *const wasmtime_val_t,
    nfields: usize,
    exn_ret: *mut wasmtime_exnref_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let store = required(store, "store")?;
        let tag = required(tag, "tag")?.resolve(store.data())?;
        // SAFETY: forwarded to the caller.
        let fields = unsafe { slice(fields, nfields, "fields") }?;
        if exn_ret.is_null() {
            return Err(null_error("exn_ret"));
        }
        let mut cx = store.scope();
        let ty = ExnType::from_tag_type(&tag.try_ty(&cx)?)?;
        let pre = ExnRefPre::new(&mut cx, ty);
        let fields = fields
            .iter()
            .map(|field| field.value(&mut cx))
            .collect::<Result<Vec<_>>>()?;
        let exn = ExnRef::new(&mut cx, &pre, &tag, &fields)?;
        let exn = keep(&Val::ExnRef(Some(exn)), &mut cx);
        // SAFETY: forwarded to the caller.
        unsafe { write_out(exn_ret, exn, "exn_ret") }
    })
}

/// Writes the exception's tag to `tag_ret`.
///
/// # Safety
/// `tag_ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_exnref_tag(
    store: Option<&mut wasmtime_context_t>,
    exn: Option<&wasmtime_exnref_t>,
    tag_ret: *mut wasmtime_tag_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let store = required(store, "store")?;
        let tag = {
            let mut cx = store.scope();
            exception_of(exn, &mut cx)?.tag(&cx)?
        };
        let tag = wasmtime_tag_t::new(tag, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(tag_ret, tag, "tag_ret") }
    })
}

/// How many fields the exception has (0 for a NULL, null or foreign
/// argument).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_exnref_field_count(
    store: Option<&mut wasmtime_context_t>,
    exn: Option<&wasmtime_exnref_t>,
) -> usize {
    or_default(0, || {
        let Some(store) = store else { return 0 };
        let mut cx = store.scope();
        exception_of(exn, &mut cx)
            .and_then(|exn| exn.ty(&cx))
            .map_or(0, |ty| ty.fields().len())
    })
}

/// Writes the value of field `index` (owned by the caller) to `val_ret`;
/// an error if there is no such field.
///
/// # Safety
/// `val_ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_exnref_field(
    store: Option<&mut wasmtime_context_t>,
    exn: Option<&wasmtime_exnref_t>,
    index: usize,
    val_ret: *mut wasmtime_val_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let mut cx = required(store, "store")?.scope();
        let exn = exception_of(exn, &mut cx)?;
        if val_ret.is_null() {
            return Err(null_error("val_ret"));
        }
        let value = exn.field(&cx, index)?;
        let value = wasmtime_val_t::new(&value, &mut cx);
        // SAFETY: forwarded to the caller.
        unsafe { write_out(val_ret, value, "val_ret") }
    })
}

/// The exception's type (owned by the caller); NULL for a NULL, null or
/// foreign argument.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_exnref_type(
    context: Option<&mut wasmtime_context_t>,
    exnref: Option<&wasmtime_exnref_t>,
) -> Option<Box<wasmtime_exn_type_t>> {
    or_default(None, || {
        let mut cx = context?.scope();
        let ty = exception_of(exnref, &mut cx).ok()?.ty(&cx).ok()?;
        Some(Box::new(wasmtime_exn_type_t { ty }))
    })
}
