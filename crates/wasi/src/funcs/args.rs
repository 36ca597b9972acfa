//! `args_get`, `args_sizes_get`, `environ_get`, `environ_sizes_get`: the
//! program's arguments and environment, as NUL-terminated strings.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::guest::GuestMemory;

pub(crate) fn args_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    count_ptr: u32,
    size_ptr: u32,
) -> WasiResult<()> {
    sizes_get(&ctx.args, mem, count_ptr, size_ptr)
}

pub(crate) fn args_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    ptrs: u32,
    buf: u32,
) -> WasiResult<()> {
    strings_get(&ctx.args, mem, ptrs, buf)
}

pub(crate) fn environ_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    count_ptr: u32,
    size_ptr: u32,
) -> WasiResult<()> {
    sizes_get(&ctx.env, mem, count_ptr, size_ptr)
}

pub(crate) fn environ_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    ptrs: u32,
    buf: u32,
) -> WasiResult<()> {
    strings_get(&ctx.env, mem, ptrs, buf)
}

/// Writes how many strings there are and how many bytes they take with
/// their terminators.
fn sizes_get(
    strings: &[Vec<u8>],
    mem: &mut GuestMemory,
    count_ptr: u32,
    size_ptr: u32,
) -> WasiResult<()> {
    let count = u32::try_from(strings.len()).map_err(|_| Errno::Overflow)?;
    let bytes: usize = strings.iter().map(|s| s.len() + 1).sum();
    let bytes = u32::try_from(bytes).map_err(|_| Errno::Overflow)?;
    mem.write_u32(count_ptr, count)?;
    mem.write_u32(size_ptr, bytes)
}

/// Writes the strings one after another from `buf`, NUL-terminated, and a
/// pointer to each at `ptrs`.
fn strings_get(strings: &[Vec<u8>], mem: &mut GuestMemory, ptrs: u32, buf: u32) -> WasiResult<()> {
    let mut ptr_at = ptrs;
    let mut string_at = buf;
    for s in strings {
        mem.write_u32(ptr_at, string_at)?;
        mem.write(string_at, s)?;
        let end = offset(string_at, s.len())?;
        mem.write(end, &[0])?;
        ptr_at = offset(ptr_at, 4)?;
        string_at = offset(end, 1)?;
    }
    Ok(())
}

/// `ptr + len` in guest address space, `EFAULT` past its end.
fn offset(ptr: u32, len: usize) -> WasiResult<u32> {
    u32::try_from(len)
        .ok()
        .and_then(|len| ptr.checked_add(len))
        .ok_or(Errno::Fault)
}
