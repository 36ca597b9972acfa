//! What the C API tests share. Each test file uses part of it.
#![allow(dead_code)]

pub mod headers;
pub mod library;
pub mod prototypes;

use std::path::PathBuf;

/// `tests/c-api/` at the repository root: the C programs, their
/// `check.h`, the valgrind suppressions and the Python script.
pub fn c_api_tests_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/c-api")
}
