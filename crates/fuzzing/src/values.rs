//! Engine-neutral values, traps, uncaught exceptions and call outcomes,
//! and the comparison rules of the differential oracle (NaN
//! normalisation, resource traps).

use crate::rng::Rng;
use std::fmt;

/// The value types the oracles pass and compare: WebAssembly 2.0's, and
/// the references of typed function references, exception handling and
/// GC by hierarchy and nullability (the host has only null references,
/// so it can pass arguments of nullable reference types only).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ValKind {
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `v128`
    V128,
    /// A nullable reference to a function: `funcref`, `(ref null $t)`.
    FuncRef,
    /// A nullable external reference: `externref`.
    ExternRef,
    /// A nullable exception reference: `exnref`, `(ref null noexn)`.
    ExnRef,
    /// A nullable reference of GC's `any` hierarchy: `anyref`, `eqref`,
    /// `i31ref`, `structref`, `arrayref`, `nullref`, `(ref null $t)` of
    /// a struct or array type.
    AnyRef,
    /// A non-nullable reference (`(ref $t)`, `(ref func)`,
    /// `(ref extern)`, `(ref exn)`, `(ref any)`, ...): results only, the
    /// host has none to pass.
    NonNullRef,
}

/// The hierarchy of a reference type.
enum Hierarchy {
    Func,
    Extern,
    Exn,
    Any,
}

impl ValKind {
    /// The kind of a wasmparser value type, given whether each of the
    /// module's types (by index) is a function type (the others are
    /// struct and array types); `None` for shared references (threads)
    /// and continuations (stack switching), which the generators never
    /// make.
    pub fn from_wasmparser(
        ty: wasmparser::ValType,
        is_func_type: impl Fn(u32) -> bool,
    ) -> Option<ValKind> {
        use wasmparser::{AbstractHeapType as A, HeapType, UnpackedIndex, ValType};
        Some(match ty {
            ValType::I32 => ValKind::I32,
            ValType::I64 => ValKind::I64,
            ValType::F32 => ValKind::F32,
            ValType::F64 => ValKind::F64,
            ValType::V128 => ValKind::V128,
            ValType::Ref(r) => {
                let hierarchy = match r.heap_type() {
                    HeapType::Concrete(UnpackedIndex::Module(index))
                    | HeapType::Exact(UnpackedIndex::Module(index)) => {
                        if is_func_type(index) {
                            Hierarchy::Func
                        } else {
                            Hierarchy::Any
                        }
                    }
                    HeapType::Abstract { shared: false, ty } => match ty {
                        A::Func | A::NoFunc => Hierarchy::Func,
                        A::Extern | A::NoExtern => Hierarchy::Extern,
                        A::Exn | A::NoExn => Hierarchy::Exn,
                        A::Any | A::Eq | A::I31 | A::Struct | A::Array | A::None => Hierarchy::Any,
                        A::Cont | A::NoCont => return None,
                    },
                    _ => return None,
                };
                match (r.is_nullable(), hierarchy) {
                    (false, _) => ValKind::NonNullRef,
                    (true, Hierarchy::Func) => ValKind::FuncRef,
                    (true, Hierarchy::Extern) => ValKind::ExternRef,
                    (true, Hierarchy::Exn) => ValKind::ExnRef,
                    (true, Hierarchy::Any) => ValKind::AnyRef,
                }
            }
        })
    }
}

/// What the host can observe of a reference of the `any` hierarchy
/// without comparing identities (which are engine-specific): whether it
/// is null, an `i31` and its value, or which kind of object it is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AnyValue {
    /// `ref.null any` (or of any type in the hierarchy).
    Null,
    /// An `i31`, zero-extended (`i31.get_u`).
    I31(u32),
    /// A struct (of some type: the types' identities are not compared).
    Struct,
    /// An array (of some type).
    Array,
    /// A host reference converted by `any.convert_extern`.
    Host,
}

/// A value as both engines can express it. Floats are bit patterns;
/// function, extern and exception references are compared by nullness
/// only (their identities are engine-specific, and an exception
/// reference's tag and fields would make values recursive for little
/// gain: an uncaught exception's are compared, see [`Exception`]);
/// references of the `any` hierarchy by what [`AnyValue`] keeps.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as bits.
    F32(u32),
    /// An `f64`, as bits.
    F64(u64),
    /// A `v128`.
    V128(u128),
    /// A `funcref`.
    FuncRef {
        /// Whether it is null.
        null: bool,
    },
    /// An `externref`.
    ExternRef {
        /// Whether it is null.
        null: bool,
    },
    /// An `exnref`.
    ExnRef {
        /// Whether it is null.
        null: bool,
    },
    /// A reference of the `any` hierarchy (`anyref`, `eqref`, `i31ref`,
    /// struct and array references).
    AnyRef(AnyValue),
}

