//! WASI preview1 through `egret-wasi`: `wasi_config_t` collects a
//! program's arguments, environment, standard streams and preopened
//! directories; `wasmtime_context_set_wasi` builds its `WasiCtx` into the
//! store's data, and `wasmtime_linker_define_wasi` defines
//! `wasi_snapshot_preview1` functions that use it.

use crate::boundary::{or_default, required, with_error};
use crate::error::wasmtime_error_t;
use crate::linker::wasmtime_linker_t;
use crate::store::{Finalizer, ForeignData, wasmtime_context_t};
use crate::vec::wasm_byte_vec_t;
use egret_api::Error;
use egret_wasi::WasiCtxBuilder;
use std::ffi::{CStr, c_char, c_void};
use std::fs::File;
use std::io::{Cursor, Write};
use std::path::PathBuf;

/// Where a program's standard input comes from.
#[derive(Default)]
enum Input {
    #[default]
    Empty,
    Inherit,
    File(File),
    Bytes(Vec<u8>),
}

/// Where a program's standard output or error goes.
#[derive(Default)]
enum Output {
    #[default]
    Discard,
    Inherit,
    File(File),
    Custom(CustomWriter),
}

/// An output stream written through a C callback, which returns how many
/// bytes it took or a negative number for an error.
struct CustomWriter {
    callback: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> isize,
    data: ForeignData,
}

impl Write for CustomWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        // SAFETY: the embedder gave this callback for this data, to be
        // called with the bytes the program writes.
        let taken = unsafe { (self.callback)(self.data.data, bytes.as_ptr(), bytes.len()) };
        usize::try_from(taken).map_err(|_| std::io::Error::other("the output callback failed"))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A WASI program's world, before it is built into a store.
#[derive(Default)]
pub struct wasi_config_t {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Input,
    stdout: Output,
    stderr: Output,
    preopens: Vec<(PathBuf, String)>,
}

impl wasi_config_t {
    /// The builder of the `WasiCtx` this configuration describes.
    fn into_builder(self) -> WasiCtxBuilder {
        let mut builder = WasiCtxBuilder::new();
        builder.args(&self.args);
        for (key, value) in &self.env {
            builder.env(key, value);
        }
        match self.stdin {
            Input::Empty => &mut builder,
            Input::Inherit => builder.inherit_stdin(),
            Input::File(file) => builder.stdin(file),
            Input::Bytes(bytes) => builder.stdin(Cursor::new(bytes)),
        };
        match self.stdout {
            Output::Discard => &mut builder,
            Output::Inherit => builder.inherit_stdout(),
            Output::File(file) => builder.stdout(file),
            Output::Custom(writer) => builder.stdout(writer),
        };
        match self.stderr {
            Output::Discard => &mut builder,
            Output::Inherit => builder.inherit_stderr(),
            Output::File(file) => builder.stderr(file),
            Output::Custom(writer) => builder.stderr(writer),
        };
        for (host, guest) in self.preopens {
            builder.preopen_dir(host, guest);
        }
        builder
    }
}

/// The C string at `ptr`, or `None` if it is NULL or not UTF-8.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string.
unsafe fn c_text(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null, and the caller promises a C string.
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .ok()
        .map(str::to_string)
}

/// The `count` C strings at `ptr`.
///
/// # Safety
/// `ptr` holds `count` NUL-terminated strings (or `count` is 0).
unsafe fn c_texts(ptr: *const *const c_char, count: usize) -> Option<Vec<String>> {
    // SAFETY: forwarded to the caller.
    let ptrs = unsafe { crate::boundary::slice(ptr, count, "strings") }.ok()?;
    // SAFETY: each is a C string, as the caller promises.
    ptrs.iter().map(|&p| unsafe { c_text(p) }).collect()
}

/// An empty configuration: no arguments, environment or directories; no
/// input, output discarded.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_new() -> Option<Box<wasi_config_t>> {
    or_default(None, || Some(Box::default()))
}

/// Frees a configuration not given to `wasmtime_context_set_wasi`.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_delete(config: Option<Box<wasi_config_t>>) {
    or_default((), || drop(config))
}

