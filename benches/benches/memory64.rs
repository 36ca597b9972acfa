//! What 64-bit addressing costs: the same integer matrix multiply
//! (`egret_benches::memory64`) on a 32-bit and on a 64-bit memory, on
//! Egret, in one run. (Wasmtime's column is not measured here yet.)
//!
//! `cargo bench -p egret-benches --bench memory64`

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use egret::{Engine, Instance, Module, Store};
use egret_benches::memory64::{IndexType, N, matmul_checksum, matmul_wat};
use std::hint::black_box;
use std::time::Duration;

fn memory64(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("memory64/matmul_i32_{N}"));
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let engine = Engine::default();
    let expected = matmul_checksum(N);
    for (name, index) in [("memory32", IndexType::I32), ("memory64", IndexType::I64)] {
        let module = Module::new(&engine, matmul_wat(index)).expect("kernel compiles");
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
        let run = instance
            .get_typed_func::<u32, u32>(&mut store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, N).unwrap(), expected, "{name}");
        group.bench_function(name, |b| {
            b.iter(|| run.call(&mut store, black_box(N)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, memory64);
criterion_main!(benches);
