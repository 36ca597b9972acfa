//! `path_open`: opens a file or directory below a directory descriptor.
//!
//! The path is resolved inside the sandbox (see [`crate::path`]); the last
//! component is opened with `O_NOFOLLOW`. Whether the host file is opened
//! for reading, writing or both follows the rights asked for, as
//! `wasi-libc` derives them from `O_RDONLY`/`O_WRONLY`/`O_RDWR`.

use crate::abi::{LOOKUP_SYMLINK_FOLLOW, fdflags, oflags, rights};
use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::fdtable::{Descriptor, Dir, File};
use crate::guest::GuestMemory;
use crate::path::resolve;
use crate::sys;
use rustix::fs::{FileType, Mode, OFlags, fstat, openat};

/// The arguments of `path_open`, as the guest passes them.
pub(crate) struct OpenArgs {
    pub(crate) dirfd: u32,
    pub(crate) lookup: u32,
    pub(crate) path: u32,
    pub(crate) path_len: u32,
    pub(crate) oflags: u32,
    pub(crate) rights: u64,
    pub(crate) fdflags: u32,
    pub(crate) fd_out: u32,
}

pub(crate) fn path_open(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    args: OpenArgs,
) -> WasiResult<()> {
    mem.slice(args.fd_out, 4)?;
    let read = args.rights & (rights::FD_READ | rights::FD_READDIR) != 0;
    let write = args.rights & rights::WRITE_FAMILY != 0;
    let flags = host_flags(read, write, args.oflags, args.fdflags)?;
    // With O_CREAT|O_EXCL a symlink in the last component is never
    // followed (POSIX): opening it fails with EEXIST.
    let exclusive = u32::from(oflags::CREAT | oflags::EXCL);
    let follow = args.lookup & LOOKUP_SYMLINK_FOLLOW != 0 && args.oflags & exclusive != exclusive;
    let dir = &ctx.fds.dir(args.dirfd)?.fd;
    let target = resolve(dir, mem.str(args.path, args.path_len)?, follow)?;
    let fd = openat(
        target.dir(),
        target.name(),
        flags,
        Mode::from_raw_mode(0o666),
    )?;
    let descriptor = if FileType::from_raw_mode(fstat(&fd)?.st_mode) == FileType::Directory {
        Descriptor::Dir(Dir { fd, preopen: None })
    } else {
        Descriptor::File(File {
            fd,
            readable: read || !write,
            writable: write,
        })
    };
    let new = ctx.fds.push(descriptor)?;
    mem.write_u32(args.fd_out, new)
}

/// The host's open flags for a WASI open.
fn host_flags(read: bool, write: bool, wasi_oflags: u32, wasi_fdflags: u32) -> WasiResult<OFlags> {
    let mut flags = OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY;
    flags |= match (read, write) {
        (true, true) => OFlags::RDWR,
        (false, true) => OFlags::WRONLY,
        (_, false) => OFlags::RDONLY,
    };
    let opens = [
        (oflags::CREAT, OFlags::CREATE),
        (oflags::DIRECTORY, OFlags::DIRECTORY),
        (oflags::EXCL, OFlags::EXCL),
        (oflags::TRUNC, OFlags::TRUNC),
    ];
    flags |= translate(wasi_oflags, &opens)?;
    let fd_flags = [
        (fdflags::APPEND, OFlags::APPEND),
        (fdflags::DSYNC, OFlags::DSYNC),
        (fdflags::NONBLOCK, OFlags::NONBLOCK),
        (fdflags::RSYNC, sys::RSYNC),
        (fdflags::SYNC, OFlags::SYNC),
    ];
    flags |= translate(wasi_fdflags, &fd_flags)?;
    Ok(flags)
}

/// Maps WASI flag bits to host flags; unknown bits are `EINVAL`.
fn translate(bits: u32, table: &[(u16, OFlags)]) -> WasiResult<OFlags> {
    let mut flags = OFlags::empty();
    let mut known = 0u32;
    for &(wasi, host) in table {
        known |= u32::from(wasi);
        if bits & u32::from(wasi) != 0 {
            flags |= host;
        }
    }
    if bits & !known != 0 {
        return Err(Errno::Inval);
    }
    Ok(flags)
}
