//! The x86_64 entry stub (System V ABI).

use crate::traphandlers::ResumePoint;
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
asm_function!(
    "egret_enter_wasm",
    [
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
    ],
    pc = const offset_of!(ResumePoint, pc),
    sp = const offset_of!(ResumePoint, sp),
    fp = const offset_of!(ResumePoint, fp),
);
