//! aarch64: the stubs for entering wasm, throwing from wasm, resuming at
//! a handler and exiting to builtins that may collect garbage, and
//! stripping signatures from return addresses.
//!
//! The stub is the same on Linux (AAPCS64) and macOS: where Apple's arm64
//! ABI departs from AAPCS64 (x18 reserved, packing of stack arguments,
//! variadic calls, a 128-byte red zone) the stub is unaffected.

use crate::libcalls;
use crate::traphandlers::ResumePoint;
use crate::traphandlers::throw::throw_from_wasm;
use egret_frontend::vmoffsets::{VMOffsets, store_ctx};
use std::mem::offset_of;

// egret_enter_wasm(callee_vmctx: x0, caller_vmctx: x1, wasm_call: x2,
//                  values: x3, array_call: x4, resume: x5) -> w0
//
// Builds a 160-byte frame holding the frame record (x29, x30), x19-x28 and
// d8-d15 (the callee-saved registers of AAPCS64; only the low 64 bits of
// v8-v15 are callee-saved), records the resume point, then calls
// `array_call(callee_vmctx, caller_vmctx, wasm_call, values)`, its
// arguments still in the registers they came in, and returns 0. The signal handler sends a trapped call to the resume label with sp
// and x29 as recorded here; every saved register, x30 included, is then
// reloaded from this frame and the stub returns 1.
//
// - sp stays 16-byte aligned: it is on entry, and the frame is 160 bytes.
// - x29 points to the frame record throughout, as both ABIs require, so
//   the trampoline's frame record links to it and frame walks end here.
// - Only x9 (a scratch register) is used besides the arguments; x16/x17
//   and the platform register x18 (reserved on macOS) are never written.
// - `adr` reaches the resume label PC-relatively: no relocation.
// - Pointer authentication: the stub neither signs nor authenticates x30;
//   it saves and reloads it, so a trap, which abandons the generated
//   frames without running their epilogues (and their `autib`), needs
//   nothing either. Generated code that signs its own return addresses
//   (on macOS) signs and authenticates them in its own frames.
asm_function!(
    "egret_enter_wasm",
    [
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
        "str x9, [x5, #{pc}]",
        "mov x9, sp",
        "str x9, [x5, #{sp}]",
        "str x29, [x5, #{fp}]",
        "blr x4",
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
    ],
    pc = const offset_of!(ResumePoint, pc),
    sp = const offset_of!(ResumePoint, sp),
    fp = const offset_of!(ResumePoint, fp),
);

unsafe extern "C" {
    /// The entry stub above, the aarch64 `enter_wasm`: saves the host's
    /// callee-saved registers, records the resume point in `resume`, calls
    /// `array_call(callee_vmctx, caller_vmctx, wasm_call, values)` and
    /// returns 0, or 1 when a trap or an uncaught exception sent execution
    /// back to the resume point. The trampoline's arguments come first, so
    /// the stub passes them on in the registers they arrive in.
    ///
    /// # Safety
    /// `array_call` may be called with these arguments, all generated code
    /// it runs keeps frame pointers, and `resume` is the resume point of
    /// the thread's innermost activation.
    pub(in crate::traphandlers) fn egret_enter_wasm(
        callee_vmctx: *mut u8,
        caller_vmctx: *mut u8,
        wasm_call: *const u8,
        values: *mut u128,
        array_call: *const u8,
        resume: *mut ResumePoint,
    ) -> u32;
}

// egret_throw_ref(vmctx: x2, exn: w3), called by generated code with
// Cranelift's `tail` convention (arguments from x2: x0 and x1 are
// reserved; every register clobbered).
//
// Pushes a frame record (x29, x30), so that `[x29]` is the caller's frame
// pointer and `[x29 + 8]` the return address into the caller (unsigned:
// `blr` does not sign it), and passes its address to
// `throw_from_wasm(vmctx, exn, record)`, which does not return.
asm_function!(
    "egret_throw_ref",
    [
        "stp x29, x30, [sp, #-16]!",
        "mov x29, sp",
        "mov x0, x2",
        "mov w1, w3",
        "mov x2, x29",
        "bl {throw}",
        "brk #0",
    ],
    throw = sym throw_from_wasm,
);

// egret_resume(pc: x0, sp: x1, fp: x2, payload: x3) -> !
//
// Continues at `pc` with the given stack and frame pointers: a handler
// with the exception reference in x0 (its first payload register; the
// second, x1, is zeroed), or the entry stub's resume label. x16 is the
// intra-procedure-call scratch register.
asm_function!(
    "egret_resume",
    [
        "mov x16, x0",
        "mov sp, x1",
        "mov x29, x2",
        "mov x0, x3",
        "mov x1, xzr",
        "br x16",
    ],
);

// An exit stub: the entry of a builtin that may collect garbage, called by
// generated code with AAPCS64, vmctx in x0 and at most eight arguments,
// all in registers.
//
// Pushes a frame record (x29, x30), so that `[x29]` is the caller's frame
// pointer and `[x29 + 8]` the return address into the caller, stores its
// address as the store context's `last_exit_fp` (through x16, the
// intra-procedure-call scratch register), and calls the builtin with the
// arguments untouched.
macro_rules! exit_stub {
    ($name:literal, $builtin:path) => {
        asm_function!(
            $name,
            [
                "stp x29, x30, [sp, #-16]!",
                "mov x29, sp",
                "ldr x16, [x0, #{store_ctx}]",
                "str x29, [x16, #{last_exit_fp}]",
                "bl {builtin}",
                "ldp x29, x30, [sp], #16",
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

/// `address` without its pointer authentication code, if it has one.
///
/// Generated code may sign the return addresses it saves in its frame
/// records: `cranelift-native` turns on `sign_return_address` (with the B
/// key) on macOS, so there they carry a PAC in their upper bits. Other
/// return addresses pass unchanged. `xpaclri` is in the hint space, so a
/// CPU without pointer authentication executes it as a no-op.
pub(in crate::traphandlers) fn strip_pointer_authentication(address: usize) -> usize {
    let stripped;
    // SAFETY: `xpaclri` only rewrites x30, which is this asm's operand; it
    // touches no memory, stack or flags.
    unsafe {
        core::arch::asm!(
            "xpaclri",
            inout("x30") address => stripped,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    stripped
}
