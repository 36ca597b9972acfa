//! Egret's own C header, `include/egret.h` (with the types of
//! `include/egret/types.h`): its prototypes are generated from the Rust
//! sources (`support/prototypes.rs`) and the checked-in file must equal
//! the generated one; compiled after Wasmtime 50's headers, every
//! prototype must agree with Wasmtime's declaration of the same function
//! (C rejects an incompatible redeclaration); and it declares every
//! function `libegret` implements, that is every export but the
//! unsupported ones. (That its types agree is the ABI check's part, and
//! that it serves alone `tests/c_programs.rs`'s `egret_h`.)
//!
//! After changing an exported function, regenerate the header with
//! `EGRET_BLESS_HEADER=1 cargo test -p egret-c-api --test header`.

mod support;

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn egret_h() -> PathBuf {
    support::headers::egret_include_dir().join("egret.h")
}

/// `include/egret.h` as generated from the Rust sources.
fn generated_header() -> String {
    let functions = support::prototypes::implemented_functions(&manifest_dir().join("src"));
    let types =
        std::fs::read_to_string(support::headers::egret_include_dir().join("egret/types.h"))
            .unwrap();
    let in_types_h = |name: &str| {
        types
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| word == name)
    };
    let opaque: BTreeSet<&String> = functions
        .values()
        .flat_map(|f| &f.pointees)
        .filter(|name| !in_types_h(name))
        .collect();

    let mut h = String::from(
        "/*\n * Egret's C API (`libegret`): the functions it implements, with \
         Wasmtime 50's\n * names and signatures. Generated from the Rust sources \
         in crates/c-api/src by\n * `EGRET_BLESS_HEADER=1 cargo test -p egret-c-api \
         --test header`; do not edit.\n * The types are in `egret/types.h`. \
         Compiled after Wasmtime's own headers,\n * define EGRET_TYPES_FROM_WASMTIME \
         first to take the types from those.\n */\n\
         #ifndef EGRET_H\n#define EGRET_H\n\n\
         #ifndef EGRET_TYPES_FROM_WASMTIME\n#include \"egret/types.h\"\n\n",
    );
    for name in opaque {
        writeln!(h, "typedef struct {name} {name};").unwrap();
    }
    h.push_str("#endif\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    for function in functions.values() {
        writeln!(h, "{}", function.declaration).unwrap();
    }
    h.push_str("\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* EGRET_H */\n");
    h
}

#[test]
fn egret_h_is_generated_from_the_rust_sources() {
    let generated = generated_header();
    if std::env::var_os("EGRET_BLESS_HEADER").is_some() {
        std::fs::write(egret_h(), &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(egret_h()).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{} differs from what the Rust sources generate; regenerate it with \
         `EGRET_BLESS_HEADER=1 cargo test -p egret-c-api --test header`",
        egret_h().display()
    );
}

#[test]
fn egret_h_agrees_with_wasmtime_50_headers() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-api");
    std::fs::create_dir_all(&scratch).unwrap();
    let source = scratch.join("egret_h_after_wasmtime.c");
    std::fs::write(
        &source,
        "#include <wasmtime.h>\n#define EGRET_TYPES_FROM_WASMTIME\n#include <egret.h>\n",
    )
    .unwrap();
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".to_string()));
    cc.args(["-std=c11", "-fsyntax-only", "-Wall", "-Werror"]);
    for dir in support::headers::include_dirs() {
        cc.arg("-I").arg(dir);
    }
    let output = cc.arg(&source).output().expect("running the C compiler");
    assert!(
        output.status.success(),
        "egret.h disagrees with Wasmtime 50's headers:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The functions a header declares (one prototype a line).
fn declared_in(header: &str) -> BTreeSet<String> {
    header
        .lines()
        .filter(|line| line.ends_with(");"))
        .filter_map(|line| {
            let before_parameters = &line[..line.find('(')?];
            let name = before_parameters.rsplit([' ', '*']).next()?;
            Some(name.to_string())
        })
        .collect()
}

/// The functions `src/unsupported.rs` exports.
fn unsupported_functions() -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest_dir().join("src/unsupported.rs")).unwrap();
    let invocation = &text[text
        .find("\nunsupported! {")
        .expect("the unsupported! invocation")..];
    invocation
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("wasm") || word.starts_with("wasi"))
        .map(str::to_string)
        .collect()
}

#[test]
fn egret_h_declares_every_implemented_export() {
    let declared = declared_in(&std::fs::read_to_string(egret_h()).unwrap());
    let unsupported = unsupported_functions();
    let exported = support::library::exported_functions();
    let implemented: BTreeSet<String> = exported.difference(&unsupported).cloned().collect();
    let undeclared: Vec<_> = implemented.difference(&declared).collect();
    let not_exported: Vec<_> = declared.difference(&implemented).collect();
    assert!(
        undeclared.is_empty() && not_exported.is_empty(),
        "egret.h lacks {undeclared:?}; it declares functions libegret does not implement: \
         {not_exported:?}"
    );
    println!(
        "egret.h declares {} functions ({} more exported as unsupported)",
        declared.len(),
        exported.len() - implemented.len()
    );
}
