//! `wasmtime_val_t` (a kind byte and a 24-byte union), its reference
//! structs, and `wasmtime_val_raw_t`; conversions to and from
//! `egret::Val`.
//!
//! A reference value C holds (`externref`, `anyref`, `exnref`) owns its
//! handle (see [`crate::refs`]): `wasmtime_val_unroot` releases it and
//! `wasmtime_val_clone` makes a second one.

use crate::boundary::or_default;
use crate::externs::wasmtime_func_t;
use crate::store::StoreData;
use egret_api::{AsContextMut, Error, Result, Val};
use std::ffi::c_void;

/// `wasmtime_valkind_t` values.
pub(crate) mod valkind {
    pub const I32: u8 = 0;
    pub const I64: u8 = 1;
    pub const F32: u8 = 2;
    pub const F64: u8 = 3;
    pub const V128: u8 = 4;
    pub const FUNCREF: u8 = 5;
    pub const EXTERNREF: u8 = 6;
    pub const ANYREF: u8 = 7;
    pub const EXNREF: u8 = 8;
}

/// The layout shared by `wasmtime_anyref_t`, `wasmtime_externref_t`,
/// `wasmtime_exnref_t` and the other GC reference structs; store id 0 is
/// null.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct wasmtime_gcref_t {
    /// The store's C-side id.
    pub store_id: u64,
    /// Unused by Egret.
    pub __private1: u32,
    /// Unused by Egret.
    pub __private2: u32,
    /// The boxed handle the struct owns (see [`crate::refs`]).
    pub __private3: *mut c_void,
}

/// `wasmtime_anyref_t`.
pub type wasmtime_anyref_t = wasmtime_gcref_t;
/// `wasmtime_externref_t`.
pub type wasmtime_externref_t = wasmtime_gcref_t;
/// `wasmtime_exnref_t`.
pub type wasmtime_exnref_t = wasmtime_gcref_t;
/// `wasmtime_eqref_t`.
pub type wasmtime_eqref_t = wasmtime_gcref_t;
/// `wasmtime_structref_t`.
pub type wasmtime_structref_t = wasmtime_gcref_t;
/// `wasmtime_arrayref_t`.
pub type wasmtime_arrayref_t = wasmtime_gcref_t;

/// The payload of a `wasmtime_val_t`.
#[repr(C)]
#[derive(Copy, Clone)]
pub union wasmtime_valunion_t {
    /// `WASMTIME_I32`.
    pub i32: i32,
    /// `WASMTIME_I64`.
    pub i64: i64,
    /// `WASMTIME_F32`.
    pub f32: f32,
    /// `WASMTIME_F64`.
    pub f64: f64,
    /// `WASMTIME_ANYREF`.
    pub anyref: wasmtime_anyref_t,
    /// `WASMTIME_EXTERNREF`.
    pub externref: wasmtime_externref_t,
    /// `WASMTIME_EXNREF`.
    pub exnref: wasmtime_exnref_t,
    /// `WASMTIME_FUNCREF`.
    pub funcref: wasmtime_func_t,
    /// `WASMTIME_V128`, little-endian.
    pub v128: [u8; 16],
}

/// A value of any type.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct wasmtime_val_t {
    /// `WASMTIME_I32`, ...
    pub kind: u8,
    /// The value.
    pub of: wasmtime_valunion_t,
}

/// An untyped value slot, as generated code passes values
/// (`wasmtime_val_raw_t`).
#[repr(C)]
#[derive(Copy, Clone)]
pub union wasmtime_val_raw_t {
    /// An `i32`.
    pub i32: i32,
    /// An `i64`.
    pub i64: i64,
    /// An `f32`.
    pub f32: f32,
    /// An `f64`.
    pub f64: f64,
    /// A `v128`.
    pub v128: [u8; 16],
    /// An `anyref`.
    pub anyref: u32,
    /// An `externref`.
    pub externref: u32,
    /// An `exnref`.
    pub exnref: u32,
    /// A `funcref`.
    pub funcref: *mut c_void,
}

impl wasmtime_val_t {
    /// `i32` 0: what an out-parameter gets when there is no value to give.
    pub(crate) const ZERO: wasmtime_val_t = wasmtime_val_t {
        kind: valkind::I32,
        of: wasmtime_valunion_t { i32: 0 },
    };

