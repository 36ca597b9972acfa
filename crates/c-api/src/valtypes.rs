//! Wasmtime's value types from C (`wasmtime/types/val.h`): heap types
//! (`wasmtime_heaptype_t`), reference types (`wasmtime_reftype_t`) and
//! value types (`wasmtime_valtype_t`), which can name every type
//! `wasm_valtype_t`'s kinds cannot (`anyref`, `(ref null $struct)`, ...),
//! their conversions to and from `wasm_valtype_t`, and Wasmtime's
//! additions to `wasm_valtype_t` (`v128`, equality).
//!
//! These are plain C structs that own the concrete type (a boxed
//! `wasm_functype_t`, `wasmtime_array_type_t`, `wasmtime_struct_type_t`
//! or `wasmtime_exn_type_t`) their kind names: `_clone` copies it, and
//! `_delete` frees it and leaves the struct owning nothing (so a second
//! `_delete` is harmless). Only the union field its kind names is read,
//! and a value type's reference part only for `WASMTIME_VALTYPE_KIND_REF`.
//!
//! Egret's `HeapType` has no concrete exception types: a heap type of
//! kind `WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN` (which only C can build) is
//! copied and freed, but converts to no `wasm_valtype_t` (NULL).

use crate::boundary::or_default;
use crate::config::wasm_engine_t;
use crate::exn::wasmtime_exn_type_t;
use crate::gc::{wasmtime_array_type_t, wasmtime_struct_type_t};
use crate::types::{wasm_functype_t, wasm_valtype_t};
use egret_api::{Engine, HeapType, RefType, ValType};

/// `wasmtime_heaptype_kind_t` values.
pub(crate) mod heaptype_kind {
    pub const EXTERN: u8 = 0;
    pub const NOEXTERN: u8 = 1;
    pub const FUNC: u8 = 2;
    pub const CONCRETE_FUNC: u8 = 3;
    pub const NOFUNC: u8 = 4;
    pub const ANY: u8 = 5;
    pub const NONE: u8 = 6;
    pub const EQ: u8 = 7;
    pub const I31: u8 = 8;
    pub const ARRAY: u8 = 9;
    pub const CONCRETE_ARRAY: u8 = 10;
    pub const STRUCT: u8 = 11;
    pub const CONCRETE_STRUCT: u8 = 12;
    pub const EXN: u8 = 13;
    pub const CONCRETE_EXN: u8 = 14;
    pub const NOEXN: u8 = 15;
}

/// The concrete type of a `wasmtime_heaptype_t`, owned by it.
#[repr(C)]
#[derive(Copy, Clone)]
pub union wasmtime_heaptype_union_t {
    /// `WASMTIME_HEAPTYPE_KIND_CONCRETE_FUNC`.
    pub concrete_func: *mut wasm_functype_t,
    /// `WASMTIME_HEAPTYPE_KIND_CONCRETE_ARRAY`.
    pub concrete_array: *mut wasmtime_array_type_t,
    /// `WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT`.
    pub concrete_struct: *mut wasmtime_struct_type_t,
    /// `WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN` (only C sets it: Egret's
    /// heap types have no concrete exception types).
    pub concrete_exn: *mut wasmtime_exn_type_t,
}

/// A heap type: a kind, and for a concrete one its type (owned).
#[repr(C)]
pub struct wasmtime_heaptype_t {
    /// `WASMTIME_HEAPTYPE_KIND_*`.
    pub kind: u8,
    /// The concrete type, by kind.
    pub of: wasmtime_heaptype_union_t,
}

