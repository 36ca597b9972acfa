//! Test-case generators: wasm-smith configured for each oracle's set of
//! features (Egret's defaults, what wasmi runs, what Egret and Wasmtime
//! share) with bounded sizes, "swarm" choices of features and
//! instruction kinds per case, and bounded execution.

use arbitrary::{Result, Unstructured};
use wasm_smith::{Config, InstructionKind, InstructionKinds, Module};
use wasmparser::WasmFeatures;

/// The fuel wasm-smith's `ensure_termination` gives each instance: one
/// unit per function entry and loop iteration, bulk operations one per
/// element. An instance that runs out traps with `unreachable` in every
/// engine alike (the counter is a wasm global, not engine fuel, so it
/// works on any engine and counts the same on both).
pub const FUEL: u32 = 2_000;

/// The largest memory (initial and maximum) a module declares, in bytes:
/// 16 pages of 64 KiB, for 32- and 64-bit memories and memories of
/// one-byte pages alike. Every memory must declare a
/// maximum, so `memory.grow` fails or succeeds deterministically (the
/// spec lets an unbounded grow fail at any time) and final memories stay
/// cheap to compare.
pub const MAX_MEMORY_BYTES: u64 = 16 * 65536;

/// The most tags (imported and defined) a module has; wasm-smith's
/// default is 100, and a few tell as much.
pub const MAX_TAGS: usize = 8;

/// The features of modules compared with wasmi 2: WebAssembly 2.0,
/// extended constant expressions, tail calls and wide arithmetic.
pub fn wasmi_features() -> WasmFeatures {
    use WasmFeatures as F;
    F::WASM2
        .union(F::EXTENDED_CONST)
        .union(F::TAIL_CALL)
        .union(F::WIDE_ARITHMETIC)
}

/// Egret's default features (`egret::Config::new`, as Wasmtime 48's
/// defaults), which the compile and instantiate oracles use:
/// [`wasmi_features`] plus typed function references, memory64 and
/// table64, multi-memory, relaxed SIMD, exception handling and GC. A test
/// (`tests/oracles.rs`) checks it against Egret.
pub fn features() -> WasmFeatures {
    use WasmFeatures as F;
    wasmi_features()
        .union(F::FUNCTION_REFERENCES)
        .union(F::MEMORY64)
        .union(F::MULTI_MEMORY)
        .union(F::RELAXED_SIMD)
        .union(F::EXCEPTIONS)
        .union(F::GC)
}

/// The features of modules compared with Wasmtime 48: Egret's defaults
/// ([`features`]) plus custom page sizes, which both runtimes have behind
/// a switch.
pub fn wasmtime_features() -> WasmFeatures {
    features().union(WasmFeatures::CUSTOM_PAGE_SIZES)
}

/// Whether a module of `config` keeps wasm-smith's GC as it is: it was
/// generated with GC and with struct and array instructions, which
/// [`config`] allows only when its features have GC. Other modules
/// generated with GC stand in for typed function references and are
/// lowered to them ([`crate::typed_refs::lower_gc`]).
fn keeps_gc(config: &Config) -> bool {
    config.gc_enabled
        && config
            .allowed_instructions
            .contains(InstructionKind::Aggregate)
}

