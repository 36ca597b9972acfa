//! GC objects from C: struct and array types (`wasmtime_struct_type_t`,
//! `wasmtime_array_type_t` and their field and storage types), making
//! structs and arrays (`wasmtime_struct_ref_pre_t`, `_array_ref_pre_t`),
//! reading and writing their fields and elements, and the casts between
//! `anyref`, `eqref`, `structref` and `arrayref` structs.
//!
//! Egret has no `EqRef` of its own: every one of these reference structs
//! holds an `anyref` (see [`crate::refs`]), and a cast checks what the
//! object is and hands out a second struct holding it.

use crate::boundary::{or_default, required, slice, with_error, write_out};
use crate::config::wasm_engine_t;
use crate::error::wasmtime_error_t;
use crate::refs::{NULL, anyref_of, duplicate, keep_any, write};
use crate::store::{StoreData, wasmtime_context_t};
use crate::types::wasm_valtype_t;
use crate::val::{
    wasmtime_anyref_t, wasmtime_arrayref_t, wasmtime_eqref_t, wasmtime_gcref_t,
    wasmtime_structref_t, wasmtime_val_t,
};
use crate::valtypes::wasmtime_heaptype_t;
use egret_api::{
    AnyRef, ArrayRef, ArrayRefPre, ArrayType, AsContextMut, Error, FieldType, Mutability, Result,
    Rooted, StorageType, StructRef, StructRefPre, StructType,
};

/// `wasmtime_storage_type_kind_t` values.
pub(crate) mod storage_kind {
    pub const I8: u8 = 0;
    pub const I16: u8 = 1;
    pub const VALTYPE: u8 = 2;
}

/// What a field stores: a packed integer, or a value type (owned).
#[repr(C)]
pub struct wasmtime_storage_type_t {
    /// `WASMTIME_STORAGE_TYPE_KIND_*`.
    pub kind: u8,
    /// The value type, for `WASMTIME_STORAGE_TYPE_KIND_VALTYPE`.
    pub valtype: Option<Box<wasm_valtype_t>>,
}

/// A struct field or array element type.
#[repr(C)]
pub struct wasmtime_field_type_t {
    /// Whether the field can be set.
    pub mutable_: bool,
    /// What it stores.
    pub storage: wasmtime_storage_type_t,
}

impl wasmtime_storage_type_t {
    fn new(ty: &StorageType) -> wasmtime_storage_type_t {
        match ty {
            StorageType::I8 => wasmtime_storage_type_t {
                kind: storage_kind::I8,
                valtype: None,
            },
            StorageType::I16 => wasmtime_storage_type_t {
                kind: storage_kind::I16,
                valtype: None,
            },
            StorageType::ValType(ty) => wasmtime_storage_type_t {
                kind: storage_kind::VALTYPE,
                valtype: Some(Box::new(wasm_valtype_t { ty: ty.clone() })),
            },
        }
    }

    fn to_storage_type(&self) -> Result<StorageType> {
        match (self.kind, &self.valtype) {
            (storage_kind::I8, _) => Ok(StorageType::I8),
            (storage_kind::I16, _) => Ok(StorageType::I16),
            (storage_kind::VALTYPE, Some(valtype)) => Ok(StorageType::ValType(valtype.ty.clone())),
            (storage_kind::VALTYPE, None) => Err(Error::msg("invalid storage type: no valtype")),
            (other, _) => Err(Error::msg(format!(
                "invalid storage type: unknown kind {other}"
            ))),
        }
    }
}

impl wasmtime_field_type_t {
    fn new(ty: &FieldType) -> wasmtime_field_type_t {
        wasmtime_field_type_t {
            mutable_: ty.mutability() == Mutability::Var,
            storage: wasmtime_storage_type_t::new(ty.element_type()),
        }
    }

