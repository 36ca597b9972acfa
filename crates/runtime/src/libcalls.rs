//! The builtins generated code calls (see `egret_frontend::builtins`):
//! growing memories and tables, bulk memory and table operations, dropping
//! segments, asking the store what to do at the epoch deadline, creating
//! and reading exceptions (throwing is `traphandlers::throw`). Each finds its store and instance through the caller's vmctx.
//!
//! Bulk operations check bounds before writing anything, as the spec asks,
//! and report an out-of-bounds operation by returning nonzero; the
//! generated code then raises the trap. The grow builtins consult the
//! store's resource limiter; when it fails they record its error as a host
//! failure and return `GROW_TRAP`, and the generated code traps.

use crate::exception::ExnId;
use crate::gc_heap::ArraySlice;
use crate::host_func::HostFailure;
use crate::instance::{Instance, InstanceId};
use crate::module::ModuleCode;
use crate::store::VMStore;
use crate::trap::HostError;
use crate::traphandlers;
use crate::vmcontext::VMStoreContext;
use egret_frontend::builtins::{
    ARRAY_NEW_OUT_OF_BOUNDS, ARRAY_OUT_OF_BOUNDS, Builtin, EPOCH_CONTINUE, EPOCH_FAILED,
    EPOCH_INTERRUPT, GROW_FAILED, GROW_TRAP, SEGMENT_OK, SEGMENT_OUT_OF_BOUNDS,
};
use egret_frontend::types::SigId;
use egret_frontend::vmoffsets::VMOffsets;
use std::panic::{self, AssertUnwindSafe};
use std::sync::LazyLock;

const OK: u32 = 0;
const TRAP: u32 = 1;

/// Finds the store and instance of the calling wasm code: the store as
/// lent by the call into wasm in progress (see `VMStore::call`).
///
/// # Safety
/// `vmctx` must be the vmctx of an instance of a live store that is
/// currently running wasm (true for every call from generated code). The
/// borrow must end before the libcall returns.
unsafe fn caller<'a>(vmctx: *mut u8) -> (&'a mut dyn VMStore, InstanceId) {
    // SAFETY: per the contract, the vmctx header holds the store context
    // pointer and the instance id (VMOffsets).
    let (context, id) = unsafe {
        (
            vmctx
                .add(VMOffsets::STORE_CTX as usize)
                .cast::<*mut VMStoreContext>()
                .read(),
            vmctx
                .add(VMOffsets::INSTANCE_ID as usize)
                .cast::<u64>()
                .read(),
        )
    };
    // SAFETY: the context lives as long as its store; wasm runs only
    // inside `VMStore::call`, which lent the store there.
    let store = unsafe { (*context).store }
        .expect("wasm runs only while a call has lent its store to the store context");
    // SAFETY: the lending call does not use the store until wasm returns,
    // and generated code holds no reference to it: this is the only borrow.
    (unsafe { &mut *store.as_ptr() }, InstanceId(id as u32))
}

/// `[start, start+len)` as indices, if it fits within `size`.
pub(crate) fn range(start: u64, len: u64, size: u64) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(len)?;
    (end <= size).then_some(start as usize..end as usize)
}

/// The result of a grow builtin: the old size, `GROW_FAILED` if refused,
/// or `GROW_TRAP` after recording why the limiter failed (or panicked).
fn grow_result(
    store: &mut dyn VMStore,
    grow: impl FnOnce(&mut dyn VMStore) -> Result<Option<u64>, HostError>,
) -> u64 {
    // The limiter is embedder code: a panic must not unwind into generated
    // code, so it is caught here and resumed when the trap reaches the host.
    let failure = match panic::catch_unwind(AssertUnwindSafe(|| grow(&mut *store))) {
        Ok(Ok(Some(old))) => return old,
        Ok(Ok(None)) => return GROW_FAILED as u64,
        Ok(Err(error)) => HostFailure::Error(error),
        Err(payload) => HostFailure::Panic(payload),
    };
    store.opaque_mut().set_host_failure(failure);
    GROW_TRAP as u64
}

unsafe extern "C" fn memory_grow(vmctx: *mut u8, memory: u32, delta: u64) -> u64 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let id = store.opaque().instance(instance).memory(memory);
    grow_result(store, |store| store.grow_memory(id, delta))
}