fn f32_is_nan(bits: u32) -> bool {
    f32::from_bits(bits).is_nan()
}

fn f64_is_nan(bits: u64) -> bool {
    f64::from_bits(bits).is_nan()
}

/// Two 64-bit halves of a `v128` agree when they are equal, both f64 NaNs,
/// or each of their 32-bit lanes is equal or both lanes are f32 NaNs.
fn v128_halves_agree(a: u64, b: u64) -> bool {
    a == b
        || (f64_is_nan(a) && f64_is_nan(b))
        || (0..2).all(|lane| {
            let (x, y) = ((a >> (32 * lane)) as u32, (b >> (32 * lane)) as u32);
            x == y || (f32_is_nan(x) && f32_is_nan(y))
        })
}

impl Value {
    /// The zero (or null) value of `kind`; `None` for a non-nullable
    /// reference (the host has none).
    pub fn zero(kind: ValKind) -> Option<Value> {
        Some(match kind {
            ValKind::I32 => Value::I32(0),
            ValKind::I64 => Value::I64(0),
            ValKind::F32 => Value::F32(0),
            ValKind::F64 => Value::F64(0),
            ValKind::V128 => Value::V128(0),
            ValKind::FuncRef => Value::FuncRef { null: true },
            ValKind::ExternRef => Value::ExternRef { null: true },
            ValKind::ExnRef => Value::ExnRef { null: true },
            ValKind::AnyRef => Value::AnyRef(AnyValue::Null),
            ValKind::NonNullRef => return None,
        })
    }

    /// A deterministic "interesting" value of `kind`: edge cases (zero,
    /// one, minus one, extremes, infinities, NaNs with odd payloads) or
    /// random bits. References are always null: the host has no others,
    /// so there is none of a non-nullable reference type.
    pub fn interesting(kind: ValKind, rng: &mut Rng) -> Option<Value> {
        let bits = rng.next_u64();
        let pick = rng.below(8);
        Some(match kind {
            ValKind::I32 => Value::I32(
                [0, 1, -1, i32::MIN, i32::MAX, 0x10000, 65535][..]
                    .get(pick as usize)
                    .copied()
                    .unwrap_or(bits as i32),
            ),
            ValKind::I64 => Value::I64(
                [0, 1, -1, i64::MIN, i64::MAX, 0x1_0000_0000, 0xffff_ffff][..]
                    .get(pick as usize)
                    .copied()
                    .unwrap_or(bits as i64),
            ),
            ValKind::F32 => Value::F32(
                [
                    0,
                    0x8000_0000,
                    1.0f32.to_bits(),
                    f32::INFINITY.to_bits(),
                    f32::NEG_INFINITY.to_bits(),
                    0x7fc0_0000,
                    0xffa0_0001,
                ][..]
                    .get(pick as usize)
                    .copied()
                    .unwrap_or(bits as u32),
            ),
            ValKind::F64 => Value::F64(
                [
                    0,
                    0x8000_0000_0000_0000,
                    1.0f64.to_bits(),
                    f64::INFINITY.to_bits(),
                    f64::NEG_INFINITY.to_bits(),
                    0x7ff8_0000_0000_0000,
                    0xfff4_0000_0000_0001,
                ][..]
                    .get(pick as usize)
                    .copied()
                    .unwrap_or(bits),
            ),
            ValKind::V128 => Value::V128(u128::from(bits) << 64 | u128::from(rng.next_u64())),
            ValKind::FuncRef
            | ValKind::ExternRef
            | ValKind::ExnRef
            | ValKind::AnyRef
            | ValKind::NonNullRef => {
                return Value::zero(kind);
            }
        })
    }

