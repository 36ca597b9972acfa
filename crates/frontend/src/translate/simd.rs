//! Fixed-width SIMD: every `v128` operator of WebAssembly 2.0.
//!
//! A `v128` is an `I8X16` wherever it is kept or passed (operand stack,
//! locals, globals, block parameters, calls). Each operator bitcasts its
//! operands to the lane type it works on (`i16x8.add` works on `I16X8`),
//! emits Cranelift's vector instruction and bitcasts the result back to
//! `I8X16`. The bitcasts are little-endian, so lane `i` is always bytes
//! `i * size ..` as in wasm, and they cost nothing in registers.
//!
//! Most operators are one Cranelift instruction and are listed in `form`,
//! a table from operator to lane type and instruction. The others are
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
use super::env::HEAP;
use crate::error::CompileError;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I8, I8X16, I16, I16X8, I32, I32X4, I64X2};
use cranelift_codegen::ir::{
    ConstantData, Endianness, InstBuilder, MemFlagsData, Opcode, Type, Value,
};
use cranelift_frontend::FunctionBuilder;
use target_lexicon::Architecture;
use wasmparser::{MemArg, Operator};

/// Flags of the bitcasts between `I8X16` and the lane types.
const LANES: MemFlagsData = MemFlagsData::new().with_endianness(Endianness::Little);

/// How an operator of the `form` table is emitted. The type is the lane
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

