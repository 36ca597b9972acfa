//! Tables: creating, typing, reading and writing elements, and growing.
//! Elements cross as `wasmtime_val_t` references.

use crate::boundary::{or_default, required, with_error, write_out};
use crate::error::wasmtime_error_t;
use crate::externs::wasmtime_table_t;
use crate::store::{StoreData, wasmtime_context_t};
use crate::types::wasm_tabletype_t;
use crate::val::wasmtime_val_t;
use egret_api::{AsContextMut, Error, Ref, Result, Table};

/// The reference a `wasmtime_val_t` holds; an error if it holds a number.
fn reference(val: &wasmtime_val_t, cx: impl AsContextMut<Data = StoreData>) -> Result<Ref> {
    val.value(cx)?
        .ref_()
        .ok_or_else(|| Error::msg("a table element must be a reference"))
}

/// Creates a table of type `ty` with every element `init`, written to
/// `table`.
///
/// # Safety
/// `table` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_table_new(
    store: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_tabletype_t>,
    init: Option<&wasmtime_val_t>,
    table: *mut wasmtime_table_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let store = required(store, "store")?;
        let ty = required(ty, "table type")?.to_table_type();
        let mut cx = store.scope();
        let init = reference(required(init, "init")?, &mut cx)?;
        let made = Table::new(&mut cx, ty, init)?;
        drop(cx);
        let handle = wasmtime_table_t::new(made, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(table, handle, "table") }
    })
}

/// The table's type (owned by the caller); NULL on a NULL or foreign
/// argument.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_table_type(
    store: Option<&wasmtime_context_t>,
    table: Option<&wasmtime_table_t>,
) -> Option<Box<wasm_tabletype_t>> {
    or_default(None, || {
        let store = store?;
        let ty = table?
            .resolve(store.data())
            .ok()?
            .try_ty(store.context())
            .ok()?;
        Some(Box::new(wasm_tabletype_t::from_table_type(&ty)))
    })
}

/// Writes element `index` to `val`; false if it is out of bounds (or an
/// argument is NULL or of another store).
///
/// # Safety
/// `val` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_table_get(
    store: Option<&mut wasmtime_context_t>,
    table: Option<&wasmtime_table_t>,
    index: u64,
    val: *mut wasmtime_val_t,
) -> bool {
    or_default(false, || {
        let (Some(store), Some(table)) = (store, table) else {
            return false;
        };
        let Ok(table) = table.resolve(store.data()) else {
            return false;
        };
        let mut cx = store.scope();
        let Ok(element) = table.try_get(&mut cx, index) else {
            return false;
        };
        let element = wasmtime_val_t::new(&element.into(), &mut cx);
        // SAFETY: forwarded to the caller.
        unsafe { write_out(val, element, "val") }.is_ok()
    })
}

/// Sets element `index` to `value`.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_table_set(
    store: Option<&mut wasmtime_context_t>,
    table: Option<&wasmtime_table_t>,
    index: u64,
    value: Option<&wasmtime_val_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let store = required(store, "store")?;
        let table = required(table, "table")?.resolve(store.data())?;
        let mut cx = store.scope();
        let value = reference(required(value, "value")?, &mut cx)?;
        table.set(&mut cx, index, value)
    })
}

/// The table's size in elements (0 on a NULL or foreign argument).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_table_size(
    store: Option<&wasmtime_context_t>,
    table: Option<&wasmtime_table_t>,
) -> u64 {
    or_default(0, || {
        let (Some(store), Some(table)) = (store, table) else {
            return 0;
        };
        table
            .resolve(store.data())
            .and_then(|t| t.try_size(store.context()))
            .unwrap_or(0)
    })
}

/// Grows the table by `delta` elements set to `init`, writing its former
/// size to `prev_size`.
///
/// # Safety
/// `prev_size` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_table_grow(
    store: Option<&mut wasmtime_context_t>,
    table: Option<&wasmtime_table_t>,
    delta: u64,
    init: Option<&wasmtime_val_t>,
    prev_size: *mut u64,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let store = required(store, "store")?;
        let table = required(table, "table")?.resolve(store.data())?;
        let mut cx = store.scope();
        let init = reference(required(init, "init")?, &mut cx)?;
        let previous = table.grow(&mut cx, delta, init)?;
        // SAFETY: forwarded to the caller.
        unsafe { write_out(prev_size, previous, "prev_size") }
    })
}
