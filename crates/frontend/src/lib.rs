//! Egret's frontend: validates WebAssembly, translates each function to
//! Cranelift IR, compiles it for the host (or another) ISA and links the
//! code into a position-independent image, keeping the metadata the
//! runtime needs to load and run it.
//!
//! Without the `compiler` feature (on by default) only the second half
//! remains: module descriptions, the artifact format and its checks, vmctx
//! layout and trap kinds, which is what a runtime that only loads
//! precompiled modules needs.

#[cfg(feature = "compiler")]
pub mod abi;
pub mod address_map;
pub mod artifact;
pub mod builtins;
pub mod code;
pub mod compiled;
#[cfg(feature = "compiler")]
pub mod compiler;
pub mod config;
#[cfg(feature = "compiler")]
pub mod decode;
pub mod error;
pub mod gc_layout;
pub mod host_cpu;
pub mod image;
#[cfg(feature = "compiler")]
pub mod inlining;
#[cfg(feature = "compiler")]
pub mod link;
pub mod module_info;
#[cfg(feature = "compiler")]
pub mod parse;
pub mod registry;
pub mod target;
#[cfg(feature = "compiler")]
pub mod trampolines;
#[cfg(feature = "compiler")]
pub mod translate;
pub mod traps;
pub mod tunables;
pub mod types;
pub mod vmoffsets;

#[cfg(feature = "compiler")]
pub use cranelift_codegen::ir::TrapCode;

/// The Cranelift crates the compiler is built on, for code outside the
/// frontend that builds functions for Egret's ABI by hand (the runtime's
/// trap tests). Reaching them through the frontend keeps them out of
/// those crates' own dependencies: the runtime's tests without the
/// `compiler` feature then build no Cranelift at all.
#[cfg(feature = "compiler")]
#[doc(hidden)]
pub mod cranelift {
    pub use cranelift_codegen as codegen;
    pub use cranelift_frontend as frontend;
    pub use cranelift_native as native;
}
