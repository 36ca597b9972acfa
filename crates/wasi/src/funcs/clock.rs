//! `clock_time_get` and `clock_res_get`, and reading a WASI clock for
//! `poll_oneoff`.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::guest::GuestMemory;
use rustix::time::{ClockId, Timespec, clock_getres, clock_gettime};

/// The host clock behind a WASI `clockid`.
pub(crate) fn clock(id: u32) -> WasiResult<ClockId> {
    match id {
        0 => Ok(ClockId::Realtime),
        1 => Ok(ClockId::Monotonic),
        2 => Ok(ClockId::ProcessCPUTime),
        3 => Ok(ClockId::ThreadCPUTime),
        _ => Err(Errno::Inval),
    }
}

/// A time as WASI's nanosecond `timestamp` (times before the epoch are 0).
pub(crate) fn nanos(t: Timespec) -> u64 {
    u64::try_from(t.tv_sec)
        .unwrap_or(0)
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::try_from(t.tv_nsec).unwrap_or(0))
}

/// The current time of clock `id`, in nanoseconds.
pub(crate) fn now(id: ClockId) -> u64 {
    nanos(clock_gettime(id))
}

pub(crate) fn clock_res_get(
    _: &mut WasiCtx,
    mem: &mut GuestMemory,
    id: u32,
    out: u32,
) -> WasiResult<()> {
    let resolution = nanos(clock_getres(clock(id)?));
    mem.write_u64(out, resolution)
}

pub(crate) fn clock_time_get(
    _: &mut WasiCtx,
    mem: &mut GuestMemory,
    id: u32,
    _precision: u64,
    out: u32,
) -> WasiResult<()> {
    mem.write_u64(out, now(clock(id)?))
}

/// Nanoseconds as a host `Timespec`.
pub(crate) fn timespec(nanos: u64) -> Timespec {
    Timespec {
        tv_sec: (nanos / 1_000_000_000) as i64,
        tv_nsec: (nanos % 1_000_000_000) as _,
    }
}
