//! Tags: the identities exceptions are thrown with (WebAssembly 3.0's
//! exception handling). A tag has a function type whose parameters are
//! the fields of its exceptions; two tags of the same type are still
//! different tags. Modules define, import and export them; the host makes
//! them with [`Tag::new`].

use crate::store::{AsContext, AsContextMut};
use crate::{Error, Result, TagType};
use egret_runtime::store::{StoreId, TagId};

/// A tag, owned by a store.
///
/// ```
/// use egret::{Engine, FuncType, Store, Tag, TagType, ValType};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let ty = TagType::new(FuncType::new(&engine, [ValType::I32], []));
/// let a = Tag::new(&mut store, &ty).unwrap();
/// let b = Tag::new(&mut store, &ty).unwrap();
/// assert!(Tag::eq(&a, &a, &store) && !Tag::eq(&a, &b, &store));
/// assert_eq!(a.ty(&store).ty().params().len(), 1);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tag {
    pub(crate) store: StoreId,
    pub(crate) id: TagId,
}

impl Tag {
    /// A new tag of type `ty`. Fails if the type belongs to another
    /// engine than the store's, or has results (a tag's type has none).
    pub fn new(mut store: impl AsContextMut, ty: &TagType) -> Result<Tag> {
        let store = store.as_context_mut().0;
        let func = ty.ty();
        if !crate::Engine::same(func.engine(), &store.engine) {
            return Err(Error::misuse("the tag's type belongs to another engine"));
        }
        if func.results().len() != 0 {
            return Err(Error::misuse(format!(
                "a tag's type has no results, not {func}"
            )));
        }
        let id = store.opaque.create_tag(func.id());
        Ok(Tag {
            store: store.id(),
            id,
        })
    }

    /// The tag's type.
    ///
    /// # Panics
    /// If `store` is not the one the tag belongs to, as Wasmtime's;
    /// [`Tag::try_ty`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn ty(&self, store: impl AsContext) -> TagType {
        crate::error::or_panic(self.try_ty(store), "Tag::ty")
    }

    /// [`Tag::ty`], with a foreign store as an error.
    pub fn try_ty(&self, store: impl AsContext) -> Result<TagType> {
        let store = store.as_context().0;
        store.check(self.store)?;
        let id = store.opaque.tag_type(self.id);
        Ok(TagType::new(crate::FuncType::from_engine(
            &store.engine,
            id,
        )))
    }

    /// Whether `a` and `b` are the same tag (of `store`; tags of other
    /// stores are never the same).
    pub fn eq(a: &Tag, b: &Tag, store: impl AsContext) -> bool {
        let id = store.as_context().0.id();
        a.store == id && b.store == id && a.id == b.id
    }
}
