//! The kinds of trap wasm code can raise, and their encoding as Cranelift
//! trap codes in generated code and in the trap table.

#[cfg(feature = "compiler")]
use cranelift_codegen::ir::TrapCode;
use std::fmt;

/// Why wasm execution stopped abnormally.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum TrapKind {
    /// The wasm stack limit was reached (deep or infinite recursion).
    StackOverflow,
    /// A memory access or bulk memory operation was out of bounds.
    MemoryOutOfBounds,
    /// A table access or bulk table operation was out of bounds.
    TableOutOfBounds,
    /// `call_indirect` indexed past the end of its table.
    IndirectCallOutOfBounds,
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
    /// A host function returned an error or panicked.
    HostFunctionFailed,
    /// The store ran out of fuel.
    OutOfFuel,
    /// The epoch deadline was reached.
    Interrupt,
    /// `call_ref` (or `return_call_ref`) was given a null reference.
    NullFunctionReference,
    /// `ref.as_non_null` was given a null reference.
    NullReference,
    /// `i31.get_s` or `i31.get_u` was given a null reference.
    NullI31Reference,
    /// A struct access was given a null reference.
    NullStructReference,
    /// An array access was given a null reference.
    NullArrayReference,
    /// An array access was out of bounds.
    ArrayOutOfBounds,
    /// `ref.cast` was given a reference of another type.
    CastFailure,
    /// An exception thrown by wasm reached the host uncaught. Not a trap of
    /// generated code: the unwinder reports it this way, and the exception
    /// is left pending in the store.
    UncaughtException,
}

impl TrapKind {
    /// Every kind, for table-driven conversions.
    pub const ALL: &'static [TrapKind] = &[
        TrapKind::StackOverflow,
        TrapKind::MemoryOutOfBounds,
        TrapKind::TableOutOfBounds,
        TrapKind::IndirectCallOutOfBounds,
        TrapKind::IndirectCallToNull,
        TrapKind::BadSignature,
        TrapKind::IntegerOverflow,
        TrapKind::IntegerDivisionByZero,
        TrapKind::BadConversionToInteger,
        TrapKind::UnreachableCodeReached,
        TrapKind::HostFunctionFailed,
        TrapKind::OutOfFuel,
        TrapKind::Interrupt,
        TrapKind::NullFunctionReference,
        TrapKind::NullReference,
        TrapKind::NullI31Reference,
        TrapKind::NullStructReference,
        TrapKind::NullArrayReference,
        TrapKind::ArrayOutOfBounds,
        TrapKind::CastFailure,
        TrapKind::UncaughtException,
    ];

    /// The trap code generated code uses for this kind.
    #[cfg(feature = "compiler")]
    pub const fn code(self) -> TrapCode {
        match self {
            TrapKind::StackOverflow => TrapCode::STACK_OVERFLOW,
            TrapKind::MemoryOutOfBounds => TrapCode::HEAP_OUT_OF_BOUNDS,
            TrapKind::IntegerOverflow => TrapCode::INTEGER_OVERFLOW,
            TrapKind::IntegerDivisionByZero => TrapCode::INTEGER_DIVISION_BY_ZERO,
            TrapKind::BadConversionToInteger => TrapCode::BAD_CONVERSION_TO_INTEGER,
            TrapKind::TableOutOfBounds => TrapCode::unwrap_user(1),
            TrapKind::IndirectCallToNull => TrapCode::unwrap_user(2),
            TrapKind::BadSignature => TrapCode::unwrap_user(3),
            TrapKind::UnreachableCodeReached => TrapCode::unwrap_user(4),
            TrapKind::HostFunctionFailed => TrapCode::unwrap_user(5),
            TrapKind::OutOfFuel => TrapCode::unwrap_user(6),
            TrapKind::Interrupt => TrapCode::unwrap_user(7),
            TrapKind::IndirectCallOutOfBounds => TrapCode::unwrap_user(8),
            TrapKind::NullFunctionReference => TrapCode::unwrap_user(9),
            TrapKind::NullReference => TrapCode::unwrap_user(10),
            TrapKind::UncaughtException => TrapCode::unwrap_user(11),
            TrapKind::NullI31Reference => TrapCode::unwrap_user(12),
            TrapKind::NullStructReference => TrapCode::unwrap_user(13),
            TrapKind::NullArrayReference => TrapCode::unwrap_user(14),
            TrapKind::ArrayOutOfBounds => TrapCode::unwrap_user(15),
            TrapKind::CastFailure => TrapCode::unwrap_user(16),
        }
    }

    /// The kind a trap code stands for; `None` for codes Egret never emits.
    #[cfg(feature = "compiler")]
    pub fn from_code(code: TrapCode) -> Option<TrapKind> {
        TrapKind::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// The message; for the spec's traps in its words: the reference
    /// interpreter's message starts with it (and may add details, such as
    /// an element's index), so an `assert_trap` text is a prefix of it.
    pub fn message(self) -> &'static str {
        match self {
            TrapKind::StackOverflow => "call stack exhausted",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::TableOutOfBounds => "out of bounds table access",
            TrapKind::IndirectCallOutOfBounds => "undefined element",
            TrapKind::IndirectCallToNull => "uninitialized element",
            TrapKind::BadSignature => "indirect call type mismatch",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::IntegerDivisionByZero => "integer divide by zero",
            TrapKind::BadConversionToInteger => "invalid conversion to integer",
            TrapKind::UnreachableCodeReached => "unreachable",
            TrapKind::HostFunctionFailed => "host function failed",
            TrapKind::OutOfFuel => "all fuel consumed",
            TrapKind::Interrupt => "interrupted: epoch deadline reached",
            TrapKind::NullFunctionReference => "null function reference",
            TrapKind::NullReference => "null reference",
            TrapKind::NullI31Reference => "null i31 reference",
            TrapKind::NullStructReference => "null structure reference",
            TrapKind::NullArrayReference => "null array reference",
            TrapKind::ArrayOutOfBounds => "out of bounds array access",
            TrapKind::CastFailure => "cast failure",
            TrapKind::UncaughtException => "uncaught exception",
        }
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for kind in TrapKind::ALL {
            assert_eq!(TrapKind::from_code(kind.code()), Some(*kind));
        }
        let mut codes: Vec<u8> = TrapKind::ALL
            .iter()
            .map(|k| k.code().as_raw().get())
            .collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), TrapKind::ALL.len());
    }
}
