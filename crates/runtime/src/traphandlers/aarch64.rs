//! aarch64 Linux specifics of trap handling: the entry stub and access to
//! the registers saved in a signal context.

use super::ResumePoint;
use std::mem::offset_of;

// egret_enter_wasm(resume: x0, array_call: x1, callee_vmctx: x2,
//                  caller_vmctx: x3, wasm_call: x4, values: x5) -> w0
//
// Builds a 160-byte frame holding the frame record (x29, x30), x19-x28 and
// d8-d15 (the callee-saved registers of AAPCS64; only the low 64 bits of
// v8-v15 are callee-saved), records the resume point, then calls
// `array_call(callee_vmctx, caller_vmctx, wasm_call, values)` and returns
// 0. The signal handler sends a trapped call to the resume label with sp
// and x29 as recorded here; every saved register, x30 included, is then
// reloaded from this frame and the stub returns 1.
core::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl egret_enter_wasm",
    ".hidden egret_enter_wasm",
    ".type egret_enter_wasm, @function",
    "egret_enter_wasm:",
    "stp x29, x30, [sp, #-160]!",
    "mov x29, sp",
    "stp x19, x20, [sp, #16]",
    "stp x21, x22, [sp, #32]",
    "stp x23, x24, [sp, #48]",
    "stp x25, x26, [sp, #64]",
    "stp x27, x28, [sp, #80]",
    "stp d8, d9, [sp, #96]",
    "stp d10, d11, [sp, #112]",
    "stp d12, d13, [sp, #128]",
    "stp d14, d15, [sp, #144]",
    "adr x9, 3f",
    "str x9, [x0, #{pc}]",
    "mov x9, sp",
    "str x9, [x0, #{sp}]",
    "str x29, [x0, #{fp}]",
    "mov x9, x1",
    "mov x0, x2",
    "mov x1, x3",
    "mov x2, x4",
    "mov x3, x5",
    "blr x9",
    "mov w0, #0",
    "b 4f",
    // The resume label: entered from the signal handler with sp and x29
    // as recorded above.
    "3:",
    "mov w0, #1",
    "4:",
    "ldp d14, d15, [sp, #144]",
    "ldp d12, d13, [sp, #128]",
    "ldp d10, d11, [sp, #112]",
    "ldp d8, d9, [sp, #96]",
    "ldp x27, x28, [sp, #80]",
    "ldp x25, x26, [sp, #64]",
    "ldp x23, x24, [sp, #48]",
    "ldp x21, x22, [sp, #32]",
    "ldp x19, x20, [sp, #16]",
    "ldp x29, x30, [sp], #160",
    "ret",
    ".size egret_enter_wasm, . - egret_enter_wasm",
    pc = const offset_of!(ResumePoint, pc),
    sp = const offset_of!(ResumePoint, sp),
    fp = const offset_of!(ResumePoint, fp),
);

/// The interrupted program counter.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(super) unsafe fn context_pc(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.pc as usize }
}

/// The interrupted stack pointer.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(super) unsafe fn context_sp(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.sp as usize }
}

/// The interrupted frame pointer (x29).
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(super) unsafe fn context_fp(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.regs[29] as usize }
}

/// Makes the interrupted thread continue at `pc` with the given stack and
/// frame pointers when the signal handler returns.
///
/// # Safety
///
/// `ctx` points to a valid, writable `ucontext_t`.
pub(super) unsafe fn set_resume(ctx: *mut libc::ucontext_t, pc: usize, sp: usize, fp: usize) {
    // SAFETY: the caller guarantees `ctx` is valid and writable.
    let mcontext = unsafe { &mut (*ctx).uc_mcontext };
    mcontext.pc = pc as u64;
    mcontext.sp = sp as u64;
    mcontext.regs[29] = fp as u64;
}
