//! The ABI agreement test: a C file including Wasmtime 50's headers, and
//! the same file including Egret's `egret.h` alone, `static_assert`s, for
//! every C struct, union and constant this library defines, the size,
//! alignment, field offsets and values the Rust definitions have, and the
//! system C compiler checks it. (A unit test: the library builds no rlib
//! an integration test could read.)

// `include_dirs_with` serves the symbols test only.
#[allow(dead_code)]
#[path = "../tests/support/headers.rs"]
mod headers;

use crate::config::profiling_strategy;
use crate::externs::{
    externkind, wasmtime_extern_t, wasmtime_extern_union_t, wasmtime_func_t, wasmtime_global_t,
    wasmtime_instance_t, wasmtime_memory_t, wasmtime_table_t, wasmtime_tag_t,
};
use crate::gc::{storage_kind, wasmtime_field_type_t, wasmtime_storage_type_t};
use crate::types::{externkind as wasm_externkind, valkind as wasm_valkind, wasm_limits_t};
use crate::val::{
    valkind, wasmtime_anyref_t, wasmtime_val_raw_t, wasmtime_val_t, wasmtime_valunion_t,
};
use crate::valtypes::{
    heaptype_kind, valtype_kind, wasmtime_heaptype_t, wasmtime_heaptype_union_t,
    wasmtime_reftype_t, wasmtime_valtype_t,
};
use crate::vec::*;
use std::collections::BTreeSet;
use std::fmt::Write;
use std::mem::{align_of, offset_of, size_of};
use std::process::Command;

/// Adds the size and alignment assertions of the C type `c_name`.
macro_rules! layout {
    ($out:ident, $c_name:literal, $rust:ty $(, $c_field:literal => $($field:ident).+)*) => {{
        writeln!($out, "_Static_assert(sizeof({}) == {}, \"size of {}\");", $c_name, size_of::<$rust>(), $c_name).unwrap();
        writeln!($out, "_Static_assert(_Alignof({}) == {}, \"alignment of {}\");", $c_name, align_of::<$rust>(), $c_name).unwrap();
        $(
            writeln!(
                $out,
                "_Static_assert(offsetof({}, {}) == {}, \"offset of {}.{}\");",
                $c_name, $c_field, offset_of!($rust, $($field).+), $c_name, $c_field
            ).unwrap();
        )*
    }};
}

/// Adds the assertion that the C constant `c_name` is `value`.
fn constant(out: &mut String, c_name: &str, value: u8) {
    writeln!(
        out,
        "_Static_assert({c_name} == {value}, \"value of {c_name}\");"
    )
    .unwrap();
}

