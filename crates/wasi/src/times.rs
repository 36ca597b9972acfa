//! Setting file times: WASI's `fstflags` and nanosecond timestamps turned
//! into the host's `utimensat` timestamps.

use crate::abi::fstflags;
use crate::errno::{Errno, WasiResult};
use crate::funcs::clock::timespec;
use rustix::fs::{Timestamps, UTIME_NOW, UTIME_OMIT};
use rustix::time::Timespec;

/// The timestamps to set: each time is left alone, set to now, or set to
/// the given nanoseconds since the epoch. Asking for both "now" and a
/// value, or for unknown flags, is `EINVAL`.
pub(crate) fn timestamps(atim: u64, mtim: u64, flags: u32) -> WasiResult<Timestamps> {
    let known = fstflags::ATIM | fstflags::ATIM_NOW | fstflags::MTIM | fstflags::MTIM_NOW;
    if flags & !u32::from(known) != 0 {
        return Err(Errno::Inval);
    }
    let flags = flags as u16;
    Ok(Timestamps {
        last_access: time(atim, flags, fstflags::ATIM, fstflags::ATIM_NOW)?,
        last_modification: time(mtim, flags, fstflags::MTIM, fstflags::MTIM_NOW)?,
    })
}

fn time(nanos: u64, flags: u16, set: u16, now: u16) -> WasiResult<Timespec> {
    let special = |tv_nsec| Timespec { tv_sec: 0, tv_nsec };
    match (flags & set != 0, flags & now != 0) {
        (true, true) => Err(Errno::Inval),
        (true, false) => Ok(timespec(nanos)),
        (false, true) => Ok(special(UTIME_NOW)),
        (false, false) => Ok(special(UTIME_OMIT)),
    }
}
