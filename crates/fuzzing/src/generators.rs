//! Test-case generators: wasm-smith configured for what Egret supports
//! by default (WebAssembly 2.0, extended constant expressions, tail calls
//! and wide arithmetic) with bounded sizes, "swarm" choices of features and instruction kinds per
//! case, and bounded execution.

use arbitrary::{Result, Unstructured};
use wasm_smith::{Config, InstructionKind, InstructionKinds, Module};

/// The fuel wasm-smith's `ensure_termination` gives each instance: one
/// unit per function entry and loop iteration, bulk operations one per
/// element. An instance that runs out traps with `unreachable` in every
/// engine alike (the counter is a wasm global, not engine fuel, so it
/// works on any engine and counts the same on both).
pub const FUEL: u32 = 2_000;

/// The largest memory (initial and maximum) a module declares: 16 pages.
/// Every memory must declare a maximum, so `memory.grow` fails or
/// succeeds deterministically (the spec lets an unbounded grow fail at
/// any time) and final memories stay cheap to compare.
pub const MAX_MEMORY_BYTES: u64 = 16 * 65536;

/// A configuration of Egret's default features whose sizes and features
/// are chosen from `u` (swarm testing: each case leaves out different
/// things, which makes the remaining ones deeper).
pub fn config(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut config = Config {
        // WebAssembly 2.0 and, of what came after it, only extended
        // constant expressions, tail calls and wide arithmetic (below).
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        memory64_enabled: false,
        relaxed_simd_enabled: false,
        custom_page_sizes_enabled: false,
        custom_descriptors_enabled: false,
        compact_imports_enabled: false,
        multibyte_array_access_enabled: false,
        acquire_release_atomics_enabled: false,
        max_memories: 1,
        // Swarm choices among those.
        simd_enabled: u.ratio(3, 4)?,
        bulk_memory_enabled: u.ratio(7, 8)?,
        reference_types_enabled: u.ratio(7, 8)?,
        multi_value_enabled: u.ratio(7, 8)?,
        sign_extension_ops_enabled: u.ratio(7, 8)?,
        saturating_float_to_int_enabled: u.ratio(7, 8)?,
        extended_const_enabled: u.ratio(1, 2)?,
        tail_call_enabled: u.ratio(1, 2)?,
        wide_arithmetic_enabled: u.ratio(1, 2)?,
        allow_floats: u.ratio(7, 8)?,
        disallow_traps: u.ratio(1, 4)?,
        // Bounded sizes.
        max_types: u.int_in_range(1..=20)?,
        min_funcs: u.int_in_range(1..=6)?,
        // Imported functions count too: leave room for `min_funcs` after them.
        max_funcs: u.int_in_range(12..=24)?,
        max_instructions: u.int_in_range(1..=250)?,
        max_imports: u.int_in_range(0..=6)?,
        max_globals: u.int_in_range(0..=12)?,
        max_exports: 40,
        max_tables: u.int_in_range(0..=3)?,
        max_table_elements: 100,
        table_max_size_required: true,
        max_memory32_bytes: MAX_MEMORY_BYTES,
        memory_max_size_required: true,
        max_data_segments: 8,
        max_element_segments: 8,
        max_elements: 20,
        ..Config::default()
    };
    if u.ratio(1, 2)? {
        let kinds = [
            InstructionKind::Numeric,
            InstructionKind::Vector,
            InstructionKind::Reference,
            InstructionKind::Parametric,
            InstructionKind::Variable,
            InstructionKind::Table,
            InstructionKind::Memory,
            InstructionKind::Control,
        ];
        let mut allowed = Vec::new();
        for kind in kinds {
            if u.ratio(3, 4)? {
                allowed.push(kind);
            }
        }
        config.allowed_instructions = InstructionKinds::new(&allowed);
    }
    Ok(config)
}

/// The features every generated module is validated against (Egret's
/// default: WebAssembly 2.0, extended constant expressions, tail calls and
/// wide arithmetic).
pub fn features() -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    F::WASM2
        .union(F::EXTENDED_CONST)
        .union(F::TAIL_CALL)
        .union(F::WIDE_ARITHMETIC)
}

fn bounded(config: Config, u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut module = Module::new(config, u)?;
    module
        .ensure_termination(FUEL)
        .expect("generated function bodies can be instrumented");
    Ok(module.to_bytes())
}