/// The operators that are one Cranelift instruction.
fn form(op: &Operator<'_>) -> Option<Form> {
    use Form::{Binary, Fcmp, Icmp, Shift, Unary};
    use Opcode as C;
    use Operator as O;
    Some(match *op {
        O::V128Not => Unary(I8X16, C::Bnot),
        O::V128And => Binary(I8X16, C::Band),
        O::V128Or => Binary(I8X16, C::Bor),
        O::V128Xor => Binary(I8X16, C::Bxor),

        O::I8x16Abs => Unary(I8X16, C::Iabs),
        O::I8x16Neg => Unary(I8X16, C::Ineg),
        O::I8x16Popcnt => Unary(I8X16, C::Popcnt),
        O::I8x16Add => Binary(I8X16, C::Iadd),
        O::I8x16AddSatS => Binary(I8X16, C::SaddSat),
        O::I8x16AddSatU => Binary(I8X16, C::UaddSat),
        O::I8x16Sub => Binary(I8X16, C::Isub),
        O::I8x16SubSatS => Binary(I8X16, C::SsubSat),
        O::I8x16SubSatU => Binary(I8X16, C::UsubSat),
        O::I8x16MinS => Binary(I8X16, C::Smin),
        O::I8x16MinU => Binary(I8X16, C::Umin),
        O::I8x16MaxS => Binary(I8X16, C::Smax),
        O::I8x16MaxU => Binary(I8X16, C::Umax),
        O::I8x16AvgrU => Binary(I8X16, C::AvgRound),
        O::I8x16NarrowI16x8S => Binary(I16X8, C::Snarrow),
        O::I8x16NarrowI16x8U => Binary(I16X8, C::Unarrow),
        O::I8x16Shl => Shift(I8X16, C::Ishl),
        O::I8x16ShrS => Shift(I8X16, C::Sshr),
        O::I8x16ShrU => Shift(I8X16, C::Ushr),

        O::I16x8Abs => Unary(I16X8, C::Iabs),
        O::I16x8Neg => Unary(I16X8, C::Ineg),
        O::I16x8Add => Binary(I16X8, C::Iadd),
        O::I16x8AddSatS => Binary(I16X8, C::SaddSat),
        O::I16x8AddSatU => Binary(I16X8, C::UaddSat),
        O::I16x8Sub => Binary(I16X8, C::Isub),
        O::I16x8SubSatS => Binary(I16X8, C::SsubSat),
        O::I16x8SubSatU => Binary(I16X8, C::UsubSat),
        O::I16x8Mul => Binary(I16X8, C::Imul),
        O::I16x8MinS => Binary(I16X8, C::Smin),
        O::I16x8MinU => Binary(I16X8, C::Umin),
        O::I16x8MaxS => Binary(I16X8, C::Smax),
        O::I16x8MaxU => Binary(I16X8, C::Umax),
        O::I16x8AvgrU => Binary(I16X8, C::AvgRound),
        O::I16x8Q15MulrSatS => Binary(I16X8, C::SqmulRoundSat),
        O::I16x8NarrowI32x4S => Binary(I32X4, C::Snarrow),
        O::I16x8NarrowI32x4U => Binary(I32X4, C::Unarrow),
        O::I16x8ExtendLowI8x16S => Unary(I8X16, C::SwidenLow),
        O::I16x8ExtendHighI8x16S => Unary(I8X16, C::SwidenHigh),
        O::I16x8ExtendLowI8x16U => Unary(I8X16, C::UwidenLow),
        O::I16x8ExtendHighI8x16U => Unary(I8X16, C::UwidenHigh),
        O::I16x8Shl => Shift(I16X8, C::Ishl),
        O::I16x8ShrS => Shift(I16X8, C::Sshr),
        O::I16x8ShrU => Shift(I16X8, C::Ushr),

        O::I32x4Abs => Unary(I32X4, C::Iabs),
        O::I32x4Neg => Unary(I32X4, C::Ineg),
        O::I32x4Add => Binary(I32X4, C::Iadd),
        O::I32x4Sub => Binary(I32X4, C::Isub),
        O::I32x4Mul => Binary(I32X4, C::Imul),
        O::I32x4MinS => Binary(I32X4, C::Smin),
        O::I32x4MinU => Binary(I32X4, C::Umin),
        O::I32x4MaxS => Binary(I32X4, C::Smax),
        O::I32x4MaxU => Binary(I32X4, C::Umax),
        O::I32x4ExtendLowI16x8S => Unary(I16X8, C::SwidenLow),
        O::I32x4ExtendHighI16x8S => Unary(I16X8, C::SwidenHigh),
        O::I32x4ExtendLowI16x8U => Unary(I16X8, C::UwidenLow),
        O::I32x4ExtendHighI16x8U => Unary(I16X8, C::UwidenHigh),
        O::I32x4Shl => Shift(I32X4, C::Ishl),
        O::I32x4ShrS => Shift(I32X4, C::Sshr),
        O::I32x4ShrU => Shift(I32X4, C::Ushr),

        O::I64x2Abs => Unary(I64X2, C::Iabs),
        O::I64x2Neg => Unary(I64X2, C::Ineg),
        O::I64x2Add => Binary(I64X2, C::Iadd),
        O::I64x2Sub => Binary(I64X2, C::Isub),
        O::I64x2Mul => Binary(I64X2, C::Imul),
        O::I64x2ExtendLowI32x4S => Unary(I32X4, C::SwidenLow),
        O::I64x2ExtendHighI32x4S => Unary(I32X4, C::SwidenHigh),
        O::I64x2ExtendLowI32x4U => Unary(I32X4, C::UwidenLow),
        O::I64x2ExtendHighI32x4U => Unary(I32X4, C::UwidenHigh),
        O::I64x2Shl => Shift(I64X2, C::Ishl),
        O::I64x2ShrS => Shift(I64X2, C::Sshr),
        O::I64x2ShrU => Shift(I64X2, C::Ushr),

        O::F32x4Abs => Unary(F32X4, C::Fabs),
        O::F32x4Neg => Unary(F32X4, C::Fneg),
        O::F32x4Sqrt => Unary(F32X4, C::Sqrt),
        O::F32x4Ceil => Unary(F32X4, C::Ceil),
        O::F32x4Floor => Unary(F32X4, C::Floor),
        O::F32x4Trunc => Unary(F32X4, C::Trunc),
        O::F32x4Nearest => Unary(F32X4, C::Nearest),
        O::F32x4Add => Binary(F32X4, C::Fadd),
        O::F32x4Sub => Binary(F32X4, C::Fsub),
        O::F32x4Mul => Binary(F32X4, C::Fmul),
        O::F32x4Div => Binary(F32X4, C::Fdiv),
        O::F32x4Min => Binary(F32X4, C::Fmin),
        O::F32x4Max => Binary(F32X4, C::Fmax),

        O::F64x2Abs => Unary(F64X2, C::Fabs),
        O::F64x2Neg => Unary(F64X2, C::Fneg),
        O::F64x2Sqrt => Unary(F64X2, C::Sqrt),
        O::F64x2Ceil => Unary(F64X2, C::Ceil),
        O::F64x2Floor => Unary(F64X2, C::Floor),
        O::F64x2Trunc => Unary(F64X2, C::Trunc),
        O::F64x2Nearest => Unary(F64X2, C::Nearest),
        O::F64x2Add => Binary(F64X2, C::Fadd),
        O::F64x2Sub => Binary(F64X2, C::Fsub),
        O::F64x2Mul => Binary(F64X2, C::Fmul),
        O::F64x2Div => Binary(F64X2, C::Fdiv),
        O::F64x2Min => Binary(F64X2, C::Fmin),
        O::F64x2Max => Binary(F64X2, C::Fmax),

        O::I8x16Eq => Icmp(I8X16, IntCC::Equal),
        O::I8x16Ne => Icmp(I8X16, IntCC::NotEqual),
        O::I8x16LtS => Icmp(I8X16, IntCC::SignedLessThan),
        O::I8x16LtU => Icmp(I8X16, IntCC::UnsignedLessThan),
        O::I8x16GtS => Icmp(I8X16, IntCC::SignedGreaterThan),
        O::I8x16GtU => Icmp(I8X16, IntCC::UnsignedGreaterThan),
        O::I8x16LeS => Icmp(I8X16, IntCC::SignedLessThanOrEqual),
        O::I8x16LeU => Icmp(I8X16, IntCC::UnsignedLessThanOrEqual),
        O::I8x16GeS => Icmp(I8X16, IntCC::SignedGreaterThanOrEqual),
        O::I8x16GeU => Icmp(I8X16, IntCC::UnsignedGreaterThanOrEqual),
        O::I16x8Eq => Icmp(I16X8, IntCC::Equal),
        O::I16x8Ne => Icmp(I16X8, IntCC::NotEqual),
        O::I16x8LtS => Icmp(I16X8, IntCC::SignedLessThan),
        O::I16x8LtU => Icmp(I16X8, IntCC::UnsignedLessThan),
        O::I16x8GtS => Icmp(I16X8, IntCC::SignedGreaterThan),
        O::I16x8GtU => Icmp(I16X8, IntCC::UnsignedGreaterThan),
        O::I16x8LeS => Icmp(I16X8, IntCC::SignedLessThanOrEqual),
        O::I16x8LeU => Icmp(I16X8, IntCC::UnsignedLessThanOrEqual),
        O::I16x8GeS => Icmp(I16X8, IntCC::SignedGreaterThanOrEqual),
        O::I16x8GeU => Icmp(I16X8, IntCC::UnsignedGreaterThanOrEqual),
        O::I32x4Eq => Icmp(I32X4, IntCC::Equal),
        O::I32x4Ne => Icmp(I32X4, IntCC::NotEqual),
        O::I32x4LtS => Icmp(I32X4, IntCC::SignedLessThan),
        O::I32x4LtU => Icmp(I32X4, IntCC::UnsignedLessThan),
        O::I32x4GtS => Icmp(I32X4, IntCC::SignedGreaterThan),
        O::I32x4GtU => Icmp(I32X4, IntCC::UnsignedGreaterThan),
        O::I32x4LeS => Icmp(I32X4, IntCC::SignedLessThanOrEqual),
        O::I32x4LeU => Icmp(I32X4, IntCC::UnsignedLessThanOrEqual),
        O::I32x4GeS => Icmp(I32X4, IntCC::SignedGreaterThanOrEqual),
        O::I32x4GeU => Icmp(I32X4, IntCC::UnsignedGreaterThanOrEqual),
        O::I64x2Eq => Icmp(I64X2, IntCC::Equal),
        O::I64x2Ne => Icmp(I64X2, IntCC::NotEqual),
        O::I64x2LtS => Icmp(I64X2, IntCC::SignedLessThan),
        O::I64x2GtS => Icmp(I64X2, IntCC::SignedGreaterThan),
        O::I64x2LeS => Icmp(I64X2, IntCC::SignedLessThanOrEqual),
        O::I64x2GeS => Icmp(I64X2, IntCC::SignedGreaterThanOrEqual),
        O::F32x4Eq => Fcmp(F32X4, FloatCC::Equal),
        O::F32x4Ne => Fcmp(F32X4, FloatCC::NotEqual),
        O::F32x4Lt => Fcmp(F32X4, FloatCC::LessThan),
        O::F32x4Gt => Fcmp(F32X4, FloatCC::GreaterThan),
        O::F32x4Le => Fcmp(F32X4, FloatCC::LessThanOrEqual),
        O::F32x4Ge => Fcmp(F32X4, FloatCC::GreaterThanOrEqual),
        O::F64x2Eq => Fcmp(F64X2, FloatCC::Equal),
        O::F64x2Ne => Fcmp(F64X2, FloatCC::NotEqual),
        O::F64x2Lt => Fcmp(F64X2, FloatCC::LessThan),
        O::F64x2Gt => Fcmp(F64X2, FloatCC::GreaterThan),
        O::F64x2Le => Fcmp(F64X2, FloatCC::LessThanOrEqual),
        O::F64x2Ge => Fcmp(F64X2, FloatCC::GreaterThanOrEqual),
        _ => return None,
    })
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
    /// Translates a SIMD operator; `false` if `op` is not one.
    pub(super) fn simd_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        if let Some(form) = form(op) {
            self.emit_form(form)?;
            return Ok(true);
        }
        use Opcode as C;
        use Operator as O;
        match *op {
            O::V128Load { memarg } => self.vector_load(&memarg, VectorLoad::Full)?,
            O::V128Load8x8S { memarg } => self.vector_load(&memarg, VectorLoad::S8x8)?,
            O::V128Load8x8U { memarg } => self.vector_load(&memarg, VectorLoad::U8x8)?,
            O::V128Load16x4S { memarg } => self.vector_load(&memarg, VectorLoad::S16x4)?,
            O::V128Load16x4U { memarg } => self.vector_load(&memarg, VectorLoad::U16x4)?,
            O::V128Load32x2S { memarg } => self.vector_load(&memarg, VectorLoad::S32x2)?,
            O::V128Load32x2U { memarg } => self.vector_load(&memarg, VectorLoad::U32x2)?,
            O::V128Load8Splat { memarg } => self.vector_load(&memarg, VectorLoad::Splat(I8X16))?,
            O::V128Load16Splat { memarg } => self.vector_load(&memarg, VectorLoad::Splat(I16X8))?,
            O::V128Load32Splat { memarg } => self.vector_load(&memarg, VectorLoad::Splat(I32X4))?,
            O::V128Load64Splat { memarg } => self.vector_load(&memarg, VectorLoad::Splat(I64X2))?,
            O::V128Load32Zero { memarg } => self.vector_load(&memarg, VectorLoad::Zero(I32X4))?,
            O::V128Load64Zero { memarg } => self.vector_load(&memarg, VectorLoad::Zero(I64X2))?,
            O::V128Load8Lane { memarg, lane } => self.load_lane(&memarg, I8X16, lane)?,
            O::V128Load16Lane { memarg, lane } => self.load_lane(&memarg, I16X8, lane)?,
            O::V128Load32Lane { memarg, lane } => self.load_lane(&memarg, I32X4, lane)?,
            O::V128Load64Lane { memarg, lane } => self.load_lane(&memarg, I64X2, lane)?,
            O::V128Store { memarg } => {
                let (index, value) = self.pop2()?;
                let (addr, offset) = self.heap_address(&memarg, index, 16)?;
                self.b.ins().store(HEAP, value, addr, offset);
            }
            O::V128Store8Lane { memarg, lane } => self.store_lane(&memarg, I8X16, lane)?,
            O::V128Store16Lane { memarg, lane } => self.store_lane(&memarg, I16X8, lane)?,
            O::V128Store32Lane { memarg, lane } => self.store_lane(&memarg, I32X4, lane)?,
            O::V128Store64Lane { memarg, lane } => self.store_lane(&memarg, I64X2, lane)?,

            O::V128Const { value } => {
                let v = vector_const(&mut self.b, I8X16, value.bytes());
                self.push(v);
            }
            O::I8x16Shuffle { lanes } => {
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
            }
            O::I8x16Swizzle => {
                self.require_byte_shuffle()?;
                let (x, indices) = self.pop2()?;
                let v = self.b.ins().swizzle(x, indices);
                self.push(v);
            }

            O::I8x16Splat => self.splat(I8X16)?,
            O::I16x8Splat => self.splat(I16X8)?,
            O::I32x4Splat => self.splat(I32X4)?,
            O::I64x2Splat => self.splat(I64X2)?,
            O::F32x4Splat => self.splat(F32X4)?,
            O::F64x2Splat => self.splat(F64X2)?,
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, lane, true)?,
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, lane, false)?,
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, lane, true)?,
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, lane, false)?,
            O::I32x4ExtractLane { lane } => self.extract_lane(I32X4, lane, false)?,
            O::I64x2ExtractLane { lane } => self.extract_lane(I64X2, lane, false)?,
            O::F32x4ExtractLane { lane } => self.extract_lane(F32X4, lane, false)?,
            O::F64x2ExtractLane { lane } => self.extract_lane(F64X2, lane, false)?,
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, lane)?,
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, lane)?,
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, lane)?,
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, lane)?,
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32X4, lane)?,
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64X2, lane)?,

            O::V128AndNot => {
                let (x, y) = self.pop2()?;
                let not_y = self.b.ins().bnot(y);
                let v = self.b.ins().band(x, not_y);
                self.push(v);
            }
            O::V128Bitselect => {
                let (x, y, mask) = self.pop3()?;
                let v = self.b.ins().bitselect(mask, x, y);
                self.push(v);
            }
            O::V128AnyTrue => {
                let x = self.pop()?;
                let any = self.b.ins().vany_true(x);
                let any = self.b.ins().uextend(I32, any);
                self.push(any);
            }
            O::I8x16AllTrue => self.all_true(I8X16)?,
            O::I16x8AllTrue => self.all_true(I16X8)?,
            O::I32x4AllTrue => self.all_true(I32X4)?,
            O::I64x2AllTrue => self.all_true(I64X2)?,
            O::I8x16Bitmask => self.bitmask(I8X16)?,
            O::I16x8Bitmask => self.bitmask(I16X8)?,
            O::I32x4Bitmask => self.bitmask(I32X4)?,
            O::I64x2Bitmask => self.bitmask(I64X2)?,

            O::I16x8ExtMulLowI8x16S => self.extmul(I8X16, C::SwidenLow)?,
            O::I16x8ExtMulHighI8x16S => self.extmul(I8X16, C::SwidenHigh)?,
            O::I16x8ExtMulLowI8x16U => self.extmul(I8X16, C::UwidenLow)?,
            O::I16x8ExtMulHighI8x16U => self.extmul(I8X16, C::UwidenHigh)?,
            O::I32x4ExtMulLowI16x8S => self.extmul(I16X8, C::SwidenLow)?,
            O::I32x4ExtMulHighI16x8S => self.extmul(I16X8, C::SwidenHigh)?,
            O::I32x4ExtMulLowI16x8U => self.extmul(I16X8, C::UwidenLow)?,
            O::I32x4ExtMulHighI16x8U => self.extmul(I16X8, C::UwidenHigh)?,
            O::I64x2ExtMulLowI32x4S => self.extmul(I32X4, C::SwidenLow)?,
            O::I64x2ExtMulHighI32x4S => self.extmul(I32X4, C::SwidenHigh)?,
            O::I64x2ExtMulLowI32x4U => self.extmul(I32X4, C::UwidenLow)?,
            O::I64x2ExtMulHighI32x4U => self.extmul(I32X4, C::UwidenHigh)?,
            O::I16x8ExtAddPairwiseI8x16S => self.extadd_pairwise(I8X16, true)?,
            O::I16x8ExtAddPairwiseI8x16U => self.extadd_pairwise(I8X16, false)?,
            O::I32x4ExtAddPairwiseI16x8S => self.extadd_pairwise(I16X8, true)?,
            O::I32x4ExtAddPairwiseI16x8U => self.extadd_pairwise(I16X8, false)?,
            O::I32x4DotI16x8S => {
                let (x, y) = self.pop2_lanes(I16X8)?;
                // Recognised by x86_64 as `pmaddwd`.
                let b = &mut self.b;
                let (x_low, y_low) = (b.ins().swiden_low(x), b.ins().swiden_low(y));
                let (x_high, y_high) = (b.ins().swiden_high(x), b.ins().swiden_high(y));
                let low = b.ins().imul(x_low, y_low);
                let high = b.ins().imul(x_high, y_high);
                let v = b.ins().iadd_pairwise(low, high);
                self.push_v128(v);
            }

            O::F32x4PMin => self.pseudo_min_max(F32X4, false)?,
            O::F32x4PMax => self.pseudo_min_max(F32X4, true)?,
            O::F64x2PMin => self.pseudo_min_max(F64X2, false)?,
            O::F64x2PMax => self.pseudo_min_max(F64X2, true)?,

            O::I32x4TruncSatF32x4S => {
                self.map_v128(F32X4, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x))?
            }
            O::I32x4TruncSatF32x4U => {
                self.map_v128(F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))?
            }
            // Saturated to 64-bit lanes, then narrowed next to zeros: the
            // x86_64 backend only lowers this pattern of `snarrow` and
            // `uunarrow` on `I64X2`.
            O::I32x4TruncSatF64x2SZero => self.map_v128(F64X2, |b, x| {
                let wide = b.ins().fcvt_to_sint_sat(I64X2, x);
                let zero = vector_const(b, I64X2, &[0; 16]);
                b.ins().snarrow(wide, zero)
            })?,
            O::I32x4TruncSatF64x2UZero => self.map_v128(F64X2, |b, x| {
                let wide = b.ins().fcvt_to_uint_sat(I64X2, x);
                let zero = vector_const(b, I64X2, &[0; 16]);
                b.ins().uunarrow(wide, zero)
            })?,
            O::F32x4ConvertI32x4S => {
                self.map_v128(I32X4, |b, x| b.ins().fcvt_from_sint(F32X4, x))?
            }
            O::F32x4ConvertI32x4U => {
                self.map_v128(I32X4, |b, x| b.ins().fcvt_from_uint(F32X4, x))?
            }
            O::F64x2ConvertLowI32x4S => self.map_v128(I32X4, |b, x| {
                let wide = b.ins().swiden_low(x);
                b.ins().fcvt_from_sint(F64X2, wide)
            })?,
            O::F64x2ConvertLowI32x4U => self.map_v128(I32X4, |b, x| {
                let wide = b.ins().uwiden_low(x);
                b.ins().fcvt_from_uint(F64X2, wide)
            })?,
            O::F32x4DemoteF64x2Zero => self.map_v128(F64X2, |b, x| b.ins().fvdemote(x))?,
            O::F64x2PromoteLowF32x4 => self.map_v128(F32X4, |b, x| b.ins().fvpromote_low(x))?,
            _ => return self.relaxed_op(op),
        }
        Ok(true)
    }

    /// Translates a relaxed SIMD operator; `false` if `op` is not one.
    ///
    /// Each has a deterministic form, the result of its non-relaxed
    /// counterpart (or, for `madd`/`nmadd`, a fused multiply-add), used when
    /// `Tunables::relaxed_simd_deterministic` is set or the target has no
    /// faster instruction. Otherwise the x86_64 instruction the operator
    /// was designed around is used: each gives one of the results the
    /// specification permits (`pshufb` for `swizzle`, `cvttps2dq` for the
    /// signed truncations, `blendv*` for `laneselect`, `minps`/`maxps` for
    /// `min`/`max`, `pmulhrsw` for `q15mulr`, `pmaddubsw` for the dot
    /// products), and `madd`/`nmadd` are an unfused multiply and add where
    /// the CPU has no FMA (instead of a call per lane).
    fn relaxed_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        let isa = self.env.isa;
        let native = !self.env.tunables.relaxed_simd_deterministic;
        let x86 = native && isa.triple().architecture == Architecture::X86_64;
        match *op {
            O::I8x16RelaxedSwizzle => {
                self.require_byte_shuffle()?;
                let (x, indices) = self.pop2_lanes(I8X16)?;
                let v = if native && isa.has_x86_pshufb_lowering() {
                    self.b.ins().x86_pshufb(x, indices)
                } else {
                    self.b.ins().swizzle(x, indices)
                };
                self.push_v128(v);
            }
            O::I32x4RelaxedTruncF32x4S => self.map_v128(F32X4, |b, x| {
                if x86 {
                    b.ins().x86_cvtt2dq(I32X4, x)
                } else {
                    b.ins().fcvt_to_sint_sat(I32X4, x)
                }
            })?,
            O::I32x4RelaxedTruncF64x2SZero => self.map_v128(F64X2, |b, x| {
                // Recognised by x86_64 as one `cvttpd2dq`.
                let wide = if x86 {
                    b.ins().x86_cvtt2dq(I64X2, x)
                } else {
                    b.ins().fcvt_to_sint_sat(I64X2, x)
                };
                let zero = vector_const(b, I64X2, &[0; 16]);
                b.ins().snarrow(wide, zero)
            })?,
            // x86_64 has no unsigned conversion to do better with.
            O::I32x4RelaxedTruncF32x4U => {
                self.simd_op(&O::I32x4TruncSatF32x4U)?;
            }
            O::I32x4RelaxedTruncF64x2UZero => {
                self.simd_op(&O::I32x4TruncSatF64x2UZero)?;
            }
            O::F32x4RelaxedMadd => self.multiply_add(F32X4, false)?,
            O::F32x4RelaxedNmadd => self.multiply_add(F32X4, true)?,
            O::F64x2RelaxedMadd => self.multiply_add(F64X2, false)?,
            O::F64x2RelaxedNmadd => self.multiply_add(F64X2, true)?,
            O::I8x16RelaxedLaneselect => self.lane_select(I8X16)?,
            O::I16x8RelaxedLaneselect => self.lane_select(I16X8)?,
            O::I32x4RelaxedLaneselect => self.lane_select(I32X4)?,
            O::I64x2RelaxedLaneselect => self.lane_select(I64X2)?,
            O::F32x4RelaxedMin if x86 => self.pseudo_min_max(F32X4, false)?,
            O::F32x4RelaxedMax if x86 => self.pseudo_min_max(F32X4, true)?,
            O::F64x2RelaxedMin if x86 => self.pseudo_min_max(F64X2, false)?,
            O::F64x2RelaxedMax if x86 => self.pseudo_min_max(F64X2, true)?,
            O::F32x4RelaxedMin => {
                self.simd_op(&O::F32x4Min)?;
            }
            O::F32x4RelaxedMax => {
                self.simd_op(&O::F32x4Max)?;
            }
            O::F64x2RelaxedMin => {
                self.simd_op(&O::F64x2Min)?;
            }
            O::F64x2RelaxedMax => {
                self.simd_op(&O::F64x2Max)?;
            }
            O::I16x8RelaxedQ15mulrS => {
                let (x, y) = self.pop2_lanes(I16X8)?;
                let v = if native && isa.has_x86_pmulhrsw_lowering() {
                    self.b.ins().x86_pmulhrsw(x, y)
                } else {
                    self.b.ins().sqmul_round_sat(x, y)
                };
                self.push_v128(v);
            }
            O::I16x8RelaxedDotI8x16I7x16S => {
                let (x, y) = self.pop2_lanes(I8X16)?;
                let v = self.dot_i8x16(x, y);
                self.push_v128(v);
            }
            O::I32x4RelaxedDotI8x16I7x16AddS => {
                let accumulator = self.pop_lanes(I32X4)?;
                let (x, y) = self.pop2_lanes(I8X16)?;
                let dot16 = self.dot_i8x16(x, y);
                let b = &mut self.b;
                let (low, high) = (b.ins().swiden_low(dot16), b.ins().swiden_high(dot16));
                let dot32 = b.ins().iadd_pairwise(low, high);
                let v = b.ins().iadd(dot32, accumulator);
                self.push_v128(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
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
            VectorLoad::Full => ins.load(I8X16, HEAP, addr, offset),
            VectorLoad::S8x8 => ins.sload8x8(HEAP, addr, offset),
            VectorLoad::U8x8 => ins.uload8x8(HEAP, addr, offset),
            VectorLoad::S16x4 => ins.sload16x4(HEAP, addr, offset),
            VectorLoad::U16x4 => ins.uload16x4(HEAP, addr, offset),
            VectorLoad::S32x2 => ins.sload32x2(HEAP, addr, offset),
            VectorLoad::U32x2 => ins.uload32x2(HEAP, addr, offset),
            VectorLoad::Splat(ty) => {
                let lane = ins.load(ty.lane_type(), HEAP, addr, offset);
                self.b.ins().splat(ty, lane)
            }
            VectorLoad::Zero(ty) => {
                let lane = ins.load(ty.lane_type(), HEAP, addr, offset);
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
        let scalar = self.b.ins().load(lane_ty, HEAP, addr, offset);
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
        self.b.ins().store(HEAP, scalar, addr, offset);
        Ok(())
    }
}
