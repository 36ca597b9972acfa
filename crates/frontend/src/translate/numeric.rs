//! Numeric operators: constants, integer and float arithmetic, comparisons,
//! conversions (trapping and saturating), sign extension, reinterpretation,
//! and wide arithmetic (128-bit add and subtract on `i64` pairs, widening
//! 64-bit multiplies), done on Cranelift `i128` values.
//!
//! Cranelift's instructions already have wasm's semantics: shift counts
//! are taken modulo the width; `sdiv`/`udiv`/`srem`/`urem` trap on a zero
//! divisor (`INTEGER_DIVISION_BY_ZERO`), `sdiv` on `MIN / -1`
//! (`INTEGER_OVERFLOW`), and `srem` defines `MIN % -1` as 0; `fmin`/`fmax`
//! propagate NaN and order -0 below +0; `fcvt_to_sint`/`fcvt_to_uint` trap
//! with `BAD_CONVERSION_TO_INTEGER` on NaN and `INTEGER_OVERFLOW` out of
//! range, which `TrapReason` maps to `Trap::BadConversionToInteger` and
//! `Trap::IntegerOverflow` (the spec's "invalid conversion to integer" and
//! "integer overflow").

use super::Translation;
use crate::error::CompileError;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{F32, F64, I8, I16, I32, I64, I128};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;

