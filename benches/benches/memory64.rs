//! What 64-bit addressing costs: each kernel of `egret_benches::memory64`
//! (an integer matrix multiply, and a byte-wise fill, copy and hash) built
//! for a 32-bit and for a 64-bit memory, on Egret and, with `--features
//! compare`, on Wasmtime (both configured by `Wasm3::with_wasm3`), in one
//! run. A Markdown summary (`timing::per_iteration` on the process's CPU clock, median of 11) of the
//! times, the Egret/Wasmtime ratios and each runtime's memory64/memory32
//! ratio is printed at the end.
//!
//! `cargo bench -p egret-benches --features compare --bench memory64`

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use egret_benches::memory64::{IndexType, KERNELS, Kernel64};
use egret_benches::timing::{self, Clock, Timing};
use egret_benches::{KernelInstance, Runtime, Wasm3, if_compare};
use std::hint::black_box;

/// The summary's timing: the process's CPU clock, which other processes
/// on a shared machine do not inflate (the kernels run on one thread),
/// and the median of 11 batches of at least 100 ms.
const SUMMARY_TIMING: Timing = Timing {
    min_batch: 0.1,
    samples: 11,
    clock: Clock::ProcessCpu,
};
use std::time::Duration;

const BUILDS: [(&str, IndexType); 2] = [("memory32", IndexType::I32), ("memory64", IndexType::I64)];

/// Seconds per `run(n)`, by kernel name, build name and runtime name.
type Summary = Vec<(&'static str, &'static str, &'static str, f64)>;

fn bench<R: Wasm3>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    kernel: &Kernel64,
    summary: &mut Summary,
) {
    let rt = R::with_wasm3();
    for (build, index) in BUILDS {
        let wasm = wat::parse_str((kernel.wat)(index)).expect("the kernel is valid text");
        let mut instance = rt.kernel(&wasm);
        let expected = (kernel.checksum)(kernel.n);
        assert_eq!(instance.run(kernel.n), expected, "{} {build}", R::NAME);
        group.bench_function(format!("{build}/{}", R::NAME), |b| {
            b.iter(|| instance.run(black_box(kernel.n)))
        });
        let time = timing::per_iteration(SUMMARY_TIMING, &mut |iters| {
            for _ in 0..iters {
                black_box(instance.run(black_box(kernel.n)));
            }
        });
        summary.push((kernel.name, build, R::NAME, time));
    }
}

fn print_summary(summary: &Summary) {
    let get = |kernel, build, name| {
        summary
            .iter()
            .find(|&&(k, b, n, _)| k == kernel && b == build && n == name)
            .map(|&(.., time)| time)
    };
    let (egret, wasmtime) = (egret_benches::runtimes::Egret::NAME, "Wasmtime");
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => timing::format_ratio(a, b),
        _ => "–".into(),
    };
    let time = |t: Option<f64>| t.map_or("–".into(), timing::format_seconds);
    println!(
        "\n| kernel | build | {egret} | {wasmtime} | {egret}/{wasmtime} | \
         {egret} memory64/memory32 | {wasmtime} memory64/memory32 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for kernel in &KERNELS {
        for (build, _) in BUILDS {
            let (e, w) = (
                get(kernel.name, build, egret),
                get(kernel.name, build, wasmtime),
            );
            let widening = |name| match build {
                "memory64" => ratio(
                    get(kernel.name, build, name),
                    get(kernel.name, "memory32", name),
                ),
                _ => String::new(),
            };
            println!(
                "| {}({}) | {build} | {} | {} | {} | {} | {} |",
                kernel.name,
                kernel.n,
                time(e),
                time(w),
                ratio(e, w),
                widening(egret),
                widening(wasmtime)
            );
        }
    }
}

fn memory64(c: &mut Criterion) {
    let mut summary = Summary::new();
    for kernel in &KERNELS {
        let mut group = c.benchmark_group(format!("memory64/{}_{}", kernel.name, kernel.n));
        group
            .sample_size(20)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4));
        bench::<egret_benches::runtimes::Egret>(&mut group, kernel, &mut summary);
        if_compare! {
            bench::<egret_benches::runtimes::Wasmtime>(&mut group, kernel, &mut summary);
        }
        group.finish();
    }
    print_summary(&summary);
}

criterion_group!(benches, memory64);
criterion_main!(benches);