/// A module for differential execution: everything exported (so final
/// memories, globals and tables can be compared) and NaNs canonicalised
/// after every float operation, so float results are deterministic and
/// memories can be compared byte for byte (see `docs/fuzzing.md`).
pub fn differential_module(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut config = config(u)?;
    config.export_everything = true;
    config.canonicalize_nans = true;
    bounded(config, u)
}

/// A module for the instantiate-and-run oracle: like the differential one
/// but NaNs are left alone and exports are chosen by wasm-smith.
pub fn instantiate_module(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut config = config(u)?;
    config.export_everything = u.ratio(1, 2)?;
    config.min_exports = 1;
    bounded(config, u)
}

/// An input for the compile oracle: raw bytes behind a valid header, a
/// valid wasm-smith module, one with a few bytes overwritten, or one whose
/// function bodies are raw bytes (wasm-smith's `allow_invalid_funcs`).
pub fn compile_input(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    match u.int_in_range(0..=3)? {
        0 => {
            let mut bytes = b"\0asm\x01\0\0\0".to_vec();
            bytes.extend_from_slice(u.bytes(u.len())?);
            Ok(bytes)
        }
        choice => {
            let mut config = config(u)?;
            config.allow_invalid_funcs = choice == 3;
            config.generate_custom_sections = u.ratio(1, 4)?;
            let mut bytes = Module::new(config, u)?.to_bytes();
            if choice == 2 {
                for _ in 0..u.int_in_range(1..=4)? {
                    let at = u.choose_index(bytes.len())?;
                    bytes[at] = u.arbitrary()?;
                }
            }
            Ok(bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use wasmparser::Operator;

    #[test]
    fn generated_modules_use_only_the_default_features() {
        let mut validator = wasmparser::Validator::new_with_features(features());
        let (mut generated, mut extended, mut tail_calls, mut wide) = (0, 0, 0, 0);
        for case in 0..300 {
            let data = Rng::for_case(1, case).input_bytes();
            let Ok(wasm) = differential_module(&mut Unstructured::new(&data)) else {
                continue;
            };
            generated += 1;
            validator.reset();
            validator
                .validate_all(&wasm)
                .unwrap_or_else(|e| panic!("case {case}: {e}"));
            extended += usize::from(has_extended_global_init(&wasm));
            tail_calls += usize::from(has_operator(&wasm, |op| {
                matches!(
                    op,
                    Operator::ReturnCall { .. } | Operator::ReturnCallIndirect { .. }
                )
            }));
            wide += usize::from(has_operator(&wasm, |op| {
                matches!(
                    op,
                    Operator::I64Add128
                        | Operator::I64Sub128
                        | Operator::I64MulWideS
                        | Operator::I64MulWideU
                )
            }));
        }
        assert!(
            generated >= 270,
            "only {generated} of 300 cases made a module"
        );
        // The runtime's constant-expression arithmetic gets exercised.
        assert!(extended >= 5, "only {extended} modules use extended-const");
        // So do tail calls and wide arithmetic.
        assert!(tail_calls >= 5, "only {tail_calls} modules make tail calls");
        assert!(wide >= 5, "only {wide} modules use wide arithmetic");
    }

    /// Whether a function body of `wasm` has an operator `pick` accepts.
    fn has_operator(wasm: &[u8], pick: impl Fn(&Operator<'_>) -> bool) -> bool {
        use wasmparser::{Parser, Payload};
        Parser::new(0).parse_all(wasm).any(|payload| {
            let Ok(Payload::CodeSectionEntry(body)) = payload else {
                return false;
            };
            let mut ops = body.get_operators_reader().unwrap();
            std::iter::from_fn(|| ops.read().ok()).any(|op| pick(&op))
        })
    }

    /// Whether a global initialiser of `wasm` is an extended constant
    /// expression (does arithmetic).
    fn has_extended_global_init(wasm: &[u8]) -> bool {
        use wasmparser::{Operator, Parser, Payload};
        Parser::new(0).parse_all(wasm).any(|payload| {
            let Ok(Payload::GlobalSection(globals)) = payload else {
                return false;
            };
            globals.into_iter().any(|global| {
                let global = global.unwrap();
                let mut ops = global.init_expr.get_operators_reader();
                std::iter::from_fn(|| ops.read().ok()).any(|op| {
                    matches!(
                        op,
                        Operator::I32Add
                            | Operator::I32Sub
                            | Operator::I32Mul
                            | Operator::I64Add
                            | Operator::I64Sub
                            | Operator::I64Mul
                    )
                })
            })
        })
    }
}
