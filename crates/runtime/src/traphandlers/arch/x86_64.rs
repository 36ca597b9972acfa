//! The x86_64 stubs: entering wasm (System V ABI), throwing from wasm
//! (Cranelift's `tail` convention), resuming at a handler, and the exits
//! to builtins that may collect garbage.

use crate::libcalls;
use crate::traphandlers::ResumePoint;
use crate::traphandlers::throw::throw_from_wasm;
use egret_frontend::vmoffsets::{VMOffsets, store_ctx};
use std::mem::offset_of;

// egret_enter_wasm(callee_vmctx: rdi, caller_vmctx: rsi, wasm_call: rdx,
//                  values: rcx, array_call: r8, resume: r9) -> eax
//
// Builds a frame, saves the callee-saved registers, records the resume
// point, then calls `array_call(callee_vmctx, caller_vmctx, wasm_call,
// values)`, its arguments still in the registers they came in, and
// returns 0. The signal handler sends a trapped call to the
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
        "mov [r9 + {pc}], rax",
        "mov [r9 + {sp}], rsp",
        "mov [r9 + {fp}], rbp",
        "call r8",
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
