//! Trampolines between the host and wasm, generated per function type:
//!
//! - the *array-call* trampoline lets the host call a wasm function with
//!   its arguments in an array of 16-byte slots (results come back in the
//!   same array);
//! - the *host* trampoline lets wasm call a host function as if it were a
//!   wasm function: it spills the arguments to a stack array and calls the
//!   host function's entry (at offset 0 of its context), or passes them in
//!   registers to its register entry (at offset 8) when they fit, and raises
//!   `TrapReason::HostFailed` if that reports a failure, or throws the wasm
//!   exception it reports.
//!
//! The conventions are described in `abi.rs`.

use crate::abi::{self, VALUE_SLOT_SIZE, clif_type, uses_return_area};
use crate::builtins::Builtin;
use crate::traps::{Trap, TrapReason};
use crate::types::FuncType;
use crate::vmoffsets::{VMOffsets, host_ctx, store_ctx};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, UserFuncName, types,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

fn value_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Builds the array-call trampoline for functions of type `ty` into `func`.
pub fn build_array_call(
    ty: &FuncType,
    isa: &dyn TargetIsa,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) {
    func.clear();
    func.name = UserFuncName::user(1, 0);
    func.signature = abi::array_call_signature(isa.default_call_conv());
    let wasm_sig = abi::wasm_signature(ty);
    let mut b = FunctionBuilder::new(func, fctx);
    let sig_ref = b.import_signature(wasm_sig);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let [callee_vmctx, caller_vmctx, wasm_call, values] = b.block_params(entry) else {
        unreachable!("array-call signature has four parameters")
    };
    let (callee_vmctx, caller_vmctx, wasm_call, values) =
        (*callee_vmctx, *caller_vmctx, *wasm_call, *values);

    let mut args = vec![callee_vmctx, caller_vmctx];
    let return_area = uses_return_area(ty);
    if return_area {
        // Results go straight into the values array.
        args.push(values);
    }
    for (i, param) in ty.params().iter().enumerate() {
        let offset = (i as u32 * VALUE_SLOT_SIZE) as i32;
        args.push(
            b.ins()
                .load(clif_type(*param), value_flags(), values, offset),
        );
    }
    let call = b.ins().call_indirect(sig_ref, wasm_call, &args);
    if !return_area {
        let results = b.inst_results(call).to_vec();
        for (i, result) in results.into_iter().enumerate() {
            let offset = (i as u32 * VALUE_SLOT_SIZE) as i32;
            b.ins().store(value_flags(), result, values, offset);
        }
    }
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
}

/// Builds the host trampoline for host functions of type `ty` into `func`:
/// through the function's register entry for a register type
/// (`abi::host_call_in_registers`), through its array entry otherwise.
pub fn build_host_call(
    ty: &FuncType,
    isa: &dyn TargetIsa,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) {
    func.clear();
    func.name = UserFuncName::user(1, 1);
    func.signature = abi::wasm_signature(ty);
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let params = b.block_params(entry).to_vec();
    let (host_ctx_ptr, caller_vmctx) = (params[0], params[1]);
    let wasm_params = &params[abi::first_wasm_param(ty)..];

    // The throwing path below needs the caller's vmctx after the call:
    // kept in a stack slot rather than in a callee-saved register, which
    // every call would save and restore.
    let caller_vmctx_slot =
        b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
    b.ins()
        .stack_store(types::I64, caller_vmctx, caller_vmctx_slot, 0);
    // The host may collect garbage: record this frame, whose record holds
    // the wasm caller's frame pointer and return address, as the exit the
    // collector starts walking wasm frames from.
    let store_ctx_ptr = b.ins().load(
        types::I64,
        value_flags(),
        caller_vmctx,
        VMOffsets::STORE_CTX as i32,
    );
    let frame_pointer = b.ins().get_frame_pointer(types::I64);
    b.ins().store(
        value_flags(),
        frame_pointer,
        store_ctx_ptr,
        store_ctx::LAST_EXIT_FP as i32,
    );

    let call = if abi::host_call_in_registers(ty) {
        call_register_entry(&mut b, isa, host_ctx_ptr, caller_vmctx, wasm_params)
    } else {
        call_array_entry(&mut b, isa, ty, host_ctx_ptr, caller_vmctx, wasm_params)
    };
    let failure = b.create_block();
    let success = b.create_block();
    b.set_cold_block(failure);
    b.ins().brif(call.status, failure, &[], success, &[]);
    b.seal_block(failure);
    b.seal_block(success);

    // A failure is a trap, unless the function threw a wasm exception:
    // then the entry has handed over its reference, and the `throw_ref`
    // builtin (reached through the caller's vmctx, never null when wasm
    // calls) throws it from here, as if this frame had thrown it.
    b.switch_to_block(failure);
    let threw = b
        .ins()
        .icmp_imm_s(IntCC::Equal, call.status, i64::from(host_ctx::THREW));
    b.ins().trapz(threw, TrapReason::HostFailed.code());
    let exn = call.outputs.exception(&mut b);
    let caller_vmctx = b
        .ins()
        .stack_load(types::I64, types::I64, caller_vmctx_slot, 0);
    let throw_sig = b.import_signature(Builtin::throw_ref.signature(isa.default_call_conv()));
    let builtins = b.ins().load(
        types::I64,
        value_flags(),
        caller_vmctx,
        VMOffsets::BUILTINS as i32,
    );
    let throw = b.ins().load(
        types::I64,
        value_flags(),
        builtins,
        Builtin::throw_ref.table_offset(),
    );
    b.ins()
        .call_indirect(throw_sig, throw, &[caller_vmctx, exn]);
    b.ins().trap(Trap::UnreachableCodeReached.code());

    b.switch_to_block(success);
    let results = call.outputs.results(&mut b, ty);
    if uses_return_area(ty) {
        let area = params[2];
        for (i, v) in results.iter().enumerate() {
            let offset = (i as u32 * VALUE_SLOT_SIZE) as i32;
            b.ins().store(value_flags(), *v, area, offset);
        }
        b.ins().return_(&[]);
    } else {
        b.ins().return_(&results);
    }
    b.finalize(isa.frontend_config());
}

