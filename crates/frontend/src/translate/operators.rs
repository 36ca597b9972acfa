//! Which operators are translated: the one table.
//!
//! `Dispatch` implements wasmparser's `VisitOperator` and
//! `VisitSimdOperator`, whose methods have no defaults, so the compiler
//! insists on an answer for every operator wasmparser knows. The answers
//! are given per proposal, in `dispatch!` below: an operator of a
//! translated proposal goes to the `Translation` method of the same name
//! (`visit_i32_add`, defined in the category file: `numeric`, `memory`,
//! ...), which must exist or the crate does not compile; an operator of
//! any other proposal is `CompileError::Unsupported`, naming the operator
//! and the issue that will add it. A new wasmparser operator or proposal
//! is thus a compile error here until it is placed.
//!
//! Translation only reaches this table for reachable code; see
//! `Translation::operator`.

use super::Translation;
use crate::error::CompileError;
use wasmparser::{Operator, VisitOperator, VisitSimdOperator};

/// Translates `op`, reachable and already validated, with its handler.
pub(super) fn translate(t: &mut Translation<'_>, op: &Operator<'_>) -> Result<(), CompileError> {
    Dispatch(t).visit_operator(op)
}

/// The error for a valid operator of a proposal Egret does not translate.
fn not_translated(operator: &str, proposal: &str) -> CompileError {
    CompileError::Unsupported(format!("operator {operator}: {proposal}"))
}

/// Sends each operator to its handler, or refuses it.
struct Dispatch<'t, 'a>(&'t mut Translation<'a>);

/// The table. `wasmparser::for_each_visit_operator!` (and its SIMD
/// counterpart) call this with every operator as
/// `@proposal Name { immediates } => visit_name (arity ...)`; each
/// proposal's arm below says what becomes of its operators.
macro_rules! dispatch {
    // Never valid (validation rejects it first), but listed by wasmparser.
    (one @reference_types TypedSelectMulti $($rest:tt)*) => {
        dispatch!(refuse "a select of several values is not valid" TypedSelectMulti $($rest)*);
    };

    // Translated proposals. Memory64, multi-memory, multi-value and
    // table64 change immediates and types, not the operator set; the
    // `mvp` group holds the WebAssembly 1.0 operators with those changes.
    (one @mvp $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @sign_extension $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @saturating_float_to_int $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @bulk_memory $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @reference_types $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @tail_call $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @function_references $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @wide_arithmetic $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @simd $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @relaxed_simd $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @exceptions $($rest:tt)*) => { dispatch!(translate $($rest)*); };

    // Not translated (yet).
    (one @legacy_exceptions $($rest:tt)*) => {
        dispatch!(refuse "legacy exception handling is not planned" $($rest)*);
    };
    // Garbage collection.
    (one @gc $($rest:tt)*) => { dispatch!(translate $($rest)*); };
    (one @custom_descriptors $($rest:tt)*) => {
        dispatch!(refuse "custom descriptors are not planned" $($rest)*);
    };
    (one @threads $($rest:tt)*) => { dispatch!(refuse "threads are not planned" $($rest)*); };
    (one @shared_everything_threads $($rest:tt)*) => {
        dispatch!(refuse "shared-everything threads are not planned" $($rest)*);
    };
    (one @acquire_release_atomics $($rest:tt)*) => {
        dispatch!(refuse "acquire-release atomics are not planned" $($rest)*);
    };
    (one @stack_switching $($rest:tt)*) => {
        dispatch!(refuse "stack switching is not planned" $($rest)*);
    };
    (one @memory_control $($rest:tt)*) => {
        dispatch!(refuse "memory control is not planned" $($rest)*);
    };

    // What the arms above expand to.
    (translate $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident $ann:tt) => {
        fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
            self.0.$visit($($($arg),*)?)
        }
    };
    (refuse $why:literal $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident $ann:tt) => {
        fn $visit(&mut self $($(, _: $argty)*)?) -> Self::Output {
            Err(not_translated(stringify!($op), $why))
        }
    };

    // The entry point: one operator at a time. (Last, so that the internal
    // forms above are tried first.)
    ($(
        @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident $ann:tt
    )*) => {
        $( dispatch!(one @$proposal $op $({ $($arg: $argty),* })? => $visit $ann); )*
    };
}

impl<'a> VisitOperator<'a> for Dispatch<'_, '_> {
    type Output = Result<(), CompileError>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(dispatch);
}

impl<'a> VisitSimdOperator<'a> for Dispatch<'_, '_> {
    wasmparser::for_each_visit_simd_operator!(dispatch);
}
