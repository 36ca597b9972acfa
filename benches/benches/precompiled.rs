//! Precompiled modules: the large generated module compiled and
//! instantiated, against deserialized and instantiated, on each runtime
//! that can save modules (Egret; Wasmtime with `--features compare`). The
//! artifact sizes are printed before the timings.
//!
//! `cargo bench -p egret-benches --bench precompiled [-- FILTER]`

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use egret_benches::modules::{self, LARGE_MODULE_FUNCS};
use egret_benches::{Precompiling, if_compare};
use std::hint::black_box;
use std::time::Duration;

fn bench<R: Precompiling>(group: &mut BenchmarkGroup<'_, WallTime>, wasm: &[u8]) {
    let rt = R::new();
    let artifact = rt.serialize(&rt.compile(wasm));
    println!(
        "{}: {} bytes of wasm, {} bytes of artifact",
        R::NAME,
        wasm.len(),
        artifact.len()
    );
    group.bench_function(format!("{} compile+instantiate", R::NAME), |b| {
        b.iter(|| rt.instantiate(&black_box(rt.compile(wasm))))
    });
    group.bench_function(format!("{} deserialize+instantiate", R::NAME), |b| {
        b.iter(|| rt.instantiate(&black_box(rt.deserialize(&artifact))))
    });
}

fn precompiled(c: &mut Criterion) {
    let large = modules::large_module(LARGE_MODULE_FUNCS);
    let mut group = c.benchmark_group("precompiled/large");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(15));
    bench::<egret_benches::runtimes::Egret>(&mut group, &large);
    if_compare! {
        bench::<egret_benches::runtimes::Wasmtime>(&mut group, &large);
    }
    group.finish();
}

criterion_group!(benches, precompiled);
criterion_main!(benches);
