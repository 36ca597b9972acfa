//! Linux aarch64: the interrupted registers in a signal context, in
//! `uc_mcontext` (`pc`, `sp`, and x29 in `regs[29]`), which the kernel
//! reloads when the handler returns.

/// The interrupted program counter.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(in crate::traphandlers) unsafe fn pc(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.pc as usize }
}

/// The interrupted stack pointer.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(in crate::traphandlers) unsafe fn sp(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.sp as usize }
}

/// The interrupted frame pointer (x29).
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(in crate::traphandlers) unsafe fn fp(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.regs[29] as usize }
}

/// Makes the interrupted thread continue at `pc` with the given stack and
/// frame pointers when the signal handler returns.
///
/// # Safety
///
/// `ctx` points to a valid, writable `ucontext_t`.
pub(in crate::traphandlers) unsafe fn set_resume(
    ctx: *mut libc::ucontext_t,
    pc: usize,
    sp: usize,
    fp: usize,
) {
    // SAFETY: the caller guarantees `ctx` is valid and writable.
    let mcontext = unsafe { &mut (*ctx).uc_mcontext };
    mcontext.pc = pc as u64;
    mcontext.sp = sp as u64;
    mcontext.regs[29] = fp as u64;
}
