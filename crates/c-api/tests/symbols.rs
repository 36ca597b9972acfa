//! Which of Wasmtime 50's C functions `libegret` exports. Every exported
//! `wasm*`, `wasmtime*` and `wasi*` function must be one Wasmtime's
//! headers declare (a misspelt name is never found by a binding): a C
//! file taking the address of each, compiled against the headers, says
//! so. Where the C compiler is GCC, whose `-aux-info` lists the headers'
//! prototypes, the test also writes how many of the declared functions
//! are exported, and lists the missing ones, to
//! `target/tmp/c-api/symbols.txt`.

mod support;

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};
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

fn c_compiler(scratch: &Path) -> Command {
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".to_string()));
    cc.args(["-std=c11", "-fsyntax-only"]);
    for dir in support::headers::include_dirs_with(scratch, "conf-all", ALL_FEATURES) {
        cc.arg("-I").arg(dir);
    }
    cc
}

/// The functions the headers declare (not their `static inline`
/// helpers), from GCC's `-aux-info` list of prototypes; `None` if the C
/// compiler has no `-aux-info`.
fn declared_functions(scratch: &Path) -> Option<BTreeSet<String>> {
    let source = scratch.join("all.c");
    std::fs::write(&source, "#include <wasmtime.h>\n").unwrap();
    let aux = scratch.join("prototypes.txt");
    let output = c_compiler(scratch)
        .arg("-aux-info")
        .arg(&aux)
        .arg(&source)
        .output()
        .expect("running the C compiler");
    if !output.status.success() {
        return None;
    }
    let declared = std::fs::read_to_string(&aux)
        .unwrap()
        .lines()
        .filter(|line| line.contains("wasmtime-c-api-impl") && !line.contains(" static "))
        .filter_map(|line| {
            let declaration = line.split("*/ extern ").nth(1)?;
            let before_parameters = declaration.split(" (").next()?;
            let name = before_parameters.rsplit([' ', '*']).next()?;
            (name.starts_with("wasm") || name.starts_with("wasi")).then(|| name.to_string())
        })
        .collect();
    Some(declared)
}

/// A C file that takes the address of each function in `names`.
fn address_taking_source(scratch: &Path, names: &BTreeSet<String>) -> PathBuf {
    let mut c = String::from("#include <wasmtime.h>\n\ntypedef void (*any_function)(void);\n");
    c.push_str("any_function exported[] = {\n");
    for name in names {
        writeln!(c, "    (any_function)&{name},").unwrap();
    }
    c.push_str("};\n");
    let source = scratch.join("exported.c");
    std::fs::write(&source, c).unwrap();
    source
}

#[test]
fn every_exported_function_is_declared_by_wasmtime_50() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-api");
    std::fs::create_dir_all(&scratch).unwrap();
    let exported = support::library::exported_functions();
    assert!(!exported.is_empty(), "libegret exports no C API function");

    let source = address_taking_source(&scratch, &exported);
    let output = c_compiler(&scratch)
        .arg("-Werror")
        .arg(&source)
        .output()
        .expect("running the C compiler");
    assert!(
        output.status.success(),
        "libegret exports functions Wasmtime 50's headers do not declare:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let report = match declared_functions(&scratch) {
        Some(declared) => {
            let missing: Vec<_> = declared.difference(&exported).cloned().collect();
            format!(
                "{} of Wasmtime 50's {} C API functions exported; missing:\n{}\n",
                exported.len(),
                declared.len(),
                missing.join("\n")
            )
        }
        None => format!(
            "{} C API functions exported (the C compiler has no -aux-info to list the declared ones)\n",
            exported.len()
        ),
    };
    std::fs::write(scratch.join("symbols.txt"), &report).unwrap();
    println!("{}", report.lines().next().unwrap());
}
