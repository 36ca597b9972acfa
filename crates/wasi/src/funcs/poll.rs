//! `poll_oneoff`: waits until a clock deadline passes or a descriptor is
//! ready to read or write, and reports every subscription that fired.
//!
//! Regular files are always ready (reads report the bytes left to the
//! end of the file). Host streams, pipes and devices are polled with the
//! host's `poll` (a device macOS's `poll` cannot watch is ready, like a
//! regular file: see [`crate::sys::poll_unsupported`]); embedder-supplied
//! streams are always ready. Clock deadlines are measured on the
//! monotonic clock; an absolute deadline on another clock is converted
//! once, when the call starts.

use crate::ctx::WasiCtx;
use crate::errno::{Errno, WasiResult};
use crate::fdtable::Descriptor;
use crate::funcs::clock::{clock, now, timespec};
use crate::guest::GuestMemory;
use crate::sys;
use rustix::event::{PollFd, PollFlags, poll};
use rustix::fs::{FileType, SeekFrom, fstat, seek};
use rustix::time::ClockId;
use std::os::fd::{AsFd, BorrowedFd};

const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: u32 = 32;

/// `eventtype`.
const CLOCK: u8 = 0;
const FD_READ: u8 = 1;
const FD_WRITE: u8 = 2;

/// `subclockflags`: the timeout is an absolute time.
const ABSTIME: u16 = 1;
/// `eventrwflags`: the peer hung up.
const HANGUP: u16 = 1;

/// What a subscription waits for.
enum Wait {
    /// The monotonic clock reaching this time.
    Deadline(u64),
    /// A descriptor being ready.
    Fd(u32),
    /// Nothing: the subscription is invalid and fires at once with this.
    Failed(Errno),
}

struct Subscription {
    userdata: u64,
    kind: u8,
    wait: Wait,
}

/// One `event` to report.
struct Event {
    userdata: u64,
    error: Option<Errno>,
    kind: u8,
    nbytes: u64,
    hangup: bool,
}

impl Event {
    fn new(sub: &Subscription) -> Event {
        Event {
            userdata: sub.userdata,
            error: None,
            kind: sub.kind,
            nbytes: 0,
            hangup: false,
        }
    }

    fn failed(sub: &Subscription, error: Errno) -> Event {
        Event {
            error: Some(error),
            ..Event::new(sub)
        }
    }

    fn encode(&self) -> [u8; EVENT_SIZE as usize] {
        let mut out = [0; EVENT_SIZE as usize];
        out[0..8].copy_from_slice(&self.userdata.to_le_bytes());
        out[8..10].copy_from_slice(&self.error.map_or(0, Errno::code).to_le_bytes());
        out[10] = self.kind;
        out[16..24].copy_from_slice(&self.nbytes.to_le_bytes());
        let flags = if self.hangup { HANGUP } else { 0 };
        out[24..26].copy_from_slice(&flags.to_le_bytes());
        out
    }
}

pub(crate) fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    subs: u32,
    events: u32,
    count: u32,
    nevents: u32,
) -> WasiResult<()> {
    if count == 0 {
        return Err(Errno::Inval);
    }
    let table = mem.slice(
        subs,
        count.checked_mul(SUBSCRIPTION_SIZE).ok_or(Errno::Fault)?,
    )?;
    let subs = table
        .chunks_exact(SUBSCRIPTION_SIZE as usize)
        .map(parse)
        .collect::<WasiResult<Vec<_>>>()?;
    mem.slice(events, count * EVENT_SIZE)?;
    mem.slice(nevents, 4)?;
    let fired = wait(ctx, &subs)?;
    for (i, event) in (0..).zip(&fired) {
        mem.write(events + i * EVENT_SIZE, &event.encode())?;
    }
    mem.write_u32(nevents, fired.len() as u32)
}

/// Decodes one `subscription`.
fn parse(bytes: &[u8]) -> WasiResult<Subscription> {
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default());
    let kind = bytes[8];
    let wait = match kind {
        CLOCK => {
            let flags = u16::from_le_bytes([bytes[40], bytes[41]]);
            match clock(u32_at(16)) {
                Ok(id) => Wait::Deadline(deadline(id, u64_at(24), flags & ABSTIME != 0)),
                Err(e) => Wait::Failed(e),
            }
        }
        FD_READ | FD_WRITE => Wait::Fd(u32_at(16)),
        _ => return Err(Errno::Inval),
    };
    Ok(Subscription {
        userdata: u64_at(0),
        kind,
        wait,
    })
}

