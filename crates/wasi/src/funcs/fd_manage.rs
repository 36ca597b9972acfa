//! The descriptor table as the guest manages it: `fd_close`,
//! `fd_renumber`, and the preopen queries `fd_prestat_get` and
//! `fd_prestat_dir_name`.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::fdtable::Descriptor;
use crate::guest::GuestMemory;

pub(crate) fn fd_close(ctx: &mut WasiCtx, _: &mut GuestMemory, fd: u32) -> WasiResult<()> {
    match ctx.fds.remove(fd)? {
        Descriptor::Stream(mut stream) => stream.flush(),
        // Dropping the host descriptor closes it.
        Descriptor::File(_) | Descriptor::Dir(_) => Ok(()),
    }
}

pub(crate) fn fd_renumber(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    from: u32,
    to: u32,
) -> WasiResult<()> {
    if from == to {
        return ctx.fds.get(from).map(drop);
    }
    ctx.fds.renumber(from, to)
}

/// The guest name of preopened directory `fd` (`EBADF` for anything else,
/// which is how a guest's libc finds the end of the preopens).
fn preopen_name(ctx: &WasiCtx, fd: u32) -> WasiResult<&str> {
    match ctx.fds.get(fd)? {
        Descriptor::Dir(dir) => dir.preopen.as_deref().ok_or(Errno::Badf),
        _ => Err(Errno::Badf),
    }
}

/// Writes a `prestat`: tag 0 (a directory) and the name's length.
pub(crate) fn fd_prestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    out: u32,
) -> WasiResult<()> {
    let len = u32::try_from(preopen_name(ctx, fd)?.len()).map_err(|_| Errno::NameTooLong)?;
    let mut prestat = [0; 8];
    prestat[4..].copy_from_slice(&len.to_le_bytes());
    mem.write(out, &prestat)
}

pub(crate) fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    buf: u32,
    len: u32,
) -> WasiResult<()> {
    let name = preopen_name(ctx, fd)?.as_bytes();
    if (len as usize) < name.len() {
        return Err(Errno::NameTooLong);
    }
    mem.write(buf, name)
}
