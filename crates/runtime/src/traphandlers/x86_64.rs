//! x86_64 Linux specifics of trap handling: the entry stub and access to
//! the registers saved in a signal context.

use super::ResumePoint;
use std::mem::offset_of;

// egret_enter_wasm(resume: rdi, array_call: rsi, callee_vmctx: rdx,
//                  caller_vmctx: rcx, wasm_call: r8, values: r9) -> eax
//
// Builds a frame, saves the callee-saved registers, records the resume
// point, then calls `array_call(callee_vmctx, caller_vmctx, wasm_call,
// values)` and returns 0. The signal handler sends a trapped call to the
// resume label with rsp and rbp as recorded here; the callee-saved
// registers are then reloaded from this frame and the stub returns 1.
//
// Stack: the call pushed the return address (rsp = 8 mod 16); the six
// pushes and the `sub` leave rsp 16-byte aligned for the call.
core::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl egret_enter_wasm",
    ".hidden egret_enter_wasm",
    ".type egret_enter_wasm, @function",
    "egret_enter_wasm:",
    "push rbp",
    "mov rbp, rsp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "sub rsp, 8",
    "lea rax, [rip + 3f]",
    "mov [rdi + {pc}], rax",
    "mov [rdi + {sp}], rsp",
    "mov [rdi + {fp}], rbp",
    "mov rax, rsi",
    "mov rdi, rdx",
    "mov rsi, rcx",
    "mov rdx, r8",
    "mov rcx, r9",
    "call rax",
    "xor eax, eax",
    "jmp 4f",
    // The resume label: entered from the signal handler with rsp and rbp
    // as recorded above.
    "3:",
    "mov eax, 1",
    "4:",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
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
    unsafe { (*ctx).uc_mcontext.gregs[libc::REG_RIP as usize] as usize }
}

/// The interrupted stack pointer.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(super) unsafe fn context_sp(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.gregs[libc::REG_RSP as usize] as usize }
}

/// The interrupted frame pointer.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(super) unsafe fn context_fp(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.gregs[libc::REG_RBP as usize] as usize }
}

/// Makes the interrupted thread continue at `pc` with the given stack and
/// frame pointers when the signal handler returns.
///
/// # Safety
///
/// `ctx` points to a valid, writable `ucontext_t`.
pub(super) unsafe fn set_resume(ctx: *mut libc::ucontext_t, pc: usize, sp: usize, fp: usize) {
    // SAFETY: the caller guarantees `ctx` is valid and writable.
    let gregs = unsafe { &mut (*ctx).uc_mcontext.gregs };
    gregs[libc::REG_RIP as usize] = pc as libc::greg_t;
    gregs[libc::REG_RSP as usize] = sp as libc::greg_t;
    gregs[libc::REG_RBP as usize] = fp as libc::greg_t;
}
