//! Compiles the benchmark kernels (`kernels/*.c`, and `kernels/wasi/*.c`
//! against the host's libc) for the host with the host C compiler at `-O2`
//! into a static library, the native floor that the wasm runtimes are
//! compared against. Each kernel's entry point is the C symbol
//! `egret_kernel_<name>` (see `kernels/kernel.h`).
//!
//! The compiler is whatever the `cc` crate picks (`cc`, or `$CC`), so
//! `CC=clang cargo bench ...` measures a clang-built floor.

use std::path::Path;

/// The kernels, in the order of `src/kernels.rs`.
const KERNELS: &[&str] = &[
    "fib",
    "loops",
    "mandelbrot",
    "nbody",
    "matmul",
    "sort",
    "interp",
    "bulk",
    "indirect",
];

/// The kernels built with a libc (`kernels/wasi/`), in the same order.
const LIBC_KERNELS: &[&str] = &[
    "memops",
    "matmul_l2",
    "hash64",
    "vm",
    "vcall",
    "records",
    "format",
];

fn main() {
    let dir = Path::new("kernels");
    println!("cargo:rerun-if-changed=kernels/kernel.h");
    let mut build = cc::Build::new();
    for name in KERNELS {
        let file = dir.join(format!("{name}.c"));
        println!("cargo:rerun-if-changed={}", file.display());
        build.file(file);
    }
    for name in LIBC_KERNELS {
        let file = dir.join("wasi").join(format!("{name}.c"));
        println!("cargo:rerun-if-changed={}", file.display());
        build.file(file);
    }
    build
        // The same optimisation level as the wasm build, whatever the
        // Cargo profile, and no fused multiply-add, so float results are
        // bit-for-bit those of wasm.
        .opt_level(2)
        .debug(false)
        .flag_if_supported("-ffp-contract=off")
        .warnings(true)
        .extra_warnings(true)
        .compile("egret_kernels");
}
