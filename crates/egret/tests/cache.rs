//! The compilation cache (`Config::cache`): hits and misses, keys that
//! tell engine settings apart, damaged entries compiled again, concurrent
//! writers, eviction past the soft limits, failures that never reach the
//! caller, and the TOML configuration file.

use egret::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const MODULE: &str = r#"(module
    (import "host" "double" (func $double (param i32) (result i32)))
    (memory 1)
    (data (i32.const 16) "cached")
    (table 1 funcref)
    (elem (i32.const 0) $inc)
    (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func (export "run") (param i32) (result i32)
        (call $double (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0))))
    (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "trap") unreachable))"#;

/// A cache in a fresh temporary directory, with `configure` applied.
fn cache_in(dir: &Path, configure: impl FnOnce(&mut CacheConfig)) -> Cache {
    let mut config = CacheConfig::new();
    config.with_directory(dir);
    configure(&mut config);
    Cache::new(config).unwrap()
}

fn engine_with(cache: &Cache, configure: impl FnOnce(&mut Config)) -> Engine {
    let mut config = Config::new();
    config.cache(Some(cache.clone()));
    configure(&mut config);
    Engine::new(&config).unwrap()
}

/// The names of the entries (`*.cwasm`) in the cache.
fn entries(cache: &Cache) -> BTreeSet<String> {
    files(cache)
        .into_iter()
        .filter(|name| name.ends_with(".cwasm"))
        .collect()
}

/// The names of all files in the cache's `modules` directory.
fn files(cache: &Cache) -> BTreeSet<String> {
    std::fs::read_dir(cache.directory().join("modules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

fn entry_path(cache: &Cache, name: &str) -> PathBuf {
    cache.directory().join("modules").join(name)
}

/// The one entry of a cache that has exactly one.
fn only_entry(cache: &Cache) -> PathBuf {
    let names = entries(cache);
    assert_eq!(names.len(), 1, "{names:?}");
    entry_path(cache, names.first().unwrap())
}

fn set_mtime(path: &Path, time: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

/// Instantiates MODULE's `module` and checks that its code works: a
/// call through a table and an import, a data segment, a trap.
fn exercise(module: &Module) {
    let mut store = Store::new(module.engine(), ());
    // For engines with fuel or epochs; harmless for others.
    let _ = store.set_fuel(1_000_000);
    store.set_epoch_deadline(1_000_000);
    let double = Func::wrap(&mut store, |x: i32| x * 2);
    let instance = Instance::new(&mut store, module, &[double.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 20).unwrap(), 42);
    let load = instance
        .get_typed_func::<i32, i32>(&mut store, "load")
        .unwrap();
    assert_eq!(load.call(&mut store, 16).unwrap(), i32::from(b'c'));
    let trap = instance
        .get_typed_func::<(), ()>(&mut store, "trap")
        .unwrap();
    let error = trap.call(&mut store, ()).unwrap_err();
    assert_eq!(
        *error.downcast_ref::<Trap>().unwrap(),
        Trap::UnreachableCodeReached
    );
}

/// A small module that differs from the others by `n`.
fn numbered(n: u32) -> String {
    format!(r#"(module (func (export "n") (result i32) i32.const {n}))"#)
}

#[test]
fn a_second_compile_of_the_same_bytes_is_a_hit() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_in(dir.path(), |_| {});
    let engine = engine_with(&cache, |_| {});

    let first = Module::new(&engine, MODULE).unwrap();
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (0, 1));
    let entry = only_entry(&cache);
    // The entry is the module's artifact.
    assert_eq!(std::fs::read(&entry).unwrap(), first.serialize().unwrap());

    let second = Module::new(&engine, MODULE).unwrap();
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (1, 1));
    exercise(&first);
    exercise(&second);

    // Text and binary of the same module are the same bytes to compile.
    let binary = wat::parse_str(MODULE).unwrap();
    Module::from_binary(&engine, &binary).unwrap();
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (2, 1));

    // Another engine and another `Cache` of the same directory (as
    // another process would have) find the entry on disk.
    let other = cache_in(dir.path(), |_| {});
    let module = Module::new(&engine_with(&other, |_| {}), MODULE).unwrap();
    assert_eq!((other.cache_hits(), other.cache_misses()), (1, 0));
    exercise(&module);
    assert_eq!(entries(&cache).len(), 1);
}

#[test]
fn a_hit_renews_the_entry_for_eviction() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_in(dir.path(), |_| {});
    let engine = engine_with(&cache, |_| {});
    Module::new(&engine, MODULE).unwrap();
    let entry = only_entry(&cache);
    let long_ago = SystemTime::now() - Duration::from_secs(24 * 3600);
    set_mtime(&entry, long_ago);
    Module::new(&engine, MODULE).unwrap();
    assert_eq!(cache.cache_hits(), 1);
    assert!(mtime(&entry) > long_ago + Duration::from_secs(3600));
}

