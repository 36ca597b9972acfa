//! `proc_exit` stops the program and the embedder gets the code back;
//! other host-side behaviour of the WASI functions as an embedder sees it.

mod common;

use egret::{Engine, Linker, Module, Store, Trap, WasmBacktrace};
use egret_wasi::{I32Exit, WasiCtx, WasiCtxBuilder, exit_code};

fn instantiate(wat: &str) -> (Store<WasiCtx>, egret::Instance, Linker<WasiCtx>) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut linker = Linker::new(&engine);
    egret_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
    let ctx = WasiCtxBuilder::new().build().unwrap();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance, linker)
}

const EXITING: &str = r#"(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
    (global $after (export "after") (mut i32) (i32.const 0))
    (func $inner (param i32)
      (call $exit (local.get 0))
      (global.set $after (i32.const 1)))
    (func (export "_start") (param i32) (call $inner (local.get 0)))
    (func (export "yield") (result i32) (call $yield)))"#;

#[test]
fn proc_exit_unwinds_to_the_embedder_with_the_code() {
    let (mut store, instance, _) = instantiate(EXITING);
    let start = instance
        .get_typed_func::<i32, ()>(&mut store, "_start")
        .unwrap();
    for code in [0, 7, 255, -1] {
        let err = start.call(&mut store, code).unwrap_err();
        assert_eq!(exit_code(&err), Some(code));
        // As in Wasmtime: the host error itself, not a trap, with the
        // wasm backtrace as context.
        assert!(!err.is::<Trap>(), "{err:?}");
        assert!(err.is::<WasmBacktrace>(), "{err:?}");
        assert_eq!(
            err.root_cause().to_string(),
            format!("wasm program exited with status {code}"),
            "{err:?}"
        );
    }
    // Nothing after proc_exit ran, and the store is still usable.
    let after = instance.get_global(&mut store, "after").unwrap();
    assert_eq!(after.get(&mut store).i32(), Some(0));
    let yield_ = instance
        .get_typed_func::<(), i32>(&mut store, "yield")
        .unwrap();
    assert_eq!(yield_.call(&mut store, ()).unwrap(), 0);
}

#[test]
fn proc_exit_called_by_the_host_gives_the_code_too() {
    let (mut store, _, linker) = instantiate(EXITING);
    let exit = linker
        .get(&mut store, "wasi_snapshot_preview1", "proc_exit")
        .unwrap()
        .into_func()
        .unwrap();
    let exit = exit.typed::<i32, ()>(&store).unwrap();
    assert_eq!(exit_code(&exit.call(&mut store, 3).unwrap_err()), Some(3));
}

#[test]
fn exit_code_is_none_for_other_errors() {
    assert_eq!(exit_code(&egret::Error::msg("no")), None);
    assert_eq!(exit_code(&I32Exit(9).into()), Some(9));
    let (mut store, instance, _) = instantiate(r#"(module (func (export "_start") unreachable))"#);
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    assert_eq!(exit_code(&start.call(&mut store, ()).unwrap_err()), None);
}

#[test]
fn a_module_without_memory_gets_an_error_not_a_crash() {
    let (mut store, instance, _) = instantiate(
        r#"(module
            (import "wasi_snapshot_preview1" "fd_write"
              (func $w (param i32 i32 i32 i32) (result i32)))
            (func (export "_start")
              (drop (call $w (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))))"#,
    );
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    let err = start.call(&mut store, ()).unwrap_err();
    assert_eq!(exit_code(&err), None);
    assert!(err.root_cause().to_string().contains("memory"), "{err:?}");
}

#[test]
fn the_context_stays_in_the_store_across_calls() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "close") (param i32) (result i32) (call $close (local.get 0))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    egret_wasi::add_to_linker(&mut linker, |data: &mut (u32, WasiCtx)| &mut data.1).unwrap();
    let mut store = Store::new(&engine, (5, WasiCtxBuilder::new().build().unwrap()));
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let close = instance
        .get_typed_func::<i32, i32>(&mut store, "close")
        .unwrap();
    assert_eq!(close.call(&mut store, 2).unwrap(), 0);
    assert_eq!(
        close.call(&mut store, 2).unwrap(),
        8,
        "EBADF: fd 2 stays closed"
    );
    assert_eq!(close.call(&mut store, 1).unwrap(), 0);
    assert_eq!(store.data().0, 5);
}

#[test]
fn builder_rejects_bad_input() {
    assert!(WasiCtxBuilder::new().arg("a\0b").build().is_err());
    assert!(WasiCtxBuilder::new().env("A=B", "c").build().is_err());
    assert!(WasiCtxBuilder::new().env("A", "c\0").build().is_err());
    let missing = std::env::temp_dir().join("egret-wasi-no-such-directory");
    let err = WasiCtxBuilder::new()
        .preopen_dir(&missing, "/x")
        .build()
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("egret-wasi-no-such-directory"),
        "{err}"
    );
}

#[test]
fn every_wasi_libc_import_links_and_the_unsupported_ones_say_so() {
    let out = common::run("wasi_imports", &mut WasiCtxBuilder::new());
    assert_eq!(out.code, 42);
    assert_eq!(
        out.stdout,
        "functions: 45\nsched_yield: 0\nsock_shutdown stdout: 57\nsock_shutdown closed fd: 8\n\
         sock_accept stdin: 57\nfd_fdstat_set_rights: 58\nfd_renumber closed: 8\n"
    );
    // fd 2 was renumbered onto fd 1: later output goes to the old stderr.
    assert_eq!(out.stderr, "fd_renumber 2 -> 1: 0\nfd_fdstat_get 2: 8\n");
}
