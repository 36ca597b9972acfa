//! The error type of compilation.

use thiserror::Error;

/// Why a module could not be compiled.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// The bytes are not a valid WebAssembly module (malformed or invalid).
    #[error("{message} (at offset {offset:#x})")]
    Invalid {
        /// What is wrong.
        message: String,
        /// Byte offset in the module where it was found.
        offset: u64,
    },
    /// The module uses a feature Egret does not support or has switched off.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Cranelift failed to compile a function (a bug in Egret).
    #[error("code generation failed: {0}")]
    Codegen(String),
}

impl CompileError {
    /// An `Invalid` error at `offset`.
    pub fn invalid(message: impl Into<String>, offset: u64) -> CompileError {
        CompileError::Invalid {
            message: message.into(),
            offset,
        }
    }
}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        CompileError::Invalid {
            message: e.message().to_string(),
            offset: e.offset(),
        }
    }
}
