//! Compilation: a large generated module (throughput in bytes of code
//! section per second) and the small kernels, on every runtime built in.
//!
//! `cargo bench -p egret-benches --bench compile [-- FILTER]`

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use egret_benches::kernels::KERNELS;
use egret_benches::modules::{self, LARGE_MODULE_FUNCS};
use egret_benches::{Runtime, each_runtime};
use std::hint::black_box;
use std::time::Duration;

fn bench_large<R: Runtime>(group: &mut BenchmarkGroup<'_, WallTime>, wasm: &[u8]) {
    let rt = R::new();
    group.bench_function(R::NAME, |b| b.iter(|| black_box(rt.compile(wasm))));
}

fn bench_kernels<R: Runtime>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::new();
    group.bench_function(R::NAME, |b| {
        b.iter(|| {
            for kernel in KERNELS {
                black_box(rt.compile(kernel.wasm));
            }
        })
    });
}

fn compile(c: &mut Criterion) {
    let large = modules::large_module(LARGE_MODULE_FUNCS);
    let mut group = c.benchmark_group("compile/large");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Bytes(modules::code_section_size(&large) as u64));
    each_runtime!(bench_large(&mut group, &large));
    group.finish();

    let mut group = c.benchmark_group("compile/kernels");
    let code: usize = KERNELS
        .iter()
        .map(|k| modules::code_section_size(k.wasm))
        .sum();
    group.throughput(Throughput::Bytes(code as u64));
    each_runtime!(bench_kernels(&mut group));
    group.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
