//! The `wasmtime` Python package 50.0.1, as Python users run it, on
//! `libegret`: installed with pip into `target/tmp`, its bundled
//! `_libwasmtime.so` (`.dylib`) replaced by a link to the `libegret`
//! built from the current sources, running `tests/python/seed.py`. Needs `python3`
//! with pip and PyPI; without them the test fails, it never skips.

mod support;

use std::path::Path;
use std::process::Command;

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// The directory the package is installed in (`pip install --target`),
/// installing it the first time.
fn installed_package(scratch: &Path) -> std::path::PathBuf {
    let site = scratch.join("python-wasmtime-50.0.1");
    if !site.join("wasmtime/_ffi.py").is_file() {
        let output = Command::new(python())
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("--target")
            .arg(&site)
            .arg("wasmtime==50.0.1")
            .output()
            .expect("running pip");
        assert!(
            output.status.success(),
            "pip could not install wasmtime 50.0.1:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    site
}

#[test]
fn the_wasmtime_python_package_runs_the_seed_on_libegret() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-api");
    std::fs::create_dir_all(&scratch).unwrap();
    let site = installed_package(&scratch);

    // The swap: the package loads `<platform>-<machine>/_libwasmtime.so`
    // (`.dylib` on macOS).
    let (platform, bundled_name) = if cfg!(target_os = "macos") {
        ("darwin", "_libwasmtime.dylib")
    } else {
        ("linux", "_libwasmtime.so")
    };
    let bundled = site
        .join("wasmtime")
        .join(format!("{platform}-{}", std::env::consts::ARCH))
        .join(bundled_name);
    let _ = std::fs::remove_file(&bundled);
    std::os::unix::fs::symlink(support::library::shared_library(), &bundled)
        .expect("linking libegret in place of the bundled library");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/seed.py");
    let output = Command::new(python())
        .arg(&script)
        .env("PYTHONPATH", &site)
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
