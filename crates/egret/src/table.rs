//! Tables as the host sees them: size, growth, element access, fill and
//! copy, with elements as [`Ref`]s (Wasmtime's shapes).

use crate::store::{AsContext, AsContextMut};
use crate::types::engine_form;
use crate::{Error, Ref, Result, TableType, Val};
use egret_runtime::store::{StoreId, TableId};

/// A table of references, owned by a store.
///
/// ```
/// use egret::{Engine, Ref, RefType, Store, Table, TableType};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let t = Table::new(&mut store, TableType::new(RefType::FUNCREF, 2, None), Ref::Func(None)).unwrap();
/// assert_eq!(t.grow(&mut store, 3, Ref::Func(None)).unwrap(), 2);
/// assert_eq!(t.size(&store), 5);
/// assert!(t.get(&mut store, 4).unwrap().is_null());
/// assert!(t.get(&mut store, 5).is_none());
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
            value.kind(),
            ty.element
        )));
    }
    Ok(value.to_raw(store)? as usize)
}

impl Table {
    /// Creates a table of type `ty` with every element `init`. Fails if
    /// the store's [`ResourceLimiter`](crate::ResourceLimiter) refuses it.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Ref) -> Result<Table> {
        let store = store.as_context_mut().0;
        let ty = ty.to_engine(&store.engine)?;
        let raw = element_raw(store, ty, &init.into())?;
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

    /// Element `index`; `None` if the table has no such element (or, as
    /// Egret's rule for `Option` results, if `store` is not the table's:
    /// [`Table::try_get`] tells the two apart).
    pub fn get(&self, store: impl AsContextMut, index: u64) -> Option<Ref> {
        self.try_get(store, index).ok()
    }

    /// [`Table::get`], with a foreign store ([`Error::WrongStore`]) and an
    /// index out of bounds as errors.
    pub fn try_get(&self, mut store: impl AsContextMut, index: u64) -> Result<Ref> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        let table = store.opaque.table(self.id);
        let raw = table
            .get(index)
            .ok_or_else(|| Error::misuse(format!("table index {index} out of bounds")))?;
        let value = Val::from_raw(
            raw as u128,
            engine_form::ValType::Ref(table.ty().element),
            &store.opaque,
        );
        value
            .ref_()
            .ok_or_else(|| Error::misuse("a table element is not a reference"))
    }

    /// Sets element `index` to `value`, which must be of the table's
    /// element type.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, value: Ref) -> Result<()> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        let ty = store.opaque.table(self.id).ty();
        let raw = element_raw(store, ty, &value.into())?;
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
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Ref) -> Result<u64> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        let ty = store.opaque.table(self.id).ty();
        let raw = element_raw(store, ty, &init.into())?;
        // SAFETY: as in `Table::new`.
        unsafe { store.vm().grow_table(self.id, delta, raw) }
            .map_err(Error::from_host_error)?
            .ok_or_else(|| Error::Resource(format!("cannot grow table by {delta} elements")))
    }

    /// Sets elements `dst..dst + len` to `value`; an error (and nothing
    /// set) if they are not all in the table.
    pub fn fill(&self, mut store: impl AsContextMut, dst: u64, value: Ref, len: u64) -> Result<()> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        let table = store.opaque.table(self.id);
        let ty = table.ty();
        if dst.checked_add(len).is_none_or(|end| end > table.size()) {
            return Err(Error::misuse("table fill out of bounds"));
        }
        let raw = element_raw(store, ty, &value.into())?;
        let table = store.opaque.table_mut(self.id);
        for index in dst..dst + len {
            // SAFETY: as in `Table::new`; the index is in bounds (checked).
            unsafe { table.set(index, raw) };
        }
        Ok(())
    }

    /// Copies `len` elements of `src_table` from `src_index` to
    /// `dst_table` from `dst_index` (the ranges may overlap); an error (and
    /// nothing copied) if a range is out of bounds or the element types do
    /// not fit.
    pub fn copy(
        mut store: impl AsContextMut,
        dst_table: &Table,
        dst_index: u64,
        src_table: &Table,
        src_index: u64,
        len: u64,
    ) -> Result<()> {
        let store = store.as_context_mut().0;
        store.check(dst_table.store)?;
        store.check(src_table.store)?;
        let (dst, src) = (
            store.opaque.table(dst_table.id),
            store.opaque.table(src_table.id),
        );
        let fits = |start: u64, size: u64| start.checked_add(len).is_some_and(|end| end <= size);
        if !fits(dst_index, dst.size()) || !fits(src_index, src.size()) {
            return Err(Error::misuse("table copy out of bounds"));
        }
        let (actual, expected) = (src.ty().element, dst.ty().element);
        if !store
            .opaque
            .engine()
            .types()
            .is_ref_subtype(actual, expected)
        {
            return Err(Error::misuse(
                "table copy between incompatible element types",
            ));
        }
        let elements: Vec<usize> = src.elements()[src_index as usize..][..len as usize].to_vec();
        let dst = store.opaque.table_mut(dst_table.id);
        for (index, raw) in (dst_index..).zip(elements) {
            // SAFETY: the elements come from a table of a subtype in the
            // same store; the indices are in bounds (checked).
            unsafe { dst.set(index, raw) };
        }
        Ok(())
    }
}