/// `StackOverflow` -> `STACK_OVERFLOW`.
fn upper_snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The assertions, after `#include <header>`.
fn assertions(header: &str) -> String {
    let mut c = format!("#include <stddef.h>\n#include <{header}>\n\n");
    layout!(c, "wasm_byte_vec_t", wasm_byte_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_name_t", wasm_name_t, "size" => size, "data" => data);
    layout!(c, "wasm_valtype_vec_t", wasm_valtype_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_functype_vec_t", wasm_functype_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_globaltype_vec_t", wasm_globaltype_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_tabletype_vec_t", wasm_tabletype_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_memorytype_vec_t", wasm_memorytype_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_externtype_vec_t", wasm_externtype_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_importtype_vec_t", wasm_importtype_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_exporttype_vec_t", wasm_exporttype_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_frame_vec_t", wasm_frame_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_tagtype_vec_t", wasm_tagtype_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_val_vec_t", wasm_val_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_extern_vec_t", wasm_extern_vec_t, "size" => size, "data" => data);
    layout!(c, "wasm_val_t", wasm_val_t, "kind" => kind, "of" => of, "of.i32" => of.i32,
        "of.i64" => of.i64, "of.f32" => of.f32, "of.f64" => of.f64, "of.ref" => of.ref_);
    layout!(c, "wasm_limits_t", wasm_limits_t, "min" => min, "max" => max);
    layout!(c, "wasmtime_func_t", wasmtime_func_t, "store_id" => store_id, "__private" => __private);
    layout!(c, "wasmtime_memory_t", wasmtime_memory_t,
        "store_id" => index.store_id, "__private1" => index.__private1, "__private2" => __private2);
    layout!(c, "wasmtime_table_t", wasmtime_table_t,
        "store_id" => index.store_id, "__private1" => index.__private1, "__private2" => __private2);
    layout!(c, "wasmtime_tag_t", wasmtime_tag_t,
        "store_id" => index.store_id, "__private1" => index.__private1, "__private2" => __private2);
    layout!(c, "wasmtime_global_t", wasmtime_global_t, "store_id" => store_id,
        "__private1" => __private1, "__private2" => __private2, "__private3" => __private3);
    layout!(c, "wasmtime_instance_t", wasmtime_instance_t, "store_id" => store_id, "__private" => __private);
    layout!(c, "wasmtime_extern_union_t", wasmtime_extern_union_t, "func" => func, "global" => global,
        "table" => table, "memory" => memory, "sharedmemory" => sharedmemory, "tag" => tag);
    layout!(c, "wasmtime_extern_t", wasmtime_extern_t, "kind" => kind, "of" => of);
    for name in [
        "wasmtime_anyref_t",
        "wasmtime_externref_t",
        "wasmtime_exnref_t",
    ] {
        writeln!(
            c,
            "_Static_assert(sizeof({name}) == {}, \"size of {name}\");",
            size_of::<wasmtime_anyref_t>()
        )
        .unwrap();
        for (field, offset) in [
            ("store_id", offset_of!(wasmtime_anyref_t, store_id)),
            ("__private1", offset_of!(wasmtime_anyref_t, __private1)),
            ("__private2", offset_of!(wasmtime_anyref_t, __private2)),
            ("__private3", offset_of!(wasmtime_anyref_t, __private3)),
        ] {
            writeln!(c, "_Static_assert(offsetof({name}, {field}) == {offset}, \"offset of {name}.{field}\");").unwrap();
        }
    }
    layout!(c, "wasmtime_valunion_t", wasmtime_valunion_t, "i32" => i32, "i64" => i64, "f32" => f32,
        "f64" => f64, "anyref" => anyref, "externref" => externref, "exnref" => exnref,
        "funcref" => funcref, "v128" => v128);
    layout!(c, "wasmtime_val_t", wasmtime_val_t, "kind" => kind, "of" => of);
    layout!(c, "wasmtime_storage_type_t", wasmtime_storage_type_t, "kind" => kind,
        "valtype" => valtype);
    layout!(c, "wasmtime_field_type_t", wasmtime_field_type_t, "mutable_" => mutable_,
        "storage" => storage);
    layout!(c, "wasmtime_heaptype_union_t", wasmtime_heaptype_union_t,
        "concrete_func" => concrete_func, "concrete_array" => concrete_array,
        "concrete_struct" => concrete_struct, "concrete_exn" => concrete_exn);
    layout!(c, "wasmtime_heaptype_t", wasmtime_heaptype_t, "kind" => kind, "of" => of);
    layout!(c, "wasmtime_reftype_t", wasmtime_reftype_t, "nullable" => nullable,
        "heaptype" => heaptype);
    layout!(c, "wasmtime_valtype_t", wasmtime_valtype_t, "kind" => kind, "reftype" => reftype);
    layout!(c, "wasmtime_val_raw_t", wasmtime_val_raw_t, "i32" => i32, "i64" => i64, "f32" => f32,
        "f64" => f64, "v128" => v128, "anyref" => anyref, "externref" => externref,
        "exnref" => exnref, "funcref" => funcref);

    for (name, value) in [
        ("WASMTIME_I32", valkind::I32),
        ("WASMTIME_I64", valkind::I64),
        ("WASMTIME_F32", valkind::F32),
        ("WASMTIME_F64", valkind::F64),
        ("WASMTIME_V128", valkind::V128),
        ("WASMTIME_FUNCREF", valkind::FUNCREF),
        ("WASMTIME_EXTERNREF", valkind::EXTERNREF),
        ("WASMTIME_ANYREF", valkind::ANYREF),
        ("WASMTIME_EXNREF", valkind::EXNREF),
        ("WASM_I32", wasm_valkind::I32),
        ("WASM_I64", wasm_valkind::I64),
        ("WASM_F32", wasm_valkind::F32),
        ("WASM_F64", wasm_valkind::F64),
        ("WASM_EXTERNREF", wasm_valkind::EXTERNREF),
        ("WASM_FUNCREF", wasm_valkind::FUNCREF),
        ("WASMTIME_EXTERN_FUNC", externkind::FUNC),
        ("WASMTIME_EXTERN_GLOBAL", externkind::GLOBAL),
        ("WASMTIME_EXTERN_TABLE", externkind::TABLE),
        ("WASMTIME_EXTERN_MEMORY", externkind::MEMORY),
        ("WASMTIME_EXTERN_SHAREDMEMORY", externkind::SHAREDMEMORY),
        ("WASMTIME_EXTERN_TAG", externkind::TAG),
        ("WASM_EXTERN_FUNC", wasm_externkind::FUNC),
        ("WASM_EXTERN_GLOBAL", wasm_externkind::GLOBAL),
        ("WASM_EXTERN_TABLE", wasm_externkind::TABLE),
        ("WASM_EXTERN_MEMORY", wasm_externkind::MEMORY),
        ("WASM_EXTERN_TAG", wasm_externkind::TAG),
        ("WASMTIME_STORAGE_TYPE_KIND_I8", storage_kind::I8),
        ("WASMTIME_HEAPTYPE_KIND_EXTERN", heaptype_kind::EXTERN),
        ("WASMTIME_HEAPTYPE_KIND_NOEXTERN", heaptype_kind::NOEXTERN),
        ("WASMTIME_HEAPTYPE_KIND_FUNC", heaptype_kind::FUNC),
        (
            "WASMTIME_HEAPTYPE_KIND_CONCRETE_FUNC",
            heaptype_kind::CONCRETE_FUNC,
        ),
        ("WASMTIME_HEAPTYPE_KIND_NOFUNC", heaptype_kind::NOFUNC),
        ("WASMTIME_HEAPTYPE_KIND_ANY", heaptype_kind::ANY),
        ("WASMTIME_HEAPTYPE_KIND_NONE", heaptype_kind::NONE),
        ("WASMTIME_HEAPTYPE_KIND_EQ", heaptype_kind::EQ),
        ("WASMTIME_HEAPTYPE_KIND_I31", heaptype_kind::I31),
        ("WASMTIME_HEAPTYPE_KIND_ARRAY", heaptype_kind::ARRAY),
        (
            "WASMTIME_HEAPTYPE_KIND_CONCRETE_ARRAY",
            heaptype_kind::CONCRETE_ARRAY,
        ),
        ("WASMTIME_HEAPTYPE_KIND_STRUCT", heaptype_kind::STRUCT),
        (
            "WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT",
            heaptype_kind::CONCRETE_STRUCT,
        ),
        ("WASMTIME_HEAPTYPE_KIND_EXN", heaptype_kind::EXN),
        (
            "WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN",
            heaptype_kind::CONCRETE_EXN,
        ),
        ("WASMTIME_HEAPTYPE_KIND_NOEXN", heaptype_kind::NOEXN),
        ("WASMTIME_PROFILING_STRATEGY_NONE", profiling_strategy::NONE),
        (
            "WASMTIME_PROFILING_STRATEGY_JITDUMP",
            profiling_strategy::JITDUMP,
        ),
        (
            "WASMTIME_PROFILING_STRATEGY_VTUNE",
            profiling_strategy::VTUNE,
        ),
        (
            "WASMTIME_PROFILING_STRATEGY_PERFMAP",
            profiling_strategy::PERFMAP,
        ),
        ("WASMTIME_STORAGE_TYPE_KIND_I16", storage_kind::I16),
        ("WASMTIME_STORAGE_TYPE_KIND_VALTYPE", storage_kind::VALTYPE),
        ("WASMTIME_VALTYPE_KIND_I32", valtype_kind::I32),
        ("WASMTIME_VALTYPE_KIND_I64", valtype_kind::I64),
        ("WASMTIME_VALTYPE_KIND_F32", valtype_kind::F32),
        ("WASMTIME_VALTYPE_KIND_F64", valtype_kind::F64),
        ("WASMTIME_VALTYPE_KIND_V128", valtype_kind::V128),
        ("WASMTIME_VALTYPE_KIND_REF", valtype_kind::REF),
    ] {
        constant(&mut c, name, value);
    }
    for (code, trap) in crate::trap::TRAP_CODES {
        constant(
            &mut c,
            &format!("WASMTIME_TRAP_CODE_{}", upper_snake(&format!("{trap:?}"))),
            *code,
        );
    }
    c
}

/// Compiles the assertions against `header` found in `include_dirs`;
/// the C compiler's complaints if they fail.
fn check_assertions(header: &str, include_dirs: &[std::path::PathBuf]) -> Result<(), String> {
    let scratch = std::env::temp_dir().join(format!(
        "egret-c-api-abi-{}-{}",
        std::process::id(),
        header.replace(['.', '/'], "_")
    ));
    std::fs::create_dir_all(&scratch).unwrap();
    let source = scratch.join("abi.c");
    std::fs::write(&source, assertions(header)).unwrap();
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".to_string()));
    cc.args(["-std=c11", "-fsyntax-only", "-Wall", "-Werror"]);
    for dir in include_dirs {
        cc.arg("-I").arg(dir);
    }
    let output = cc.arg(&source).output().expect("running the C compiler");
    let _ = std::fs::remove_dir_all(&scratch);
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn layouts_and_constants_agree_with_wasmtime_50_headers() {
    if let Err(complaints) = check_assertions("wasmtime.h", &headers::include_dirs()) {
        panic!("the Rust layouts disagree with Wasmtime 50's headers:\n{complaints}");
    }
}

/// Egret's own header alone (no Wasmtime header on the include path).
#[test]
fn layouts_and_constants_agree_with_egret_h() {
    if let Err(complaints) = check_assertions("egret.h", &[headers::egret_include_dir()]) {
        panic!("the Rust layouts disagree with include/egret/types.h:\n{complaints}");
    }
}

/// The `WASMTIME_FEATURE_*` names a `conf.h` (or `conf.h.in`) declares
/// with `directive` (`#define`, `#cmakedefine`).
fn features_declared(text: &str, directive: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix(directive))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter(|name| name.starts_with("WASMTIME_FEATURE_"))
        .map(str::to_string)
        .collect()
}

#[test]
fn egret_conf_h_declares_wasmtime_features_libegret_needs() {
    let read = |path: std::path::PathBuf| {
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let theirs = read(headers::wasmtime_include_dir().join("wasmtime/conf.h.in"));
    let ours = read(headers::egret_include_dir().join("wasmtime/conf.h"));
    let known: BTreeSet<String> = features_declared(&theirs, "#cmakedefine ")
        .union(&features_declared(&theirs, "#define "))
        .cloned()
        .collect();
    let declared = features_declared(&ours, "#define ");
    let unknown: Vec<_> = declared.difference(&known).collect();
    assert!(
        unknown.is_empty(),
        "features Wasmtime 50 does not have: {unknown:?}"
    );
    // The ABI (`wasmtime_val_t`'s size) and the tests (`wasmtime_wat2wasm`,
    // WASI) depend on these.
    for needed in ["GC", "WAT", "WASI", "COMPILER"] {
        assert!(
            declared.contains(&format!("WASMTIME_FEATURE_{needed}")),
            "Egret's conf.h does not declare WASMTIME_FEATURE_{needed}"
        );
    }
}