/// Sets the program's arguments (the first is its name); false if one is
/// NULL or not UTF-8.
///
/// # Safety
/// `argv` holds `argc` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasi_config_set_argv(
    config: Option<&mut wasi_config_t>,
    argc: usize,
    argv: *mut *const c_char,
) -> bool {
    or_default(false, || {
        // SAFETY: forwarded to the caller.
        let (Some(config), Some(args)) = (config, unsafe { c_texts(argv, argc) }) else {
            return false;
        };
        config.args = args;
        true
    })
}

/// Gives the program this process's arguments.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_inherit_argv(config: Option<&mut wasi_config_t>) {
    configure(config, |c| c.args = std::env::args().collect());
}

/// Sets the program's environment; false if a string is NULL or not
/// UTF-8.
///
/// # Safety
/// `names` and `values` hold `envc` NUL-terminated strings each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasi_config_set_env(
    config: Option<&mut wasi_config_t>,
    envc: usize,
    names: *mut *const c_char,
    values: *mut *const c_char,
) -> bool {
    or_default(false, || {
        // SAFETY: forwarded to the caller.
        let (names, values) = unsafe { (c_texts(names, envc), c_texts(values, envc)) };
        let (Some(config), Some(names), Some(values)) = (config, names, values) else {
            return false;
        };
        config.env = names.into_iter().zip(values).collect();
        true
    })
}

/// Gives the program this process's environment.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_inherit_env(config: Option<&mut wasi_config_t>) {
    configure(config, |c| c.env = std::env::vars().collect());
}

/// Reads the program's standard input from the file at `path`; false if
/// it cannot be opened.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasi_config_set_stdin_file(
    config: Option<&mut wasi_config_t>,
    path: *const c_char,
) -> bool {
    or_default(false, || {
        // SAFETY: forwarded to the caller.
        let (Some(config), Some(path)) = (config, unsafe { c_text(path) }) else {
            return false;
        };
        let Ok(file) = File::open(path) else {
            return false;
        };
        config.stdin = Input::File(file);
        true
    })
}

/// Gives the program `binary` (taken over, left empty) as its standard
/// input.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_set_stdin_bytes(
    config: Option<&mut wasi_config_t>,
    binary: Option<&mut wasm_byte_vec_t>,
) {
    or_default((), || {
        if let (Some(config), Some(binary)) = (config, binary) {
            config.stdin = Input::Bytes(binary.take());
        }
    })
}

/// Gives the program this process's standard input.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_inherit_stdin(config: Option<&mut wasi_config_t>) {
    configure(config, |c| c.stdin = Input::Inherit);
}

/// Creates (or truncates) the file at `path` for an output stream.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
unsafe fn output_file(path: *const c_char) -> Option<Output> {
    // SAFETY: forwarded to the caller.
    let path = unsafe { c_text(path) }?;
    File::create(path).ok().map(Output::File)
}

/// Writes the program's standard output to the file at `path`; false if
/// it cannot be created.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasi_config_set_stdout_file(
    config: Option<&mut wasi_config_t>,
    path: *const c_char,
) -> bool {
    or_default(false, || {
        // SAFETY: forwarded to the caller.
        let (Some(config), Some(output)) = (config, unsafe { output_file(path) }) else {
            return false;
        };
        config.stdout = output;
        true
    })
}

/// Writes the program's standard error to the file at `path`; false if
/// it cannot be created.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasi_config_set_stderr_file(
    config: Option<&mut wasi_config_t>,
    path: *const c_char,
) -> bool {
    or_default(false, || {
        // SAFETY: forwarded to the caller.
        let (Some(config), Some(output)) = (config, unsafe { output_file(path) }) else {
            return false;
        };
        config.stderr = output;
        true
    })
}

/// Gives the program this process's standard output.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_inherit_stdout(config: Option<&mut wasi_config_t>) {
    configure(config, |c| c.stdout = Output::Inherit);
}