    fn to_field_type(&self) -> Result<FieldType> {
        let mutability = if self.mutable_ {
            Mutability::Var
        } else {
            Mutability::Const
        };
        Ok(FieldType::new(mutability, self.storage.to_storage_type()?))
    }
}

/// A copy of `storage` (its value type duplicated), written to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_storage_type_clone(
    storage: Option<&wasmtime_storage_type_t>,
    out: *mut wasmtime_storage_type_t,
) {
    let copy = or_default(None, || {
        Some(wasmtime_storage_type_t {
            kind: storage?.kind,
            valtype: storage?.valtype.clone(),
        })
    });
    if let Some(copy) = copy {
        // SAFETY: forwarded to the caller; a NULL `out` is skipped.
        let _ = unsafe { write_out(out, copy, "out") };
    }
}

/// Frees the value type `storage` owns (it is left without one).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_storage_type_delete(storage: Option<&mut wasmtime_storage_type_t>) {
    or_default((), || {
        if let Some(storage) = storage {
            storage.valtype = None;
        }
    })
}

/// A copy of `field`, written to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_field_type_clone(
    field: Option<&wasmtime_field_type_t>,
    out: *mut wasmtime_field_type_t,
) {
    let copy = or_default(None, || {
        let field = field?;
        Some(wasmtime_field_type_t {
            mutable_: field.mutable_,
            storage: wasmtime_storage_type_t {
                kind: field.storage.kind,
                valtype: field.storage.valtype.clone(),
            },
        })
    });
    if let Some(copy) = copy {
        // SAFETY: forwarded to the caller; a NULL `out` is skipped.
        let _ = unsafe { write_out(out, copy, "out") };
    }
}

/// Frees what `field` owns (its storage's value type).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_field_type_delete(field: Option<&mut wasmtime_field_type_t>) {
    wasmtime_storage_type_delete(field.map(|field| &mut field.storage));
}

/// A struct type, registered with its engine.
#[derive(Clone)]
pub struct wasmtime_struct_type_t {
    pub(crate) ty: StructType,
}

/// An array type, registered with its engine.
#[derive(Clone)]
pub struct wasmtime_array_type_t {
    pub(crate) ty: ArrayType,
}

/// The struct type with `nfields` fields (final, no supertype); NULL on a
/// NULL argument or an invalid field.
///
/// # Safety
/// `fields` holds `nfields` field types.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_struct_type_new(
    engine: Option<&wasm_engine_t>,
    fields: *const wasmtime_field_type_t,
    nfields: usize,
) -> Option<Box<wasmtime_struct_type_t>> {
    or_default(None, || {
        let engine = engine?;
        // SAFETY: forwarded to the caller.
        let fields = unsafe { slice(fields, nfields, "fields") }.ok()?;
        let fields = fields
            .iter()
            .map(wasmtime_field_type_t::to_field_type)
            .collect::<Result<Vec<_>>>()
            .ok()?;
        let ty = StructType::new(&engine.engine, fields).ok()?;
        Some(Box::new(wasmtime_struct_type_t { ty }))
    })
}

/// A copy of the struct type.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_struct_type_copy(
    ty: Option<&wasmtime_struct_type_t>,
) -> Option<Box<wasmtime_struct_type_t>> {
    or_default(None, || ty.map(|ty| Box::new(ty.clone())))
}

/// Frees the struct type.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_struct_type_delete(_ty: Option<Box<wasmtime_struct_type_t>>) {}

/// How many fields the struct type has (0 for NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_struct_type_num_fields(ty: Option<&wasmtime_struct_type_t>) -> usize {
    or_default(0, || ty.map_or(0, |ty| ty.ty.fields().len()))
}

/// Writes field `index`'s type (owned by the caller) to `out`; false if
/// there is no such field.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_struct_type_field(
    ty: Option<&wasmtime_struct_type_t>,
    index: usize,
    out: *mut wasmtime_field_type_t,
) -> bool {
    or_default(false, || {
        let Some(field) = ty.and_then(|ty| ty.ty.field(index)) else {
            return false;
        };
        // SAFETY: forwarded to the caller.
        unsafe { write_out(out, wasmtime_field_type_t::new(&field), "out") }.is_ok()
    })
}

