//! The error type of compilation.

use thiserror::Error;

/// Why a module could not be compiled.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// The bytes do not decode as a WebAssembly module (or the text does
    /// not parse): the spec's *malformed*.
    #[error("{message} (at offset {offset:#x})")]
    Malformed {
        /// What is wrong.
        message: String,
        /// Byte offset in the module where it was found.
        offset: u64,
    },
    /// The module decodes but does not validate: the spec's *invalid*.
    #[error("{message} (at offset {offset:#x})")]
    Invalid {
        /// What is wrong.
        message: String,
        /// Byte offset in the module where it was found.
        offset: u64,
    },
    /// The module uses a feature Egret does not support or has switched
    /// off, or has a function beyond the code generator's limits.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Cranelift failed to compile a function (a bug in Egret).
    #[error("code generation failed: {0}")]
    Codegen(String),
}

impl CompileError {
    /// A `Malformed` error at `offset`.
    pub fn malformed(message: impl Into<String>, offset: u64) -> CompileError {
        CompileError::Malformed {
            message: message.into(),
            offset,
        }
    }

    /// An `Invalid` error at `offset`.
    pub fn invalid(message: impl Into<String>, offset: u64) -> CompileError {
        CompileError::Invalid {
            message: message.into(),
            offset,
        }
    }
}

/// An error of the pass that decodes and validates at once: `Invalid`, until
/// `decode::check` finds the module malformed (see `Compiler`).
impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        CompileError::Invalid {
            message: e.message().to_string(),
            offset: e.offset(),
        }
    }
}
