//! The traps wasm code can raise ([`Trap`], the embedder's view, named and
//! worded as Wasmtime's), why generated code stops ([`TrapReason`]: a trap,
//! or a failure that is not one), and their encoding as Cranelift trap codes
//! in generated code and as bytes in the trap table of an artifact.

#[cfg(feature = "compiler")]
use cranelift_codegen::ir::TrapCode;
use std::fmt;

/// A WebAssembly trap: why wasm execution stopped abnormally.
///
/// The variants and their messages are Wasmtime's, for the traps Egret can
/// raise. `Display` prints `wasm trap: <message>`.
#[non_exhaustive]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Trap {
    /// The wasm stack limit was reached (deep or infinite recursion).
    StackOverflow,
    /// A memory access or bulk memory operation was out of bounds.
    MemoryOutOfBounds,
    /// A table access, bulk table operation or `call_indirect` was out of
    /// bounds.
    TableOutOfBounds,
    /// `call_indirect` found a null table element.
    IndirectCallToNull,
    /// `call_indirect` found a function of the wrong type.
    BadSignature,
    /// Signed integer division overflowed.
    IntegerOverflow,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// A float could not be converted to an integer (NaN or out of range).
    BadConversionToInteger,
    /// An `unreachable` instruction was executed.
    UnreachableCodeReached,
    /// The epoch deadline was reached.
    Interrupt,
    /// The store ran out of fuel.
    OutOfFuel,
    /// A null reference was used where a non-null one is needed
    /// (`ref.as_non_null`, `call_ref`, `throw_ref`, a struct or array
    /// access, `i31.get_s`, ...).
    NullReference,
    /// An array access was out of bounds.
    ArrayOutOfBounds,
    /// `ref.cast` was given a reference of another type.
    CastFailure,
    /// An array larger than a GC heap can ever hold was asked for.
    AllocationTooLarge,
}

impl Trap {
    /// What went wrong, in Wasmtime's words.
    fn message(self) -> &'static str {
        match self {
            Trap::StackOverflow => "call stack exhausted",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::TableOutOfBounds => "undefined element: out of bounds table access",
            Trap::IndirectCallToNull => "uninitialized element",
            Trap::BadSignature => "indirect call type mismatch",
            Trap::IntegerOverflow => "integer overflow",
            Trap::IntegerDivisionByZero => "integer divide by zero",
            Trap::BadConversionToInteger => "invalid conversion to integer",
            Trap::UnreachableCodeReached => "wasm `unreachable` instruction executed",
            Trap::Interrupt => "interrupt",
            Trap::OutOfFuel => "all fuel consumed by WebAssembly",
            Trap::NullReference => "null reference",
            Trap::ArrayOutOfBounds => "out of bounds array access",
            Trap::CastFailure => "cast failure",
            Trap::AllocationTooLarge => "allocation size too large",
        }
    }
}

impl Trap {
    /// The trap code generated code raises this trap with.
    #[cfg(feature = "compiler")]
    pub(crate) const fn code(self) -> TrapCode {
        TrapReason::Wasm(self).code()
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.message())
    }
}

impl std::error::Error for Trap {}

/// Why generated code stopped: a wasm trap, or one of two failures that
/// travel the same way but are not traps to the embedder.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum TrapReason {
    /// Wasm trapped.
    Wasm(Trap),
    /// Host code that wasm called (a host function, a resource limiter, an
    /// epoch callback, or the store allocating an exception) failed; its
    /// error waits in the store.
    HostFailed,
    /// An exception thrown by wasm reached the host uncaught. Raised by
    /// the unwinder, never by generated code; the exception is left
    /// pending in the store.
    UncaughtException,
}

