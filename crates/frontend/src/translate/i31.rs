//! The references of the `any` hierarchy that need no GC heap: `i31`
//! values (`ref.i31`, `i31.get_s`, `i31.get_u`) and `ref.eq`.
//!
//! A reference of the `any` hierarchy is 32 bits: 0 is null, an odd value
//! is an `i31` (its 31-bit payload shifted left once, the low bit set),
//! and an even nonzero one an object in the store's GC heap or a host
//! reference converted into the hierarchy (see `gc_layout`). So an
//! `i31` is made and read with one shift, and `ref.eq` is an integer
//! compare, whatever its operands are (two `i31`s are equal exactly when
//! their payloads are).

use super::Translation;
use crate::error::CompileError;
use crate::traps::Trap;
use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I32;

impl Translation<'_> {
    pub(super) fn visit_ref_i31(&mut self) -> Result<(), CompileError> {
        let value = self.pop()?;
        let shifted = self.b.ins().ishl_imm_u(value, 1);
        let i31 = self.b.ins().bor_imm_u(shifted, 1);
        self.push(i31);
        Ok(())
    }

    pub(super) fn visit_i31_get_s(&mut self) -> Result<(), CompileError> {
        let i31 = self.non_null_i31()?;
        let value = self.b.ins().sshr_imm_u(i31, 1);
        self.push(value);
        Ok(())
    }

    pub(super) fn visit_i31_get_u(&mut self) -> Result<(), CompileError> {
        let i31 = self.non_null_i31()?;
        let value = self.b.ins().ushr_imm_u(i31, 1);
        self.push(value);
        Ok(())
    }

    pub(super) fn visit_ref_eq(&mut self) -> Result<(), CompileError> {
        let b = self.pop()?;
        let a = self.pop()?;
        let equal = self.b.ins().icmp(IntCC::Equal, a, b);
        let equal = self.b.ins().uextend(I32, equal);
        self.push(equal);
        Ok(())
    }

    /// Pops an `i31ref`, trapping if it is null. Validation guarantees it
    /// is an `i31` otherwise.
    fn non_null_i31(&mut self) -> Result<cranelift_codegen::ir::Value, CompileError> {
        let i31 = self.pop()?;
        self.b.ins().trapz(i31, Trap::NullReference.code());
        Ok(i31)
    }
}
