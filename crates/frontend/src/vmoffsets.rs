//! The layout of the VM context (`vmctx`) and the structures it points to.
//!
//! Subtle: generated code reads these at fixed offsets, and the runtime's
//! `#[repr(C)]` structures in `egret_runtime::vmcontext` must match them
//! exactly (the runtime asserts this with `offset_of!` in its tests). Change
//! both sides together.
//!
//! Every instance has one `vmctx` allocation, 16-byte aligned, laid out per
//! module:
//!
//! ```text
//! 0   *mut VMStoreContext   store-wide state: stack limit, fuel, epochs
//! 8   *const Builtins       table of runtime functions (see builtins.rs)
//! 16  u64                   the instance's id in its store (for libcalls)
//! 24  *const u32            the module's engine type ids, one per type index
//! 32  imported functions    *const VMFuncRef each (the exporter's funcref)
//!     memories              { base: *mut u8, definition: *const VMMemoryDefinition } each
//!     tables                *mut VMTableDefinition each
//!     imported globals      *mut VMGlobalDefinition each
//!     defined globals       VMGlobalDefinition (16 bytes) each, 16-aligned
//!     defined functions     VMFuncRef (32 bytes) each
//! ```
//!
//! A memory never moves once reserved, so its base pointer is copied into
//! the vmctx and generated code may treat it as loop-invariant; only the
//! current length is read through the definition pointer.

use crate::module_info::ModuleInfo;
use crate::types::*;

/// Size of a pointer on every target Egret supports (x86_64, aarch64).
pub const PTR: u32 = 8;

/// Layout of `VMFuncRef`, the representation of a function reference: the
/// value of a funcref, a table element, and what a call goes through.
pub mod func_ref {
    /// Code pointer with the wasm (Tail) calling convention.
    pub const WASM_CALL: u32 = 0;
    /// The callee's vmctx (instance vmctx, or host-function context).
    pub const VMCTX: u32 = 8;
    /// Array-call entry trampoline used by the host to call it (null for host functions).
    pub const ARRAY_CALL: u32 = 16;
    /// Engine-wide signature id (`u32`).
    pub const TYPE_ID: u32 = 24;
    /// Size of the structure.
    pub const SIZE: u32 = 32;
}

/// Layout of `VMMemoryDefinition`.
pub mod memory_def {
    /// Base address (`*mut u8`); fixed for the life of the memory.
    pub const BASE: u32 = 0;
    /// Current length in bytes (`usize`).
    pub const CURRENT_LENGTH: u32 = 8;
    /// Size of the structure.
    pub const SIZE: u32 = 16;
}

/// Layout of `VMTableDefinition`.
pub mod table_def {
    /// Pointer to the first element; elements are pointer-sized
    /// (`*const VMFuncRef` or an externref pointer, null for null).
    pub const BASE: u32 = 0;
    /// Current number of elements (`u64`).
    pub const CURRENT_ELEMENTS: u32 = 8;
    /// Size of the structure.
    pub const SIZE: u32 = 16;
}

/// Layout of `VMStoreContext`, one per store.
pub mod store_ctx {
    /// Lowest stack address wasm may use (`usize`); Cranelift's `stack_limit`.
    pub const STACK_LIMIT: u32 = 0;
    /// Fuel counter (`i64`): negative while fuel remains (see docs/architecture.md).
    pub const FUEL_CONSUMED: u32 = 8;
    /// Epoch at which to interrupt (`u64`).
    pub const EPOCH_DEADLINE: u32 = 16;
    /// Pointer to the engine's current epoch (`*const AtomicU64`).
    pub const EPOCH_PTR: u32 = 24;
    /// Base address of the store's GC heap (`*mut u8`; see `gc_layout`).
    /// Null until the store's first GC allocation, and never changed
    /// after: a reference to an object exists only once it is set, and
    /// generated code loads it anew after every call (which is where the
    /// first allocation can happen).
    pub const GC_HEAP_BASE: u32 = 32;
    /// Frame pointer of the last exit from wasm to the host that may
    /// collect garbage (`usize`): a frame record whose saved frame
    /// pointer and return address are those of the wasm caller. Written
    /// by host trampolines and by the runtime's stubs of the allocating
    /// builtins; the collector walks wasm frames from there.
    pub const LAST_EXIT_FP: u32 = 40;
    /// Size of the structure (the runtime may add fields after this).
    pub const SIZE: u32 = 48;
}

/// Layout of a host function's context, which stands where an instance's
/// vmctx would for a wasm function (`VMFuncRef::vmctx` of a host function).
pub mod host_ctx {
    /// The host function's entry over an array of value slots, which the
    /// host trampoline of most types calls (see `abi.rs`).
    pub const ENTRY: u32 = 0;

    /// The host function's register entry, which the host trampoline of a
    /// register type (`abi::host_call_in_registers`) calls instead, with
    /// the arguments and the result in registers.
    pub const REGISTER_ENTRY: u32 = 8;

    /// Most arguments the register entry takes.
    pub const REGISTER_ARGS: usize = 2;

    /// What the entry returns when the function failed: the trampoline
    /// traps with `TrapReason::HostFailed` (0 is success).
    pub const FAILED: u32 = 1;

    /// What the entry returns when the function threw a wasm exception:
    /// the first value slot (the register entry: its result) holds the
    /// exception reference, which the trampoline throws with the
    /// `throw_ref` builtin.
    pub const THREW: u32 = 2;
}

