//! Wasmtime 50's C headers for the tests, fetched by cargo (never copied
//! into the repository): `cargo metadata` on `tests/wasmtime-headers`
//! downloads `wasmtime-c-api-impl` 50.0.1 and says where its source is.
//! Its `include/` lacks `wasmtime/conf.h` (CMake writes it): Egret's own,
//! in `crates/c-api/include`, declares the features `libegret` is built
//! with; the symbols test writes one declaring every feature. A failure to
//! fetch is a test failure, never a skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `crates/c-api/include`: Egret's own headers (`egret.h`, `egret/types.h`,
/// and its `wasmtime/conf.h` for Wasmtime's headers).
pub fn egret_include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// The include directories to compile against Wasmtime's headers as
/// `libegret`'s users do: theirs, then Egret's.
pub fn include_dirs() -> [PathBuf; 2] {
    [wasmtime_include_dir(), egret_include_dir()]
}

/// The include directories for a `wasmtime/conf.h` (written under
/// `scratch/name`) declaring `features`.
pub fn include_dirs_with(scratch: &Path, name: &str, features: &[&str]) -> [PathBuf; 2] {
    let theirs = wasmtime_include_dir();
    let ours = scratch.join(name);
    std::fs::create_dir_all(ours.join("wasmtime")).expect("creating the conf.h directory");
    let mut conf = String::from("#ifndef WASMTIME_CONF_H\n#define WASMTIME_CONF_H\n");
    for feature in features {
        conf.push_str(&format!("#define WASMTIME_FEATURE_{feature}\n"));
    }
    conf.push_str("#define WASMTIME_FEATURE_COMPILER\n#endif\n");
    std::fs::write(ours.join("wasmtime/conf.h"), conf).expect("writing conf.h");
    [theirs, ours]
}

/// `include/` of `wasmtime-c-api-impl` 50.0.1 in cargo's registry.
pub fn wasmtime_include_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(fetch_wasmtime_include_dir).clone()
}

fn fetch_wasmtime_include_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasmtime-headers/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("running cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata could not fetch wasmtime-c-api-impl 50.0.1:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let package = metadata["packages"]
        .as_array()
        .expect("a package list")
        .iter()
        .find(|p| p["name"] == "wasmtime-c-api-impl" && p["version"] == "50.0.1")
        .expect("wasmtime-c-api-impl 50.0.1 among the packages");
    let manifest_path = Path::new(package["manifest_path"].as_str().expect("a manifest path"));
    let include = manifest_path
        .parent()
        .expect("the package directory")
        .join("include");
    assert!(
        include.join("wasmtime.h").is_file(),
        "no wasmtime.h in {}",
        include.display()
    );
    include
}
