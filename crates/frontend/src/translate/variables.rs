//! Locals, globals and the parametric operators (`drop`, `select`).
//!
//! Locals are frontend `Variable`s, so SSA construction is Cranelift's. A
//! defined global lives in the vmctx; an imported one is reached through
//! the pointer the vmctx holds for it. Immutable globals are loaded as
//! never-changing memory, so repeated reads merge.

use super::runtime::VALUE;
use super::{Translation, bug, val_type};
use crate::abi;
use crate::error::CompileError;
use cranelift_codegen::ir::InstBuilder;
use cranelift_frontend::Variable;

impl Translation<'_> {
    operator_handlers! { self;
        visit_select => self.select()?,
    }

    pub(super) fn visit_local_get(&mut self, local_index: u32) -> Result<(), CompileError> {
        let var = self.local(local_index)?;
        let value = self.b.use_var(var);
        self.push(value);
        Ok(())
    }

    pub(super) fn visit_local_set(&mut self, local_index: u32) -> Result<(), CompileError> {
        let var = self.local(local_index)?;
        let value = self.pop()?;
        self.b.def_var(var, value);
        Ok(())
    }

    pub(super) fn visit_local_tee(&mut self, local_index: u32) -> Result<(), CompileError> {
        let var = self.local(local_index)?;
        let value = self.pop()?;
        self.b.def_var(var, value);
        self.push(value);
        Ok(())
    }

    pub(super) fn visit_global_get(&mut self, global_index: u32) -> Result<(), CompileError> {
        let (base, offset) = self.global_location(global_index);
        let global = &self.env.info.globals[global_index as usize];
        let ty = abi::clif_type(global.content);
        let flags = if global.mutable {
            VALUE
        } else {
            VALUE.with_readonly()
        };
        let value = self.load_at(ty, flags, base, offset);
        self.push(value);
        Ok(())
    }

    pub(super) fn visit_global_set(&mut self, global_index: u32) -> Result<(), CompileError> {
        let value = self.pop()?;
        let (base, offset) = self.global_location(global_index);
        self.store_at(VALUE, value, base, offset);
        Ok(())
    }

    pub(super) fn visit_drop(&mut self) -> Result<(), CompileError> {
        self.pop()?;
        Ok(())
    }

    pub(super) fn visit_typed_select(
        &mut self,
        ty: wasmparser::ValType,
    ) -> Result<(), CompileError> {
        val_type(ty, self.env.info)?;
        self.select()?;
        Ok(())
    }

    fn local(&self, index: u32) -> Result<Variable, CompileError> {
        self.st
            .locals
            .get(index as usize)
            .copied()
            .ok_or_else(|| bug("local index out of range"))
    }

    fn select(&mut self) -> Result<(), CompileError> {
        let (x, y, cond) = self.pop3()?;
        let value = self.b.ins().select(cond, x, y);
        self.push(value);
        Ok(())
    }
}
