//! Values passed between the host and wasm, and their raw 16-byte form.

use crate::rooting::{self, GcRef, GcRefImpl, GcRoot};
use crate::store::StoreInner;
use crate::types::engine_form;
use crate::{AnyRef, Error, ExnRef, Func, Result, Rooted, V128, ValType};
use egret_frontend::gc_layout;
use egret_runtime::store::StoreOpaque;
use std::any::Any;

/// The accessors of `Val`'s numeric variants, as Wasmtime's: `i32()`
/// answers `Option<i32>`, `unwrap_i32()` panics on another variant.
macro_rules! numeric_accessors {
    ($($variant:ident($bind:ident) => $get:ident, $unwrap:ident: $ty:ty = $value:expr;)*) => {$(
        #[doc = concat!("The `", stringify!($get), "`, if this is one.")]
        pub fn $get(&self) -> Option<$ty> {
            if let Val::$variant($bind) = self {
                Some($value)
            } else {
                None
            }
        }

        #[doc = concat!("The `", stringify!($get), "`.\n\n# Panics\nIf this is another kind of value.")]
        pub fn $unwrap(&self) -> $ty {
            self.$get()
                .unwrap_or_else(|| panic!(concat!("expected a ", stringify!($get), ", found {:?}"), self))
        }
    )*};
}

/// The accessors of `Val`'s reference variants, as Wasmtime's:
/// `externref()` answers `Some(None)` for a null `externref` and `None`
/// for another kind of value; `unwrap_externref()` panics on another kind.
macro_rules! reference_accessors {
    ($($variant:ident => $get:ident, $unwrap:ident: $ty:ty;)*) => {$(
        #[doc = concat!("The `", stringify!($get), "` (`Some(None)` if null), if this is one.")]
        pub fn $get(&self) -> Option<Option<&$ty>> {
            if let Val::$variant(r) = self {
                Some(r.as_ref())
            } else {
                None
            }
        }

        #[doc = concat!("The `", stringify!($get), "` (`None` if null).\n\n# Panics\nIf this is another kind of value.")]
        pub fn $unwrap(&self) -> Option<&$ty> {
            self.$get()
                .unwrap_or_else(|| panic!(concat!("expected a ", stringify!($get), ", found {:?}"), self))
        }
    )*};
}

/// A WebAssembly value.
#[derive(Clone, Debug)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as its bit pattern (NaN payloads are preserved).
    F32(u32),
    /// An `f64`, as its bit pattern.
    F64(u64),
    /// A `v128`.
    V128(V128),
    /// A `funcref` (`None` is null).
    FuncRef(Option<Func>),
    /// An `externref` (`None` is null).
    ExternRef(Option<Rooted<ExternRef>>),
    /// A reference in the `any` hierarchy (`anyref`, `eqref`, `i31ref`,
    /// struct and array references; `None` is null).
    AnyRef(Option<Rooted<AnyRef>>),
    /// An exception reference (`exnref`; `None` is null).
    ExnRef(Option<Rooted<ExnRef>>),
}

impl Val {
    /// The value's type; an error if it is a function of another store
    /// than `store`.
    pub fn ty(&self, store: impl crate::AsContext) -> Result<ValType> {
        if let Val::FuncRef(Some(f)) = self {
            store.as_context().0.check(f.store)?;
        }
        Ok(self.kind())
    }