/// Size of a global's storage (large enough for `v128`).
pub const GLOBAL_SIZE: u32 = 16;

/// Offsets of a module's vmctx fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VMOffsets {
    num_imported_funcs: u32,
    num_memories: u32,
    num_tables: u32,
    num_imported_globals: u32,
    num_defined_globals: u32,
    num_defined_funcs: u32,
    imported_funcs: u32,
    memories: u32,
    tables: u32,
    imported_globals: u32,
    defined_globals: u32,
    defined_funcs: u32,
    size: u32,
}

impl VMOffsets {
    /// Offset of the store context pointer.
    pub const STORE_CTX: u32 = 0;
    /// Offset of the builtins table pointer.
    pub const BUILTINS: u32 = 8;
    /// Offset of the instance's id in its store (`u64`).
    pub const INSTANCE_ID: u32 = 16;
    /// Offset of the pointer to the module's engine type ids: `u32`s, one
    /// per type index, filled when the module is loaded into an engine
    /// (code never holds engine ids as immediates).
    pub const TYPE_IDS: u32 = 24;

    /// Computes the layout for a module.
    pub fn new(module: &ModuleInfo) -> VMOffsets {
        let num_imported_funcs = module.num_imported_funcs;
        let num_memories = module.memories.len() as u32;
        let num_tables = module.tables.len() as u32;
        let num_imported_globals = module.num_imported_globals;
        let num_defined_globals = module.num_defined_globals();
        let num_defined_funcs = module.num_defined_funcs();

        let imported_funcs = 32;
        let memories = imported_funcs + num_imported_funcs * PTR;
        let tables = memories + num_memories * 2 * PTR;
        let imported_globals = tables + num_tables * PTR;
        let defined_globals = (imported_globals + num_imported_globals * PTR).next_multiple_of(16);
        let defined_funcs = defined_globals + num_defined_globals * GLOBAL_SIZE;
        let size = (defined_funcs + num_defined_funcs * func_ref::SIZE).next_multiple_of(16);
        VMOffsets {
            num_imported_funcs,
            num_memories,
            num_tables,
            num_imported_globals,
            num_defined_globals,
            num_defined_funcs,
            imported_funcs,
            memories,
            tables,
            imported_globals,
            defined_globals,
            defined_funcs,
            size,
        }
    }

    /// Total size of the vmctx in bytes (a multiple of 16).
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Offset of the `*const VMFuncRef` of an imported function.
    pub fn imported_func(&self, func: FuncIndex) -> u32 {
        assert!(func.0 < self.num_imported_funcs);
        self.imported_funcs + func.0 * PTR
    }

    /// Offset of a memory's base pointer.
    pub fn memory_base(&self, memory: MemoryIndex) -> u32 {
        assert!(memory.0 < self.num_memories);
        self.memories + memory.0 * 2 * PTR
    }

    /// Offset of a memory's `*const VMMemoryDefinition`.
    pub fn memory_definition(&self, memory: MemoryIndex) -> u32 {
        self.memory_base(memory) + PTR
    }

    /// Offset of a table's `*mut VMTableDefinition`.
    pub fn table_definition(&self, table: TableIndex) -> u32 {
        assert!(table.0 < self.num_tables);
        self.tables + table.0 * PTR
    }

    /// Offset of an imported global's `*mut VMGlobalDefinition`.
    pub fn imported_global(&self, global: GlobalIndex) -> u32 {
        assert!(global.0 < self.num_imported_globals);
        self.imported_globals + global.0 * PTR
    }

    /// Offset of a defined global's storage.
    pub fn defined_global(&self, global: DefinedGlobalIndex) -> u32 {
        assert!(global.0 < self.num_defined_globals);
        self.defined_globals + global.0 * GLOBAL_SIZE
    }

    /// Offset of the defined functions' `VMFuncRef`s, one after another in
    /// function order.
    pub fn defined_func_refs(&self) -> u32 {
        self.defined_funcs
    }

    /// Offset of a defined function's `VMFuncRef`.
    pub fn defined_func_ref(&self, func: DefinedFuncIndex) -> u32 {
        assert!(func.0 < self.num_defined_funcs);
        self.defined_funcs + func.0 * func_ref::SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_overlap_and_globals_are_aligned() {
        let mut module = ModuleInfo {
            num_imported_funcs: 2,
            num_imported_globals: 1,
            ..ModuleInfo::default()
        };
        module.functions = vec![TypeIndex(0); 5];
        module.memories = vec![MemoryType::new(1, None)];
        module.tables = vec![TableType::new(RefType::FUNCREF, 0, None); 2];
        let g = GlobalType {
            content: ValType::I32,
            mutable: true,
        };
        module.globals = vec![g; 3];
        let o = VMOffsets::new(&module);
        assert_eq!(o.imported_func(FuncIndex(1)), 40);
        assert_eq!(o.memory_base(MemoryIndex(0)), 48);
        assert_eq!(o.memory_definition(MemoryIndex(0)), 56);
        assert_eq!(o.table_definition(TableIndex(1)), 72);
        assert_eq!(o.imported_global(GlobalIndex(0)), 80);
        assert_eq!(o.defined_global(DefinedGlobalIndex(0)) % 16, 0);
        assert_eq!(o.defined_global(DefinedGlobalIndex(0)), 96);
        assert_eq!(o.defined_func_ref(DefinedFuncIndex(0)), 128);
        assert_eq!(o.size(), 128 + 3 * 32);
    }
}
