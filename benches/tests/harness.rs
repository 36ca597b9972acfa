//! Checks of the benchmark harness itself (no timings): the committed
//! kernels are what they claim to be, every runtime computes the native
//! checksums, and the generated modules are valid and work everywhere.

use egret_benches::kernels::{KERNELS, Kernel, Toolchain};
use egret_benches::{
    CallsInstance, KernelInstance, Runtime, Wasm3, call_kinds, each_runtime, exceptions, gc,
    if_compare,
};
use egret_benches::{corpus, modules};
use wasmparser::{Operator, Parser, Payload, Validator};

/// Every operator of every function body in `wasm`.
fn operators(wasm: &[u8]) -> Vec<String> {
    let mut ops = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload.expect("parses") {
            let mut reader = body.get_operators_reader().expect("operators");
            while !reader.eof() {
                let op: Operator<'_> = reader.read().expect("operator");
                let name = format!("{op:?}");
                let name = name.split([' ', '{', '(']).next().unwrap_or("").to_string();
                ops.push(name);
            }
        }
    }
    ops
}

/// The WASI functions wasi-libc's stdio links in that a kernel may import
/// (and never call): the harness links every import to a trap.
const ALLOWED_WASI_IMPORTS: &[&str] = &["fd_write", "fd_seek", "fd_close", "proc_exit"];

#[test]
fn kernels_are_self_contained_and_export_run() {
    for kernel in KERNELS {
        Validator::new()
            .validate_all(kernel.wasm)
            .unwrap_or_else(|e| panic!("{}: {e}", kernel.name));
        let mut exports = Vec::new();
        let mut imports = Vec::new();
        for payload in Parser::new(0).parse_all(kernel.wasm) {
            match payload.expect("parses") {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.expect("import");
                        imports.push((import.module.to_string(), import.name.to_string()));
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        exports.push(export.expect("export").name.to_string());
                    }
                }
                _ => {}
            }
        }
        assert!(
            exports.contains(&"run".to_string()),
            "{}: {exports:?}",
            kernel.name
        );
        match kernel.toolchain {
            Toolchain::Freestanding => {
                assert_eq!(imports, [], "{} imports something", kernel.name);
            }
            Toolchain::WasiLibc => {
                for (module, name) in &imports {
                    assert!(
                        module == "wasi_snapshot_preview1"
                            && ALLOWED_WASI_IMPORTS.contains(&name.as_str()),
                        "{} imports {module}::{name}",
                        kernel.name
                    );
                }
                assert!(
                    exports.contains(&"_initialize".to_string()),
                    "{} is not a reactor: {exports:?}",
                    kernel.name
                );
            }
        }
    }
}

#[test]
fn wasi_libc_kernels_run_libc_loops_not_bulk_memory() {
    let libc_kernels: Vec<&Kernel> = KERNELS
        .iter()
        .filter(|k| k.toolchain == Toolchain::WasiLibc)
        .collect();
    assert!(libc_kernels.len() >= 7);
    for kernel in libc_kernels {
        let ops = operators(kernel.wasm);
        for op in ["MemoryCopy", "MemoryFill"] {
            assert!(
                !ops.iter().any(|o| o == op),
                "{} has {op}: rebuild it with -mno-bulk-memory",
                kernel.name
            );
        }
    }
}

#[test]
fn kernels_contain_the_instructions_they_measure() {
    let expect = [
        ("interp", &["BrTable"][..]),
        ("bulk", &["MemoryCopy", "MemoryFill"][..]),
        ("indirect", &["CallIndirect"][..]),
        ("fib", &["Call"][..]),
        ("nbody", &["F64Sqrt"][..]),
        ("memops", &["I32Load8U", "I32Store8", "I64Store"][..]),
        ("matmul_l2", &["F64Mul", "F64Add"][..]),
        ("hash64", &["I64Mul", "I64Rotl"][..]),
        ("vm", &["BrTable"][..]),
        ("vcall", &["CallIndirect"][..]),
        ("records", &["CallIndirect"][..]),
        ("format", &["CallIndirect", "BrTable"][..]),
    ];
    for (name, wanted) in expect {
        let kernel = Kernel::by_name(name).expect("kernel exists");
        let ops = operators(kernel.wasm);
        for op in wanted {
            assert!(ops.iter().any(|o| o == op), "{name} has no {op}");
        }
    }
}

