//! `wasm_*_vec_t`: `{ size_t size; T *data; }` vectors whose buffer is
//! owned by whoever holds the vector, freed by its `wasm_*_vec_delete`.
//! Vectors of pointers own what they point to.
//!
//! A vector handed to C is a leaked boxed slice; `_delete` boxes it again.
//! Rust code writes a vector into a C out-parameter with `ptr::write`
//! (never assignment), because that memory is not an initialised vector.

use crate::boundary::or_default;
use crate::trap::wasm_frame_t;
use crate::types::{
    wasm_exporttype_t, wasm_externtype_t, wasm_functype_t, wasm_globaltype_t, wasm_importtype_t,
    wasm_memorytype_t, wasm_tabletype_t, wasm_tagtype_t, wasm_valtype_t,
};
use crate::wasm_items::{wasm_extern_t, wasm_ref_t};
use std::ptr;

/// A vector of `T` with C's layout.
#[repr(C)]
pub struct WasmVec<T> {
    /// The number of elements.
    pub size: usize,
    /// The first element; may be NULL or dangling when `size` is 0.
    pub data: *mut T,
}

impl<T> WasmVec<T> {
    /// A vector owning `items`.
    pub fn from_vec(items: Vec<T>) -> WasmVec<T> {
        let mut items = items.into_boxed_slice();
        let vec = WasmVec {
            size: items.len(),
            data: items.as_mut_ptr(),
        };
        std::mem::forget(items);
        vec
    }

    /// The elements.
    pub fn as_slice(&self) -> &[T] {
        if self.size == 0 || self.data.is_null() {
            &[]
        } else {
            // SAFETY: a vector's `data` holds `size` elements, by the
            // ownership rule of the C API.
            unsafe { std::slice::from_raw_parts(self.data, self.size) }
        }
    }

    /// The elements, to change them.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        if self.size == 0 || self.data.is_null() {
            &mut []
        } else {
            // SAFETY: as in `as_slice`; `&mut self` makes the access
            // unique.
            unsafe { std::slice::from_raw_parts_mut(self.data, self.size) }
        }
    }

    /// Takes the elements out, leaving the vector empty.
    pub fn take(&mut self) -> Vec<T> {
        let items = if self.data.is_null() {
            Vec::new()
        } else {
            // SAFETY: `data` and `size` came from a boxed slice leaked by
            // `from_vec` (or `wasm_*_vec_new*`), not freed since: taking
            // sets `data` to NULL.
            unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(self.data, self.size)) }.into_vec()
        };
        self.size = 0;
        self.data = ptr::null_mut();
        items
    }
}

impl<T: Clone> Clone for WasmVec<T> {
    fn clone(&self) -> WasmVec<T> {
        WasmVec::from_vec(self.as_slice().to_vec())
    }
}

impl<T> Drop for WasmVec<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

/// `wasm_byte_vec_t`, and `wasm_name_t` and `wasm_message_t` (the latter
/// NUL-terminated).
pub type wasm_byte_vec_t = WasmVec<u8>;
/// `wasm_name_t`.
pub type wasm_name_t = wasm_byte_vec_t;
/// `wasm_message_t`: a NUL-terminated byte vector.
pub type wasm_message_t = wasm_byte_vec_t;
/// `wasm_byte_t`: C's `char`, a byte here.
pub type wasm_byte_t = u8;
/// `wasm_valtype_vec_t`.
pub type wasm_valtype_vec_t = WasmVec<Option<Box<wasm_valtype_t>>>;
/// `wasm_functype_vec_t`.
pub type wasm_functype_vec_t = WasmVec<Option<Box<wasm_functype_t>>>;
/// `wasm_globaltype_vec_t`.
pub type wasm_globaltype_vec_t = WasmVec<Option<Box<wasm_globaltype_t>>>;
/// `wasm_tabletype_vec_t`.
pub type wasm_tabletype_vec_t = WasmVec<Option<Box<wasm_tabletype_t>>>;
/// `wasm_memorytype_vec_t`.
pub type wasm_memorytype_vec_t = WasmVec<Option<Box<wasm_memorytype_t>>>;
/// `wasm_externtype_vec_t`.
pub type wasm_externtype_vec_t = WasmVec<Option<Box<wasm_externtype_t>>>;
/// `wasm_importtype_vec_t`.
pub type wasm_importtype_vec_t = WasmVec<Option<Box<wasm_importtype_t>>>;
/// `wasm_exporttype_vec_t`.
pub type wasm_exporttype_vec_t = WasmVec<Option<Box<wasm_exporttype_t>>>;
/// `wasm_tagtype_vec_t`.
pub type wasm_tagtype_vec_t = WasmVec<Option<Box<wasm_tagtype_t>>>;
/// `wasm_frame_vec_t`.
pub type wasm_frame_vec_t = WasmVec<Option<Box<wasm_frame_t>>>;
/// `wasm_val_vec_t`.
pub type wasm_val_vec_t = WasmVec<wasm_val_t>;
/// `wasm_extern_vec_t`.
pub type wasm_extern_vec_t = WasmVec<Option<Box<wasm_extern_t>>>;

