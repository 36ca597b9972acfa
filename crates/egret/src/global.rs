//! Globals as the host sees them: typed get and set.

use crate::store::{AsContext, AsContextMut};
use crate::{Error, GlobalType, Result, Val};
use egret_runtime::store::{GlobalId, StoreId};

/// A global, owned by a store.
///
/// ```
/// use egret::{Engine, Global, GlobalType, Mutability, Store, Val, ValType};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let g = Global::new(&mut store, GlobalType::new(ValType::I64, Mutability::Var), Val::I64(1)).unwrap();
/// g.set(&mut store, Val::I64(2)).unwrap();
/// assert_eq!(g.get(&mut store).i64(), Some(2));
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store: StoreId,
    pub(crate) id: GlobalId,
}

impl Global {
    /// Creates a global of type `ty` holding `value`.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, value: Val) -> Result<Global> {
        let store = store.as_context_mut().0;
        let ty = ty.to_engine(&store.engine)?;
        if !value.matches(store, ty.content)? {
            return Err(Error::misuse(format!(
                "global of type {} initialised with a {}",
                ty.content,
                value.kind()
            )));
        }
        let raw = value.to_raw(store)?;
        // SAFETY: `raw` is a value of the global's type (checked above);
        // `to_raw` accepts only references owned by this store.
        let id = unsafe { store.opaque.create_global(ty, raw) };
        Ok(Global {
            store: store.id(),
            id,
        })
    }

    /// The global's type.
    ///
    /// # Panics
    /// If `store` is not the one the global belongs to, as Wasmtime's;
    /// [`Global::try_ty`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        crate::error::or_panic(self.try_ty(store), "Global::ty")
    }

    /// [`Global::ty`], with a foreign store as an error.
    pub fn try_ty(&self, store: impl AsContext) -> Result<GlobalType> {
        let store = store.as_context().0;
        store.check(self.store)?;
        Ok(GlobalType::from_engine(
            &store.engine,
            store.opaque.global_type(self.id),
        ))
    }

    /// The current value.
    ///
    /// # Panics
    /// If `store` is not the one the global belongs to, as Wasmtime's;
    /// [`Global::try_get`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn get(&self, mut store: impl AsContextMut) -> Val {
        crate::error::or_panic(self.try_get(store.as_context_mut()), "Global::get")
    }

    /// [`Global::get`], with a foreign store as an error.
    pub fn try_get(&self, mut store: impl AsContextMut) -> Result<Val> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        let ty = store.opaque.global_type(self.id);
        Ok(Val::from_raw(
            store.opaque.global_get(self.id),
            ty.content,
            &store.opaque,
        ))
    }

    /// Sets the value; refused for immutable globals and wrong types.
    pub fn set(&self, mut store: impl AsContextMut, value: Val) -> Result<()> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        let ty = store.opaque.global_type(self.id);
        if !ty.mutable {
            return Err(Error::misuse("cannot set an immutable global"));
        }
        if !value.matches(store, ty.content)? {
            return Err(Error::misuse(format!(
                "global of type {} set to a {}",
                ty.content,
                value.kind()
            )));
        }
        let raw = value.to_raw(store)?;
        // SAFETY: as in `Global::new`.
        unsafe { store.opaque.global_set(self.id, raw) };
        Ok(())
    }
}
