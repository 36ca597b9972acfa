//! `Config::profiler`: with `ProfilingStrategy::PerfMap` the code of every
//! module an engine compiles is listed in `/tmp/perf-PID.map` under its
//! functions' names, as Linux `perf` reads it; the profilers Egret lacks
//! are refused when the engine is made.

use egret::*;

/// The process's perf map: start address, size and name of each line.
fn perf_map() -> Vec<(usize, usize, String)> {
    let path = format!("/tmp/perf-{}.map", std::process::id());
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| {
            let mut fields = line.splitn(3, ' ');
            let mut hex = || usize::from_str_radix(fields.next().unwrap(), 16).unwrap();
            let (start, size) = (hex(), hex());
            (start, size, fields.next().unwrap().to_string())
        })
        .collect()
}

/// Asserts that `[start, start + size)` is not empty and lies in one
/// executable mapping of this process (read from `/proc/self/maps`, so on
/// Linux only; elsewhere only the size is checked).
fn assert_executable_code(start: usize, size: usize) {
    assert!(size > 0);
    #[cfg(target_os = "linux")]
    {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let executable = maps.lines().any(|line| {
            let (range, rest) = line.split_once(' ').unwrap();
            let (low, high) = range.split_once('-').unwrap();
            let low = usize::from_str_radix(low, 16).unwrap();
            let high = usize::from_str_radix(high, 16).unwrap();
            rest.as_bytes()[2] == b'x' && low <= start && start + size <= high
        });
        assert!(executable, "{start:#x}+{size:#x} is not executable code");
    }
}

/// The perf map's lines named `name`.
fn lines_named(name: &str) -> Vec<(usize, usize, String)> {
    perf_map()
        .into_iter()
        .filter(|(_, _, n)| n == name)
        .collect()
}

#[test]
fn perf_map_names_every_compiled_function_at_its_code() {
    let mut config = Config::new();
    config.profiler(ProfilingStrategy::PerfMap);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(
        &engine,
        r#"(module $profiled
            (func $double (export "double") (param i32) (result i32)
                (i32.mul (local.get 0) (i32.const 2)))
            (func (export "seven") (result i32) (i32.const 7))
            (func $two_lines (@name "first\nsecond")))"#,
    )
    .unwrap();

    let map = perf_map();
    let line = |name: &str| {
        map.iter()
            .find(|(_, _, n)| n == name)
            .unwrap_or_else(|| panic!("no perf map line for {name} in {map:?}"))
    };
    // Named from the name section, or by index without a name.
    let &(double, double_size, _) = line("profiled::double");
    let &(seven, seven_size, _) = line("profiled::wasm-function[1]");
    // A line break in a name cannot start a line of its own.
    line("profiled::first?second");
    assert!(double + double_size <= seven || seven + seven_size <= double);
    assert_executable_code(double, double_size);
    assert_executable_code(seven, seven_size);

    // The listed code is what runs.
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let double = instance
        .get_typed_func::<i32, i32>(&mut store, "double")
        .unwrap();
    assert_eq!(double.call(&mut store, 21).unwrap(), 42);

    // A host function of a type no module has gets a trampoline of its
    // own, listed without a module name.
    assert!(lines_named("trampoline").is_empty());
    let ty = FuncType::new(
        &engine,
        [ValType::I64, ValType::F64, ValType::I32],
        [ValType::F32],
    );
    Func::new(&mut store, ty, |_, _, results| {
        results[0] = Val::F32(0);
        Ok(())
    });
    let trampolines = lines_named("trampoline");
    assert!(!trampolines.is_empty());
    for (start, size, _) in trampolines {
        assert_executable_code(start, size);
    }

    // A deserialized module's code is listed too, at its own addresses.
    let bytes = module.serialize().unwrap();
    // SAFETY: the bytes were just serialized by an engine of this config.
    let copy = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    let doubles = lines_named("profiled::double");
    assert_eq!(doubles.len(), 2, "{doubles:?}");
    assert_ne!(doubles[0].0, doubles[1].0);
    assert_executable_code(doubles[1].0, doubles[1].1);
    drop(copy);

    // An engine without the profiler lists nothing.
    let plain = Engine::default();
    Module::new(&plain, "(module $unprofiled (func $quiet))").unwrap();
    assert!(
        perf_map()
            .iter()
            .all(|(_, _, n)| !n.starts_with("unprofiled::"))
    );
    let _ = std::fs::remove_file(format!("/tmp/perf-{}.map", std::process::id()));
}

#[test]
fn profilers_egret_lacks_are_refused() {
    for strategy in [
        ProfilingStrategy::JitDump,
        ProfilingStrategy::VTune,
        ProfilingStrategy::Pulley,
    ] {
        let mut config = Config::new();
        config.profiler(strategy);
        let error = Engine::new(&config).unwrap_err();
        assert!(
            error.to_string().contains("PerfMap"),
            "{strategy:?}: {error}"
        );
    }
    let mut config = Config::new();
    config.profiler(ProfilingStrategy::None);
    assert!(Engine::new(&config).is_ok());
}
