//! The compilation cache (`Config::cache`) on the large generated module
//! (4 MB of wasm), in one run: `Module::new` with a warm cache against
//! without a cache; then the start of `egret run` on the same module as a
//! file (compile or load, instantiate, exit: the module has no `_start`),
//! `--cache` on a hit against no cache, timed end to end as processes.
//!
//! `cargo bench -p egret-benches --bench cache [-- FILTER]`. The process
//! timings need the release `egret` binary beside this bench's
//! (`cargo build --release -p egret-cli` first); without it they are
//! skipped with a note.

use criterion::{Criterion, SamplingMode, criterion_group};
use egret::{Cache, CacheConfig, Config, Engine, Module};
use egret_benches::modules::{self, LARGE_MODULE_FUNCS};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A fresh, empty directory for this bench's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("egret-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn module_new(c: &mut Criterion) {
    let large = modules::large_module(LARGE_MODULE_FUNCS);
    let dir = scratch("module-new");
    let mut cache_config = CacheConfig::new();
    cache_config.with_directory(&dir);
    let cache = Cache::new(cache_config).unwrap();
    let cached = Engine::new(Config::new().cache(Some(cache.clone()))).unwrap();
    let uncached = Engine::default();
    Module::new(&cached, &large).unwrap();
    println!(
        "{} bytes of wasm; cache warmed: {} miss",
        large.len(),
        cache.cache_misses()
    );

    let mut group = c.benchmark_group("cache/large");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(15));
    group.bench_function("Module::new without cache", |b| {
        b.iter(|| black_box(Module::new(&uncached, &large).unwrap()))
    });
    group.bench_function("Module::new cache hit", |b| {
        b.iter(|| black_box(Module::new(&cached, &large).unwrap()))
    });
    group.finish();
    assert_eq!(cache.cache_misses(), 1, "every timed compile was a hit");
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, module_new);

/// The release `egret` binary: `target/release/egret`, beside the
/// `deps` directory this bench runs from.
fn egret_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let binary = exe.parent()?.parent()?.join("egret");
    binary.is_file().then_some(binary)
}

/// The median wall-clock time of `runs` runs of `egret ARGS`.
fn time_runs(egret: &Path, args: &[&str], runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let status = Command::new(egret).args(args).status().unwrap();
            let elapsed = start.elapsed();
            assert!(status.success(), "egret {args:?}");
            elapsed
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// `egret run` of the large module: on a cache hit, and without a cache.
fn cli_start() {
    const NAME: &str = "cache/cli egret run";
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.is_some_and(|f| !NAME.contains(&f)) {
        return;
    }
    let Some(egret) = egret_binary() else {
        println!(
            "{NAME}: skipped, no release egret binary beside this bench \
             (cargo build --release -p egret-cli)"
        );
        return;
    };
    let dir = scratch("cli");
    let wasm = dir.join("large.wasm");
    std::fs::write(&wasm, modules::large_module(LARGE_MODULE_FUNCS)).unwrap();
    let config = dir.join("cache.toml");
    std::fs::write(
        &config,
        format!("[cache]\ndirectory = '{}'\n", dir.join("cache").display()),
    )
    .unwrap();
    let config = format!("cache-config={}", config.display());
    let wasm = wasm.to_str().unwrap();
    let with_cache = ["run", "--cache", "-C", &config, wasm];
    // The first run compiles and writes the entry.
    time_runs(&egret, &with_cache, 1);
    let hit = time_runs(&egret, &with_cache, 11);
    let compile = time_runs(&egret, &["run", wasm], 5);
    println!(
        "{NAME}: without cache {:.1} ms, cache hit {:.1} ms (medians): {:.0}x faster",
        compile.as_secs_f64() * 1e3,
        hit.as_secs_f64() * 1e3,
        compile.as_secs_f64() / hit.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    cli_start();
}