/// A host trampoline's call of the function's entry: the status it
/// returned (0 on success, else `host_ctx::FAILED` or `host_ctx::THREW`),
/// and where the results (or the thrown exception's reference) are.
struct EntryCall {
    status: ir::Value,
    outputs: EntryOutputs,
}

/// Where an entry leaves its results, or the thrown exception's reference.
enum EntryOutputs {
    /// In the array of value slots at this address, one per slot.
    Array(ir::Value),
    /// In this register, as bits (see `call_register_entry`).
    Register(ir::Value),
}

impl EntryOutputs {
    /// The reference of the exception the function threw.
    fn exception(&self, b: &mut FunctionBuilder) -> ir::Value {
        match *self {
            EntryOutputs::Array(values) => b.ins().load(types::I32, value_flags(), values, 0),
            EntryOutputs::Register(bits) => b.ins().ireduce(types::I32, bits),
        }
    }

    /// The function's results, of `ty`'s result types.
    fn results(&self, b: &mut FunctionBuilder, ty: &FuncType) -> Vec<ir::Value> {
        let result_types = ty.results().iter().map(|t| clif_type(*t));
        match *self {
            EntryOutputs::Array(values) => result_types
                .enumerate()
                .map(|(i, t)| {
                    let offset = (i as u32 * VALUE_SLOT_SIZE) as i32;
                    b.ins().load(t, value_flags(), values, offset)
                })
                .collect(),
            EntryOutputs::Register(bits) => result_types
                .map(|t| value_from_register_bits(b, bits, t))
                .collect(),
        }
    }
}

/// Calls the array entry: the arguments go to a stack array of value
/// slots, from which the results (or the thrown exception) are read back.
fn call_array_entry(
    b: &mut FunctionBuilder,
    isa: &dyn TargetIsa,
    ty: &FuncType,
    host_ctx_ptr: ir::Value,
    caller_vmctx: ir::Value,
    wasm_params: &[ir::Value],
) -> EntryCall {
    let entry_sig = b.import_signature(abi::host_entry_signature(isa.default_call_conv()));
    let slots = ty.params().len().max(ty.results().len()).max(1) as u32;
    let slot = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        slots * VALUE_SLOT_SIZE,
        4,
    ));
    let values = b.ins().stack_addr(types::I64, slot, 0);
    for (i, v) in wasm_params.iter().enumerate() {
        let offset = (i as u32 * VALUE_SLOT_SIZE) as i32;
        b.ins().store(value_flags(), *v, values, offset);
    }
    let host_entry = b.ins().load(
        types::I64,
        value_flags(),
        host_ctx_ptr,
        host_ctx::ENTRY as i32,
    );
    let len = b.ins().iconst(types::I64, i64::from(slots));
    let call = b.ins().call_indirect(
        entry_sig,
        host_entry,
        &[host_ctx_ptr, caller_vmctx, values, len],
    );
    EntryCall {
        status: b.inst_results(call)[0],
        outputs: EntryOutputs::Array(values),
    }
}

/// Calls the register entry (a register type's): each argument's bits
/// zero-extended to 64 in a register, the result's bits coming back in
/// one (or the thrown exception's reference, in the same register).
fn call_register_entry(
    b: &mut FunctionBuilder,
    isa: &dyn TargetIsa,
    host_ctx_ptr: ir::Value,
    caller_vmctx: ir::Value,
    wasm_params: &[ir::Value],
) -> EntryCall {
    let entry_sig = b.import_signature(abi::host_register_entry_signature(isa.default_call_conv()));
    let mut args = vec![host_ctx_ptr, caller_vmctx];
    args.extend(wasm_params.iter().map(|v| register_bits(b, *v)));
    while args.len() < 2 + host_ctx::REGISTER_ARGS {
        args.push(b.ins().iconst(types::I64, 0));
    }
    let host_entry = b.ins().load(
        types::I64,
        value_flags(),
        host_ctx_ptr,
        host_ctx::REGISTER_ENTRY as i32,
    );
    let call = b.ins().call_indirect(entry_sig, host_entry, &args);
    let [result, status] = *b.inst_results(call) else {
        unreachable!("the register entry returns two values")
    };
    EntryCall {
        status,
        outputs: EntryOutputs::Register(result),
    }
}

/// A wasm value's bits, zero-extended to 64, as the register entry takes
/// them.
fn register_bits(b: &mut FunctionBuilder, v: ir::Value) -> ir::Value {
    let bits = match b.func.dfg.value_type(v) {
        types::F32 => b.ins().bitcast(types::I32, MemFlagsData::new(), v),
        types::F64 => b.ins().bitcast(types::I64, MemFlagsData::new(), v),
        _ => v,
    };
    if b.func.dfg.value_type(bits) == types::I64 {
        bits
    } else {
        b.ins().uextend(types::I64, bits)
    }
}

/// The value of type `ty` whose bits are the low bits of `bits`.
fn value_from_register_bits(b: &mut FunctionBuilder, bits: ir::Value, ty: ir::Type) -> ir::Value {
    let int = match ty.bits() {
        64 => bits,
        width => b
            .ins()
            .ireduce(ir::Type::int(width as u16).expect("32 bits"), bits),
    };
    if ty.is_float() {
        b.ins().bitcast(ty, MemFlagsData::new(), int)
    } else {
        int
    }
}
