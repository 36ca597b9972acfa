//! Reading and writing descriptors: `fd_read`, `fd_write`, `fd_pread`,
//! `fd_pwrite`, `fd_seek`, `fd_tell`.
//!
//! Files are read and written one iovec at a time, straight between the
//! host file and guest memory, stopping at the first short transfer.
//! Streams read at most once (into the first non-empty iovec, so a read
//! never blocks for more input once some has arrived) and write
//! everything.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::fdtable::Descriptor;
use crate::guest::{GuestMemory, IoVec};
use rustix::fs::{SeekFrom, seek};
use std::os::fd::{AsFd, BorrowedFd};

/// A file transfer: from the current position, or at an offset.
#[derive(Copy, Clone)]
enum At {
    Cursor,
    Offset(u64),
}

pub(crate) fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    count: u32,
    nread: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(iovs, count)?;
    mem.slice(nread, 4)?;
    let n = match ctx.fds.get_mut(fd)? {
        Descriptor::Stream(stream) => match iovs.iter().find(|iov| iov.len > 0) {
            Some(iov) => stream.read(mem.slice_mut(iov.ptr, iov.len)?)? as u32,
            None => 0,
        },
        Descriptor::File(file) => read_file(file.fd.as_fd(), mem, &iovs, At::Cursor)?,
        Descriptor::Dir(_) => return Err(Errno::IsDir),
    };
    mem.write_u32(nread, n)
}

pub(crate) fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    nread: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(iovs, count)?;
    mem.slice(nread, 4)?;
    let n = match ctx.fds.get(fd)? {
        Descriptor::File(file) => read_file(file.fd.as_fd(), mem, &iovs, At::Offset(offset))?,
        Descriptor::Stream(_) => return Err(Errno::Spipe),
        Descriptor::Dir(_) => return Err(Errno::IsDir),
    };
    mem.write_u32(nread, n)
}

pub(crate) fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    count: u32,
    nwritten: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(iovs, count)?;
    mem.slice(nwritten, 4)?;
    let n = match ctx.fds.get_mut(fd)? {
        Descriptor::Stream(stream) => {
            let mut total = 0u32;
            for iov in &iovs {
                stream.write(mem.slice(iov.ptr, iov.len)?)?;
                total = total.saturating_add(iov.len);
            }
            total
        }
        Descriptor::File(file) => write_file(file.fd.as_fd(), mem, &iovs, At::Cursor)?,
        Descriptor::Dir(_) => return Err(Errno::Badf),
    };
    mem.write_u32(nwritten, n)
}

pub(crate) fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(iovs, count)?;
    mem.slice(nwritten, 4)?;
    let n = match ctx.fds.get(fd)? {
        Descriptor::File(file) => write_file(file.fd.as_fd(), mem, &iovs, At::Offset(offset))?,
        Descriptor::Stream(_) => return Err(Errno::Spipe),
        Descriptor::Dir(_) => return Err(Errno::Badf),
    };
    mem.write_u32(nwritten, n)
}

pub(crate) fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    offset: i64,
    whence: u32,
    newoffset: u32,
) -> WasiResult<()> {
    let pos = match whence {
        0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
        1 => SeekFrom::Current(offset),
        2 => SeekFrom::End(offset),
        _ => return Err(Errno::Inval),
    };
    mem.slice(newoffset, 8)?;
    let new = seek(seekable(ctx, fd)?, pos)?;
    mem.write_u64(newoffset, new)
}

pub(crate) fn fd_tell(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    out: u32,
) -> WasiResult<()> {
    let position = seek(seekable(ctx, fd)?, SeekFrom::Current(0))?;
    mem.write_u64(out, position)
}

fn seekable(ctx: &WasiCtx, fd: u32) -> WasiResult<BorrowedFd<'_>> {
    match ctx.fds.get(fd)? {
        Descriptor::File(file) => Ok(file.fd.as_fd()),
        Descriptor::Stream(_) => Err(Errno::Spipe),
        Descriptor::Dir(_) => Err(Errno::Badf),
    }
}

/// Reads into each iovec in turn until one is not filled; returns the
/// total (capped so it fits the guest's `size`).
fn read_file(fd: BorrowedFd, mem: &mut GuestMemory, iovs: &[IoVec], at: At) -> WasiResult<u32> {
    transfer(iovs, at, |iov, at| {
        let buf = mem.slice_mut(iov.ptr, iov.len)?;
        retry(|| match at {
            At::Cursor => rustix::io::read(fd, &mut *buf),
            At::Offset(offset) => rustix::io::pread(fd, &mut *buf, offset),
        })
    })
}

/// Writes each iovec in turn until one is not written whole.
fn write_file(fd: BorrowedFd, mem: &mut GuestMemory, iovs: &[IoVec], at: At) -> WasiResult<u32> {
    transfer(iovs, at, |iov, at| {
        let buf = mem.slice(iov.ptr, iov.len)?;
        retry(|| match at {
            At::Cursor => rustix::io::write(fd, buf),
            At::Offset(offset) => rustix::io::pwrite(fd, buf, offset),
        })
    })
}

/// Runs `op` on each iovec (trimmed so the total stays below 4 GiB),
/// advancing the offset, until a short transfer. An error after some
/// bytes moved ends the transfer with what moved, as POSIX does.
fn transfer(
    iovs: &[IoVec],
    at: At,
    mut op: impl FnMut(IoVec, At) -> WasiResult<usize>,
) -> WasiResult<u32> {
    let mut total: u32 = 0;
    for iov in iovs {
        let len = iov.len.min(u32::MAX - total);
        if len == 0 {
            continue;
        }
        let at = match at {
            At::Cursor => At::Cursor,
            At::Offset(offset) => {
                At::Offset(offset.checked_add(u64::from(total)).ok_or(Errno::Inval)?)
            }
        };
        let n = match op(IoVec { ptr: iov.ptr, len }, at) {
            Ok(n) => n as u32,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        };
        total += n;
        if n < len {
            break;
        }
    }
    Ok(total)
}

/// Repeats a system call interrupted by a signal.
fn retry(mut call: impl FnMut() -> rustix::io::Result<usize>) -> WasiResult<usize> {
    loop {
        match call() {
            Err(rustix::io::Errno::INTR) => {}
            result => return Ok(result?),
        }
    }
}
