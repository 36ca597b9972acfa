//! The "perf map" of generated code: `/tmp/perf-PID.map`, a text file in
//! which Linux `perf` looks up the names of code it finds no symbols for.
//! Each line is one function or trampoline: its start address and size in
//! hexadecimal, then its name. Engines configured with
//! `RuntimeConfig::perf_map` append the code of every module and
//! standalone trampoline they load, so that `perf report` names the wasm
//! functions a profile spends its time in.
//!
//! The file is created afresh (emptied) when the process first loads code
//! for such an engine, so that lines left by an earlier process with the
//! same PID do not name this one's code. It lists code that has since been
//! freed too (perf reads it after the process ends, and addresses may be
//! reused). A failure to create or write it is ignored: a missing profile
//! name must not fail the program.

use crate::engine::lock;
use egret_frontend::code::{CodeKind, CodeMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::sync::{Mutex, OnceLock};

/// The process's perf map, created on first use (`None` if it cannot be).
fn perf_map_file() -> &'static Mutex<Option<File>> {
    static FILE: OnceLock<Mutex<Option<File>>> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = format!("/tmp/perf-{}.map", std::process::id());
        Mutex::new(File::create(path).ok())
    })
}

/// The perf map's lines for `map`'s code: the function's name from the
/// name section (after the module's name, if it has one) or its index.
fn map_lines(map: &CodeMap) -> String {
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
    let text = map_lines(map);
    if text.is_empty() {
        return;
    }
    if let Some(file) = lock(perf_map_file()).as_mut() {
        let _ = file.write_all(text.as_bytes());
    }
}