    /// Whether `self` (from one engine) and `other` (from the other) are
    /// the same result as far as the spec determines it. The spec leaves
    /// NaN sign and payload bits nondeterministic, so: two `f32` or `f64`
    /// NaNs agree whatever their bits; a `v128` agrees when each 64-bit
    /// half is equal, or both halves are f64 NaNs, or lane by lane each
    /// 32-bit lane is equal or both are f32 NaNs (the result type says
    /// nothing about the lane shape, so every float reading is allowed;
    /// this can only hide a difference between integer lanes that happen
    /// to look like NaNs, never report a false one).
    pub fn agrees_with(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::F32(a), Value::F32(b)) => a == b || (f32_is_nan(*a) && f32_is_nan(*b)),
            (Value::F64(a), Value::F64(b)) => a == b || (f64_is_nan(*a) && f64_is_nan(*b)),
            (Value::V128(a), Value::V128(b)) => {
                v128_halves_agree(*a as u64, *b as u64)
                    && v128_halves_agree((*a >> 64) as u64, (*b >> 64) as u64)
            }
            _ => self == other,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(v) => write!(f, "(i32.const {v})"),
            Value::I64(v) => write!(f, "(i64.const {v})"),
            Value::F32(v) => write!(f, "(f32.const {}) ;; {v:#010x}", f32::from_bits(*v)),
            Value::F64(v) => write!(f, "(f64.const {}) ;; {v:#018x}", f64::from_bits(*v)),
            Value::V128(v) => write!(f, "(v128.const i64x2 {:#x} {:#x})", *v as u64, v >> 64),
            Value::FuncRef { null: true } => f.write_str("(ref.null func)"),
            Value::FuncRef { null: false } => f.write_str("(ref.func ...)"),
            Value::ExternRef { null: true } => f.write_str("(ref.null extern)"),
            Value::ExternRef { null: false } => f.write_str("(ref.extern ...)"),
            Value::ExnRef { null: true } => f.write_str("(ref.null exn)"),
            Value::ExnRef { null: false } => f.write_str("(ref.exn ...)"),
            Value::AnyRef(AnyValue::Null) => f.write_str("(ref.null any)"),
            Value::AnyRef(AnyValue::I31(v)) => write!(f, "(ref.i31 (i32.const {v}))"),
            Value::AnyRef(AnyValue::Struct) => f.write_str("(struct ...)"),
            Value::AnyRef(AnyValue::Array) => f.write_str("(array ...)"),
            Value::AnyRef(AnyValue::Host) => f.write_str("(any.convert_extern ...)"),
        }
    }
}

/// Why execution trapped, in terms both engines report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrapClass {
    /// `unreachable` executed (also how the injected fuel counter stops).
    Unreachable,
    /// Memory access or bulk memory operation out of bounds.
    MemoryOutOfBounds,
    /// Table access or bulk table operation out of bounds.
    TableOutOfBounds,
    /// `call_indirect` to a null element.
    IndirectCallToNull,
    /// `call_indirect` signature mismatch.
    BadSignature,
    /// Signed division overflow.
    IntegerOverflow,
    /// Division or remainder by zero.
    IntegerDivisionByZero,
    /// Float-to-int conversion of NaN or an out-of-range value.
    BadConversionToInteger,
    /// `call_ref`, `return_call_ref`, `ref.as_non_null`, `throw_ref`,
    /// a struct or array access or `i31.get_s`/`i31.get_u` of a null
    /// reference.
    NullReference,
    /// An array index (or range of `array.fill`, `array.copy`,
    /// `array.init_*`) out of bounds.
    ArrayOutOfBounds,
    /// `ref.cast` of a reference of another type.
    CastFailure,
    /// An array longer than any GC heap can hold.
    AllocationTooLarge,
    /// A dummy import refused to run: one returning a non-nullable
    /// reference has none to return (see [`DUMMY_REFUSED`]).
    HostFunctionFailed,
    /// Call stack exhausted: a resource limit, not a semantic outcome.
    /// Stack sizes differ between engines, so its presence is not compared.
    StackExhausted,
    /// The GC heap could not hold an allocation (`GcHeapOutOfMemory` in
    /// both engines): a resource limit too. The engines' heaps differ in
    /// size, layout and collector (Wasmtime's reference counting cannot
    /// free cycles), so when one runs out the other need not.
    GcHeapExhausted,
    /// Any other trap, described by the engine.
    Other(String),
}

impl TrapClass {
    /// Whether this trap comes from a resource limit (whose presence
    /// depends on the engine, not on the spec).
    pub fn is_resource(&self) -> bool {
        matches!(self, TrapClass::StackExhausted | TrapClass::GcHeapExhausted)
    }
}

/// The error message of a dummy imported function whose results include
/// a non-nullable reference: the host has no reference to return, so it
/// fails (identically in every engine) instead.
pub const DUMMY_REFUSED: &str = "dummy import cannot return a non-null reference";

/// An exception that left wasm uncaught, as both engines can describe
/// it: which of the instance's exported tags it was thrown with, and its
/// field values.
#[derive(Clone, Debug, PartialEq)]
pub struct Exception {
    /// The name of the first exported tag (in export order) that is the
    /// exception's tag; `None` when no exported tag is (or instantiation
    /// failed, so there are no exports to compare with). Tags are
    /// compared by identity, not type: two tags of one type are
    /// different tags.
    pub tag: Option<String>,
    /// The values of its fields (the parameters of the tag's type).
    pub fields: Vec<Value>,
}

/// Whether two lists of values from different engines agree, value by
/// value (see [`Value::agrees_with`]).
fn values_agree(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.agrees_with(y))
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tag {
            Some(name) => write!(f, "exception of exported tag `{name}` (")?,
            None => f.write_str("exception of an unexported tag (")?,
        }
        write_values(f, &self.fields)?;
        f.write_str(")")
    }
}