/// A wasm-smith configuration using at most the features in `allowed`,
/// with sizes and features chosen from `u` (swarm testing: each case
/// leaves out different things, which makes the remaining ones deeper).
///
/// wasm-smith has no switch for typed function references alone: they
/// come with its `gc_enabled`, which also generates struct and array
/// types and the `any` hierarchy. So when `allowed` has function
/// references but not GC, the module is generated with GC and lowered
/// afterwards ([`crate::typed_refs::lower_gc`]). When `allowed` has GC,
/// two thirds of the modules generated with GC keep it, with struct and
/// array instructions on top of the chosen kinds, or (half of them) with
/// GC's instructions and only what feeds them ([`keeps_gc`]); the
/// others are lowered as without GC, so typed function references keep
/// the idioms the lowering adds.
pub fn config(u: &mut Unstructured<'_>, allowed: WasmFeatures) -> Result<Config> {
    use WasmFeatures as F;
    let mut swarm = |feature: WasmFeatures, numerator: u8, denominator: u8| -> Result<bool> {
        Ok(allowed.contains(feature) && u.ratio(numerator, denominator)?)
    };
    let mut config = Config {
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        custom_descriptors_enabled: false,
        compact_imports_enabled: false,
        multibyte_array_access_enabled: false,
        acquire_release_atomics_enabled: false,
        // Swarm choices among the allowed features.
        simd_enabled: swarm(F::SIMD, 3, 4)?,
        bulk_memory_enabled: swarm(F::BULK_MEMORY, 7, 8)?,
        reference_types_enabled: swarm(F::REFERENCE_TYPES, 7, 8)?,
        multi_value_enabled: swarm(F::MULTI_VALUE, 7, 8)?,
        sign_extension_ops_enabled: swarm(F::SIGN_EXTENSION, 7, 8)?,
        saturating_float_to_int_enabled: swarm(F::SATURATING_FLOAT_TO_INT, 7, 8)?,
        extended_const_enabled: swarm(F::EXTENDED_CONST, 1, 2)?,
        tail_call_enabled: swarm(F::TAIL_CALL, 1, 2)?,
        wide_arithmetic_enabled: swarm(F::WIDE_ARITHMETIC, 1, 2)?,
        // Function references, through wasm-smith's GC (see above).
        gc_enabled: swarm(F::FUNCTION_REFERENCES, 1, 2)?,
        memory64_enabled: swarm(F::MEMORY64, 1, 2)?,
        max_memories: if swarm(F::MULTI_MEMORY, 1, 2)? { 3 } else { 1 },
        relaxed_simd_enabled: swarm(F::RELAXED_SIMD, 1, 2)?,
        custom_page_sizes_enabled: swarm(F::CUSTOM_PAGE_SIZES, 1, 4)?,
        // Tags, `throw`, `throw_ref`, `try_table` and `exnref`.
        exceptions_enabled: swarm(F::EXCEPTIONS, 1, 2)?,
        max_tags: MAX_TAGS,
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
        max_memory64_bytes: u128::from(MAX_MEMORY_BYTES),
        memory_max_size_required: true,
        max_data_segments: 8,
        max_element_segments: 8,
        max_elements: 20,
        ..Config::default()
    };
    // Struct and array instructions, GC's, are added below when kept.
    let mut kinds = vec![
        InstructionKind::Numeric,
        InstructionKind::Vector,
        InstructionKind::Reference,
        InstructionKind::Parametric,
        InstructionKind::Variable,
        InstructionKind::Table,
        InstructionKind::Memory,
        InstructionKind::Control,
    ];
    if config.exceptions_enabled {
        // At least one tag, when the module has a function type without
        // results to give it.
        config.min_tags = 1;
    }
    if config.exceptions_enabled && u.ratio(1, 2)? {
        // wasm-smith picks among every valid instruction, `throw` and
        // `throw_ref` at a sixth of the usual weight, so with hundreds of
        // numeric and vector instructions about one module in forty
        // would throw. Half the exception cases get control,
        // variable and parametric instructions only, where a throw is
        // one choice in a hundred or so.
        kinds = vec![
            InstructionKind::Control,
            InstructionKind::Variable,
            InstructionKind::Parametric,
        ];
    } else if u.ratio(1, 2)? {
        let mut keep = Vec::new();
        for kind in kinds {
            if u.ratio(3, 4)? {
                keep.push(kind);
            }
        }
        kinds = keep;
    }
    let keep_gc = config.gc_enabled && allowed.contains(F::GC) && u.ratio(2, 3)?;
    if keep_gc && u.ratio(1, 2)? {
        // Among every valid instruction, struct and array ones are a few
        // dozen of hundreds, and they need operands of their field types:
        // about one module in fifteen would allocate. Half the cases
        // that keep GC get GC's instructions with only what feeds them
        // (integers, locals, control).
        kinds = vec![
            InstructionKind::Aggregate,
            InstructionKind::Reference,
            InstructionKind::NumericInt,
            InstructionKind::Control,
            InstructionKind::Variable,
            InstructionKind::Parametric,
        ];
    } else if keep_gc {
        kinds.push(InstructionKind::Aggregate);
    }
    config.allowed_instructions = InstructionKinds::new(&kinds);
    Ok(config)
}

