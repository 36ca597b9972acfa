//! Operations on paths below a directory descriptor other than opening:
//! `path_create_directory`, `path_remove_directory`, `path_unlink_file`,
//! `path_rename`, `path_link`, `path_symlink`, `path_readlink`,
//! `path_filestat_get`, `path_filestat_set_times`.
//!
//! Every path is resolved inside the sandbox (see [`crate::path`]) and
//! the final system call acts on one name in the resolved directory
//! without following a symlink there.

// The functions take the guest's arguments one for one.
#![allow(clippy::too_many_arguments)]

use crate::abi::{Filestat, LOOKUP_SYMLINK_FOLLOW};
use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::guest::GuestMemory;
use crate::path::{Resolved, resolve};
use crate::sys;
use crate::times::timestamps;
use rustix::fs::{
    AtFlags, Mode, linkat, mkdirat, readlinkat, renameat, statat, symlinkat, unlinkat, utimensat,
};

/// Resolves the guest path at `ptr`/`len` below directory `fd`.
fn resolve_at<'a>(
    ctx: &'a WasiCtx,
    mem: &GuestMemory,
    fd: u32,
    ptr: u32,
    len: u32,
    follow: bool,
) -> WasiResult<Resolved<'a>> {
    resolve(&ctx.fds.dir(fd)?.fd, mem.str(ptr, len)?, follow)
}

pub(crate) fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let target = resolve_at(ctx, mem, fd, path, len, false)?;
    Ok(mkdirat(
        target.dir(),
        target.name(),
        Mode::from_raw_mode(0o777),
    )?)
}

pub(crate) fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let target = resolve_at(ctx, mem, fd, path, len, false)?;
    Ok(unlinkat(target.dir(), target.name(), AtFlags::REMOVEDIR)?)
}

pub(crate) fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let target = resolve_at(ctx, mem, fd, path, len, false)?;
    sys::unlink_file(target.dir(), target.name())
}

pub(crate) fn path_rename(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    old_fd: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let old = resolve_at(ctx, mem, old_fd, old_path, old_len, false)?;
    let new = resolve_at(ctx, mem, new_fd, new_path, new_len, false)?;
    Ok(renameat(old.dir(), old.name(), new.dir(), new.name())?)
}

/// A hard link; with `SYMLINK_FOLLOW` in `old_flags` the link is to what
/// a symlink at `old_path` resolves to (inside the sandbox).
pub(crate) fn path_link(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let follow = old_flags & LOOKUP_SYMLINK_FOLLOW != 0;
    let old = resolve_at(ctx, mem, old_fd, old_path, old_len, follow)?;
    let new = resolve_at(ctx, mem, new_fd, new_path, new_len, false)?;
    Ok(linkat(
        old.dir(),
        old.name(),
        new.dir(),
        new.name(),
        AtFlags::empty(),
    )?)
}

/// Creates a symlink holding `contents`. An absolute target could only
/// ever point out of the sandbox, so it is refused (`ENOTCAPABLE`); a
/// relative one is stored as given and checked whenever it is followed.
pub(crate) fn path_symlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    contents: u32,
    contents_len: u32,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult<()> {
    let contents = mem.str(contents, contents_len)?;
    if contents.starts_with('/') {
        return Err(Errno::NotCapable);
    }
    let target = resolve_at(ctx, mem, fd, path, len, false)?;
    Ok(symlinkat(contents, target.dir(), target.name())?)
}

pub(crate) fn path_readlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    path: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> WasiResult<()> {
    mem.slice(buf, buf_len)?;
    mem.slice(bufused, 4)?;
    let contents = {
        let target = resolve_at(ctx, mem, fd, path, len, false)?;
        readlinkat(target.dir(), target.name(), Vec::new())?.into_bytes()
    };
    let n = contents.len().min(buf_len as usize);
    mem.write(buf, &contents[..n])?;
    mem.write_u32(bufused, n as u32)
}

pub(crate) fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    out: u32,
) -> WasiResult<()> {
    let stat = {
        let target = resolve_at(ctx, mem, fd, path, len, flags & LOOKUP_SYMLINK_FOLLOW != 0)?;
        statat(target.dir(), target.name(), AtFlags::SYMLINK_NOFOLLOW)?
    };
    mem.write(out, &Filestat::from_stat(&stat).encode())
}

pub(crate) fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    flags: u32,
    path: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> WasiResult<()> {
    let times = timestamps(atim, mtim, fst_flags)?;
    let target = resolve_at(ctx, mem, fd, path, len, flags & LOOKUP_SYMLINK_FOLLOW != 0)?;
    Ok(utimensat(
        target.dir(),
        target.name(),
        &times,
        AtFlags::SYMLINK_NOFOLLOW,
    )?)
}
