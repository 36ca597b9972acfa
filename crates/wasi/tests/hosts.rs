//! What differs between the hosts egret-wasi runs on (Linux, macOS; see
//! `crates/wasi/src/sys`) looks the same to a guest: allocating, advice,
//! syncing, sync flags, unlinking a directory, random bytes, every clock,
//! and polling a device. Each test checks the WASI errnos and results a
//! guest sees, which do not depend on the host.

mod common;

use common::Scratch;
use egret::{Engine, Func, Instance, Linker, Module, Store, Val, ValType};
use egret_wasi::{WasiCtx, WasiCtxBuilder};
use std::time::{Duration, Instant};

use ValType::{I32, I64};

const EBADF: i32 = 8;
const EINVAL: i32 = 28;
const EISDIR: i32 = 31;
const ENOTDIR: i32 = 54;
const ESPIPE: i32 = 70;

/// `rights`: read (and seek), write (and set size).
const READ: i64 = (1 << 1) | (1 << 2);
const WRITE: i64 = (1 << 6) | (1 << 22);

/// `fdflags`.
const DSYNC: u16 = 1 << 1;
const NONBLOCK: u16 = 1 << 2;
const RSYNC: u16 = 1 << 3;
const SYNC: u16 = 1 << 4;

/// The functions the fixture imports and re-exports, with their
/// parameter types.
const FUNCS: &[(&str, &[ValType])] = &[
    ("path_open", &[I32, I32, I32, I32, I32, I64, I64, I32, I32]),
    ("path_create_directory", &[I32, I32, I32]),
    ("path_remove_directory", &[I32, I32, I32]),
    ("path_unlink_file", &[I32, I32, I32]),
    ("fd_close", &[I32]),
    ("fd_allocate", &[I32, I64, I64]),
    ("fd_advise", &[I32, I64, I64, I32]),
    ("fd_sync", &[I32]),
    ("fd_datasync", &[I32]),
    ("fd_fdstat_get", &[I32, I32]),
    ("fd_filestat_get", &[I32, I32]),
    ("random_get", &[I32, I32]),
    ("clock_res_get", &[I32, I32]),
    ("clock_time_get", &[I32, I64, I32]),
    ("poll_oneoff", &[I32, I32, I32, I32]),
];

/// Where the fixture keeps things in guest memory.
const PATH: usize = 0x100;
const OUT: usize = 0x200;
const SUBS: usize = 0x400;
const EVENTS: usize = 0x800;
const BUF: usize = 0x1000;

fn wat_type(t: &ValType) -> &'static str {
    if t.is_i64() { "i64" } else { "i32" }
}

struct Fixture {
    dir: Scratch,
    store: Store<WasiCtx>,
    instance: Instance,
}

impl Fixture {
    /// A module re-exporting [`FUNCS`], with a scratch directory as
    /// preopen 3 and, when `dev` is set, the host's `/dev` as preopen 4.
    fn new(dev: bool) -> Fixture {
        let mut text = String::from("(module\n");
        for (name, params) in FUNCS {
            let params: Vec<_> = params.iter().map(wat_type).collect();
            text += &format!(
                "(import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {}) (result i32)))\n",
                params.join(" ")
            );
        }
        text += "(memory (export \"memory\") 1)\n";
        for (name, params) in FUNCS {
            let types: Vec<_> = params.iter().map(wat_type).collect();
            let gets: Vec<_> = (0..params.len())
                .map(|i| format!("(local.get {i})"))
                .collect();
            text += &format!(
                "(func (export \"{name}\") (param {}) (result i32) (call ${name} {}))\n",
                types.join(" "),
                gets.join(" ")
            );
        }
        text += ")";
        let dir = Scratch::new("hosts");
        let engine = Engine::default();
        let module = Module::new(&engine, text).unwrap();
        let mut linker = Linker::new(&engine);
        egret_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
        let mut builder = WasiCtxBuilder::new();
        builder.preopen_dir(dir.path(), "/sandbox");
        if dev {
            builder.preopen_dir("/dev", "/dev");
        }
        let mut store = Store::new(&engine, builder.build().unwrap());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        Fixture {
            dir,
            store,
            instance,
        }
    }

