//! Execution: each kernel's `run(n)` to completion, natively and on every
//! runtime built in (`--features compare` adds Wasmtime and wasmi).
//!
//! `cargo bench -p egret-benches --bench execution [-- FILTER]`

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use egret_benches::kernels::{KERNELS, Kernel};
use egret_benches::{KernelInstance, Runtime, each_runtime, report};
use std::hint::black_box;
use std::time::Duration;

fn bench_kernel<R: Runtime>(group: &mut BenchmarkGroup<'_, WallTime>, kernel: &'static Kernel) {
    let mut instance = R::new().kernel(kernel.wasm);
    report::check_kernel(R::NAME, kernel, &mut instance);
    group.bench_function(R::NAME, |b| b.iter(|| instance.run(black_box(kernel.n))));
}

fn execution(c: &mut Criterion) {
    for kernel in KERNELS {
        let mut group = c.benchmark_group(format!("execution/{}", kernel.name));
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4));
        group.bench_function("native", |b| {
            b.iter(|| kernel.run_native(black_box(kernel.n)))
        });
        each_runtime!(bench_kernel(&mut group, kernel));
        group.finish();
    }
}

criterion_group!(benches, execution);
criterion_main!(benches);
