//! The host process's own stdio, inherited by a guest: this test binary
//! runs itself as a child whose stdin, stdout and stderr are pipes, and
//! the child runs `cat` with `inherit_stdio()`, so the guest reads (and
//! polls) the real fd 0 and writes the real fds 1 and 2.

mod common;

use egret_wasi::WasiCtxBuilder;
use std::io::Write;
use std::process::{Command, Stdio};

const CHILD: &str = "EGRET_WASI_INHERIT_CHILD";

#[test]
fn inherited_stdio_child() {
    if std::env::var_os(CHILD).is_none() {
        return; // Only runs as the child of the test below.
    }
    let ctx = WasiCtxBuilder::new().inherit_stdio().build().unwrap();
    assert_eq!(common::exit_status("cat", ctx), 0);
}

#[test]
fn a_guest_uses_the_hosts_stdin_stdout_and_stderr() {
    let input: String = (0..2000).map(|i| format!("inherited line {i}\n")).collect();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "inherited_stdio_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = {
        let input = input.clone();
        std::thread::spawn(move || stdin.write_all(input.as_bytes()))
    };
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // The test harness prints its own lines around the guest's output.
    assert!(stdout.contains(&input), "the guest's stdout is the input");
    let counts = format!("{} bytes, 2000 lines\n", input.len());
    assert!(stderr.contains(&counts), "stderr: {stderr}");
}
