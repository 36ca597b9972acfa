//! Egret: a WebAssembly runtime that JIT-compiles wasm to native code with
//! Cranelift, with an embedding API in the shape Wasmtime users know.
//!
//! ```
//! use egret::{Caller, Engine, Func, Instance, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"
//!     (module
//!       (import "host" "log" (func $log (param i32)))
//!       (func (export "run") (param i32) (result i32)
//!         (call $log (local.get 0))
//!         (i32.mul (local.get 0) (i32.const 2))))
//! "#)?;
//! let mut store = Store::new(&engine, Vec::new());
//! let log = Func::wrap(&mut store, |mut caller: Caller<'_, Vec<i32>>, x: i32| {
//!     caller.data_mut().push(x);
//! });
//! let instance = Instance::new(&mut store, &module, &[log.into()])?;
//! let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
//! assert_eq!(run.call(&mut store, 21)?, 42);
//! assert_eq!(store.data(), &[21]);
//! # Ok::<(), egret::Error>(())
//! ```

#![deny(missing_docs)]

mod anyref;
mod arrayref;
mod bottom;
mod cache;
mod config;
mod engine;
mod eqref;
pub mod error;
mod exn;
mod externals;
mod field_values;
mod func;
mod gc;
mod global;
mod instance;
mod limits;
mod linker;
mod memory;
mod module;
mod raw;
mod refs;
mod rooting;
mod store;
mod structref;
mod table;
mod tag;
mod typed;
mod types;
mod v128;
mod values;

pub use anyref::{AnyRef, I31};
pub use arrayref::{ArrayRef, ArrayRefPre};
pub use bottom::{NoExtern, NoFunc, NoneRef};
pub use cache::{Cache, CacheConfig};
pub use config::{Collector, Config, Inlining, OptLevel, ProfilingStrategy};
pub use egret_frontend::code::CodeKind;
#[cfg(feature = "compiler")]
pub use egret_frontend::compiler::FunctionReport;
pub use engine::{Engine, EngineWeak, Precompiled};
pub use eqref::EqRef;
pub use error::{
    ArtifactError, CompileError, Context, Error, FrameInfo, Result, ThrownException, Trap,
    WasmBacktrace,
};
pub use exn::{ExnRef, ExnRefPre, ExnType};
pub use externals::Extern;
pub use func::{Caller, Func};
pub use gc::GcHeapOutOfMemory;
pub use global::Global;
pub use instance::{Export, Instance};
pub use limits::{
    DEFAULT_INSTANCE_LIMIT, DEFAULT_MEMORY_LIMIT, DEFAULT_TABLE_LIMIT, ResourceLimiter,
    StoreLimits, StoreLimitsBuilder,
};
pub use linker::{InstancePre, Linker};
pub use memory::{Memory, MemoryAccessError, PAGE_SIZE};
pub use module::Module;
pub use raw::ValRaw;
pub use refs::Ref;
pub use rooting::{GcRef, OwnedRooted, RootScope, Rooted, RootedGcRef};
pub use store::{
    AsContext, AsContextMut, CallHook, Store, StoreContext, StoreContextMut, UpdateDeadline,
};
pub use structref::{StructRef, StructRefPre};
pub use table::Table;
pub use tag::Tag;
pub use typed::{IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};
pub use types::{
    ArrayType, ExportType, ExternType, FieldType, Finality, FuncType, GlobalType, HeapType,
    ImportType, MemoryType, MemoryTypeBuilder, Mutability, RefType, StorageType, StructType,
    TableType, TagType, ValType,
};
pub use v128::V128;
pub use values::{ExternRef, Val};