unsafe extern "C" fn memory_fill(
    vmctx: *mut u8,
    memory: u32,
    dst: u64,
    byte: u32,
    len: u64,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let store = store.opaque_mut();
    let id = store.instance(instance).memory(memory);
    let memory = store.memory_mut(id);
    match range(dst, len, memory.byte_len() as u64) {
        Some(r) => {
            memory.data_mut()[r].fill(byte as u8);
            OK
        }
        None => TRAP,
    }
}

unsafe extern "C" fn memory_copy(
    vmctx: *mut u8,
    dst_memory: u32,
    dst: u64,
    src_memory: u32,
    src: u64,
    len: u64,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let store = store.opaque();
    let dst_memory = store.memory(store.instance(instance).memory(dst_memory));
    let src_memory = store.memory(store.instance(instance).memory(src_memory));
    let (Some(d), Some(s)) = (
        range(dst, len, dst_memory.byte_len() as u64),
        range(src, len, src_memory.byte_len() as u64),
    ) else {
        return TRAP;
    };
    // SAFETY: both ranges are inside their memories' accessible bytes
    // (checked above); `copy` is a memmove, so overlap is fine.
    unsafe {
        std::ptr::copy(
            src_memory.base().add(s.start),
            dst_memory.base().add(d.start),
            d.len(),
        )
    };
    OK
}

/// The bytes of data segment `data` of `instance`, whose module is
/// `module` (a clone the caller holds, so the bytes outlive borrows of
/// the store); none once the segment is dropped.
fn data_bytes<'m>(instance: &Instance, module: &'m ModuleCode, data: u32) -> &'m [u8] {
    if instance.dropped_data[data as usize] {
        &[]
    } else {
        &module.compiled().info().data[data as usize].bytes
    }
}

unsafe extern "C" fn memory_init(
    vmctx: *mut u8,
    memory: u32,
    data: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let store = store.opaque_mut();
    let inst = store.instance(instance);
    let module = inst.module().clone();
    let bytes = data_bytes(inst, &module, data);
    let id = inst.memory(memory);
    let memory = store.memory_mut(id);
    let (Some(d), Some(s)) = (
        range(dst, u64::from(len), memory.byte_len() as u64),
        range(u64::from(src), u64::from(len), bytes.len() as u64),
    ) else {
        return TRAP;
    };
    memory.data_mut()[d].copy_from_slice(&bytes[s]);
    OK
}

unsafe extern "C" fn data_drop(vmctx: *mut u8, data: u32) {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    store.opaque_mut().instance_mut(instance).dropped_data[data as usize] = true;
}

unsafe extern "C" fn table_grow(vmctx: *mut u8, table: u32, delta: u64, init: u64) -> u64 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let id = store.opaque().instance(instance).table(table);
    // SAFETY: `init` is a value of the table's type (validated), made by
    // wasm running in this store.
    grow_result(store, |store| unsafe {
        store.grow_table(id, delta, init as usize)
    })
}

unsafe extern "C" fn table_fill(vmctx: *mut u8, table: u32, dst: u64, value: u64, len: u64) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let store = store.opaque_mut();
    let id = store.instance(instance).table(table);
    let table = store.table_mut(id);
    match range(dst, len, table.size()) {
        Some(r) => {
            table.elements_mut()[r].fill(value as usize);
            OK
        }
        None => TRAP,
    }
}

unsafe extern "C" fn table_copy(
    vmctx: *mut u8,
    dst_table: u32,
    dst: u64,
    src_table: u32,
    src: u64,
    len: u64,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let store = store.opaque_mut();
    let dst_id = store.instance(instance).table(dst_table);
    let src_id = store.instance(instance).table(src_table);
    let Some(s) = range(src, len, store.table(src_id).size()) else {
        return TRAP;
    };
    let Some(d) = range(dst, len, store.table(dst_id).size()) else {
        return TRAP;
    };
    if dst_id == src_id {
        store
            .table_mut(dst_id)
            .elements_mut()
            .copy_within(s, d.start);
    } else {
        let items = store.table(src_id).elements()[s].to_vec();
        store.table_mut(dst_id).elements_mut()[d].copy_from_slice(&items);
    }
    OK
}

unsafe extern "C" fn table_init(
    vmctx: *mut u8,
    table: u32,
    elem: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    match store
        .opaque_mut()
        .init_table(instance, table, elem, dst, src.into(), len.into())
    {
        Ok(()) => OK,
        Err(_) => TRAP,
    }
}

unsafe extern "C" fn elem_drop(vmctx: *mut u8, elem: u32) {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    store
        .opaque_mut()
        .instance_mut(instance)
        .drop_element_segment(elem as usize);
}

