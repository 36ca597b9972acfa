//! WASI preview1 (`wasi_snapshot_preview1`) for Egret: the host functions
//! that let programs compiled for `wasm32-wasi` (C with `wasi-libc`, Rust's
//! `wasm32-wasip1`, ...) run with arguments, environment variables, clocks,
//! random numbers, standard streams and sandboxed access to host
//! directories.
//!
//! ```no_run
//! use egret::{Engine, Linker, Module, Store};
//! use egret_wasi::{WasiCtx, exit_code};
//!
//! let engine = Engine::default();
//! let module = Module::from_file(&engine, "program.wasm")?;
//! let mut linker = Linker::new(&engine);
//! egret_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx)?;
//! let ctx = WasiCtx::builder()
//!     .args(["program", "input.txt"])
//!     .inherit_stdio()
//!     .preopen_dir("./data", ".")
//!     .build()?;
//! let mut store = Store::new(&engine, ctx);
//! let instance = linker.instantiate(&mut store, &module)?;
//! let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
//! let code = match start.call(&mut store, ()) {
//!     Ok(()) => 0,
//!     Err(e) => exit_code(&e).ok_or(e)?,
//! };
//! std::process::exit(code);
//! # Ok::<(), egret::Error>(())
//! ```
//!
//! - [`WasiCtxBuilder`] sets up a program's world; [`WasiCtx`] lives in
//!   the store's data and [`add_to_linker`] defines the functions.
//! - `proc_exit` stops wasm with the error [`I32Exit`]; [`exit_code`] gets
//!   the code back.
//! - A guest reaches the host's files only below its preopened
//!   directories. Paths are resolved by [`path::resolve`], which never lets
//!   the kernel follow a symlink or `..`, so no path, symlink or `..`
//!   leads out; escapes fail with [`Errno::NotCapable`].
//! - Every guest pointer is bounds-checked; a bad one is `EFAULT`.
//!
//! `docs/wasi.md` describes what is supported and what is left out.

#![deny(missing_docs)]

mod abi;
mod ctx;
mod errno;
mod exit;
mod fdtable;
mod funcs;
mod guest;
mod linker;
pub mod path;
mod stdio;
mod sys;
mod times;

pub use ctx::{WasiCtx, WasiCtxBuilder};
pub use errno::Errno;
pub use exit::{I32Exit, exit_code};
pub use linker::add_to_linker;
pub use stdio::WritePipe;
