//! Never built: this package only makes cargo fetch `wasmtime-c-api-impl`.