#[test]
fn engines_with_other_code_shaping_settings_miss() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_in(dir.path(), |_| {});
    let configurations: [fn(&mut Config); 5] = [
        |_| {},
        |c| {
            c.cranelift_opt_level(OptLevel::None);
        },
        |c| {
            c.consume_fuel(true);
        },
        |c| {
            c.epoch_interruption(true);
        },
        |c| {
            c.wasm_simd(false);
        },
    ];
    for (i, configure) in configurations.iter().enumerate() {
        let engine = engine_with(&cache, configure);
        Module::new(&engine, MODULE).unwrap();
        assert_eq!(cache.cache_misses(), i + 1, "configuration {i}");
        assert_eq!(cache.cache_hits(), i, "configuration {i}");
        let module = Module::new(&engine, MODULE).unwrap();
        assert_eq!(cache.cache_hits(), i + 1, "configuration {i}");
        exercise(&module);
    }
    assert_eq!(entries(&cache).len(), configurations.len());

    // Settings that do not change the code share entries.
    let engine = engine_with(&cache, |c| {
        c.parallel_compilation(false).cranelift_debug_verifier(true);
    });
    Module::new(&engine, MODULE).unwrap();
    assert_eq!(cache.cache_misses(), configurations.len());

    // Other bytes are another entry.
    Module::new(&engine, numbered(1)).unwrap();
    assert_eq!(cache.cache_misses(), configurations.len() + 1);
}

#[test]
fn a_damaged_entry_is_compiled_again_and_rewritten() {
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 6] = [
        ("truncated to half", |b| b.truncate(b.len() / 2)),
        ("empty", |b| b.clear()),
        ("last byte cut", |b| {
            b.pop();
        }),
        ("a byte flipped in the middle", |b| {
            let middle = b.len() / 2;
            b[middle] ^= 0x40;
        }),
        ("the magic changed", |b| b[0] ^= 1),
        ("not an artifact at all", |b| {
            *b = b"\0asm\x01\0\0\0".to_vec();
        }),
    ];
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_in(dir.path(), |_| {});
    let engine = engine_with(&cache, |_| {});
    Module::new(&engine, MODULE).unwrap();
    let entry = only_entry(&cache);
    let good = std::fs::read(&entry).unwrap();
    for (i, (what, damage)) in damages.iter().enumerate() {
        let mut bytes = good.clone();
        damage(&mut bytes);
        std::fs::write(&entry, &bytes).unwrap();
        let module = Module::new(&engine, MODULE).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(cache.cache_misses(), i + 2, "{what}");
        assert_eq!(cache.cache_hits(), i, "{what}");
        exercise(&module);
        assert_eq!(std::fs::read(&entry).unwrap(), good, "{what}: rewritten");
        Module::new(&engine, MODULE).unwrap();
        assert_eq!(cache.cache_hits(), i + 1, "{what}: then a hit");
    }
}

#[test]
fn an_entry_of_another_engine_under_this_key_is_a_miss() {
    // An entry whose artifact is intact but made with other settings (as
    // if a key collided, or a file was copied in by hand) does not load.
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_in(dir.path(), |_| {});
    let engine = engine_with(&cache, |_| {});
    Module::new(&engine, MODULE).unwrap();
    let entry = only_entry(&cache);
    let fuel = Engine::new(Config::new().consume_fuel(true)).unwrap();
    std::fs::write(&entry, fuel.precompile_module(MODULE.as_bytes()).unwrap()).unwrap();
    let module = Module::new(&engine, MODULE).unwrap();
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (0, 2));
    exercise(&module);
}

#[test]
fn threads_compiling_the_same_bytes_at_once_all_succeed() {
    const THREADS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    // One `Cache` per thread, like separate processes.
    let caches: Vec<Cache> = (0..THREADS).map(|_| cache_in(dir.path(), |_| {})).collect();
    let barrier = std::sync::Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for cache in &caches {
            let barrier = &barrier;
            scope.spawn(move || {
                let engine = engine_with(cache, |c| {
                    c.parallel_compilation(false);
                });
                barrier.wait();
                let module = Module::new(&engine, MODULE).unwrap();
                exercise(&module);
            });
        }
    });
    let (hits, misses): (usize, usize) = caches
        .iter()
        .map(|c| (c.cache_hits(), c.cache_misses()))
        .fold((0, 0), |(h, m), (ch, cm)| (h + ch, m + cm));
    assert_eq!(hits + misses, THREADS);
    // One complete entry and no temporary file left.
    assert_eq!(files(&caches[0]), entries(&caches[0]));
    only_entry(&caches[0]);
    let before = caches[0].cache_hits();
    let module = Module::new(&engine_with(&caches[0], |_| {}), MODULE).unwrap();
    assert_eq!(caches[0].cache_hits(), before + 1);
    exercise(&module);
}

