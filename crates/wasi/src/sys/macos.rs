//! macOS: stand-ins for what Linux has and macOS lacks or does
//! differently, each keeping what the guest sees the same as on Linux (or
//! saying where it cannot).

use crate::abi::Advice;
use crate::errno::{Errno, WasiResult};
use rustix::fs::{AtFlags, FallocateFlags, FileType, OFlags, fstat, statat};
use rustix::io::Errno as E;
use std::ffi::OsStr;
use std::os::fd::BorrowedFd;

/// How the resolver opens a directory it only walks through. macOS has
/// no `O_PATH`, so it is opened for reading, which needs read permission
/// on the directory as well as search permission (a `--x` directory that
/// Linux lets the guest walk through is `EACCES` here). The no-follow
/// guarantee is the same as on Linux: the name is always one component,
/// and `O_NOFOLLOW` refuses it if it is a symlink.
pub(crate) const DIR_HANDLE: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// The host flag for WASI's `RSYNC`. macOS has no `O_RSYNC`; Linux's is
/// `O_SYNC`, so macOS uses `O_SYNC` too and both behave (and report) the
/// same.
pub(crate) const RSYNC: OFlags = OFlags::SYNC;

/// macOS has no `posix_fadvise`. Advice is only a hint, so this succeeds
/// without doing anything, after refusing what Linux's refuses: a negative
/// length (`EINVAL`) and a FIFO or socket (`ESPIPE`).
pub(crate) fn advise(fd: BorrowedFd, _offset: u64, len: u64, _advice: Advice) -> WasiResult<()> {
    if i64::try_from(len).is_err() {
        return Err(Errno::Inval);
    }
    match FileType::from_raw_mode(fstat(fd)?.st_mode) {
        FileType::Fifo | FileType::Socket => Err(Errno::Spipe),
        _ => Ok(()),
    }
}

/// `posix_fallocate`'s semantics, which macOS lacks: make sure the bytes
/// `offset..offset + len` are allocated, growing the file if it is
/// shorter, never shrinking it. Refuses what Linux's `fallocate` refuses,
/// with the same errnos, in the same order.
///
/// A file already that long is left alone (macOS cannot allocate the
/// holes of a sparse file). A shorter one gets `F_PREALLOCATE` and
/// `ftruncate` to the new length (rustix's `fallocate` on macOS, which
/// would shrink a longer file, so it is only called to grow). Where the
/// filesystem declines to preallocate (`ENOTSUP`; or `EINVAL`, which APFS
/// answers when it counts the blocks as already there, as it can for a
/// file written moments before) the file is still grown with `ftruncate`,
/// without the space being reserved. The size is checked and set in two
/// steps, so a file another process grows in between can lose its new
/// end.
pub(crate) fn allocate(fd: BorrowedFd, offset: u64, len: u64) -> WasiResult<()> {
    let (Ok(start), Ok(signed_len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return Err(Errno::Inval);
    };
    if len == 0 {
        return Err(Errno::Inval);
    }
    if rustix::fs::fcntl_getfl(fd)? & OFlags::RWMODE == OFlags::RDONLY {
        return Err(Errno::Badf);
    }
    let st = fstat(fd)?;
    match FileType::from_raw_mode(st.st_mode) {
        FileType::RegularFile => {}
        FileType::Fifo | FileType::Socket => return Err(Errno::Spipe),
        FileType::Directory => return Err(Errno::IsDir),
        _ => return Err(Errno::NoDev),
    }
    let end = start.checked_add(signed_len).ok_or(Errno::Fbig)?;
    if end <= st.st_size {
        return Ok(());
    }
    match rustix::fs::fallocate(fd, FallocateFlags::empty(), offset, len) {
        Err(E::NOTSUP | E::OPNOTSUPP | E::INVAL) => Ok(rustix::fs::ftruncate(fd, end as u64)?),
        result => Ok(result?),
    }
}

/// `F_FULLFSYNC`: macOS's `fsync` leaves the data in the drive's cache,
/// where Linux's `fsync` flushes it; `F_FULLFSYNC` does (it is what Rust's
/// `File::sync_all` uses on macOS). Filesystems that cannot flush a drive
/// cache refuse it, and get a plain `fsync`.
pub(crate) fn sync(fd: BorrowedFd) -> WasiResult<()> {
    match rustix::fs::fcntl_fullfsync(fd) {
        Err(E::NOTSUP | E::OPNOTSUPP | E::INVAL | E::NOTTY) => Ok(rustix::fs::fsync(fd)?),
        result => Ok(result?),
    }
}

/// macOS documents no `fdatasync` (and rustix offers none there); the full
/// sync does everything it would.
pub(crate) fn datasync(fd: BorrowedFd) -> WasiResult<()> {
    sync(fd)
}

unsafe extern "C" {
    /// `getentropy(3)`, in libSystem since macOS 10.12: up to 256 bytes
    /// from the kernel's cryptographic random source per call.
    fn getentropy(buf: *mut core::ffi::c_void, len: usize) -> core::ffi::c_int;
}

/// Fills `buf` from the kernel's cryptographic random source.
pub(crate) fn fill_random(buf: &mut [u8]) -> WasiResult<()> {
    for chunk in buf.chunks_mut(256) {
        // SAFETY: `chunk` is valid for writes of `chunk.len()` bytes, and
        // that is at most the 256 `getentropy` accepts.
        if unsafe { getentropy(chunk.as_mut_ptr().cast(), chunk.len()) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
    }
    Ok(())
}

/// `unlinkat(dir, name, 0)`. For a directory macOS answers `EPERM` where
/// Linux (and WASI) say `EISDIR`.
pub(crate) fn unlink_file(dir: BorrowedFd, name: &OsStr) -> WasiResult<()> {
    match rustix::fs::unlinkat(dir, name, AtFlags::empty()) {
        Err(E::PERM) => match statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Directory => {
                Err(Errno::IsDir)
            }
            _ => Err(Errno::Perm),
        },
        result => Ok(result?),
    }
}

/// macOS has `ENOTSUP` and `EOPNOTSUPP` as two numbers (Linux has one):
/// both are WASI's `notsup`.
pub(crate) fn canonical_errno(e: E) -> E {
    if e == E::OPNOTSUPP { E::NOTSUP } else { e }
}

/// Whether `POLLNVAL` for `fd` means that `poll` cannot watch it rather
/// than that it is closed: macOS's `poll` does not support devices (its
/// manual says so), and may flag one (a terminal, `/dev/null`)
/// `POLLNVAL`. Such a descriptor that is still open is reported ready, as
/// regular files are; reading it may then block.
pub(crate) fn poll_unsupported(fd: BorrowedFd) -> bool {
    rustix::io::fcntl_getfd(fd).is_ok()
}
