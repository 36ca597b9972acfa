//! The "perf map" of generated code: `/tmp/perf-PID.map`, a text file in
//! which Linux `perf` looks up the names of code it finds no symbols for.
//! Each line is one function or trampoline: its start address and size in
//! hexadecimal, then its name. Engines configured with
//! `RuntimeConfig::perf_map` append the code of every module and
//! standalone trampoline they load, so that `perf report` names the wasm
//! functions a profile spends its time in.
//!
//! The file lists code that has since been freed too (perf reads it after
//! the process ends, and addresses may be reused); a failure to write it is
//! ignored, since a missing profile name must not fail the program.

use egret_frontend::code::{CodeKind, CodeMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::sync::{Mutex, OnceLock};

/// The process's perf map, opened on first use (`None` if it cannot be).
fn perf_map_file() -> &'static Mutex<Option<File>> {
    static FILE: OnceLock<Mutex<Option<File>>> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = format!("/tmp/perf-{}.map", std::process::id());
        let file = File::options().create(true).append(true).open(path).ok();
        Mutex::new(file)
    })
}

/// The perf map's lines for `map`'s code: the function's name from the
/// name section (after the module's name, if it has one) or its index.
fn lines(map: &CodeMap) -> String {
    let mut lines = String::new();
    for range in map.ranges() {
        let _ = write!(lines, "{:x} {:x} ", range.start, range.end - range.start);
        if let Some(module) = map.module_name() {
            push_name(&mut lines, module);
            lines.push_str("::");
        }
        match range.kind {
            CodeKind::Function(func) => match map.func_name(func) {
                Some(name) => push_name(&mut lines, name),
                None => {
                    let _ = write!(lines, "wasm-function[{}]", func.0);
                }
            },
            CodeKind::Trampoline => lines.push_str("trampoline"),
        }
        lines.push('\n');
    }
    lines
}

/// Appends a name from the module, its control characters (a line break
/// would start a line of its own) replaced by `?`.
fn push_name(lines: &mut String, name: &str) {
    lines.extend(name.chars().map(|c| if c.is_control() { '?' } else { c }));
}

/// Appends `map`'s code to the process's perf map.
pub fn record(map: &CodeMap) {
    let lines = lines(map);
    let mut file = perf_map_file()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(file) = file.as_mut() {
        let _ = file.write_all(lines.as_bytes());
    }
}