unsafe extern "C" fn is_subtype(vmctx: *mut u8, actual: u32, expected: u32) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, _) = unsafe { caller(vmctx) };
    let types = store.opaque().engine().types();
    u32::from(types.is_subtype(SigId(actual), SigId(expected)))
}

pub(crate) unsafe extern "C" fn epoch_deadline_reached(vmctx: *mut u8) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, _) = unsafe { caller(vmctx) };
    // The callback is embedder code: a panic must not unwind into
    // generated code (see `grow_result`).
    let failure = match panic::catch_unwind(AssertUnwindSafe(|| store.epoch_deadline_reached())) {
        Ok(Ok(Some(ticks))) => {
            store.opaque_mut().set_epoch_deadline(ticks);
            return EPOCH_CONTINUE as u32;
        }
        Ok(Ok(None)) => return EPOCH_INTERRUPT as u32,
        Ok(Err(error)) => HostFailure::Error(error),
        Err(payload) => HostFailure::Panic(payload),
    };
    store.opaque_mut().set_host_failure(failure);
    EPOCH_FAILED as u32
}

/// `throw`'s allocation: a new exception of the instance's tag `tag` with
/// the `count` field values at `fields`; 0 (with the reason recorded) if
/// the store cannot hold it. Called through its exit stub, since making an
/// exception may collect garbage.
pub(crate) unsafe extern "C" fn exn_new(
    vmctx: *mut u8,
    tag: u32,
    fields: *const u128,
    count: u32,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let store = store.opaque_mut();
    let tag = store.instance(instance).tag(tag);
    // SAFETY: generated code passes `count` slots, one per field of the
    // tag's type.
    let fields = unsafe { std::slice::from_raw_parts(fields, count as usize) };
    // A collection drops host values, whose `Drop` is embedder code: a
    // panic must not unwind into generated code.
    let made = panic::catch_unwind(AssertUnwindSafe(|| store.new_exception(tag, fields)));
    let failure = match made {
        Ok(Some(id)) => return id.to_raw(),
        Ok(None) => {
            HostFailure::Error("resource limit: the store cannot hold another exception".into())
        }
        Err(payload) => HostFailure::Panic(payload),
    };
    store.set_host_failure(failure);
    0
}

unsafe extern "C" fn exn_fields(vmctx: *mut u8, exn: u32, fields: *mut u128, count: u32) {
    // SAFETY: called from generated code with its own vmctx.
    let (store, _) = unsafe { caller(vmctx) };
    let Some(object) = ExnId::from_raw(exn).and_then(|id| store.opaque().exceptions().get(id))
    else {
        return;
    };
    if object.fields.len() != count as usize {
        return;
    }
    // SAFETY: generated code passes `count` slots, which is the number of
    // fields (checked).
    unsafe { std::ptr::copy_nonoverlapping(object.fields.as_ptr(), fields, object.fields.len()) };
}

pub(crate) unsafe extern "C" fn gc_alloc(
    vmctx: *mut u8,
    type_index: u32,
    size: u64,
    length: u32,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    store.allocate_object(instance, type_index, size, length)
}

unsafe extern "C" fn array_fill(
    vmctx: *mut u8,
    array: u32,
    index: u32,
    count: u32,
    value: *const u8,
    element_size: u32,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, _) = unsafe { caller(vmctx) };
    // SAFETY: generated code passes a 16-byte slot holding the value, and
    // element sizes are at most 16.
    let element = unsafe { std::slice::from_raw_parts(value, element_size.min(16) as usize) };
    let filled = store
        .opaque_mut()
        .gc_heap_mut()
        .is_some_and(|heap| heap.fill_array(array, index, count, element));
    u32::from(!filled)
}

pub(crate) unsafe extern "C" fn array_new_data(
    vmctx: *mut u8,
    type_index: u32,
    data: u32,
    offset: u32,
    length: u32,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let opaque = store.opaque();
    let Some(size) = opaque.array_element_size(instance, type_index) else {
        return 0;
    };
    let inst = opaque.instance(instance);
    let module = inst.module().clone();
    let bytes = data_bytes(inst, &module, data);
    let len = u64::from(length) * u64::from(size);
    let Some(source) = range(u64::from(offset), len, bytes.len() as u64) else {
        return ARRAY_NEW_OUT_OF_BOUNDS;
    };
    // The segment's bytes are copied out before the store is borrowed to
    // allocate.
    let elements = bytes[source].to_vec();
    store.new_array(instance, type_index, length, &elements)
}

