//! The GC figure (issue #16): `egret_benches::gc`'s kernels (binary trees,
//! an array kernel, allocation throughput) on Egret and, with `--features
//! compare`, on Wasmtime 48 with its default collector for this build
//! (deferred reference counting, `gc-drc`), in one run. A Markdown
//! summary (`timing::per_iteration` on the process's CPU clock, median of
//! 11) of the times and the Egret/Wasmtime ratios is printed at the end.
//!
//! `cargo bench -p egret-benches --features compare --bench gc`

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use egret_benches::gc::{GcKernel, KERNELS, gc_module};
use egret_benches::timing::{self, Clock, Timing};
use egret_benches::{KernelInstance, Runtime, Wasm3, if_compare};
use std::hint::black_box;
use std::time::Duration;

/// The summary's timing: the process's CPU clock and the median of 11
/// batches of at least 100 ms.
const SUMMARY_TIMING: Timing = Timing {
    min_batch: 0.1,
    samples: 11,
    clock: Clock::ProcessCpu,
};

/// Seconds per `run(n)`, by kernel name and runtime name.
type Summary = Vec<(&'static str, &'static str, f64)>;

fn bench<R: Wasm3>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    kernel: &GcKernel,
    summary: &mut Summary,
) {
    let rt = R::with_wasm3();
    let mut instance = rt.export(&gc_module(), kernel.name);
    assert_eq!(
        instance.run(kernel.n),
        (kernel.checksum)(kernel.n),
        "{} {}",
        kernel.name,
        R::NAME
    );
    group.bench_function(R::NAME, |b| b.iter(|| instance.run(black_box(kernel.n))));
    let time = timing::per_iteration(SUMMARY_TIMING, &mut |iters| {
        for _ in 0..iters {
            black_box(instance.run(black_box(kernel.n)));
        }
    });
    summary.push((kernel.name, R::NAME, time));
}

fn print_summary(summary: &Summary) {
    let get = |kernel, name| {
        summary
            .iter()
            .find(|&&(k, n, _)| k == kernel && n == name)
            .map(|&(.., time)| time)
    };
    let (egret, wasmtime) = (egret_benches::runtimes::Egret::NAME, "Wasmtime");
    let time = |t: Option<f64>| t.map_or("–".into(), timing::format_seconds);
    println!("\n| kernel | {egret} | {wasmtime} | {egret}/{wasmtime} |");
    println!("|---|---:|---:|---:|");
    for kernel in &KERNELS {
        let (e, w) = (get(kernel.name, egret), get(kernel.name, wasmtime));
        let ratio = match (e, w) {
            (Some(e), Some(w)) => timing::format_ratio(e, w),
            _ => "–".into(),
        };
        println!(
            "| {}({}) | {} | {} | {ratio} |",
            kernel.name,
            kernel.n,
            time(e),
            time(w)
        );
    }
}

fn gc(c: &mut Criterion) {
    let mut summary = Summary::new();
    for kernel in &KERNELS {
        let mut group = c.benchmark_group(format!("gc/{}_{}", kernel.name, kernel.n));
        group
            .sample_size(10)
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

criterion_group!(benches, gc);
criterion_main!(benches);
