//! The preview1 functions Egret defines (so that modules importing them
//! link) but that can do nothing here: the socket functions (no socket
//! descriptor can exist, so every open descriptor is "not a socket"),
//! narrowing rights (rights are not enforced), and raising a signal.

// `sock_recv` takes the guest's arguments one for one.
#![allow(clippy::too_many_arguments)]

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::guest::GuestMemory;

/// `EBADF` for a closed descriptor, `ENOTSOCK` for an open one.
fn not_a_socket(ctx: &WasiCtx, fd: u32) -> WasiResult<()> {
    ctx.fds.get(fd)?;
    Err(Errno::NotSock)
}

pub(crate) fn sock_accept(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    fd: u32,
    _flags: u32,
    _fd_out: u32,
) -> WasiResult<()> {
    not_a_socket(ctx, fd)
}

pub(crate) fn sock_recv(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    fd: u32,
    _iovs: u32,
    _count: u32,
    _flags: u32,
    _nread: u32,
    _out_flags: u32,
) -> WasiResult<()> {
    not_a_socket(ctx, fd)
}

pub(crate) fn sock_send(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    fd: u32,
    _iovs: u32,
    _count: u32,
    _flags: u32,
    _nwritten: u32,
) -> WasiResult<()> {
    not_a_socket(ctx, fd)
}

pub(crate) fn sock_shutdown(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    fd: u32,
    _how: u32,
) -> WasiResult<()> {
    not_a_socket(ctx, fd)
}

/// Rights are not enforced, so they cannot be narrowed either; saying so
/// is better than pretending a descriptor lost access it still has.
pub(crate) fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _: &mut GuestMemory,
    fd: u32,
    _base: u64,
    _inheriting: u64,
) -> WasiResult<()> {
    ctx.fds.get(fd)?;
    Err(Errno::NotSup)
}

pub(crate) fn proc_raise(_: &mut WasiCtx, _: &mut GuestMemory, _signal: u32) -> WasiResult<()> {
    Err(Errno::NoSys)
}