/// A clock subscription's deadline on the monotonic clock.
fn deadline(id: ClockId, timeout: u64, absolute: bool) -> u64 {
    let remaining = if absolute {
        timeout.saturating_sub(now(id))
    } else {
        timeout
    };
    now(ClockId::Monotonic).saturating_add(remaining)
}

/// How a descriptor subscription can be answered.
enum Readiness<'a> {
    Now(u64),
    Poll(BorrowedFd<'a>),
    Failed(Errno),
}

fn readiness(ctx: &WasiCtx, fd: u32) -> Readiness<'_> {
    match ctx.fds.get(fd) {
        Err(e) => Readiness::Failed(e),
        Ok(Descriptor::Dir(_)) => Readiness::Failed(Errno::Badf),
        Ok(Descriptor::Stream(stream)) => {
            stream.host_fd().map_or(Readiness::Now(0), Readiness::Poll)
        }
        Ok(Descriptor::File(file)) => match fstat(&file.fd) {
            Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::RegularFile => {
                let position = seek(&file.fd, SeekFrom::Current(0)).unwrap_or(0);
                Readiness::Now((st.st_size as u64).saturating_sub(position))
            }
            Ok(_) => Readiness::Poll(file.fd.as_fd()),
            Err(e) => Readiness::Failed(e.into()),
        },
    }
}

/// Waits until at least one subscription fires; returns all that have.
fn wait(ctx: &WasiCtx, subs: &[Subscription]) -> WasiResult<Vec<Event>> {
    let mut fired = Vec::new();
    let mut polled = Vec::new();
    for sub in subs {
        match sub.wait {
            Wait::Failed(e) => fired.push(Event::failed(sub, e)),
            Wait::Fd(fd) => match readiness(ctx, fd) {
                Readiness::Now(nbytes) => fired.push(Event {
                    nbytes: if sub.kind == FD_READ { nbytes } else { 0 },
                    ..Event::new(sub)
                }),
                Readiness::Poll(host) => polled.push((sub, host)),
                Readiness::Failed(e) => fired.push(Event::failed(sub, e)),
            },
            Wait::Deadline(_) => {}
        }
    }
    let first_deadline = subs
        .iter()
        .filter_map(|sub| match sub.wait {
            Wait::Deadline(d) => Some(d),
            _ => None,
        })
        .min();
    loop {
        let timeout = if fired.is_empty() {
            first_deadline.map(|d| d.saturating_sub(now(ClockId::Monotonic)))
        } else {
            Some(0)
        };
        if polled.is_empty() {
            if let Some(nanos) = timeout {
                std::thread::sleep(std::time::Duration::from_nanos(nanos));
            }
        } else {
            poll_host(&polled, timeout, &mut fired)?;
        }
        let now = now(ClockId::Monotonic);
        for sub in subs {
            if matches!(sub.wait, Wait::Deadline(d) if d <= now) {
                fired.push(Event::new(sub));
            }
        }
        if !fired.is_empty() || (polled.is_empty() && first_deadline.is_none()) {
            return Ok(fired);
        }
    }
}

/// Polls host descriptors for up to `timeout` nanoseconds (forever if
/// `None`) and records the ones that are ready.
fn poll_host(
    polled: &[(&Subscription, BorrowedFd)],
    timeout: Option<u64>,
    fired: &mut Vec<Event>,
) -> WasiResult<()> {
    let mut fds: Vec<PollFd> = polled
        .iter()
        .map(|(sub, fd)| {
            let interest = if sub.kind == FD_READ {
                PollFlags::IN
            } else {
                PollFlags::OUT
            };
            PollFd::from_borrowed_fd(*fd, interest)
        })
        .collect();
    let timeout = timeout.map(timespec);
    match poll(&mut fds, timeout.as_ref()) {
        Ok(_) | Err(rustix::io::Errno::INTR) => {}
        Err(e) => return Err(e.into()),
    }
    for (pollfd, (sub, fd)) in fds.iter().zip(polled) {
        let revents = pollfd.revents();
        if revents.contains(PollFlags::NVAL) {
            if sys::poll_unsupported(*fd) {
                fired.push(Event::new(sub));
            } else {
                fired.push(Event::failed(sub, Errno::Badf));
            }
        } else if revents.contains(PollFlags::ERR) {
            fired.push(Event::failed(sub, Errno::Io));
        } else if !revents.is_empty() {
            fired.push(Event {
                hangup: revents.contains(PollFlags::HUP),
                ..Event::new(sub)
            });
        }
    }
    Ok(())
}