/// The array type of elements `field` (final, no supertype); NULL on a
/// NULL argument or an invalid field.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_array_type_new(
    engine: Option<&wasm_engine_t>,
    field: Option<&wasmtime_field_type_t>,
) -> Option<Box<wasmtime_array_type_t>> {
    or_default(None, || {
        let field = field?.to_field_type().ok()?;
        let ty = ArrayType::new(&engine?.engine, field);
        Some(Box::new(wasmtime_array_type_t { ty }))
    })
}

/// A copy of the array type.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_array_type_copy(
    ty: Option<&wasmtime_array_type_t>,
) -> Option<Box<wasmtime_array_type_t>> {
    or_default(None, || ty.map(|ty| Box::new(ty.clone())))
}

/// Frees the array type.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_array_type_delete(_ty: Option<Box<wasmtime_array_type_t>>) {}

/// Writes the element type (owned by the caller) to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_array_type_element(
    ty: Option<&wasmtime_array_type_t>,
    out: *mut wasmtime_field_type_t,
) {
    or_default((), || {
        if let Some(ty) = ty {
            let field = wasmtime_field_type_t::new(&ty.ty.field_type());
            // SAFETY: forwarded to the caller; a NULL `out` is skipped.
            let _ = unsafe { write_out(out, field, "out") };
        }
    })
}

/// An allocator of structs of one type in one store.
pub struct wasmtime_struct_ref_pre_t {
    store_id: u64,
    pre: StructRefPre,
}

/// An allocator of arrays of one type in one store.
pub struct wasmtime_array_ref_pre_t {
    store_id: u64,
    pre: ArrayRefPre,
}

/// An allocator of structs of type `ty` in the context's store.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_struct_ref_pre_new(
    context: Option<&mut wasmtime_context_t>,
    ty: Option<&wasmtime_struct_type_t>,
) -> Option<Box<wasmtime_struct_ref_pre_t>> {
    or_default(None, || {
        let (context, ty) = (context?, ty?);
        let store_id = context.data().id;
        let pre = StructRefPre::new(context.context_mut(), ty.ty.clone());
        Some(Box::new(wasmtime_struct_ref_pre_t { store_id, pre }))
    })
}

/// Frees the struct allocator.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_struct_ref_pre_delete(_pre: Option<Box<wasmtime_struct_ref_pre_t>>) {}

/// An allocator of arrays of type `ty` in the context's store.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_array_ref_pre_new(
    context: Option<&mut wasmtime_context_t>,
    ty: Option<&wasmtime_array_type_t>,
) -> Option<Box<wasmtime_array_ref_pre_t>> {
    or_default(None, || {
        let (context, ty) = (context?, ty?);
        let store_id = context.data().id;
        let pre = ArrayRefPre::new(context.context_mut(), ty.ty.clone());
        Some(Box::new(wasmtime_array_ref_pre_t { store_id, pre }))
    })
}

/// Frees the array allocator.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_array_ref_pre_delete(_pre: Option<Box<wasmtime_array_ref_pre_t>>) {}

/// The values C passes, checked to belong to the store.
fn values(
    vals: &[wasmtime_val_t],
    mut cx: impl AsContextMut<Data = StoreData>,
) -> Result<Vec<egret_api::Val>> {
    vals.iter().map(|v| v.value(&mut cx)).collect()
}

