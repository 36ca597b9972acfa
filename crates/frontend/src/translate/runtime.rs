//! The seam between wasm semantics and the runtime's representation.
//!
//! This is the only translator file that knows how the runtime lays out
//! its state: the vmctx fields (`vmoffsets`), the `VMMemoryDefinition`,
//! `VMTableDefinition`, `VMFuncRef` and `VMStoreContext` structures, the
//! builtins table and the builtins' signatures (`builtins`), and the trap
//! codes tied to them (a failed resource limiter, a null `VMFuncRef`
//! faulting in the zero page). The operator files ask it semantic
//! questions ("the base of memory 0", "the address of element `i` of
//! table 1", "call `memory.fill`", "the callee of this function
//! reference", "make an exception") and never compute a vmctx offset
//! themselves. A change of representation, or a new runtime structure
//! (the GC heap and its type information for #16), belongs here, next to
//! the layout it depends on.
//!
//! Memory flags used for the accesses made here:
//! - `FIXED`: fields that never change while the instance lives (the
//!   pointers in the vmctx, memory bases, imported `VMFuncRef`s, the element
//!   array of a table that cannot grow). Such loads are pure, so Cranelift
//!   may merge them and hoist them out of loops.
//! - `MUTABLE`: runtime-owned fields that may change (lengths, table
//!   element arrays, the fuel counter).
//! - Table elements are accessed with a trap code instead
//!   (`table_elem_addr`): an out-of-bounds index makes them fault.
//! - `VALUE`: wasm values in globals and return areas (little-endian).
//! - `HEAP`: linear memory accesses, which may fault in a guard page, in
//!   an alias region of their own (`heap_flags`).

use super::Translation;
use crate::abi;
use crate::builtins::{
    ARRAY_NEW_OUT_OF_BOUNDS, ARRAY_OUT_OF_BOUNDS, Builtin, GROW_TRAP, SEGMENT_OUT_OF_BOUNDS,
};
use crate::traps::{Trap, TrapReason};
use crate::types::{FuncIndex, GlobalIndex, MemoryIndex, TableIndex, ValType};
use crate::vmoffsets::{VMOffsets, func_ref, memory_def, store_ctx, table_def};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::immediates::Offset32;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{
    AliasRegionData, Block, Endianness, GlobalValue, GlobalValueData, Inst, InstBuilder,
    MemFlagsData, SigRef, TrapCode, Type, Value,
};
use cranelift_frontend::FunctionBuilder;

/// Loads of fields that never change.
const FIXED: MemFlagsData = MemFlagsData::trusted().with_readonly().with_can_move();
/// Loads and stores of runtime fields that may change.
const MUTABLE: MemFlagsData = MemFlagsData::trusted();
/// Loads and stores of wasm values kept outside linear memory.
pub(super) const VALUE: MemFlagsData = MemFlagsData::trusted().with_endianness(Endianness::Little);
/// Linear memory accesses, before their alias region is set
/// (`heap_flags`). The trap code is what keeps an out-of-bounds access in
/// the code when its result is unused: the bounds check is the access
/// faulting at the null address the Spectre-guard select gives it
/// (`memory::heap_address`), so without the trap code Cranelift could
/// delete an unused load, and its check with it.
const HEAP: MemFlagsData = MemFlagsData::new()
    .with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS))
    .with_endianness(Endianness::Little);

/// The memory flags of the linear memory accesses of the function `b`
/// builds: `HEAP` in an alias region of their own. Linear memory never
/// overlaps the vmctx, the store's fields or globals, so a store to the
/// heap does not force Cranelift to reload a memory's length or a global
/// after it, as an access without a region would (it counts as a fence).
pub(super) fn heap_flags(b: &mut FunctionBuilder<'_>) -> MemFlagsData {
    let region = b.func.dfg.alias_regions.insert(AliasRegionData {
        user_id: 0,
        description: "linear memory".into(),
    });
    HEAP.with_alias_region(Some(region))
}

