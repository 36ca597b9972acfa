// The body of both packages' `same_output` test (included by
// on-wasmtime/same_output.rs and on-egret/same_output.rs): runs each
// program of the corpus and compares what it prints with
// tests/compat/expected/PROGRAM.stdout. The Wasmtime side passing shows
// the programs and their expected outputs are right; the Egret side
// passing shows Egret runs them the same.
//
// `EGRET_COMPAT_BLESS=1 cargo test -p egret-compat-on-wasmtime` rewrites
// the expected outputs from Wasmtime's runs.

use std::path::Path;
use std::process::Command;

/// Runs `binary` and compares its standard output with the expected
/// output of `program`; on the reference side (Wasmtime) with
/// `EGRET_COMPAT_BLESS` set, records it instead.
fn check_program(program: &str, binary: &str, reference: bool) {
    let output = Command::new(binary)
        .output()
        .unwrap_or_else(|e| panic!("running {binary}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{program} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let expected_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../expected")
        .join(format!("{program}.stdout"));
    if reference && std::env::var_os("EGRET_COMPAT_BLESS").is_some() {
        std::fs::write(&expected_path, stdout.as_bytes())
            .unwrap_or_else(|e| panic!("writing {}: {e}", expected_path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", expected_path.display()));
    if stdout != expected {
        let first_difference = stdout
            .lines()
            .zip(expected.lines())
            .position(|(got, want)| got != want)
            .unwrap_or_else(|| stdout.lines().count().min(expected.lines().count()));
        panic!(
            "{program} printed other output than {} (first difference at line {}):\n\
             --- expected\n{expected}\n--- got\n{stdout}",
            expected_path.display(),
            first_difference + 1
        );
    }
}

/// One test per program of the corpus, running the package's binary of
/// that name plus `$suffix`; `$reference` says whether this is the
/// Wasmtime side, which may record the expected outputs.
macro_rules! same_output_tests {
    ($suffix:literal, $reference:literal) => {
        same_output_tests!(@each $suffix, $reference;
            instance_basics, isolated_state, store_association, shared_store, error_handling,
            errors, linker, types_and_memory, functions, limits_and_config, globals_and_tables,
            call_hooks, refs_and_types);
    };
    (@each $suffix:literal, $reference:literal; $($program:ident),*) => {
        $(
            #[test]
            fn $program() {
                check_program(
                    stringify!($program),
                    env!(concat!("CARGO_BIN_EXE_", stringify!($program), $suffix)),
                    $reference,
                );
            }
        )*
    };
}