impl Translation<'_> {
    operator_handlers! { self;
        visit_i32_eqz | visit_i64_eqz => self.eqz()?,
        visit_i32_eq | visit_i64_eq => self.icmp(IntCC::Equal)?,
        visit_i32_ne | visit_i64_ne => self.icmp(IntCC::NotEqual)?,
        visit_i32_lt_s | visit_i64_lt_s => self.icmp(IntCC::SignedLessThan)?,
        visit_i32_lt_u | visit_i64_lt_u => self.icmp(IntCC::UnsignedLessThan)?,
        visit_i32_gt_s | visit_i64_gt_s => self.icmp(IntCC::SignedGreaterThan)?,
        visit_i32_gt_u | visit_i64_gt_u => self.icmp(IntCC::UnsignedGreaterThan)?,
        visit_i32_le_s | visit_i64_le_s => self.icmp(IntCC::SignedLessThanOrEqual)?,
        visit_i32_le_u | visit_i64_le_u => self.icmp(IntCC::UnsignedLessThanOrEqual)?,
        visit_i32_ge_s | visit_i64_ge_s => self.icmp(IntCC::SignedGreaterThanOrEqual)?,
        visit_i32_ge_u | visit_i64_ge_u => self.icmp(IntCC::UnsignedGreaterThanOrEqual)?,
        visit_f32_eq | visit_f64_eq => self.fcmp(FloatCC::Equal)?,
        visit_f32_ne | visit_f64_ne => self.fcmp(FloatCC::NotEqual)?,
        visit_f32_lt | visit_f64_lt => self.fcmp(FloatCC::LessThan)?,
        visit_f32_gt | visit_f64_gt => self.fcmp(FloatCC::GreaterThan)?,
        visit_f32_le | visit_f64_le => self.fcmp(FloatCC::LessThanOrEqual)?,
        visit_f32_ge | visit_f64_ge => self.fcmp(FloatCC::GreaterThanOrEqual)?,

        visit_i32_clz | visit_i64_clz => self.unary(|b, x| b.ins().clz(x))?,
        visit_i32_ctz | visit_i64_ctz => self.unary(|b, x| b.ins().ctz(x))?,
        visit_i32_popcnt | visit_i64_popcnt => self.unary(|b, x| b.ins().popcnt(x))?,
        visit_i32_add | visit_i64_add => self.binary(|b, x, y| b.ins().iadd(x, y))?,
        visit_i32_sub | visit_i64_sub => self.binary(|b, x, y| b.ins().isub(x, y))?,
        visit_i32_mul | visit_i64_mul => self.binary(|b, x, y| b.ins().imul(x, y))?,
        visit_i32_div_s | visit_i64_div_s => self.binary(|b, x, y| b.ins().sdiv(x, y))?,
        visit_i32_div_u | visit_i64_div_u => self.binary(|b, x, y| b.ins().udiv(x, y))?,
        visit_i32_rem_s | visit_i64_rem_s => self.binary(|b, x, y| b.ins().srem(x, y))?,
        visit_i32_rem_u | visit_i64_rem_u => self.binary(|b, x, y| b.ins().urem(x, y))?,
        visit_i32_and | visit_i64_and => self.binary(|b, x, y| b.ins().band(x, y))?,
        visit_i32_or | visit_i64_or => self.binary(|b, x, y| b.ins().bor(x, y))?,
        visit_i32_xor | visit_i64_xor => self.binary(|b, x, y| b.ins().bxor(x, y))?,
        visit_i32_shl | visit_i64_shl => self.binary(|b, x, y| b.ins().ishl(x, y))?,
        visit_i32_shr_s | visit_i64_shr_s => self.binary(|b, x, y| b.ins().sshr(x, y))?,
        visit_i32_shr_u | visit_i64_shr_u => self.binary(|b, x, y| b.ins().ushr(x, y))?,
        visit_i32_rotl | visit_i64_rotl => self.binary(|b, x, y| b.ins().rotl(x, y))?,
        visit_i32_rotr | visit_i64_rotr => self.binary(|b, x, y| b.ins().rotr(x, y))?,

        visit_f32_abs | visit_f64_abs => self.unary(|b, x| b.ins().fabs(x))?,
        visit_f32_neg | visit_f64_neg => self.unary(|b, x| b.ins().fneg(x))?,
        visit_f32_ceil | visit_f64_ceil => self.unary(|b, x| b.ins().ceil(x))?,
        visit_f32_floor | visit_f64_floor => self.unary(|b, x| b.ins().floor(x))?,
        visit_f32_trunc | visit_f64_trunc => self.unary(|b, x| b.ins().trunc(x))?,
        visit_f32_nearest | visit_f64_nearest => self.unary(|b, x| b.ins().nearest(x))?,
        visit_f32_sqrt | visit_f64_sqrt => self.unary(|b, x| b.ins().sqrt(x))?,
        visit_f32_add | visit_f64_add => self.binary(|b, x, y| b.ins().fadd(x, y))?,
        visit_f32_sub | visit_f64_sub => self.binary(|b, x, y| b.ins().fsub(x, y))?,
        visit_f32_mul | visit_f64_mul => self.binary(|b, x, y| b.ins().fmul(x, y))?,
        visit_f32_div | visit_f64_div => self.binary(|b, x, y| b.ins().fdiv(x, y))?,
        visit_f32_min | visit_f64_min => self.binary(|b, x, y| b.ins().fmin(x, y))?,
        visit_f32_max | visit_f64_max => self.binary(|b, x, y| b.ins().fmax(x, y))?,
        visit_f32_copysign | visit_f64_copysign =>
            self.binary(|b, x, y| b.ins().fcopysign(x, y))?,

        visit_i32_wrap_i64 => self.unary(|b, x| b.ins().ireduce(I32, x))?,
        visit_i64_extend_i32_s => self.unary(|b, x| b.ins().sextend(I64, x))?,
        visit_i64_extend_i32_u => self.unary(|b, x| b.ins().uextend(I64, x))?,
        visit_i32_trunc_f32_s | visit_i32_trunc_f64_s =>
            self.unary(|b, x| b.ins().fcvt_to_sint(I32, x))?,
        visit_i32_trunc_f32_u | visit_i32_trunc_f64_u =>
            self.unary(|b, x| b.ins().fcvt_to_uint(I32, x))?,
        visit_i64_trunc_f32_s | visit_i64_trunc_f64_s =>
            self.unary(|b, x| b.ins().fcvt_to_sint(I64, x))?,
        visit_i64_trunc_f32_u | visit_i64_trunc_f64_u =>
            self.unary(|b, x| b.ins().fcvt_to_uint(I64, x))?,
        visit_i32_trunc_sat_f32_s | visit_i32_trunc_sat_f64_s =>
            self.unary(|b, x| b.ins().fcvt_to_sint_sat(I32, x))?,
        visit_i32_trunc_sat_f32_u | visit_i32_trunc_sat_f64_u =>
            self.unary(|b, x| b.ins().fcvt_to_uint_sat(I32, x))?,
        visit_i64_trunc_sat_f32_s | visit_i64_trunc_sat_f64_s =>
            self.unary(|b, x| b.ins().fcvt_to_sint_sat(I64, x))?,
        visit_i64_trunc_sat_f32_u | visit_i64_trunc_sat_f64_u =>
            self.unary(|b, x| b.ins().fcvt_to_uint_sat(I64, x))?,
        visit_f32_convert_i32_s | visit_f32_convert_i64_s =>
            self.unary(|b, x| b.ins().fcvt_from_sint(F32, x))?,
        visit_f32_convert_i32_u | visit_f32_convert_i64_u =>
            self.unary(|b, x| b.ins().fcvt_from_uint(F32, x))?,
        visit_f64_convert_i32_s | visit_f64_convert_i64_s =>
            self.unary(|b, x| b.ins().fcvt_from_sint(F64, x))?,
        visit_f64_convert_i32_u | visit_f64_convert_i64_u =>
            self.unary(|b, x| b.ins().fcvt_from_uint(F64, x))?,
        visit_f32_demote_f64 => self.unary(|b, x| b.ins().fdemote(F32, x))?,
        visit_f64_promote_f32 => self.unary(|b, x| b.ins().fpromote(F64, x))?,
        visit_i32_reinterpret_f32 => self.reinterpret(I32)?,
        visit_i64_reinterpret_f64 => self.reinterpret(I64)?,
        visit_f32_reinterpret_i32 => self.reinterpret(F32)?,
        visit_f64_reinterpret_i64 => self.reinterpret(F64)?,

        visit_i32_extend8_s | visit_i64_extend8_s => self.sign_extend(I8)?,
        visit_i32_extend16_s | visit_i64_extend16_s => self.sign_extend(I16)?,
        visit_i64_extend32_s => self.sign_extend(I32)?,

        visit_i64_add128 => self.wide_binary(|b, x, y| b.ins().iadd(x, y))?,
        visit_i64_sub128 => self.wide_binary(|b, x, y| b.ins().isub(x, y))?,
        visit_i64_mul_wide_s => self.mul_wide(|b, x| b.ins().sextend(I128, x))?,
        visit_i64_mul_wide_u => self.mul_wide(|b, x| b.ins().uextend(I128, x))?,
    }

    pub(super) fn visit_i32_const(&mut self, value: i32) -> Result<(), CompileError> {
        let v = self.i32_const(value as u32);
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_i64_const(&mut self, value: i64) -> Result<(), CompileError> {
        let v = self.b.ins().iconst(I64, value);
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_f32_const(
        &mut self,
        value: wasmparser::Ieee32,
    ) -> Result<(), CompileError> {
        let v = self.b.ins().f32const(Ieee32::with_bits(value.bits()));
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_f64_const(
        &mut self,
        value: wasmparser::Ieee64,
    ) -> Result<(), CompileError> {
        let v = self.b.ins().f64const(Ieee64::with_bits(value.bits()));
        self.push(v);
        Ok(())
    }

    fn unary(
        &mut self,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value,
    ) -> Result<(), CompileError> {
        let x = self.pop()?;
        let result = f(&mut self.b, x);
        self.push(result);
        Ok(())
    }

    fn binary(
        &mut self,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
    ) -> Result<(), CompileError> {
        let (x, y) = self.pop2()?;
        let result = f(&mut self.b, x, y);
        self.push(result);
        Ok(())
    }

    /// A 128-bit operation on two `(low, high)` pairs of `i64`s, giving
    /// one such pair.
    fn wide_binary(
        &mut self,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
    ) -> Result<(), CompileError> {
        let (x_high, y_low, y_high) = self.pop3()?;
        let x_low = self.pop()?;
        let x = self.b.ins().iconcat(x_low, x_high);
        let y = self.b.ins().iconcat(y_low, y_high);
        let result = f(&mut self.b, x, y);
        self.push_split(result);
        Ok(())
    }

    /// The full 128-bit product of two `i64`s, as `(low, high)`. Cranelift
    /// matches a multiplication of two extended 64-bit values and emits one
    /// widening multiply (x86_64 `mul`/`imul`, aarch64 `mul` with
    /// `umulh`/`smulh`).
    fn mul_wide(
        &mut self,
        extend: impl Fn(&mut FunctionBuilder<'_>, Value) -> Value,
    ) -> Result<(), CompileError> {
        let (x, y) = self.pop2()?;
        let x = extend(&mut self.b, x);
        let y = extend(&mut self.b, y);
        let product = self.b.ins().imul(x, y);
        self.push_split(product);
        Ok(())
    }

    /// Pushes the low then the high half of an `i128`.
    fn push_split(&mut self, value: Value) {
        let (low, high) = self.b.ins().isplit(value);
        self.push(low);
        self.push(high);
    }

    fn eqz(&mut self) -> Result<(), CompileError> {
        self.unary(|b, x| {
            let c = b.ins().icmp_imm_u(IntCC::Equal, x, 0);
            b.ins().uextend(I32, c)
        })
    }

    fn icmp(&mut self, cc: IntCC) -> Result<(), CompileError> {
        self.binary(|b, x, y| {
            let c = b.ins().icmp(cc, x, y);
            b.ins().uextend(I32, c)
        })
    }

    fn fcmp(&mut self, cc: FloatCC) -> Result<(), CompileError> {
        self.binary(|b, x, y| {
            let c = b.ins().fcmp(cc, x, y);
            b.ins().uextend(I32, c)
        })
    }

    fn reinterpret(&mut self, to: Type) -> Result<(), CompileError> {
        self.unary(|b, x| b.ins().bitcast(to, MemFlagsData::new(), x))
    }

    /// Sign-extends the low `from` bits of the operand to its own width.
    fn sign_extend(&mut self, from: Type) -> Result<(), CompileError> {
        self.unary(|b, x| {
            let ty = b.func.dfg.value_type(x);
            let narrow = b.ins().ireduce(from, x);
            b.ins().sextend(ty, narrow)
        })
    }
}
