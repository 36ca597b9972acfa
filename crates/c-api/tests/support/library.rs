//! The shared `libegret` the tests link against, built from the current
//! sources.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The shared library's file name on this platform.
pub const SHARED_LIBRARY: &str = if cfg!(target_os = "macos") {
    "libegret.dylib"
} else {
    "libegret.so"
};

/// `target/<profile>` holding a shared `libegret` built from the current
/// sources. Cargo does not build a library of only `cdylib` and
/// `staticlib` for integration tests (they cannot link it), so this runs
/// `cargo build` for it, into the directory this test runs from
/// (`target/<profile>/deps`).
///
/// The build selects every library of the workspace, in the profile the
/// tests were built with, so that dependencies get the features `cargo
/// test --workspace` unified and the build reuses what that test build
/// compiled. `-p egret-c-api` alone would resolve other features (the
/// Cranelift that Wasmtime's peer shares, for one) and compile Cranelift
/// and everything above it again: five minutes on a two-core machine.
pub fn library_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("the test executable's path");
            let dir = exe
                .parent()
                .and_then(Path::parent)
                .expect("target/<profile>");
            let target = dir.parent().expect("the target directory");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
            let mut build = Command::new(cargo);
            build
                .args(["build", "--workspace", "--lib", "--target-dir"])
                .arg(target)
                .current_dir(env!("CARGO_MANIFEST_DIR"));
            if dir.file_name().is_some_and(|name| name == "release") {
                build.arg("--release");
            } else {
                build.args(["--profile", "test"]);
            }
            let output = build.output().expect("running cargo build");
            assert!(
                output.status.success(),
                "building libegret failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                dir.join(SHARED_LIBRARY).is_file(),
                "no {SHARED_LIBRARY} in {}",
                dir.display()
            );
            dir.to_path_buf()
        })
        .clone()
}

/// The shared library's path.
pub fn shared_library() -> PathBuf {
    library_dir().join(SHARED_LIBRARY)
}

/// The C API functions the shared `libegret` exports.
pub fn exported_functions() -> BTreeSet<String> {
    let lib = shared_library();
    // macOS lists external symbols with `-gU` and a leading underscore.
    let (args, prefix): (&[&str], &str) = if cfg!(target_os = "macos") {
        (&["-gU"], "_")
    } else {
        (&["-D", "--defined-only"], "")
    };
    let output = Command::new("nm")
        .args(args)
        .arg(&lib)
        .output()
        .expect("running nm");
    assert!(output.status.success(), "nm failed on {}", lib.display());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [_, "T", name] => name.strip_prefix(prefix).map(str::to_string),
                _ => None,
            },
        )
        .filter(|name| name.starts_with("wasm") || name.starts_with("wasi"))
        .collect()
}