    /// The value's type, as its variant says (the top type for references).
    pub(crate) fn kind(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
            Val::AnyRef(_) => ValType::ANYREF,
            Val::ExnRef(_) => ValType::EXNREF,
        }
    }

    /// Whether the value is one of type `ty`, as Wasmtime's: a function
    /// reference matches its function's type and every supertype of it, a
    /// GC reference the types of its object, null every nullable reference
    /// type of its hierarchy. Fails where Wasmtime panics: for a reference
    /// of another store, or a type of another engine; and for a reference
    /// whose root is gone.
    ///
    /// ```
    /// use egret::{Engine, HeapType, RefType, Store, Val, ValType};
    /// let store = Store::new(&Engine::default(), ());
    /// assert!(Val::I32(1).matches_ty(&store, &ValType::I32)?);
    /// assert!(!Val::I32(1).matches_ty(&store, &ValType::I64)?);
    /// let nullfuncref = ValType::Ref(RefType::new(true, HeapType::NoFunc));
    /// assert!(Val::FuncRef(None).matches_ty(&store, &nullfuncref)?);
    /// assert!(!Val::AnyRef(None).matches_ty(&store, &nullfuncref)?);
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn matches_ty(&self, store: impl crate::AsContext, ty: &ValType) -> Result<bool> {
        let store = store.as_context().0;
        if !ty.belongs_to(&store.engine) {
            return Err(Error::misuse("type used with the wrong engine"));
        }
        self.matches(store, ty.to_engine())
    }

    /// The value a fresh local of type `ty` holds: zero, or null for a
    /// nullable reference; `None` for a non-nullable reference type.
    pub fn default_for_ty(ty: &ValType) -> Option<Val> {
        ty.default_value()
    }

    /// The zero value (null for references) of an engine-form type: what
    /// result slots hold before a host function writes them.
    pub(crate) fn default_for(ty: engine_form::ValType) -> Val {
        use engine_form::ValType as E;
        match ty {
            E::I32 => Val::I32(0),
            E::I64 => Val::I64(0),
            E::F32 => Val::F32(0),
            E::F64 => Val::F64(0),
            E::V128 => Val::V128(V128::from(0)),
            E::Ref(r) => match r.heap.top() {
                engine_form::HeapType::Func => Val::FuncRef(None),
                engine_form::HeapType::Any => Val::AnyRef(None),
                engine_form::HeapType::Exn => Val::ExnRef(None),
                _ => Val::ExternRef(None),
            },
        }
    }

    /// Whether the value is one of type `ty` (in engine form): a function
    /// reference matches its function's type and every supertype of it,
    /// null every nullable reference type of its kind.
    pub(crate) fn matches<T>(
        &self,
        store: &StoreInner<T>,
        ty: engine_form::ValType,
    ) -> Result<bool> {
        use engine_form::ValType as E;
        let E::Ref(r) = ty else {
            return Ok(matches!(
                (self, ty),
                (Val::I32(_), E::I32)
                    | (Val::I64(_), E::I64)
                    | (Val::F32(_), E::F32)
                    | (Val::F64(_), E::F64)
                    | (Val::V128(_), E::V128)
            ));
        };
        Ok(match self {
            Val::FuncRef(None) => r.nullable && r.is_func(),
            Val::FuncRef(Some(f)) => {
                store.check(f.store)?;
                // SAFETY: the function belongs to this store (checked).
                r.is_func() && unsafe { store.opaque.func_matches(f.vm_func_ref(), r) }
            }
            Val::ExternRef(None) => r.nullable && r.heap.top() == engine_form::HeapType::Extern,
            Val::ExternRef(Some(e)) => {
                e.bits(&store.opaque)?;
                r.heap == engine_form::HeapType::Extern
            }
            Val::AnyRef(None) => r.nullable && r.heap.top() == engine_form::HeapType::Any,
            Val::AnyRef(Some(a)) => store.opaque.any_ref_matches(a.bits(&store.opaque)?, r),
            Val::ExnRef(None) => r.nullable && r.heap.top() == engine_form::HeapType::Exn,
            Val::ExnRef(Some(e)) => {
                e.id(&store.opaque)?;
                r.heap == engine_form::HeapType::Exn
            }
            _ => false,
        })
    }

    numeric_accessors! {
        I32(v) => i32, unwrap_i32: i32 = *v;
        I64(v) => i64, unwrap_i64: i64 = *v;
        F32(v) => f32, unwrap_f32: f32 = f32::from_bits(*v);
        F64(v) => f64, unwrap_f64: f64 = f64::from_bits(*v);
        V128(v) => v128, unwrap_v128: V128 = *v;
    }

    reference_accessors! {
        FuncRef => funcref, unwrap_funcref: Func;
        ExternRef => externref, unwrap_externref: Rooted<ExternRef>;
        AnyRef => anyref, unwrap_anyref: Rooted<AnyRef>;
        ExnRef => exnref, unwrap_exnref: Rooted<ExnRef>;
    }

    /// The null reference of `heap_type`'s hierarchy.
    pub fn null_ref(heap_type: &crate::HeapType) -> Val {
        crate::Ref::null(heap_type).into()
    }

    /// The null `funcref`.
    pub const fn null_func_ref() -> Val {
        Val::FuncRef(None)
    }

    /// The null `externref`.
    pub const fn null_extern_ref() -> Val {
        Val::ExternRef(None)
    }

    /// The null `anyref`.
    pub const fn null_any_ref() -> Val {
        Val::AnyRef(None)
    }

    /// The raw form generated code uses, checking that references belong
    /// to `store`.
    pub(crate) fn to_raw<T>(&self, store: &StoreInner<T>) -> Result<u128> {
        Ok(match self {
            Val::I32(v) => u128::from(*v as u32),
            Val::I64(v) => u128::from(*v as u64),
            Val::F32(v) => u128::from(*v),
            Val::F64(v) => u128::from(*v),
            Val::V128(v) => v.as_u128(),
            Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => 0,
            Val::AnyRef(Some(a)) => u128::from(a.bits(&store.opaque)?),
            Val::ExnRef(Some(e)) => u128::from(e.id(&store.opaque)?.to_raw()),
            Val::FuncRef(Some(f)) => {
                store.check(f.store)?;
                f.func_ref as u128
            }
            Val::ExternRef(Some(r)) => u128::from(r.bits(&store.opaque)?),
        })
    }

    /// Reads a raw value of type `ty` produced by generated code.
    pub(crate) fn from_raw(raw: u128, ty: engine_form::ValType, store: &StoreOpaque) -> Val {
        use engine_form::ValType as E;
        match ty {
            E::I32 => Val::I32(raw as u32 as i32),
            E::I64 => Val::I64(raw as u64 as i64),
            E::F32 => Val::F32(raw as u32),
            E::F64 => Val::F64(raw as u64),
            E::V128 => Val::V128(V128::from(raw)),
            E::Ref(r) => match r.heap.top() {
                engine_form::HeapType::Func => {
                    Val::FuncRef(Func::from_raw(store.id(), raw as usize))
                }
                engine_form::HeapType::Any => Val::AnyRef(AnyRef::from_raw(store, raw as u32)),
                engine_form::HeapType::Exn => Val::ExnRef(ExnRef::from_raw(store, raw as u32)),
                _ => Val::ExternRef(ExternRef::from_raw(store, raw as u64)),
            },
        }
    }
}

