//! Egret's frontend: validates WebAssembly, translates each function to
//! Cranelift IR, compiles it for the host (or another) ISA and links the
//! code into a position-independent image, keeping the metadata the
//! runtime needs to load and run it.

pub mod abi;
pub mod artifact;
pub mod builtins;
pub mod code;
pub mod compiler;
pub mod decode;
pub mod error;
pub mod image;
pub mod module_info;
pub mod parse;
pub mod target;
pub mod trampolines;
pub mod translate;
pub mod traps;
pub mod tunables;
pub mod types;
pub mod vmoffsets;

pub use cranelift_codegen::ir::TrapCode;
