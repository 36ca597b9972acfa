//! The `wasmtime` Python package 50.0.1, as Python users run it, on
//! `libegret`: installed with pip into a virtual environment in
//! `target/tmp`, its bundled `_libwasmtime.so` (`.dylib`) replaced by a
//! link to the `libegret` built from the current sources, running
//! `tests/c-api/python/seed.py` (at the repository root). Needs `python3` with `venv` and PyPI; without
//! them the test fails, it never skips.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `command`, failing with its error output if it fails.
fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The installed `wasmtime` package's directory, if there is one (found
/// without importing it, which would load its library).
fn package_dir(python: &Path) -> Option<PathBuf> {
    let output = Command::new(python)
        .args([
            "-c",
            "import importlib.util; print(importlib.util.find_spec('wasmtime').submodule_search_locations[0])",
        ])
        .output()
        .expect("running the virtual environment's Python");
    output
        .status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

/// A virtual environment with the package (a venv, so that a Python whose
/// own packages are managed by the system still installs), made the
/// first time; returns its Python and the package's directory.
fn installed_package(scratch: &Path) -> (PathBuf, PathBuf) {
    let venv = scratch.join("python-wasmtime-50.0.1");
    let python = venv.join("bin/python");
    if !python.is_file() {
        let system_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
        run(
            Command::new(system_python).args(["-m", "venv"]).arg(&venv),
            "creating a Python virtual environment",
        );
    }
    if package_dir(&python).is_none() {
        run(
            Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "wasmtime==50.0.1",
            ]),
            "pip install wasmtime==50.0.1",
        );
    }
    let package = package_dir(&python).expect("the wasmtime package, once installed");
    (python, package)
}

#[test]
fn the_wasmtime_python_package_runs_the_seed_on_libegret() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-api");
    std::fs::create_dir_all(&scratch).unwrap();
    let (python, package) = installed_package(&scratch);

    // The swap: the package loads `<platform>-<machine>/_libwasmtime.so`
    // (`.dylib` on macOS).
    let (platform, bundled_name) = if cfg!(target_os = "macos") {
        ("darwin", "_libwasmtime.dylib")
    } else {
        ("linux", "_libwasmtime.so")
    };
    let bundled = package
        .join(format!("{platform}-{}", std::env::consts::ARCH))
        .join(bundled_name);
    let _ = std::fs::remove_file(&bundled);
    std::os::unix::fs::symlink(support::library::shared_library(), &bundled)
        .expect("linking libegret in place of the bundled library");

    let script = support::c_api_tests_dir().join("python/seed.py");
    let output = Command::new(&python)
        .arg(&script)
        .output()
        .expect("running python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "seed.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "create instances: ok",
            "isolated state: ok",
            "store association: ok",
            "shared store: ok",
            "error handling: ok",
        ]
    );
}
