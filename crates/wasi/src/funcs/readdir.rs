//! `fd_readdir`: a directory's entries as `dirent`s.
//!
//! The cookie is an entry's index in the host's listing order. Each call
//! reads the directory from the start (through a fresh descriptor, so the
//! guest's descriptor keeps no position) and skips `cookie` entries, so
//! listing a directory that changes between calls may skip or repeat
//! entries, as with `telldir`/`seekdir` on many systems.

use crate::abi::{Filetype, dirent_header};
use crate::ctx::WasiCtx;
use crate::errno::WasiResult;
use crate::guest::GuestMemory;
use rustix::fs::{AtFlags, FileType, statat};
use std::os::fd::{AsFd, BorrowedFd};

pub(crate) fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    buf: u32,
    len: u32,
    cookie: u64,
    bufused: u32,
) -> WasiResult<()> {
    mem.slice(bufused, 4)?;
    let dir = &ctx.fds.dir(fd)?.fd;
    let out = mem.slice_mut(buf, len)?;
    let mut entries = rustix::fs::Dir::read_from(dir)?;
    let mut used = 0;
    let mut index: u64 = 0;
    while used < out.len() {
        let Some(entry) = entries.read() else { break };
        let entry = entry?;
        index += 1;
        if index <= cookie {
            continue;
        }
        let name = entry.file_name().to_bytes();
        let filetype = match entry.file_type() {
            FileType::Unknown => filetype_at(dir.as_fd(), name),
            known => known.into(),
        };
        let header = dirent_header(index, entry.ino(), name.len() as u32, filetype);
        // The last entry may not fit; the guest sees a full buffer and
        // asks again with a bigger one.
        for chunk in [&header[..], name] {
            let n = chunk.len().min(out.len() - used);
            out[used..used + n].copy_from_slice(&chunk[..n]);
            used += n;
        }
    }
    mem.write_u32(bufused, used as u32)
}

/// The type of `name` in `dir`, for filesystems whose listings leave it out.
fn filetype_at(dir: BorrowedFd, name: &[u8]) -> Filetype {
    statat(dir, name, AtFlags::SYMLINK_NOFOLLOW).map_or(Filetype::Unknown, |st| {
        FileType::from_raw_mode(st.st_mode).into()
    })
}
