//! Calling conventions of generated code: how wasm functions, entry
//! trampolines and host calls receive their arguments and return results.
//!
//! - A wasm function (also a host function seen from wasm) uses
//!   `CallConv::Tail` with parameters `(callee_vmctx, caller_vmctx,
//!   [return_area], wasm params...)`. When a type has more results than
//!   every target can return in registers, a pointer to a caller-owned
//!   return area is passed and all results are stored there, 16 bytes apart.
//! - The host enters wasm through a per-signature *array-call* trampoline
//!   (`CallConv::SystemV`): `(callee_vmctx, caller_vmctx, wasm_call,
//!   values: *mut [u128])`. Arguments are read from `values` and results
//!   written back to it, each in a 16-byte slot.
//! - Wasm calls the host through a per-signature *host* trampoline with the
//!   wasm convention, which spills arguments to a stack array and calls the
//!   host function's entry, found at offset 0 of its context
//!   (`CallConv::SystemV`): `(host_ctx, caller_vmctx, values, len) -> i32`,
//!   nonzero meaning the call failed and the trampoline raises
//!   `TrapReason::HostFailed`.
//! - A *register type* (`host_call_in_registers`: at most two parameters
//!   and one result, none a `v128`) skips the array: its host trampoline
//!   calls the function's *register entry* (`CallConv::SystemV`):
//!   `(host_ctx, caller_vmctx, a0, a1) -> (result, status)`, each value's
//!   bits zero-extended to 64 (floats as their bits, a missing argument 0),
//!   the status 0 on success and otherwise as the array entry's.

use crate::types::{FuncType, ValType};
use crate::vmoffsets::host_ctx::REGISTER_ARGS;
use cranelift_codegen::ir::{self, AbiParam, ArgumentPurpose, Signature, types};
use cranelift_codegen::isa::CallConv;

/// The convention of wasm-to-wasm calls.
pub const WASM_CALL_CONV: CallConv = CallConv::Tail;

/// Most results a wasm function returns in registers; beyond this, results
/// go through a return area. Chosen so that every supported target has
/// enough return registers (aarch64 `Tail` returns six integers).
pub const MAX_REGISTER_RESULTS: usize = 6;

/// Size of one slot in a values array or return area.
pub const VALUE_SLOT_SIZE: u32 = 16;

/// The Cranelift type that holds a wasm value.
pub fn clif_type(ty: ValType) -> ir::Type {
    match ty {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
        // Function references are pointers, host references indices;
        // GC and exception references are 32-bit offsets into the store's
        // GC heap.
        ValType::Ref(r) if r.is_gc() => types::I32,
        ValType::Ref(_) => types::I64,
    }
}

/// Whether calls to functions of this type pass a return-area pointer.
pub fn uses_return_area(ty: &FuncType) -> bool {
    ty.results().len() > MAX_REGISTER_RESULTS
}

/// The signature of a wasm function (or of a host function called from wasm).
pub fn wasm_signature(ty: &FuncType) -> Signature {
    let mut sig = Signature::new(WASM_CALL_CONV);
    sig.params
        .push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
    sig.params.push(AbiParam::new(types::I64));
    if uses_return_area(ty) {
        sig.params.push(AbiParam::new(types::I64));
    } else {
        sig.returns
            .extend(ty.results().iter().map(|t| AbiParam::new(clif_type(*t))));
    }
    sig.params
        .extend(ty.params().iter().map(|t| AbiParam::new(clif_type(*t))));
    sig
}

/// Index of the first wasm parameter in a wasm signature's parameter list.
pub fn first_wasm_param(ty: &FuncType) -> usize {
    if uses_return_area(ty) { 3 } else { 2 }
}

/// The signature of an array-call (host entry) trampoline.
pub fn array_call_signature(host: CallConv) -> Signature {
    let mut sig = Signature::new(host);
    sig.params.extend([AbiParam::new(types::I64); 4]);
    sig
}

/// The signature of a host function's entry.
pub fn host_entry_signature(host: CallConv) -> Signature {
    let mut sig = Signature::new(host);
    sig.params.extend([AbiParam::new(types::I64); 4]);
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

/// Whether wasm calls host functions of this type through their register
/// entry: at most [`REGISTER_ARGS`] parameters and one result, each fitting
/// a 64-bit register.
pub fn host_call_in_registers(ty: &FuncType) -> bool {
    ty.params().len() <= REGISTER_ARGS
        && ty.results().len() <= 1
        && ty
            .params()
            .iter()
            .chain(ty.results())
            .all(|t| *t != ValType::V128)
}

/// The signature of a host function's register entry: the host context,
/// the caller's vmctx and [`REGISTER_ARGS`] arguments, returning the
/// result and the status.
pub fn host_register_entry_signature(host: CallConv) -> Signature {
    let mut sig = Signature::new(host);
    sig.params
        .extend([AbiParam::new(types::I64); 2 + REGISTER_ARGS]);
    sig.returns.extend([AbiParam::new(types::I64); 2]);
    sig
}
