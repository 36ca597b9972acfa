//! Precompiled modules: `Module::serialize` / `Module::deserialize`,
//! `Engine::precompile_module`, and the loader's answer to bytes that do
//! not fit the engine (another version, target, CPU features or settings)
//! or are not intact (truncated, damaged, not an artifact), including a
//! seeded run of mutated artifacts.

use egret::*;

const MODULE: &str = r#"(module
    (import "host" "double" (func $double (param i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "precompiled")
    (table 2 funcref)
    (elem (i32.const 0) $inc $trap)
    (global $counter (mut i32) (i32.const 0))
    (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func $trap (param i32) (result i32) unreachable)
    (func (export "run") (param i32) (result i32)
        (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
        (call $double (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0))))
    (func (export "trap") (result i32) (call_indirect (param i32) (result i32) (i32.const 0) (i32.const 1)))
    (func (export "floor") (param f64) (result f64) (f64.floor (local.get 0)))
    (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;

fn artifact(engine: &Engine) -> Vec<u8> {
    engine.precompile_module(MODULE.as_bytes()).unwrap()
}

/// Instantiates `module` in a fresh store and exercises it.
fn exercise(module: &Module) {
    let engine = module.engine();
    let mut store = Store::new(engine, ());
    let double = Func::wrap(&mut store, |x: i32| x * 2);
    let instance = Instance::new(&mut store, module, &[double.into()]).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 20).unwrap(), 42);
    let trap = instance
        .get_typed_func::<(), i32>(&mut store, "trap")
        .unwrap();
    let error = trap.call(&mut store, ()).unwrap_err();
    assert_eq!(error.downcast_ref(), Some(&Trap::UnreachableCodeReached));
    let backtrace = error.downcast_ref::<WasmBacktrace>();
    assert!(
        backtrace.is_some_and(|b| !b.frames().is_empty()),
        "{error:?}"
    );
    let floor = instance
        .get_typed_func::<f64, f64>(&mut store, "floor")
        .unwrap();
    assert_eq!(floor.call(&mut store, -1.5).unwrap(), -2.0);
    let load = instance
        .get_typed_func::<i32, i32>(&mut store, "load")
        .unwrap();
    assert_eq!(load.call(&mut store, 16).unwrap(), i32::from(b'p'));
    let error = load.call(&mut store, 65536).unwrap_err();
    assert_eq!(
        *error.downcast_ref::<Trap>().unwrap(),
        Trap::MemoryOutOfBounds
    );
}

#[test]
fn a_deserialized_module_runs_in_another_engine() {
    let bytes = artifact(&Engine::default());
    assert_eq!(
        Engine::detect_precompiled(&bytes),
        Some(Precompiled::Module)
    );
    let other = Engine::default();
    // SAFETY: made by `precompile_module` above.
    let module = unsafe { Module::deserialize(&other, &bytes) }.unwrap();
    exercise(&module);
    // And round trips again.
    let again = module.serialize().unwrap();
    // SAFETY: made by `serialize` above.
    let module = unsafe { Module::deserialize(&Engine::default(), again) }.unwrap();
    exercise(&module);
}

#[test]
fn a_serialized_file_is_mapped_and_loaded() {
    let engine = Engine::default();
    let module = Module::new(&engine, MODULE).unwrap();
    let path = std::env::temp_dir().join(format!("egret-precompiled-{}.cwasm", std::process::id()));
    std::fs::write(&path, module.serialize().unwrap()).unwrap();
    // SAFETY: written above from `serialize`, not changed while loading.
    let loaded = unsafe { Module::deserialize_file(&engine, &path) };
    std::fs::remove_file(&path).unwrap();
    exercise(&loaded.unwrap());
}

fn load_error(engine: &Engine, bytes: &[u8]) -> ArtifactError {
    // SAFETY: the loader must refuse these bytes before running anything.
    match unsafe { Module::deserialize(engine, bytes) } {
        Err(Error::Artifact(e)) => e,
        other => panic!("expected an artifact error, got {other:?}"),
    }
}

#[test]
fn mismatched_engines_are_refused_with_their_own_error() {
    let bytes = artifact(&Engine::default());

    // Code for another machine: made by an engine for that target (as
    // `egret compile --target` does), refused here. Only x86_64 builds have
    // another backend (aarch64) to make it with.
    if cfg!(target_arch = "x86_64") {
        let mut config = Config::new();
        config.target("aarch64-unknown-linux-gnu").unwrap();
        let cross = Engine::new(&config).unwrap();
        let foreign = artifact(&cross);
        let error = load_error(&Engine::default(), &foreign);
        assert!(matches!(error, ArtifactError::Target { .. }), "{error}");
        // An engine for another machine runs nothing here.
        // SAFETY: refused before anything is loaded.
        assert!(matches!(
            unsafe { Module::deserialize(&cross, &foreign) },
            Err(Error::Misuse(_))
        ));
    }

    let fuel = Engine::new(Config::new().consume_fuel(true)).unwrap();
    let error = load_error(&fuel, &bytes);
    assert!(matches!(error, ArtifactError::Settings { .. }), "{error}");

    let unoptimised = Engine::new(Config::new().cranelift_opt_level(OptLevel::None)).unwrap();
    assert!(matches!(
        load_error(&unoptimised, &bytes),
        ArtifactError::Settings { .. }
    ));

    // Another Egret version: same length, so only the version differs
    // (the checksum is made again, as that version would have).
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let at = bytes
        .windows(version.len())
        .position(|w| w == version)
        .expect("the version is recorded");
    let mut other_version = bytes.clone();
    other_version[at..at + version.len()].fill(b'9');
    reseal(&mut other_version);
    let error = load_error(&Engine::default(), &other_version);
    assert!(
        matches!(error, ArtifactError::EgretVersion { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("compiled by Egret 9"), "{error}");

    // The same version built from other source: refused too.
    let at = bytes
        .windows(5)
        .position(|w| w == b"+src.")
        .expect("the source hash is recorded")
        + 5;
    let mut other_source = bytes.clone();
    other_source[at] = if other_source[at] == b'0' { b'1' } else { b'0' };
    reseal(&mut other_source);
    let error = load_error(&Engine::default(), &other_source);
    assert!(
        matches!(error, ArtifactError::EgretVersion { .. }),
        "{error}"
    );
}

#[test]
fn damaged_bytes_are_refused_with_their_own_error() {
    let engine = Engine::default();
    let bytes = artifact(&engine);
    let wasm = wat::parse_str(MODULE).unwrap();
    assert_eq!(load_error(&engine, &wasm), ArtifactError::NotAnArtifact);
    assert_eq!(load_error(&engine, b""), ArtifactError::NotAnArtifact);
    assert!(matches!(
        load_error(&engine, &bytes[..bytes.len() - 1]),
        ArtifactError::Truncated { .. }
    ));
    assert!(matches!(
        load_error(&engine, &bytes[..10]),
        ArtifactError::Truncated { .. }
    ));
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    assert!(matches!(
        load_error(&engine, &flipped),
        ArtifactError::Corrupted(_)
    ));
    let mut newer = bytes.clone();
    newer[8] = 99;
    assert_eq!(
        load_error(&engine, &newer),
        ArtifactError::FormatVersion { found: 99 }
    );
}

/// Makes the checksum at the end of an artifact match its payload again.
fn reseal(bytes: &mut [u8]) {
    let end = bytes.len() - 4;
    let checksum = crc32fast::hash(&bytes[20..end]);
    bytes[end..].copy_from_slice(&checksum.to_le_bytes());
}

/// A small deterministic generator for the mutation run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn mutated_artifacts_are_refused_or_loaded_never_a_crash() {
    let engine = Engine::default();
    let bytes = artifact(&engine);
    let mut rng = XorShift(0x5eed_cafe_f00d_0001);
    let (mut refused, mut loaded) = (0, 0);
    for case in 0..3_000 {
        let mut mutated = bytes.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(mutated.len());
            match rng.below(4) {
                0 => mutated[at] ^= 1 << rng.below(8),
                1 => mutated[at] = rng.next() as u8,
                2 => mutated.truncate(at.max(1)),
                _ => mutated.insert(at, rng.next() as u8),
            }
        }
        // Half the cases get past the checksum, to reach the decoder and
        // the offset checks behind it.
        if case % 2 == 0 && mutated.len() >= 24 {
            reseal(&mut mutated);
        }
        // SAFETY: the property under test: bad artifacts give errors. A
        // loaded one is not run.
        match unsafe { Module::deserialize(&engine, &mutated) } {
            Ok(_) => loaded += 1,
            Err(Error::Artifact(_)) => refused += 1,
            Err(other) => panic!("case {case}: unexpected error {other:?}"),
        }
    }
    assert!(refused > 2_500, "{refused} refused, {loaded} loaded");
}

#[test]
fn the_same_module_serializes_to_the_same_bytes() {
    // The compilation cache and reproducible builds rely on it; the name
    // section (a map) once came out in hash order.
    let first = artifact(&Engine::default());
    for _ in 0..4 {
        assert!(artifact(&Engine::default()) == first);
    }
}

/// A module whose functions grow with their index, so that a parallel
/// compile (longest body first) takes them in reverse order, with imports
/// and exports of several types (host-call and array-call trampolines):
/// export `f{i}` returns `i` plus the sum of what it calls.
fn functions_of_growing_size() -> String {
    let mut wat = String::from(
        "(module\n (import \"host\" \"id\" (func $id (param i32) (result i32)))\n          (import \"host\" \"sum\" (func $sum (param i64 i64) (result i64)))\n",
    );
    for i in 0..24 {
        // Each body adds up `i` in ones, then calls its neighbour below.
        let ones = "(i32.add (i32.const 1))".repeat(i);
        let call = if i == 0 {
            "(i32.add (call $id (i32.const 0)))".to_string()
        } else {
            format!("(i32.add (call $f{}))", i - 1)
        };
        wat.push_str(&format!(
            " (func $f{i} (export \"f{i}\") (result i32) (i32.const 0) {ones} {call})\n"
        ));
    }
    wat.push_str(
        " (func (export \"wide\") (param i64) (result i64) (call $sum (local.get 0) (i64.const 1))))",
    );
    wat
}

#[test]
fn parallel_and_serial_compiles_make_the_same_artifact_and_code() {
    let wat = functions_of_growing_size();
    let compile = |parallel: bool| {
        let mut config = Config::new();
        config.parallel_compilation(parallel);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, &wat).unwrap();
        (engine, module)
    };
    let (serial_engine, serial) = compile(false);
    let (parallel_engine, parallel) = compile(true);
    assert!(serial.serialize().unwrap() == parallel.serialize().unwrap());

    for (engine, module) in [(serial_engine, serial), (parallel_engine, parallel)] {
        let mut store = Store::new(&engine, ());
        let id = Func::wrap(&mut store, |x: i32| x);
        let sum = Func::wrap(&mut store, |a: i64, b: i64| a + b);
        let instance = Instance::new(&mut store, &module, &[id.into(), sum.into()]).unwrap();
        for i in 0..24 {
            let f = instance
                .get_typed_func::<(), i32>(&mut store, &format!("f{i}"))
                .unwrap();
            // f{i} = i + f{i-1}, f0 = 0: the triangular number of i.
            assert_eq!(f.call(&mut store, ()).unwrap(), i * (i + 1) / 2, "f{i}");
        }
        let wide = instance
            .get_typed_func::<i64, i64>(&mut store, "wide")
            .unwrap();
        assert_eq!(wide.call(&mut store, 41).unwrap(), 42);
    }
}