fn check_checksums<R: Runtime>() {
    if cfg!(debug_assertions) && !R::RUNS_KERNELS_WITH_DEBUG_ASSERTIONS {
        eprintln!(
            "{}: kernels not run with debug assertions (see Runtime::RUNS_KERNELS_WITH_DEBUG_ASSERTIONS); \
             `cargo test --release` runs them",
            R::NAME
        );
        return;
    }
    let rt = R::new();
    for kernel in KERNELS {
        let mut instance = rt.kernel(kernel.wasm);
        let native = kernel.run_native(kernel.test_n);
        assert_eq!(
            instance.run(kernel.test_n),
            native,
            "{} on {}",
            kernel.name,
            R::NAME
        );
        // A second run on the same instance must redo the same work.
        assert_eq!(instance.run(kernel.test_n), native, "{} rerun", kernel.name);
    }
}

#[test]
fn every_runtime_computes_the_native_checksums() {
    each_runtime!(check_checksums());
}

#[test]
fn native_checksums_depend_on_n() {
    for kernel in KERNELS {
        assert_ne!(
            kernel.run_native(kernel.test_n),
            kernel.run_native(kernel.test_n + 1),
            "{}",
            kernel.name
        );
    }
}

#[test]
fn generated_modules_are_valid_and_deterministic() {
    let large = modules::large_module(modules::LARGE_MODULE_FUNCS);
    Validator::new()
        .validate_all(&large)
        .expect("large module is valid");
    assert_eq!(large, modules::large_module(modules::LARGE_MODULE_FUNCS));
    let code = modules::code_section_size(&large);
    assert!(
        code > 3_000_000,
        "the large module has {code} bytes of code"
    );
    assert!(code < large.len());
    let ops = operators(&large);
    for op in [
        "BrTable",
        "CallIndirect",
        "Call",
        "Loop",
        "I64Mul",
        "F64Sqrt",
        "I32Load",
    ] {
        assert!(ops.iter().any(|o| o == op), "large module has no {op}");
    }
    Validator::new()
        .validate_all(&modules::instantiate_module())
        .expect("instantiate module is valid");
    Validator::new()
        .validate_all(&modules::calls_module())
        .expect("calls module is valid");
}

fn check_modules<R: Runtime>() {
    let rt = R::new();
    // A slice of the large module: every code shape, compiled for real.
    rt.compile(&modules::large_module(150));
    let module = rt.compile(&modules::instantiate_module());
    rt.instantiate(&module);
    rt.instantiate(&module);
    let mut calls = rt.calls();
    calls.empty();
    assert_eq!(calls.add(2, 3), 5, "{}", R::NAME);
    assert_eq!(calls.add(i32::MAX, 1), i32::MIN, "{}", R::NAME);
    assert_eq!(calls.host_loop(100), 100, "{}", R::NAME);
    assert_eq!(calls.host_loop(0), 0, "{}", R::NAME);
}

#[test]
fn generated_modules_work_on_every_runtime() {
    each_runtime!(check_modules());
}

fn check_memory64_kernels<R: Wasm3>() {
    use egret_benches::memory64::{IndexType, KERNELS};
    let rt = R::with_wasm3();
    for kernel in &KERNELS {
        for index in [IndexType::I32, IndexType::I64] {
            let wasm = wat::parse_str((kernel.wat)(index)).expect("valid text");
            let mut instance = rt.kernel(&wasm);
            for n in [1, 7, 20] {
                assert_eq!(
                    instance.run(n),
                    (kernel.checksum)(n),
                    "{} {index:?} n={n} on {}",
                    kernel.name,
                    R::NAME
                );
            }
        }
    }
}

#[test]
fn the_memory64_kernels_compute_the_same_checksum_on_both_memories() {
    use egret_benches::memory64::KERNELS;
    for kernel in &KERNELS {
        assert_ne!(
            (kernel.checksum)(20),
            (kernel.checksum)(21),
            "{}",
            kernel.name
        );
    }
    check_memory64_kernels::<egret_benches::runtimes::Egret>();
    if_compare! {
        check_memory64_kernels::<egret_benches::runtimes::Wasmtime>();
    }
}

