//! `add_to_linker`: defines every `wasi_snapshot_preview1` function in a
//! `Linker`, reaching the `WasiCtx` through the store's data.

use crate::abi::MODULE;
use crate::ctx::WasiCtx;
use crate::errno::WasiResult;
use crate::funcs::path_open::OpenArgs;
use crate::funcs::{
    args, clock, fd_attrs, fd_io, fd_manage, path_open, path_ops, poll, proc, random, readdir,
    unsupported,
};
use crate::guest::GuestMemory;
use egret::{Caller, Extern, FuncType, Linker, Val, ValType};

/// Defines the WASI preview1 functions (module `wasi_snapshot_preview1`)
/// in `linker`. `get` finds the [`WasiCtx`] in the store's data.
///
/// ```
/// use egret::{Engine, Linker, Module, Store};
/// use egret_wasi::{WasiCtx, WritePipe};
///
/// let engine = Engine::default();
/// let mut linker = Linker::new(&engine);
/// egret_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
/// let module = Module::new(&engine, r#"(module
///     (import "wasi_snapshot_preview1" "fd_write"
///         (func $fd_write (param i32 i32 i32 i32) (result i32)))
///     (memory (export "memory") 1)
///     (data (i32.const 16) "hello\n")
///     (func (export "_start")
///         (i32.store (i32.const 0) (i32.const 16))
///         (i32.store (i32.const 4) (i32.const 6))
///         (drop (call $fd_write
///             (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#).unwrap();
/// let stdout = WritePipe::new();
/// let ctx = WasiCtx::builder().stdout(stdout.clone()).build().unwrap();
/// let mut store = Store::new(&engine, ctx);
/// let instance = linker.instantiate(&mut store, &module).unwrap();
/// let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
/// start.call(&mut store, ()).unwrap();
/// assert_eq!(stdout.contents(), b"hello\n");
/// ```
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> egret::Result<()> {
    macro_rules! define {
        ($($family:ident::$name:ident($($arg:ident: $ty:ty),*);)*) => {$(
            linker.func_wrap(
                MODULE,
                stringify!($name),
                move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> egret::Result<i32> {
                    with_wasi(&mut caller, get, |ctx, mem| $family::$name(ctx, mem, $($arg),*))
                },
            )?;
        )*};
    }
    define! {
        args::args_get(argv: u32, buf: u32);
        args::args_sizes_get(argc: u32, buf_size: u32);
        args::environ_get(environ: u32, buf: u32);
        args::environ_sizes_get(count: u32, buf_size: u32);
        clock::clock_res_get(id: u32, out: u32);
        clock::clock_time_get(id: u32, precision: u64, out: u32);
        random::random_get(buf: u32, len: u32);
        fd_io::fd_read(fd: u32, iovs: u32, count: u32, nread: u32);
        fd_io::fd_write(fd: u32, iovs: u32, count: u32, nwritten: u32);
        fd_io::fd_pread(fd: u32, iovs: u32, count: u32, offset: u64, nread: u32);
        fd_io::fd_pwrite(fd: u32, iovs: u32, count: u32, offset: u64, nwritten: u32);
        fd_io::fd_seek(fd: u32, offset: i64, whence: u32, out: u32);
        fd_io::fd_tell(fd: u32, out: u32);
        fd_manage::fd_close(fd: u32);
        fd_manage::fd_renumber(from: u32, to: u32);
        fd_manage::fd_prestat_get(fd: u32, out: u32);
        fd_manage::fd_prestat_dir_name(fd: u32, buf: u32, len: u32);
        fd_attrs::fd_sync(fd: u32);
        fd_attrs::fd_datasync(fd: u32);
        fd_attrs::fd_fdstat_get(fd: u32, out: u32);
        fd_attrs::fd_fdstat_set_flags(fd: u32, flags: u32);
        fd_attrs::fd_filestat_get(fd: u32, out: u32);
        fd_attrs::fd_filestat_set_size(fd: u32, size: u64);
        fd_attrs::fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32);
        fd_attrs::fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
        fd_attrs::fd_allocate(fd: u32, offset: u64, len: u64);
        readdir::fd_readdir(fd: u32, buf: u32, len: u32, cookie: u64, bufused: u32);
        path_ops::path_create_directory(fd: u32, path: u32, len: u32);
        path_ops::path_remove_directory(fd: u32, path: u32, len: u32);
        path_ops::path_unlink_file(fd: u32, path: u32, len: u32);
        path_ops::path_rename(
            fd: u32, path: u32, len: u32, new_fd: u32, new_path: u32, new_len: u32);
        path_ops::path_link(
            fd: u32, flags: u32, path: u32, len: u32, new_fd: u32, new_path: u32, new_len: u32);
        path_ops::path_symlink(contents: u32, contents_len: u32, fd: u32, path: u32, len: u32);
        path_ops::path_readlink(fd: u32, path: u32, len: u32, buf: u32, buf_len: u32, bufused: u32);
        path_ops::path_filestat_get(fd: u32, flags: u32, path: u32, len: u32, out: u32);
        path_ops::path_filestat_set_times(
            fd: u32, flags: u32, path: u32, len: u32, atim: u64, mtim: u64, fst_flags: u32);
        poll::poll_oneoff(subs: u32, events: u32, count: u32, nevents: u32);
        unsupported::sock_accept(fd: u32, flags: u32, fd_out: u32);
        unsupported::sock_recv(
            fd: u32, iovs: u32, count: u32, flags: u32, nread: u32, out_flags: u32);
        unsupported::sock_send(fd: u32, iovs: u32, count: u32, flags: u32, nwritten: u32);
        unsupported::sock_shutdown(fd: u32, how: u32);
        unsupported::fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64);
        unsupported::proc_raise(signal: u32);
    }
    define_path_open(linker, get)?;
    linker.func_wrap(MODULE, "proc_exit", proc::proc_exit)?;
    linker.func_wrap(MODULE, "sched_yield", proc::sched_yield)?;
    Ok(())
}