    /// The C form of `val`, made in `cx`'s store.
    pub(crate) fn new(val: &Val, mut cx: impl AsContextMut<Data = StoreData>) -> wasmtime_val_t {
        let (kind, of) = match val {
            Val::I32(n) => (valkind::I32, wasmtime_valunion_t { i32: *n }),
            Val::I64(n) => (valkind::I64, wasmtime_valunion_t { i64: *n }),
            Val::F32(bits) => (
                valkind::F32,
                wasmtime_valunion_t {
                    f32: f32::from_bits(*bits),
                },
            ),
            Val::F64(bits) => (
                valkind::F64,
                wasmtime_valunion_t {
                    f64: f64::from_bits(*bits),
                },
            ),
            Val::V128(v) => (
                valkind::V128,
                wasmtime_valunion_t {
                    v128: v.as_u128().to_le_bytes(),
                },
            ),
            Val::FuncRef(f) => {
                let mut cx = cx.as_context_mut();
                let data = cx.data_mut();
                let funcref = f.map_or(wasmtime_func_t::NULL, |f| wasmtime_func_t::new(f, data));
                (valkind::FUNCREF, wasmtime_valunion_t { funcref })
            }
            Val::ExternRef(_) => (valkind::EXTERNREF, gc_ref(val, cx)),
            Val::AnyRef(_) => (valkind::ANYREF, gc_ref(val, cx)),
            Val::ExnRef(_) => (valkind::EXNREF, gc_ref(val, cx)),
        };
        wasmtime_val_t { kind, of }
    }

    /// The value, with references checked to belong to `cx`'s store.
    pub(crate) fn value(&self, cx: impl AsContextMut<Data = StoreData>) -> Result<Val> {
        // SAFETY: each arm reads the union field its kind says is set.
        unsafe {
            Ok(match self.kind {
                valkind::I32 => Val::I32(self.of.i32),
                valkind::I64 => Val::I64(self.of.i64),
                valkind::F32 => Val::F32(self.of.f32.to_bits()),
                valkind::F64 => Val::F64(self.of.f64.to_bits()),
                valkind::V128 => Val::from(u128::from_le_bytes(self.of.v128)),
                valkind::FUNCREF => {
                    let f = self.of.funcref;
                    Val::FuncRef(if f.store_id == 0 {
                        None
                    } else {
                        Some(f.resolve(cx.as_context().data())?)
                    })
                }
                valkind::EXTERNREF => gc_val(&self.of.externref, cx, || Val::ExternRef(None))?,
                valkind::ANYREF => gc_val(&self.of.anyref, cx, || Val::AnyRef(None))?,
                valkind::EXNREF => gc_val(&self.of.exnref, cx, || Val::ExnRef(None))?,
                other => return Err(Error::msg(format!("invalid value: unknown kind {other}"))),
            })
        }
    }
}

/// The union holding a GC reference: null, or the reference kept in the
/// store.
fn gc_ref(val: &Val, cx: impl AsContextMut<Data = StoreData>) -> wasmtime_valunion_t {
    wasmtime_valunion_t {
        anyref: crate::refs::keep(val, cx),
    }
}

/// The value of a GC reference struct: `null()` for store id 0.
pub(crate) fn gc_val(
    gcref: &wasmtime_gcref_t,
    cx: impl AsContextMut<Data = StoreData>,
    null: impl FnOnce() -> Val,
) -> Result<Val> {
    if gcref.store_id == 0 {
        return Ok(null());
    }
    cx.as_context().data().check(gcref.store_id, "reference")?;
    crate::refs::kept(gcref, cx).ok_or_else(|| Error::msg("invalid reference: unknown handle"))
}

impl wasmtime_val_t {
    /// The reference struct this value holds, if it is a GC reference.
    fn gc_ref_mut(&mut self) -> Option<&mut wasmtime_gcref_t> {
        match self.kind {
            // SAFETY: the kind says the union holds a reference struct
            // (all three kinds share its layout).
            valkind::EXTERNREF | valkind::ANYREF | valkind::EXNREF => {
                Some(unsafe { &mut self.of.anyref })
            }
            _ => None,
        }
    }

    /// Releases the reference this value holds, if any (see
    /// [`crate::refs::release`]).
    pub(crate) fn release(&mut self) {
        if let Some(gcref) = self.gc_ref_mut() {
            crate::refs::release(gcref);
        }
    }
}

/// Releases the reference `val` holds, if any: the value must not be used
/// afterwards (its reference struct becomes null).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_val_unroot(val: Option<&mut wasmtime_val_t>) {
    or_default((), || {
        if let Some(val) = val {
            val.release();
        }
    })
}

/// Copies `src` to `dst`; a reference is held a second time, to be
/// released on its own.
///
/// # Safety
/// `dst` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_val_clone(
    src: Option<&wasmtime_val_t>,
    dst: *mut wasmtime_val_t,
) {
    let copy = or_default(None, || {
        let mut copy = *src?;
        if let Some(gcref) = copy.gc_ref_mut() {
            *gcref = crate::refs::duplicate(gcref);
        }
        Some(copy)
    });
    if let Some(copy) = copy
        && !dst.is_null()
    {
        // SAFETY: non-null and writable, as the caller promises.
        unsafe { dst.write(copy) };
    }
}