/// Compiles `numbered(n)` and returns the name of the entry it added.
fn add_entry(engine: &Engine, cache: &Cache, n: u32) -> String {
    let before = entries(cache);
    Module::new(engine, numbered(n)).unwrap();
    let after = entries(cache);
    let added: Vec<_> = after.difference(&before).cloned().collect();
    assert_eq!(added.len(), 1, "entry of module {n}");
    added[0].clone()
}

#[test]
fn past_the_size_limit_the_least_recently_used_entries_go() {
    let dir = tempfile::tempdir().unwrap();
    // The size of one entry (the numbered modules' are about equal).
    let probe_dir = tempfile::tempdir().unwrap();
    let probe = cache_in(probe_dir.path(), |_| {});
    Module::new(&engine_with(&probe, |_| {}), numbered(0)).unwrap();
    let size = std::fs::metadata(only_entry(&probe)).unwrap().len();

    // Room for three entries and a half.
    let cache = cache_in(dir.path(), |c| {
        c.with_files_total_size_soft_limit(size * 7 / 2)
            .with_files_total_size_limit_percent_if_deleting(100);
    });
    let engine = engine_with(&cache, |_| {});
    // A file that is not an entry is never deleted.
    std::fs::write(
        entry_path(&cache, "notes.txt"),
        vec![b'x'; size as usize * 4],
    )
    .unwrap();
    let base = SystemTime::now() - Duration::from_secs(1000);
    let names: Vec<String> = (0..3)
        .map(|n| {
            let name = add_entry(&engine, &cache, n);
            set_mtime(
                &entry_path(&cache, &name),
                base + Duration::from_secs(n as u64),
            );
            name
        })
        .collect();
    // Module 0 is used again, so module 1 is now the least recently used.
    Module::new(&engine, numbered(0)).unwrap();
    assert_eq!(cache.cache_hits(), 1);
    let fourth = add_entry(&engine, &cache, 3);
    let expected: BTreeSet<String> = [&names[0], &names[2], &fourth]
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(entries(&cache), expected);
    assert!(entry_path(&cache, "notes.txt").exists());
    // The evicted module compiles again.
    Module::new(&engine, numbered(1)).unwrap();
    assert_eq!(cache.cache_misses(), 5);
}

#[test]
fn past_the_count_limit_eviction_goes_down_to_the_percentage() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_in(dir.path(), |c| {
        c.with_file_count_soft_limit(4)
            .with_file_count_limit_percent_if_deleting(50);
    });
    let engine = engine_with(&cache, |_| {});
    let base = SystemTime::now() - Duration::from_secs(1000);
    let mut names = Vec::new();
    for n in 0..4 {
        let name = add_entry(&engine, &cache, n);
        set_mtime(
            &entry_path(&cache, &name),
            base + Duration::from_secs(n as u64),
        );
        names.push(name);
    }
    assert_eq!(entries(&cache).len(), 4);
    // The fifth is over the limit of 4: down to 50% of it, the newest two.
    let fifth = add_entry(&engine, &cache, 4);
    let expected: BTreeSet<String> = [names[3].clone(), fifth].into_iter().collect();
    assert_eq!(entries(&cache), expected);
}

#[test]
fn temporary_files_of_dead_writers_are_cleaned_up() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_in(dir.path(), |_| {});
    let engine = engine_with(&cache, |_| {});
    let key = "ab".repeat(32);
    let stale = entry_path(&cache, &format!(".{key}.1.0.tmp"));
    let fresh = entry_path(&cache, &format!(".{key}.1.1.tmp"));
    std::fs::write(&stale, b"partial").unwrap();
    std::fs::write(&fresh, b"partial").unwrap();
    set_mtime(&stale, SystemTime::now() - Duration::from_secs(2 * 3600));
    Module::new(&engine, MODULE).unwrap();
    assert!(!stale.exists());
    assert!(fresh.exists(), "a writer may still be busy with it");
}

