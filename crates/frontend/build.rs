//! Identifies the source this build of Egret's code generation comes from:
//! a hash of every file of this crate's `src/` and, in the workspace, of
//! the runtime's `src/` (the other side of the contract generated code
//! relies on: vmctx layout, builtins, trampolines). Artifacts record it
//! with Egret's version (`artifact::EGRET_BUILD`), so code from another
//! revision with the same version number is refused rather than run.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut files = Vec::new();
    for dir in [manifest.join("src"), manifest.join("../runtime/src")] {
        if dir.is_dir() {
            println!("cargo:rerun-if-changed={}", dir.display());
            collect(&dir, &mut files);
        }
    }
    files.sort();
    // `DefaultHasher::new` uses fixed keys: the same files give the same
    // hash on every machine built with the same toolchain.
    let mut hasher = DefaultHasher::new();
    for file in &files {
        let relative = file.strip_prefix(&manifest).unwrap_or(file);
        hasher.write(relative.to_string_lossy().as_bytes());
        hasher.write(&std::fs::read(file).expect("source files are readable"));
    }
    println!("cargo:rustc-env=EGRET_SOURCE_HASH={:016x}", hasher.finish());
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("source directories are readable");
    for entry in entries {
        let path = entry.expect("source directories are readable").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}