pub(crate) unsafe extern "C" fn array_new_elem(
    vmctx: *mut u8,
    type_index: u32,
    elem: u32,
    offset: u32,
    length: u32,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    store.new_array_from_elements(instance, type_index, elem, offset, length)
}

unsafe extern "C" fn array_init_data(
    vmctx: *mut u8,
    array: u32,
    index: u32,
    data: u32,
    offset: u32,
    count: u32,
    element_size: u32,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let store = store.opaque_mut();
    let inst = store.instance(instance);
    let module = inst.module().clone();
    let bytes = data_bytes(inst, &module, data);
    let Some(heap) = store.gc_heap_mut() else {
        return ARRAY_OUT_OF_BOUNDS;
    };
    if !heap.array_has(array, index, count, element_size) {
        return ARRAY_OUT_OF_BOUNDS;
    }
    let len = u64::from(count) * u64::from(element_size);
    let Some(source) = range(u64::from(offset), len, bytes.len() as u64) else {
        return SEGMENT_OUT_OF_BOUNDS;
    };
    heap.init_array(array, index, &bytes[source], element_size);
    SEGMENT_OK
}

unsafe extern "C" fn array_init_elem(
    vmctx: *mut u8,
    array: u32,
    index: u32,
    elem: u32,
    offset: u32,
    count: u32,
    element_size: u32,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, instance) = unsafe { caller(vmctx) };
    let array = ArraySlice {
        array,
        index,
        count,
        element_size,
    };
    store
        .opaque_mut()
        .init_array_from_elements(instance, array, elem, offset)
}

unsafe extern "C" fn array_copy(
    vmctx: *mut u8,
    dst: u32,
    dst_index: u32,
    src: u32,
    src_index: u32,
    count: u32,
    element_size: u32,
) -> u32 {
    // SAFETY: called from generated code with its own vmctx.
    let (store, _) = unsafe { caller(vmctx) };
    let copied = store
        .opaque_mut()
        .gc_heap_mut()
        .is_some_and(|heap| heap.copy_array(dst, dst_index, src, src_index, count, element_size));
    u32::from(!copied)
}

/// The address of a builtin's implementation (for builtins that may
/// collect garbage, its exit stub, which records where wasm left off). The
/// match is exhaustive, so a builtin added to the frontend's list without
/// an implementation here does not compile.
fn address(builtin: Builtin) -> *const u8 {
    match builtin {
        Builtin::memory_grow => memory_grow as *const u8,
        Builtin::gc_alloc => traphandlers::exit_stub(Builtin::gc_alloc),
        Builtin::array_fill => array_fill as *const u8,
        Builtin::array_new_data => traphandlers::exit_stub(Builtin::array_new_data),
        Builtin::array_new_elem => traphandlers::exit_stub(Builtin::array_new_elem),
        Builtin::array_init_data => array_init_data as *const u8,
        Builtin::array_init_elem => array_init_elem as *const u8,
        Builtin::array_copy => array_copy as *const u8,
        Builtin::memory_fill => memory_fill as *const u8,
        Builtin::memory_copy => memory_copy as *const u8,
        Builtin::memory_init => memory_init as *const u8,
        Builtin::data_drop => data_drop as *const u8,
        Builtin::table_grow => table_grow as *const u8,
        Builtin::table_fill => table_fill as *const u8,
        Builtin::table_copy => table_copy as *const u8,
        Builtin::table_init => table_init as *const u8,
        Builtin::elem_drop => elem_drop as *const u8,
        Builtin::is_subtype => is_subtype as *const u8,
        Builtin::epoch_deadline_reached => traphandlers::exit_stub(Builtin::epoch_deadline_reached),
        Builtin::exn_new => traphandlers::exit_stub(Builtin::exn_new),
        Builtin::exn_fields => exn_fields as *const u8,
        Builtin::throw_ref => traphandlers::throw_ref_builtin(),
    }
}

struct BuiltinTable(Box<[*const u8]>);

// SAFETY: the table holds addresses of functions, immutable after creation.
unsafe impl Send for BuiltinTable {}
// SAFETY: as above.
unsafe impl Sync for BuiltinTable {}

static TABLE: LazyLock<BuiltinTable> =
    LazyLock::new(|| BuiltinTable(Builtin::ALL.iter().map(|b| address(*b)).collect()));

/// The builtins table every vmctx points to, in `Builtin::ALL` order.
pub fn table() -> *const *const u8 {
    TABLE.0.as_ptr()
}