impl wasmtime_heaptype_t {
    /// The C form of `ty` (its concrete type boxed).
    pub(crate) fn new(ty: &HeapType) -> wasmtime_heaptype_t {
        let none = wasmtime_heaptype_union_t {
            concrete_exn: std::ptr::null_mut(),
        };
        let (kind, of) = match ty {
            HeapType::Extern => (heaptype_kind::EXTERN, none),
            HeapType::NoExtern => (heaptype_kind::NOEXTERN, none),
            HeapType::Func => (heaptype_kind::FUNC, none),
            HeapType::ConcreteFunc(f) => (
                heaptype_kind::CONCRETE_FUNC,
                wasmtime_heaptype_union_t {
                    concrete_func: Box::into_raw(Box::new(wasm_functype_t::from_func_type(f))),
                },
            ),
            HeapType::NoFunc => (heaptype_kind::NOFUNC, none),
            HeapType::Any => (heaptype_kind::ANY, none),
            HeapType::None => (heaptype_kind::NONE, none),
            HeapType::Eq => (heaptype_kind::EQ, none),
            HeapType::I31 => (heaptype_kind::I31, none),
            HeapType::Array => (heaptype_kind::ARRAY, none),
            HeapType::ConcreteArray(a) => (
                heaptype_kind::CONCRETE_ARRAY,
                wasmtime_heaptype_union_t {
                    concrete_array: Box::into_raw(Box::new(wasmtime_array_type_t {
                        ty: a.clone(),
                    })),
                },
            ),
            HeapType::Struct => (heaptype_kind::STRUCT, none),
            HeapType::ConcreteStruct(s) => (
                heaptype_kind::CONCRETE_STRUCT,
                wasmtime_heaptype_union_t {
                    concrete_struct: Box::into_raw(Box::new(wasmtime_struct_type_t {
                        ty: s.clone(),
                    })),
                },
            ),
            HeapType::Exn => (heaptype_kind::EXN, none),
            HeapType::NoExn => (heaptype_kind::NOEXN, none),
        };
        wasmtime_heaptype_t { kind, of }
    }

    /// A copy, its concrete type copied too.
    fn copy(&self) -> wasmtime_heaptype_t {
        // SAFETY: each arm reads the field its kind says is set: NULL or
        // a box this library made and the heap type owns.
        let of = unsafe {
            match self.kind {
                heaptype_kind::CONCRETE_FUNC => wasmtime_heaptype_union_t {
                    concrete_func: copied(self.of.concrete_func),
                },
                heaptype_kind::CONCRETE_ARRAY => wasmtime_heaptype_union_t {
                    concrete_array: copied(self.of.concrete_array),
                },
                heaptype_kind::CONCRETE_STRUCT => wasmtime_heaptype_union_t {
                    concrete_struct: copied(self.of.concrete_struct),
                },
                heaptype_kind::CONCRETE_EXN => wasmtime_heaptype_union_t {
                    concrete_exn: copied(self.of.concrete_exn),
                },
                _ => self.of,
            }
        };
        wasmtime_heaptype_t {
            kind: self.kind,
            of,
        }
    }

    /// Frees the concrete type it owns (it becomes `any`).
    fn release(&mut self) {
        // SAFETY: as in `copy`; the kind is reset right after, so each box
        // is freed once.
        unsafe {
            match self.kind {
                heaptype_kind::CONCRETE_FUNC => freed(self.of.concrete_func),
                heaptype_kind::CONCRETE_ARRAY => freed(self.of.concrete_array),
                heaptype_kind::CONCRETE_STRUCT => freed(self.of.concrete_struct),
                heaptype_kind::CONCRETE_EXN => freed(self.of.concrete_exn),
                _ => {}
            }
        }
        self.kind = heaptype_kind::ANY;
    }

    /// The heap type this describes, a concrete function type registered
    /// with `engine`; `None` for an unknown kind, a NULL concrete type, a
    /// concrete function type without an engine, or a concrete exception
    /// type (Egret's heap types have none: exceptions are all `exn`).
    fn to_heap_type(&self, engine: Option<&Engine>) -> Option<HeapType> {
        // SAFETY: each arm reads the field its kind says is set: NULL or
        // a live box this library made (C may only pass heap types it
        // was given or built from boxes it was given).
        let concrete = unsafe {
            match self.kind {
                heaptype_kind::CONCRETE_FUNC => {
                    let functype = self.of.concrete_func.as_ref()?;
                    HeapType::ConcreteFunc(functype.to_func_type(engine?).ok()?)
                }
                heaptype_kind::CONCRETE_ARRAY => {
                    HeapType::ConcreteArray(self.of.concrete_array.as_ref()?.ty.clone())
                }
                heaptype_kind::CONCRETE_STRUCT => {
                    HeapType::ConcreteStruct(self.of.concrete_struct.as_ref()?.ty.clone())
                }
                _ => return abstract_heap_type(self.kind),
            }
        };
        Some(concrete)
    }
}

/// The abstract heap type of kind `kind`.
fn abstract_heap_type(kind: u8) -> Option<HeapType> {
    Some(match kind {
        heaptype_kind::EXTERN => HeapType::Extern,
        heaptype_kind::NOEXTERN => HeapType::NoExtern,
        heaptype_kind::FUNC => HeapType::Func,
        heaptype_kind::NOFUNC => HeapType::NoFunc,
        heaptype_kind::ANY => HeapType::Any,
        heaptype_kind::NONE => HeapType::None,
        heaptype_kind::EQ => HeapType::Eq,
        heaptype_kind::I31 => HeapType::I31,
        heaptype_kind::ARRAY => HeapType::Array,
        heaptype_kind::STRUCT => HeapType::Struct,
        heaptype_kind::EXN => HeapType::Exn,
        heaptype_kind::NOEXN => HeapType::NoExn,
        _ => return None,
    })
}