fn write_values(f: &mut fmt::Formatter<'_>, values: &[Value]) -> fmt::Result {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{v}")?;
    }
    Ok(())
}

/// What calling a function (or instantiating a module) came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// It returned these values.
    Returned(Vec<Value>),
    /// It trapped.
    Trapped(TrapClass),
    /// A wasm exception was thrown and not caught.
    Uncaught(Exception),
    /// It failed without a trap (link, resource or API error).
    Failed(String),
}

impl Outcome {
    /// Whether this outcome is a resource trap (see [`TrapClass::is_resource`]).
    pub fn is_resource(&self) -> bool {
        matches!(self, Outcome::Trapped(t) if t.is_resource())
    }

    /// Whether this outcome is one the spec determines (values, a trap,
    /// an uncaught exception), as opposed to an engine's error.
    pub fn is_semantic(&self) -> bool {
        !matches!(self, Outcome::Failed(_))
    }

    /// Whether two engines' outcomes agree: same values (up to NaN bits,
    /// see [`Value::agrees_with`]), the same trap class, or an uncaught
    /// exception of the same exported tag (or unexported in both) with
    /// agreeing fields.
    pub fn agrees_with(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Returned(a), Outcome::Returned(b)) => values_agree(a, b),
            (Outcome::Trapped(a), Outcome::Trapped(b)) => a == b,
            (Outcome::Uncaught(a), Outcome::Uncaught(b)) => {
                a.tag == b.tag && values_agree(&a.fields, &b.fields)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(values) => {
                f.write_str("returned [")?;
                write_values(f, values)?;
                f.write_str("]")
            }
            Outcome::Trapped(t) => write!(f, "trapped: {t:?}"),
            Outcome::Uncaught(e) => write!(f, "uncaught {e}"),
            Outcome::Failed(m) => write!(f, "failed: {m}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nans_agree_whatever_their_bits() {
        assert!(Value::F32(0x7fc0_0000).agrees_with(&Value::F32(0xffc0_0001)));
        assert!(!Value::F32(0x7fc0_0000).agrees_with(&Value::F32(0x7f80_0000)));
        assert!(Value::F64(0x7ff8_0000_0000_0000).agrees_with(&Value::F64(0xfff0_0000_0000_0001)));
        assert!(!Value::F64(0).agrees_with(&Value::F64(0x8000_0000_0000_0000)));
    }

    #[test]
    fn v128_nans_agree_lane_by_lane() {
        let f32_lanes = |l: [u32; 4]| {
            Value::V128(
                l.iter()
                    .rev()
                    .fold(0u128, |acc, x| acc << 32 | u128::from(*x)),
            )
        };
        let a = f32_lanes([1, 0x7fc0_0000, 3, 4]);
        assert!(a.agrees_with(&f32_lanes([1, 0xffc0_1234, 3, 4])));
        assert!(!a.agrees_with(&f32_lanes([1, 0x7fc0_0000, 3, 5])));
        // An f64 NaN whose low half is not an f32 NaN.
        let f64_lanes = |l: [u64; 2]| Value::V128(u128::from(l[1]) << 64 | u128::from(l[0]));
        assert!(
            f64_lanes([0x7ff8_0000_0000_0000, 9])
                .agrees_with(&f64_lanes([0x7ff8_0000_0000_0001, 9]))
        );
        assert!(!f64_lanes([5, 9]).agrees_with(&f64_lanes([6, 9])));
    }

    #[test]
    fn uncaught_exceptions_agree_by_tag_and_fields() {
        let uncaught = |tag: Option<&str>, fields: Vec<Value>| {
            Outcome::Uncaught(Exception {
                tag: tag.map(str::to_string),
                fields,
            })
        };
        let a = uncaught(Some("t"), vec![Value::I32(1), Value::F32(0x7fc0_0000)]);
        assert!(a.agrees_with(&uncaught(
            Some("t"),
            vec![Value::I32(1), Value::F32(0xffc0_0001)]
        )));
        assert!(!a.agrees_with(&uncaught(
            Some("u"),
            vec![Value::I32(1), Value::F32(0x7fc0_0000)]
        )));
        assert!(!a.agrees_with(&uncaught(Some("t"), vec![Value::I32(1)])));
        assert!(!a.agrees_with(&uncaught(None, vec![Value::I32(1), Value::F32(0)])));
        assert!(uncaught(None, vec![]).agrees_with(&uncaught(None, vec![])));
        assert!(!uncaught(None, vec![]).agrees_with(&Outcome::Returned(vec![])));
        assert!(!uncaught(None, vec![]).agrees_with(&Outcome::Trapped(TrapClass::Unreachable)));
    }
}
