//! The execution kernels: their wasm (built by `kernels/build.sh`, committed)
//! and their native build (by `build.rs`), with the problem sizes the
//! benchmarks use.

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
    native: unsafe extern "C" fn(u32) -> u32,
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
}

macro_rules! kernel {
    ($name:literal, $native:ident, $n:expr, $test_n:expr, $what:literal) => {
        Kernel {
            name: $name,
            what: $what,
            wasm: include_bytes!(concat!("../kernels/", $name, ".wasm")),
            n: $n,
            test_n: $test_n,
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
