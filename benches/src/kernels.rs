//! The execution kernels: their wasm (built by `kernels/build.sh` and
//! `kernels/wasi/build.sh`, committed) and their native build (by
//! `build.rs`), with the problem sizes the benchmarks use.

use std::sync::Mutex;

/// One compute kernel: `run(n) -> checksum` in wasm, `egret_kernel_<name>`
/// natively.
#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    /// Short name (also the file name in `kernels/`).
    pub name: &'static str,
    /// What the kernel exercises.
    pub what: &'static str,
    /// The module, built by clang for wasm32 (exports `run` and `memory`).
    pub wasm: &'static [u8],
    /// The problem size the benchmarks use.
    pub n: u32,
    /// A problem size small enough for tests in debug builds.
    pub test_n: u32,
    /// How the wasm was built.
    pub toolchain: Toolchain,
    native: unsafe extern "C" fn(u32) -> u32,
}

/// How a kernel's wasm was built, which decides what it may import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Toolchain {
    /// `kernels/build.sh`: clang for `wasm32-unknown-unknown`, no libc,
    /// bulk memory on. Imports nothing.
    Freestanding,
    /// `kernels/wasi/build.sh`: clang for `wasm32-wasi` against wasi-libc,
    /// bulk memory off, linked as a reactor: exports `_initialize` (called
    /// once before `run`) and may import WASI functions that libc links in
    /// but the kernel never calls (stdio's `fd_write`, `fd_seek`,
    /// `fd_close`); the harness links them to functions that trap.
    WasiLibc,
}

unsafe extern "C" {
    fn egret_kernel_fib(n: u32) -> u32;
    fn egret_kernel_loops(n: u32) -> u32;
    fn egret_kernel_mandelbrot(n: u32) -> u32;
    fn egret_kernel_nbody(n: u32) -> u32;
    fn egret_kernel_matmul(n: u32) -> u32;
    fn egret_kernel_sort(n: u32) -> u32;
    fn egret_kernel_interp(n: u32) -> u32;
    fn egret_kernel_bulk(n: u32) -> u32;
    fn egret_kernel_indirect(n: u32) -> u32;
    fn egret_kernel_memops(n: u32) -> u32;
    fn egret_kernel_matmul_l2(n: u32) -> u32;
    fn egret_kernel_hash64(n: u32) -> u32;
    fn egret_kernel_vm(n: u32) -> u32;
    fn egret_kernel_vcall(n: u32) -> u32;
    fn egret_kernel_records(n: u32) -> u32;
    fn egret_kernel_format(n: u32) -> u32;
}

macro_rules! kernel {
    ($name:literal, $native:ident, $n:expr, $test_n:expr, $what:literal) => {
        Kernel {
            name: $name,
            what: $what,
            wasm: include_bytes!(concat!("../kernels/", $name, ".wasm")),
            n: $n,
            test_n: $test_n,
            toolchain: Toolchain::Freestanding,
            native: $native,
        }
    };
}

macro_rules! libc_kernel {
    ($name:literal, $native:ident, $n:expr, $test_n:expr, $what:literal) => {
        Kernel {
            name: $name,
            what: $what,
            wasm: include_bytes!(concat!("../kernels/wasi/", $name, ".wasm")),
            n: $n,
            test_n: $test_n,
            toolchain: Toolchain::WasiLibc,
            native: $native,
        }
    };
}

/// Every kernel, in the order tables list them.
pub const KERNELS: &[Kernel] = &[
    kernel!(
        "fib",
        egret_kernel_fib,
        30,
        15,
        "recursion: naive Fibonacci"
    ),
    kernel!(
        "loops",
        egret_kernel_loops,
        100_000,
        2_000,
        "integer loops: Collatz, gcd"
    ),
    kernel!(
        "mandelbrot",
        egret_kernel_mandelbrot,
        256,
        24,
        "f64 escape-time iteration"
    ),
    kernel!(
        "nbody",
        egret_kernel_nbody,
        40_000,
        50,
        "f64 n-body simulation with sqrt"
    ),
    kernel!(
        "matmul",
        egret_kernel_matmul,
        160,
        16,
        "f64 matrix multiply"
    ),
    kernel!(
        "sort",
        egret_kernel_sort,
        300_000,
        2_000,
        "quicksort of u32s"
    ),
    kernel!(
        "interp",
        egret_kernel_interp,
        200_000,
        1_000,
        "bytecode interpreter (br_table)"
    ),
    kernel!(
        "bulk",
        egret_kernel_bulk,
        8,
        1,
        "memory.fill/memory.copy of 4 MiB"
    ),
    kernel!(
        "indirect",
        egret_kernel_indirect,
        3_000_000,
        5_000,
        "call_indirect through a table"
    ),
    libc_kernel!(
        "memops",
        egret_kernel_memops,
        100,
        1,
        "wasi-libc memcpy/memset/memmove loops"
    ),
    libc_kernel!(
        "matmul_l2",
        egret_kernel_matmul_l2,
        256,
        24,
        "f64 256×256 matrix multiply, i-j-k (1.5 MiB)"
    ),
    libc_kernel!(
        "hash64",
        egret_kernel_hash64,
        16,
        1,
        "64-bit multiply/rotate hash of 1 MiB"
    ),
    libc_kernel!(
        "vm",
        egret_kernel_vm,
        200_000,
        5_000,
        "register-machine interpreter (switch)"
    ),
    libc_kernel!(
        "vcall",
        egret_kernel_vcall,
        400,
        10,
        "virtual calls through structs of function pointers"
    ),
    libc_kernel!(
        "records",
        egret_kernel_records,
        20_000,
        500,
        "qsort/bsearch of records with strcmp"
    ),
    libc_kernel!(
        "format",
        egret_kernel_format,
        10_000,
        200,
        "snprintf, strlen, strcmp, strchr"
    ),
];

/// The native kernels keep their buffers in C statics, so two threads
/// (tests run in parallel) must not run one at the same time.
static NATIVE: Mutex<()> = Mutex::new(());

impl Kernel {
    /// Runs the natively compiled kernel.
    pub fn run_native(&self, n: u32) -> u32 {
        let _guard = NATIVE.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the kernels are self-contained C functions of this type
        // (`kernels/kernel.h`) that accept any `n`; the lock above keeps
        // their static buffers to one caller at a time.
        unsafe { (self.native)(n) }
    }

    /// The kernel called `name`.
    pub fn by_name(name: &str) -> Option<&'static Kernel> {
        KERNELS.iter().find(|k| k.name == name)
    }
}