/// A new struct of `pre`'s type holding `fields`, written to `out`.
///
/// # Safety
/// `fields` holds `nfields` values; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_structref_new(
    context: Option<&mut wasmtime_context_t>,
    pre: Option<&wasmtime_struct_ref_pre_t>,
    fields: *const wasmtime_val_t,
    nfields: usize,
    out: *mut wasmtime_structref_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let context = required(context, "store")?;
        let pre = required(pre, "struct allocator")?;
        context.data().check(pre.store_id, "struct allocator")?;
        // SAFETY: forwarded to the caller.
        let fields = unsafe { slice(fields, nfields, "fields") }?;
        let mut cx = context.scope();
        let fields = values(fields, &mut cx)?;
        let made = StructRef::new(&mut cx, &pre.pre, &fields)?;
        let gcref = keep_any(made.to_anyref(), &mut cx);
        // SAFETY: forwarded to the caller.
        unsafe { write_out(out, gcref, "out") }
    })
}

/// A new array of `pre`'s type with `len` elements `elem`, written to
/// `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_arrayref_new(
    context: Option<&mut wasmtime_context_t>,
    pre: Option<&wasmtime_array_ref_pre_t>,
    elem: Option<&wasmtime_val_t>,
    len: u32,
    out: *mut wasmtime_arrayref_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let context = required(context, "store")?;
        let pre = required(pre, "array allocator")?;
        context.data().check(pre.store_id, "array allocator")?;
        let mut cx = context.scope();
        let elem = required(elem, "elem")?.value(&mut cx)?;
        let made = ArrayRef::new(&mut cx, &pre.pre, &elem, len)?;
        let gcref = keep_any(made.to_anyref(), &mut cx);
        // SAFETY: forwarded to the caller.
        unsafe { write_out(out, gcref, "out") }
    })
}

/// The struct a reference struct holds, rooted in `cx`'s scope.
fn struct_of(
    gcref: Option<&wasmtime_gcref_t>,
    cx: impl AsContextMut<Data = StoreData>,
) -> Result<Rooted<StructRef>> {
    let gcref = required(gcref, "structref")?;
    cx.as_context().data().check(gcref.store_id, "structref")?;
    let any = anyref_of(cx.as_context().data(), Some(gcref))
        .ok_or_else(|| Error::msg("invalid structref: not a struct"))?
        .clone();
    any.unwrap_struct(&cx)
}

/// The array a reference struct holds, rooted in `cx`'s scope.
fn array_of(
    gcref: Option<&wasmtime_gcref_t>,
    cx: impl AsContextMut<Data = StoreData>,
) -> Result<Rooted<ArrayRef>> {
    let gcref = required(gcref, "arrayref")?;
    cx.as_context().data().check(gcref.store_id, "arrayref")?;
    let any = anyref_of(cx.as_context().data(), Some(gcref))
        .ok_or_else(|| Error::msg("invalid arrayref: not an array"))?
        .clone();
    any.unwrap_array(&cx)
}

/// Writes field `index` of the struct (owned by the caller) to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_structref_field(
    context: Option<&mut wasmtime_context_t>,
    structref: Option<&wasmtime_structref_t>,
    index: usize,
    out: *mut wasmtime_val_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let mut cx = required(context, "store")?.scope();
        let object = struct_of(structref, &mut cx)?;
        let value = object.field(&mut cx, index)?;
        let value = wasmtime_val_t::new(&value, &mut cx);
        // SAFETY: forwarded to the caller.
        unsafe { write_out(out, value, "out") }
    })
}

/// Sets field `index` of the struct to `val`.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_structref_set_field(
    context: Option<&mut wasmtime_context_t>,
    structref: Option<&wasmtime_structref_t>,
    index: usize,
    val: Option<&wasmtime_val_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let mut cx = required(context, "store")?.scope();
        let object = struct_of(structref, &mut cx)?;
        let value = required(val, "val")?.value(&mut cx)?;
        object.set_field(&mut cx, index, value)
    })
}

/// The struct's type (owned by the caller); NULL on a NULL or foreign
/// argument.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_structref_type(
    context: Option<&mut wasmtime_context_t>,
    structref: Option<&wasmtime_structref_t>,
) -> Option<Box<wasmtime_struct_type_t>> {
    or_default(None, || {
        let mut cx = context?.scope();
        let ty = struct_of(structref, &mut cx).ok()?.ty(&cx).ok()?;
        Some(Box::new(wasmtime_struct_type_t { ty }))
    })
}

