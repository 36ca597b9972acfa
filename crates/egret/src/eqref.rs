//! References of the `eq` hierarchy on the host side ([`EqRef`]): an
//! `i31`, a struct or an array, which `ref.eq` compares by identity.
//!
//! An `EqRef` has an `AnyRef`'s bits (docs/gc.md) and is one whose type
//! is known to be below `eq`; its questions are answered as the `AnyRef`
//! of the same root would answer them.

use crate::rooting::{self, GcRef, GcRefImpl, GcRoot};
use crate::store::{AsContext, AsContextMut};
use crate::{AnyRef, ArrayRef, Error, HeapType, I31, OwnedRooted, Result, Rooted, StructRef};
use egret_frontend::gc_layout;

/// A non-null reference of the `eq` hierarchy (an `i31`, a struct or an
/// array), held through a [`Rooted`] or [`OwnedRooted`] handle.
///
/// ```
/// let engine = egret::Engine::default();
/// let mut store = egret::Store::new(&engine, ());
/// let r = egret::EqRef::from_i31(&mut store, egret::I31::wrapping_i32(-2));
/// assert!(r.is_i31(&store).unwrap());
/// assert_eq!(r.unwrap_i31(&store).unwrap().get_i32(), -2);
/// let any: egret::Rooted<egret::AnyRef> = r.into();
/// assert!(any.as_eqref(&mut store).unwrap().is_some());
/// ```
#[derive(Copy, Clone, Debug)]
pub struct EqRef {
    root: GcRoot,
}

impl GcRefImpl for EqRef {
    fn root(&self) -> &GcRoot {
        &self.root
    }
    fn from_root(root: GcRoot) -> Self {
        EqRef { root }
    }
    fn rooted_as(raw: u64) -> u64 {
        gc_layout::ANY_IN_EXTERN | u64::from(raw as u32)
    }
}

impl GcRef for EqRef {}

/// Widening conversions of handles: a subtype's handle as its supertype's.
macro_rules! widen {
    ($($from:ident => $to:ident via $method:ident;)*) => {$(
        impl From<Rooted<$from>> for Rooted<$to> {
            fn from(r: Rooted<$from>) -> Rooted<$to> {
                r.$method()
            }
        }

        impl From<OwnedRooted<$from>> for OwnedRooted<$to> {
            fn from(r: OwnedRooted<$from>) -> OwnedRooted<$to> {
                r.$method()
            }
        }

        impl Rooted<$from> {
            #[doc = concat!("The same reference as a `", stringify!($to), "`.")]
            pub fn $method(self) -> Rooted<$to> {
                rooting::retype(self)
            }
        }

        impl OwnedRooted<$from> {
            #[doc = concat!("The same reference as a `", stringify!($to), "`.")]
            pub fn $method(self) -> OwnedRooted<$to> {
                rooting::retype_owned(self)
            }
        }
    )*};
}

widen! {
    EqRef => AnyRef via to_anyref;
    StructRef => AnyRef via to_anyref;
    ArrayRef => AnyRef via to_anyref;
    StructRef => EqRef via to_eqref;
    ArrayRef => EqRef via to_eqref;
}

impl EqRef {
    /// The reference holding `value`.
    pub fn from_i31(mut store: impl AsContextMut, value: I31) -> Rooted<EqRef> {
        rooting::root(&store.as_context_mut().0.opaque, u64::from(value.to_raw()))
    }

    /// The same reference as an `AnyRef`, sharing this handle's root.
    fn as_any(&self) -> AnyRef {
        AnyRef::from_root(self.root)
    }

    /// The reference's heap type: `i31`, or the type of the struct or
    /// array it refers to.
    pub fn ty(&self, store: impl AsContext) -> Result<HeapType> {
        self.as_any().ty(store)
    }

    /// Whether the reference is of heap type `ty`.
    pub fn matches_ty(&self, store: impl AsContext, ty: &HeapType) -> Result<bool> {
        self.as_any().matches_ty(store, ty)
    }

    /// Whether the reference holds an `i31`.
    pub fn is_i31(&self, store: impl AsContext) -> Result<bool> {
        self.as_any().is_i31(store)
    }

    /// The `i31` the reference holds, if it is one.
    pub fn as_i31(&self, store: impl AsContext) -> Result<Option<I31>> {
        self.as_any().as_i31(store)
    }

    /// The `i31` the reference holds; an error if it is not one.
    pub fn unwrap_i31(&self, store: impl AsContext) -> Result<I31> {
        self.as_any().unwrap_i31(store)
    }

    /// Whether the reference is to a struct.
    pub fn is_struct(&self, store: impl AsContext) -> Result<bool> {
        self.as_any().is_struct(store)
    }

    /// The struct the reference refers to, if it is one.
    pub fn as_struct(&self, store: impl AsContext) -> Result<Option<Rooted<StructRef>>> {
        self.as_any().as_struct(store)
    }

    /// The struct the reference refers to; an error if it is not one.
    pub fn unwrap_struct(&self, store: impl AsContext) -> Result<Rooted<StructRef>> {
        self.as_any().unwrap_struct(store)
    }

    /// Whether the reference is to an array.
    pub fn is_array(&self, store: impl AsContext) -> Result<bool> {
        self.as_any().is_array(store)
    }

    /// The array the reference refers to, if it is one.
    pub fn as_array(&self, store: impl AsContext) -> Result<Option<Rooted<ArrayRef>>> {
        self.as_any().as_array(store)
    }

    /// The array the reference refers to; an error if it is not one.
    pub fn unwrap_array(&self, store: impl AsContext) -> Result<Rooted<ArrayRef>> {
        self.as_any().unwrap_array(store)
    }
}

impl AnyRef {
    /// The reference as an `eqref`, if it is one (an `i31`, a struct or an
    /// array; not a host reference converted by `any.convert_extern`).
    pub fn as_eqref(&self, mut store: impl AsContextMut) -> Result<Option<Rooted<EqRef>>> {
        let store = store.as_context_mut();
        Ok(self
            .is_eqref(&store)?
            .then(|| rooting::rooted_as_kind(&store.0.opaque, *self.root())))
    }

    /// The reference as an `eqref`; an error if it is not one.
    pub fn unwrap_eqref(&self, store: impl AsContextMut) -> Result<Rooted<EqRef>> {
        self.as_eqref(store)?
            .ok_or_else(|| Error::misuse("the anyref is not an eqref"))
    }
}
