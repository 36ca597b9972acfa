//! `random_get`: bytes from the host's cryptographic random source.

use crate::ctx::WasiCtx;
use crate::errno::WasiResult;
use crate::guest::GuestMemory;
use rustix::rand::{GetRandomFlags, getrandom};

pub(crate) fn random_get(
    _: &mut WasiCtx,
    mem: &mut GuestMemory,
    buf: u32,
    len: u32,
) -> WasiResult<()> {
    let bytes = mem.slice_mut(buf, len)?;
    let mut filled = 0;
    while filled < bytes.len() {
        match getrandom(&mut bytes[filled..], GetRandomFlags::empty()) {
            Ok(n) => filled += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
