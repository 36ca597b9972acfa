//! Instantiation: a new store plus an instance of a module with a 1-page
//! memory, a 100-element table and 100 functions, on every runtime built
//! in.
//!
//! `cargo bench -p egret-benches --bench instantiate`

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use egret_benches::modules;
use egret_benches::{Runtime, each_runtime};

fn bench_instantiate<R: Runtime>(group: &mut BenchmarkGroup<'_, WallTime>, wasm: &[u8]) {
    let rt = R::new();
    let module = rt.compile(wasm);
    group.bench_function(R::NAME, |b| b.iter(|| rt.instantiate(&module)));
}

fn instantiate(c: &mut Criterion) {
    let wasm = modules::instantiate_module();
    let mut group = c.benchmark_group("instantiate");
    each_runtime!(bench_instantiate(&mut group, &wasm));
    group.finish();
}

criterion_group!(benches, instantiate);
criterion_main!(benches);
