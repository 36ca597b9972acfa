//! Egret's runtime: stores, instances, linear memories, tables, globals,
//! trap handling and the libcalls generated code relies on.

pub mod code_memory;
pub mod code_registry;
pub mod engine;
pub mod exception;
pub mod gc_heap;
pub mod host_func;
pub mod host_roots;
pub mod host_values;
pub mod instance;
pub mod libcalls;
pub mod limits;
pub mod memory;
pub mod memory_image;
pub mod memory_pool;
pub mod module;
pub mod perf_map;
pub mod stack_limit;
pub mod store;
pub mod table;
pub mod trap;
pub mod traphandlers;
pub mod vm_box;
pub mod vmcontext;
