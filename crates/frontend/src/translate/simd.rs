//! Fixed-width SIMD: every `v128` operator of WebAssembly 2.0.
//!
//! A `v128` is an `I8X16` wherever it is kept or passed (operand stack,
//! locals, globals, block parameters, calls). Each operator bitcasts its
//! operands to the lane type it works on (`i16x8.add` works on `I16X8`),
//! emits Cranelift's vector instruction and bitcasts the result back to
//! `I8X16`. The bitcasts are little-endian, so lane `i` is always bytes
//! `i * size ..` as in wasm, and they cost nothing in registers.
//!
//! Most operators are one Cranelift instruction and are listed in one
//! table, from operator to lane type and instruction (`Form`). The others are
//! small compositions, written the way Cranelift's backends recognise them
//! as single machine instructions where one exists (`pmaddwd` for `dot`,
//! `minps` for `pmin`, ...).
//!
//! Where wasm and Cranelift agree, the instruction is used as is: shift
//! counts are taken modulo the lane width, `swizzle` gives 0 for indices
//! above 15, `fmin`/`fmax` propagate NaN and order -0 below +0, and the
//! saturating conversions send NaN to 0. `pmin`/`pmax` are not `fmin`/`fmax`:
//! they are defined as a compare and a select (`b < a ? b : a`), which
//! returns the first operand when either is NaN or both are zeros.
//!
//! Memory accesses compute their address and bounds check exactly like
//! scalar ones (`heap_address`), for the number of bytes they touch.
//!
//! On x86_64 `swizzle` and `shuffle` need SSSE3's `pshufb`: without it
//! Cranelift would call a helper that Egret does not provide, so they are
//! reported as unsupported. Everything else lowers with the host's features
//! (rounding without SSE4.1 calls libm functions, `image::HostSymbol`,
//! which the runtime supplies when it loads the code).

use super::Translation;
use crate::error::CompileError;
use Form::{Binary, Fcmp, Icmp, Shift, Unary};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I8, I8X16, I16, I16X8, I32, I32X4, I64X2};
use cranelift_codegen::ir::{
    ConstantData, Endianness, InstBuilder, MemFlagsData, Opcode, Type, Value,
};
use cranelift_frontend::FunctionBuilder;
use target_lexicon::Architecture;
use wasmparser::{MemArg, V128};

/// Flags of the bitcasts between `I8X16` and the lane types.
const LANES: MemFlagsData = MemFlagsData::new().with_endianness(Endianness::Little);

/// How an operator of the one-instruction table is emitted. The type is the lane
/// type of the operands, which is also the instruction's controlling type.
#[derive(Copy, Clone, Debug)]
enum Form {
    /// The instruction applied to one vector.
    Unary(Type, Opcode),
    /// The instruction applied to two vectors.
    Binary(Type, Opcode),
    /// A shift of a vector by an `i32` count.
    Shift(Type, Opcode),
    /// An integer lane comparison (all-ones lanes where true).
    Icmp(Type, IntCC),
    /// A float lane comparison (all-ones lanes where true).
    Fcmp(Type, FloatCC),
}

/// How a `v128` load fills the vector.
#[derive(Copy, Clone, Debug)]
enum VectorLoad {
    /// All 16 bytes.
    Full,
    /// Eight bytes, each sign-extended to a 16-bit lane.
    S8x8,
    /// Eight bytes, each zero-extended to a 16-bit lane.
    U8x8,
    /// Four 16-bit values, each sign-extended to a 32-bit lane.
    S16x4,
    /// Four 16-bit values, each zero-extended to a 32-bit lane.
    U16x4,
    /// Two 32-bit values, each sign-extended to a 64-bit lane.
    S32x2,
    /// Two 32-bit values, each zero-extended to a 64-bit lane.
    U32x2,
    /// One lane of the vector type, copied to every lane.
    Splat(Type),
    /// One lane of the vector type into lane 0, the other lanes zero.
    Zero(Type),
}

/// A vector constant of type `ty` from its 16 little-endian bytes.
fn vector_const(b: &mut FunctionBuilder<'_>, ty: Type, bytes: &[u8]) -> Value {
    let constant = b.func.dfg.constants.insert(ConstantData::from(bytes));
    b.ins().vconst(ty, constant)
}

impl VectorLoad {
    /// Bytes read from memory.
    fn size(self) -> u8 {
        match self {
            VectorLoad::Full => 16,
            VectorLoad::S8x8
            | VectorLoad::U8x8
            | VectorLoad::S16x4
            | VectorLoad::U16x4
            | VectorLoad::S32x2
            | VectorLoad::U32x2 => 8,
            VectorLoad::Splat(ty) | VectorLoad::Zero(ty) => ty.lane_type().bytes() as u8,
        }
    }
}