/// The memory flags of the accesses to GC objects of the function `b`
/// builds: an alias region of their own, and a trap code, so that a
/// reference no valid program makes faults as a trap (in the heap's guard
/// region) rather than as a crash.
pub(super) fn gc_flags(b: &mut FunctionBuilder<'_>) -> MemFlagsData {
    let region = b.func.dfg.alias_regions.insert(AliasRegionData {
        user_id: 1,
        description: "GC heap".into(),
    });
    MemFlagsData::new()
        .with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS))
        .with_endianness(Endianness::Little)
        .with_alias_region(Some(region))
}

/// The stack limit as a global value, for `Function::stack_limit`:
/// vmctx -> `VMStoreContext` -> `stack_limit`.
pub(super) fn stack_limit(b: &mut FunctionBuilder<'_>) -> GlobalValue {
    let vmctx = b.create_global_value(GlobalValueData::VMContext);
    let flags = b
        .func
        .dfg
        .mem_flags
        .insert_unchecked(MemFlagsData::trusted().with_readonly());
    let store = b.create_global_value(GlobalValueData::Load {
        base: vmctx,
        offset: Offset32::new(VMOffsets::STORE_CTX as i32),
        global_type: I64,
        flags,
    });
    b.create_global_value(GlobalValueData::Load {
        base: store,
        offset: Offset32::new(store_ctx::STACK_LIMIT as i32),
        global_type: I64,
        flags,
    })
}

/// The pointers loaded from fixed vmctx fields in one Cranelift block, by
/// field offset. A later use in the same block reuses the load, which
/// dominates it: at `opt_level=speed` Cranelift's value numbering would
/// merge a duplicate load anyway, so only its work shrinks; at
/// `opt_level=none`, which merges nothing, the code keeps one load where
/// it had several.
#[derive(Default)]
pub(super) struct BlockPointers {
    block: Option<Block>,
    loaded: Vec<(u32, Value)>,
}

impl BlockPointers {
    /// The pointer at `offset` if it was loaded in `block`; those of any
    /// other block are forgotten.
    fn get(&mut self, block: Option<Block>, offset: u32) -> Option<Value> {
        if self.block != block {
            self.block = block;
            self.loaded.clear();
        }
        let found = self.loaded.iter().find(|(at, _)| *at == offset);
        found.map(|&(_, ptr)| ptr)
    }

    /// Records the pointer at `offset` as loaded in the current block.
    fn remember(&mut self, offset: u32, ptr: Value) {
        self.loaded.push((offset, ptr));
    }

    /// Forgets every pointer, for a new function.
    pub(super) fn clear(&mut self) {
        self.block = None;
        self.loaded.clear();
    }
}