/// A module of `config`, made to stop (see [`FUEL`]) and, if generated
/// with wasm-smith's GC as a stand-in for typed function references
/// (not [`keeps_gc`]), lowered to them; an error when the lowered module
/// uses more than `allowed` without GC.
fn bounded(config: Config, allowed: WasmFeatures, u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let lower = config.gc_enabled && !keeps_gc(&config);
    let mut module = Module::new(config, u)?;
    module
        .ensure_termination(FUEL)
        .expect("generated function bodies can be instrumented");
    let wasm = module.to_bytes();
    if !lower {
        return Ok(wasm);
    }
    let lowered = crate::typed_refs::lower_gc(&wasm).ok_or(arbitrary::Error::IncorrectFormat)?;
    wasmparser::Validator::new_with_features(allowed.difference(WasmFeatures::GC))
        .validate_all(&lowered)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    Ok(lowered)
}

/// A module for the Egret-against-wasmi differential: everything exported (so final
/// memories, globals and tables can be compared) and NaNs canonicalised
/// after every float operation, so float results are deterministic and
/// memories can be compared byte for byte (see `docs/fuzzing.md`).
pub fn differential_module(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    differential_module_with(u, wasmi_features())
}

/// A module for the Egret-against-Wasmtime differential: like
/// [`differential_module`] with [`wasmtime_features`].
pub fn wasmtime_differential_module(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    differential_module_with(u, wasmtime_features())
}

fn differential_module_with(u: &mut Unstructured<'_>, allowed: WasmFeatures) -> Result<Vec<u8>> {
    let mut config = config(u, allowed)?;
    config.export_everything = true;
    config.canonicalize_nans = true;
    bounded(config, allowed, u)
}

/// A module for the instantiate-and-run oracle: Egret's default features,
/// NaNs left alone and exports chosen by wasm-smith.
pub fn instantiate_module(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut config = config(u, features())?;
    config.export_everything = u.ratio(1, 2)?;
    config.min_exports = 1;
    bounded(config, features(), u)
}

