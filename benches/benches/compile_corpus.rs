//! Compiling real toolchain output (issue #19): every module of the
//! compile corpus (`egret_benches::corpus`: the wasi-libc kernels at -O2
//! and -O0, the WASI test programs, a generated C program of about 2.5 MB
//! of source) one after another, on every runtime built in. Egret and
//! Wasmtime both compile functions in parallel on rayon's global pool, so
//! in one process they use the same threads (as many as the machine has
//! cores; `RAYON_NUM_THREADS=N` sets it for both).
//!
//! Criterion times the whole corpus by the wall clock. A Markdown summary
//! follows, timed with the process's CPU clock (the sum over the threads,
//! which other processes on a shared machine do not inflate; median of 5
//! batches of at least 0.5 s, the runtimes' batches interleaved so that a
//! change in load reaches them alike) per group of the corpus, with
//! Egret/Wasmtime ratios.
//!
//! `cargo bench -p egret-benches --features compare --bench compile_corpus`

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use egret_benches::corpus::{CorpusModule, Origin, corpus};
use egret_benches::timing::{self, Clock, Timing};
use egret_benches::{Runtime, if_compare, modules};
use std::hint::black_box;
use std::time::Duration;

/// The summary's timing: process CPU time, median of 5 batches of at
/// least 0.5 s.
const SUMMARY_TIMING: Timing = Timing {
    min_batch: 0.5,
    samples: 5,
    clock: Clock::ProcessCpu,
};

/// CPU seconds per compile of a group, by origin and runtime name.
type Summary = Vec<(Origin, &'static str, f64)>;

/// One runtime's compile of a list of modules, for the summary.
type Compiler = (&'static str, Box<dyn Fn(&[CorpusModule])>);

fn compile_all<R: Runtime>(rt: &R, modules: &[CorpusModule]) {
    for module in modules {
        black_box(rt.compile(module.wasm));
    }
}

/// Criterion's wall-clock figure for runtime `R`, and `R` as a compiler
/// for the summary.
fn bench<R: Runtime>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    modules: &[CorpusModule],
    compilers: &mut Vec<Compiler>,
) {
    let rt = R::new();
    group.bench_function(R::NAME, |b| b.iter(|| compile_all(&rt, modules)));
    compilers.push((R::NAME, Box::new(move |part| compile_all(&rt, part))));
}

/// Every group of the corpus on every compiler, the compilers' batches
/// interleaved (`timing::per_iteration_each`).
fn summarise(modules: &[CorpusModule], compilers: &[Compiler]) -> Summary {
    let mut summary = Summary::new();
    for origin in Origin::ALL {
        let part: Vec<CorpusModule> = modules
            .iter()
            .copied()
            .filter(|m| m.origin == origin)
            .collect();
        let mut runs: Vec<Box<dyn FnMut(u64) + '_>> = compilers
            .iter()
            .map(|(_, compile)| {
                let part = &part;
                Box::new(move |iters: u64| {
                    for _ in 0..iters {
                        compile(part);
                    }
                }) as Box<dyn FnMut(u64)>
            })
            .collect();
        let mut fs: Vec<&mut dyn FnMut(u64)> = runs.iter_mut().map(|f| &mut **f as _).collect();
        let seconds = timing::per_iteration_each(SUMMARY_TIMING, &mut fs);
        for ((name, _), seconds) in compilers.iter().zip(seconds) {
            summary.push((origin, name, seconds));
        }
    }
    summary
}

fn print_summary(modules: &[CorpusModule], summary: &Summary) {
    let get = |origin: Origin, name: &str| {
        summary
            .iter()
            .find(|&&(o, n, _)| o == origin && n == name)
            .map(|&(_, _, s)| s)
    };
    let names: Vec<&'static str> = {
        let mut names: Vec<&'static str> = Vec::new();
        for &(_, name, _) in summary {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    };
    print!("\n| group | modules | wasm bytes | code bytes |");
    for name in &names {
        print!(" {name} CPU |");
    }
    for name in &names[1..] {
        print!(" {}/{name} |", names[0]);
    }
    println!();
    println!(
        "|---|---:|---:|---:|{}",
        "---:|".repeat(2 * names.len() - 1)
    );
    let mut totals = vec![0.0; names.len()];
    for origin in Origin::ALL {
        let part: Vec<&CorpusModule> = modules.iter().filter(|m| m.origin == origin).collect();
        let bytes: usize = part.iter().map(|m| m.wasm.len()).sum();
        let code: usize = part
            .iter()
            .map(|m| modules::code_section_size(m.wasm))
            .sum();
        print!("| {} | {} | {bytes} | {code} |", origin.label(), part.len());
        for (total, name) in totals.iter_mut().zip(&names) {
            let seconds = get(origin, name).unwrap_or(f64::NAN);
            *total += seconds;
            print!(" {} |", timing::format_seconds(seconds));
        }
        for name in &names[1..] {
            match (get(origin, names[0]), get(origin, name)) {
                (Some(a), Some(b)) => print!(" {} |", timing::format_ratio(a, b)),
                _ => print!(" – |"),
            }
        }
        println!();
    }
    let bytes: usize = modules.iter().map(|m| m.wasm.len()).sum();
    let code: usize = modules
        .iter()
        .map(|m| modules::code_section_size(m.wasm))
        .sum();
    print!(
        "| **all** (sum of the rows) | {} | {bytes} | {code} |",
        modules.len()
    );
    for total in &totals {
        print!(" {} |", timing::format_seconds(*total));
    }
    for total in &totals[1..] {
        print!(" **{}** |", timing::format_ratio(totals[0], *total));
    }
    println!();
}

fn compile_corpus(c: &mut Criterion) {
    let modules = corpus();
    let mut compilers = Vec::new();
    let mut group = c.benchmark_group("compile_corpus/all");
    let code: usize = modules
        .iter()
        .map(|m| modules::code_section_size(m.wasm))
        .sum();
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Bytes(code as u64));
    bench::<egret_benches::runtimes::Egret>(&mut group, &modules, &mut compilers);
    if_compare! {
        bench::<egret_benches::runtimes::Wasmtime>(&mut group, &modules, &mut compilers);
        bench::<egret_benches::runtimes::Wasmi>(&mut group, &modules, &mut compilers);
    }
    group.finish();
    print_summary(&modules, &summarise(&modules, &compilers));
}

criterion_group!(benches, compile_corpus);
criterion_main!(benches);