impl TrapReason {
    /// Every reason, in the order of their byte encoding.
    pub const ALL: &'static [TrapReason] = &[
        TrapReason::Wasm(Trap::StackOverflow),
        TrapReason::Wasm(Trap::MemoryOutOfBounds),
        TrapReason::Wasm(Trap::TableOutOfBounds),
        TrapReason::Wasm(Trap::IndirectCallToNull),
        TrapReason::Wasm(Trap::BadSignature),
        TrapReason::Wasm(Trap::IntegerOverflow),
        TrapReason::Wasm(Trap::IntegerDivisionByZero),
        TrapReason::Wasm(Trap::BadConversionToInteger),
        TrapReason::Wasm(Trap::UnreachableCodeReached),
        TrapReason::Wasm(Trap::Interrupt),
        TrapReason::Wasm(Trap::OutOfFuel),
        TrapReason::Wasm(Trap::NullReference),
        TrapReason::Wasm(Trap::ArrayOutOfBounds),
        TrapReason::Wasm(Trap::CastFailure),
        TrapReason::Wasm(Trap::AllocationTooLarge),
        TrapReason::HostFailed,
        TrapReason::UncaughtException,
    ];

    /// The trap code generated code uses for this reason. Cranelift raises
    /// its own codes for stack overflow, memory and integer faults.
    #[cfg(feature = "compiler")]
    pub const fn code(self) -> TrapCode {
        match self {
            TrapReason::Wasm(Trap::StackOverflow) => TrapCode::STACK_OVERFLOW,
            TrapReason::Wasm(Trap::MemoryOutOfBounds) => TrapCode::HEAP_OUT_OF_BOUNDS,
            TrapReason::Wasm(Trap::IntegerOverflow) => TrapCode::INTEGER_OVERFLOW,
            TrapReason::Wasm(Trap::IntegerDivisionByZero) => TrapCode::INTEGER_DIVISION_BY_ZERO,
            TrapReason::Wasm(Trap::BadConversionToInteger) => TrapCode::BAD_CONVERSION_TO_INTEGER,
            TrapReason::Wasm(Trap::TableOutOfBounds) => TrapCode::unwrap_user(1),
            TrapReason::Wasm(Trap::IndirectCallToNull) => TrapCode::unwrap_user(2),
            TrapReason::Wasm(Trap::BadSignature) => TrapCode::unwrap_user(3),
            TrapReason::Wasm(Trap::UnreachableCodeReached) => TrapCode::unwrap_user(4),
            TrapReason::HostFailed => TrapCode::unwrap_user(5),
            TrapReason::Wasm(Trap::OutOfFuel) => TrapCode::unwrap_user(6),
            TrapReason::Wasm(Trap::Interrupt) => TrapCode::unwrap_user(7),
            TrapReason::Wasm(Trap::NullReference) => TrapCode::unwrap_user(8),
            TrapReason::UncaughtException => TrapCode::unwrap_user(9),
            TrapReason::Wasm(Trap::ArrayOutOfBounds) => TrapCode::unwrap_user(10),
            TrapReason::Wasm(Trap::CastFailure) => TrapCode::unwrap_user(11),
            TrapReason::Wasm(Trap::AllocationTooLarge) => TrapCode::unwrap_user(12),
        }
    }

    /// The reason a trap code stands for; `None` for codes Egret never
    /// emits.
    #[cfg(feature = "compiler")]
    pub fn from_code(code: TrapCode) -> Option<TrapReason> {
        TrapReason::ALL.iter().copied().find(|r| r.code() == code)
    }
}

impl From<Trap> for TrapReason {
    fn from(trap: Trap) -> TrapReason {
        TrapReason::Wasm(trap)
    }
}

impl From<TrapReason> for u8 {
    /// The artifact's encoding: the index in [`TrapReason::ALL`].
    fn from(reason: TrapReason) -> u8 {
        let index = TrapReason::ALL.iter().position(|r| *r == reason);
        index.expect("every reason is listed in TrapReason::ALL") as u8
    }
}

impl TryFrom<u8> for TrapReason {
    type Error = String;

    fn try_from(byte: u8) -> Result<TrapReason, String> {
        TrapReason::ALL
            .get(usize::from(byte))
            .copied()
            .ok_or_else(|| format!("unknown trap reason {byte}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        for reason in TrapReason::ALL {
            assert_eq!(TrapReason::try_from(u8::from(*reason)), Ok(*reason));
        }
        assert!(TrapReason::try_from(TrapReason::ALL.len() as u8).is_err());
    }

    #[test]
    fn traps_display_as_wasmtime_s() {
        assert_eq!(
            Trap::UnreachableCodeReached.to_string(),
            "wasm trap: wasm `unreachable` instruction executed"
        );
        assert_eq!(
            Trap::TableOutOfBounds.to_string(),
            "wasm trap: undefined element: out of bounds table access"
        );
    }

    #[cfg(feature = "compiler")]
    #[test]
    fn codes_round_trip_and_are_distinct() {
        for reason in TrapReason::ALL {
            assert_eq!(TrapReason::from_code(reason.code()), Some(*reason));
        }
        let mut codes: Vec<u8> = TrapReason::ALL
            .iter()
            .map(|r| r.code().as_raw().get())
            .collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), TrapReason::ALL.len());
    }
}
