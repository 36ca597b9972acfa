//! wasm→wasm calls by kind (issue #14): a loop of 10,000 calls of
//! `x + 1` made with `call`, `call_indirect` (exact type, and declared
//! subtype) and `call_ref` (`egret_benches::call_kinds`), on Egret and,
//! with `--features compare`, on Wasmtime, both configured with typed
//! function references, GC types and memory64 (`Wasm3::with_wasm3`).
//! Criterion reports the time per call as throughput in elements; a
//! Markdown summary of ns per call and the Egret/Wasmtime ratios
//! (`timing::per_iteration` on the process's CPU clock, median of 11) is printed at the end.
//!
//! `cargo bench -p egret-benches --features compare --bench call_kinds`

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use egret_benches::call_kinds::{CALLS_PER_LOOP, CallKind, call_kinds_module};
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

/// Nanoseconds per call, by kind and runtime name.
type Summary = Vec<(CallKind, &'static str, f64)>;

fn bench<R: Wasm3>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    kind: CallKind,
    wasm: &[u8],
    summary: &mut Summary,
) {
    let mut calls = R::with_wasm3().export(wasm, kind.export());
    assert_eq!(calls.run(CALLS_PER_LOOP), CALLS_PER_LOOP, "{}", R::NAME);
    group.bench_function(R::NAME, |b| b.iter(|| calls.run(black_box(CALLS_PER_LOOP))));
    let per_loop = timing::per_iteration(SUMMARY_TIMING, &mut |iters| {
        for _ in 0..iters {
            black_box(calls.run(black_box(CALLS_PER_LOOP)));
        }
    });
    summary.push((kind, R::NAME, per_loop * 1e9 / f64::from(CALLS_PER_LOOP)));
}

fn print_summary(summary: &Summary) {
    let get = |kind, name| {
        summary
            .iter()
            .find(|&&(k, n, _)| k == kind && n == name)
            .map(|&(_, _, ns)| ns)
    };
    let wasmtime = "Wasmtime";
    println!("\n| kind | Egret ns/call | {wasmtime} ns/call | Egret/{wasmtime} |");
    println!("|---|---:|---:|---:|");
    for kind in CallKind::ALL {
        let egret = get(kind, egret_benches::runtimes::Egret::NAME);
        let other = get(kind, wasmtime);
        let cell = |ns: Option<f64>| ns.map_or("–".into(), |ns| format!("{ns:.2}"));
        let ratio = match (egret, other) {
            (Some(e), Some(o)) => timing::format_ratio(e, o),
            _ => "–".into(),
        };
        println!(
            "| `{}` | {} | {} | {ratio} |",
            kind.export(),
            cell(egret),
            cell(other)
        );
    }
}

fn call_kinds(c: &mut Criterion) {
    let wasm = call_kinds_module();
    let mut summary = Summary::new();
    for kind in CallKind::ALL {
        let mut group = c.benchmark_group(format!("call_kinds/{}", kind.export()));
        group.throughput(Throughput::Elements(u64::from(CALLS_PER_LOOP)));
        bench::<egret_benches::runtimes::Egret>(&mut group, kind, &wasm, &mut summary);
        if_compare! {
            bench::<egret_benches::runtimes::Wasmtime>(&mut group, kind, &wasm, &mut summary);
        }
        group.finish();
    }
    print_summary(&summary);
}

criterion_group!(benches, call_kinds);
criterion_main!(benches);
