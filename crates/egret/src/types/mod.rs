//! The types the embedding API speaks in, with Wasmtime's shapes: value
//! and reference types over the whole WebAssembly 3.0 heap-type
//! hierarchy, function, struct and array types registered with an engine,
//! and the types of what modules import and export.
//!
//! These are Egret's own public types. The compiler and runtime work with
//! `egret_frontend::types`, in *engine form* (every concrete type an
//! engine-wide id); each public type converts to and from that form at the
//! API boundary (`from_engine` / `to_engine`), and a concrete type is only
//! meaningful with the engine that registered it.

mod entity;
mod func;
mod gc;
mod val;

pub use entity::{
    ExportType, ExternType, GlobalType, ImportType, MemoryType, MemoryTypeBuilder, Mutability,
    TableType, TagType,
};
pub use func::{Finality, FuncType};
pub use gc::{ArrayType, FieldType, StorageType, StructType};
pub use val::{HeapType, RefType, ValType};

/// The compiler's and runtime's form of the types.
pub(crate) use egret_frontend::types as engine_form;
