//! Linear memory: loads and stores of every width, `memory.size`,
//! `memory.grow` and the bulk memory operations.
//!
//! The address of an access is `base + zext(index) + offset`. A 32-bit
//! memory reserves enough address space after its 4 GiB index space that,
//! when `Tunables::guard_covers(offset, size)`, any out-of-bounds access
//! lands in never-accessible pages and faults: no explicit check is
//! emitted, the access itself carries the `HEAP_OUT_OF_BOUNDS` trap code.
//! Otherwise (a huge static offset, a 64-bit memory, or a memory of
//! one-byte pages, whose end need not be a host page boundary where
//! protection could stop an access) the access is checked explicitly.
//! For a memory of whole host pages that the module defines, the check
//! is against the end of its reservation, a constant
//! (`MemoryType::reserved_bytes`): the memory never grows past it, and
//! every byte of it beyond the current length faults, so an access that
//! ends inside it is either in bounds or caught, and no length is loaded.
//! Otherwise (an imported memory, whose reservation this module cannot
//! know, or one-byte pages) the access is compared with the memory's
//! current length (`out_of_bounds`): when its offset plus
//! size fit in the declared minimum, which the length never drops below,
//! the index alone is compared with `length - (offset + size)`, so no
//! addition can wrap; otherwise `index + offset + size` is computed, and
//! for a 64-bit memory that addition traps if it wraps around 2^64.
//!
//! Subtle: the compare does not branch to a trap. Its result selects the
//! address with a `select_spectre_guard` (a conditional move, which the
//! processor does not predict): 0 when out of bounds, and the access then
//! reads or writes at null, which faults at a trap site with
//! `HEAP_OUT_OF_BOUNDS` (every heap access carries it), the page at 0
//! never being mapped. So the one compare is both the bounds check and
//! the guard against a mispredicted one (Spectre v1), as in Wasmtime.
//! Hence the static offset is added before that select, never left in the
//! load's immediate: null plus a large offset would be an address again.
//!
//! The base is loaded as a never-changing field (memories do not move),
//! so Cranelift merges and hoists it; the length is reloaded, since
//! `memory.grow` changes it.

use super::Translation;
use crate::error::CompileError;
use crate::types::{DEFAULT_PAGE_SIZE_LOG2, MemoryType};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{InstBuilder, TrapCode, Type, Value};
use wasmparser::{MemArg, MemArgTarget};

/// How a load extends what it reads.
#[derive(Copy, Clone)]
enum Load {
    /// Reads the whole type.
    Full,
    /// Reads 8 bits, sign-extended.
    S8,
    /// Reads 8 bits, zero-extended.
    U8,
    /// Reads 16 bits, sign-extended.
    S16,
    /// Reads 16 bits, zero-extended.
    U16,
    /// Reads 32 bits, sign-extended.
    S32,
    /// Reads 32 bits, zero-extended.
    U32,
}

impl Load {
    /// Bytes accessed when loading a `ty`.
    fn size(self, ty: Type) -> u8 {
        match self {
            Load::Full => ty.bytes() as u8,
            Load::S8 | Load::U8 => 1,
            Load::S16 | Load::U16 => 2,
            Load::S32 | Load::U32 => 4,
        }
    }
}

