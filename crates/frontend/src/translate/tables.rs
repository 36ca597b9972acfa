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
use crate::abi;
use crate::builtins::Builtin;
use crate::error::CompileError;
use crate::traps::TrapKind;
use crate::types::{FuncIndex, TableIndex};
use crate::vmoffsets::table_def;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, Value};
use wasmparser::{Operator, RefType};

impl Translation<'_> {
    /// Translates a table or reference operator; `false` if `op` is not one.
    pub(super) fn table_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        match *op {
            Operator::TableGet { table } => {
                let index = self.pop()?;
                let addr =
                    self.table_elem_addr(TableIndex(table), index, TrapKind::TableOutOfBounds);
                let value = self.load_at(I64, MUTABLE, addr, 0);
                self.push(value);
            }
            Operator::TableSet { table } => {
                let (index, value) = self.pop2()?;
                let addr =
                    self.table_elem_addr(TableIndex(table), index, TrapKind::TableOutOfBounds);
                self.store_at(MUTABLE, value, addr, 0);
            }
            Operator::TableSize { table } => {
                let def = self.table_definition(TableIndex(table));
                let len = self.load_at(I64, MUTABLE, def, table_def::CURRENT_ELEMENTS);
                let len = self.table_index_result(TableIndex(table), len);
                self.push(len);
            }
            Operator::TableGrow { table } => {
                let (init, delta) = self.pop2()?;
                let delta = self.widen(delta);
                let table_index = self.i32_const(table);
                let old = self.call_grow_builtin(Builtin::table_grow, &[table_index, delta, init]);
                let old = self.table_index_result(TableIndex(table), old);
                self.push(old);
            }
            Operator::TableFill { table } => {
                let (dst, value, len) = self.pop3()?;
                let (dst, len) = (self.widen(dst), self.widen(len));
                let table = self.i32_const(table);
                self.call_checked_builtin(
                    Builtin::table_fill,
                    &[table, dst, value, len],
                    TrapKind::TableOutOfBounds,
                );
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let (dst, src, len) = self.pop3()?;
                let (dst, src, len) = (self.widen(dst), self.widen(src), self.widen(len));
                let dst_table = self.i32_const(dst_table);
                let src_table = self.i32_const(src_table);
                self.call_checked_builtin(
                    Builtin::table_copy,
                    &[dst_table, dst, src_table, src, len],
                    TrapKind::TableOutOfBounds,
                );
            }
            Operator::TableInit { elem_index, table } => {
                let (dst, src, len) = self.pop3()?;
                let dst = self.widen(dst);
                let table = self.i32_const(table);
                let elem = self.i32_const(elem_index);
                self.call_checked_builtin(
                    Builtin::table_init,
                    &[table, elem, dst, src, len],
                    TrapKind::TableOutOfBounds,
                );
            }
            Operator::ElemDrop { elem_index } => {
                let elem = self.i32_const(elem_index);
                self.call_builtin(Builtin::elem_drop, &[elem]);
            }
            Operator::RefNull { hty } => {
                let info = self.env.info;
                let Some(ty) = RefType::new(true, hty).and_then(|r| {
                    crate::types::RefType::from_wasmparser(r, &|i| info.type_kind(i))
                }) else {
                    return Err(CompileError::Unsupported(format!("reference type {hty:?}")));
                };
                let null = self
                    .b
                    .ins()
                    .iconst(abi::clif_type(crate::types::ValType::Ref(ty)), 0);
                self.push(null);
            }
            Operator::RefAsNonNull => {
                let value = *self
                    .st
                    .stack
                    .last()
                    .ok_or_else(|| super::bug("operand stack underflow"))?;
                self.b.ins().trapz(value, TrapKind::NullReference.code());
            }
            Operator::RefIsNull => {
                let value = self.pop()?;
                let is_null = self.b.ins().icmp_imm_u(IntCC::Equal, value, 0);
                let is_null = self.b.ins().uextend(I32, is_null);
                self.push(is_null);
            }
            Operator::RefFunc { function_index } => {
                let func = FuncIndex(function_index);
                let value = match self.env.info.defined_func_index(func) {
                    Some(defined) => {
                        let offset = self.env.offsets.defined_func_ref(defined);
                        self.b.ins().iadd_imm_u(self.vmctx, i64::from(offset))
                    }
                    None => self.vmctx_ptr(self.env.offsets.imported_func(func)),
                };
                self.push(value);
            }
            _ => return Ok(false),
        }
        Ok(true)
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