impl Translation<'_> {
    /// `base + offset` as an address and a load/store immediate.
    fn address(&mut self, base: Value, offset: u32) -> (Value, i32) {
        match i32::try_from(offset) {
            Ok(offset) => (base, offset),
            Err(_) => (self.b.ins().iadd_imm_u(base, i64::from(offset)), 0),
        }
    }

    /// Loads a `ty` at `base + offset`.
    pub(super) fn load_at(
        &mut self,
        ty: Type,
        flags: MemFlagsData,
        base: Value,
        offset: u32,
    ) -> Value {
        let (addr, offset) = self.address(base, offset);
        self.b.ins().load(ty, flags, addr, offset)
    }

    /// Stores `value` at `base + offset`.
    pub(super) fn store_at(&mut self, flags: MemFlagsData, value: Value, base: Value, offset: u32) {
        let (addr, offset) = self.address(base, offset);
        self.b.ins().store(flags, value, addr, offset);
    }

    /// Loads the pointer at `vmctx + offset`, a field fixed for the
    /// instance's life, or reuses the load of it made earlier in the same
    /// block (`BlockPointers`).
    fn vmctx_ptr(&mut self, offset: u32) -> Value {
        let block = self.b.current_block();
        if let Some(ptr) = self.st.block_pointers.get(block, offset) {
            return ptr;
        }
        let ptr = self.load_at(I64, FIXED, self.vmctx, offset);
        self.st.block_pointers.remember(offset, ptr);
        ptr
    }

    /// Zero-extends an `i32` index or length to `i64`; `i64`s pass through.
    pub(super) fn widen(&mut self, value: Value) -> Value {
        if self.b.func.dfg.value_type(value) == I32 {
            self.b.ins().uextend(I64, value)
        } else {
            value
        }
    }

    // Globals.

    /// Base pointer and offset of a global's storage: in the vmctx for a
    /// defined global, behind the pointer the vmctx holds for an imported
    /// one. The value there is accessed with `VALUE`.
    pub(super) fn global_location(&mut self, index: u32) -> (Value, u32) {
        let global = GlobalIndex(index);
        match self.env.info.defined_global_index(global) {
            Some(defined) => (self.vmctx, self.env.offsets.defined_global(defined)),
            None => {
                let ptr = self.vmctx_ptr(self.env.offsets.imported_global(global));
                (ptr, 0)
            }
        }
    }

    // Linear memories.

    /// The base address of memory `mem`, which never moves.
    pub(super) fn memory_base(&mut self, mem: u32) -> Value {
        self.vmctx_ptr(self.env.offsets.memory_base(MemoryIndex(mem)))
    }

    /// The current length in bytes of memory `mem` (an `i64`), reloaded
    /// at every use since `memory.grow` changes it.
    pub(super) fn memory_length(&mut self, mem: u32) -> Value {
        let offset = self.env.offsets.memory_definition(MemoryIndex(mem));
        let def = self.vmctx_ptr(offset);
        self.load_at(I64, MUTABLE, def, memory_def::CURRENT_LENGTH)
    }

    /// `memory.grow`: the old size in pages (an `i64`) or `GROW_FAILED`.
    pub(super) fn memory_grow(&mut self, mem: u32, delta: Value) -> Value {
        let delta = self.widen(delta);
        let mem = self.i32_const(mem);
        self.call_grow_builtin(Builtin::memory_grow, &[mem, delta])
    }

    /// `memory.fill`, trapping when out of bounds.
    pub(super) fn memory_fill(&mut self, mem: u32, dst: Value, byte: Value, len: Value) {
        let (dst, len) = (self.widen(dst), self.widen(len));
        let mem = self.i32_const(mem);
        self.call_checked_builtin(
            Builtin::memory_fill,
            &[mem, dst, byte, len],
            Trap::MemoryOutOfBounds,
        );
    }

    /// `memory.copy`, trapping when out of bounds.
    pub(super) fn memory_copy(
        &mut self,
        (dst_mem, dst): (u32, Value),
        (src_mem, src): (u32, Value),
        len: Value,
    ) {
        let (dst, src, len) = (self.widen(dst), self.widen(src), self.widen(len));
        let dst_mem = self.i32_const(dst_mem);
        let src_mem = self.i32_const(src_mem);
        self.call_checked_builtin(
            Builtin::memory_copy,
            &[dst_mem, dst, src_mem, src, len],
            Trap::MemoryOutOfBounds,
        );
    }

    /// `memory.init`, trapping when out of bounds.
    pub(super) fn memory_init(&mut self, mem: u32, data: u32, dst: Value, src: Value, len: Value) {
        let dst = self.widen(dst);
        let mem = self.i32_const(mem);
        let data = self.i32_const(data);
        self.call_checked_builtin(
            Builtin::memory_init,
            &[mem, data, dst, src, len],
            Trap::MemoryOutOfBounds,
        );
    }

    /// `data.drop`.
    pub(super) fn data_drop(&mut self, data: u32) {
        let data = self.i32_const(data);
        self.call_builtin(Builtin::data_drop, &[data]);
    }

    // Tables. A table's elements are 8-byte references in the array its
    // `VMTableDefinition` points to, which `table.grow` may move, so both
    // the array and the length are reloaded at every access, except for a
    // table whose maximum is its minimum (see `fixed_table_size`).

    /// The table's `VMTableDefinition` pointer.
    fn table_definition(&mut self, table: TableIndex) -> Value {
        self.vmctx_ptr(self.env.offsets.table_definition(table))
    }

    /// The number of elements of a table that can never grow: one whose
    /// declared maximum is its minimum. An imported table matches its
    /// import only if its size is at least that minimum and its maximum at
    /// most that maximum, so it has exactly this size too; and a table
    /// that never grows never moves its element array
    /// (`runtime::table::Table::grow`).
    fn fixed_table_size(&self, table: TableIndex) -> Option<u64> {
        let ty = &self.env.info.tables[table.index()];
        (ty.maximum == Some(ty.minimum)).then_some(ty.minimum)
    }

    /// The current number of elements of a table (an `i64`).
    pub(super) fn table_length(&mut self, table: TableIndex) -> Value {
        if let Some(size) = self.fixed_table_size(table) {
            return self.b.ins().iconst(I64, size as i64);
        }
        let def = self.table_definition(table);
        self.load_at(I64, MUTABLE, def, table_def::CURRENT_ELEMENTS)
    }

    /// The address of element `index` (an `i32`, or an `i64` of a 64-bit
    /// table) of a table, and the flags to access it with: an access there
    /// traps with `trap` unless `index < length`.
    ///
    /// Subtle: the bounds check does not branch to a trap. The address is
    /// null when out of bounds, where the access faults in the unmapped
    /// zero page at a trap site carrying `trap`, so the check is also the
    /// guard against a mispredicted one (Spectre v1): nothing depends on a
    /// prediction. A 32-bit index masks the address with the sign of
    /// `index - length` (subtract, shift, and), which needs no register
    /// holding zero across the function: in call-heavy loops that frees a
    /// callee-saved register for values the loop reloads otherwise (the
    /// `vcall` kernel's linear-memory base, docs/performance.md). A 64-bit
    /// index selects null with a `select_spectre_guard`, as Wasmtime does
    /// for both. The access must use the returned flags, which carry the
    /// trap code (and keep Cranelift from removing an access whose result
    /// is unused).
    fn table_elem_addr(
        &mut self,
        table: TableIndex,
        index: Value,
        trap: Trap,
    ) -> (Value, MemFlagsData) {
        let def = self.table_definition(table);
        let (len, base) = match self.fixed_table_size(table) {
            // Neither the length nor the array ever changes: the array
            // pointer is loaded once and may be hoisted out of loops.
            Some(size) => (
                self.b.ins().iconst(I64, size as i64),
                self.load_at(I64, FIXED, def, table_def::BASE),
            ),
            None => (
                self.load_at(I64, MUTABLE, def, table_def::CURRENT_ELEMENTS),
                self.load_at(I64, MUTABLE, def, table_def::BASE),
            ),
        };
        let narrow_index = self.b.func.dfg.value_type(index) == I32;
        let index = self.widen(index);
        let byte_offset = self.b.ins().ishl_imm_u(index, 3);
        let addr = self.b.ins().iadd(base, byte_offset);
        let addr = if narrow_index {
            // `index - len` is negative exactly when in bounds: both are
            // below 2^32 (a table never holds more elements than a 32-bit
            // index reaches), so the subtraction cannot wrap. Its sign,
            // spread over the word, keeps the address or clears it.
            let below = self.b.ins().isub(index, len);
            let mask = self.b.ins().sshr_imm_u(below, 63);
            self.b.ins().band(addr, mask)
        } else {
            // A 64-bit index may exceed 2^63: compare instead.
            let oob = self
                .b
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
            let null = self.b.ins().iconst(I64, 0);
            self.b.ins().select_spectre_guard(oob, null, addr)
        };
        let flags = MemFlagsData::new()
            .with_aligned()
            .with_trap_code(Some(trap.code()));
        (addr, flags)
    }

    /// Element `index` of a table, trapping with `trap` when out of bounds.
    pub(super) fn table_get(&mut self, table: TableIndex, index: Value, trap: Trap) -> Value {
        let (addr, flags) = self.table_elem_addr(table, index, trap);
        let element = self.load_at(I64, flags, addr, 0);
        let ty = self.env.info.tables[table.index()].element;
        match abi::clif_type(ValType::Ref(ty)) {
            I32 => self.b.ins().ireduce(I32, element),
            _ => element,
        }
    }

    /// A reference as a table element: every element is 64 bits wide, and
    /// an `i32` reference (an exception's) is stored zero-extended.
    fn as_table_element(&mut self, value: Value) -> Value {
        match self.b.func.dfg.value_type(value) {
            I32 => self.b.ins().uextend(I64, value),
            _ => value,
        }
    }

    /// Sets element `index` of a table, trapping with `TableOutOfBounds`
    /// when out of bounds.
    pub(super) fn table_set(&mut self, table: TableIndex, index: Value, value: Value) {
        let (addr, flags) = self.table_elem_addr(table, index, Trap::TableOutOfBounds);
        let value = self.as_table_element(value);
        self.store_at(flags, value, addr, 0);
    }

    /// `table.grow`: the old size (an `i64`) or `GROW_FAILED`.
    pub(super) fn table_grow(&mut self, table: u32, init: Value, delta: Value) -> Value {
        let delta = self.widen(delta);
        let init = self.as_table_element(init);
        let table = self.i32_const(table);
        self.call_grow_builtin(Builtin::table_grow, &[table, delta, init])
    }

    /// `table.fill`, trapping when out of bounds.
    pub(super) fn table_fill(&mut self, table: u32, dst: Value, value: Value, len: Value) {
        let (dst, len) = (self.widen(dst), self.widen(len));
        let value = self.as_table_element(value);
        let table = self.i32_const(table);
        self.call_checked_builtin(
            Builtin::table_fill,
            &[table, dst, value, len],
            Trap::TableOutOfBounds,
        );
    }

    /// `table.copy`, trapping when out of bounds.
    pub(super) fn table_copy(
        &mut self,
        (dst_table, dst): (u32, Value),
        (src_table, src): (u32, Value),
        len: Value,
    ) {
        let (dst, src, len) = (self.widen(dst), self.widen(src), self.widen(len));
        let dst_table = self.i32_const(dst_table);
        let src_table = self.i32_const(src_table);
        self.call_checked_builtin(
            Builtin::table_copy,
            &[dst_table, dst, src_table, src, len],
            Trap::TableOutOfBounds,
        );
    }

    /// `table.init`, trapping when out of bounds.
    pub(super) fn table_init(&mut self, table: u32, elem: u32, dst: Value, src: Value, len: Value) {
        let dst = self.widen(dst);
        let table = self.i32_const(table);
        let elem = self.i32_const(elem);
        self.call_checked_builtin(
            Builtin::table_init,
            &[table, elem, dst, src, len],
            Trap::TableOutOfBounds,
        );
    }

    /// `elem.drop`.
    pub(super) fn elem_drop(&mut self, elem: u32) {
        let elem = self.i32_const(elem);
        self.call_builtin(Builtin::elem_drop, &[elem]);
    }

    // Function references. A funcref is a pointer to a `VMFuncRef` (code
    // pointer, callee vmctx, engine type id), null being 0; a defined
    // function's lives in the vmctx, an imported one's is pointed to.

    /// The reference of function `func`, as `ref.func` gives it.
    pub(super) fn func_ref(&mut self, func: FuncIndex) -> Value {
        match self.env.info.defined_func_index(func) {
            Some(defined) => {
                let offset = self.env.offsets.defined_func_ref(defined);
                self.b.ins().iadd_imm_u(self.vmctx, i64::from(offset))
            }
            None => self.vmctx_ptr(self.env.offsets.imported_func(func)),
        }
    }

    /// The code pointer and vmctx to call imported function `func` with.
    pub(super) fn imported_callee(&mut self, func: FuncIndex) -> (Value, Value) {
        let ptr = self.vmctx_ptr(self.env.offsets.imported_func(func));
        let code = self.load_at(I64, FIXED, ptr, func_ref::WASM_CALL);
        let vmctx = self.load_at(I64, FIXED, ptr, func_ref::VMCTX);
        (code, vmctx)
    }

    /// The code pointer and vmctx to call a function reference with. With
    /// `null_trap`, a null reference traps with it (the load faults in
    /// the unmapped zero page); without, the caller has already found the
    /// reference non-null.
    pub(super) fn func_ref_callee(
        &mut self,
        reference: Value,
        null_trap: Option<Trap>,
    ) -> (Value, Value) {
        // Only valid once the reference is known to be non-null: not
        // `can_move`.
        let fixed_here = MemFlagsData::trusted().with_readonly();
        let code_flags = match null_trap {
            Some(kind) => MemFlagsData::new().with_trap_code(Some(kind.code())),
            None => fixed_here,
        };
        let code = self.load_at(I64, code_flags, reference, func_ref::WASM_CALL);
        let vmctx = self.load_at(I64, fixed_here, reference, func_ref::VMCTX);
        (code, vmctx)
    }

    /// The engine type id (an `i32`) of a function reference; a null one
    /// traps with `null_trap` (the load faults in the zero page).
    pub(super) fn func_ref_type_id(&mut self, reference: Value, null_trap: Trap) -> Value {
        let flags = MemFlagsData::new().with_trap_code(Some(null_trap.code()));
        self.load_at(I32, flags, reference, func_ref::TYPE_ID)
    }

    /// The engine type id (an `i32`) of the module's type `type_index`.
    pub(super) fn engine_type_id(&mut self, type_index: u32) -> Value {
        let type_ids = self.vmctx_ptr(VMOffsets::TYPE_IDS);
        self.load_at(I32, FIXED, type_ids, type_index * 4)
    }

    /// Whether engine type `actual` is `expected` or declared as its
    /// subtype (a nonzero `i32`), asked of the engine's registry.
    pub(super) fn is_subtype(&mut self, actual: Value, expected: Value) -> Value {
        self.call_builtin_for_value(Builtin::is_subtype, &[actual, expected])
    }

    // The store context: fuel and epochs.

    /// The store's fuel counter (`VMStoreContext::fuel_consumed`).
    pub(super) fn load_fuel_consumed(&mut self) -> Value {
        let ctx = self.vmctx_ptr(VMOffsets::STORE_CTX);
        self.load_at(I64, MUTABLE, ctx, store_ctx::FUEL_CONSUMED)
    }

    /// Writes the store's fuel counter.
    pub(super) fn store_fuel_consumed(&mut self, fuel: Value) {
        let ctx = self.vmctx_ptr(VMOffsets::STORE_CTX);
        self.store_at(MUTABLE, fuel, ctx, store_ctx::FUEL_CONSUMED);
    }

    /// Whether the engine's epoch has reached the store's deadline (an
    /// `i8` condition). The epoch is read with an atomic load: another
    /// thread changes it, and an ordinary load in a loop without stores
    /// would be merged with the one before the loop by Cranelift's
    /// redundant-load elimination. The deadline is reloaded at every check,
    /// since a host function may move it.
    pub(super) fn epoch_deadline_reached(&mut self) -> Value {
        let ctx = self.vmctx_ptr(VMOffsets::STORE_CTX);
        let epoch_ptr = self.load_at(I64, FIXED, ctx, store_ctx::EPOCH_PTR);
        let epoch = self.b.ins().atomic_load(I64, MUTABLE, epoch_ptr);
        let deadline = self.load_at(I64, MUTABLE, ctx, store_ctx::EPOCH_DEADLINE);
        self.b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, epoch, deadline)
    }

    // Builtins.

    /// A builtin's imported signature and its address, loaded from the
    /// builtins table.
    pub(super) fn builtin_callee(&mut self, builtin: Builtin) -> (SigRef, Value) {
        let index = builtin.index();
        if self.st.builtin_sigs.len() <= index {
            self.st.builtin_sigs.resize(index + 1, None);
        }
        let sig = match self.st.builtin_sigs[index] {
            Some(sig) => sig,
            None => {
                let conv = self.env.isa.default_call_conv();
                let sig = self.b.import_signature(builtin.signature(conv));
                self.st.builtin_sigs[index] = Some(sig);
                sig
            }
        };
        let table = self.vmctx_ptr(VMOffsets::BUILTINS);
        let callee = self.b.ins().load(I64, FIXED, table, builtin.table_offset());
        (sig, callee)
    }

    /// Calls a builtin with the vmctx and `args`; returns the call, whose
    /// result (if the builtin has one) is the builtin's.
    fn call_builtin(&mut self, builtin: Builtin, args: &[Value]) -> Inst {
        let (sig, callee) = self.builtin_callee(builtin);
        self.st.args.clear();
        self.st.args.push(self.vmctx);
        self.st.args.extend_from_slice(args);
        self.b.ins().call_indirect(sig, callee, &self.st.args)
    }

    /// Calls a builtin that returns a value, returning it.
    fn call_builtin_for_value(&mut self, builtin: Builtin, args: &[Value]) -> Value {
        let call = self.call_builtin(builtin, args);
        self.b.inst_results(call)[0]
    }

    /// Calls `memory_grow` or `table_grow`, trapping with
    /// `TrapReason::HostFailed` if it reports a failed resource limiter;
    /// returns the old size or `GROW_FAILED`.
    fn call_grow_builtin(&mut self, builtin: Builtin, args: &[Value]) -> Value {
        let old = self.call_builtin_for_value(builtin, args);
        let limiter_failed = self.b.ins().icmp_imm_s(IntCC::Equal, old, GROW_TRAP);
        self.b
            .ins()
            .trapnz(limiter_failed, TrapReason::HostFailed.code());
        old
    }

    /// Calls `epoch_deadline_reached`: what to do now that the epoch
    /// deadline has passed (`EPOCH_CONTINUE`, `EPOCH_INTERRUPT` or
    /// `EPOCH_FAILED`).
    pub(super) fn ask_epoch_callback(&mut self) -> Value {
        self.call_builtin_for_value(Builtin::epoch_deadline_reached, &[])
    }

    // The GC heap.

    /// The base address of the store's GC heap, loaded anew after every
    /// call (the first allocation sets it; see `store_ctx::GC_HEAP_BASE`).
    pub(super) fn gc_heap_base(&mut self) -> Value {
        let ctx = self.vmctx_ptr(VMOffsets::STORE_CTX);
        self.load_at(I64, MUTABLE, ctx, store_ctx::GC_HEAP_BASE)
    }

    /// A new object of this module's struct or array type `type_index`,
    /// `size` bytes (an `i64`) with header, and for an array its `length`
    /// (an `i32`), zero elsewhere. Null when the heap cannot hold it: the
    /// builtin has recorded why.
    pub(super) fn gc_alloc(&mut self, type_index: u32, size: Value, length: Value) -> Value {
        let type_index = self.i32_const(type_index);
        self.call_builtin_for_value(Builtin::gc_alloc, &[type_index, size, length])
    }

    /// Calls `array_new_data` or `array_new_elem` (`builtin`): a new array
    /// of the module's type `type_index` from `length` elements of
    /// `segment` at `offset`. Traps with `segment_trap` when the segment
    /// is too short, `TrapReason::HostFailed` when the heap is full.
    pub(super) fn new_array_from_segment(
        &mut self,
        builtin: Builtin,
        type_index: u32,
        segment: u32,
        offset: Value,
        length: Value,
        segment_trap: Trap,
    ) -> Value {
        let type_index = self.i32_const(type_index);
        let segment = self.i32_const(segment);
        let array = self.call_builtin_for_value(builtin, &[type_index, segment, offset, length]);
        self.b.ins().trapz(array, TrapReason::HostFailed.code());
        let short =
            self.b
                .ins()
                .icmp_imm_u(IntCC::Equal, array, i64::from(ARRAY_NEW_OUT_OF_BOUNDS));
        self.b.ins().trapnz(short, segment_trap.code());
        array
    }

    /// Calls `array_init_data` or `array_init_elem` (`builtin`) with
    /// `args` (array, index, segment, offset, count) and the element size,
    /// trapping `ArrayOutOfBounds` or `segment_trap` as it reports.
    pub(super) fn init_array_from_segment(
        &mut self,
        builtin: Builtin,
        args: [Value; 5],
        element_size: u32,
        segment_trap: Trap,
    ) {
        let element_size = self.i32_const(element_size);
        let [array, index, segment, offset, count] = args;
        let status = self.call_builtin_for_value(
            builtin,
            &[array, index, segment, offset, count, element_size],
        );
        let array_out =
            self.b
                .ins()
                .icmp_imm_u(IntCC::Equal, status, i64::from(ARRAY_OUT_OF_BOUNDS));
        self.b
            .ins()
            .trapnz(array_out, Trap::ArrayOutOfBounds.code());
        let segment_out =
            self.b
                .ins()
                .icmp_imm_u(IntCC::Equal, status, i64::from(SEGMENT_OUT_OF_BOUNDS));
        self.b.ins().trapnz(segment_out, segment_trap.code());
    }

    /// `array.copy` of `count` elements of `element_size` bytes; traps
    /// `ArrayOutOfBounds` when either range exceeds its array.
    pub(super) fn array_copy(&mut self, args: [Value; 5], element_size: u32) {
        let element_size = self.i32_const(element_size);
        let [dst, dst_index, src, src_index, count] = args;
        self.call_checked_builtin(
            Builtin::array_copy,
            &[dst, dst_index, src, src_index, count, element_size],
            Trap::ArrayOutOfBounds,
        );
    }

    /// Sets elements `index..index + count` of array `array` (non-null)
    /// to the `element_size`-byte value at `value`; traps with
    /// `ArrayOutOfBounds` when the range exceeds the array.
    pub(super) fn array_fill(
        &mut self,
        array: Value,
        index: Value,
        count: Value,
        value: Value,
        element_size: u32,
    ) {
        let element_size = self.i32_const(element_size);
        self.call_checked_builtin(
            Builtin::array_fill,
            &[array, index, count, value, element_size],
            Trap::ArrayOutOfBounds,
        );
    }

    /// A new exception of this module's tag `tag` whose `count` fields
    /// are the 16-byte slots at `fields`.
    pub(super) fn new_exception(&mut self, tag: u32, fields: Value, count: usize) -> Value {
        let tag = self.i32_const(tag);
        let count = self.i32_const(count as u32);
        self.call_builtin_for_value(Builtin::exn_new, &[tag, fields, count])
    }

    /// Writes the `count` fields of the exception `exn` to the 16-byte
    /// slots at `fields`.
    pub(super) fn read_exception_fields(&mut self, exn: Value, fields: Value, count: usize) {
        let count = self.i32_const(count as u32);
        self.call_builtin(Builtin::exn_fields, &[exn, fields, count]);
    }

    /// Calls a builtin that returns nonzero to request the trap `kind`.
    fn call_checked_builtin(&mut self, builtin: Builtin, args: &[Value], kind: Trap) {
        let failed = self.call_builtin_for_value(builtin, args);
        self.b.ins().trapnz(failed, kind.code());
    }
}