macro_rules! val_from {
    ($($t:ty => $variant:ident $(via $conv:ident)?),*) => {$(
        impl From<$t> for Val {
            fn from(v: $t) -> Val {
                Val::$variant(v $(.$conv())?)
            }
        }
    )*};
}

val_from!(i32 => I32, i64 => I64, f32 => F32 via to_bits, f64 => F64 via to_bits, V128 => V128);

impl From<u128> for Val {
    fn from(v: u128) -> Val {
        Val::V128(V128::from(v))
    }
}

impl From<Func> for Val {
    fn from(f: Func) -> Val {
        Val::FuncRef(Some(f))
    }
}

impl From<Option<Func>> for Val {
    fn from(f: Option<Func>) -> Val {
        Val::FuncRef(f)
    }
}

/// A GC reference handle (or `None` for null) as a `Val`, through its
/// [`Ref`](crate::Ref), as Wasmtime's: structs and arrays as `anyref`s.
macro_rules! val_from_ref {
    ($($t:ty),*) => {$(
        impl From<$t> for Val {
            fn from(r: $t) -> Val {
                crate::Ref::from(r).into()
            }
        }

        impl From<Option<$t>> for Val {
            fn from(r: Option<$t>) -> Val {
                crate::Ref::from(r).into()
            }
        }
    )*};
}

val_from_ref!(
    Rooted<ExternRef>,
    Rooted<AnyRef>,
    Rooted<crate::StructRef>,
    Rooted<crate::ArrayRef>,
    Rooted<ExnRef>
);

