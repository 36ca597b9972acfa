//! [`Ref`]: a reference value of any hierarchy, null or not, as tables
//! hold them (Wasmtime's shape). Each variant keeps its nullability inside,
//! so a null still says which hierarchy it belongs to.

use crate::{
    AnyRef, ArrayRef, AsContext, ExnRef, ExternRef, Func, HeapType, RefType, Result, Rooted,
    StructRef, Val, ValType,
};

/// A reference: what a table element is.
///
/// ```
/// let null = egret::Ref::from(None::<egret::Func>);
/// assert!(null.is_null() && null.is_func());
/// assert!(egret::Val::from(null).ref_().unwrap().is_func());
/// ```
#[derive(Clone, Debug)]
pub enum Ref {
    /// A function reference (`None` is null).
    Func(Option<Func>),
    /// A host reference (`None` is null).
    Extern(Option<Rooted<ExternRef>>),
    /// A reference of the `any` hierarchy (`None` is null).
    Any(Option<Rooted<AnyRef>>),
    /// An exception reference (`None` is null).
    Exn(Option<Rooted<ExnRef>>),
}

impl Ref {
    /// The null reference of `heap_type`'s hierarchy.
    pub fn null(heap_type: &HeapType) -> Ref {
        match heap_type.top() {
            HeapType::Func => Ref::Func(None),
            HeapType::Extern => Ref::Extern(None),
            HeapType::Any => Ref::Any(None),
            _ => Ref::Exn(None),
        }
    }

    /// Whether the reference is one of type `ty`, as Wasmtime's (see
    /// [`Val::matches_ty`], whose errors it shares).
    ///
    /// ```
    /// use egret::{Engine, HeapType, Ref, RefType, Store};
    /// let store = Store::new(&Engine::default(), ());
    /// assert!(Ref::Extern(None).matches_ty(&store, &RefType::new(true, HeapType::NoExtern))?);
    /// assert!(!Ref::Extern(None).matches_ty(&store, &RefType::new(false, HeapType::Extern))?);
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn matches_ty(&self, store: impl AsContext, ty: &RefType) -> Result<bool> {
        Val::from(self.clone()).matches_ty(store, &ValType::Ref(ty.clone()))
    }

    /// Whether the reference is null.
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Ref::Func(None) | Ref::Extern(None) | Ref::Any(None) | Ref::Exn(None)
        )
    }

    /// Whether the reference is not null.
    pub fn is_non_null(&self) -> bool {
        !self.is_null()
    }

    /// Whether this is a function reference (null or not).
    pub fn is_func(&self) -> bool {
        matches!(self, Ref::Func(_))
    }

    /// The function reference, if this is one (`Some(None)` for null).
    pub fn as_func(&self) -> Option<Option<&Func>> {
        match self {
            Ref::Func(f) => Some(f.as_ref()),
            _ => None,
        }
    }

    /// The function reference (`None` for null), as Wasmtime's.
    ///
    /// # Panics
    /// If this is another kind of reference.
    pub fn unwrap_func(&self) -> Option<&Func> {
        self.as_func()
            .unwrap_or_else(|| panic!("expected a function reference, found {self:?}"))
    }

    /// Whether this is a host reference (null or not).
    pub fn is_extern(&self) -> bool {
        matches!(self, Ref::Extern(_))
    }

    /// The host reference, if this is one (`Some(None)` for null).
    pub fn as_extern(&self) -> Option<Option<&Rooted<ExternRef>>> {
        match self {
            Ref::Extern(r) => Some(r.as_ref()),
            _ => None,
        }
    }

    /// The host reference (`None` for null), as Wasmtime's.
    ///
    /// # Panics
    /// If this is another kind of reference.
    pub fn unwrap_extern(&self) -> Option<&Rooted<ExternRef>> {
        self.as_extern()
            .unwrap_or_else(|| panic!("expected a host reference, found {self:?}"))
    }

    /// Whether this is a reference of the `any` hierarchy (null or not).
    pub fn is_any(&self) -> bool {
        matches!(self, Ref::Any(_))
    }

    /// The `any` reference, if this is one (`Some(None)` for null).
    pub fn as_any(&self) -> Option<Option<&Rooted<AnyRef>>> {
        match self {
            Ref::Any(r) => Some(r.as_ref()),
            _ => None,
        }
    }

    /// The `any` reference (`None` for null), as Wasmtime's.
    ///
    /// # Panics
    /// If this is another kind of reference.
    pub fn unwrap_any(&self) -> Option<&Rooted<AnyRef>> {
        self.as_any()
            .unwrap_or_else(|| panic!("expected a `any` reference, found {self:?}"))
    }

    /// Whether this is an exception reference (null or not).
    pub fn is_exn(&self) -> bool {
        matches!(self, Ref::Exn(_))
    }

    /// The exception reference, if this is one (`Some(None)` for null).
    pub fn as_exn(&self) -> Option<Option<&Rooted<ExnRef>>> {
        match self {
            Ref::Exn(r) => Some(r.as_ref()),
            _ => None,
        }
    }

    /// The exception reference (`None` for null), as Wasmtime's.
    ///
    /// # Panics
    /// If this is another kind of reference.
    pub fn unwrap_exn(&self) -> Option<&Rooted<ExnRef>> {
        self.as_exn()
            .unwrap_or_else(|| panic!("expected a exception reference, found {self:?}"))
    }
}

macro_rules! ref_from {
    ($($t:ty => $variant:ident),*) => {$(
        impl From<$t> for Ref {
            fn from(r: $t) -> Ref {
                Ref::$variant(Some(r))
            }
        }

        impl From<Option<$t>> for Ref {
            fn from(r: Option<$t>) -> Ref {
                Ref::$variant(r)
            }
        }
    )*};
}

ref_from!(
    Func => Func,
    Rooted<ExternRef> => Extern,
    Rooted<AnyRef> => Any,
    Rooted<ExnRef> => Exn
);

/// Structs and arrays are `any` references, as in Wasmtime.
macro_rules! ref_from_any_kind {
    ($($t:ty),*) => {$(
        impl From<Rooted<$t>> for Ref {
            fn from(r: Rooted<$t>) -> Ref {
                Ref::Any(Some(r.to_anyref()))
            }
        }

        impl From<Option<Rooted<$t>>> for Ref {
            fn from(r: Option<Rooted<$t>>) -> Ref {
                Ref::Any(r.map(|r| r.to_anyref()))
            }
        }
    )*};
}

ref_from_any_kind!(StructRef, ArrayRef);

impl From<Ref> for Val {
    fn from(r: Ref) -> Val {
        match r {
            Ref::Func(f) => Val::FuncRef(f),
            Ref::Extern(r) => Val::ExternRef(r),
            Ref::Any(r) => Val::AnyRef(r),
            Ref::Exn(r) => Val::ExnRef(r),
        }
    }
}

impl Val {
    /// The reference, if this is one.
    pub fn ref_(self) -> Option<Ref> {
        match self {
            Val::FuncRef(f) => Some(Ref::Func(f)),
            Val::ExternRef(r) => Some(Ref::Extern(r)),
            Val::AnyRef(r) => Some(Ref::Any(r)),
            Val::ExnRef(r) => Some(Ref::Exn(r)),
            _ => None,
        }
    }
}