fn check_call_kinds<R: Wasm3>() {
    let wasm = call_kinds::call_kinds_module();
    let rt = R::with_wasm3();
    for kind in call_kinds::CallKind::ALL {
        let mut calls = rt.export(&wasm, kind.export());
        for n in [0, 1, 1000] {
            assert_eq!(calls.run(n), n, "{kind:?} n={n} on {}", R::NAME);
        }
    }
}

#[test]
fn every_call_kind_makes_its_calls() {
    let wasm = call_kinds::call_kinds_module();
    let mut features = wasmparser::WasmFeatures::default();
    features.insert(wasmparser::WasmFeatures::GC);
    wasmparser::Validator::new_with_features(features)
        .validate_all(&wasm)
        .expect("the call-kinds module is valid");
    let ops = operators(&wasm);
    for op in ["Call", "CallIndirect", "CallRef"] {
        assert!(
            ops.iter().any(|o| o == op),
            "the call-kinds module has no {op}"
        );
    }
    check_call_kinds::<egret_benches::runtimes::Egret>();
    if_compare! {
        check_call_kinds::<egret_benches::runtimes::Wasmtime>();
    }
}

fn check_exceptions<R: Wasm3>() {
    let wasm = exceptions::exceptions_module();
    let rt = R::with_wasm3();
    for figure in exceptions::ExceptionFigure::ALL {
        let mut instance = rt.export(&wasm, &figure.export());
        for n in [0, 1, 1000] {
            assert_eq!(
                instance.run(n),
                figure.result(n),
                "{figure:?} n={n} on {}",
                R::NAME
            );
        }
    }
}

#[test]
fn every_exception_figure_throws_or_calls_as_it_says() {
    let wasm = exceptions::exceptions_module();
    let mut features = wasmparser::WasmFeatures::default();
    features.insert(wasmparser::WasmFeatures::EXCEPTIONS);
    wasmparser::Validator::new_with_features(features)
        .validate_all(&wasm)
        .expect("the exceptions module is valid");
    let ops = operators(&wasm);
    for op in ["Throw", "TryTable", "Call"] {
        assert!(
            ops.iter().any(|o| o == op),
            "the exceptions module has no {op}"
        );
    }
    check_exceptions::<egret_benches::runtimes::Egret>();
    if_compare! {
        check_exceptions::<egret_benches::runtimes::Wasmtime>();
    }
}

fn check_gc_kernels<R: Wasm3>() {
    let wasm = gc::gc_module();
    let rt = R::with_wasm3();
    for kernel in &gc::KERNELS {
        let mut instance = rt.export(&wasm, kernel.name);
        for n in [0, 4, 6, 1000] {
            // Trees deeper than 6 take long in a debug build.
            let n = if kernel.name == "binary_trees" {
                n.min(6)
            } else {
                n
            };
            assert_eq!(
                instance.run(n),
                (kernel.checksum)(n),
                "{} n={n} on {}",
                kernel.name,
                R::NAME
            );
        }
    }
}

#[test]
fn every_gc_kernel_computes_its_checksum() {
    let ops = operators(&gc::gc_module());
    for op in ["StructNew", "ArrayNewDefault", "ArrayGet", "ArraySet"] {
        assert!(ops.iter().any(|o| o == op), "the GC module has no {op}");
    }
    check_gc_kernels::<egret_benches::runtimes::Egret>();
    if_compare! {
        check_gc_kernels::<egret_benches::runtimes::Wasmtime>();
    }
}

fn compile_corpus<R: Runtime>() {
    let rt = R::new();
    for module in corpus::corpus() {
        rt.compile(module.wasm);
    }
}

#[test]
fn the_compile_corpus_is_valid_and_compiles_on_every_runtime() {
    let all = corpus::corpus();
    for origin in corpus::Origin::ALL {
        assert!(
            all.iter().any(|m| m.origin == origin),
            "no {origin:?} module"
        );
    }
    let code: usize = all.iter().map(|m| modules::code_section_size(m.wasm)).sum();
    assert!(code > 1_000_000, "the corpus has {code} bytes of code");
    for module in &all {
        Validator::new()
            .validate_all(module.wasm)
            .unwrap_or_else(|e| panic!("{}: {e}", module.name));
        let ops = operators(module.wasm);
        for op in ["MemoryCopy", "MemoryFill"] {
            assert!(
                !ops.iter().any(|o| o == op),
                "{} ({:?}) has {op}",
                module.name,
                module.origin
            );
        }
    }
    each_runtime!(compile_corpus());
}
