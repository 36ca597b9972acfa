//! `memory.copy` of 64 MiB inside a wasm memory against the host's
//! `memcpy` of 64 MiB between two buffers, in the same run (issue 4's
//! target: within 1.5x).
//!
//! `cargo bench -p egret-benches --bench memory_copy`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use egret::{Engine, Instance, Module, Store};
use std::hint::black_box;

const SIZE: usize = 64 << 20;

/// Two 64 MiB halves of a 128 MiB memory; `copy` moves the first to the
/// second. Both are touched once first, so no run pays for page faults.
const MODULE: &str = r#"(module
  (memory 2048 2048)
  (func (export "fill") (memory.fill (i32.const 0) (i32.const 7) (i32.const 0x8000000)))
  (func (export "copy") (memory.copy (i32.const 0x4000000) (i32.const 0) (i32.const 0x4000000))))"#;

fn memory_copy(c: &mut Criterion) {
    let mut group = c.benchmark_group("bulk/copy_64MiB");
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.sample_size(20);

    let engine = Engine::default();
    let module = Module::new(&engine, MODULE).expect("benchmark module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    let fill = instance
        .get_typed_func::<(), ()>(&mut store, "fill")
        .unwrap();
    let copy = instance
        .get_typed_func::<(), ()>(&mut store, "copy")
        .unwrap();
    fill.call(&mut store, ()).unwrap();
    group.bench_function("egret memory.copy", |b| {
        b.iter(|| copy.call(&mut store, ()).unwrap())
    });

    let src = vec![7u8; SIZE];
    let mut dst = vec![0u8; SIZE];
    group.bench_function("host memcpy", |b| {
        b.iter(|| dst.copy_from_slice(black_box(&src)))
    });
    group.finish();
}

criterion_group!(benches, memory_copy);
criterion_main!(benches);
