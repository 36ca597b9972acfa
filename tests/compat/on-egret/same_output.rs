//! The corpus run on Egret under the name `wasmtime`: each program prints
//! what Wasmtime 48 prints for it (tests/compat/expected; see
//! ../same_output.rs).

include!("../same_output.rs");

same_output_tests!("", false);
