//! `random_get`: bytes from the host's cryptographic random source
//! (`getrandom` on Linux, `getentropy` on macOS; see [`crate::sys`]).

use crate::ctx::WasiCtx;
use crate::errno::WasiResult;
use crate::guest::GuestMemory;
use crate::sys;

pub(crate) fn random_get(
    _: &mut WasiCtx,
    mem: &mut GuestMemory,
    buf: u32,
    len: u32,
) -> WasiResult<()> {
    sys::fill_random(mem.slice_mut(buf, len)?)
}