#[test]
fn a_cache_that_cannot_be_written_or_read_only_costs_compiling() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_in(dir.path(), |_| {});
    let engine = engine_with(&cache, |_| {});
    // The entries' directory replaced by a file (permissions would not
    // stop a test running as root): nothing can be read or written.
    let modules = cache.directory().join("modules");
    std::fs::remove_dir(&modules).unwrap();
    std::fs::write(&modules, b"in the way").unwrap();
    for _ in 0..2 {
        let module = Module::new(&engine, MODULE).unwrap();
        exercise(&module);
    }
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (0, 2));
    // Compile errors are still errors.
    assert!(matches!(
        Module::new(&engine, "(module (func (result i32)))"),
        Err(Error::Compile(_))
    ));
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_configuration_file_sets_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("the cache");
    let path = write_config(
        dir.path(),
        &format!(
            r#"
            # Wasmtime's format.
            [cache]
            directory = '{}'
            files-total-size-soft-limit = "1Gi"
            file-count-soft-limit = "10K"
            files-total-size-limit-percent-if-deleting = "80%"
            file-count-limit-percent-if-deleting = 90
            "#,
            cache_dir.display()
        ),
    );
    let config = CacheConfig::from_file(Some(&path)).unwrap();
    assert_eq!(config.directory(), &cache_dir);
    assert_eq!(config.files_total_size_soft_limit(), 1 << 30);
    assert_eq!(config.file_count_soft_limit(), 10_000);
    assert_eq!(config.files_total_size_limit_percent_if_deleting(), 80);
    assert_eq!(config.file_count_limit_percent_if_deleting(), 90);

    let cache = Cache::from_file(Some(&path)).unwrap();
    assert!(cache_dir.join("modules").is_dir(), "created");
    assert_eq!(cache.directory(), &cache_dir.canonicalize().unwrap());
    assert_eq!(cache.files_total_size_soft_limit(), 1 << 30);
    assert_eq!(cache.file_count_soft_limit(), 10_000);

    // Unset keys keep their defaults.
    let path = write_config(dir.path(), "[cache]\nfiles-total-size-soft-limit = 1000\n");
    let config = CacheConfig::from_file(Some(&path)).unwrap();
    let defaults = CacheConfig::new();
    assert_eq!(config.files_total_size_soft_limit(), 1000);
    assert_eq!(config.directory(), defaults.directory());
    assert_eq!(
        config.file_count_soft_limit(),
        defaults.file_count_soft_limit()
    );
    assert_eq!(defaults.files_total_size_soft_limit(), 512 << 20);
    assert!(defaults.directory().ends_with("egret"));
}

#[test]
fn a_bad_configuration_file_is_an_error_that_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[cache]\nsize = \"1G\"\n", "size"),
        ("[cache]\ncleanup-interval = \"30m\"\n", "cleanup-interval"),
        ("[cache]\n[other]\n", "other"),
        ("[cache]\nfiles-total-size-soft-limit = \"12XB\"\n", "12XB"),
        ("[cache]\nfiles-total-size-soft-limit = \"lots\"\n", "lots"),
        ("[cache]\nfile-count-soft-limit = \"1Ki\"\n", "1Ki"),
        (
            "[cache]\nfiles-total-size-soft-limit = -1\n",
            "files-total-size-soft-limit",
        ),
        (
            "[cache]\nfile-count-limit-percent-if-deleting = \"150%\"\n",
            "percent",
        ),
        ("[cache]\ndirectory = 3\n", "directory"),
        ("cache = 1\n", "cache"),
        ("", "cache"),
        ("[cache\n", "cache"),
    ];
    for (text, mentions) in cases {
        let path = write_config(dir.path(), text);
        let error = CacheConfig::from_file(Some(&path)).unwrap_err();
        assert!(matches!(error, Error::Cache(_)), "{text:?}: {error:?}");
        let message = error.to_string();
        assert!(message.contains(mentions), "{text:?}: {message}");
        assert!(Cache::from_file(Some(&path)).is_err());
    }
    // A file that was named but does not exist is an error too.
    let missing = dir.path().join("missing.toml");
    let message = CacheConfig::from_file(Some(&missing))
        .unwrap_err()
        .to_string();
    assert!(message.contains("missing.toml"), "{message}");
}

#[test]
fn cache_new_checks_the_directory_and_percentages() {
    let mut config = CacheConfig::new();
    config.with_directory("relative/cache");
    let message = Cache::new(config).unwrap_err().to_string();
    assert!(message.contains("absolute"), "{message}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a file");
    std::fs::write(&file, b"").unwrap();
    let mut config = CacheConfig::new();
    config.with_directory(&file);
    assert!(matches!(Cache::new(config), Err(Error::Cache(_))));

    let mut config = CacheConfig::new();
    config
        .with_directory(dir.path())
        .with_files_total_size_limit_percent_if_deleting(101);
    let message = Cache::new(config).unwrap_err().to_string();
    assert!(message.contains("101%"), "{message}");
}