#[test]
fn failed_compiles_leave_nothing_behind_for_the_next() {
    // An engine keeps its compile workers between modules. Modules that
    // fail half way (a body invalid after a long valid one, a body that
    // uses a feature turned off) must not change what it compiles next.
    let wat = functions_of_growing_size();
    for parallel in [true, false] {
        let mut config = Config::new();
        config.parallel_compilation(parallel).wasm_simd(false);
        let engine = Engine::new(&config).unwrap();
        let long = "(i32.add (i32.const 1))".repeat(200);
        let invalid = format!(
            "(module (func (result i32) (i32.const 0) {long}) (func (result i32) (i64.const 0)))"
        );
        assert!(Module::new(&engine, &invalid).is_err());
        let simd = "(module (func (result v128) (v128.const i64x2 0 0)))";
        assert!(Module::new(&engine, simd).is_err());
        let module = Module::new(&engine, &wat).unwrap();
        let mut config = Config::new();
        config.wasm_simd(false);
        let fresh = Module::new(&Engine::new(&config).unwrap(), &wat).unwrap();
        assert!(module.serialize().unwrap() == fresh.serialize().unwrap());
    }
}

#[test]
fn a_host_function_keeps_the_module_code_of_its_trampoline_alive() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    // The host function of this type takes its wasm entry from the only
    // module that has the type, which is then dropped.
    let only_module_with_the_type =
        Module::new(&engine, "(module (type (func (param i64) (result i64))))").unwrap();
    let ty = FuncType::new(&engine, [ValType::I64], [ValType::I64]);
    let triple = Func::new(&mut store, ty, |_, args, results| {
        results[0] = Val::I64(args[0].i64().unwrap() * 3);
        Ok(())
    });
    drop(only_module_with_the_type);
    // Load and drop others so freed code would be reused or unmapped.
    for _ in 0..8 {
        drop(Module::new(&engine, MODULE).unwrap());
    }
    let caller = Module::new(
        &engine,
        r#"(module
            (import "host" "triple" (func $triple (param i64) (result i64)))
            (func (export "run") (param i64) (result i64)
                (call $triple (local.get 0))))"#,
    )
    .unwrap();
    let instance = Instance::new(&mut store, &caller, &[triple.into()]).unwrap();
    let run = instance
        .get_typed_func::<i64, i64>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 14).unwrap(), 42);
}
