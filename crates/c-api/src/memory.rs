//! Linear memories: creating, typing, reading through the data pointer,
//! and growing.

use crate::boundary::{or_default, required, with_error, write_out};
use crate::error::wasmtime_error_t;
use crate::externs::wasmtime_memory_t;
use crate::store::wasmtime_context_t;
use crate::types::wasm_memorytype_t;
use egret_api::Memory;

/// Creates a memory of type `ty` in the store, written to `ret`.
///
/// # Safety
/// `ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_memory_new(
    store: Option<&mut wasmtime_context_t>,
    ty: Option<&wasm_memorytype_t>,
    ret: *mut wasmtime_memory_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let store = required(store, "store")?;
        let ty = required(ty, "memory type")?.to_memory_type();
        let memory = Memory::new(store.context_mut(), ty)?;
        let handle = wasmtime_memory_t::new(memory, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(ret, handle, "ret") }
    })
}

/// Runs `read` on the memory, or gives `R::default()` for a NULL argument
/// or a memory of another store (these functions have no error path).
fn with_memory<R: Default>(
    store: Option<&wasmtime_context_t>,
    memory: Option<&wasmtime_memory_t>,
    read: impl FnOnce(&wasmtime_context_t, Memory) -> R,
) -> R {
    or_default(R::default(), || {
        let (Some(store), Some(memory)) = (store, memory) else {
            return R::default();
        };
        match memory.resolve(store.data()) {
            Ok(memory) => read(store, memory),
            Err(_) => R::default(),
        }
    })
}

/// The memory's type (owned by the caller); NULL on a NULL or foreign
/// argument.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memory_type(
    store: Option<&wasmtime_context_t>,
    memory: Option<&wasmtime_memory_t>,
) -> Option<Box<wasm_memorytype_t>> {
    with_memory(store, memory, |store, memory| {
        let ty = memory.try_ty(store.context()).ok()?;
        Some(Box::new(wasm_memorytype_t::from_memory_type(ty)))
    })
}

/// The start of the memory's bytes, valid until it grows or the store is
/// deleted; NULL on a NULL or foreign argument.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memory_data(
    store: Option<&mut wasmtime_context_t>,
    memory: Option<&wasmtime_memory_t>,
) -> *mut u8 {
    with_memory(store.map(|s| &*s), memory, |store, memory| {
        Some(memory.data_ptr(store.context()))
    })
    .unwrap_or(std::ptr::null_mut())
}

/// The memory's size in bytes (0 on a NULL or foreign argument).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memory_data_size(
    store: Option<&wasmtime_context_t>,
    memory: Option<&wasmtime_memory_t>,
) -> usize {
    with_memory(store, memory, |store, memory| {
        memory.try_data_size(store.context()).unwrap_or(0)
    })
}

/// The memory's size in pages (0 on a NULL or foreign argument).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memory_size(
    store: Option<&wasmtime_context_t>,
    memory: Option<&wasmtime_memory_t>,
) -> u64 {
    with_memory(store, memory, |store, memory| {
        memory.try_size(store.context()).unwrap_or(0)
    })
}

/// The memory's page size in bytes (0 on a NULL or foreign argument).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memory_page_size(
    store: Option<&mut wasmtime_context_t>,
    memory: Option<&wasmtime_memory_t>,
) -> u64 {
    with_memory(store.map(|s| &*s), memory, |store, memory| {
        memory.try_ty(store.context()).map_or(0, |t| t.page_size())
    })
}

/// The base-2 logarithm of the memory's page size (0 on a NULL or foreign
/// argument).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memory_page_size_log2(
    store: Option<&mut wasmtime_context_t>,
    memory: Option<&wasmtime_memory_t>,
) -> u8 {
    with_memory(store.map(|s| &*s), memory, |store, memory| {
        memory
            .try_ty(store.context())
            .map_or(0, |t| t.page_size_log2())
    })
}

/// Grows the memory by `delta` pages, writing its former size in pages to
/// `prev_size`.
///
/// # Safety
/// `prev_size` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_memory_grow(
    store: Option<&mut wasmtime_context_t>,
    memory: Option<&wasmtime_memory_t>,
    delta: u64,
    prev_size: *mut u64,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let store = required(store, "store")?;
        let memory = required(memory, "memory")?.resolve(store.data())?;
        let previous = memory.grow(store.context_mut(), delta)?;
        // SAFETY: forwarded to the caller.
        unsafe { write_out(prev_size, previous, "prev_size") }
    })
}