/// Writes the array's length to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_arrayref_len(
    context: Option<&mut wasmtime_context_t>,
    arrayref: Option<&wasmtime_arrayref_t>,
    out: *mut u32,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let mut cx = required(context, "store")?.scope();
        let len = array_of(arrayref, &mut cx)?.len(&cx)?;
        // SAFETY: forwarded to the caller.
        unsafe { write_out(out, len, "out") }
    })
}

/// Writes element `index` of the array (owned by the caller) to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_arrayref_get(
    context: Option<&mut wasmtime_context_t>,
    arrayref: Option<&wasmtime_arrayref_t>,
    index: u32,
    out: *mut wasmtime_val_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let mut cx = required(context, "store")?.scope();
        let array = array_of(arrayref, &mut cx)?;
        let value = array.get(&mut cx, index)?;
        let value = wasmtime_val_t::new(&value, &mut cx);
        // SAFETY: forwarded to the caller.
        unsafe { write_out(out, value, "out") }
    })
}

/// Sets element `index` of the array to `val`.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_arrayref_set(
    context: Option<&mut wasmtime_context_t>,
    arrayref: Option<&wasmtime_arrayref_t>,
    index: u32,
    val: Option<&wasmtime_val_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let mut cx = required(context, "store")?.scope();
        let array = array_of(arrayref, &mut cx)?;
        let value = required(val, "val")?.value(&mut cx)?;
        array.set(&mut cx, index, value)
    })
}

/// The array's type (owned by the caller); NULL on a NULL or foreign
/// argument.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_arrayref_type(
    context: Option<&mut wasmtime_context_t>,
    arrayref: Option<&wasmtime_arrayref_t>,
) -> Option<Box<wasmtime_array_type_t>> {
    or_default(None, || {
        let mut cx = context?.scope();
        let ty = array_of(arrayref, &mut cx).ok()?.ty(&cx).ok()?;
        Some(Box::new(wasmtime_array_type_t { ty }))
    })
}

/// Defines the upcasts (`structref` to `anyref`, ...): a second struct
/// holding the same reference.
macro_rules! upcasts {
    ($($name:ident: $from:ty => $to:ty,)*) => {$(
        #[doc = concat!("`", stringify!($name), "`: a second reference struct holding the same object, written to `out`.")]
        ///
        /// # Safety
        /// `out` is NULL or writable.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name(src: Option<&$from>, out: *mut $to) {
            let copy = or_default(NULL, || src.map_or(NULL, duplicate));
            // SAFETY: forwarded to the caller.
            unsafe { write(out, copy) };
        }
    )*};
}

upcasts! {
    wasmtime_eqref_to_anyref: wasmtime_eqref_t => wasmtime_anyref_t,
    wasmtime_structref_to_anyref: wasmtime_structref_t => wasmtime_anyref_t,
    wasmtime_structref_to_eqref: wasmtime_structref_t => wasmtime_eqref_t,
    wasmtime_arrayref_to_anyref: wasmtime_arrayref_t => wasmtime_anyref_t,
    wasmtime_arrayref_to_eqref: wasmtime_arrayref_t => wasmtime_eqref_t,
}

/// Whether the `anyref` (or `eqref`) struct holds an object `is` accepts.
fn holds(
    context: Option<&mut wasmtime_context_t>,
    gcref: Option<&wasmtime_gcref_t>,
    is: fn(&AnyRef, &wasmtime_context_t) -> Result<bool>,
) -> bool {
    let Some(context) = context else { return false };
    anyref_of(context.data(), gcref).is_some_and(|any| is(any, context).unwrap_or(false))
}