/// `wasm.h`'s value: a kind and a number or a `wasm_ref_t *`, which the
/// value owns (NULL for a null reference): copying the value copies the
/// reference, deleting it frees the reference.
#[repr(C)]
pub struct wasm_val_t {
    /// `WASM_I32`, ...
    pub kind: u8,
    /// The value.
    pub of: wasm_val_union,
}

/// The payload of a `wasm_val_t`.
#[repr(C)]
#[derive(Copy, Clone)]
pub union wasm_val_union {
    /// `WASM_I32`.
    pub i32: i32,
    /// `WASM_I64`.
    pub i64: i64,
    /// `WASM_F32`.
    pub f32: f32,
    /// `WASM_F64`.
    pub f64: f64,
    /// A reference (`WASM_EXTERNREF`, `WASM_FUNCREF`).
    pub ref_: *mut wasm_ref_t,
}

impl Default for wasm_val_t {
    fn default() -> wasm_val_t {
        wasm_val_t {
            kind: crate::types::valkind::I32,
            of: wasm_val_union { i64: 0 },
        }
    }
}

impl wasm_val_t {
    /// Takes the reference this value owns (leaving it a null one).
    fn take_reference(&mut self) -> Option<Box<wasm_ref_t>> {
        self.reference()?;
        // SAFETY: `reference` found a reference kind and a non-null
        // pointer, a box this library made and the value owns; the pointer
        // is cleared so that it is freed once.
        let reference = unsafe { Box::from_raw(self.of.ref_) };
        self.of.ref_ = ptr::null_mut();
        Some(reference)
    }
}

impl Clone for wasm_val_t {
    fn clone(&self) -> wasm_val_t {
        let of = match self.reference() {
            Some(reference) => wasm_val_union {
                ref_: Box::into_raw(Box::new(reference.clone())),
            },
            None => self.of,
        };
        wasm_val_t {
            kind: self.kind,
            of,
        }
    }
}

impl Drop for wasm_val_t {
    fn drop(&mut self) {
        drop(self.take_reference());
    }
}

/// Writes a copy of `src` (its reference copied) to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_val_copy(out: *mut wasm_val_t, src: Option<&wasm_val_t>) {
    let copy = or_default(None, || src.cloned());
    if let Some(copy) = copy
        && !out.is_null()
    {
        // SAFETY: non-null and writable, as the caller promises; what was
        // there is not a value to drop.
        unsafe { out.write(copy) };
    }
}

/// Frees the reference the value owns (it becomes a null reference).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_val_delete(val: Option<&mut wasm_val_t>) {
    or_default((), || {
        if let Some(val) = val {
            drop(val.take_reference());
        }
    })
}

/// Writes `vec` to a C out-parameter, if it is not NULL.
///
/// # Safety
/// A non-null `out` must be valid for writing a vector.
pub(crate) unsafe fn write_vec<T>(out: *mut WasmVec<T>, vec: WasmVec<T>) {
    if !out.is_null() {
        // SAFETY: non-null and writable, as the caller promises; the old
        // contents are not a vector, so they are not dropped.
        unsafe { out.write(vec) };
    }
}

/// Defines the five functions of one vector type.
macro_rules! vec_functions {
    ($($vec:ty, $elem:ty: $new_empty:ident, $new_uninitialized:ident, $new:ident, $copy:ident, $delete:ident;)*) => {$(
        #[doc = concat!("`", stringify!($new_empty), "`: an empty vector.")]
        ///
        /// # Safety
        /// `out` is NULL or writable.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $new_empty(out: *mut $vec) {
            // SAFETY: forwarded to the caller.
            or_default((), || unsafe { write_vec(out, WasmVec::from_vec(Vec::new())) })
        }

        #[doc = concat!("`", stringify!($new_uninitialized), "`: a vector of `size` zeroed (NULL) elements.")]
        ///
        /// # Safety
        /// `out` is NULL or writable.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $new_uninitialized(out: *mut $vec, size: usize) {
            or_default((), || {
                let items = (0..size).map(|_| <$elem>::default()).collect();
                // SAFETY: forwarded to the caller.
                unsafe { write_vec(out, WasmVec::from_vec(items)) }
            })
        }

        #[doc = concat!("`", stringify!($new), "`: a vector taking over the `size` elements at `data`.")]
        ///
        /// # Safety
        /// `out` is NULL or writable; `data` holds `size` elements, whose
        /// ownership passes to the vector.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $new(out: *mut $vec, size: usize, data: *const $elem) {
            or_default((), || {
                let items = if data.is_null() {
                    Vec::new()
                } else {
                    // SAFETY: `data` holds `size` elements whose ownership
                    // the caller gives up: each is moved out once.
                    (0..size).map(|i| unsafe { data.add(i).read() }).collect()
                };
                // SAFETY: forwarded to the caller.
                unsafe { write_vec(out, WasmVec::from_vec(items)) }
            })
        }

        #[doc = concat!("`", stringify!($copy), "`: a deep copy of `src`.")]
        ///
        /// # Safety
        /// `out` is NULL or writable.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $copy(out: *mut $vec, src: Option<&$vec>) {
            or_default((), || {
                let copy = src.map_or_else(|| WasmVec::from_vec(Vec::new()), Clone::clone);
                // SAFETY: forwarded to the caller.
                unsafe { write_vec(out, copy) }
            })
        }

        #[doc = concat!("`", stringify!($delete), "`: frees the elements and the buffer; the vector is left empty.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $delete(vec: Option<&mut $vec>) {
            or_default((), || drop(vec.map(WasmVec::take)))
        }
    )*};
}