/// A new box holding a copy of what `boxed` holds (NULL for NULL).
///
/// # Safety
/// `boxed` is NULL or a live box made by this library.
unsafe fn copied<T: Clone>(boxed: *mut T) -> *mut T {
    // SAFETY: forwarded to the caller.
    match unsafe { boxed.as_ref() } {
        Some(value) => Box::into_raw(Box::new(value.clone())),
        None => std::ptr::null_mut(),
    }
}

/// Frees the box (nothing for NULL).
///
/// # Safety
/// `boxed` is NULL or a box made by this library, not used afterwards.
unsafe fn freed<T>(boxed: *mut T) {
    if !boxed.is_null() {
        // SAFETY: forwarded to the caller.
        drop(unsafe { Box::from_raw(boxed) });
    }
}

/// Writes a copy of `ty` (its concrete type copied) to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_heaptype_clone(
    ty: Option<&wasmtime_heaptype_t>,
    out: *mut wasmtime_heaptype_t,
) {
    // SAFETY: forwarded to the caller.
    unsafe { write_made(out, || ty.map(wasmtime_heaptype_t::copy)) }
}

/// Frees the concrete type `ty` owns.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_heaptype_delete(ty: Option<&mut wasmtime_heaptype_t>) {
    or_default((), || {
        if let Some(ty) = ty {
            ty.release();
        }
    })
}

/// `wasmtime_valtype_kind_t` values.
pub(crate) mod valtype_kind {
    pub const I32: u8 = 0;
    pub const I64: u8 = 1;
    pub const F32: u8 = 2;
    pub const F64: u8 = 3;
    pub const V128: u8 = 4;
    pub const REF: u8 = 5;
}

/// A reference type: whether null is a value, and the heap type (owned).
#[repr(C)]
pub struct wasmtime_reftype_t {
    /// Whether null is one of its values.
    pub nullable: bool,
    /// What it refers to.
    pub heaptype: wasmtime_heaptype_t,
}

impl wasmtime_reftype_t {
    /// What a value type that is no reference type holds in its
    /// reference part: nothing owned.
    const NONE: wasmtime_reftype_t = wasmtime_reftype_t {
        nullable: false,
        heaptype: wasmtime_heaptype_t {
            kind: heaptype_kind::ANY,
            of: wasmtime_heaptype_union_t {
                concrete_exn: std::ptr::null_mut(),
            },
        },
    };

    /// The C form of `ty` (its concrete type boxed).
    fn new(ty: &RefType) -> wasmtime_reftype_t {
        wasmtime_reftype_t {
            nullable: ty.is_nullable(),
            heaptype: wasmtime_heaptype_t::new(ty.heap_type()),
        }
    }

    /// A copy, its concrete type copied too.
    fn copy(&self) -> wasmtime_reftype_t {
        wasmtime_reftype_t {
            nullable: self.nullable,
            heaptype: self.heaptype.copy(),
        }
    }

    /// The reference type this describes (see
    /// [`wasmtime_heaptype_t::to_heap_type`]).
    fn to_ref_type(&self, engine: Option<&Engine>) -> Option<RefType> {
        let heap_type = self.heaptype.to_heap_type(engine)?;
        Some(RefType::new(self.nullable, heap_type))
    }
}

/// A value type: a kind, and for `WASMTIME_VALTYPE_KIND_REF` a
/// reference type (owned).
#[repr(C)]
pub struct wasmtime_valtype_t {
    /// `WASMTIME_VALTYPE_KIND_*`.
    pub kind: u8,
    /// The reference type, for `WASMTIME_VALTYPE_KIND_REF`.
    pub reftype: wasmtime_reftype_t,
}

impl wasmtime_valtype_t {
    /// The C form of `ty` (a concrete type boxed).
    fn new(ty: &ValType) -> wasmtime_valtype_t {
        let number = |kind| wasmtime_valtype_t {
            kind,
            reftype: wasmtime_reftype_t::NONE,
        };
        match ty {
            ValType::I32 => number(valtype_kind::I32),
            ValType::I64 => number(valtype_kind::I64),
            ValType::F32 => number(valtype_kind::F32),
            ValType::F64 => number(valtype_kind::F64),
            ValType::V128 => number(valtype_kind::V128),
            ValType::Ref(r) => wasmtime_valtype_t {
                kind: valtype_kind::REF,
                reftype: wasmtime_reftype_t::new(r),
            },
        }
    }

