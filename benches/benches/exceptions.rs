//! Exception handling (issue #15): a throw caught 1, 10 and 100 frames up
//! (loops of 1,000 throws), and a loop of 10,000 calls of `x + 1` with
//! plain calls and with every call inside a `try_table` that never catches
//! anything (`egret_benches::exceptions`), on Egret and, with `--features
//! compare`, on Wasmtime, both configured alike (`Wasm3::with_wasm3`,
//! exception handling included). Criterion reports the time per throw or
//! call as throughput in elements; a Markdown summary of ns per throw or
//! call, the Egret/Wasmtime ratios and each runtime's
//! `calls_in_try`/`calls_plain` ratio (1 when `try_table` is zero-cost)
//! (`timing::per_iteration` on the process's CPU clock, median of 11) is
//! printed at the end.
//!
//! `cargo bench -p egret-benches --features compare --bench exceptions`

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use egret_benches::exceptions::{ExceptionFigure, exceptions_module};
use egret_benches::timing::{self, Clock, Timing};
use egret_benches::{KernelInstance, Runtime, Wasm3, if_compare};
use std::hint::black_box;

/// The summary's timing: the process's CPU clock, which other processes
/// on a shared machine do not inflate (the loops run on one thread), and
/// the median of 11 batches of at least 100 ms.
const SUMMARY_TIMING: Timing = Timing {
    min_batch: 0.1,
    samples: 11,
    clock: Clock::ProcessCpu,
};

/// Nanoseconds per throw or call, by figure and runtime name.
type Summary = Vec<(ExceptionFigure, &'static str, f64)>;

fn bench<R: Wasm3>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    figure: ExceptionFigure,
    wasm: &[u8],
    summary: &mut Summary,
) {
    let steps = figure.steps_per_run();
    let mut instance = R::with_wasm3().export(wasm, &figure.export());
    // Every runtime must give the same, expected, result before it is
    // timed (so both call loops agree too).
    assert_eq!(
        instance.run(steps),
        figure.result(steps),
        "{figure:?} on {}",
        R::NAME
    );
    group.bench_function(R::NAME, |b| b.iter(|| instance.run(black_box(steps))));
    let per_run = timing::per_iteration(SUMMARY_TIMING, &mut |iters| {
        for _ in 0..iters {
            black_box(instance.run(black_box(steps)));
        }
    });
    summary.push((figure, R::NAME, per_run * 1e9 / f64::from(steps)));
}

fn print_summary(summary: &Summary) {
    let get = |figure, name| {
        summary
            .iter()
            .find(|&&(f, n, _)| f == figure && n == name)
            .map(|&(_, _, ns)| ns)
    };
    let egret = egret_benches::runtimes::Egret::NAME;
    let wasmtime = "Wasmtime";
    let cell = |ns: Option<f64>| ns.map_or("–".into(), |ns| format!("{ns:.2}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => timing::format_ratio(a, b),
        _ => "–".into(),
    };
    println!("\n| export | unit | {egret} ns | {wasmtime} ns | {egret}/{wasmtime} |");
    println!("|---|---|---:|---:|---:|");
    for figure in ExceptionFigure::ALL {
        let (ours, theirs) = (get(figure, egret), get(figure, wasmtime));
        println!(
            "| `{}` | {} | {} | {} | {} |",
            figure.export(),
            figure.unit(),
            cell(ours),
            cell(theirs),
            ratio(ours, theirs)
        );
    }
    println!("\n| runtime | `calls_in_try`/`calls_plain` |");
    println!("|---|---:|");
    for name in [egret, wasmtime] {
        let in_try = get(ExceptionFigure::CallsInTry, name);
        let plain = get(ExceptionFigure::CallsPlain, name);
        if in_try.is_some() {
            println!("| {name} | {} |", ratio(in_try, plain));
        }
    }
}

fn exceptions(c: &mut Criterion) {
    let wasm = exceptions_module();
    let mut summary = Summary::new();
    for figure in ExceptionFigure::ALL {
        let mut group = c.benchmark_group(format!("exceptions/{}", figure.export()));
        group.throughput(Throughput::Elements(u64::from(figure.steps_per_run())));
        bench::<egret_benches::runtimes::Egret>(&mut group, figure, &wasm, &mut summary);
        if_compare! {
            bench::<egret_benches::runtimes::Wasmtime>(
                &mut group,
                figure,
                &wasm,
                &mut summary,
            );
        }
        group.finish();
    }
    print_summary(&summary);
}

criterion_group!(benches, exceptions);
criterion_main!(benches);