vec_functions! {
    wasm_byte_vec_t, wasm_byte_t:
        wasm_byte_vec_new_empty, wasm_byte_vec_new_uninitialized, wasm_byte_vec_new,
        wasm_byte_vec_copy, wasm_byte_vec_delete;
    wasm_valtype_vec_t, Option<Box<wasm_valtype_t>>:
        wasm_valtype_vec_new_empty, wasm_valtype_vec_new_uninitialized, wasm_valtype_vec_new,
        wasm_valtype_vec_copy, wasm_valtype_vec_delete;
    wasm_functype_vec_t, Option<Box<wasm_functype_t>>:
        wasm_functype_vec_new_empty, wasm_functype_vec_new_uninitialized, wasm_functype_vec_new,
        wasm_functype_vec_copy, wasm_functype_vec_delete;
    wasm_globaltype_vec_t, Option<Box<wasm_globaltype_t>>:
        wasm_globaltype_vec_new_empty, wasm_globaltype_vec_new_uninitialized,
        wasm_globaltype_vec_new, wasm_globaltype_vec_copy, wasm_globaltype_vec_delete;
    wasm_tabletype_vec_t, Option<Box<wasm_tabletype_t>>:
        wasm_tabletype_vec_new_empty, wasm_tabletype_vec_new_uninitialized,
        wasm_tabletype_vec_new, wasm_tabletype_vec_copy, wasm_tabletype_vec_delete;
    wasm_memorytype_vec_t, Option<Box<wasm_memorytype_t>>:
        wasm_memorytype_vec_new_empty, wasm_memorytype_vec_new_uninitialized,
        wasm_memorytype_vec_new, wasm_memorytype_vec_copy, wasm_memorytype_vec_delete;
    wasm_externtype_vec_t, Option<Box<wasm_externtype_t>>:
        wasm_externtype_vec_new_empty, wasm_externtype_vec_new_uninitialized,
        wasm_externtype_vec_new, wasm_externtype_vec_copy, wasm_externtype_vec_delete;
    wasm_importtype_vec_t, Option<Box<wasm_importtype_t>>:
        wasm_importtype_vec_new_empty, wasm_importtype_vec_new_uninitialized,
        wasm_importtype_vec_new, wasm_importtype_vec_copy, wasm_importtype_vec_delete;
    wasm_exporttype_vec_t, Option<Box<wasm_exporttype_t>>:
        wasm_exporttype_vec_new_empty, wasm_exporttype_vec_new_uninitialized,
        wasm_exporttype_vec_new, wasm_exporttype_vec_copy, wasm_exporttype_vec_delete;
    wasm_tagtype_vec_t, Option<Box<wasm_tagtype_t>>:
        wasm_tagtype_vec_new_empty, wasm_tagtype_vec_new_uninitialized, wasm_tagtype_vec_new,
        wasm_tagtype_vec_copy, wasm_tagtype_vec_delete;
    wasm_frame_vec_t, Option<Box<wasm_frame_t>>:
        wasm_frame_vec_new_empty, wasm_frame_vec_new_uninitialized, wasm_frame_vec_new,
        wasm_frame_vec_copy, wasm_frame_vec_delete;
    wasm_val_vec_t, wasm_val_t:
        wasm_val_vec_new_empty, wasm_val_vec_new_uninitialized, wasm_val_vec_new,
        wasm_val_vec_copy, wasm_val_vec_delete;
    wasm_extern_vec_t, Option<Box<wasm_extern_t>>:
        wasm_extern_vec_new_empty, wasm_extern_vec_new_uninitialized, wasm_extern_vec_new,
        wasm_extern_vec_copy, wasm_extern_vec_delete;
}
