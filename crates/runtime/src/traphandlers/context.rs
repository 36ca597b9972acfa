//! What the signal handler reads from, and writes to, the interrupted
//! thread: the registers in the signal context, one submodule per OS and
//! architecture, and whether a signal reports a fault, per OS.
//!
//! Each submodule provides `pc`, `sp` and `fp` (read from a
//! `ucontext_t`) and `set_resume` (write all three, so that returning from
//! the handler continues there).

#[cfg(not(any(
    all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ),
    all(target_os = "macos", target_arch = "aarch64"),
)))]
compile_error!("Egret's trap handling supports Linux on x86_64 and aarch64, and macOS on aarch64");

#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
mod linux_aarch64;
#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
pub(super) use linux_aarch64::{fp, pc, set_resume, sp};

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod linux_x86_64;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub(super) use linux_x86_64::{fp, pc, set_resume, sp};

#[cfg(all(target_os = "macos", target_arch = "aarch64"))]
mod macos_aarch64;
#[cfg(all(target_os = "macos", target_arch = "aarch64"))]
pub(super) use macos_aarch64::{fp, pc, set_resume, sp};

/// Whether `info` reports a fault of the interrupted instruction, as
/// opposed to a signal sent with `kill`, `tgkill`, `sigqueue` and the like.
///
/// Linux: faults have a positive `si_code` (`SEGV_MAPERR`, `ILL_ILLOPN`,
/// ..., or `SI_KERNEL`, 0x80, for faults without a more specific code);
/// signals sent from user space have `SI_USER` (0) or a negative code.
#[cfg(target_os = "linux")]
pub(super) fn is_fault(info: &libc::siginfo_t) -> bool {
    info.si_code > 0
}

/// Whether `info` reports a fault of the interrupted instruction, as
/// opposed to a signal sent with `kill`, `sigqueue` and the like.
///
/// macOS: fault codes are small positive numbers; `SI_USER` and the other
/// user-space codes start at 0x10001 (`<sys/signal.h>`). Best effort only:
/// for SIGILL, SIGBUS and SIGSEGV, XNU's arm64 `sendsig` fills in
/// `si_code` (`ILL_ILLTRP`, `BUS_ADRALN`, `SEGV_ACCERR`) and takes
/// `si_addr` from the exception state whether or not the thread faulted,
/// so a `kill` of one of those signals that interrupts a trap site is
/// taken for a trap.
#[cfg(target_os = "macos")]
pub(super) fn is_fault(info: &libc::siginfo_t) -> bool {
    /// `SI_USER` of `<sys/signal.h>` (the `libc` crate does not define it
    /// for Apple targets): the lowest code of a signal sent by software.
    const SI_USER: libc::c_int = 0x10001;
    info.si_code > 0 && info.si_code < SI_USER
}