impl Translation<'_> {
    // The operators that are one Cranelift instruction (see `Form`).
    operator_handlers! { self;
        visit_v128_not => self.emit_form(Unary(I8X16, Opcode::Bnot))?,
        visit_v128_and => self.emit_form(Binary(I8X16, Opcode::Band))?,
        visit_v128_or => self.emit_form(Binary(I8X16, Opcode::Bor))?,
        visit_v128_xor => self.emit_form(Binary(I8X16, Opcode::Bxor))?,

        visit_i8x16_abs => self.emit_form(Unary(I8X16, Opcode::Iabs))?,
        visit_i8x16_neg => self.emit_form(Unary(I8X16, Opcode::Ineg))?,
        visit_i8x16_popcnt => self.emit_form(Unary(I8X16, Opcode::Popcnt))?,
        visit_i8x16_add => self.emit_form(Binary(I8X16, Opcode::Iadd))?,
        visit_i8x16_add_sat_s => self.emit_form(Binary(I8X16, Opcode::SaddSat))?,
        visit_i8x16_add_sat_u => self.emit_form(Binary(I8X16, Opcode::UaddSat))?,
        visit_i8x16_sub => self.emit_form(Binary(I8X16, Opcode::Isub))?,
        visit_i8x16_sub_sat_s => self.emit_form(Binary(I8X16, Opcode::SsubSat))?,
        visit_i8x16_sub_sat_u => self.emit_form(Binary(I8X16, Opcode::UsubSat))?,
        visit_i8x16_min_s => self.emit_form(Binary(I8X16, Opcode::Smin))?,
        visit_i8x16_min_u => self.emit_form(Binary(I8X16, Opcode::Umin))?,
        visit_i8x16_max_s => self.emit_form(Binary(I8X16, Opcode::Smax))?,
        visit_i8x16_max_u => self.emit_form(Binary(I8X16, Opcode::Umax))?,
        visit_i8x16_avgr_u => self.emit_form(Binary(I8X16, Opcode::AvgRound))?,
        visit_i8x16_narrow_i16x8_s => self.emit_form(Binary(I16X8, Opcode::Snarrow))?,
        visit_i8x16_narrow_i16x8_u => self.emit_form(Binary(I16X8, Opcode::Unarrow))?,
        visit_i8x16_shl => self.emit_form(Shift(I8X16, Opcode::Ishl))?,
        visit_i8x16_shr_s => self.emit_form(Shift(I8X16, Opcode::Sshr))?,
        visit_i8x16_shr_u => self.emit_form(Shift(I8X16, Opcode::Ushr))?,

        visit_i16x8_abs => self.emit_form(Unary(I16X8, Opcode::Iabs))?,
        visit_i16x8_neg => self.emit_form(Unary(I16X8, Opcode::Ineg))?,
        visit_i16x8_add => self.emit_form(Binary(I16X8, Opcode::Iadd))?,
        visit_i16x8_add_sat_s => self.emit_form(Binary(I16X8, Opcode::SaddSat))?,
        visit_i16x8_add_sat_u => self.emit_form(Binary(I16X8, Opcode::UaddSat))?,
        visit_i16x8_sub => self.emit_form(Binary(I16X8, Opcode::Isub))?,
        visit_i16x8_sub_sat_s => self.emit_form(Binary(I16X8, Opcode::SsubSat))?,
        visit_i16x8_sub_sat_u => self.emit_form(Binary(I16X8, Opcode::UsubSat))?,
        visit_i16x8_mul => self.emit_form(Binary(I16X8, Opcode::Imul))?,
        visit_i16x8_min_s => self.emit_form(Binary(I16X8, Opcode::Smin))?,
        visit_i16x8_min_u => self.emit_form(Binary(I16X8, Opcode::Umin))?,
        visit_i16x8_max_s => self.emit_form(Binary(I16X8, Opcode::Smax))?,
        visit_i16x8_max_u => self.emit_form(Binary(I16X8, Opcode::Umax))?,
        visit_i16x8_avgr_u => self.emit_form(Binary(I16X8, Opcode::AvgRound))?,
        visit_i16x8_q15mulr_sat_s => self.emit_form(Binary(I16X8, Opcode::SqmulRoundSat))?,
        visit_i16x8_narrow_i32x4_s => self.emit_form(Binary(I32X4, Opcode::Snarrow))?,
        visit_i16x8_narrow_i32x4_u => self.emit_form(Binary(I32X4, Opcode::Unarrow))?,
        visit_i16x8_extend_low_i8x16_s => self.emit_form(Unary(I8X16, Opcode::SwidenLow))?,
        visit_i16x8_extend_high_i8x16_s => self.emit_form(Unary(I8X16, Opcode::SwidenHigh))?,
        visit_i16x8_extend_low_i8x16_u => self.emit_form(Unary(I8X16, Opcode::UwidenLow))?,
        visit_i16x8_extend_high_i8x16_u => self.emit_form(Unary(I8X16, Opcode::UwidenHigh))?,
        visit_i16x8_shl => self.emit_form(Shift(I16X8, Opcode::Ishl))?,
        visit_i16x8_shr_s => self.emit_form(Shift(I16X8, Opcode::Sshr))?,
        visit_i16x8_shr_u => self.emit_form(Shift(I16X8, Opcode::Ushr))?,

        visit_i32x4_abs => self.emit_form(Unary(I32X4, Opcode::Iabs))?,
        visit_i32x4_neg => self.emit_form(Unary(I32X4, Opcode::Ineg))?,
        visit_i32x4_add => self.emit_form(Binary(I32X4, Opcode::Iadd))?,
        visit_i32x4_sub => self.emit_form(Binary(I32X4, Opcode::Isub))?,
        visit_i32x4_mul => self.emit_form(Binary(I32X4, Opcode::Imul))?,
        visit_i32x4_min_s => self.emit_form(Binary(I32X4, Opcode::Smin))?,
        visit_i32x4_min_u => self.emit_form(Binary(I32X4, Opcode::Umin))?,
        visit_i32x4_max_s => self.emit_form(Binary(I32X4, Opcode::Smax))?,
        visit_i32x4_max_u => self.emit_form(Binary(I32X4, Opcode::Umax))?,
        visit_i32x4_extend_low_i16x8_s => self.emit_form(Unary(I16X8, Opcode::SwidenLow))?,
        visit_i32x4_extend_high_i16x8_s => self.emit_form(Unary(I16X8, Opcode::SwidenHigh))?,
        visit_i32x4_extend_low_i16x8_u => self.emit_form(Unary(I16X8, Opcode::UwidenLow))?,
        visit_i32x4_extend_high_i16x8_u => self.emit_form(Unary(I16X8, Opcode::UwidenHigh))?,
        visit_i32x4_shl => self.emit_form(Shift(I32X4, Opcode::Ishl))?,
        visit_i32x4_shr_s => self.emit_form(Shift(I32X4, Opcode::Sshr))?,
        visit_i32x4_shr_u => self.emit_form(Shift(I32X4, Opcode::Ushr))?,

        visit_i64x2_abs => self.emit_form(Unary(I64X2, Opcode::Iabs))?,
        visit_i64x2_neg => self.emit_form(Unary(I64X2, Opcode::Ineg))?,
        visit_i64x2_add => self.emit_form(Binary(I64X2, Opcode::Iadd))?,
        visit_i64x2_sub => self.emit_form(Binary(I64X2, Opcode::Isub))?,
        visit_i64x2_mul => self.emit_form(Binary(I64X2, Opcode::Imul))?,
        visit_i64x2_extend_low_i32x4_s => self.emit_form(Unary(I32X4, Opcode::SwidenLow))?,
        visit_i64x2_extend_high_i32x4_s => self.emit_form(Unary(I32X4, Opcode::SwidenHigh))?,
        visit_i64x2_extend_low_i32x4_u => self.emit_form(Unary(I32X4, Opcode::UwidenLow))?,
        visit_i64x2_extend_high_i32x4_u => self.emit_form(Unary(I32X4, Opcode::UwidenHigh))?,
        visit_i64x2_shl => self.emit_form(Shift(I64X2, Opcode::Ishl))?,
        visit_i64x2_shr_s => self.emit_form(Shift(I64X2, Opcode::Sshr))?,
        visit_i64x2_shr_u => self.emit_form(Shift(I64X2, Opcode::Ushr))?,

        visit_f32x4_abs => self.emit_form(Unary(F32X4, Opcode::Fabs))?,
        visit_f32x4_neg => self.emit_form(Unary(F32X4, Opcode::Fneg))?,
        visit_f32x4_sqrt => self.emit_form(Unary(F32X4, Opcode::Sqrt))?,
        visit_f32x4_ceil => self.emit_form(Unary(F32X4, Opcode::Ceil))?,
        visit_f32x4_floor => self.emit_form(Unary(F32X4, Opcode::Floor))?,
        visit_f32x4_trunc => self.emit_form(Unary(F32X4, Opcode::Trunc))?,
        visit_f32x4_nearest => self.emit_form(Unary(F32X4, Opcode::Nearest))?,
        visit_f32x4_add => self.emit_form(Binary(F32X4, Opcode::Fadd))?,
        visit_f32x4_sub => self.emit_form(Binary(F32X4, Opcode::Fsub))?,
        visit_f32x4_mul => self.emit_form(Binary(F32X4, Opcode::Fmul))?,
        visit_f32x4_div => self.emit_form(Binary(F32X4, Opcode::Fdiv))?,
        visit_f32x4_min => self.emit_form(Binary(F32X4, Opcode::Fmin))?,
        visit_f32x4_max => self.emit_form(Binary(F32X4, Opcode::Fmax))?,

        visit_f64x2_abs => self.emit_form(Unary(F64X2, Opcode::Fabs))?,
        visit_f64x2_neg => self.emit_form(Unary(F64X2, Opcode::Fneg))?,
        visit_f64x2_sqrt => self.emit_form(Unary(F64X2, Opcode::Sqrt))?,
        visit_f64x2_ceil => self.emit_form(Unary(F64X2, Opcode::Ceil))?,
        visit_f64x2_floor => self.emit_form(Unary(F64X2, Opcode::Floor))?,
        visit_f64x2_trunc => self.emit_form(Unary(F64X2, Opcode::Trunc))?,
        visit_f64x2_nearest => self.emit_form(Unary(F64X2, Opcode::Nearest))?,
        visit_f64x2_add => self.emit_form(Binary(F64X2, Opcode::Fadd))?,
        visit_f64x2_sub => self.emit_form(Binary(F64X2, Opcode::Fsub))?,
        visit_f64x2_mul => self.emit_form(Binary(F64X2, Opcode::Fmul))?,
        visit_f64x2_div => self.emit_form(Binary(F64X2, Opcode::Fdiv))?,
        visit_f64x2_min => self.emit_form(Binary(F64X2, Opcode::Fmin))?,
        visit_f64x2_max => self.emit_form(Binary(F64X2, Opcode::Fmax))?,

        visit_i8x16_eq => self.emit_form(Icmp(I8X16, IntCC::Equal))?,
        visit_i8x16_ne => self.emit_form(Icmp(I8X16, IntCC::NotEqual))?,
        visit_i8x16_lt_s => self.emit_form(Icmp(I8X16, IntCC::SignedLessThan))?,
        visit_i8x16_lt_u => self.emit_form(Icmp(I8X16, IntCC::UnsignedLessThan))?,
        visit_i8x16_gt_s => self.emit_form(Icmp(I8X16, IntCC::SignedGreaterThan))?,
        visit_i8x16_gt_u => self.emit_form(Icmp(I8X16, IntCC::UnsignedGreaterThan))?,
        visit_i8x16_le_s => self.emit_form(Icmp(I8X16, IntCC::SignedLessThanOrEqual))?,
        visit_i8x16_le_u => self.emit_form(Icmp(I8X16, IntCC::UnsignedLessThanOrEqual))?,
        visit_i8x16_ge_s => self.emit_form(Icmp(I8X16, IntCC::SignedGreaterThanOrEqual))?,
        visit_i8x16_ge_u => self.emit_form(Icmp(I8X16, IntCC::UnsignedGreaterThanOrEqual))?,
        visit_i16x8_eq => self.emit_form(Icmp(I16X8, IntCC::Equal))?,
        visit_i16x8_ne => self.emit_form(Icmp(I16X8, IntCC::NotEqual))?,
        visit_i16x8_lt_s => self.emit_form(Icmp(I16X8, IntCC::SignedLessThan))?,
        visit_i16x8_lt_u => self.emit_form(Icmp(I16X8, IntCC::UnsignedLessThan))?,
        visit_i16x8_gt_s => self.emit_form(Icmp(I16X8, IntCC::SignedGreaterThan))?,
        visit_i16x8_gt_u => self.emit_form(Icmp(I16X8, IntCC::UnsignedGreaterThan))?,
        visit_i16x8_le_s => self.emit_form(Icmp(I16X8, IntCC::SignedLessThanOrEqual))?,
        visit_i16x8_le_u => self.emit_form(Icmp(I16X8, IntCC::UnsignedLessThanOrEqual))?,
        visit_i16x8_ge_s => self.emit_form(Icmp(I16X8, IntCC::SignedGreaterThanOrEqual))?,
        visit_i16x8_ge_u => self.emit_form(Icmp(I16X8, IntCC::UnsignedGreaterThanOrEqual))?,
        visit_i32x4_eq => self.emit_form(Icmp(I32X4, IntCC::Equal))?,
        visit_i32x4_ne => self.emit_form(Icmp(I32X4, IntCC::NotEqual))?,
        visit_i32x4_lt_s => self.emit_form(Icmp(I32X4, IntCC::SignedLessThan))?,
        visit_i32x4_lt_u => self.emit_form(Icmp(I32X4, IntCC::UnsignedLessThan))?,
        visit_i32x4_gt_s => self.emit_form(Icmp(I32X4, IntCC::SignedGreaterThan))?,
        visit_i32x4_gt_u => self.emit_form(Icmp(I32X4, IntCC::UnsignedGreaterThan))?,
        visit_i32x4_le_s => self.emit_form(Icmp(I32X4, IntCC::SignedLessThanOrEqual))?,
        visit_i32x4_le_u => self.emit_form(Icmp(I32X4, IntCC::UnsignedLessThanOrEqual))?,
        visit_i32x4_ge_s => self.emit_form(Icmp(I32X4, IntCC::SignedGreaterThanOrEqual))?,
        visit_i32x4_ge_u => self.emit_form(Icmp(I32X4, IntCC::UnsignedGreaterThanOrEqual))?,
        visit_i64x2_eq => self.emit_form(Icmp(I64X2, IntCC::Equal))?,
        visit_i64x2_ne => self.emit_form(Icmp(I64X2, IntCC::NotEqual))?,
        visit_i64x2_lt_s => self.emit_form(Icmp(I64X2, IntCC::SignedLessThan))?,
        visit_i64x2_gt_s => self.emit_form(Icmp(I64X2, IntCC::SignedGreaterThan))?,
        visit_i64x2_le_s => self.emit_form(Icmp(I64X2, IntCC::SignedLessThanOrEqual))?,
        visit_i64x2_ge_s => self.emit_form(Icmp(I64X2, IntCC::SignedGreaterThanOrEqual))?,
        visit_f32x4_eq => self.emit_form(Fcmp(F32X4, FloatCC::Equal))?,
        visit_f32x4_ne => self.emit_form(Fcmp(F32X4, FloatCC::NotEqual))?,
        visit_f32x4_lt => self.emit_form(Fcmp(F32X4, FloatCC::LessThan))?,
        visit_f32x4_gt => self.emit_form(Fcmp(F32X4, FloatCC::GreaterThan))?,
        visit_f32x4_le => self.emit_form(Fcmp(F32X4, FloatCC::LessThanOrEqual))?,
        visit_f32x4_ge => self.emit_form(Fcmp(F32X4, FloatCC::GreaterThanOrEqual))?,
        visit_f64x2_eq => self.emit_form(Fcmp(F64X2, FloatCC::Equal))?,
        visit_f64x2_ne => self.emit_form(Fcmp(F64X2, FloatCC::NotEqual))?,
        visit_f64x2_lt => self.emit_form(Fcmp(F64X2, FloatCC::LessThan))?,
        visit_f64x2_gt => self.emit_form(Fcmp(F64X2, FloatCC::GreaterThan))?,
        visit_f64x2_le => self.emit_form(Fcmp(F64X2, FloatCC::LessThanOrEqual))?,
        visit_f64x2_ge => self.emit_form(Fcmp(F64X2, FloatCC::GreaterThanOrEqual))?,
    }

    operator_handlers! { self;
        visit_v128_load(memarg: MemArg) => self.vector_load(&memarg, VectorLoad::Full)?,
        visit_v128_load8x8_s(memarg: MemArg) => self.vector_load(&memarg, VectorLoad::S8x8)?,
        visit_v128_load8x8_u(memarg: MemArg) => self.vector_load(&memarg, VectorLoad::U8x8)?,
        visit_v128_load16x4_s(memarg: MemArg) => self.vector_load(&memarg, VectorLoad::S16x4)?,
        visit_v128_load16x4_u(memarg: MemArg) => self.vector_load(&memarg, VectorLoad::U16x4)?,
        visit_v128_load32x2_s(memarg: MemArg) => self.vector_load(&memarg, VectorLoad::S32x2)?,
        visit_v128_load32x2_u(memarg: MemArg) => self.vector_load(&memarg, VectorLoad::U32x2)?,
        visit_v128_load8_splat(memarg: MemArg) =>
            self.vector_load(&memarg, VectorLoad::Splat(I8X16))?,
        visit_v128_load16_splat(memarg: MemArg) =>
            self.vector_load(&memarg, VectorLoad::Splat(I16X8))?,
        visit_v128_load32_splat(memarg: MemArg) =>
            self.vector_load(&memarg, VectorLoad::Splat(I32X4))?,
        visit_v128_load64_splat(memarg: MemArg) =>
            self.vector_load(&memarg, VectorLoad::Splat(I64X2))?,
        visit_v128_load32_zero(memarg: MemArg) =>
            self.vector_load(&memarg, VectorLoad::Zero(I32X4))?,
        visit_v128_load64_zero(memarg: MemArg) =>
            self.vector_load(&memarg, VectorLoad::Zero(I64X2))?,
        visit_v128_load8_lane(memarg: MemArg, lane: u8) =>
            self.load_lane(&memarg, I8X16, lane)?,
        visit_v128_load16_lane(memarg: MemArg, lane: u8) =>
            self.load_lane(&memarg, I16X8, lane)?,
        visit_v128_load32_lane(memarg: MemArg, lane: u8) =>
            self.load_lane(&memarg, I32X4, lane)?,
        visit_v128_load64_lane(memarg: MemArg, lane: u8) =>
            self.load_lane(&memarg, I64X2, lane)?,
        visit_v128_store8_lane(memarg: MemArg, lane: u8) =>
            self.store_lane(&memarg, I8X16, lane)?,
        visit_v128_store16_lane(memarg: MemArg, lane: u8) =>
            self.store_lane(&memarg, I16X8, lane)?,
        visit_v128_store32_lane(memarg: MemArg, lane: u8) =>
            self.store_lane(&memarg, I32X4, lane)?,
        visit_v128_store64_lane(memarg: MemArg, lane: u8) =>
            self.store_lane(&memarg, I64X2, lane)?,

        visit_i8x16_splat => self.splat(I8X16)?,
        visit_i16x8_splat => self.splat(I16X8)?,
        visit_i32x4_splat => self.splat(I32X4)?,
        visit_i64x2_splat => self.splat(I64X2)?,
        visit_f32x4_splat => self.splat(F32X4)?,
        visit_f64x2_splat => self.splat(F64X2)?,
        visit_i8x16_extract_lane_s(lane: u8) => self.extract_lane(I8X16, lane, true)?,
        visit_i8x16_extract_lane_u(lane: u8) => self.extract_lane(I8X16, lane, false)?,
        visit_i16x8_extract_lane_s(lane: u8) => self.extract_lane(I16X8, lane, true)?,
        visit_i16x8_extract_lane_u(lane: u8) => self.extract_lane(I16X8, lane, false)?,
        visit_i32x4_extract_lane(lane: u8) => self.extract_lane(I32X4, lane, false)?,
        visit_i64x2_extract_lane(lane: u8) => self.extract_lane(I64X2, lane, false)?,
        visit_f32x4_extract_lane(lane: u8) => self.extract_lane(F32X4, lane, false)?,
        visit_f64x2_extract_lane(lane: u8) => self.extract_lane(F64X2, lane, false)?,
        visit_i8x16_replace_lane(lane: u8) => self.replace_lane(I8X16, lane)?,
        visit_i16x8_replace_lane(lane: u8) => self.replace_lane(I16X8, lane)?,
        visit_i32x4_replace_lane(lane: u8) => self.replace_lane(I32X4, lane)?,
        visit_i64x2_replace_lane(lane: u8) => self.replace_lane(I64X2, lane)?,
        visit_f32x4_replace_lane(lane: u8) => self.replace_lane(F32X4, lane)?,
        visit_f64x2_replace_lane(lane: u8) => self.replace_lane(F64X2, lane)?,

        visit_i8x16_all_true => self.all_true(I8X16)?,
        visit_i16x8_all_true => self.all_true(I16X8)?,
        visit_i32x4_all_true => self.all_true(I32X4)?,
        visit_i64x2_all_true => self.all_true(I64X2)?,
        visit_i8x16_bitmask => self.bitmask(I8X16)?,
        visit_i16x8_bitmask => self.bitmask(I16X8)?,
        visit_i32x4_bitmask => self.bitmask(I32X4)?,
        visit_i64x2_bitmask => self.bitmask(I64X2)?,

        visit_i16x8_extmul_low_i8x16_s => self.extmul(I8X16, Opcode::SwidenLow)?,
        visit_i16x8_extmul_high_i8x16_s => self.extmul(I8X16, Opcode::SwidenHigh)?,
        visit_i16x8_extmul_low_i8x16_u => self.extmul(I8X16, Opcode::UwidenLow)?,
        visit_i16x8_extmul_high_i8x16_u => self.extmul(I8X16, Opcode::UwidenHigh)?,
        visit_i32x4_extmul_low_i16x8_s => self.extmul(I16X8, Opcode::SwidenLow)?,
        visit_i32x4_extmul_high_i16x8_s => self.extmul(I16X8, Opcode::SwidenHigh)?,
        visit_i32x4_extmul_low_i16x8_u => self.extmul(I16X8, Opcode::UwidenLow)?,
        visit_i32x4_extmul_high_i16x8_u => self.extmul(I16X8, Opcode::UwidenHigh)?,
        visit_i64x2_extmul_low_i32x4_s => self.extmul(I32X4, Opcode::SwidenLow)?,
        visit_i64x2_extmul_high_i32x4_s => self.extmul(I32X4, Opcode::SwidenHigh)?,
        visit_i64x2_extmul_low_i32x4_u => self.extmul(I32X4, Opcode::UwidenLow)?,
        visit_i64x2_extmul_high_i32x4_u => self.extmul(I32X4, Opcode::UwidenHigh)?,
        visit_i16x8_extadd_pairwise_i8x16_s => self.extadd_pairwise(I8X16, true)?,
        visit_i16x8_extadd_pairwise_i8x16_u => self.extadd_pairwise(I8X16, false)?,
        visit_i32x4_extadd_pairwise_i16x8_s => self.extadd_pairwise(I16X8, true)?,
        visit_i32x4_extadd_pairwise_i16x8_u => self.extadd_pairwise(I16X8, false)?,

        visit_f32x4_pmin => self.pseudo_min_max(F32X4, false)?,
        visit_f32x4_pmax => self.pseudo_min_max(F32X4, true)?,
        visit_f64x2_pmin => self.pseudo_min_max(F64X2, false)?,
        visit_f64x2_pmax => self.pseudo_min_max(F64X2, true)?,

        visit_i32x4_trunc_sat_f32x4_s =>
            self.map_v128(F32X4, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x))?,
        visit_i32x4_trunc_sat_f32x4_u =>
            self.map_v128(F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))?,
        visit_f32x4_convert_i32x4_s =>
            self.map_v128(I32X4, |b, x| b.ins().fcvt_from_sint(F32X4, x))?,
        visit_f32x4_convert_i32x4_u =>
            self.map_v128(I32X4, |b, x| b.ins().fcvt_from_uint(F32X4, x))?,
        visit_f32x4_demote_f64x2_zero => self.map_v128(F64X2, |b, x| b.ins().fvdemote(x))?,
        visit_f64x2_promote_low_f32x4 => self.map_v128(F32X4, |b, x| b.ins().fvpromote_low(x))?,
    }

    pub(super) fn visit_v128_store(&mut self, memarg: MemArg) -> Result<(), CompileError> {
        let (index, value) = self.pop2()?;
        let (addr, offset) = self.heap_address(&memarg, index, 16)?;
        self.b.ins().store(self.heap, value, addr, offset);
        Ok(())
    }

    pub(super) fn visit_v128_const(&mut self, value: V128) -> Result<(), CompileError> {
        let v = vector_const(&mut self.b, I8X16, value.bytes());
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_i8x16_shuffle(&mut self, lanes: [u8; 16]) -> Result<(), CompileError> {
        self.require_byte_shuffle()?;
        let (x, y) = self.pop2()?;
        let mask = self
            .b
            .func
            .dfg
            .immediates
            .push(ConstantData::from(&lanes[..]));
        let v = self.b.ins().shuffle(x, y, mask);
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_i8x16_swizzle(&mut self) -> Result<(), CompileError> {
        self.require_byte_shuffle()?;
        let (x, indices) = self.pop2()?;
        let v = self.b.ins().swizzle(x, indices);
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_v128_andnot(&mut self) -> Result<(), CompileError> {
        let (x, y) = self.pop2()?;
        let not_y = self.b.ins().bnot(y);
        let v = self.b.ins().band(x, not_y);
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_v128_bitselect(&mut self) -> Result<(), CompileError> {
        let (x, y, mask) = self.pop3()?;
        let v = self.b.ins().bitselect(mask, x, y);
        self.push(v);
        Ok(())
    }

    pub(super) fn visit_v128_any_true(&mut self) -> Result<(), CompileError> {
        let x = self.pop()?;
        let any = self.b.ins().vany_true(x);
        let any = self.b.ins().uextend(I32, any);
        self.push(any);
        Ok(())
    }

    pub(super) fn visit_i32x4_dot_i16x8_s(&mut self) -> Result<(), CompileError> {
        let (x, y) = self.pop2_lanes(I16X8)?;
        // Recognised by x86_64 as `pmaddwd`.
        let b = &mut self.b;
        let (x_low, y_low) = (b.ins().swiden_low(x), b.ins().swiden_low(y));
        let (x_high, y_high) = (b.ins().swiden_high(x), b.ins().swiden_high(y));
        let low = b.ins().imul(x_low, y_low);
        let high = b.ins().imul(x_high, y_high);
        let v = b.ins().iadd_pairwise(low, high);
        self.push_v128(v);
        Ok(())
    }

    pub(super) fn visit_i32x4_trunc_sat_f64x2_s_zero(&mut self) -> Result<(), CompileError> {
        // Saturated to 64-bit lanes, then narrowed next to zeros: the
        // x86_64 backend only lowers this pattern of `snarrow` and
        // `uunarrow` on `I64X2`.
        self.map_v128(F64X2, |b, x| {
            let wide = b.ins().fcvt_to_sint_sat(I64X2, x);
            let zero = vector_const(b, I64X2, &[0; 16]);
            b.ins().snarrow(wide, zero)
        })?;
        Ok(())
    }

    pub(super) fn visit_i32x4_trunc_sat_f64x2_u_zero(&mut self) -> Result<(), CompileError> {
        self.map_v128(F64X2, |b, x| {
            let wide = b.ins().fcvt_to_uint_sat(I64X2, x);
            let zero = vector_const(b, I64X2, &[0; 16]);
            b.ins().uunarrow(wide, zero)
        })?;
        Ok(())
    }

    pub(super) fn visit_f64x2_convert_low_i32x4_s(&mut self) -> Result<(), CompileError> {
        self.map_v128(I32X4, |b, x| {
            let wide = b.ins().swiden_low(x);
            b.ins().fcvt_from_sint(F64X2, wide)
        })?;
        Ok(())
    }

    pub(super) fn visit_f64x2_convert_low_i32x4_u(&mut self) -> Result<(), CompileError> {
        self.map_v128(I32X4, |b, x| {
            let wide = b.ins().uwiden_low(x);
            b.ins().fcvt_from_uint(F64X2, wide)
        })?;
        Ok(())
    }

    // Relaxed SIMD. Each operator has a deterministic form, the result of
    // its non-relaxed counterpart (or, for `madd`/`nmadd`, a fused
    // multiply-add), used when `Tunables::relaxed_simd_deterministic` is
    // set or the target has no faster instruction. Otherwise the x86_64
    // instruction the operator was designed around is used: each gives one
    // of the results the specification permits (`pshufb` for `swizzle`,
    // `cvttps2dq` for the signed truncations, `blendv*` for `laneselect`,
    // `minps`/`maxps` for `min`/`max`, `pmulhrsw` for `q15mulr`,
    // `pmaddubsw` for the dot products), and `madd`/`nmadd` are an unfused
    // multiply and add where the CPU has no FMA (instead of a call per
    // lane).
    operator_handlers! { self;
        // x86_64 has no unsigned conversion to do better with.
        visit_i32x4_relaxed_trunc_f32x4_u => self.visit_i32x4_trunc_sat_f32x4_u()?,
        visit_i32x4_relaxed_trunc_f64x2_u_zero => self.visit_i32x4_trunc_sat_f64x2_u_zero()?,
        visit_f32x4_relaxed_madd => self.multiply_add(F32X4, false)?,
        visit_f32x4_relaxed_nmadd => self.multiply_add(F32X4, true)?,
        visit_f64x2_relaxed_madd => self.multiply_add(F64X2, false)?,
        visit_f64x2_relaxed_nmadd => self.multiply_add(F64X2, true)?,
        visit_i8x16_relaxed_laneselect => self.lane_select(I8X16)?,
        visit_i16x8_relaxed_laneselect => self.lane_select(I16X8)?,
        visit_i32x4_relaxed_laneselect => self.lane_select(I32X4)?,
        visit_i64x2_relaxed_laneselect => self.lane_select(I64X2)?,
        visit_f32x4_relaxed_min => self.relaxed_min_max(F32X4, false)?,
        visit_f32x4_relaxed_max => self.relaxed_min_max(F32X4, true)?,
        visit_f64x2_relaxed_min => self.relaxed_min_max(F64X2, false)?,
        visit_f64x2_relaxed_max => self.relaxed_min_max(F64X2, true)?,
    }

    /// Whether relaxed operators may use the target's own instructions.
    fn relaxed_native(&self) -> bool {
        !self.env.tunables.relaxed_simd_deterministic
    }

    /// Whether relaxed operators may use x86_64's own instructions.
    fn relaxed_x86(&self) -> bool {
        self.relaxed_native() && self.env.isa.triple().architecture == Architecture::X86_64
    }

    pub(super) fn visit_i8x16_relaxed_swizzle(&mut self) -> Result<(), CompileError> {
        self.require_byte_shuffle()?;
        let (x, indices) = self.pop2_lanes(I8X16)?;
        let v = if self.relaxed_native() && self.env.isa.has_x86_pshufb_lowering() {
            self.b.ins().x86_pshufb(x, indices)
        } else {
            self.b.ins().swizzle(x, indices)
        };
        self.push_v128(v);
        Ok(())
    }

    pub(super) fn visit_i32x4_relaxed_trunc_f32x4_s(&mut self) -> Result<(), CompileError> {
        let x86 = self.relaxed_x86();
        self.map_v128(F32X4, |b, x| {
            if x86 {
                b.ins().x86_cvtt2dq(I32X4, x)
            } else {
                b.ins().fcvt_to_sint_sat(I32X4, x)
            }
        })
    }

    pub(super) fn visit_i32x4_relaxed_trunc_f64x2_s_zero(&mut self) -> Result<(), CompileError> {
        let x86 = self.relaxed_x86();
        self.map_v128(F64X2, |b, x| {
            // Recognised by x86_64 as one `cvttpd2dq`.
            let wide = if x86 {
                b.ins().x86_cvtt2dq(I64X2, x)
            } else {
                b.ins().fcvt_to_sint_sat(I64X2, x)
            };
            let zero = vector_const(b, I64X2, &[0; 16]);
            b.ins().snarrow(wide, zero)
        })
    }

    /// Relaxed `min`/`max` on vectors of type `ty`: x86_64's `minp*`/`maxp*`
    /// (the `pmin`/`pmax` pattern), else the non-relaxed `min`/`max`.
    fn relaxed_min_max(&mut self, ty: Type, max: bool) -> Result<(), CompileError> {
        if self.relaxed_x86() {
            return self.pseudo_min_max(ty, max);
        }
        let opcode = if max { Opcode::Fmax } else { Opcode::Fmin };
        self.emit_form(Form::Binary(ty, opcode))
    }

    pub(super) fn visit_i16x8_relaxed_q15mulr_s(&mut self) -> Result<(), CompileError> {
        let (x, y) = self.pop2_lanes(I16X8)?;
        let v = if self.relaxed_native() && self.env.isa.has_x86_pmulhrsw_lowering() {
            self.b.ins().x86_pmulhrsw(x, y)
        } else {
            self.b.ins().sqmul_round_sat(x, y)
        };
        self.push_v128(v);
        Ok(())
    }

    pub(super) fn visit_i16x8_relaxed_dot_i8x16_i7x16_s(&mut self) -> Result<(), CompileError> {
        let (x, y) = self.pop2_lanes(I8X16)?;
        let v = self.dot_i8x16(x, y);
        self.push_v128(v);
        Ok(())
    }

    pub(super) fn visit_i32x4_relaxed_dot_i8x16_i7x16_add_s(&mut self) -> Result<(), CompileError> {
        let accumulator = self.pop_lanes(I32X4)?;
        let (x, y) = self.pop2_lanes(I8X16)?;
        let dot16 = self.dot_i8x16(x, y);
        let b = &mut self.b;
        let (low, high) = (b.ins().swiden_low(dot16), b.ins().swiden_high(dot16));
        let dot32 = b.ins().iadd_pairwise(low, high);
        let v = b.ins().iadd(dot32, accumulator);
        self.push_v128(v);
        Ok(())
    }

    /// `a * b + c` (`a` negated first for `nmadd`) on vectors of type `ty`:
    /// fused where the target has FMA or determinism is asked for, else a
    /// multiply and an add.
    fn multiply_add(&mut self, ty: Type, negate: bool) -> Result<(), CompileError> {
        let c = self.pop_lanes(ty)?;
        let (a, b) = self.pop2_lanes(ty)?;
        let a = if negate { self.b.ins().fneg(a) } else { a };
        let fused = self.env.tunables.relaxed_simd_deterministic || self.env.isa.has_native_fma();
        let v = if fused {
            self.b.ins().fma(a, b, c)
        } else {
            let product = self.b.ins().fmul(a, b);
            self.b.ins().fadd(product, c)
        };
        self.push_v128(v);
        Ok(())
    }

    /// `relaxed_laneselect` on lanes of type `ty`: the bits of the first
    /// operand where the mask's are set, the second's elsewhere. Natively,
    /// x86_64's `blendv*` looks only at each mask lane's top bit, which the
    /// specification permits.
    fn lane_select(&mut self, ty: Type) -> Result<(), CompileError> {
        let mask = self.pop_lanes(ty)?;
        let (x, y) = self.pop2_lanes(ty)?;
        let native = !self.env.tunables.relaxed_simd_deterministic;
        let v = if native && self.env.isa.has_blendv_lowering(ty) {
            self.b.ins().blendv(mask, x, y)
        } else {
            self.b.ins().bitselect(mask, x, y)
        };
        self.push_v128(v);
        Ok(())
    }

    /// The `I16X8` pairwise dot product of signed bytes `x` with bytes `y`
    /// of which the specification fixes only the values below 128.
    /// Deterministically `y` is signed and the sums wrap; natively
    /// `pmaddubsw` takes `y` as unsigned and saturates the sums.
    fn dot_i8x16(&mut self, x: Value, y: Value) -> Value {
        let native = !self.env.tunables.relaxed_simd_deterministic;
        let b = &mut self.b;
        if native && self.env.isa.has_x86_pmaddubsw_lowering() {
            return b.ins().x86_pmaddubsw(x, y);
        }
        let (x_low, y_low) = (b.ins().swiden_low(x), b.ins().swiden_low(y));
        let (x_high, y_high) = (b.ins().swiden_high(x), b.ins().swiden_high(y));
        let low = b.ins().imul(x_low, y_low);
        let high = b.ins().imul(x_high, y_high);
        b.ins().iadd_pairwise(low, high)
    }

    fn emit_form(&mut self, form: Form) -> Result<(), CompileError> {
        let v = match form {
            Form::Unary(ty, opcode) => {
                let x = self.pop_lanes(ty)?;
                let (inst, dfg) = self.b.ins().Unary(opcode, ty, x);
                dfg.first_result(inst)
            }
            Form::Binary(ty, opcode) => {
                let (x, y) = self.pop2_lanes(ty)?;
                let (inst, dfg) = self.b.ins().Binary(opcode, ty, x, y);
                dfg.first_result(inst)
            }
            Form::Shift(ty, opcode) => {
                let count = self.pop()?;
                let x = self.pop_lanes(ty)?;
                let (inst, dfg) = self.b.ins().Binary(opcode, ty, x, count);
                dfg.first_result(inst)
            }
            Form::Icmp(ty, cc) => {
                let (x, y) = self.pop2_lanes(ty)?;
                self.b.ins().icmp(cc, x, y)
            }
            Form::Fcmp(ty, cc) => {
                let (x, y) = self.pop2_lanes(ty)?;
                self.b.ins().fcmp(cc, x, y)
            }
        };
        self.push_v128(v);
        Ok(())
    }

    /// `value` as a vector of type `ty`.
    fn as_lanes(&mut self, ty: Type, value: Value) -> Value {
        if self.b.func.dfg.value_type(value) == ty {
            value
        } else {
            self.b.ins().bitcast(ty, LANES, value)
        }
    }

    /// Pops a `v128` as a vector of type `ty`.
    fn pop_lanes(&mut self, ty: Type) -> Result<Value, CompileError> {
        let x = self.pop()?;
        Ok(self.as_lanes(ty, x))
    }

    /// Pops two `v128`s as vectors of type `ty`, in push order.
    fn pop2_lanes(&mut self, ty: Type) -> Result<(Value, Value), CompileError> {
        let (x, y) = self.pop2()?;
        Ok((self.as_lanes(ty, x), self.as_lanes(ty, y)))
    }

    /// Pushes a vector of any type as a `v128`.
    fn push_v128(&mut self, value: Value) {
        let v = self.as_lanes(I8X16, value);
        self.push(v);
    }

    /// Pops a `v128` as a vector of type `ty`, applies `f` and pushes the
    /// result as a `v128`.
    fn map_v128(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value,
    ) -> Result<(), CompileError> {
        let x = self.pop_lanes(ty)?;
        let v = f(&mut self.b, x);
        self.push_v128(v);
        Ok(())
    }

    /// Fails unless the target can shuffle bytes natively (see the module
    /// documentation).
    fn require_byte_shuffle(&self) -> Result<(), CompileError> {
        let isa = self.env.isa;
        if isa.triple().architecture == Architecture::X86_64 && !isa.has_x86_pshufb_lowering() {
            return Err(CompileError::Unsupported(
                "i8x16.shuffle and i8x16.swizzle on x86_64 without SSSE3".into(),
            ));
        }
        Ok(())
    }

    /// A scalar operand as a lane of `ty`: integers narrower than `i32`
    /// keep their low bits.
    fn lane_value(&mut self, ty: Type, scalar: Value) -> Value {
        let lane = ty.lane_type();
        if matches!(lane, I8 | I16) {
            self.b.ins().ireduce(lane, scalar)
        } else {
            scalar
        }
    }

    fn splat(&mut self, ty: Type) -> Result<(), CompileError> {
        let x = self.pop()?;
        let lane = self.lane_value(ty, x);
        let v = self.b.ins().splat(ty, lane);
        self.push_v128(v);
        Ok(())
    }

    /// Pushes lane `lane` of a vector of type `ty`; lanes narrower than
    /// `i32` are sign- or zero-extended to it.
    fn extract_lane(&mut self, ty: Type, lane: u8, signed: bool) -> Result<(), CompileError> {
        let x = self.pop_lanes(ty)?;
        let v = self.b.ins().extractlane(x, lane);
        let v = match (ty.lane_type(), signed) {
            (I8 | I16, true) => self.b.ins().sextend(I32, v),
            (I8 | I16, false) => self.b.ins().uextend(I32, v),
            _ => v,
        };
        self.push(v);
        Ok(())
    }

    fn replace_lane(&mut self, ty: Type, lane: u8) -> Result<(), CompileError> {
        let scalar = self.pop()?;
        let x = self.pop_lanes(ty)?;
        let scalar = self.lane_value(ty, scalar);
        let v = self.b.ins().insertlane(x, scalar, lane);
        self.push_v128(v);
        Ok(())
    }

    fn all_true(&mut self, ty: Type) -> Result<(), CompileError> {
        let x = self.pop_lanes(ty)?;
        let all = self.b.ins().vall_true(x);
        let all = self.b.ins().uextend(I32, all);
        self.push(all);
        Ok(())
    }

    fn bitmask(&mut self, ty: Type) -> Result<(), CompileError> {
        let x = self.pop_lanes(ty)?;
        let mask = self.b.ins().vhigh_bits(I32, x);
        self.push(mask);
        Ok(())
    }

    /// Multiplies the halves of two vectors of type `ty` selected and
    /// extended by `widen` (one of the `*widen_{low,high}` opcodes).
    fn extmul(&mut self, ty: Type, widen: Opcode) -> Result<(), CompileError> {
        let (x, y) = self.pop2_lanes(ty)?;
        let (inst, dfg) = self.b.ins().Unary(widen, ty, x);
        let x = dfg.first_result(inst);
        let (inst, dfg) = self.b.ins().Unary(widen, ty, y);
        let y = dfg.first_result(inst);
        let v = self.b.ins().imul(x, y);
        self.push_v128(v);
        Ok(())
    }

    /// Adds adjacent lanes of a vector of type `ty` into lanes twice as wide.
    fn extadd_pairwise(&mut self, ty: Type, signed: bool) -> Result<(), CompileError> {
        self.map_v128(ty, |b, x| {
            let (low, high) = if signed {
                (b.ins().swiden_low(x), b.ins().swiden_high(x))
            } else {
                (b.ins().uwiden_low(x), b.ins().uwiden_high(x))
            };
            b.ins().iadd_pairwise(low, high)
        })
    }

    /// `pmin` (`y < x ? y : x`) or `pmax` (`x < y ? y : x`) on vectors of
    /// type `ty`.
    fn pseudo_min_max(&mut self, ty: Type, max: bool) -> Result<(), CompileError> {
        let (x, y) = self.pop2_lanes(ty)?;
        let take_y = if max {
            self.b.ins().fcmp(FloatCC::LessThan, x, y)
        } else {
            self.b.ins().fcmp(FloatCC::LessThan, y, x)
        };
        let take_y = self.as_lanes(ty, take_y);
        let v = self.b.ins().bitselect(take_y, y, x);
        self.push_v128(v);
        Ok(())
    }

    fn vector_load(&mut self, memarg: &MemArg, load: VectorLoad) -> Result<(), CompileError> {
        let index = self.pop()?;
        let (addr, offset) = self.heap_address(memarg, index, load.size())?;
        let ins = self.b.ins();
        let v = match load {
            VectorLoad::Full => ins.load(I8X16, self.heap, addr, offset),
            VectorLoad::S8x8 => ins.sload8x8(self.heap, addr, offset),
            VectorLoad::U8x8 => ins.uload8x8(self.heap, addr, offset),
            VectorLoad::S16x4 => ins.sload16x4(self.heap, addr, offset),
            VectorLoad::U16x4 => ins.uload16x4(self.heap, addr, offset),
            VectorLoad::S32x2 => ins.sload32x2(self.heap, addr, offset),
            VectorLoad::U32x2 => ins.uload32x2(self.heap, addr, offset),
            VectorLoad::Splat(ty) => {
                let lane = ins.load(ty.lane_type(), self.heap, addr, offset);
                self.b.ins().splat(ty, lane)
            }
            VectorLoad::Zero(ty) => {
                let lane = ins.load(ty.lane_type(), self.heap, addr, offset);
                self.b.ins().scalar_to_vector(ty, lane)
            }
        };
        self.push_v128(v);
        Ok(())
    }

    /// Replaces lane `lane` of a vector of type `ty` with a value loaded
    /// from memory.
    fn load_lane(&mut self, memarg: &MemArg, ty: Type, lane: u8) -> Result<(), CompileError> {
        let x = self.pop_lanes(ty)?;
        let index = self.pop()?;
        let lane_ty = ty.lane_type();
        let (addr, offset) = self.heap_address(memarg, index, lane_ty.bytes() as u8)?;
        let scalar = self.b.ins().load(lane_ty, self.heap, addr, offset);
        let v = self.b.ins().insertlane(x, scalar, lane);
        self.push_v128(v);
        Ok(())
    }

    /// Stores lane `lane` of a vector of type `ty`.
    fn store_lane(&mut self, memarg: &MemArg, ty: Type, lane: u8) -> Result<(), CompileError> {
        let x = self.pop_lanes(ty)?;
        let index = self.pop()?;
        let lane_ty = ty.lane_type();
        let (addr, offset) = self.heap_address(memarg, index, lane_ty.bytes() as u8)?;
        let scalar = self.b.ins().extractlane(x, lane);
        self.b.ins().store(self.heap, scalar, addr, offset);
        Ok(())
    }
}
