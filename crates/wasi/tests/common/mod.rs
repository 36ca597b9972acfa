//! Shared by the WASI integration tests: running a test program from
//! `tests/wasi/bin` through Egret with a given context, and scratch
//! directories.

#![allow(dead_code)] // Each test binary uses its own part of this.

use egret::{Engine, Linker, Module, Store};
use egret_wasi::{WasiCtx, WasiCtxBuilder, WritePipe};
use std::path::{Path, PathBuf};

/// What a program did.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The path of a built test program.
pub fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/wasi/bin")
        .join(format!("{name}.wasm"))
}

/// Tests that count the process's open descriptors take turns, so each
/// sees only its own.
pub fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How many descriptors the process has open, as the host lists them
/// (`/proc/self/fd` on Linux, `/dev/fd` on macOS; each listing counts the
/// descriptor it reads the list through, so counts compare).
pub fn open_fd_count() -> usize {
    let listing = if cfg!(target_os = "linux") {
        "/proc/self/fd"
    } else {
        "/dev/fd"
    };
    std::fs::read_dir(listing)
        .unwrap_or_else(|e| panic!("{listing}: {e}"))
        .count()
}

/// Runs `_start` of test program `name` with `ctx`; returns the exit
/// code (0 if `_start` returns).
pub fn exit_status(name: &str, ctx: WasiCtx) -> i32 {
    let engine = Engine::default();
    let module = Module::from_file(&engine, program(name)).expect("test program compiles");
    let mut linker = Linker::new(&engine);
    egret_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).expect("WASI defined");
    let mut store = Store::new(&engine, ctx);
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("module instantiates");
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .expect("_start exported");
    match start.call(&mut store, ()) {
        Ok(()) => 0,
        Err(e) => egret_wasi::exit_code(&e).unwrap_or_else(|| panic!("program trapped: {e}")),
    }
}

/// Runs test program `name` with the context `builder` describes, its
/// stdout and stderr replaced by pipes.
pub fn run(name: &str, builder: &mut WasiCtxBuilder) -> Output {
    let stdout = WritePipe::new();
    let stderr = WritePipe::new();
    let ctx = builder
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .build()
        .expect("context builds");
    let code = exit_status(name, ctx);
    Output {
        code,
        stdout: String::from_utf8(stdout.contents()).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr.contents()).expect("stderr is UTF-8"),
    }
}

/// A fresh, empty directory, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("egret-wasi-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("scratch directory created");
        Scratch(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Makes a FIFO at `path`, readable and writable by its owner.
pub fn make_fifo(path: &Path) {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, FileType, Mode, mknodat};
        mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o600), 0).unwrap();
    }
    // rustix has no `mknodat` or `mkfifoat` for macOS; its `mkfifo`
    // command does the same.
    #[cfg(not(target_os = "linux"))]
    {
        let status = std::process::Command::new("mkfifo")
            .args(["-m", "600"])
            .arg(path)
            .status()
            .expect("mkfifo runs");
        assert!(status.success(), "mkfifo {}", path.display());
    }
}
