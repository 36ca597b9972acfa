//! What the C API tests share. Each test file uses part of it.
#![allow(dead_code)]

pub mod headers;
pub mod library;
