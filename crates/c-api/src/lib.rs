//! Egret's C API: the functions and types of Wasmtime 50's `wasm.h` and
//! `wasmtime.h`, with the same names and ABI, built as `libegret.so` and
//! `libegret.a`, so that a C program or a language binding made for
//! `libwasmtime` 50 runs on Egret by linking or loading `libegret`.
//!
//! Everything sits on the public `egret` crate (imported here as
//! `egret_api`, because this library is itself called `egret`):
//!
//! - Owned objects (`wasm_engine_t`, `wasmtime_store_t`,
//!   `wasmtime_module_t`, `wasm_functype_t`, ...) are Rust structs handed to
//!   C as `Box`es and taken back by their `_delete` function.
//! - Store items (`wasmtime_func_t`, `wasmtime_memory_t`, ...) are plain C
//!   structs holding the store's C-side id and an index into that store's
//!   handle table (see [`store`]), as Wasmtime's hold a store id and an
//!   index.
//! - `wasm.h`'s own objects (`wasm_store_t`, `wasm_func_t`, ...) share
//!   their store and keep it alive ([`wasm_store`], [`wasm_items`]).
//! - GC references handed to C own a rooted handle that
//!   `wasmtime_*_unroot` releases ([`refs`], [`gc`]).
//! - Every entry point catches panics ([`boundary`]); one that can report
//!   an error reports a NULL engine, store, context, module, linker or
//!   instance as an error naming it ("invalid store: null pointer"), one
//!   that cannot returns NULL, false or zero.
//! - Every other function of Wasmtime 50's headers is exported too, and
//!   says it is not supported ([`unsupported`]), so that bindings that
//!   load them all start.
//!
//! `docs/c-api.md` lists what is covered and what is not.

// The C names are the ABI.
#![allow(non_camel_case_types)]

#[cfg(test)]
mod abi_check;
pub mod boundary;
pub mod config;
pub mod error;
pub mod exn;
pub mod externs;
pub mod func;
pub mod gc;
pub mod global;
pub mod instance;
pub mod linker;
pub mod memory;
pub mod module;
mod raw_slots;
pub mod refs;
pub mod store;
pub mod table;
pub mod tag;
pub mod trap;
pub mod types;
pub mod unsupported;
pub mod val;
pub mod valtypes;
pub mod vec;
pub mod wasi;
pub mod wasm_items;
pub mod wasm_store;
pub mod wat;