/// Defines the tests and downcasts of `anyref` and `eqref` structs.
macro_rules! downcasts {
    ($($from:ty => $to:ty: $as:ident $(, $is:ident)? => $method:ident;)*) => {$(
        $(
            #[doc = concat!("`AnyRef::", stringify!($method), "` (false on a NULL or foreign argument).")]
            #[unsafe(no_mangle)]
            pub extern "C" fn $is(
                context: Option<&mut wasmtime_context_t>,
                gcref: Option<&$from>,
            ) -> bool {
                or_default(false, || holds(context, gcref, |any, cx| any.$method(cx.context())))
            }
        )?

        #[doc = concat!("If the object passes `AnyRef::", stringify!($method), "`, a second struct holding the object is written to `out` and true returned; else `out` is null.")]
        ///
        /// # Safety
        /// `out` is NULL or writable.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $as(
            context: Option<&mut wasmtime_context_t>,
            gcref: Option<&$from>,
            out: *mut $to,
        ) -> bool {
            let cast = or_default(NULL, || {
                if holds(context, gcref, |any, cx| any.$method(cx.context())) {
                    gcref.map_or(NULL, duplicate)
                } else {
                    NULL
                }
            });
            // SAFETY: forwarded to the caller.
            unsafe { write(out, cast) };
            cast.store_id != 0
        }
    )*};
}

downcasts! {
    wasmtime_anyref_t => wasmtime_eqref_t: wasmtime_anyref_as_eqref => is_eqref;
    wasmtime_anyref_t => wasmtime_structref_t: wasmtime_anyref_as_struct => is_struct;
    wasmtime_anyref_t => wasmtime_arrayref_t: wasmtime_anyref_as_array => is_array;
    wasmtime_eqref_t => wasmtime_structref_t: wasmtime_eqref_as_struct, wasmtime_eqref_is_struct => is_struct;
    wasmtime_eqref_t => wasmtime_arrayref_t: wasmtime_eqref_as_array, wasmtime_eqref_is_array => is_array;
}

/// Writes the heap type of the object an `anyref` (or `eqref`) struct
/// holds to `out` (owned by the caller); false for a null, NULL or
/// foreign reference.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn write_type_of(
    context: Option<&mut wasmtime_context_t>,
    gcref: Option<&wasmtime_gcref_t>,
    out: *mut wasmtime_heaptype_t,
) -> bool {
    or_default(false, || {
        let Some(context) = context else { return false };
        let Some(ty) =
            anyref_of(context.data(), gcref).and_then(|any| any.ty(context.context()).ok())
        else {
            return false;
        };
        // SAFETY: forwarded to the caller.
        unsafe { write_out(out, wasmtime_heaptype_t::new(&ty), "out") }.is_ok()
    })
}

/// The heap type of the object the `anyref` holds (owned by the caller).
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_anyref_type(
    context: Option<&mut wasmtime_context_t>,
    anyref: Option<&wasmtime_anyref_t>,
    out: *mut wasmtime_heaptype_t,
) -> bool {
    // SAFETY: forwarded to the caller.
    unsafe { write_type_of(context, anyref, out) }
}

/// The heap type of the object the `eqref` holds (owned by the caller).
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_eqref_type(
    context: Option<&mut wasmtime_context_t>,
    eqref: Option<&wasmtime_eqref_t>,
    out: *mut wasmtime_heaptype_t,
) -> bool {
    // SAFETY: forwarded to the caller.
    unsafe { write_type_of(context, eqref, out) }
}

/// Makes the `i31ref` of the low 31 bits of `i31val` as an `eqref`,
/// written to `out` (null for a NULL context).
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_eqref_from_i31(
    context: Option<&mut wasmtime_context_t>,
    i31val: u32,
    out: *mut wasmtime_eqref_t,
) {
    // SAFETY: forwarded to the caller.
    unsafe { crate::refs::wasmtime_anyref_from_i31(context, i31val, out) }
}

