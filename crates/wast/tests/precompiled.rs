//! The spec suites through precompiled modules: every module of every
//! suite `spec.rs` runs is compiled by one engine, serialized, loaded with
//! `Module::deserialize` into a fresh engine of the same configuration,
//! and the file's assertions run against the loaded modules
//! (`WastRunner::precompiled`). Each file must fail exactly the assertions
//! it fails when compiled directly (`suites::FAILING`).

mod suites;

use suites::Suite;

/// Runs every file of `suite` in precompiled mode; fails with every
/// file's problem.
fn run_precompiled(suite: Suite) {
    let runner = egret_wast::WastRunner::precompiled(suite.config())
        .expect("the spec-test engines can be created");
    let files = suite.files();
    let problems: Vec<String> = files
        .iter()
        .map(|test| {
            let name = format!("{}/{}", test.parent(), test.name());
            suite.check(test.name(), &runner.run_str(&name, test.raw()))
        })
        .filter_map(Result::err)
        .collect();
    assert!(!files.is_empty());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn v1_through_artifacts() {
    run_precompiled(Suite::V1);
}

#[test]
fn v2_through_artifacts() {
    run_precompiled(Suite::V2);
}

#[test]
fn simd_through_artifacts() {
    run_precompiled(Suite::Simd);
}

#[test]
fn multi_memory_through_artifacts() {
    run_precompiled(Suite::MultiMemory);
}

#[test]
fn extended_const_through_artifacts() {
    run_precompiled(Suite::ExtendedConst);
}

#[test]
fn v3_through_artifacts() {
    run_precompiled(Suite::V3);
}

#[test]
fn function_references_through_artifacts() {
    run_precompiled(Suite::FunctionReferences);
}

#[test]
fn tail_call_through_artifacts() {
    run_precompiled(Suite::TailCall);
}

#[test]
fn memory64_through_artifacts() {
    run_precompiled(Suite::Memory64);
}

#[test]
fn relaxed_simd_through_artifacts() {
    run_precompiled(Suite::RelaxedSimd);
}

#[test]
fn wide_arithmetic_through_artifacts() {
    run_precompiled(Suite::WideArithmetic);
}

#[test]
fn custom_page_sizes_through_artifacts() {
    run_precompiled(Suite::CustomPageSizes);
}
