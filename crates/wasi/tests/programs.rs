//! The C test programs of `tests/wasi/src` run through Egret with
//! egret-wasi: their stdout, stderr, exit codes and the files they write
//! are compared with what the same programs do when built natively with
//! gcc (`tests/wasi/native.sh` writes those to `tests/wasi/expected/`).

mod common;

use common::{Output, Scratch, run};
use egret_wasi::WasiCtxBuilder;
use std::path::{Path, PathBuf};

fn wasi_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/wasi")
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The native run's output: the expected file, whose last line is
/// `exit N`.
fn expected(name: &str) -> (String, i32) {
    let text = read(wasi_dir().join("expected").join(name));
    let (body, status) = text
        .trim_end_matches('\n')
        .rsplit_once('\n')
        .map_or(("", text.trim()), |(b, s)| (b, s));
    let code = status
        .strip_prefix("exit ")
        .and_then(|c| c.parse().ok())
        .expect("expected file ends with `exit N`");
    let body = if body.is_empty() {
        String::new()
    } else {
        format!("{body}\n")
    };
    (body, code)
}

fn assert_output(out: &Output, stdout: &str, code: i32) {
    assert_eq!(
        out.stdout, stdout,
        "stdout differs; stderr was:\n{}",
        out.stderr
    );
    assert_eq!(out.code, code, "exit code; stderr was:\n{}", out.stderr);
}

#[test]
fn args_and_environment() {
    let out = run(
        "args_env",
        WasiCtxBuilder::new()
            .args(["args_env", "one", "two words", "ünïcödé"])
            .env("GREETING", "hello")
            .env("B", "2")
            .env("A", "1=one"),
    );
    let (stdout, code) = expected("args_env.txt");
    assert_output(&out, &stdout, code);
    assert_eq!(code, 4);
}

#[test]
fn no_args_and_no_environment() {
    let out = run("args_env", &mut WasiCtxBuilder::new());
    assert_output(&out, "argc=0\nenvc=0\nGREETING=(unset)\n", 0);
}

#[test]
fn stdin_to_stdout() {
    let input = read(wasi_dir().join("data/cat_input.txt"));
    let out = run(
        "cat",
        WasiCtxBuilder::new().stdin(std::io::Cursor::new(input.clone().into_bytes())),
    );
    let (stderr, code) = expected("cat.stderr.txt");
    assert_output(&out, &input, code);
    assert_eq!(out.stderr, stderr);
}

#[test]
fn empty_stdin() {
    let out = run("cat", &mut WasiCtxBuilder::new());
    assert_output(&out, "", 0);
    assert_eq!(out.stderr, "0 bytes, 0 lines\n");
}

#[test]
fn clocks_and_random() {
    let out = run("clock_random", &mut WasiCtxBuilder::new());
    let (stdout, code) = expected("clock_random.txt");
    assert_output(&out, &stdout, code);
}

#[test]
fn file_io_in_a_preopened_directory() {
    let dir = Scratch::new("file-io");
    let out = run(
        "file_io",
        WasiCtxBuilder::new()
            .args(["file_io", "/sandbox"])
            .preopen_dir(dir.path(), "/sandbox"),
    );
    let (stdout, code) = expected("file_io.txt");
    assert_output(&out, &stdout, code);
    assert_eq!(read(dir.path().join("summary.txt")), "file_io done\n");
    let tree: Vec<_> = walk(dir.path());
    assert_eq!(tree, ["summary.txt"], "only the summary is left");
}

#[test]
fn file_io_in_a_dot_preopen() {
    let dir = Scratch::new("file-io-dot");
    let out = run(
        "file_io",
        WasiCtxBuilder::new()
            .args(["file_io", "."])
            .preopen_dir(dir.path(), "."),
    );
    let (stdout, code) = expected("file_io.txt");
    assert_output(&out, &stdout, code);
    assert_eq!(read(dir.path().join("summary.txt")), "file_io done\n");
}

#[test]
fn sort_lines_of_a_file() {
    let dir = Scratch::new("sort");
    std::fs::copy(
        wasi_dir().join("data/unsorted.txt"),
        dir.path().join("in.txt"),
    )
    .unwrap();
    let out = run(
        "sort_lines",
        WasiCtxBuilder::new()
            .args(["sort_lines", "in.txt", "out.txt"])
            .preopen_dir(dir.path(), "."),
    );
    let (stdout, code) = expected("sort_lines.txt");
    assert_output(&out, &stdout, code);
    let sorted = read(dir.path().join("out.txt"));
    assert_eq!(sorted, read(wasi_dir().join("expected/sorted.txt")));
    // And independently of the native run: bytewise sorted lines.
    let mut lines: Vec<&str> = read(wasi_dir().join("data/unsorted.txt"))
        .leak()
        .lines()
        .collect();
    lines.sort_unstable();
    assert_eq!(
        sorted,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>()
    );
}

#[test]
fn sort_lines_without_a_preopen_fails_cleanly() {
    let out = run(
        "sort_lines",
        WasiCtxBuilder::new().args(["sort_lines", "in.txt", "out.txt"]),
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("in.txt: "), "stderr: {}", out.stderr);
}

/// The files and directories below `root`, relative, sorted.
fn walk(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            found.push(path.strip_prefix(root).unwrap().display().to_string());
            if path.is_dir() {
                pending.push(path);
            }
        }
    }
    found.sort();
    found
}