    /// Calls `name` with `args` (as i64s); returns its errno.
    fn call(&mut self, name: &str, args: &[i64]) -> i32 {
        let params = FUNCS.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(params.len(), args.len(), "{name}: argument count");
        let args: Vec<Val> = params
            .iter()
            .zip(args)
            .map(|(t, &v)| {
                if t.is_i64() {
                    Val::I64(v)
                } else {
                    Val::I32(v as i32)
                }
            })
            .collect();
        let func: Func = self.instance.get_func(&mut self.store, name).unwrap();
        let mut result = [Val::I32(-1)];
        func.call(&mut self.store, &args, &mut result).unwrap();
        result[0].i32().unwrap()
    }

    fn memory(&mut self) -> &mut [u8] {
        let memory = self.instance.get_memory(&mut self.store, "memory").unwrap();
        memory.data_mut(&mut self.store)
    }

    fn read_u64(&mut self, at: usize) -> u64 {
        u64::from_le_bytes(self.memory()[at..at + 8].try_into().unwrap())
    }

    /// Puts `path` in guest memory; returns its pointer and length.
    fn path(&mut self, path: &str) -> (i64, i64) {
        self.memory()[PATH..PATH + path.len()].copy_from_slice(path.as_bytes());
        (PATH as i64, path.len() as i64)
    }

    /// `path_open` in directory `dir`, not following a final symlink;
    /// returns the new descriptor or the errno.
    fn open(
        &mut self,
        dir: u32,
        path: &str,
        oflags: u16,
        rights: i64,
        fdflags: u16,
    ) -> Result<u32, i32> {
        let (ptr, len) = self.path(path);
        let args = [
            i64::from(dir),
            0,
            ptr,
            len,
            i64::from(oflags),
            rights,
            0,
            i64::from(fdflags),
            OUT as i64,
        ];
        match self.call("path_open", &args) {
            0 => Ok(u32::from_le_bytes(
                self.memory()[OUT..OUT + 4].try_into().unwrap(),
            )),
            errno => Err(errno),
        }
    }

    /// Creates (or truncates) file `name` in the scratch directory with
    /// `len` bytes and opens it with `rights`.
    fn file(&mut self, name: &str, len: usize, rights: i64) -> u32 {
        std::fs::write(self.dir.path().join(name), vec![b'x'; len]).unwrap();
        self.open(3, name, 0, rights, 0).unwrap()
    }

    fn size(&mut self, fd: u32) -> u64 {
        assert_eq!(self.call("fd_filestat_get", &[fd.into(), OUT as i64]), 0);
        self.read_u64(OUT + 32)
    }

    fn fdflags(&mut self, fd: u32) -> u16 {
        assert_eq!(self.call("fd_fdstat_get", &[fd.into(), OUT as i64]), 0);
        u16::from_le_bytes([self.memory()[OUT + 2], self.memory()[OUT + 3]])
    }
}

#[test]
fn fd_allocate_grows_a_file_and_never_shrinks_it() {
    let mut f = Fixture::new(false);
    let fd = f.file("alloc.txt", 10, READ | WRITE);
    assert_eq!(f.call("fd_allocate", &[fd.into(), 0, 100]), 0);
    assert_eq!(f.size(fd), 100);
    assert_eq!(f.call("fd_allocate", &[fd.into(), 50, 100]), 0);
    assert_eq!(f.size(fd), 150);
    // Inside the file: nothing to grow, and nothing is cut off.
    assert_eq!(f.call("fd_allocate", &[fd.into(), 0, 8]), 0);
    assert_eq!(f.call("fd_allocate", &[fd.into(), 20, 30]), 0);
    assert_eq!(f.size(fd), 150);
    assert_eq!(
        std::fs::read(f.dir.path().join("alloc.txt")).unwrap()[..10],
        *b"xxxxxxxxxx",
        "the data stays"
    );
    // A zero or negative length, or a negative offset, is EINVAL.
    assert_eq!(f.call("fd_allocate", &[fd.into(), 0, 0]), EINVAL);
    assert_eq!(f.call("fd_allocate", &[fd.into(), 0, -1]), EINVAL);
    assert_eq!(f.call("fd_allocate", &[fd.into(), -1, 10]), EINVAL);
    // A read-only file, a directory.
    let read_only = f.file("ro.txt", 4, READ);
    assert_eq!(f.call("fd_allocate", &[read_only.into(), 0, 100]), EBADF);
    assert_eq!(f.size(read_only), 4);
    assert_eq!(f.call("fd_allocate", &[3, 0, 100]), EISDIR);
}

