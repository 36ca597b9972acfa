//! Stores: the owner of all runtime state (instances, memories, tables,
//! globals, host functions) and of the embedder's data `T`, plus the
//! context traits that let API calls take a store, a `&mut Store`, or a
//! host function's `Caller` alike.

use crate::Engine;
use crate::{Error, Result};
use egret_runtime::store::{StoreId, StoreOpaque};
use std::any::Any;

/// A collection of instances and the host data `T` they run with.
/// Dropping a store frees everything it owns.
///
/// ```
/// let engine = egret::Engine::default();
/// let mut store = egret::Store::new(&engine, 41);
/// *store.data_mut() += 1;
/// assert_eq!(*store.data(), 42);
/// ```
pub struct Store<T> {
    // Boxed so host functions can find it at a stable address.
    pub(crate) inner: Box<StoreInner<T>>,
}

/// The store's state behind its stable address.
pub struct StoreInner<T> {
    pub(crate) opaque: Box<StoreOpaque>,
    pub(crate) engine: Engine,
    pub(crate) externrefs: Vec<Box<dyn Any + Send + Sync>>,
    pub(crate) data: T,
}

impl<T> StoreInner<T> {
    pub(crate) fn id(&self) -> StoreId {
        self.opaque.id()
    }

    /// Fails with [`Error::WrongStore`] unless `id` is this store's.
    pub(crate) fn check(&self, id: StoreId) -> Result<()> {
        if id == self.id() {
            Ok(())
        } else {
            Err(Error::WrongStore)
        }
    }
}

impl<T> Store<T> {
    /// A new store for modules of `engine`, holding `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            inner: Box::new(StoreInner {
                opaque: StoreOpaque::new(engine.inner.clone()),
                engine: engine.clone(),
                externrefs: Vec::new(),
                data,
            }),
        }
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// Consumes the store, returning its host data.
    pub fn into_data(self) -> T {
        self.inner.data
    }

    /// The engine this store belongs to.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }
}

impl<T> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("id", &self.inner.id())
            .finish()
    }
}

/// A shared borrow of a store.
pub struct StoreContext<'a, T>(pub(crate) &'a StoreInner<T>);

/// An exclusive borrow of a store.
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut StoreInner<T>);

impl<T> StoreContext<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        &self.0.data
    }
}

impl<T> StoreContextMut<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        &self.0.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.0.data
    }
}

/// Anything that gives shared access to a store.
pub trait AsContext {
    /// The store's host data type.
    type Data;
    /// The store, borrowed.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Anything that gives exclusive access to a store.
pub trait AsContextMut: AsContext {
    /// The store, borrowed mutably.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(&self.inner)
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(&mut self.inner)
    }
}

impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}

impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        (**self).as_context_mut()
    }
}
