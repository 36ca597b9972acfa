//! References of the `any` hierarchy on the host side ([`AnyRef`]) and
//! the unboxed 31-bit integers they may hold ([`I31`]).
//!
//! An `anyref` is 32 bits, as generated code keeps it: 0 is null, an odd
//! value an `i31` (the payload shifted left once, the low bit set), a
//! multiple of 8 an object in the store's GC heap, and `2 mod 4` a host
//! reference converted by `any.convert_extern` (docs/gc.md). The host
//! holds them through `Rooted<AnyRef>` and `OwnedRooted<AnyRef>`
//! (`rooting.rs`).

use crate::rooting::{self, GcRef, GcRefImpl, GcRoot};
use crate::store::{AsContext, AsContextMut};
use crate::types::engine_form;
use crate::{Error, ExternRef, HeapType, RefType, Result, Rooted};
use egret_frontend::gc_layout;
use egret_runtime::store::StoreOpaque;

/// A 31-bit integer, as `ref.i31` makes and `i31.get_s`/`i31.get_u` read.
///
/// ```
/// let i = egret::I31::new_i32(-5).unwrap();
/// assert_eq!(i.get_i32(), -5);
/// assert_eq!(i.get_u32(), 0x7fff_fffb);
/// assert_eq!(egret::I31::new_u32(1 << 31), None);
/// ```
#[derive(Copy, Clone, Default, Debug, PartialEq, Eq, Hash)]
pub struct I31(u32);

impl I31 {
    const MASK: u32 = (1 << 31) - 1;

    /// `value`, if it fits in 31 unsigned bits.
    pub fn new_u32(value: u32) -> Option<I31> {
        (value <= I31::MASK).then_some(I31(value))
    }

    /// `value`, if it fits in 31 signed bits.
    pub fn new_i32(value: i32) -> Option<I31> {
        (-(1 << 30)..(1 << 30))
            .contains(&value)
            .then_some(I31(value as u32 & I31::MASK))
    }

    /// The low 31 bits of `value` (what `ref.i31` keeps).
    pub fn wrapping_u32(value: u32) -> I31 {
        I31(value & I31::MASK)
    }

    /// The low 31 bits of `value` (what `ref.i31` keeps).
    pub fn wrapping_i32(value: i32) -> I31 {
        I31::wrapping_u32(value as u32)
    }

    /// The value zero-extended (`i31.get_u`).
    pub fn get_u32(&self) -> u32 {
        self.0
    }

    /// The value sign-extended (`i31.get_s`).
    pub fn get_i32(&self) -> i32 {
        ((self.0 << 1) as i32) >> 1
    }

    /// The reference generated code uses for this value.
    pub(crate) fn to_raw(self) -> u32 {
        (self.0 << 1) | 1
    }
}

/// A non-null reference of the `any` hierarchy (`anyref`, `eqref`,
/// `i31ref`, ...), held through a [`Rooted`] or [`OwnedRooted`]
/// handle.
///
/// ```
/// let engine = egret::Engine::default();
/// let mut store = egret::Store::new(&engine, ());
/// let r = egret::AnyRef::from_i31(&mut store, egret::I31::wrapping_i32(7));
/// assert_eq!(r.unwrap_i31(&store).unwrap().get_i32(), 7);
/// ```
///
/// [`OwnedRooted`]: crate::OwnedRooted
#[derive(Copy, Clone, Debug)]
pub struct AnyRef {
    root: GcRoot,
}

impl GcRefImpl for AnyRef {
    fn root(&self) -> &GcRoot {
        &self.root
    }
    fn from_root(root: GcRoot) -> Self {
        AnyRef { root }
    }
    fn rooted_as(raw: u64) -> u64 {
        gc_layout::ANY_IN_EXTERN | u64::from(raw as u32)
    }
}

impl GcRef for AnyRef {}

impl AnyRef {
    /// The reference holding `value`.
    pub fn from_i31(mut store: impl AsContextMut, value: I31) -> Rooted<AnyRef> {
        rooting::root(&store.as_context_mut().0.opaque, u64::from(value.to_raw()))
    }

    /// The `anyref` holding `externref` (as wasm's `any.convert_extern`).
    pub fn convert_extern(
        mut store: impl AsContextMut,
        externref: Rooted<ExternRef>,
    ) -> Result<Rooted<AnyRef>> {
        let store = &store.as_context_mut().0.opaque;
        let raw = externref.root().raw(store)?;
        Ok(rooting::root(
            store,
            u64::from(gc_layout::any_from_extern(raw)),
        ))
    }

    /// The reference's bits, if valid in `store`.
    pub(crate) fn bits(&self, store: &StoreOpaque) -> Result<u32> {
        Ok(self.root.raw(store)? as u32)
    }

    /// Whether the reference holds an `i31`.
    pub fn is_i31(&self, store: impl AsContext) -> Result<bool> {
        Ok(self.as_i31(store)?.is_some())
    }

    /// The `i31` the reference holds, if it is one.
    pub fn as_i31(&self, store: impl AsContext) -> Result<Option<I31>> {
        let raw = self.bits(&store.as_context().0.opaque)?;
        Ok((raw & 1 == 1).then_some(I31(raw >> 1)))
    }

    /// The `i31` the reference holds; an error if it is not one.
    pub fn unwrap_i31(&self, store: impl AsContext) -> Result<I31> {
        self.as_i31(store)?
            .ok_or_else(|| Error::misuse("the anyref is not an i31"))
    }

    /// Whether the reference is an `eqref` (an `i31`, a struct or an
    /// array; not a host reference converted by `any.convert_extern`).
    pub fn is_eqref(&self, store: impl AsContext) -> Result<bool> {
        Ok(!matches!(self.ty(store)?, HeapType::Any))
    }

    /// Whether the reference is to a struct.
    pub fn is_struct(&self, store: impl AsContext) -> Result<bool> {
        Ok(matches!(
            self.ty(store)?,
            HeapType::Struct | HeapType::ConcreteStruct(_)
        ))
    }

    /// Whether the reference is to an array.
    pub fn is_array(&self, store: impl AsContext) -> Result<bool> {
        Ok(matches!(
            self.ty(store)?,
            HeapType::Array | HeapType::ConcreteArray(_)
        ))
    }

    /// The reference's heap type: `i31`, the type of the object it refers
    /// to (a concrete struct or array type), or `any` for a converted host
    /// reference.
    pub fn ty(&self, store: impl AsContext) -> Result<HeapType> {
        let store = store.as_context().0;
        let raw = self.bits(&store.opaque)?;
        let engine = store.engine.clone();
        let ty = store
            .opaque
            .any_ref_type(raw)
            .ok_or_else(|| Error::misuse("dangling anyref"))?;
        let ty = engine_form::RefType {
            nullable: false,
            heap: ty,
        };
        Ok(RefType::from_engine(&engine, ty).heap_type().clone())
    }

    /// Whether the reference is of heap type `ty`.
    pub fn matches_ty(&self, store: impl AsContext, ty: &HeapType) -> Result<bool> {
        let store = store.as_context().0;
        let raw = self.bits(&store.opaque)?;
        let ty = RefType::new(false, ty.clone()).to_engine();
        Ok(store.opaque.any_ref_matches(raw, ty))
    }

    /// The reference of a raw value of `store`, rooted in its current
    /// scope; `None` for null.
    pub(crate) fn from_raw(store: &StoreOpaque, raw: u32) -> Option<Rooted<AnyRef>> {
        (raw != 0).then(|| rooting::root(store, u64::from(raw)))
    }
}