/// Gives the program this process's standard error.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_inherit_stderr(config: Option<&mut wasi_config_t>) {
    configure(config, |c| c.stderr = Output::Inherit);
}

/// A custom output stream, or `None` without a callback.
fn custom(
    callback: Option<unsafe extern "C" fn(*mut c_void, *const u8, usize) -> isize>,
    data: *mut c_void,
    finalizer: Option<Finalizer>,
) -> Option<Output> {
    let data = ForeignData { data, finalizer };
    Some(Output::Custom(CustomWriter {
        callback: callback?,
        data,
    }))
}

/// Writes the program's standard output through `callback` with `data`
/// (`finalizer` runs on it when the stream is dropped).
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_set_stdout_custom(
    config: Option<&mut wasi_config_t>,
    callback: Option<unsafe extern "C" fn(*mut c_void, *const u8, usize) -> isize>,
    data: *mut c_void,
    finalizer: Option<Finalizer>,
) {
    or_default((), || {
        if let (Some(config), Some(output)) = (config, custom(callback, data, finalizer)) {
            config.stdout = output;
        }
    })
}

/// Writes the program's standard error through `callback` with `data`.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_set_stderr_custom(
    config: Option<&mut wasi_config_t>,
    callback: Option<unsafe extern "C" fn(*mut c_void, *const u8, usize) -> isize>,
    data: *mut c_void,
    finalizer: Option<Finalizer>,
) {
    or_default((), || {
        if let (Some(config), Some(output)) = (config, custom(callback, data, finalizer)) {
            config.stderr = output;
        }
    })
}

/// Gives the program the host directory `host_path` as `guest_path`.
/// False for NULL or non-UTF-8 paths, and for a read-only preopen
/// (`fs_mutable` false), which Egret's WASI does not offer: refusing is
/// safer than granting writes.
///
/// # Safety
/// `host_path` and `guest_path` are NULL or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasi_config_preopen_dir(
    config: Option<&mut wasi_config_t>,
    host_path: *const c_char,
    guest_path: *const c_char,
    fs_mutable: bool,
) -> bool {
    or_default(false, || {
        // SAFETY: forwarded to the caller.
        let paths = unsafe { (c_text(host_path), c_text(guest_path)) };
        let (Some(config), (Some(host), Some(guest)), true) = (config, paths, fs_mutable) else {
            return false;
        };
        config.preopens.push((PathBuf::from(host), guest));
        true
    })
}

/// Network access: Egret's WASI preview1 has no sockets, so there is
/// nothing to inherit; does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_inherit_network(_config: Option<&mut wasi_config_t>) {}

/// Name lookups: Egret's WASI preview1 has no sockets; does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn wasi_config_allow_ip_name_lookup(
    _config: Option<&mut wasi_config_t>,
    _enable: bool,
) {
}

/// Builds `wasi` (consumed) into the store's WASI context, which the
/// functions `wasmtime_linker_define_wasi` defines use.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_context_set_wasi(
    context: Option<&mut wasmtime_context_t>,
    wasi: Option<Box<wasi_config_t>>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let context = required(context, "store")?;
        let wasi = required(wasi, "wasi config")?;
        context.data_mut().wasi = Some(wasi.into_builder().build()?);
        Ok(())
    })
}

/// Defines the `wasi_snapshot_preview1` functions in the linker. Called
/// in a store without `wasmtime_context_set_wasi`, they fail.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_linker_define_wasi(
    linker: Option<&mut wasmtime_linker_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let linker = required(linker, "linker")?;
        egret_wasi::add_to_linker(&mut linker.linker, |data| {
            data.wasi
                .as_mut()
                .expect("WASI is not set up in this store: call wasmtime_context_set_wasi first")
        })
        .map_err(|e| Error::msg(format!("defining WASI: {e}")))
    })
}

/// Applies `set` to `config`, if it is not NULL (the shape of the
/// `wasi_config_inherit_*` functions).
fn configure(config: Option<&mut wasi_config_t>, set: impl FnOnce(&mut wasi_config_t)) {
    or_default((), || config.map_or((), set))
}