    /// A copy, a concrete type copied too.
    fn copy(&self) -> wasmtime_valtype_t {
        let reftype = if self.kind == valtype_kind::REF {
            self.reftype.copy()
        } else {
            wasmtime_reftype_t::NONE
        };
        wasmtime_valtype_t {
            kind: self.kind,
            reftype,
        }
    }

    /// The value type this describes; `None` for an unknown kind or a
    /// reference type that converts to none (see
    /// [`wasmtime_heaptype_t::to_heap_type`]).
    fn to_val_type(&self, engine: Option<&Engine>) -> Option<ValType> {
        Some(match self.kind {
            valtype_kind::I32 => ValType::I32,
            valtype_kind::I64 => ValType::I64,
            valtype_kind::F32 => ValType::F32,
            valtype_kind::F64 => ValType::F64,
            valtype_kind::V128 => ValType::V128,
            valtype_kind::REF => ValType::Ref(self.reftype.to_ref_type(engine)?),
            _ => return None,
        })
    }
}

/// Writes a copy of `ty` (its concrete type copied) to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_reftype_clone(
    ty: Option<&wasmtime_reftype_t>,
    out: *mut wasmtime_reftype_t,
) {
    // SAFETY: forwarded to the caller.
    unsafe { write_made(out, || ty.map(wasmtime_reftype_t::copy)) }
}

/// Frees the concrete type `ty`'s heap type owns.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_reftype_delete(ty: Option<&mut wasmtime_reftype_t>) {
    wasmtime_heaptype_delete(ty.map(|ty| &mut ty.heaptype));
}

/// Writes the full form of the `wasm.h` value type `ty` (a concrete type
/// boxed, owned by the caller) to `out`; nothing for a NULL `ty`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_valtype_new(
    ty: Option<&wasm_valtype_t>,
    out: *mut wasmtime_valtype_t,
) {
    // SAFETY: forwarded to the caller.
    unsafe { write_made(out, || ty.map(|ty| wasmtime_valtype_t::new(&ty.ty))) }
}

/// Writes a copy of `ty` (a concrete type copied) to `out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_valtype_clone(
    ty: Option<&wasmtime_valtype_t>,
    out: *mut wasmtime_valtype_t,
) {
    // SAFETY: forwarded to the caller.
    unsafe { write_made(out, || ty.map(wasmtime_valtype_t::copy)) }
}

/// Frees the concrete type a reference value type owns.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_valtype_delete(ty: Option<&mut wasmtime_valtype_t>) {
    if let Some(ty) = ty.filter(|ty| ty.kind == valtype_kind::REF) {
        wasmtime_reftype_delete(Some(&mut ty.reftype));
    }
}

/// The `wasm.h` value type `ty` describes (owned by the caller), a
/// concrete function type registered with `engine`; NULL for a NULL
/// `ty`, an invalid one, a concrete function type with a NULL engine, or
/// a concrete exception type.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_valtype_to_wasm(
    engine: Option<&wasm_engine_t>,
    ty: Option<&wasmtime_valtype_t>,
) -> Option<Box<wasm_valtype_t>> {
    or_default(None, || {
        let ty = ty?.to_val_type(engine.map(|e| &e.engine))?;
        Some(Box::new(wasm_valtype_t { ty }))
    })
}

/// A new `v128` value type.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_wasm_valtype_v128() -> Option<Box<wasm_valtype_t>> {
    or_default(None, || {
        Some(Box::new(wasm_valtype_t { ty: ValType::V128 }))
    })
}

/// Whether `a` and `b` are the same value type (`ValType::eq`; false if
/// either is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_wasm_valtype_equal(
    a: Option<&wasm_valtype_t>,
    b: Option<&wasm_valtype_t>,
) -> bool {
    or_default(false, || match (a, b) {
        (Some(a), Some(b)) => ValType::eq(&a.ty, &b.ty),
        _ => false,
    })
}

/// Writes to `out` what `make` gives, if anything; makes nothing when `out`
/// is NULL (a copy of a concrete type would leak).
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn write_made<T>(out: *mut T, make: impl FnOnce() -> Option<T>) {
    if out.is_null() {
        return;
    }
    if let Some(value) = or_default(None, make) {
        // SAFETY: non-null, and the caller promises it is writable.
        unsafe { out.write(value) };
    }
}
