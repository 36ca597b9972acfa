//! Wasm exceptions on the host side: exception references ([`ExnRef`]),
//! their types ([`ExnType`]), creating them ([`ExnRefPre`]), and throwing
//! one into wasm or taking the one that came out of it
//! ([`Store::throw`](crate::Store::throw),
//! [`Store::take_pending_exception`](crate::Store::take_pending_exception)).
//!
//! An exception is a [`Tag`] and the values of its fields (the parameters
//! of the tag's type). Exceptions live in their store until it is dropped
//! (Egret has no collector yet, issue #16). Wasmtime hands out
//! `Rooted<ExnRef>`; Egret's `ExnRef` is a plain handle that stays valid
//! as long as its store, so it needs no rooting.

use crate::rooting::{self, GcRef, GcRefImpl, GcRoot};
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::values::Val;
use crate::{Engine, Error, FuncType, Result, Rooted, Tag, TagType, ValType};
use egret_frontend::gc_layout;
use egret_runtime::exception::{ExceptionObject, ExnId};
use egret_runtime::store::{StoreId, StoreOpaque};

/// The type of an exception: the types of its fields.
#[derive(Clone, Debug)]
pub struct ExnType {
    func: FuncType,
}

impl ExnType {
    /// The type of exceptions with fields of the given types.
    pub fn new(engine: &Engine, fields: impl IntoIterator<Item = ValType>) -> Result<ExnType> {
        Ok(ExnType {
            func: FuncType::new(engine, fields, []),
        })
    }

    /// The type of the exceptions thrown with tags of type `ty`.
    pub fn from_tag_type(ty: &TagType) -> Result<ExnType> {
        Ok(ExnType {
            func: ty.ty().clone(),
        })
    }

    /// The engine the type belongs to.
    pub fn engine(&self) -> &Engine {
        self.func.engine()
    }

    /// The types of the fields.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = ValType> + '_ {
        self.func.params()
    }
}

/// What [`ExnRef::new`] allocates with: a type's exceptions in a store.
#[derive(Clone, Debug)]
pub struct ExnRefPre {
    store: StoreId,
    ty: ExnType,
}

impl ExnRefPre {
    /// An allocator of exceptions of type `ty` in `store`.
    pub fn new(mut store: impl AsContextMut, ty: ExnType) -> ExnRefPre {
        ExnRefPre {
            store: store.as_context_mut().0.id(),
            ty,
        }
    }
}

/// A reference to a wasm exception (an `exnref`), valid as long as its
/// store.
///
/// ```
/// use egret::{Engine, ExnRef, ExnRefPre, ExnType, FuncType, Store, Tag, TagType, Val, ValType};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let ty = TagType::new(FuncType::new(&engine, [ValType::I32], []));
/// let tag = Tag::new(&mut store, &ty).unwrap();
/// let pre = ExnRefPre::new(&mut store, ExnType::from_tag_type(&ty).unwrap());
/// let exn = ExnRef::new(&mut store, &pre, &tag, &[Val::I32(7)]).unwrap();
/// assert!(Tag::eq(&exn.tag(&store).unwrap(), &tag, &store));
/// assert_eq!(exn.field(&store, 0).unwrap().i32(), Some(7));
/// ```
#[derive(Copy, Clone, Debug)]
pub struct ExnRef {
    /// Its bits are the exception's `exnref`; the root keeps the
    /// exception from being collected while the handle is in scope.
    root: GcRoot,
}

impl GcRefImpl for ExnRef {
    fn root(&self) -> &GcRoot {
        &self.root
    }
    fn from_root(root: GcRoot) -> Self {
        ExnRef { root }
    }
    fn rooted_as(raw: u64) -> u64 {
        gc_layout::ANY_IN_EXTERN | u64::from(raw as u32)
    }
}

impl GcRef for ExnRef {}

