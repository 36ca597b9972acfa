//! A descriptor's attributes and housekeeping: `fd_fdstat_get`,
//! `fd_fdstat_set_flags`, `fd_filestat_get`, `fd_filestat_set_size`,
//! `fd_filestat_set_times`, `fd_advise`, `fd_allocate`, `fd_sync`,
//! `fd_datasync`.

use crate::abi::{Advice, Fdstat, Filestat, Filetype, fdflags, rights};
use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::fdtable::Descriptor;
use crate::guest::GuestMemory;
use crate::sys;
use crate::times::timestamps;
use rustix::fs::{FileType, OFlags, fcntl_getfl, fcntl_setfl, fstat};
use std::os::fd::{AsFd, BorrowedFd};

pub(crate) fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    out: u32,
) -> WasiResult<()> {
    let stat = match ctx.fds.get(fd)? {
        Descriptor::Stream(stream) => Fdstat {
            filetype: stream.filetype(),
            flags: 0,
            rights_base: stream.rights(),
            rights_inheriting: 0,
        },
        Descriptor::File(file) => {
            let read = if file.readable { rights::FD_READ } else { 0 };
            let write = if file.writable {
                rights::WRITE_FAMILY
            } else {
                0
            };
            Fdstat {
                filetype: FileType::from_raw_mode(fstat(&file.fd)?.st_mode).into(),
                flags: fdflags_of(file.fd.as_fd())?,
                rights_base: rights::FILE_BASE | read | write,
                rights_inheriting: 0,
            }
        }
        Descriptor::Dir(_) => Fdstat {
            filetype: Filetype::Directory,
            flags: 0,
            rights_base: rights::DIRECTORY,
            rights_inheriting: rights::INHERITED,
        },
    };
    mem.write(out, &stat.encode())
}

/// The WASI flags a host descriptor is in.
fn fdflags_of(fd: BorrowedFd) -> WasiResult<u16> {
    let host = fcntl_getfl(fd)?;
    let mut flags = 0;
    for (host_flag, flag) in FLAG_PAIRS {
        if host.contains(host_flag) {
            flags |= flag;
        }
    }
    // `SYNC` does everything `DSYNC` does. On Linux `O_SYNC` includes
    // `O_DSYNC`'s bit (and rustix opens `DSYNC` as `O_SYNC`), so this
    // changes nothing there; on macOS the two bits are separate, and this
    // makes a `SYNC` file report both there too.
    if flags & fdflags::SYNC != 0 {
        flags |= fdflags::DSYNC;
    }
    Ok(flags)
}

/// Host open flags and the WASI `fdflags` for them. A file opened with
/// `SYNC` (or `RSYNC`, which is `O_SYNC` on both hosts) reports `SYNC`
/// and `DSYNC`.
const FLAG_PAIRS: [(OFlags, u16); 4] = [
    (OFlags::APPEND, fdflags::APPEND),
    (OFlags::NONBLOCK, fdflags::NONBLOCK),
    (OFlags::SYNC, fdflags::SYNC),
    (OFlags::DSYNC, fdflags::DSYNC),
];

/// Only `APPEND` and `NONBLOCK` can change after opening (as with
/// `fcntl(F_SETFL)`); asking to change a sync flag is `ENOTSUP`.
pub(crate) fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    fd: u32,
    flags: u32,
) -> WasiResult<()> {
    let file = match ctx.fds.get(fd)? {
        Descriptor::File(file) => file.fd.as_fd(),
        _ if flags == 0 => return Ok(()),
        _ => return Err(Errno::NotSup),
    };
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    let changeable = fdflags::APPEND | fdflags::NONBLOCK;
    let sync = fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC;
    if flags & !(changeable | sync) != 0 {
        return Err(Errno::Inval);
    }
    let current = fdflags_of(file)?;
    if (flags & sync != 0) != (current & sync != 0) {
        return Err(Errno::NotSup);
    }
    let mut host = fcntl_getfl(file)? - (OFlags::APPEND | OFlags::NONBLOCK);
    if flags & fdflags::APPEND != 0 {
        host |= OFlags::APPEND;
    }
    if flags & fdflags::NONBLOCK != 0 {
        host |= OFlags::NONBLOCK;
    }
    Ok(fcntl_setfl(file, host)?)
}

pub(crate) fn fd_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    out: u32,
) -> WasiResult<()> {
    let stat = match ctx.fds.get(fd)? {
        Descriptor::Stream(stream) => stream.filestat()?,
        _ => Filestat::from_stat(&fstat(ctx.fds.file_fd(fd)?)?),
    };
    mem.write(out, &stat.encode())
}

pub(crate) fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    fd: u32,
    size: u64,
) -> WasiResult<()> {
    Ok(rustix::fs::ftruncate(file(ctx, fd)?, size)?)
}

pub(crate) fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult<()> {
    let times = timestamps(atim, mtim, flags)?;
    Ok(rustix::fs::futimens(ctx.fds.file_fd(fd)?, &times)?)
}

pub(crate) fn fd_advise(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> WasiResult<()> {
    let advice = Advice::from_wasi(advice)?;
    sys::advise(file(ctx, fd)?, offset, len, advice)
}

pub(crate) fn fd_allocate(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    fd: u32,
    offset: u64,
    len: u64,
) -> WasiResult<()> {
    sys::allocate(file(ctx, fd)?, offset, len)
}

pub(crate) fn fd_sync(ctx: &mut WasiCtx, _: &mut GuestMemory, fd: u32) -> WasiResult<()> {
    match ctx.fds.get_mut(fd)? {
        Descriptor::Stream(stream) => stream.flush(),
        _ => sys::sync(ctx.fds.file_fd(fd)?),
    }
}

pub(crate) fn fd_datasync(ctx: &mut WasiCtx, _: &mut GuestMemory, fd: u32) -> WasiResult<()> {
    match ctx.fds.get_mut(fd)? {
        Descriptor::Stream(stream) => stream.flush(),
        _ => sys::datasync(ctx.fds.file_fd(fd)?),
    }
}

/// The regular file (or device) `fd`: `EISDIR` for a directory, `EBADF`
/// for a stream.
fn file(ctx: &WasiCtx, fd: u32) -> WasiResult<BorrowedFd<'_>> {
    match ctx.fds.get(fd)? {
        Descriptor::File(file) => Ok(file.fd.as_fd()),
        Descriptor::Dir(_) => Err(Errno::IsDir),
        Descriptor::Stream(_) => Err(Errno::Badf),
    }
}