/// `path_open` takes nine parameters, one more than `Linker::func_wrap`
/// accepts, so it is defined with a dynamic type.
fn define_path_open<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> egret::Result<()> {
    use ValType::{I32, I64};
    let ty = FuncType::new(
        linker.engine(),
        [I32, I32, I32, I32, I32, I64, I64, I32, I32],
        [I32],
    );
    linker.func_new(
        MODULE,
        "path_open",
        ty,
        move |mut caller, params, results| {
            // The linker checked the types against `ty`, so these are present.
            let word = |i: usize| params.get(i).and_then(Val::i32).unwrap_or_default() as u32;
            let args = OpenArgs {
                dirfd: word(0),
                lookup: word(1),
                path: word(2),
                path_len: word(3),
                oflags: word(4),
                rights: params.get(5).and_then(Val::i64).unwrap_or_default() as u64,
                fdflags: word(7),
                fd_out: word(8),
            };
            let errno = with_wasi(&mut caller, get, |ctx, mem| {
                path_open::path_open(ctx, mem, args)
            })?;
            if let Some(result) = results.first_mut() {
                *result = Val::I32(errno);
            }
            Ok(())
        },
    )?;
    Ok(())
}

/// Runs a WASI function with the context and the caller's memory, and
/// turns its outcome into the errno the guest gets.
///
/// Egret's `Memory::data_mut` borrows the whole store, so the context is
/// moved out of the store's data for the duration of the call (leaving an
/// empty one in its place) and moved back afterwards.
fn with_wasi<T: 'static>(
    caller: &mut Caller<'_, T>,
    get: impl Fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory) -> WasiResult<()>,
) -> egret::Result<i32> {
    let memory = caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| {
            egret::Error::msg("WASI function called from a module that exports no memory `memory`")
        })?;
    let mut ctx = std::mem::replace(get(caller.data_mut()), WasiCtx::empty());
    let outcome = memory
        .try_data_mut(&mut *caller)
        .map(|bytes| f(&mut ctx, &mut GuestMemory::new(bytes)));
    *get(caller.data_mut()) = ctx;
    Ok(match outcome? {
        Ok(()) => 0,
        Err(errno) => i32::from(errno.code()),
    })
}
