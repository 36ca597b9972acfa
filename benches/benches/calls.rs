//! Calls across the host/wasm boundary, on every runtime built in:
//! host→wasm `TypedFunc::call` of `() -> ()` and of `(i32, i32) -> i32`,
//! and wasm→host calls of a host function `(i32) -> i32` (a wasm loop
//! making 10,000 of them; Criterion reports the time per call as
//! throughput in elements).
//!
//! `cargo bench -p egret-benches --bench calls`

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use egret_benches::modules::HOST_CALLS_PER_LOOP;
use egret_benches::{CallsInstance, Runtime, each_runtime};
use std::hint::black_box;

fn bench_empty<R: Runtime>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let mut calls = R::new().calls();
    group.bench_function(R::NAME, |b| b.iter(|| calls.empty()));
}

fn bench_add<R: Runtime>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let mut calls = R::new().calls();
    assert_eq!(calls.add(2, 3), 5);
    group.bench_function(R::NAME, |b| {
        b.iter(|| calls.add(black_box(2), black_box(3)))
    });
}

fn bench_host<R: Runtime>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let mut calls = R::new().calls();
    let n = HOST_CALLS_PER_LOOP as i32;
    assert_eq!(calls.host_loop(n), n);
    group.bench_function(R::NAME, |b| b.iter(|| calls.host_loop(black_box(n))));
}

fn calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("calls/host_to_wasm_empty");
    each_runtime!(bench_empty(&mut group));
    group.finish();

    let mut group = c.benchmark_group("calls/host_to_wasm_add");
    each_runtime!(bench_add(&mut group));
    group.finish();

    let mut group = c.benchmark_group("calls/wasm_to_host");
    group.throughput(Throughput::Elements(u64::from(HOST_CALLS_PER_LOOP)));
    each_runtime!(bench_host(&mut group));
    group.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);
