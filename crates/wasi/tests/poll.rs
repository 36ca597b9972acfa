//! `poll_oneoff` driven directly: clock subscriptions (relative and
//! absolute), descriptor readiness (always-ready streams, and a FIFO
//! polled on the host), and invalid subscriptions.

mod common;

use egret::{Engine, Instance, Linker, Memory, Module, Store};
use egret_wasi::{WasiCtx, WasiCtxBuilder};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

struct Poller {
    dir: common::Scratch,
    store: Store<WasiCtx>,
    instance: Instance,
    memory: Memory,
}

/// One subscription.
enum Sub {
    Clock {
        id: u32,
        timeout: u64,
        absolute: bool,
    },
    Read(u32),
    Write(u32),
    BadTag,
}

/// One event: (userdata, errno, type, nbytes).
type Event = (u64, u16, u8, u64);

const SUBS: usize = 0x100;
const EVENTS: usize = 0x1000;
const NEVENTS: usize = 0x10;

impl Poller {
    /// A module exporting `poll` and `open` (`path_open` of the name at
    /// 0x40, read-only and non-blocking, in preopen 3 = [`Poller::dir`]).
    fn new() -> Poller {
        let dir = common::Scratch::new("poll");
        let engine = Engine::default();
        let module = Module::new(
            &engine,
            r#"(module
                (import "wasi_snapshot_preview1" "poll_oneoff"
                  (func $poll (param i32 i32 i32 i32) (result i32)))
                (import "wasi_snapshot_preview1" "path_open"
                  (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
                (memory (export "memory") 1)
                (data (i32.const 0x40) "fifo")
                (func (export "poll") (param i32 i32 i32 i32) (result i32)
                  (call $poll (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
                (func (export "open") (result i32)
                  (drop (call $open (i32.const 3) (i32.const 0) (i32.const 0x40) (i32.const 4)
                    (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 4) (i32.const 0x50)))
                  (i32.load (i32.const 0x50))))"#,
        )
        .unwrap();
        let mut linker = Linker::new(&engine);
        egret_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
        let ctx = WasiCtxBuilder::new()
            .stdin(std::io::Cursor::new(b"x".to_vec()))
            .preopen_dir(dir.path(), "/")
            .build()
            .unwrap();
        let mut store = Store::new(&engine, ctx);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        Poller {
            dir,
            store,
            instance,
            memory,
        }
    }

    /// Polls `subs` (userdata = index + 100); returns the errno and events.
    fn poll(&mut self, subs: &[Sub]) -> (i32, Vec<Event>) {
        let mem = self.memory.data_mut(&mut self.store);
        mem[SUBS..SUBS + 48 * subs.len()].fill(0);
        for (i, sub) in subs.iter().enumerate() {
            let s = &mut mem[SUBS + 48 * i..SUBS + 48 * (i + 1)];
            s[0..8].copy_from_slice(&(100 + i as u64).to_le_bytes());
            match *sub {
                Sub::Clock {
                    id,
                    timeout,
                    absolute,
                } => {
                    s[8] = 0;
                    s[16..20].copy_from_slice(&id.to_le_bytes());
                    s[24..32].copy_from_slice(&timeout.to_le_bytes());
                    s[40] = u8::from(absolute);
                }
                Sub::Read(fd) | Sub::Write(fd) => {
                    s[8] = if matches!(sub, Sub::Read(_)) { 1 } else { 2 };
                    s[16..20].copy_from_slice(&fd.to_le_bytes());
                }
                Sub::BadTag => s[8] = 9,
            }
        }
        let poll = self
            .instance
            .get_typed_func::<(u32, u32, u32, u32), i32>(&mut self.store, "poll")
            .unwrap();
        let errno = poll
            .call(
                &mut self.store,
                (
                    SUBS as u32,
                    EVENTS as u32,
                    subs.len() as u32,
                    NEVENTS as u32,
                ),
            )
            .unwrap();
        let mem = self.memory.data(&self.store);
        let n = u32::from_le_bytes(mem[NEVENTS..NEVENTS + 4].try_into().unwrap()) as usize;
        let events = (0..if errno == 0 { n } else { 0 })
            .map(|i| {
                let e = &mem[EVENTS + 32 * i..EVENTS + 32 * (i + 1)];
                (
                    u64::from_le_bytes(e[0..8].try_into().unwrap()),
                    u16::from_le_bytes([e[8], e[9]]),
                    e[10],
                    u64::from_le_bytes(e[16..24].try_into().unwrap()),
                )
            })
            .collect();
        (errno, events)
    }
}

const MS: u64 = 1_000_000;

#[test]
fn a_relative_clock_sleeps_at_least_its_timeout() {
    let mut p = Poller::new();
    let start = Instant::now();
    let (errno, events) = p.poll(&[Sub::Clock {
        id: 1,
        timeout: 30 * MS,
        absolute: false,
    }]);
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert_eq!((errno, events), (0, vec![(100, 0, 0, 0)]));
}

#[test]
fn an_absolute_realtime_deadline() {
    let mut p = Poller::new();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let start = Instant::now();
    let (errno, events) = p.poll(&[Sub::Clock {
        id: 0,
        timeout: now + 30 * MS,
        absolute: true,
    }]);
    assert!(start.elapsed() >= Duration::from_millis(25));
    assert_eq!((errno, events), (0, vec![(100, 0, 0, 0)]));
    // A deadline in the past fires at once.
    let (errno, events) = p.poll(&[Sub::Clock {
        id: 1,
        timeout: 1,
        absolute: true,
    }]);
    assert_eq!((errno, events), (0, vec![(100, 0, 0, 0)]));
}

#[test]
fn the_earliest_clock_fires_first() {
    let mut p = Poller::new();
    let (errno, events) = p.poll(&[
        Sub::Clock {
            id: 1,
            timeout: 10_000 * MS,
            absolute: false,
        },
        Sub::Clock {
            id: 1,
            timeout: 10 * MS,
            absolute: false,
        },
    ]);
    assert_eq!((errno, events), (0, vec![(101, 0, 0, 0)]));
}

#[test]
fn ready_descriptors_fire_before_a_clock() {
    let mut p = Poller::new();
    let start = Instant::now();
    let (errno, events) = p.poll(&[
        Sub::Clock {
            id: 1,
            timeout: 10_000 * MS,
            absolute: false,
        },
        Sub::Read(0),
        Sub::Write(1),
    ]);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!((errno, events), (0, vec![(101, 0, 1, 0), (102, 0, 2, 0)]));
}

#[test]
fn bad_subscriptions() {
    let mut p = Poller::new();
    // An unknown descriptor or clock fires at once with its errno.
    let (errno, events) = p.poll(&[
        Sub::Read(42),
        Sub::Clock {
            id: 99,
            timeout: 0,
            absolute: false,
        },
    ]);
    assert_eq!((errno, events), (0, vec![(100, 8, 1, 0), (101, 28, 0, 0)]));
    // An unknown subscription type, or none at all, is EINVAL.
    assert_eq!(p.poll(&[Sub::BadTag]).0, 28);
    assert_eq!(p.poll(&[]).0, 28);
}

#[test]
fn a_fifo_is_polled_on_the_host() {
    use rustix::fs::{Mode, OFlags};
    let mut p = Poller::new();
    let path = p.dir.path().join("fifo");
    common::make_fifo(&path);
    // The host holds the FIFO open for writing (read-write, so that opening
    // does not wait for a reader).
    let writer = rustix::fs::open(&path, OFlags::RDWR, Mode::empty()).unwrap();
    let open = p
        .instance
        .get_typed_func::<(), u32>(&mut p.store, "open")
        .unwrap();
    let fd = open.call(&mut p.store, ()).unwrap();
    assert_eq!(fd, 4);
    let clock = Sub::Clock {
        id: 1,
        timeout: 30 * MS,
        absolute: false,
    };
    // Nothing to read yet: the clock fires.
    let (errno, events) = p.poll(&[Sub::Read(fd), clock]);
    assert_eq!((errno, events), (0, vec![(101, 0, 0, 0)]));
    rustix::io::write(&writer, b"hi").unwrap();
    let clock = Sub::Clock {
        id: 1,
        timeout: 10_000 * MS,
        absolute: false,
    };
    let start = Instant::now();
    let (errno, events) = p.poll(&[Sub::Read(fd), clock]);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!((errno, events), (0, vec![(100, 0, 1, 0)]));
}
