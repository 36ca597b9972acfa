//! Linux: the host calls as their names say.

use crate::abi::Advice;
use crate::errno::WasiResult;
use rustix::fs::{FallocateFlags, OFlags};
use std::ffi::OsStr;
use std::num::NonZeroU64;
use std::os::fd::BorrowedFd;

/// How the resolver opens a directory it only walks through: `O_PATH`
/// needs no read permission and opens nothing but a handle for `*at`
/// calls.
pub(crate) const DIR_HANDLE: OFlags = OFlags::PATH
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// The host flag for WASI's `RSYNC` (glibc's `O_RSYNC` is `O_SYNC`).
pub(crate) const RSYNC: OFlags = OFlags::RSYNC;

/// `posix_fadvise`.
pub(crate) fn advise(fd: BorrowedFd, offset: u64, len: u64, advice: Advice) -> WasiResult<()> {
    use rustix::fs::Advice as Host;
    let advice = match advice {
        Advice::Normal => Host::Normal,
        Advice::Sequential => Host::Sequential,
        Advice::Random => Host::Random,
        Advice::WillNeed => Host::WillNeed,
        Advice::DontNeed => Host::DontNeed,
        Advice::NoReuse => Host::NoReuse,
    };
    Ok(rustix::fs::fadvise(
        fd,
        offset,
        NonZeroU64::new(len),
        advice,
    )?)
}

/// `fallocate` without flags: `posix_fallocate`'s semantics.
pub(crate) fn allocate(fd: BorrowedFd, offset: u64, len: u64) -> WasiResult<()> {
    Ok(rustix::fs::fallocate(
        fd,
        FallocateFlags::empty(),
        offset,
        len,
    )?)
}

/// `fsync`.
pub(crate) fn sync(fd: BorrowedFd) -> WasiResult<()> {
    Ok(rustix::fs::fsync(fd)?)
}

/// `fdatasync`.
pub(crate) fn datasync(fd: BorrowedFd) -> WasiResult<()> {
    Ok(rustix::fs::fdatasync(fd)?)
}

/// Fills `buf` from the kernel's cryptographic random source.
pub(crate) fn fill_random(buf: &mut [u8]) -> WasiResult<()> {
    use rustix::rand::{GetRandomFlags, getrandom};
    let mut filled = 0;
    while filled < buf.len() {
        match getrandom(&mut buf[filled..], GetRandomFlags::empty()) {
            Ok(n) => filled += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// `unlinkat(dir, name, 0)`; a directory is `EISDIR`.
pub(crate) fn unlink_file(dir: BorrowedFd, name: &OsStr) -> WasiResult<()> {
    Ok(rustix::fs::unlinkat(
        dir,
        name,
        rustix::fs::AtFlags::empty(),
    )?)
}

/// Linux has one number per error.
pub(crate) fn canonical_errno(e: rustix::io::Errno) -> rustix::io::Errno {
    e
}

/// Whether `POLLNVAL` for `fd` means that `poll` cannot watch it (rather
/// than that it is closed): never on Linux.
pub(crate) fn poll_unsupported(_fd: BorrowedFd) -> bool {
    false
}
