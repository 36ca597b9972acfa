//! What the C API tests share.

pub mod headers;
