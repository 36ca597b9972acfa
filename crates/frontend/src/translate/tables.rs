//! Tables and references: `table.get/set/size/grow/fill/copy/init`,
//! `elem.drop`, `ref.null`, `ref.is_null`, `ref.as_non_null`, `ref.func`.
//!
//! A reference is an `i64` pointer, null being 0: a funcref points to a
//! `VMFuncRef`. Table elements are such pointers, 8 bytes apart, in the
//! array the table's `VMTableDefinition` points to (which `table.grow` may
//! move, so it is reloaded at every access). `table.get`/`table.set` and
//! `call_indirect` check the index inline; the other operations call
//! builtins.

use super::Translation;
use super::env::MUTABLE;
use crate::builtins::Builtin;
use crate::error::CompileError;
use crate::traps::TrapKind;
use crate::types::{FuncIndex, TableIndex};
use crate::vmoffsets::table_def;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, Value};
use wasmparser::RefType;

impl Translation<'_> {
    operator_handlers! { self;
    }

    pub(super) fn visit_table_get(&mut self, table: u32) -> Result<(), CompileError> {
        let index = self.pop()?;
        let addr = self.table_elem_addr(TableIndex(table), index, TrapKind::TableOutOfBounds);
        let value = self.load_at(I64, MUTABLE, addr, 0);
        self.push(value);
        Ok(())
    }

    pub(super) fn visit_table_set(&mut self, table: u32) -> Result<(), CompileError> {
        let (index, value) = self.pop2()?;
        let addr = self.table_elem_addr(TableIndex(table), index, TrapKind::TableOutOfBounds);
        self.store_at(MUTABLE, value, addr, 0);
        Ok(())
    }

    pub(super) fn visit_table_size(&mut self, table: u32) -> Result<(), CompileError> {
        let def = self.table_definition(TableIndex(table));
        let len = self.load_at(I64, MUTABLE, def, table_def::CURRENT_ELEMENTS);
        let len = self.table_index_result(TableIndex(table), len);
        self.push(len);
        Ok(())
    }

    pub(super) fn visit_table_grow(&mut self, table: u32) -> Result<(), CompileError> {
        let (init, delta) = self.pop2()?;
        let delta = self.widen(delta);
        let table_index = self.i32_const(table);
        let old = self.call_grow_builtin(Builtin::table_grow, &[table_index, delta, init]);
        let old = self.table_index_result(TableIndex(table), old);
        self.push(old);
        Ok(())
    }

    pub(super) fn visit_table_fill(&mut self, table: u32) -> Result<(), CompileError> {
        let (dst, value, len) = self.pop3()?;
        let (dst, len) = (self.widen(dst), self.widen(len));
        let table = self.i32_const(table);
        self.call_checked_builtin(
            Builtin::table_fill,
            &[table, dst, value, len],
            TrapKind::TableOutOfBounds,
        );
        Ok(())
    }

    pub(super) fn visit_table_copy(
        &mut self,
        dst_table: u32,
        src_table: u32,
    ) -> Result<(), CompileError> {
        let (dst, src, len) = self.pop3()?;
        let (dst, src, len) = (self.widen(dst), self.widen(src), self.widen(len));
        let dst_table = self.i32_const(dst_table);
        let src_table = self.i32_const(src_table);
        self.call_checked_builtin(
            Builtin::table_copy,
            &[dst_table, dst, src_table, src, len],
            TrapKind::TableOutOfBounds,
        );
        Ok(())
    }

    pub(super) fn visit_table_init(
        &mut self,
        elem_index: u32,
        table: u32,
    ) -> Result<(), CompileError> {
        let (dst, src, len) = self.pop3()?;
        let dst = self.widen(dst);
        let table = self.i32_const(table);
        let elem = self.i32_const(elem_index);
        self.call_checked_builtin(
            Builtin::table_init,
            &[table, elem, dst, src, len],
            TrapKind::TableOutOfBounds,
        );
        Ok(())
    }

    pub(super) fn visit_elem_drop(&mut self, elem_index: u32) -> Result<(), CompileError> {
        let elem = self.i32_const(elem_index);
        self.call_builtin(Builtin::elem_drop, &[elem]);
        Ok(())
    }

    pub(super) fn visit_ref_null(&mut self, hty: wasmparser::HeapType) -> Result<(), CompileError> {
        if RefType::new(true, hty)
            .and_then(crate::types::RefType::from_wasmparser)
            .is_none()
        {
            return Err(CompileError::Unsupported(format!("reference type {hty:?}")));
        }
        let null = self.b.ins().iconst(I64, 0);
        self.push(null);
        Ok(())
    }

    pub(super) fn visit_ref_as_non_null(&mut self) -> Result<(), CompileError> {
        let value = *self
            .st
            .stack
            .last()
            .ok_or_else(|| super::bug("operand stack underflow"))?;
        self.b.ins().trapz(value, TrapKind::NullReference.code());
        Ok(())
    }

    pub(super) fn visit_ref_is_null(&mut self) -> Result<(), CompileError> {
        let value = self.pop()?;
        let is_null = self.b.ins().icmp_imm_u(IntCC::Equal, value, 0);
        let is_null = self.b.ins().uextend(I32, is_null);
        self.push(is_null);
        Ok(())
    }

    pub(super) fn visit_ref_func(&mut self, function_index: u32) -> Result<(), CompileError> {
        let func = FuncIndex(function_index);
        let value = match self.env.info.defined_func_index(func) {
            Some(defined) => {
                let offset = self.env.offsets.defined_func_ref(defined);
                self.b.ins().iadd_imm_u(self.vmctx, i64::from(offset))
            }
            None => self.vmctx_ptr(self.env.offsets.imported_func(func)),
        };
        self.push(value);
        Ok(())
    }

    /// Reduces an element count (`i64`) to the table's index type.
    fn table_index_result(&mut self, table: TableIndex, count: Value) -> Value {
        if self.env.info.tables[table.index()].table64 {
            count
        } else {
            self.b.ins().ireduce(I32, count)
        }
    }

    /// The table's `VMTableDefinition` pointer.
    fn table_definition(&mut self, table: TableIndex) -> Value {
        self.vmctx_ptr(self.env.offsets.table_definition(table))
    }

    /// The address of element `index` (an `i32`, or an `i64` of a 64-bit
    /// table) of a table, trapping with
    /// `trap` unless `index < length`. If the processor
    /// mispredicts the check and runs ahead, it reads element 0 rather
    /// than an address the index chose (a Spectre-v1 guard, as Wasmtime
    /// has by default: one conditional move).
    pub(super) fn table_elem_addr(
        &mut self,
        table: TableIndex,
        index: Value,
        trap: TrapKind,
    ) -> Value {
        let def = self.table_definition(table);
        let len = self.load_at(I64, MUTABLE, def, table_def::CURRENT_ELEMENTS);
        let index = self.widen(index);
        let oob = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.b.ins().trapnz(oob, trap.code());
        let base = self.load_at(I64, MUTABLE, def, table_def::BASE);
        let byte_offset = self.b.ins().ishl_imm_u(index, 3);
        let addr = self.b.ins().iadd(base, byte_offset);
        self.b.ins().select_spectre_guard(oob, base, addr)
    }
}
