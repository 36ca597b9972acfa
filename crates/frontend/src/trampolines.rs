//! Trampolines between the host and wasm, generated per function type:
//!
//! - the *array-call* trampoline lets the host call a wasm function with
//!   its arguments in an array of 16-byte slots (results come back in the
//!   same array);
//! - the *host* trampoline lets wasm call a host function as if it were a
//!   wasm function: it spills the arguments to a stack array, calls the host
//!   function's entry (at offset 0 of its context) and raises
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

/// Builds the host trampoline for host functions of type `ty` into `func`.
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
    let entry_sig = b.import_signature(abi::host_entry_signature(isa.default_call_conv()));
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let params = b.block_params(entry).to_vec();
    let (host_ctx_ptr, caller_vmctx) = (params[0], params[1]);
    let return_area = uses_return_area(ty);
    let wasm_params = &params[abi::first_wasm_param(ty)..];

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
    let call = b.ins().call_indirect(
        entry_sig,
        host_entry,
        &[host_ctx_ptr, caller_vmctx, values, len],
    );
    let failed = b.inst_results(call)[0];
    let failure = b.create_block();
    let success = b.create_block();
    b.set_cold_block(failure);
    b.ins().brif(failed, failure, &[], success, &[]);
    b.seal_block(failure);
    b.seal_block(success);

    // A failure is a trap, unless the function threw a wasm exception:
    // then its reference is in the first slot, and the `throw_ref`
    // builtin (reached through the caller's vmctx, never null when wasm
    // calls) throws it from here, as if this frame had thrown it.
    b.switch_to_block(failure);
    let threw = b
        .ins()
        .icmp_imm_s(IntCC::Equal, failed, i64::from(host_ctx::THREW));
    b.ins().trapz(threw, TrapReason::HostFailed.code());
    let exn = b.ins().load(types::I32, value_flags(), values, 0);
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

    let mut results = Vec::with_capacity(ty.results().len());
    for (i, result) in ty.results().iter().enumerate() {
        let offset = (i as u32 * VALUE_SLOT_SIZE) as i32;
        let v = b
            .ins()
            .load(clif_type(*result), value_flags(), values, offset);
        results.push(v);
    }
    if return_area {
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
