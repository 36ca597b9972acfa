//! The x86_64 stubs: entering wasm (System V ABI), throwing from wasm
//! (Cranelift's `tail` convention), resuming at a handler, and the exits
//! to builtins that may collect garbage.

use crate::libcalls;
use crate::traphandlers::ResumePoint;
use crate::traphandlers::throw::throw_from_wasm;
use egret_frontend::vmoffsets::{VMOffsets, store_ctx};
use std::mem::offset_of;

/// Calls `array_call(callee_vmctx, caller_vmctx, wasm_call, values)` (the
/// System V convention, the arguments in the registers they are passed in)
/// and returns 0, or 1 when a trap or an uncaught exception sent execution
/// to the resume point recorded in `resume` (see `egret_enter_wasm` on
/// aarch64 for the contract).
///
/// Inline assembly rather than a stub of its own, so that the compiler
/// saves only what it keeps live across the call: the block declares every
/// register of the C ABI clobbered, r12 to r15 as well, and itself saves the
/// two it may not name, rbx and rbp. It pushes rbp and points rbp at it
/// (the record where frame walks stop: the caller's data lies above it,
/// not a return address), pushes rbx, records its resume label, stack
/// pointer and frame pointer in `resume`, and calls the trampoline. The signal handler (or
/// the unwinder) sends a trapped call to the resume label with rsp and rbp
/// as recorded; the block then pops rbx and rbp, so the compiler finds
/// them as it left them, and the clobbered registers are garbage on either
/// path, as declared.
///
/// Stack: an asm block without `nostack` starts with rsp aligned for a call
/// (16 bytes) and may push below it; the two pushes keep that alignment.
///
/// # Safety
/// `array_call` may be called with these arguments, all generated code it
/// runs keeps frame pointers, and `resume` is the resume point of the
/// thread's innermost activation.
#[inline(always)]
pub(in crate::traphandlers) unsafe fn enter_wasm(
    callee_vmctx: *mut u8,
    caller_vmctx: *mut u8,
    wasm_call: *const u8,
    values: *mut u128,
    array_call: *const u8,
    resume: *mut ResumePoint,
) -> u32 {
    let trapped: u32;
    // SAFETY: per the contract; the block restores rsp, rbx and rbp on
    // both paths and declares every other register it or the callee may
    // change clobbered.
    unsafe {
        core::arch::asm!(
            "push rbp",
            "mov rbp, rsp",
            "push rbx",
            "lea rax, [rip + 3f]",
            "mov [r9 + {pc}], rax",
            "mov [r9 + {sp}], rsp",
            "mov [r9 + {fp}], rbp",
            "call r8",
            "xor eax, eax",
            "jmp 4f",
            // The resume label: entered from the signal handler (or
            // `egret_resume`) with rsp and rbp as recorded above.
            "3:",
            "mov eax, 1",
            "4:",
            "pop rbx",
            "pop rbp",
            pc = const offset_of!(ResumePoint, pc),
            sp = const offset_of!(ResumePoint, sp),
            fp = const offset_of!(ResumePoint, fp),
            in("rdi") callee_vmctx,
            in("rsi") caller_vmctx,
            in("rdx") wasm_call,
            in("rcx") values,
            in("r8") array_call,
            in("r9") resume,
            lateout("eax") trapped,
            out("r12") _,
            out("r13") _,
            out("r14") _,
            out("r15") _,
            clobber_abi("C"),
        );
    }
    trapped
}

// egret_throw_ref(vmctx: rdi, exn: esi), called by generated code with
// Cranelift's `tail` convention (the first arguments in the System V
// registers, every register clobbered).
//
// Pushes a frame record, so that `[rbp]` is the caller's frame pointer and
// `[rbp + 8]` the return address into the caller, and passes its address
// to `throw_from_wasm(vmctx, exn, record)`, which does not return. The
// record push leaves rsp 16-byte aligned for the call.
asm_function!(
    "egret_throw_ref",
    [
        "push rbp",
        "mov rbp, rsp",
        "mov rdx, rbp",
        "call {throw}",
        "ud2",
    ],
    throw = sym throw_from_wasm,
);

// egret_resume(pc: rdi, sp: rsi, fp: rdx, payload: rcx) -> !
//
// Continues at `pc` with the given stack and frame pointers: a handler
// with the exception reference in rax (its first payload register; the
// second, rdx, is zeroed), or the entry stub's resume label.
asm_function!(
    "egret_resume",
    [
        "mov rsp, rsi",
        "mov rbp, rdx",
        "mov rax, rcx",
        "xor edx, edx",
        "jmp rdi",
    ],
);

// An exit stub: the entry of a builtin that may collect garbage, called by
// generated code with the System V convention, vmctx in rdi and at most
// six arguments, all in registers.
//
// Pushes a frame record, so that `[rbp]` is the caller's frame pointer and
// `[rbp + 8]` the return address into the caller, stores its address as
// the store context's `last_exit_fp` (rax is free: it holds no argument),
// and calls the builtin with the arguments untouched. The record push
// leaves rsp 16-byte aligned for the call.
macro_rules! exit_stub {
    ($name:literal, $builtin:path) => {
        asm_function!(
            $name,
            [
                "push rbp",
                "mov rbp, rsp",
                "mov rax, [rdi + {store_ctx}]",
                "mov [rax + {last_exit_fp}], rbp",
                "call {builtin}",
                "pop rbp",
                "ret",
            ],
            store_ctx = const VMOffsets::STORE_CTX,
            last_exit_fp = const store_ctx::LAST_EXIT_FP,
            builtin = sym $builtin,
        );
    };
}

exit_stub!("egret_exit_gc_alloc", libcalls::gc_alloc);
exit_stub!("egret_exit_array_new_data", libcalls::array_new_data);
exit_stub!("egret_exit_array_new_elem", libcalls::array_new_elem);
exit_stub!("egret_exit_exn_new", libcalls::exn_new);
exit_stub!(
    "egret_exit_epoch_deadline_reached",
    libcalls::epoch_deadline_reached
);
