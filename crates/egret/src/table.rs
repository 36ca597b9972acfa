//! Tables as the host sees them: size, growth, element access.

use crate::store::{AsContext, AsContextMut};
use crate::types::engine_form;
use crate::{Error, Result, TableType, Val};
use egret_runtime::store::{StoreId, TableId};

/// A table of references, owned by a store.
///
/// ```
/// use egret::{Engine, RefType, Store, Table, TableType, Val};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let t = Table::new(&mut store, TableType::new(RefType::FUNCREF, 2, None), Val::FuncRef(None)).unwrap();
/// assert_eq!(t.grow(&mut store, 3, Val::FuncRef(None)).unwrap(), 2);
/// assert_eq!(t.size(&store), 5);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Table {
    pub(crate) store: StoreId,
    pub(crate) id: TableId,
}

fn element_raw<T>(
    store: &crate::store::StoreInner<T>,
    ty: engine_form::TableType,
    value: &Val,
) -> Result<usize> {
    if !value.matches(store, engine_form::ValType::Ref(ty.element))? {
        return Err(Error::misuse(format!(
            "a {} cannot be stored in a table of {}",
            value.ty(),
            ty.element
        )));
    }
    Ok(value.to_raw(store)? as usize)
}

impl Table {
    /// Creates a table of type `ty` with every element `init`. Fails if
    /// the store's [`ResourceLimiter`](crate::ResourceLimiter) refuses it.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Val) -> Result<Table> {
        let store = store.as_context_mut().0;
        let ty = ty.to_engine(&store.engine)?;
        let raw = element_raw(store, ty, &init)?;
        // SAFETY: `element_raw` gives null or a reference of the table's
        // type owned by this store.
        let id = unsafe { store.vm().create_table(ty, raw) }.map_err(Error::from)?;
        Ok(Table {
            store: store.id(),
            id,
        })
    }

    /// The table's type; its minimum is the current size.
    ///
    /// # Panics
    /// If `store` is not the one the table belongs to, as Wasmtime's;
    /// [`Table::try_ty`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn ty(&self, store: impl AsContext) -> TableType {
        crate::error::or_panic(self.try_ty(store), "Table::ty")
    }

    /// [`Table::ty`], with a foreign store as an error.
    pub fn try_ty(&self, store: impl AsContext) -> Result<TableType> {
        let store = store.as_context().0;
        store.check(self.store)?;
        let table = store.opaque.table(self.id);
        Ok(TableType::from_engine(
            &store.engine,
            engine_form::TableType {
                minimum: table.size(),
                ..table.ty()
            },
        ))
    }

    /// Current number of elements.
    ///
    /// # Panics
    /// If `store` is not the one the table belongs to, as Wasmtime's;
    /// [`Table::try_size`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn size(&self, store: impl AsContext) -> u64 {
        crate::error::or_panic(self.try_size(store), "Table::size")
    }

    /// [`Table::size`], with a foreign store as an error.
    pub fn try_size(&self, store: impl AsContext) -> Result<u64> {
        let store = store.as_context().0;
        store.check(self.store)?;
        Ok(store.opaque.table(self.id).size())
    }

    /// Element `index`.
    pub fn get(&self, store: impl AsContext, index: u64) -> Result<Val> {
        let store = store.as_context().0;
        store.check(self.store)?;
        let table = store.opaque.table(self.id);
        let raw = table
            .get(index)
            .ok_or_else(|| Error::misuse(format!("table index {index} out of bounds")))?;
        Ok(Val::from_raw(
            raw as u128,
            engine_form::ValType::Ref(table.ty().element),
            self.store,
        ))
    }

    /// Sets element `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, value: Val) -> Result<()> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        let ty = store.opaque.table(self.id).ty();
        let raw = element_raw(store, ty, &value)?;
        // SAFETY: as in `Table::new`.
        if unsafe { store.opaque.table_mut(self.id).set(index, raw) } {
            Ok(())
        } else {
            Err(Error::misuse(format!("table index {index} out of bounds")))
        }
    }

    /// Grows by `delta` elements set to `init`; returns the old size.
    /// Fails with [`Error::Resource`] beyond the table's maximum or when
    /// the store's [`ResourceLimiter`](crate::ResourceLimiter) refuses, or
    /// with the limiter's own error.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        let ty = store.opaque.table(self.id).ty();
        let raw = element_raw(store, ty, &init)?;
        // SAFETY: as in `Table::new`.
        unsafe { store.vm().grow_table(self.id, delta, raw) }
            .map_err(Error::from_host_error)?
            .ok_or_else(|| Error::Resource(format!("cannot grow table by {delta} elements")))
    }
}
