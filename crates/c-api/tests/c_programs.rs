//! The C API as C programs use it: each `tests/c-api/<name>.c` (at the
//! repository root) is compiled by the system C compiler (C11) against
//! Wasmtime 50's headers (see `support/headers.rs`), or `egret_h.c`
//! against Egret's own `egret.h` alone, and each `<name>.cc` by the
//! system C++ compiler (C++17) against the same headers (Wasmtime's
//! `wasmtime.hh` is C++ over the C API); each is linked against the
//! shared `libegret` built from the current sources, and run; it prints
//! "ok" after its own checks pass.
//!
//! With `EGRET_C_API_VALGRIND` set, each program runs under valgrind, and
//! any invalid access, use of uninitialised memory (but the one in
//! `valgrind.supp`) or lost block fails its test.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The compiler of `source`: the system C++ compiler (`$CXX`, C++17) for
/// a `.cc` file, else the C compiler (`$CC`, C11); warnings are errors.
fn compiler_for(source: &Path) -> Command {
    let cpp = source.extension().is_some_and(|ext| ext == "cc");
    let (variable, default) = if cpp { ("CXX", "c++") } else { ("CC", "cc") };
    let mut compiler = Command::new(std::env::var(variable).unwrap_or_else(|_| default.into()));
    compiler.args(["-g", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function"]);
    if cpp {
        // GCC warns on `storage++` in a braced list of `wasmtime/func.hh`,
        // which C++ evaluates in order: not ours to change.
        compiler.args(["-std=c++17", "-Wno-sequence-point"]);
    } else {
        compiler.arg("-std=c11");
    }
    compiler
}

/// Compiles `tests/c-api/<name>.c` (or `<name>.cc`) against the headers
/// in `include_dirs`, links and runs it; returns its standard output
/// after checking it succeeded.
fn run_c_program(name: &str, include_dirs: &[PathBuf]) -> String {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-api");
    std::fs::create_dir_all(&scratch).unwrap();
    let source = ["c", "cc"]
        .map(|ext| support::c_api_tests_dir().join(format!("{name}.{ext}")))
        .into_iter()
        .find(|source| source.exists())
        .unwrap_or_else(|| panic!("tests/c-api has no {name}.c or {name}.cc"));
    let exe = scratch.join(name);
    let lib = support::library::library_dir();
    let mut cc = compiler_for(&source);
    for dir in include_dirs {
        cc.arg("-I").arg(dir);
    }
    cc.arg(&source)
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(&lib)
        .arg("-legret")
        .arg(format!("-Wl,-rpath,{}", lib.display()));
    let compiled = cc.output().expect("running the C compiler");
    assert!(
        compiled.status.success(),
        "compiling {} failed:\n{}",
        source.display(),
        String::from_utf8_lossy(&compiled.stderr)
    );
    let command = if std::env::var_os("EGRET_C_API_VALGRIND").is_some() {
        let mut valgrind = Command::new("valgrind");
        valgrind
            .args([
                "--error-exitcode=99",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect",
            ])
            .arg(format!(
                "--suppressions={}",
                support::c_api_tests_dir().join("valgrind.supp").display()
            ))
            .arg(&exe);
        valgrind
    } else {
        Command::new(&exe)
    };
    let run = output_within(command, TIME_LIMIT, name);
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success() && stdout.ends_with("ok\n"),
        "{name} failed ({}):\n{stdout}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    stdout
}

/// How long a C program may run (under valgrind too) before it counts as
/// hung and fails.
const TIME_LIMIT: Duration = Duration::from_secs(300);

/// Runs `command` to completion, or kills it and fails after `limit`.
fn output_within(mut command: Command, limit: Duration, name: &str) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the C program");
    let started = Instant::now();
    while child
        .try_wait()
        .expect("waiting for the C program")
        .is_none()
    {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{name} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child
        .wait_with_output()
        .expect("reading the C program's output")
}

/// One `#[test]` per C or C++ program.
macro_rules! c_programs {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            run_c_program(stringify!($name), &support::headers::include_dirs());
        }
    )*};
}

c_programs! {
    cpp_seed,
    errors,
    exn_and_valtypes,
    fuel_and_epochs,
    gc_and_tags,
    gc_objects,
    host_calls,
    instances,
    isolated_state,
    items,
    profiler,
    refs,
    shared_store,
    store_association,
    wasi,
    wasm_h,
}

/// `egret.h` serves alone: no Wasmtime header on the include path.
#[test]
fn egret_h() {
    run_c_program("egret_h", &[support::headers::egret_include_dir()]);
}
