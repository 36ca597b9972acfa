//! Egret's runtime: stores, instances, linear memories, tables, globals,
//! trap handling and the libcalls generated code relies on.

pub mod vmcontext;