/// A reference to a host value, passed through wasm as an `externref`,
/// held through a [`Rooted`] or [`OwnedRooted`](crate::OwnedRooted)
/// handle. The value is dropped once a collection finds nothing referring
/// to it (with `Config::wasm_gc` off, when the store is dropped). An
/// `externref` can also hold an `anyref` (what wasm's `extern.convert_any`
/// or [`ExternRef::convert_any`] make), which has no host value.
///
/// ```
/// let engine = egret::Engine::default();
/// let mut store = egret::Store::new(&engine, ());
/// let r = egret::ExternRef::new(&mut store, "hello").unwrap();
/// let data = r.data(&store).unwrap().unwrap();
/// assert_eq!(data.downcast_ref::<&str>(), Some(&"hello"));
/// ```
#[derive(Copy, Clone, Debug)]
pub struct ExternRef {
    /// Its bits are what generated code holds: `index + 1` of the host
    /// value, or an `anyref` with `gc_layout::ANY_IN_EXTERN` set.
    root: GcRoot,
}

impl GcRefImpl for ExternRef {
    fn root(&self) -> &GcRoot {
        &self.root
    }
    fn from_root(root: GcRoot) -> Self {
        ExternRef { root }
    }
    fn rooted_as(raw: u64) -> u64 {
        raw
    }
}

impl GcRef for ExternRef {}

/// The error for a reference to a host value the store does not hold.
fn dangling() -> Error {
    Error::misuse("dangling externref")
}

impl ExternRef {
    /// Stores `value` in `store` and returns a reference to it. The value
    /// is dropped once a collection finds nothing referring to it (with
    /// `Config::wasm_gc` off, when the store is dropped). (While a store
    /// holds fewer than 2^30 host values, each keeps its identity through
    /// `any.convert_extern`; beyond, converted ones may alias another or
    /// come back null: see docs/limits.md.)
    pub fn new<T>(mut store: impl crate::AsContextMut, value: T) -> Result<Rooted<ExternRef>>
    where
        T: 'static + Any + Send + Sync,
    {
        let store = &mut store.as_context_mut().0.opaque;
        let id = store
            .new_host_value(Box::new(value))
            .ok_or_else(|| Error::Resource("a store holds at most 2^32 - 1 host values".into()))?;
        Ok(rooting::root(store, u64::from(id)))
    }

    /// The `externref` holding `anyref` (as wasm's `extern.convert_any`).
    pub fn convert_any(
        mut store: impl crate::AsContextMut,
        anyref: Rooted<AnyRef>,
    ) -> Result<Rooted<ExternRef>> {
        let store = &store.as_context_mut().0.opaque;
        let raw = anyref.bits(store)?;
        Ok(rooting::root(store, gc_layout::extern_from_any(raw)))
    }

    /// The referenced host value; `None` for an `externref` that holds an
    /// `anyref`.
    pub fn data<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContext<'a, T>>,
    ) -> Result<Option<&'a (dyn Any + Send + Sync)>> {
        let store = &store.into().0.opaque;
        match self.host_value_id(store)? {
            None => Ok(None),
            Some(id) => store.host_value(id).map(Some).ok_or_else(dangling),
        }
    }

    /// The referenced host value, to change; `None` for an `externref`
    /// that holds an `anyref`.
    pub fn data_mut<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContextMut<'a, T>>,
    ) -> Result<Option<&'a mut (dyn Any + Send + Sync)>> {
        let store = &mut store.into().0.opaque;
        match self.host_value_id(store)? {
            None => Ok(None),
            Some(id) => store.host_value_mut(id).map(Some).ok_or_else(dangling),
        }
    }

    /// The id of the host value the reference holds, if valid in `store`;
    /// `None` if it holds an `anyref`.
    fn host_value_id(&self, store: &StoreOpaque) -> Result<Option<u64>> {
        let raw = self.root.raw(store)?;
        Ok((raw & gc_layout::ANY_IN_EXTERN == 0).then_some(raw))
    }

    /// The reference's bits, if valid in `store`.
    pub(crate) fn bits(&self, store: &StoreOpaque) -> Result<u64> {
        self.root.raw(store)
    }

    /// The reference of a raw value of `store`, rooted in its current
    /// scope; `None` for null.
    pub(crate) fn from_raw(store: &StoreOpaque, raw: u64) -> Option<Rooted<ExternRef>> {
        (raw != 0).then(|| rooting::root(store, raw))
    }
}