/// Whether the `eqref` is an `i31ref`.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_eqref_is_i31(
    context: Option<&mut wasmtime_context_t>,
    eqref: Option<&wasmtime_eqref_t>,
) -> bool {
    crate::refs::wasmtime_anyref_is_i31(context, eqref)
}

/// Writes the `i31ref`'s value, zero-extended, to `dst`; false if the
/// `eqref` is not an `i31ref`.
///
/// # Safety
/// `dst` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_eqref_i31_get_u(
    context: Option<&mut wasmtime_context_t>,
    eqref: Option<&wasmtime_eqref_t>,
    dst: *mut u32,
) -> bool {
    // SAFETY: forwarded to the caller.
    unsafe { crate::refs::wasmtime_anyref_i31_get_u(context, eqref, dst) }
}

/// Writes the `i31ref`'s value, sign-extended, to `dst`; false if the
/// `eqref` is not an `i31ref`.
///
/// # Safety
/// `dst` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_eqref_i31_get_s(
    context: Option<&mut wasmtime_context_t>,
    eqref: Option<&wasmtime_eqref_t>,
    dst: *mut i32,
) -> bool {
    // SAFETY: forwarded to the caller.
    unsafe { crate::refs::wasmtime_anyref_i31_get_s(context, eqref, dst) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{
        wasm_config_new, wasm_engine_new_with_config, wasmtime_config_wasm_gc_set,
    };
    use crate::store::{wasmtime_context_gc, wasmtime_store_context, wasmtime_store_new};
    use crate::val::valkind;

    /// Makes `count` arrays of 1 MiB one after the other, collecting after
    /// each, and returns the GC heap's size then; each array is unrooted
    /// right away if `unroot`, else all are at the end.
    fn heap_after_arrays(count: usize, unroot: bool) -> usize {
        let mut config = wasm_config_new();
        wasmtime_config_wasm_gc_set(config.as_deref_mut(), true);
        let engine = wasm_engine_new_with_config(config).expect("an engine");
        let mut store =
            wasmtime_store_new(Some(&engine), std::ptr::null_mut(), None).expect("a store");
        let byte = wasmtime_field_type_t {
            mutable_: true,
            storage: wasmtime_storage_type_t {
                kind: storage_kind::I8,
                valtype: None,
            },
        };
        let ty = wasmtime_array_type_new(Some(&engine), Some(&byte)).expect("an array type");
        let context = wasmtime_store_context(Some(&mut store)).expect("a context");
        let pre = wasmtime_array_ref_pre_new(Some(context), Some(&ty)).expect("an allocator");
        let zero = wasmtime_val_t {
            kind: valkind::I32,
            of: crate::val::wasmtime_valunion_t { i32: 0 },
        };
        let mut held = Vec::new();
        for _ in 0..count {
            let context = wasmtime_store_context(Some(&mut store)).expect("a context");
            let mut array = NULL;
            // SAFETY: `array` is writable.
            let error = unsafe {
                wasmtime_arrayref_new(
                    Some(&mut *context),
                    Some(&pre),
                    Some(&zero),
                    1 << 20,
                    &mut array,
                )
            };
            assert!(error.is_none());
            if unroot {
                crate::refs::release(&mut array);
            } else {
                held.push(array);
            }
            assert!(wasmtime_context_gc(Some(context)).is_none());
        }
        let capacity = store.gc_heap_capacity();
        for array in &mut held {
            crate::refs::release(array);
        }
        capacity
    }

    #[test]
    fn an_unrooted_object_is_freed_by_the_next_collection() {
        let kept = heap_after_arrays(32, false);
        let released = heap_after_arrays(32, true);
        assert!(kept >= 32 << 20, "32 arrays of 1 MiB kept in {kept} bytes");
        assert!(
            released < 8 << 20,
            "32 arrays of 1 MiB, each unrooted, grew the heap to {released} bytes"
        );
    }
}