/// An input for the compile oracle: raw bytes behind a valid header, a
/// valid wasm-smith module (Egret's default features, or GC-generated and
/// lowered), one with a few bytes overwritten, or one whose function
/// bodies are raw bytes (wasm-smith's `allow_invalid_funcs`).
pub fn compile_input(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    match u.int_in_range(0..=3)? {
        0 => {
            let mut bytes = b"\0asm\x01\0\0\0".to_vec();
            bytes.extend_from_slice(u.bytes(u.len())?);
            Ok(bytes)
        }
        choice => {
            let mut config = config(u, features())?;
            config.allow_invalid_funcs = choice == 3;
            config.generate_custom_sections = u.ratio(1, 4)?;
            let gc = config.gc_enabled;
            let mut bytes = Module::new(config, u)?.to_bytes();
            // Raw-byte bodies stay as they are: GC types and all.
            if gc && choice != 3 {
                bytes =
                    crate::typed_refs::lower_gc(&bytes).ok_or(arbitrary::Error::IncorrectFormat)?;
            }
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
    use wasmparser::{Operator, Parser, Payload};

    /// Which of the features worth counting a module uses.
    #[derive(Debug, Default)]
    struct Uses {
        extended_const: bool,
        tail_call: bool,
        wide_arithmetic: bool,
        call_ref: bool,
        return_call_ref: bool,
        br_on_null: bool,
        ref_as_non_null: bool,
        non_nullable_local: bool,
        typed_table: bool,
        memory64: bool,
        table64: bool,
        multi_memory: bool,
        relaxed_simd: bool,
        custom_page_size: bool,
        throw: bool,
        throw_ref: bool,
        try_table: bool,
        exnref: bool,
        tag: bool,
        /// Exception and GC instructions, as the oracle counts them.
        instructions: crate::shape::Instructions,
    }

    fn uses(wasm: &[u8]) -> Uses {
        let mut uses = Uses {
            instructions: crate::shape::instructions(wasm),
            ..Uses::default()
        };
        let mut memories = 0;
        let mut memory = |uses: &mut Uses, ty: wasmparser::MemoryType| {
            memories += 1;
            uses.memory64 |= ty.memory64;
            uses.custom_page_size |= ty.page_size_log2.is_some();
            uses.multi_memory |= memories > 1;
        };
        let table = |uses: &mut Uses, ty: wasmparser::TableType| {
            uses.table64 |= ty.table64;
            uses.typed_table |= ty.element_type.is_concrete_type_ref();
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.unwrap() {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        match import.unwrap().ty {
                            wasmparser::TypeRef::Memory(ty) => memory(&mut uses, ty),
                            wasmparser::TypeRef::Table(ty) => table(&mut uses, ty),
                            wasmparser::TypeRef::Tag(_) => uses.tag = true,
                            _ => {}
                        }
                    }
                }
                Payload::MemorySection(reader) => {
                    for ty in reader {
                        memory(&mut uses, ty.unwrap());
                    }
                }
                Payload::TagSection(reader) => uses.tag |= reader.count() > 0,
                Payload::TableSection(reader) => {
                    for t in reader {
                        table(&mut uses, t.unwrap().ty);
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader {
                        let mut ops = global.unwrap().init_expr.get_operators_reader();
                        uses.extended_const |= std::iter::from_fn(|| ops.read().ok()).any(|op| {
                            matches!(
                                op,
                                Operator::I32Add
                                    | Operator::I32Sub
                                    | Operator::I32Mul
                                    | Operator::I64Add
                                    | Operator::I64Sub
                                    | Operator::I64Mul
                            )
                        });
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    for local in body.get_locals_reader().unwrap() {
                        let (_, ty) = local.unwrap();
                        uses.non_nullable_local |=
                            matches!(ty, wasmparser::ValType::Ref(r) if !r.is_nullable());
                    }
                    let mut ops = body.get_operators_reader().unwrap();
                    while let Ok(op) = ops.read() {
                        match op {
                            Operator::Throw { .. } => uses.throw = true,
                            Operator::ThrowRef => uses.throw_ref = true,
                            Operator::TryTable { .. } => uses.try_table = true,
                            Operator::RefNull {
                                hty:
                                    wasmparser::HeapType::Abstract {
                                        ty: wasmparser::AbstractHeapType::Exn,
                                        ..
                                    },
                            } => uses.exnref = true,
                            Operator::ReturnCall { .. } | Operator::ReturnCallIndirect { .. } => {
                                uses.tail_call = true
                            }
                            Operator::I64Add128
                            | Operator::I64Sub128
                            | Operator::I64MulWideS
                            | Operator::I64MulWideU => uses.wide_arithmetic = true,
                            Operator::CallRef { .. } => uses.call_ref = true,
                            Operator::ReturnCallRef { .. } => uses.return_call_ref = true,
                            Operator::BrOnNull { .. } | Operator::BrOnNonNull { .. } => {
                                uses.br_on_null = true
                            }
                            Operator::RefAsNonNull => uses.ref_as_non_null = true,
                            Operator::I8x16RelaxedSwizzle
                            | Operator::I32x4RelaxedTruncF32x4S
                            | Operator::I32x4RelaxedTruncF32x4U
                            | Operator::I32x4RelaxedTruncF64x2SZero
                            | Operator::I32x4RelaxedTruncF64x2UZero
                            | Operator::F32x4RelaxedMadd
                            | Operator::F32x4RelaxedNmadd
                            | Operator::F64x2RelaxedMadd
                            | Operator::F64x2RelaxedNmadd
                            | Operator::I8x16RelaxedLaneselect
                            | Operator::I16x8RelaxedLaneselect
                            | Operator::I32x4RelaxedLaneselect
                            | Operator::I64x2RelaxedLaneselect
                            | Operator::F32x4RelaxedMin
                            | Operator::F32x4RelaxedMax
                            | Operator::F64x2RelaxedMin
                            | Operator::F64x2RelaxedMax
                            | Operator::I16x8RelaxedQ15mulrS
                            | Operator::I16x8RelaxedDotI8x16I7x16S
                            | Operator::I32x4RelaxedDotI8x16I7x16AddS => uses.relaxed_simd = true,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        uses
    }

    /// Generates `cases` modules with `generate`, checks each validates
    /// with `allowed`, and returns how many there were and what they use.
    fn survey(
        cases: u64,
        allowed: WasmFeatures,
        generate: fn(&mut Unstructured<'_>) -> Result<Vec<u8>>,
    ) -> (usize, Vec<Uses>) {
        let mut validator = wasmparser::Validator::new_with_features(allowed);
        let mut all = Vec::new();
        for case in 0..cases {
            let data = Rng::for_case(1, case).input_bytes();
            let Ok(wasm) = generate(&mut Unstructured::new(&data)) else {
                continue;
            };
            validator.reset();
            validator
                .validate_all(&wasm)
                .unwrap_or_else(|e| panic!("case {case}: {e}"));
            all.push(uses(&wasm));
        }
        (all.len(), all)
    }

    fn count(all: &[Uses], pick: impl Fn(&Uses) -> bool) -> usize {
        all.iter().filter(|u| pick(u)).count()
    }

    #[test]
    fn wasmi_modules_use_only_what_wasmi_runs() {
        let (generated, all) = survey(300, wasmi_features(), differential_module);
        assert!(
            generated >= 270,
            "only {generated} of 300 cases made a module"
        );
        // The runtime's constant-expression arithmetic gets exercised, and
        // so do tail calls and wide arithmetic.
        assert!(count(&all, |u| u.extended_const) >= 5);
        assert!(count(&all, |u| u.tail_call) >= 5);
        assert!(count(&all, |u| u.wide_arithmetic) >= 5);
    }

    #[test]
    fn wasmtime_modules_use_the_3_0_features() {
        let (generated, all) = survey(1000, wasmtime_features(), wasmtime_differential_module);
        let counts = [
            ("call_ref", count(&all, |u| u.call_ref)),
            ("return_call_ref", count(&all, |u| u.return_call_ref)),
            ("br_on_null", count(&all, |u| u.br_on_null)),
            ("ref.as_non_null", count(&all, |u| u.ref_as_non_null)),
            ("non-nullable local", count(&all, |u| u.non_nullable_local)),
            ("typed table", count(&all, |u| u.typed_table)),
            ("memory64", count(&all, |u| u.memory64)),
            ("table64", count(&all, |u| u.table64)),
            ("multi-memory", count(&all, |u| u.multi_memory)),
            ("relaxed SIMD", count(&all, |u| u.relaxed_simd)),
            ("custom page size", count(&all, |u| u.custom_page_size)),
            ("tail call", count(&all, |u| u.tail_call)),
            ("tag", count(&all, |u| u.tag)),
            ("throw", count(&all, |u| u.throw)),
            ("throw_ref", count(&all, |u| u.throw_ref)),
            ("try_table", count(&all, |u| u.try_table)),
            ("ref.null exn", count(&all, |u| u.exnref)),
            (
                "struct.new",
                count(&all, |u| u.instructions.struct_allocations),
            ),
            (
                "array.new",
                count(&all, |u| u.instructions.array_allocations),
            ),
            ("casts", count(&all, |u| u.instructions.casts)),
            ("ref.i31", count(&all, |u| u.instructions.i31s)),
        ];
        eprintln!("{generated} generated: {counts:?}");
        assert!(
            generated >= 700,
            "only {generated} of 1000 cases made a module"
        );
        for (what, n) in counts {
            assert!(n >= 3, "only {n} of {generated} modules use {what}");
        }
    }

    #[test]
    fn compile_and_instantiate_inputs_stay_within_egret_defaults() {
        let (generated, _) = survey(100, features(), instantiate_module);
        assert!(
            generated >= 60,
            "only {generated} of 100 cases made a module"
        );
    }
}
