//! The `#[repr(C)]` structures generated code reads and writes, mirroring
//! the layout in `egret_frontend::vmoffsets` (checked by the tests below).
//!
//! Subtle: every field offset here is baked into generated code. The
//! structures are owned by the store through [`VmBox`](crate::vm_box::VmBox)es
//! (stable addresses, written by generated code and the host alike) and
//! live as long as it does.

use crate::store::VMStore;
use std::ptr::NonNull;
use std::sync::atomic::AtomicU64;

/// A function reference: what a funcref value, a table element and an
/// imported-function slot point to.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct VMFuncRef {
    /// Code with the wasm calling convention.
    pub wasm_call: *const u8,
    /// The callee's vmctx: its instance's, or a host function's context.
    pub vmctx: *mut u8,
    /// Entry trampoline for calls from the host; null for host functions.
    pub array_call: *const u8,
    /// Engine-wide signature id.
    pub type_id: u32,
    /// Padding to 32 bytes.
    pub _pad: u32,
}

/// A linear memory's base and current length.
#[repr(C)]
#[derive(Debug)]
pub struct VMMemoryDefinition {
    /// Start of the memory; never changes.
    pub base: *mut u8,
    /// Current length in bytes.
    pub current_length: usize,
}

/// A table's element array and current length.
#[repr(C)]
#[derive(Debug)]
pub struct VMTableDefinition {
    /// First element; elements are pointer-sized, null is 0.
    pub base: *mut usize,
    /// Current number of elements.
    pub current_elements: u64,
}

/// Storage of one global, large enough for a `v128`, little-endian.
#[repr(C, align(16))]
#[derive(Debug, Default, Clone, Copy)]
pub struct VMGlobalDefinition {
    /// The raw bytes of the value.
    pub bytes: [u8; 16],
}

/// Store-wide state read by generated code.
#[repr(C)]
#[derive(Debug)]
pub struct VMStoreContext {
    /// Lowest stack address wasm may use; 0 while no wasm runs.
    pub stack_limit: usize,
    /// Fuel consumed, offset so that negative means fuel remains.
    pub fuel_consumed: i64,
    /// Epoch at which wasm is interrupted.
    pub epoch_deadline: u64,
    /// The engine's epoch counter.
    pub epoch_ptr: *const AtomicU64,
    /// The store's GC heap (`GcHeap::base`), null until its first GC
    /// allocation.
    pub gc_heap_base: *mut u8,
    /// Frame record of wasm's last exit to code that may collect garbage
    /// (`store_ctx::LAST_EXIT_FP`); 0 when not known: each entry into
    /// wasm clears it, and restores the outer entry's value when it
    /// returns.
    pub last_exit_fp: usize,
    /// The embedder's store while wasm runs in it, set by every entry into
    /// wasm (`VMStore::call`) from the exclusive borrow that entry holds and
    /// restored when it returns; `None` while no call is in progress. Host
    /// functions and libcalls reach the store through it. Not read by
    /// generated code.
    pub store: Option<NonNull<dyn VMStore>>,
    /// The thread whose stack `stack_limit` lies in (the address of its
    /// entry state in `traphandlers`, never 0), which is the thread of the
    /// store's innermost call into wasm; 0 while the limit is 0. Not read
    /// by generated code.
    pub stack_limit_owner: usize,
}

impl Default for VMStoreContext {
    fn default() -> Self {
        VMStoreContext {
            stack_limit: 0,
            fuel_consumed: 0,
            epoch_deadline: u64::MAX,
            epoch_ptr: std::ptr::null(),
            gc_heap_base: std::ptr::null_mut(),
            last_exit_fp: 0,
            store: None,
            stack_limit_owner: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egret_frontend::vmoffsets::{GLOBAL_SIZE, func_ref, memory_def, store_ctx, table_def};
    use std::mem::{offset_of, size_of};

    #[test]
    fn layouts_match_generated_code() {
        assert_eq!(
            offset_of!(VMFuncRef, wasm_call),
            func_ref::WASM_CALL as usize
        );
        assert_eq!(offset_of!(VMFuncRef, vmctx), func_ref::VMCTX as usize);
        assert_eq!(
            offset_of!(VMFuncRef, array_call),
            func_ref::ARRAY_CALL as usize
        );
        assert_eq!(offset_of!(VMFuncRef, type_id), func_ref::TYPE_ID as usize);
        assert_eq!(size_of::<VMFuncRef>(), func_ref::SIZE as usize);
        assert_eq!(
            offset_of!(VMMemoryDefinition, base),
            memory_def::BASE as usize
        );
        assert_eq!(
            offset_of!(VMMemoryDefinition, current_length),
            memory_def::CURRENT_LENGTH as usize
        );
        assert_eq!(size_of::<VMMemoryDefinition>(), memory_def::SIZE as usize);
        assert_eq!(
            offset_of!(VMTableDefinition, base),
            table_def::BASE as usize
        );
        assert_eq!(
            offset_of!(VMTableDefinition, current_elements),
            table_def::CURRENT_ELEMENTS as usize
        );
        assert_eq!(size_of::<VMGlobalDefinition>(), GLOBAL_SIZE as usize);
        assert_eq!(
            offset_of!(VMStoreContext, stack_limit),
            store_ctx::STACK_LIMIT as usize
        );
        assert_eq!(
            offset_of!(VMStoreContext, fuel_consumed),
            store_ctx::FUEL_CONSUMED as usize
        );
        assert_eq!(
            offset_of!(VMStoreContext, epoch_deadline),
            store_ctx::EPOCH_DEADLINE as usize
        );
        assert_eq!(
            offset_of!(VMStoreContext, epoch_ptr),
            store_ctx::EPOCH_PTR as usize
        );
        assert_eq!(
            offset_of!(VMStoreContext, gc_heap_base),
            store_ctx::GC_HEAP_BASE as usize
        );
        assert_eq!(
            offset_of!(VMStoreContext, last_exit_fp),
            store_ctx::LAST_EXIT_FP as usize
        );
        assert!(size_of::<VMStoreContext>() >= store_ctx::SIZE as usize);
    }
}
