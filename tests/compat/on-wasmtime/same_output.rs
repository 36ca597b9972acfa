//! The corpus run on Wasmtime 48: each program prints what
//! tests/compat/expected holds (the reference; see ../same_output.rs).

include!("../same_output.rs");

same_output_tests!("-on-wasmtime", true);