#[test]
fn fd_advise_accepts_every_advice() {
    let mut f = Fixture::new(false);
    let fd = f.file("advise.txt", 10, READ);
    for advice in 0..=5 {
        assert_eq!(
            f.call("fd_advise", &[fd.into(), 0, 10, advice]),
            0,
            "advice {advice}"
        );
    }
    assert_eq!(f.call("fd_advise", &[fd.into(), 0, 0, 0]), 0, "to the end");
    assert_eq!(f.call("fd_advise", &[fd.into(), 0, 10, 6]), EINVAL);
    assert_eq!(f.call("fd_advise", &[fd.into(), 0, -1, 0]), EINVAL);
    assert_eq!(f.call("fd_advise", &[3, 0, 10, 0]), EISDIR);
    // A FIFO cannot be advised about.
    common::make_fifo(&f.dir.path().join("fifo"));
    let fifo = f.open(3, "fifo", 0, READ, NONBLOCK).unwrap();
    assert_eq!(f.call("fd_advise", &[fifo.into(), 0, 10, 0]), ESPIPE);
}

#[test]
fn fd_sync_and_fd_datasync_on_files_and_directories() {
    let mut f = Fixture::new(false);
    let fd = f.file("sync.txt", 10, READ | WRITE);
    for name in ["fd_sync", "fd_datasync"] {
        assert_eq!(f.call(name, &[fd.into()]), 0, "{name} on a file");
        assert_eq!(f.call(name, &[3]), 0, "{name} on a directory");
        assert_eq!(f.call(name, &[99]), EBADF, "{name} on a closed fd");
    }
}

#[test]
fn sync_flags_are_reported_as_opened() {
    let mut f = Fixture::new(false);
    std::fs::write(f.dir.path().join("flags.txt"), "x").unwrap();
    // `SYNC` does what `DSYNC` does, and `RSYNC` is `SYNC` on every host,
    // so each reports `SYNC | DSYNC`. `DSYNC` alone reports `DSYNC`, and
    // on Linux `SYNC` too: rustix's Linux backend opens `O_DSYNC` as
    // `O_SYNC`, while macOS has a separate `O_DSYNC`.
    for (asked, reported, maybe) in [
        (0, 0, 0),
        (DSYNC, DSYNC, SYNC),
        (SYNC, SYNC | DSYNC, 0),
        (RSYNC, SYNC | DSYNC, 0),
        (SYNC | DSYNC | RSYNC, SYNC | DSYNC, 0),
    ] {
        let fd = f.open(3, "flags.txt", 0, READ | WRITE, asked).unwrap();
        assert_eq!(f.fdflags(fd) & !maybe, reported, "opened with {asked:#x}");
        assert_eq!(f.call("fd_close", &[fd.into()]), 0);
    }
}

#[test]
fn unlinking_a_directory_is_eisdir() {
    let mut f = Fixture::new(false);
    std::fs::create_dir(f.dir.path().join("sub")).unwrap();
    std::fs::write(f.dir.path().join("file"), "x").unwrap();
    let (ptr, len) = f.path("sub");
    assert_eq!(f.call("path_unlink_file", &[3, ptr, len]), EISDIR);
    let (ptr, len) = f.path("sub/");
    assert_eq!(f.call("path_unlink_file", &[3, ptr, len]), EISDIR);
    let (ptr, len) = f.path("file");
    assert_eq!(f.call("path_remove_directory", &[3, ptr, len]), ENOTDIR);
    assert_eq!(f.call("path_unlink_file", &[3, ptr, len]), 0);
    assert!(f.dir.path().join("sub").is_dir(), "the directory stays");
}

