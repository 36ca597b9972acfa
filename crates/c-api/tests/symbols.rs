//! Which of Wasmtime 50's C functions `libegret` exports. Every exported
//! `wasm*`, `wasmtime*` and `wasi*` function must be one Wasmtime's
//! headers declare (a misspelt name is never found by a binding); the
//! test also writes how many of the declared functions are there, and
//! lists the missing ones, to `target/tmp/c-api/symbols.txt`.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Every feature, so that every function of the headers is declared.
const ALL_FEATURES: &[&str] = &[
    "PROFILING",
    "WAT",
    "CACHE",
    "PARALLEL_COMPILATION",
    "WASI",
    "WASI_HTTP",
    "LOGGING",
    "COREDUMP",
    "ADDR2LINE",
    "DEMANGLE",
    "THREADS",
    "GC",
    "GC_DRC",
    "GC_NULL",
    "ASYNC",
    "CRANELIFT",
    "WINCH",
    "DEBUG_BUILTINS",
    "POOLING_ALLOCATOR",
    "COMPONENT_MODEL",
    "COMPONENT_MODEL_ASYNC",
    "PULLEY",
    "ALL_ARCH",
];

/// The functions the headers declare (not their `static inline`
/// helpers), from GCC's `-aux-info` list of prototypes.
fn declared_functions(scratch: &Path) -> BTreeSet<String> {
    let source = scratch.join("all.c");
    std::fs::write(&source, "#include <wasmtime.h>\n").unwrap();
    let aux = scratch.join("prototypes.txt");
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".to_string()));
    cc.args(["-std=c11", "-fsyntax-only", "-aux-info"])
        .arg(&aux);
    for dir in support::headers::include_dirs_with(scratch, "conf-all", ALL_FEATURES) {
        cc.arg("-I").arg(dir);
    }
    let output = cc.arg(&source).output().expect("running the C compiler");
    assert!(
        output.status.success(),
        "listing the headers' prototypes (GCC's -aux-info) failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(&aux)
        .unwrap()
        .lines()
        .filter(|line| line.contains("wasmtime-c-api-impl") && !line.contains(" static "))
        .filter_map(|line| {
            let declaration = line.split("*/ extern ").nth(1)?;
            let before_parameters = declaration.split(" (").next()?;
            let name = before_parameters.rsplit([' ', '*']).next()?;
            name.starts_with("wasm")
                .then(|| name.to_string())
                .or_else(|| name.starts_with("wasi").then(|| name.to_string()))
        })
        .collect()
}

/// The C API functions `libegret.so` exports.
fn exported_functions() -> BTreeSet<String> {
    let lib = support::library::library_dir().join("libegret.so");
    let output = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .expect("running nm");
    assert!(output.status.success(), "nm failed on {}", lib.display());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [_, "T", name] if name.starts_with("wasm") || name.starts_with("wasi") => {
                    Some(name.to_string())
                }
                _ => None,
            },
        )
        .collect()
}

#[test]
fn every_exported_function_is_declared_by_wasmtime_50() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-api");
    std::fs::create_dir_all(&scratch).unwrap();
    let declared = declared_functions(&scratch);
    let exported = exported_functions();
    let stray: Vec<_> = exported.difference(&declared).collect();
    assert!(
        stray.is_empty(),
        "exported but not declared by Wasmtime 50: {stray:?}"
    );

    let missing: Vec<_> = declared.difference(&exported).cloned().collect();
    let report = format!(
        "{} of Wasmtime 50's {} C API functions exported; missing:\n{}\n",
        exported.len(),
        declared.len(),
        missing.join("\n")
    );
    std::fs::write(scratch.join("symbols.txt"), &report).unwrap();
    println!("{}", report.lines().next().unwrap());
}
