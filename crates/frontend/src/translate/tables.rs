//! Tables and references: `table.get/set/size/grow/fill/copy/init`,
//! `elem.drop`, `ref.null`, `ref.is_null`, `ref.as_non_null`, `ref.func`.
//!
//! A function or host reference is an `i64` (a funcref points to a
//! `VMFuncRef`), a GC or exception reference an `i32`; null is 0 in every
//! case (`abi::clif_type`), so null checks need not know which.
//!
//! Where table elements live and how they are reached is the runtime
//! seam's (`runtime`): `table.get`/`table.set` (and `call_indirect`)
//! check the index inline there; the other operations call builtins.

use super::Translation;
use crate::abi;
use crate::error::CompileError;
use crate::traps::Trap;
use crate::types::{FuncIndex, TableIndex};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I32;
use cranelift_codegen::ir::{InstBuilder, Value};
use wasmparser::RefType;

impl Translation<'_> {
    pub(super) fn visit_table_get(&mut self, table: u32) -> Result<(), CompileError> {
        let index = self.pop()?;
        let value = self.table_get(TableIndex(table), index, Trap::TableOutOfBounds);
        self.push(value);
        Ok(())
    }

    pub(super) fn visit_table_set(&mut self, table: u32) -> Result<(), CompileError> {
        let (index, value) = self.pop2()?;
        self.table_set(TableIndex(table), index, value);
        Ok(())
    }

    pub(super) fn visit_table_size(&mut self, table: u32) -> Result<(), CompileError> {
        let len = self.table_length(TableIndex(table));
        let len = self.table_index_result(TableIndex(table), len);
        self.push(len);
        Ok(())
    }

    pub(super) fn visit_table_grow(&mut self, table: u32) -> Result<(), CompileError> {
        let (init, delta) = self.pop2()?;
        let old = self.table_grow(table, init, delta);
        let old = self.table_index_result(TableIndex(table), old);
        self.push(old);
        Ok(())
    }

    pub(super) fn visit_table_fill(&mut self, table: u32) -> Result<(), CompileError> {
        let (dst, value, len) = self.pop3()?;
        self.table_fill(table, dst, value, len);
        Ok(())
    }

    pub(super) fn visit_table_copy(
        &mut self,
        dst_table: u32,
        src_table: u32,
    ) -> Result<(), CompileError> {
        let (dst, src, len) = self.pop3()?;
        self.table_copy((dst_table, dst), (src_table, src), len);
        Ok(())
    }

    pub(super) fn visit_table_init(
        &mut self,
        elem_index: u32,
        table: u32,
    ) -> Result<(), CompileError> {
        let (dst, src, len) = self.pop3()?;
        self.table_init(table, elem_index, dst, src, len);
        Ok(())
    }

    pub(super) fn visit_elem_drop(&mut self, elem_index: u32) -> Result<(), CompileError> {
        self.elem_drop(elem_index);
        Ok(())
    }

    pub(super) fn visit_ref_null(&mut self, hty: wasmparser::HeapType) -> Result<(), CompileError> {
        let info = self.env.info;
        let Some(ty) = RefType::new(true, hty)
            .and_then(|r| crate::types::RefType::from_wasmparser(r, &|i| info.type_kind(i)))
        else {
            return Err(CompileError::Unsupported(format!("reference type {hty:?}")));
        };
        let null = self
            .b
            .ins()
            .iconst(abi::clif_type(crate::types::ValType::Ref(ty)), 0);
        self.push(null);
        Ok(())
    }

    pub(super) fn visit_ref_as_non_null(&mut self) -> Result<(), CompileError> {
        let value = *self
            .st
            .stack
            .last()
            .ok_or_else(|| super::bug("operand stack underflow"))?;
        self.b.ins().trapz(value, Trap::NullReference.code());
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
        let value = self.func_ref(FuncIndex(function_index));
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
}
