//! Linux x86_64: the interrupted registers in a signal context, in
//! `uc_mcontext.gregs` (`REG_RIP`, `REG_RSP`, `REG_RBP`), which the kernel
//! reloads when the handler returns.

/// The interrupted program counter.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(in crate::traphandlers) unsafe fn pc(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.gregs[libc::REG_RIP as usize] as usize }
}

/// The interrupted stack pointer.
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(in crate::traphandlers) unsafe fn sp(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.gregs[libc::REG_RSP as usize] as usize }
}

/// The interrupted frame pointer (rbp).
///
/// # Safety
///
/// `ctx` points to a valid `ucontext_t`.
pub(in crate::traphandlers) unsafe fn fp(ctx: *const libc::ucontext_t) -> usize {
    // SAFETY: the caller guarantees `ctx` is valid.
    unsafe { (*ctx).uc_mcontext.gregs[libc::REG_RBP as usize] as usize }
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
    let gregs = unsafe { &mut (*ctx).uc_mcontext.gregs };
    gregs[libc::REG_RIP as usize] = pc as libc::greg_t;
    gregs[libc::REG_RSP as usize] = sp as libc::greg_t;
    gregs[libc::REG_RBP as usize] = fp as libc::greg_t;
}