impl Translation<'_> {
    operator_handlers! { self;
        visit_i32_load(memarg: MemArg) => self.load(&memarg, I32, Load::Full)?,
        visit_i64_load(memarg: MemArg) => self.load(&memarg, I64, Load::Full)?,
        visit_f32_load(memarg: MemArg) => self.load(&memarg, F32, Load::Full)?,
        visit_f64_load(memarg: MemArg) => self.load(&memarg, F64, Load::Full)?,
        visit_i32_load8_s(memarg: MemArg) => self.load(&memarg, I32, Load::S8)?,
        visit_i32_load8_u(memarg: MemArg) => self.load(&memarg, I32, Load::U8)?,
        visit_i32_load16_s(memarg: MemArg) => self.load(&memarg, I32, Load::S16)?,
        visit_i32_load16_u(memarg: MemArg) => self.load(&memarg, I32, Load::U16)?,
        visit_i64_load8_s(memarg: MemArg) => self.load(&memarg, I64, Load::S8)?,
        visit_i64_load8_u(memarg: MemArg) => self.load(&memarg, I64, Load::U8)?,
        visit_i64_load16_s(memarg: MemArg) => self.load(&memarg, I64, Load::S16)?,
        visit_i64_load16_u(memarg: MemArg) => self.load(&memarg, I64, Load::U16)?,
        visit_i64_load32_s(memarg: MemArg) => self.load(&memarg, I64, Load::S32)?,
        visit_i64_load32_u(memarg: MemArg) => self.load(&memarg, I64, Load::U32)?,
        visit_i32_store(memarg: MemArg) => self.store(&memarg, None)?,
        visit_i64_store(memarg: MemArg) => self.store(&memarg, None)?,
        visit_f32_store(memarg: MemArg) => self.store(&memarg, None)?,
        visit_f64_store(memarg: MemArg) => self.store(&memarg, None)?,
        visit_i32_store8(memarg: MemArg) => self.store(&memarg, Some(1))?,
        visit_i64_store8(memarg: MemArg) => self.store(&memarg, Some(1))?,
        visit_i32_store16(memarg: MemArg) => self.store(&memarg, Some(2))?,
        visit_i64_store16(memarg: MemArg) => self.store(&memarg, Some(2))?,
        visit_i64_store32(memarg: MemArg) => self.store(&memarg, Some(4))?,
    }

    pub(super) fn visit_memory_size(&mut self, mem: u32) -> Result<(), CompileError> {
        let len = self.memory_length(mem);
        let page_size_log2 = self.memory_type(mem).page_size_log2;
        let pages = self.b.ins().ushr_imm_u(len, i64::from(page_size_log2));
        let pages = self.index_result(mem, pages);
        self.push(pages);
        Ok(())
    }

    pub(super) fn visit_memory_grow(&mut self, mem: u32) -> Result<(), CompileError> {
        let delta = self.pop()?;
        let old = self.memory_grow(mem, delta);
        let old = self.index_result(mem, old);
        self.push(old);
        Ok(())
    }

    pub(super) fn visit_memory_fill(&mut self, mem: u32) -> Result<(), CompileError> {
        let (dst, byte, len) = self.pop3()?;
        self.memory_fill(mem, dst, byte, len);
        Ok(())
    }

    pub(super) fn visit_memory_copy(
        &mut self,
        dst_mem: u32,
        src_mem: u32,
    ) -> Result<(), CompileError> {
        let (dst, src, len) = self.pop3()?;
        self.memory_copy((dst_mem, dst), (src_mem, src), len);
        Ok(())
    }

    pub(super) fn visit_memory_init(
        &mut self,
        data_index: u32,
        mem: u32,
    ) -> Result<(), CompileError> {
        let (dst, src, len) = self.pop3()?;
        self.memory_init(mem, data_index, dst, src, len);
        Ok(())
    }

    pub(super) fn visit_data_drop(&mut self, data_index: u32) -> Result<(), CompileError> {
        self.data_drop(data_index);
        Ok(())
    }

    fn memory_type(&self, mem: u32) -> &MemoryType {
        &self.env.info.memories[mem as usize]
    }

    /// Reduces a page count (`i64`) to the memory's index type.
    fn index_result(&mut self, mem: u32, pages: Value) -> Value {
        if self.memory_type(mem).memory64 {
            pages
        } else {
            self.b.ins().ireduce(I32, pages)
        }
    }

    fn load(&mut self, memarg: &MemArg, ty: Type, kind: Load) -> Result<(), CompileError> {
        let index = self.pop()?;
        let (addr, offset) = self.heap_address(memarg, index, kind.size(ty))?;
        let ins = self.b.ins();
        let value = match kind {
            Load::Full => ins.load(ty, self.heap, addr, offset),
            Load::S8 => ins.sload8(ty, self.heap, addr, offset),
            Load::U8 => ins.uload8(ty, self.heap, addr, offset),
            Load::S16 => ins.sload16(ty, self.heap, addr, offset),
            Load::U16 => ins.uload16(ty, self.heap, addr, offset),
            Load::S32 => ins.sload32(self.heap, addr, offset),
            Load::U32 => ins.uload32(self.heap, addr, offset),
        };
        self.push(value);
        Ok(())
    }

    /// Stores the top operand, or its low `narrow` bytes.
    fn store(&mut self, memarg: &MemArg, narrow: Option<u8>) -> Result<(), CompileError> {
        let (index, value) = self.pop2()?;
        let size = match narrow {
            Some(size) => size,
            None => self.b.func.dfg.value_type(value).bytes() as u8,
        };
        let (addr, offset) = self.heap_address(memarg, index, size)?;
        let ins = self.b.ins();
        match narrow {
            None => ins.store(self.heap, value, addr, offset),
            Some(1) => ins.istore8(self.heap, value, addr, offset),
            Some(2) => ins.istore16(self.heap, value, addr, offset),
            Some(_) => ins.istore32(self.heap, value, addr, offset),
        };
        Ok(())
    }

    /// The address and immediate offset of a `size`-byte access at
    /// `index + memarg.offset`, after any bounds check it needs.
    pub(super) fn heap_address(
        &mut self,
        memarg: &MemArg,
        index: Value,
        size: u8,
    ) -> Result<(Value, i32), CompileError> {
        let mem = match memarg.target {
            MemArgTarget::Memory(mem) => mem,
            MemArgTarget::Array(_) => {
                return Err(CompileError::Unsupported("GC array accesses".into()));
            }
        };
        let ty = *self.memory_type(mem);
        let memory64 = ty.memory64;
        let offset = memarg.offset;
        let size = u64::from(size);
        let base = self.memory_base(mem);
        let index = self.widen(index);

        // Page protection ends a memory only at a host page boundary, which
        // 64 KiB pages always are and one-byte pages need not be.
        let whole_host_pages = ty.page_size_log2 == DEFAULT_PAGE_SIZE_LOG2;
        if !memory64 && whole_host_pages && self.env.tunables.guard_covers(offset, size) {
            // The guard region catches any out-of-bounds access.
            let addr = self.b.ins().iadd(base, index);
            return Ok(match i32::try_from(offset) {
                Ok(offset) => (addr, offset),
                Err(_) => (self.b.ins().iadd_imm_u(addr, offset as i64), 0),
            });
        }

        let oob = match self.reserved_bytes(mem, &ty) {
            Some(reserved) if offset.saturating_add(size) <= reserved => {
                // Below the end of the reservation an access is either in
                // bounds or faults: compare with that constant, no length
                // to load.
                let limit = self.b.ins().iconst(I64, (reserved - offset - size) as i64);
                self.b.ins().icmp(IntCC::UnsignedGreaterThan, index, limit)
            }
            _ => {
                let len = self.memory_length(mem);
                self.out_of_bounds(&ty, index, offset, size, len)
            }
        };
        // No `trapnz`: the Spectre guard is the check (see the module
        // documentation). The whole address, offset included, becomes
        // null when out of bounds, and the access then faults.
        let addr = self.b.ins().iadd(base, index);
        let addr = match offset {
            0 => addr,
            _ => self.b.ins().iadd_imm_u(addr, offset as i64),
        };
        let null = self.b.ins().iconst(I64, 0);
        let addr = self.b.ins().select_spectre_guard(oob, null, addr);
        Ok((addr, 0))
    }

    /// The size of the reservation memory `mem` lives in, when generated
    /// code may rely on it: the module defines the memory (an imported
    /// one may be larger than its import declares, and reserve more), and
    /// its pages are whole host pages, so that protection stops accesses
    /// exactly at its current length.
    fn reserved_bytes(&self, mem: u32, ty: &MemoryType) -> Option<u64> {
        let defined = mem >= self.env.info.num_imported_memories;
        let whole_host_pages = ty.page_size_log2 == DEFAULT_PAGE_SIZE_LOG2;
        if !(defined && whole_host_pages) {
            return None;
        }
        ty.reserved_bytes(self.env.tunables.memory_reservation)
    }

    /// Whether a `size`-byte access at `index + offset` (`index` widened to
    /// `i64`) would end beyond `len`, the memory's current length: an `i8`
    /// condition, nonzero when out of bounds.
    fn out_of_bounds(
        &mut self,
        ty: &MemoryType,
        index: Value,
        offset: u64,
        size: u64,
        len: Value,
    ) -> Value {
        let oob = TrapCode::HEAP_OUT_OF_BOUNDS;
        let Some(bound) = offset.checked_add(size) else {
            // Only a 64-bit memory has offsets this large: add in two
            // steps, trapping if either wraps.
            let offset = self.b.ins().iconst(I64, offset as i64);
            let start = self.b.ins().uadd_overflow_trap(index, offset, oob);
            let size = self.b.ins().iconst(I64, size as i64);
            let end = self.b.ins().uadd_overflow_trap(start, size, oob);
            return self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
        };
        if bound == 1 {
            // A one-byte access at offset 0: `index + 1 > len` is
            // `index >= len`, and cannot wrap.
            return self
                .b
                .ins()
                .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        }
        let min_bytes = ty.pages_to_bytes(ty.minimum).unwrap_or(0);
        if bound <= min_bytes {
            // A memory never shrinks, and an imported one is at least the
            // minimum this module declares, so `len >= min_bytes >= bound`
            // and `len - bound` cannot wrap: comparing the index with it
            // needs no overflow check, and accesses of the same `bound`
            // share the subtraction (as they share the length load).
            let bound = self.b.ins().iconst(I64, bound as i64);
            let limit = self.b.ins().isub(len, bound);
            return self.b.ins().icmp(IntCC::UnsignedGreaterThan, index, limit);
        }
        let end = if ty.memory64 {
            // index + bound may wrap: trap if it does.
            let bound = self.b.ins().iconst(I64, bound as i64);
            self.b.ins().uadd_overflow_trap(index, bound, oob)
        } else {
            // index < 2^32 and bound < 2^33: no wrap in 64 bits.
            self.b.ins().iadd_imm_u(index, bound as i64)
        };
        self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len)
    }
}