impl ExnRef {
    /// A new exception of `tag` with the given field values, which must
    /// match the tag's type (and `allocator`'s).
    pub fn new(
        mut store: impl AsContextMut,
        allocator: &ExnRefPre,
        tag: &Tag,
        fields: &[Val],
    ) -> Result<Rooted<ExnRef>> {
        let store = store.as_context_mut().0;
        store.check(allocator.store)?;
        store.check(tag.store)?;
        let tag_type = store.opaque.tag_type(tag.id);
        let func = FuncType::from_engine(&store.engine, tag_type);
        let types = func.engine_type().params();
        if allocator.ty.func.id() != tag_type || !Engine::same(allocator.ty.engine(), &store.engine)
        {
            return Err(Error::misuse(
                "the allocator's exception type is not the tag's",
            ));
        }
        if types.len() != fields.len() {
            return Err(Error::misuse(format!(
                "the tag's exceptions have {} fields, {} given",
                types.len(),
                fields.len()
            )));
        }
        let mut raw = Vec::with_capacity(fields.len());
        for (value, &ty) in fields.iter().zip(types) {
            if !value.matches(store, ty)? {
                return Err(Error::misuse(format!(
                    "a field of type {ty} cannot hold {:?}",
                    value.kind()
                )));
            }
            raw.push(value.to_raw(store)?);
        }
        let id = store
            .opaque
            .new_exception(tag.id, &raw)
            .ok_or_else(|| Error::Resource("too many exceptions in one store".into()))?;
        Ok(rooting::root(&store.opaque, u64::from(id.to_raw())))
    }

    /// The exception's id, if the handle is valid in `store`.
    pub(crate) fn id(&self, store: &StoreOpaque) -> Result<ExnId> {
        ExnId::from_raw(self.root.raw(store)? as u32)
            .ok_or_else(|| Error::misuse("an exception reference of no exception"))
    }

    fn object<'s, T>(&self, store: &'s StoreInner<T>) -> Result<ExceptionObject<'s>> {
        let id = self.id(&store.opaque)?;
        store
            .opaque
            .exceptions()
            .get(id)
            .ok_or_else(|| Error::misuse("an exception reference of no exception"))
    }

    /// The exception's tag.
    pub fn tag(&self, store: impl AsContext) -> Result<Tag> {
        let store = store.as_context().0;
        let object = self.object(store)?;
        Ok(Tag {
            store: store.id(),
            id: object.tag,
        })
    }

    /// The exception's type (its tag's, as an exception type).
    pub fn ty(&self, store: impl AsContext) -> Result<ExnType> {
        let tag = self.tag(&store)?;
        ExnType::from_tag_type(&tag.try_ty(&store)?)
    }

    /// The value of field `index`.
    pub fn field(&self, store: impl AsContext, index: usize) -> Result<Val> {
        let store = store.as_context().0;
        let object = self.object(store)?;
        let func = FuncType::from_engine(&store.engine, store.opaque.tag_type(object.tag));
        let types = func.engine_type().params();
        let (Some(&raw), Some(&ty)) = (object.fields.get(index), types.get(index)) else {
            return Err(Error::misuse(format!(
                "field {index} of an exception with {} fields",
                object.fields.len()
            )));
        };
        Ok(Val::from_raw(raw, ty, &store.opaque))
    }

    /// The values of all fields, in order.
    pub fn fields(&self, store: impl AsContext) -> Result<impl ExactSizeIterator<Item = Val>> {
        let store = store.as_context().0;
        let object = self.object(store)?;
        let func = FuncType::from_engine(&store.engine, store.opaque.tag_type(object.tag));
        let values: Vec<Val> = object
            .fields
            .iter()
            .zip(func.engine_type().params())
            .map(|(&raw, &ty)| Val::from_raw(raw, ty, &store.opaque))
            .collect();
        Ok(values.into_iter())
    }

    /// The exception of a raw reference of `store`, rooted in its current
    /// scope; `None` for null.
    pub(crate) fn from_raw(store: &StoreOpaque, raw: u32) -> Option<Rooted<ExnRef>> {
        ExnId::from_raw(raw).map(|id| rooting::root(store, u64::from(id.to_raw())))
    }
}

impl<T> StoreInner<T> {
    /// Makes `exn` the pending exception and returns the error that throws
    /// it (see [`Store::throw`](crate::Store::throw)).
    pub(crate) fn throw<R>(&mut self, exn: Rooted<ExnRef>) -> Result<R> {
        let id = exn.id(&self.opaque)?;
        self.opaque.exceptions_mut().set_pending(id);
        Err(Error::Exception(self.opaque.thrown_exception()))
    }

    /// Takes the pending exception.
    pub(crate) fn take_pending_exception(&mut self) -> Option<Rooted<ExnRef>> {
        let id = self.opaque.exceptions_mut().take_pending()?;
        ExnRef::from_raw(&self.opaque, id.to_raw())
    }

    /// Whether an exception is pending.
    pub(crate) fn has_pending_exception(&self) -> bool {
        self.opaque.exceptions().pending().is_some()
    }
}
