//! macOS aarch64 (arm64): the interrupted registers in a signal context.
//!
//! Unlike Linux, `ucontext_t.uc_mcontext` is a pointer, to the
//! `__darwin_mcontext64` that the kernel placed in the signal frame next to
//! the `ucontext_t`. Its `__ss` (`__darwin_arm_thread_state64`,
//! `<mach/arm/_structs.h>`) holds `__pc`, `__sp` and `__fp` (x29), and
//! `sigreturn` reloads the thread state from it when the handler returns.
//!
//! For arm64 processes these fields are plain addresses. arm64e processes
//! (pointer authentication) see them as signed `__opaque_*` fields that
//! must go through the `__darwin_arm_thread_state64_{get,set}_*` macros,
//! and the kernel checks the signatures on `sigreturn`; Egret does not
//! target arm64e.

/// The interrupted program counter.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t` whose `uc_mcontext` is valid.
pub(in crate::traphandlers) unsafe fn pc(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` and its machine context are valid.
    unsafe { (*(*ctx).uc_mcontext).__ss.__pc as usize }
}

/// The interrupted stack pointer.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t` whose `uc_mcontext` is valid.
pub(in crate::traphandlers) unsafe fn sp(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` and its machine context are valid.
    unsafe { (*(*ctx).uc_mcontext).__ss.__sp as usize }
}

/// The interrupted frame pointer (x29).
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t` whose `uc_mcontext` is valid.
pub(in crate::traphandlers) unsafe fn fp(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` and its machine context are valid.
    unsafe { (*(*ctx).uc_mcontext).__ss.__fp as usize }
}

/// Makes the interrupted thread continue at `pc` with the given stack and
/// frame pointers when the signal handler returns.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t` whose `uc_mcontext` is valid and
/// writable.
pub(in crate::traphandlers) unsafe fn set_resume(
    ctx: *mut libc::ucontext_t,
    pc: usize,
    sp: usize,
    fp: usize,
) {
    // SAFETY: the caller guarantees `ctx` and its machine context are valid
    // and writable; the machine context is not otherwise referenced.
    let state = unsafe { &mut (*(*ctx).uc_mcontext).__ss };
    state.__pc = pc as u64;
    state.__sp = sp as u64;
    state.__fp = fp as u64;
}
