//! Access to the vmctx and the structures it points to, and calls to the
//! runtime's builtins.
//!
//! Memory flags used for these accesses:
//! - `FIXED`: fields that never change while the instance lives (the
//!   pointers in the vmctx, memory bases, imported `VMFuncRef`s). Such loads
//!   are pure, so Cranelift may merge them and hoist them out of loops.
//! - `MUTABLE`: runtime-owned fields that may change (lengths, table
//!   element arrays, table elements).
//! - `VALUE`: wasm values in globals and return areas (little-endian).
//! - `HEAP`: linear memory accesses, which may fault in a guard page.

use super::Translation;
use crate::builtins::{Builtin, GROW_TRAP};
use crate::traps::TrapKind;
use crate::vmoffsets::VMOffsets;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{Endianness, Inst, InstBuilder, MemFlagsData, TrapCode, Type, Value};

/// Loads of fields that never change.
pub(super) const FIXED: MemFlagsData = MemFlagsData::trusted().with_readonly().with_can_move();
/// Loads and stores of runtime fields that may change.
pub(super) const MUTABLE: MemFlagsData = MemFlagsData::trusted();
/// Loads and stores of wasm values kept outside linear memory.
pub(super) const VALUE: MemFlagsData = MemFlagsData::trusted().with_endianness(Endianness::Little);
/// Linear memory accesses.
pub(super) const HEAP: MemFlagsData = MemFlagsData::new()
    .with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS))
    .with_endianness(Endianness::Little);

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
    /// instance's life.
    pub(super) fn vmctx_ptr(&mut self, offset: u32) -> Value {
        self.load_at(I64, FIXED, self.vmctx, offset)
    }

    /// Zero-extends an `i32` index or length to `i64`; `i64`s pass through.
    pub(super) fn widen(&mut self, value: Value) -> Value {
        if self.b.func.dfg.value_type(value) == I32 {
            self.b.ins().uextend(I64, value)
        } else {
            value
        }
    }

    /// Calls a builtin with the vmctx and `args`; returns the call, whose
    /// result (if the builtin has one) is the builtin's.
    pub(super) fn call_builtin(&mut self, builtin: Builtin, args: &[Value]) -> Inst {
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
        self.st.args.clear();
        self.st.args.push(self.vmctx);
        self.st.args.extend_from_slice(args);
        self.b.ins().call_indirect(sig, callee, &self.st.args)
    }

    /// Calls a builtin that returns a value, returning it.
    pub(super) fn call_builtin_for_value(&mut self, builtin: Builtin, args: &[Value]) -> Value {
        let call = self.call_builtin(builtin, args);
        self.b.inst_results(call)[0]
    }

    /// Calls `memory_grow` or `table_grow`, trapping with
    /// `HostFunctionFailed` if it reports a failed resource limiter;
    /// returns the old size or `GROW_FAILED`.
    pub(super) fn call_grow_builtin(&mut self, builtin: Builtin, args: &[Value]) -> Value {
        let old = self.call_builtin_for_value(builtin, args);
        let limiter_failed = self.b.ins().icmp_imm_s(IntCC::Equal, old, GROW_TRAP);
        self.b
            .ins()
            .trapnz(limiter_failed, TrapKind::HostFunctionFailed.code());
        old
    }

    /// Calls a builtin that returns nonzero to request the trap `kind`.
    pub(super) fn call_checked_builtin(
        &mut self,
        builtin: Builtin,
        args: &[Value],
        kind: TrapKind,
    ) {
        let failed = self.call_builtin_for_value(builtin, args);
        self.b.ins().trapnz(failed, kind.code());
    }
}
