//! Runs the built `egret` binary on small modules and scripts written to a
//! temporary directory, checking its output and exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The path of a file called `name` in this test binary's temporary
/// directory.
fn temp_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("egret-cli");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Writes `contents` to a temporary file called `name`.
fn write(name: &str, contents: &str) -> PathBuf {
    let path = temp_path(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn egret(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_egret"))
        .args(args)
        .output()
        .expect("the egret binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

const MODULE: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "pair") (param i64 f32) (result i64 f32) (local.get 0) (local.get 1))
  (func (export "half") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5)))
  (func $fail unreachable)
  (func (export "boom") (call $fail))
)"#;

#[test]
fn wast_prints_pass_lines_and_totals() {
    let a = write(
        "pass-a.wast",
        "(module (func (export \"one\") (result i32) i32.const 1))\n\
         (assert_return (invoke \"one\") (i32.const 1))\n",
    );
    let b = write(
        "pass-b.wast",
        "(assert_invalid (module (func (result i32))) \"type mismatch\")\n",
    );
    let output = egret(&["wast", a.to_str().unwrap(), b.to_str().unwrap()]);
    let expected = format!(
        "PASS {} (2 assertions)\nPASS {} (1 assertions)\n3 passed, 0 failed\n",
        a.display(),
        b.display()
    );
    assert_eq!(stdout(&output), expected);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn wast_lists_failures_and_fails() {
    let path = write(
        "fail.wast",
        "(module (func (export \"one\") (result i32) i32.const 1))\n\
         (assert_return (invoke \"one\") (i32.const 1))\n\
         (assert_return (invoke \"one\") (i32.const 2))\n\
         (assert_trap (invoke \"one\") \"unreachable\")\n",
    );
    let missing = temp_path("no-such-file.wast");
    let output = egret(&["wast", path.to_str().unwrap(), missing.to_str().unwrap()]);
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!("FAIL {}: 2 of 4 failed", path.display()),
        "{out}"
    );
    assert_eq!(
        lines[1], "  line 3: assert_return: expected [i32:2], got [i32:1]",
        "{out}"
    );
    assert!(
        lines[2].starts_with("  line 4: assert_trap: expected trap \"unreachable\""),
        "{out}"
    );
    assert!(
        lines[3].starts_with(&format!("FAIL {}: cannot read", missing.display())),
        "{out}"
    );
    assert_eq!(lines[4], "2 passed, 3 failed", "{out}");
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn wast_needs_a_file() {
    let output = egret(&["wast"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("<FILES>"), "{}", stderr(&output));
}

#[test]
fn run_invoke_prints_results() {
    let path = write("module.wat", MODULE);
    let path = path.to_str().unwrap();

    let output = egret(&["run", "--invoke", "add", path, "40", "-3"]);
    assert_eq!(stdout(&output), "37\n", "{}", stderr(&output));
    assert_eq!(output.status.code(), Some(0));

    let output = egret(&["run", path, "--invoke", "add", "4294967295", "1"]);
    assert_eq!(stdout(&output), "0\n", "{}", stderr(&output));

    let output = egret(&["run", "--invoke", "pair", path, "-5", "2.5"]);
    assert_eq!(stdout(&output), "-5\n2.5\n", "{}", stderr(&output));

    let output = egret(&["run", "--invoke", "half", path, "-inf"]);
    assert_eq!(stdout(&output), "-inf\n", "{}", stderr(&output));
}

#[test]
fn run_accepts_binary_modules() {
    // (module (func (export "f") (result i32) i32.const 42))
    let binary: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // types: [] -> [i32]
        0x03, 0x02, 0x01, 0x00, // functions: type 0
        0x07, 0x05, 0x01, 0x01, b'f', 0x00, 0x00, // exports: "f" = func 0
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b, // code: i32.const 42
    ];
    let path = temp_path("answer.wasm");
    std::fs::write(&path, binary).unwrap();
    let output = egret(&["run", "--invoke", "f", path.to_str().unwrap()]);
    assert_eq!(stdout(&output), "42\n", "{}", stderr(&output));
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn run_profile_perfmap_names_the_functions_for_perf() {
    let path = write(
        "profiled.wat",
        r#"(module $cli_profiled (func $answer (export "answer") (result i32) i32.const 42))"#,
    );
    let child = Command::new(env!("CARGO_BIN_EXE_egret"))
        .args(["run", "--profile", "perfmap", "--invoke", "answer"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the egret binary runs");
    let map_path = format!("/tmp/perf-{}.map", child.id());
    let output = child.wait_with_output().unwrap();
    assert_eq!(stdout(&output), "42\n", "{}", stderr(&output));
    let map = std::fs::read_to_string(&map_path).unwrap_or_default();
    let _ = std::fs::remove_file(&map_path);
    assert!(
        map.lines()
            .any(|line| line.ends_with(" cli_profiled::answer")),
        "{map}"
    );

    let path = path.to_str().unwrap();
    let output = egret(&["run", "--profile", "jitdump", "--invoke", "answer", path]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`jitdump` profiler is not supported"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn run_rejects_bad_arguments() {
    let path = write("args.wat", MODULE);
    let path = path.to_str().unwrap();

    let output = egret(&["run", "--invoke", "add", path, "1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("takes 2 arguments, got 1"),
        "{}",
        stderr(&output)
    );

    let output = egret(&["run", "--invoke", "add", path, "1", "one"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`one` is not a valid i32"),
        "{}",
        stderr(&output)
    );

    let output = egret(&["run", "--invoke", "nope", path]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nope"), "{}", stderr(&output));
}

#[test]
fn run_trap_prints_message_and_backtrace() {
    let path = write("trap.wat", MODULE);
    let output = egret(&["run", "--invoke", "boom", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert!(
        err.starts_with("error: error while executing at wasm backtrace:\n"),
        "{err}"
    );
    assert!(err.contains("!fail\n"), "{err}");
    assert!(
        err.contains("\n\nCaused by:\n    wasm trap: wasm `unreachable` instruction executed\n"),
        "{err}"
    );
}

#[test]
fn run_calls_start_export() {
    let path = write(
        "start.wat",
        "(module (func (export \"_start\") (unreachable)))",
    );
    let output = egret(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("unreachable"),
        "{}",
        stderr(&output)
    );

    let path = write("no-start.wat", "(module (func (export \"f\")))");
    let output = egret(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
}

#[test]
fn run_names_the_first_missing_import() {
    let path = write(
        "imports.wat",
        r#"(module (import "env" "log" (func (param i32))) (import "env" "mem" (memory 1)))"#,
    );
    let output = egret(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("unknown import: `env::log`"), "{err}");
    assert!(!err.contains("env::mem"), "{err}");
}

#[test]
fn run_reports_compile_errors() {
    let path = write("invalid.wat", "(module (func (result i32)))");
    let output = egret(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: failed to compile module"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_lists_the_subcommands() {
    let output = egret(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let out = stdout(&output);
    assert!(out.contains("run") && out.contains("wast"), "{out}");

    let output = egret(&["run", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).contains("--invoke <NAME>"),
        "{}",
        stdout(&output)
    );
}

/// A file of the repository, relative to this crate.
fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// A fresh temporary directory called `name`.
fn temp_dir(name: &str) -> PathBuf {
    let dir = temp_path(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn run_passes_arguments_and_environment_and_returns_the_exit_code() {
    let program = repo_file("tests/wasi/bin/args_env.wasm");
    let output = Command::new(env!("CARGO_BIN_EXE_egret"))
        .args(["run", "--env", "GREETING=hello", "--env", "FROM_HOST"])
        .arg(&program)
        .args(["one", "two words"])
        .env("FROM_HOST", "passed on")
        .output()
        .unwrap();
    let out = stdout(&output);
    // args_env exits with its argument count: the program name and two.
    assert_eq!(output.status.code(), Some(3), "{out}{}", stderr(&output));
    assert!(out.contains("argv[1]=one\nargv[2]=two words\n"), "{out}");
    assert!(out.contains("env FROM_HOST=passed on\n"), "{out}");
    assert!(out.contains("GREETING=hello\n"), "{out}");
    assert!(out.contains("envc=2\n"), "{out}");
}

#[test]
fn run_sorts_a_file_in_a_preopened_directory_like_the_native_program() {
    let dir = temp_dir("sort");
    std::fs::copy(
        repo_file("tests/wasi/data/unsorted.txt"),
        dir.join("in.txt"),
    )
    .unwrap();
    let mapping = format!("{}::/data", dir.display());
    let program = repo_file("tests/wasi/bin/sort_lines.wasm");
    let output = egret(&[
        "run",
        "--dir",
        &mapping,
        program.to_str().unwrap(),
        "/data/in.txt",
        "/data/out.txt",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let sorted = std::fs::read(dir.join("out.txt")).unwrap();
    // tests/wasi/native.sh wrote this with the same C program built natively.
    let native = std::fs::read(repo_file("tests/wasi/expected/sorted.txt")).unwrap();
    assert_eq!(sorted, native);
}

#[test]
fn run_keeps_the_program_inside_its_directories() {
    let dir = temp_dir("sandbox");
    std::fs::write(dir.join("secret.txt"), "outside").unwrap();
    let inner = dir.join("inner");
    std::fs::create_dir(&inner).unwrap();
    let mapping = format!("{}::/box", inner.display());
    let program = repo_file("tests/wasi/bin/sort_lines.wasm");
    for path in [
        "/box/../secret.txt",
        "../secret.txt",
        secret_abs(&dir).as_str(),
    ] {
        let output = egret(&[
            "run",
            "--dir",
            &mapping,
            program.to_str().unwrap(),
            path,
            "/box/out.txt",
        ]);
        assert_eq!(output.status.code(), Some(1), "{path}: {}", stdout(&output));
        assert!(!inner.join("out.txt").exists(), "{path} was read");
    }
}

fn secret_abs(dir: &std::path::Path) -> String {
    dir.join("secret.txt").display().to_string()
}

#[test]
fn run_hello_example_from_the_readme() {
    let output = Command::new(env!("CARGO_BIN_EXE_egret"))
        .current_dir(repo_file(""))
        .args(["run", "--dir", ".", "examples/hello.wasm", "README.md"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.starts_with("Hello from WebAssembly, running on Egret!\nREADME.md: "),
        "{out}"
    );
}

#[test]
fn run_reports_a_trap_with_its_backtrace() {
    let path = write(
        "trap-start.wat",
        r#"(module $m (func $deep unreachable) (func (export "_start") (call $deep)))"#,
    );
    let output = egret(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("wasm `unreachable` instruction executed") && err.contains("m!deep"),
        "{err}"
    );
}

const SPIN: &str = r#"(module (func (export "_start") (loop $l (br $l))))"#;

#[test]
fn run_fuel_stops_an_infinite_loop() {
    let path = write("spin-fuel.wat", SPIN);
    let output = egret(&["run", "--fuel", "100000", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("all fuel consumed") && err.contains("fuel=100000"),
        "{err}"
    );
}

#[test]
fn run_timeout_stops_an_infinite_loop() {
    let path = write("spin-timeout.wat", SPIN);
    let started = std::time::Instant::now();
    let output = egret(&["run", "--timeout", "200ms", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let err = stderr(&output);
    assert!(err.contains("timeout=200ms"), "{err}");
}

#[test]
fn run_takes_wasmtimes_w_options() {
    let path = write("spin-w.wat", SPIN);
    let output = egret(&["run", "-W", "fuel=5000", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("fuel=5000"), "{}", stderr(&output));

    let simd = write(
        "simd-w.wat",
        r#"(module (func (export "_start") (drop (v128.const i64x2 0 0))))"#,
    );
    let simd = simd.to_str().unwrap();
    assert!(egret(&["run", simd]).status.success());
    let off = egret(&["run", "-W", "simd=n", simd]);
    assert_eq!(off.status.code(), Some(2));
    let bad = egret(&["run", "-W", "fuel", simd]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("-W fuel: expects a value"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn run_max_memory_refuses_a_large_memory() {
    let path = write(
        "big-memory.wat",
        r#"(module (memory 32) (func (export "_start")))"#,
    );
    let output = egret(&["run", "--max-memory", "1MiB", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("memory"), "{}", stderr(&output));
    let output = egret(&["run", "--max-memory", "4MiB", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn run_max_wasm_stack_bounds_recursion() {
    let path = write(
        "deep.wat",
        r#"(module
            (func $down (param i32) (result i32)
              (if (result i32) (local.get 0)
                (then (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))
                (else (i32.const 0))))
            (func (export "depth") (param i32) (result i32) (call $down (local.get 0))))"#,
    );
    let file = path.to_str().unwrap();
    let output = egret(&[
        "run",
        "--max-wasm-stack",
        "64KiB",
        "--invoke",
        "depth",
        file,
        "100000",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("65536 bytes of wasm stack (max-wasm-stack)"),
        "{}",
        stderr(&output)
    );
    let output = egret(&[
        "run",
        "--max-wasm-stack",
        "64MiB",
        "--invoke",
        "depth",
        file,
        "100000",
    ]);
    assert_eq!(stdout(&output), "100000\n", "{}", stderr(&output));
}

#[test]
fn run_rejects_malformed_limits() {
    let path = write("limits-ok.wat", "(module)");
    for args in [
        ["--fuel", "lots"],
        ["--timeout", "2 fortnights"],
        ["--max-memory", "9ZiB"],
    ] {
        let mut all = vec!["run"];
        all.extend(args);
        all.push(path.to_str().unwrap());
        let output = egret(&all);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn compile_reports_code_sizes_for_another_target() {
    let path = write(
        "compile.wat",
        r#"(module (memory 1)
            (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
            (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))"#,
    );
    for target in ["aarch64-unknown-linux-gnu", "x86_64-baseline", "host"] {
        let output = egret(&["compile", "--target", target, path.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let out = stdout(&output);
        assert!(
            out.contains(" 0 load\n") && out.contains(" 1 div\n"),
            "{out}"
        );
        assert!(
            out.contains("(trampoline)") && out.contains(&format!("total for {target}")),
            "{out}"
        );
    }
    let output = egret(&["compile", "--target", "nonsense!", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
}

/// The native run's stdout and exit code for a test program: the file in
/// `tests/wasi/expected/`, whose last line is `exit N`.
fn native_expected(name: &str) -> (String, i32) {
    let text = std::fs::read_to_string(repo_file("tests/wasi/expected").join(name)).unwrap();
    let text = text.trim_end_matches('\n');
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", text));
    let code = status.strip_prefix("exit ").unwrap().parse().unwrap();
    let body = if body.is_empty() {
        String::new()
    } else {
        format!("{body}\n")
    };
    (body, code)
}

#[test]
fn run_file_io_in_a_preopened_directory_like_the_native_program() {
    let dir = temp_dir("file-io");
    let mapping = format!("{}::/sandbox", dir.display());
    let program = repo_file("tests/wasi/bin/file_io.wasm");
    let output = egret(&[
        "run",
        "--dir",
        &mapping,
        program.to_str().unwrap(),
        "/sandbox",
    ]);
    let (expected, code) = native_expected("file_io.txt");
    assert_eq!(stdout(&output), expected, "{}", stderr(&output));
    assert_eq!(output.status.code(), Some(code));
}

#[test]
fn run_clock_and_random_like_the_native_program() {
    let program = repo_file("tests/wasi/bin/clock_random.wasm");
    let output = egret(&["run", program.to_str().unwrap()]);
    let (expected, code) = native_expected("clock_random.txt");
    assert_eq!(stdout(&output), expected, "{}", stderr(&output));
    assert_eq!(output.status.code(), Some(code));
}

#[test]
fn run_copies_stdin_to_stdout() {
    use std::io::Write;
    let input = std::fs::read(repo_file("tests/wasi/data/cat_input.txt")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_egret"))
        .args([
            "run",
            repo_file("tests/wasi/bin/cat.wasm").to_str().unwrap(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    let (expected_stderr, code) = native_expected("cat.stderr.txt");
    assert_eq!(output.stdout, input);
    assert_eq!(stderr(&output), expected_stderr);
    assert_eq!(output.status.code(), Some(code));
}

#[test]
fn run_sandbox_probe_finds_no_escape() {
    let dir = temp_dir("probe");
    let sandbox = dir.join("sandbox");
    std::fs::create_dir(&sandbox).unwrap();
    let outside = dir.join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    let mapping = format!("{}::/sandbox", sandbox.display());
    let program = repo_file("tests/wasi/bin/sandbox_probe.wasm");
    let output = egret(&[
        "run",
        "--dir",
        &mapping,
        program.to_str().unwrap(),
        outside.to_str().unwrap(),
    ]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    assert!(out.ends_with("escapes: 0\n"), "{out}");
    assert_eq!(
        std::fs::read_to_string(outside.join("secret.txt")).unwrap(),
        "secret"
    );
}

#[test]
fn compile_writes_a_precompiled_module_that_run_loads_only_when_allowed() {
    let source = write("precompiled.wat", MODULE);
    let artifact = temp_path("precompiled.cwasm");
    let output = egret(&[
        "compile",
        source.to_str().unwrap(),
        "-o",
        artifact.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "", "no report unless asked");
    let artifact = artifact.to_str().unwrap();

    let refused = egret(&["run", "--invoke", "add", artifact, "2", "3"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("--allow-precompiled"),
        "{}",
        stderr(&refused)
    );

    let run = egret(&[
        "run",
        "--allow-precompiled",
        "--invoke",
        "add",
        artifact,
        "2",
        "3",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(stdout(&run), "5\n");

    // Traps keep their backtraces in precompiled code.
    let boom = egret(&["run", "--allow-precompiled", "--invoke", "boom", artifact]);
    assert_eq!(boom.status.code(), Some(1));
    assert!(stderr(&boom).contains("unreachable"), "{}", stderr(&boom));

    // An engine with other settings names the one that differs.
    let fuel = egret(&[
        "run",
        "--allow-precompiled",
        "--fuel",
        "1000",
        "--invoke",
        "add",
        artifact,
        "1",
        "1",
    ]);
    assert_eq!(fuel.status.code(), Some(2));
    assert!(
        stderr(&fuel).contains("consume_fuel=false, this engine has consume_fuel=true"),
        "{}",
        stderr(&fuel)
    );
}

#[test]
fn compile_takes_the_w_options_run_needs_for_fuel() {
    let source = write("precompiled-fuel.wat", SPIN);
    let artifact = temp_path("precompiled-fuel.cwasm");
    let output = egret(&[
        "compile",
        "-W",
        "fuel=1",
        source.to_str().unwrap(),
        "-o",
        artifact.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let run = egret(&[
        "run",
        "--allow-precompiled",
        "-W",
        "fuel=20000",
        artifact.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("all fuel consumed"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn epoch_interruption_without_a_timeout_does_not_interrupt() {
    let source = write("epochs.wat", MODULE);
    let artifact = temp_path("epochs.cwasm");
    let artifact = artifact.to_str().unwrap();
    let compile = egret(&[
        "compile",
        "-W",
        "epoch-interruption",
        source.to_str().unwrap(),
        "-o",
        artifact,
    ]);
    assert!(compile.status.success(), "{}", stderr(&compile));
    let run = egret(&[
        "run",
        "--allow-precompiled",
        "-W",
        "epoch-interruption",
        "--invoke",
        "add",
        artifact,
        "2",
        "3",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(stdout(&run), "5\n");
}

/// Only x86_64 builds have another backend (aarch64) to compile for.
#[cfg(target_arch = "x86_64")]
#[test]
fn compile_for_another_target_writes_an_artifact_this_machine_refuses() {
    let source = write("cross.wat", MODULE);
    let artifact = temp_path("cross.cwasm");
    let other = "aarch64-unknown-linux-gnu";
    let output = egret(&[
        "compile",
        "--target",
        other,
        "--report",
        source.to_str().unwrap(),
        "-o",
        artifact.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(&format!("total for {other}")));
    let run = egret(&[
        "run",
        "--allow-precompiled",
        "--invoke",
        "add",
        artifact.to_str().unwrap(),
        "1",
        "2",
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains(&format!("compiled for {other}")),
        "{}",
        stderr(&run)
    );
}

/// The entries (`*.cwasm`) in a compilation cache directory.
fn cache_entries(cache_dir: &std::path::Path) -> Vec<PathBuf> {
    match std::fs::read_dir(cache_dir.join("modules")) {
        Ok(listing) => listing
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// `egret` with the platform's cache and configuration directories
/// pointed into `home`, so that the user's own are never touched.
fn egret_at_home(home: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_egret"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .expect("the egret binary runs")
}

#[test]
fn run_cache_writes_one_entry_and_the_second_run_loads_it() {
    use std::os::unix::fs::MetadataExt;
    let home = temp_dir("cache-home");
    let cache_dir = home.join("the-cache");
    let config = home.join("cache.toml");
    std::fs::write(
        &config,
        format!("[cache]\ndirectory = '{}'\n", cache_dir.display()),
    )
    .unwrap();
    let config_flag = format!("cache-config={}", config.display());
    let module = write("cached.wat", MODULE);
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "-C", &config_flag];
        args.extend_from_slice(extra);
        args.extend([module.to_str().unwrap(), "--invoke", "add", "40", "2"]);
        let output = egret_at_home(&home, &args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout(&output), "42\n");
    };

    run(&["--cache"]);
    let entries = cache_entries(&cache_dir);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    let written = std::fs::metadata(entry).unwrap();
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600);
    std::fs::File::options()
        .write(true)
        .open(entry)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();

    // A hit: the same file (a miss would rename a new one over it), marked
    // as just used.
    run(&["--cache"]);
    let read = std::fs::metadata(entry).unwrap();
    assert_eq!(read.ino(), written.ino());
    assert!(read.modified().unwrap() > long_ago);
    assert_eq!(cache_entries(&cache_dir).len(), 1);

    // What runs is the entry's code: another module's artifact put in its
    // place runs instead (which is why the cache directory is trusted).
    let other = write(
        "cached-other.wat",
        &MODULE.replace(
            "(i32.add (local.get 0) (local.get 1))",
            "(i32.sub (local.get 0) (local.get 1))",
        ),
    );
    let output = egret(&[
        "compile",
        other.to_str().unwrap(),
        "-o",
        entry.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let args = [
        "run",
        "-C",
        &config_flag,
        module.to_str().unwrap(),
        "--invoke",
        "add",
        "40",
        "2",
    ];
    let output = egret_at_home(&home, &args);
    assert_eq!(stdout(&output), "38\n", "{}", stderr(&output));

    // Without the cache nothing is read: the module is compiled.
    let output = egret_at_home(
        &home,
        &[
            "run",
            "-C",
            &format!("{config_flag},cache=n"),
            module.to_str().unwrap(),
            "--invoke",
            "add",
            "40",
            "2",
        ],
    );
    assert_eq!(stdout(&output), "42\n", "{}", stderr(&output));
}

#[test]
fn run_cache_defaults_to_the_platform_directories() {
    let home = temp_dir("cache-default-home");
    let module = write("cached-default.wat", MODULE);
    let args = [
        "run",
        "-C",
        "cache",
        module.to_str().unwrap(),
        "--invoke",
        "add",
        "1",
        "2",
    ];
    let output = egret_at_home(&home, &args);
    assert_eq!(stdout(&output), "3\n", "{}", stderr(&output));
    assert_eq!(cache_entries(&home.join("cache/egret")).len(), 1);

    // The default configuration file, when there is one, is read.
    let elsewhere = home.join("elsewhere");
    std::fs::create_dir_all(home.join("config/egret")).unwrap();
    std::fs::write(
        home.join("config/egret/config.toml"),
        format!("[cache]\ndirectory = '{}'\n", elsewhere.display()),
    )
    .unwrap();
    let output = egret_at_home(&home, &args);
    assert_eq!(stdout(&output), "3\n", "{}", stderr(&output));
    assert_eq!(cache_entries(&elsewhere).len(), 1);

    // Off by default.
    let fresh = temp_dir("cache-off-home");
    let output = egret_at_home(
        &fresh,
        &["run", module.to_str().unwrap(), "--invoke", "add", "1", "2"],
    );
    assert_eq!(stdout(&output), "3\n");
    assert!(!fresh.join("cache").exists());
}

#[test]
fn run_cache_errors_are_reported() {
    let home = temp_dir("cache-error-home");
    let module = write("cached-error.wat", MODULE);
    let bad = home.join("bad.toml");
    std::fs::write(&bad, "[cache]\nfiles-total-size-soft-limit = \"lots\"\n").unwrap();
    let cases = [
        (
            vec!["-C".to_string(), format!("cache-config={}", bad.display())],
            "lots",
        ),
        (
            vec!["-C".to_string(), "cache=perhaps".to_string()],
            "not y or n",
        ),
        (
            vec!["-C".to_string(), "nope".to_string()],
            "unknown option `nope`",
        ),
        (
            vec![
                "--cache".to_string(),
                "-C".to_string(),
                "cache=n".to_string(),
            ],
            "contradicts",
        ),
    ];
    for (flags, message) in cases {
        let mut args = vec!["run"];
        args.extend(flags.iter().map(String::as_str));
        args.extend([module.to_str().unwrap(), "--invoke", "add", "1", "2"]);
        let output = egret_at_home(&home, &args);
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
        assert!(
            stderr(&output).contains(message),
            "{flags:?}: {}",
            stderr(&output)
        );
    }
}