#[test]
fn random_bytes_in_large_and_small_draws() {
    let mut f = Fixture::new(false);
    // More than one `getentropy` call's worth (256 bytes) at once.
    let len = 3000;
    assert_eq!(f.call("random_get", &[BUF as i64, len]), 0);
    let first = f.memory()[BUF..BUF + len as usize].to_vec();
    assert_eq!(f.call("random_get", &[BUF as i64, len]), 0);
    let second = f.memory()[BUF..BUF + len as usize].to_vec();
    assert_ne!(first, second);
    // Every 256-byte stretch was filled, none left zero.
    for (i, chunk) in first.chunks(256).enumerate() {
        assert!(chunk.iter().any(|&b| b != 0), "chunk {i} is all zero");
    }
    assert_eq!(f.call("random_get", &[BUF as i64, 0]), 0);
}

#[test]
fn every_clock_reads_and_has_a_resolution() {
    let mut f = Fixture::new(false);
    for id in 0..4 {
        assert_eq!(f.call("clock_res_get", &[id, OUT as i64]), 0, "clock {id}");
        let res = f.read_u64(OUT);
        assert!(res > 0 && res <= 1_000_000, "clock {id} resolution {res}");
        assert_eq!(f.call("clock_time_get", &[id, 0, OUT as i64]), 0);
        let t1 = f.read_u64(OUT);
        assert_eq!(f.call("clock_time_get", &[id, 0, OUT as i64]), 0);
        let t2 = f.read_u64(OUT);
        // (Realtime may be stepped back by the host; the others may not.)
        assert!(id == 0 || t1 <= t2, "clock {id} went back");
    }
    assert_eq!(f.call("clock_res_get", &[4, OUT as i64]), EINVAL);
    assert_eq!(f.call("clock_time_get", &[4, 0, OUT as i64]), EINVAL);
}

#[test]
fn a_device_opened_by_path_can_be_polled() {
    // `/dev/null` is always ready to read (end of file); macOS's `poll`
    // does not support devices and flags it `POLLNVAL`, which must still
    // come out as ready rather than as an error.
    let mut f = Fixture::new(true);
    let null = f.open(4, "null", 0, READ, 0).unwrap();
    let subs = [(1u8, null), (0, 0)];
    let mem = f.memory();
    mem[SUBS..SUBS + 96].fill(0);
    for (i, (kind, fd)) in subs.iter().enumerate() {
        let s = &mut mem[SUBS + 48 * i..SUBS + 48 * (i + 1)];
        s[0..8].copy_from_slice(&(100 + i as u64).to_le_bytes());
        s[8] = *kind;
        if *kind == 1 {
            s[16..20].copy_from_slice(&fd.to_le_bytes());
        } else {
            // A monotonic clock 10 s away.
            s[16..20].copy_from_slice(&1u32.to_le_bytes());
            s[24..32].copy_from_slice(&10_000_000_000u64.to_le_bytes());
        }
    }
    let start = Instant::now();
    let errno = f.call("poll_oneoff", &[SUBS as i64, EVENTS as i64, 2, OUT as i64]);
    assert_eq!(errno, 0);
    assert!(start.elapsed() < Duration::from_secs(5));
    let mem = f.memory();
    assert_eq!(u32::from_le_bytes(mem[OUT..OUT + 4].try_into().unwrap()), 1);
    let event = &mem[EVENTS..EVENTS + 32];
    assert_eq!(u64::from_le_bytes(event[0..8].try_into().unwrap()), 100);
    assert_eq!(u16::from_le_bytes([event[8], event[9]]), 0, "no error");
    assert_eq!(event[10], 1, "an fd_read event");
}
