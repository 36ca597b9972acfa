//! Tests of function translation: every operator class is translated from
//! text, then verified and compiled for the host.

use super::{FuncTranslator, ModuleEnv};
use crate::error::CompileError;
use crate::parse::parse;
use crate::tunables::Tunables;
use crate::types::DefinedFuncIndex;
use crate::vmoffsets::VMOffsets;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, UserFuncName};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, FinalizedRelocTarget, verify_function};
use std::collections::HashSet;
use std::fmt::Write;
use wasmparser::WasmFeatures;

fn shared_flags() -> settings::Flags {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").unwrap();
    flags.set("preserve_frame_pointers", "true").unwrap();
    flags.set("enable_verifier", "true").unwrap();
    flags.set("unwind_info", "false").unwrap();
    settings::Flags::new(flags)
}

fn host_isa() -> OwnedTargetIsa {
    cranelift_native::builder()
        .unwrap()
        .finish(shared_flags())
        .unwrap()
}

fn aarch64_isa() -> OwnedTargetIsa {
    cranelift_codegen::isa::lookup_by_name("aarch64-unknown-linux-gnu")
        .unwrap()
        .finish(shared_flags())
        .unwrap()
}

/// Translates every function of a module for the host (without verifying).
fn translate(
    wat: &str,
    translator: &mut FuncTranslator,
) -> Result<Vec<ir::Function>, CompileError> {
    translate_for(wat, translator, &*host_isa())
}

/// Translates every function of a module for `isa` (without verifying).
fn translate_for(
    wat: &str,
    translator: &mut FuncTranslator,
    isa: &dyn TargetIsa,
) -> Result<Vec<ir::Function>, CompileError> {
    translate_with(wat, translator, isa, &Tunables::default())
}

/// Translates every function of a module for `isa` with `tunables`
/// (without verifying).
fn translate_with(
    wat: &str,
    translator: &mut FuncTranslator,
    isa: &dyn TargetIsa,
    tunables: &Tunables,
) -> Result<Vec<ir::Function>, CompileError> {
    let bytes = wat::parse_str(wat).expect("test module text parses");
    let registry = crate::registry::TypeRegistry::default();
    let parsed = parse(&bytes, WasmFeatures::default(), &registry)?;
    let offsets = VMOffsets::new(&parsed.info);
    let env = ModuleEnv {
        info: &parsed.info,
        offsets: &offsets,
        tunables,
        stack_maps: true,
        isa,
    };
    let mut funcs = Vec::new();
    for (i, pending) in parsed.functions.into_iter().enumerate() {
        let mut func = ir::Function::new();
        translator.translate(&env, DefinedFuncIndex(i as u32), pending, &mut func)?;
        funcs.push(func);
    }
    Ok(funcs)
}

/// Translates, verifies and compiles every function for the host,
/// returning the IR.
fn compile(wat: &str) -> Vec<ir::Function> {
    compile_for(wat, &*host_isa())
}

/// Translates, verifies and compiles every function for `isa`.
fn compile_for(wat: &str, isa: &dyn TargetIsa) -> Vec<ir::Function> {
    let funcs =
        translate_for(wat, &mut FuncTranslator::new(), isa).unwrap_or_else(|e| panic!("{e}"));
    for func in &funcs {
        verify_and_compile(func, isa);
    }
    funcs
}

/// Verifies and compiles `func` for `isa`, returning the libcalls its
/// code uses.
fn verify_and_compile(func: &ir::Function, isa: &dyn TargetIsa) -> Vec<ir::LibCall> {
    if let Err(errors) = verify_function(func, isa) {
        panic!("verifier errors:\n{errors}\nin\n{}", func.display());
    }
    let mut ctx = Context::for_function(func.clone());
    let code = ctx
        .compile(isa, &mut ControlPlane::default())
        .unwrap_or_else(|e| panic!("compile error {:?} in\n{}", e.inner, func.display()));
    code.buffer
        .relocs()
        .iter()
        .filter_map(|r| match r.target {
            FinalizedRelocTarget::ExternalName(ir::ExternalName::LibCall(lc)) => Some(lc),
            _ => None,
        })
        .collect()
}

/// One function per operator: `(param ty...) (result ty) local.get... op`.
fn op_module(cases: &[(&str, &str, &str)]) -> String {
    let mut wat = String::from("(module\n");
    for (params, result, op) in cases {
        let mut gets = String::new();
        for i in 0..params.split_whitespace().count() {
            write!(gets, "local.get {i} ").unwrap();
        }
        writeln!(wat, "(func (param {params}) (result {result}) {gets} {op})").unwrap();
    }
    wat.push(')');
    wat
}

#[test]
fn signature_name_and_stack_limit() {
    let funcs = compile(
        r#"(module
            (func (param i32 f64) (result i64) i64.const 1)
            (func $second (param i64) (result i64 i32 f32 f64 i64 i32 f32 f64)
                local.get 0 i32.const 1 f32.const 2 f64.const 3
                local.get 0 i32.const 1 f32.const 2 f64.const 3))"#,
    );
    assert_eq!(funcs.len(), 2);
    assert_eq!(funcs[1].name, UserFuncName::user(0, 1));
    assert!(funcs.iter().all(|f| f.stack_limit.is_some()));
    let sig = &funcs[0].signature;
    assert_eq!(sig.params.len(), 4);
    assert_eq!(sig.returns.len(), 1);
    // The eight results go to a return area: vmctx, vmctx, area, param.
    let sig = &funcs[1].signature;
    assert_eq!(sig.params.len(), 4);
    assert!(sig.returns.is_empty());
}

#[test]
fn integer_operators() {
    let mut cases = Vec::new();
    for ty in ["i32", "i64"] {
        for op in [
            "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl",
            "shr_s", "shr_u", "rotl", "rotr",
        ] {
            cases.push((format!("{ty} {ty}"), ty.to_string(), format!("{ty}.{op}")));
        }
        for op in [
            "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
        ] {
            cases.push((format!("{ty} {ty}"), "i32".into(), format!("{ty}.{op}")));
        }
        for op in ["clz", "ctz", "popcnt", "extend8_s", "extend16_s"] {
            cases.push((ty.into(), ty.into(), format!("{ty}.{op}")));
        }
        cases.push((ty.into(), "i32".into(), format!("{ty}.eqz")));
        cases.push(("".into(), ty.into(), format!("{ty}.const -7")));
    }
    cases.push(("i64".into(), "i64".into(), "i64.extend32_s".into()));
    cases.push(("i64".into(), "i32".into(), "i32.wrap_i64".into()));
    cases.push(("i32".into(), "i64".into(), "i64.extend_i32_s".into()));
    cases.push(("i32".into(), "i64".into(), "i64.extend_i32_u".into()));
    let cases: Vec<_> = cases
        .iter()
        .map(|(p, r, o)| (p.as_str(), r.as_str(), o.as_str()))
        .collect();
    assert_eq!(compile(&op_module(&cases)).len(), cases.len());
}

#[test]
fn float_operators_and_conversions() {
    let mut cases = Vec::new();
    for ty in ["f32", "f64"] {
        for op in ["add", "sub", "mul", "div", "min", "max", "copysign"] {
            cases.push((format!("{ty} {ty}"), ty.to_string(), format!("{ty}.{op}")));
        }
        for op in ["eq", "ne", "lt", "gt", "le", "ge"] {
            cases.push((format!("{ty} {ty}"), "i32".into(), format!("{ty}.{op}")));
        }
        for op in ["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"] {
            cases.push((ty.into(), ty.into(), format!("{ty}.{op}")));
        }
        cases.push(("".into(), ty.into(), format!("{ty}.const -0x1.8p3")));
        cases.push(("".into(), ty.into(), format!("{ty}.const nan:0x123")));
        for int in ["i32", "i64"] {
            for sign in ["s", "u"] {
                let trunc = format!("{int}.trunc_{ty}_{sign}");
                cases.push((ty.into(), int.into(), trunc));
                let sat = format!("{int}.trunc_sat_{ty}_{sign}");
                cases.push((ty.into(), int.into(), sat));
                let convert = format!("{ty}.convert_{int}_{sign}");
                cases.push((int.into(), ty.into(), convert));
            }
        }
    }
    cases.push(("f64".into(), "f32".into(), "f32.demote_f64".into()));
    cases.push(("f32".into(), "f64".into(), "f64.promote_f32".into()));
    cases.push(("f32".into(), "i32".into(), "i32.reinterpret_f32".into()));
    cases.push(("f64".into(), "i64".into(), "i64.reinterpret_f64".into()));
    cases.push(("i32".into(), "f32".into(), "f32.reinterpret_i32".into()));
    cases.push(("i64".into(), "f64".into(), "f64.reinterpret_i64".into()));
    let cases: Vec<_> = cases
        .iter()
        .map(|(p, r, o)| (p.as_str(), r.as_str(), o.as_str()))
        .collect();
    let funcs = compile(&op_module(&cases));
    assert_eq!(funcs.len(), cases.len());
    let text: String = funcs.iter().map(|f| f.display().to_string()).collect();
    for inst in [
        "fcvt_to_sint.i32",
        "fcvt_to_uint_sat.i64",
        "nearest",
        "fcopysign",
    ] {
        assert!(text.contains(inst), "{inst} missing");
    }
}

#[test]
fn locals_select_drop_and_globals() {
    compile(
        r#"(module
            (import "env" "g" (global $ig (mut i64)))
            (import "env" "c" (global $ic f32))
            (import "env" "r" (global $ir (mut externref)))
            (global $g (mut i32) (i32.const 1))
            (global $f f64 (f64.const 2))
            (global $fr (mut funcref) (ref.null func))
            (global $v (mut v128) (v128.const i64x2 1 2))
            (func (param i32 i64) (result i64)
                (local f32 f64 externref funcref v128 i32)
                local.get 0 local.set 7
                local.get 3 local.get 2 f64.promote_f32 f64.add local.set 3
                local.get 1 local.get 1 local.get 0 select
                i64.const 3 local.tee 1 drop
                global.get $ig i64.add global.set $ig
                global.get $g i32.const 1 i32.add global.set $g
                global.get $ic drop global.get $f drop
                global.get $ir local.get 4 i32.const 0 select (result externref) global.set $ir
                global.get $fr local.get 5 local.get 0 select (result funcref) global.set $fr
                global.get $v local.get 6 local.get 0 select global.set $v
                global.get $ig))"#,
    );
}

#[test]
fn v128_values_pass_through_without_simd_operators() {
    compile(
        r#"(module
            (func $f (param v128 i32) (result v128 v128) (local v128)
                local.get 0 local.get 2 local.get 1 select local.get 2)
            (func (param v128) (result v128)
                local.get 0 (block (param v128) (result v128) (br 0))
                (call $f (local.get 0) (i32.const 1)) drop drop))"#,
    );
}

#[test]
fn blocks_loops_and_ifs_with_multiple_values() {
    compile(
        r#"(module
            (func (param i32 i64) (result i64 i32)
                local.get 1 local.get 0
                (block (param i64 i32) (result i64 i32)
                    (loop (param i64 i32) (result i64 i32)
                        local.tee 0 i32.eqz (br_if 1 (local.get 0))
                        drop i64.const 1 i64.sub
                        local.get 0 i32.const 1 i32.sub
                        br 0))
                (if (param i64 i32) (result i64 i32) (local.get 0)
                    (then drop i64.const 2 i64.add i32.const 7)
                    (else))
                (if (param i32) (result i32) (local.get 0) (then i32.const 3 i32.add))
                (if (result i32) (local.get 0) (then (return (i64.const 9) (i32.const 9)))
                    (else (br 0 (i32.const 4)) i32.const 5))
                i32.add)
            (func (param i32) (result i32)
                (block (result i32)
                    (if (local.get 0) (then (br 1 (i32.const 1))))
                    (if (local.get 0) (then) (else unreachable))
                    (loop (br_if 0 (local.get 0)))
                    i32.const 2)))"#,
    );
}

#[test]
fn unreachable_code_is_validated_but_skipped() {
    let funcs = compile(
        r#"(module
            (func (param i32) (result i32)
                (block (result i32)
                    (br 0 (i32.const 1))
                    f32.mul drop i64.add drop
                    (block (loop (if (i32.const 0) (then unreachable) (else (br 4 (i32.const 9))))))
                    select)
                (block
                    unreachable
                    (if (result i32) (then i32.const 1) (else i32.const 2)) drop)
                (if (result i32) (local.get 0)
                    (then (return (i32.const 3)))
                    (else i32.const 4))
                i32.add)
            (func (result i32) unreachable)
            (func (result i32) (return (i32.const 1)) (i32.const 2))
            (func (param i32) (result i32)
                (block (loop (br_table 0 0 1 (local.get 0)))) (i32.const 7)))"#,
    );
    // Nothing of the skipped code may appear.
    let text = funcs[0].display().to_string();
    assert!(!text.contains("fmul"), "{text}");
    assert!(!text.contains("iadd.i64"), "{text}");
}

#[test]
fn invalid_unreachable_code_is_rejected() {
    let err = translate(
        "(module (func (result i32) unreachable (i64.const 0) (i32.add (i32.const 1))))",
        &mut FuncTranslator::new(),
    )
    .unwrap_err();
    assert!(matches!(err, CompileError::Invalid { .. }), "{err}");
}

#[test]
fn br_table_with_and_without_arguments() {
    let mut wat = String::from("(module (func (param i32) (result i32)\n");
    let depth = 1000;
    for _ in 0..depth {
        wat.push_str("(block\n");
    }
    wat.push_str("(br_table");
    for i in 0..5000 {
        write!(wat, " {}", (i * 7919) % depth).unwrap();
    }
    wat.push_str(" 0 (local.get 0))\n");
    for i in 0..depth {
        writeln!(wat, "(return (i32.const {i})))").unwrap();
    }
    wat.push_str("i32.const -1)\n");
    wat.push_str(
        r#"(func (param i32) (result i32 i64)
            (block $a (result i32 i64)
                (block $b (result i32 i64)
                    (loop $l (result i32 i64)
                        (block $c (result i32 i64)
                            i32.const 1 i64.const 2
                            (br_table $a $b $c $a $c $b $b (local.get 0))))
                    (br $a))
                drop i64.const 5)))"#,
    );
    compile(&wat);
}

#[test]
fn deeply_nested_blocks_do_not_recurse() {
    let depth = 10_000;
    let mut wat = String::from("(module (func (param i32) (result i32)\n");
    for _ in 0..depth {
        wat.push_str("block (result i32)\n");
    }
    wat.push_str("local.get 0\n");
    for i in 0..depth {
        writeln!(wat, "end i32.const {} i32.add", i % 3).unwrap();
        if i % 1000 == 0 {
            wat.push_str("local.get 0 br_if 0\n");
        }
    }
    wat.push_str("))");
    // Translation alone, in a thread with a small stack.
    let thread_wat = wat.clone();
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || translate(&thread_wat, &mut FuncTranslator::new()).unwrap())
        .unwrap()
        .join()
        .unwrap();
    compile(&wat);
}

#[test]
fn memory_accesses_of_every_width() {
    let funcs = compile(
        r#"(module
            (memory 1)
            (data "abc")
            (func (param i32) (result i64)
                (i32.store offset=4 (local.get 0) (i32.load (local.get 0)))
                (i64.store offset=8 (local.get 0) (i64.load align=1 (local.get 0)))
                (f32.store (local.get 0) (f32.load offset=12 (local.get 0)))
                (f64.store (local.get 0) (f64.load offset=16 (local.get 0)))
                (i32.store8 (local.get 0) (i32.load8_s (local.get 0)))
                (i32.store16 (local.get 0) (i32.load8_u (local.get 0)))
                (i32.store16 (local.get 0) (i32.load16_s (local.get 0)))
                (i32.store8 (local.get 0) (i32.load16_u (local.get 0)))
                (i64.store8 (local.get 0) (i64.load8_s (local.get 0)))
                (i64.store16 (local.get 0) (i64.load8_u (local.get 0)))
                (i64.store32 (local.get 0) (i64.load16_s (local.get 0)))
                (i64.store (local.get 0) (i64.load16_u (local.get 0)))
                (i64.store32 (local.get 0) (i64.load32_s (local.get 0)))
                (i64.load32_u offset=0xffffffff (local.get 0)))
            (func (param i32) (result i32)
                (memory.fill (local.get 0) (i32.const 7) (i32.const 16))
                (memory.copy (local.get 0) (i32.const 32) (i32.const 16))
                (memory.init 0 (local.get 0) (i32.const 1) (i32.const 2))
                data.drop 0
                (memory.grow (local.get 0))
                memory.size
                i32.add))"#,
    );
    let text = funcs[1].display().to_string();
    assert_eq!(text.matches("call_indirect").count(), 5, "{text}");
    // The three bulk operations that can fail, and the failed-limiter
    // check after memory.grow; data.drop cannot fail.
    assert_eq!(text.matches("trapnz").count(), 4, "{text}");
}

#[test]
fn memory64_and_multiple_memories() {
    let funcs = compile(
        r#"(module
            (memory $a 1)
            (memory $b i64 1)
            (func (param i32 i64) (result i64)
                (i64.store $b offset=0xffffffffffff (local.get 1)
                    (i64.load $b offset=0xfffffffffffffff8 (local.get 1)))
                (i32.store8 $a (local.get 0) (i32.load8_u $b (local.get 1)))
                (memory.copy $a $b (local.get 0) (local.get 1) (i32.const 4))
                (memory.copy $b $b (local.get 1) (local.get 1) (i64.const 4))
                (memory.fill $b (local.get 1) (i32.const 0) (i64.const 4))
                (memory.grow $b (i64.const 1))
                (memory.size $b) i64.add
                (i64.extend_i32_u (memory.size $a)) i64.add))"#,
    );
    let text = funcs[0].display().to_string();
    assert!(text.contains("uadd_overflow_trap"), "{text}");
}

#[test]
fn the_memory_base_is_loaded_once_per_block() {
    let wat = r#"(module
        (memory 1)
        (func (param i32) (result i32)
            (i32.add (i32.load (local.get 0)) (i32.load offset=4 (local.get 0)))
            (if (local.get 0) (then (i32.store (local.get 0) (i32.const 1))))
            (i32.load offset=8 (local.get 0))
            i32.add))"#;
    let func = compile(wat).remove(0);
    let text = func.display().to_string();
    // The base is the function's only `i64` load (the wasm loads are i32).
    let base_loads = |block: ir::Block| {
        func.layout
            .block_insts(block)
            .filter(|&inst| {
                func.dfg.insts[inst].opcode() == ir::Opcode::Load
                    && func.dfg.ctrl_typevar(inst) == ir::types::I64
            })
            .count()
    };
    // The entry block's two accesses share one load of the base; the
    // `then` arm and the block after the `if` each load it again (reuse
    // stops at the block's end; Cranelift merges loads across blocks).
    let counts: Vec<usize> = func.layout.blocks().map(base_loads).collect();
    assert_eq!(counts.iter().sum::<usize>(), 3, "{text}");
    assert!(counts.iter().all(|&n| n <= 1), "{text}");
}

/// A function doing `i32.load` at `offset` from a 32-bit memory, with
/// its CLIF text.
fn load_with_offset(offset: u64) -> (ir::Function, String) {
    let wat = format!(
        "(module (memory 1) (func (param i32) (result i32) \
         (i32.load offset={offset} (local.get 0))))"
    );
    let func = compile(&wat).remove(0);
    let text = func.display().to_string();
    (func, text)
}

/// The memory flags, address and immediate offset of the function's
/// `load.i32`.
fn heap_load(func: &ir::Function) -> (ir::MemFlagsData, ir::Value, i32) {
    let block = func.layout.entry_block().unwrap();
    func.layout
        .block_insts(block)
        .find_map(|inst| match func.dfg.insts[inst] {
            ir::InstructionData::Load {
                opcode: ir::Opcode::Load,
                flags,
                arg,
                offset,
            } if func.dfg.ctrl_typevar(inst) == ir::types::I32 => {
                Some((func.dfg.mem_flags[flags], arg, offset.into()))
            }
            _ => None,
        })
        .expect("an i32 load")
}

#[test]
fn guarded_loads_have_no_bounds_check() {
    for offset in [0, 0x7FFF_FFFF] {
        let (func, text) = load_with_offset(offset);
        for check in ["icmp", "trapnz", "trapz", "uadd_overflow_trap"] {
            assert!(!text.contains(check), "offset {offset:#x}:\n{text}");
        }
        let (flags, _, imm) = heap_load(&func);
        assert_eq!(flags.trap_code(), Some(ir::TrapCode::HEAP_OUT_OF_BOUNDS));
        assert_eq!(i64::from(imm), offset as i64, "{text}");
        assert!(!text.contains("select_spectre_guard"), "{text}");
    }
    // 0x8000_0000 is still inside the guard region (see Tunables), but
    // does not fit the load's signed 32-bit immediate.
    let (func, text) = load_with_offset(0x8000_0000);
    assert!(!text.contains("icmp") && !text.contains("trapnz"), "{text}");
    assert_eq!(heap_load(&func).2, 0, "{text}");
    // Beyond the guard region the access is checked against the length;
    // an out-of-bounds one goes to null and faults there (no `trapnz`).
    for offset in [0x8001_0000, 0xFFFF_FFFF] {
        let (func, text) = load_with_offset(offset);
        assert!(text.contains("icmp ugt"), "offset {offset:#x}:\n{text}");
        assert!(!text.contains("trapnz"), "offset {offset:#x}:\n{text}");
        let (flags, _, _) = heap_load(&func);
        assert_eq!(flags.trap_code(), Some(ir::TrapCode::HEAP_OUT_OF_BOUNDS));
    }
}

#[test]
fn memory64_accesses_within_the_minimum_compare_the_index_alone() {
    // An imported memory of 1 page: 65,536 bytes at least. An access whose
    // offset plus size fit in that compares the index with
    // `length - (offset + size)`, which cannot wrap: no overflow-checked
    // add. A one-byte access at offset 0 compares `index >= length`.
    // Larger offsets keep the overflow check.
    let text = |access: &str| {
        let wat = format!(
            r#"(module (import "m" "m" (memory i64 1))
                (func (param i64) (result i64) ({access} (local.get 0))))"#
        );
        compile(&wat).remove(0).display().to_string()
    };
    let within = text("i64.load offset=65528");
    assert!(!within.contains("uadd_overflow_trap"), "{within}");
    assert!(
        within.contains("isub") && within.contains("icmp ugt"),
        "{within}"
    );
    assert!(!within.contains("trapnz"), "{within}");
    assert_eq!(
        within.matches("select_spectre_guard").count(),
        1,
        "{within}"
    );
    let byte = text("i64.load8_u");
    assert!(byte.contains("icmp uge"), "{byte}");
    assert!(
        !byte.contains("uadd_overflow_trap") && !byte.contains("isub"),
        "{byte}"
    );
    let beyond = text("i64.load offset=65529");
    assert!(beyond.contains("uadd_overflow_trap"), "{beyond}");
    assert!(beyond.contains("icmp ugt"), "{beyond}");
}

#[test]
fn defined_memory64_accesses_compare_the_index_with_the_reservation_end() {
    // A defined 64-bit memory without a maximum reserves 6 GiB + 64 KiB
    // (`Tunables::memory_reservation`): an access is checked against that
    // end minus its offset and size, a constant, whatever its offset.
    let text = |access: &str| {
        let wat = format!(
            "(module (memory i64 1) (func (param i64) (result i64) ({access} (local.get 0))))"
        );
        compile(&wat).remove(0).display().to_string()
    };
    for (access, limit) in [
        ("i64.load offset=65528", "0x0001_8000_0000"),
        ("i64.load8_u", "0x0001_8000_ffff"),
        ("i64.load offset=0x100000000", "0x8000_fff8"),
    ] {
        let code = text(access);
        assert!(code.contains(limit), "{access}: {limit}\n{code}");
        assert!(code.contains("icmp ugt"), "{access}\n{code}");
        assert!(
            !code.contains("uadd_overflow_trap") && !code.contains("isub"),
            "{code}"
        );
    }
    // Beyond the reservation every access traps: the length check stays.
    let huge = text("i64.load offset=0x200000000");
    assert!(huge.contains("uadd_overflow_trap"), "{huge}");
}

#[test]
fn checked_accesses_are_guarded_against_misspeculation() {
    // If the processor mispredicts the bounds check, the access must not
    // reach the address the wasm chose: the whole address, offset
    // included, goes through a `select_spectre_guard` that picks null when
    // out of bounds, and the load adds no immediate offset to it.
    for offset in [0x8001_0000, 0xFFFF_FFFF] {
        let (func, text) = load_with_offset(offset);
        assert_eq!(text.matches("select_spectre_guard").count(), 1, "{text}");
        let (flags, addr, imm) = heap_load(&func);
        assert_eq!(imm, 0, "{text}");
        assert_eq!(flags.trap_code(), Some(ir::TrapCode::HEAP_OUT_OF_BOUNDS));
        let select = func.dfg.value_def(addr).unwrap_inst();
        assert_eq!(
            func.dfg.insts[select].opcode(),
            ir::Opcode::SelectSpectreGuard
        );
        let [oob, if_oob, _] = func.dfg.inst_args(select) else {
            panic!("{text}")
        };
        let null = func.dfg.value_def(*if_oob).unwrap_inst();
        assert!(
            matches!(
                func.dfg.insts[null],
                ir::InstructionData::UnaryImm {
                    opcode: ir::Opcode::Iconst,
                    imm
                } if imm.bits() == 0
            ),
            "{text}"
        );
        // The condition is the bounds check's compare.
        let compare = func.dfg.value_def(*oob).unwrap_inst();
        assert_eq!(func.dfg.insts[compare].opcode(), ir::Opcode::Icmp, "{text}");
    }
    // Every access to a 64-bit memory is checked, so every one is guarded:
    // loads, stores and SIMD accesses alike.
    let funcs = compile(
        r#"(module
            (memory i64 1)
            (func (param i64 v128)
                (i64.store offset=8 (local.get 0) (i64.load (local.get 0)))
                (v128.store (local.get 0) (v128.load offset=0xffffffffff (local.get 0)))
                (v128.store8_lane 3 (local.get 0) (local.get 1))))"#,
    );
    let text = funcs[0].display().to_string();
    assert_eq!(text.matches("select_spectre_guard").count(), 5, "{text}");
}

#[test]
fn calls_direct_imported_indirect_and_return_areas() {
    let funcs = compile(
        r#"(module
            (type $many (func (param i32) (result i32 i64 f32 f64 i32 i64 f32 f64)))
            (type $two (func (param i64) (result i64 i32)))
            (import "env" "imp" (func $imp (type $two)))
            (import "env" "imp_many" (func $imp_many (type $many)))
            (table $t 4 funcref)
            (table $u 1 funcref)
            (elem (table $t) (i32.const 0) func $many $two $imp)
            (func $many (type $many)
                local.get 0 i64.const 1 f32.const 2 f64.const 3
                local.get 0 i64.const 5 f32.const 6 f64.const 7)
            (func $two (type $two) (i64.const 1) (i32.const 2))
            (func (param i32) (result i32 i64 f32 f64 i32 i64 f32 f64)
                (call $many (local.get 0))
                drop drop drop drop drop drop drop drop
                (call $imp_many (local.get 0))
                drop drop drop drop drop drop drop drop
                (call $imp (i64.const 3)) drop drop
                (call $two (i64.const 3)) drop drop
                (call_indirect $t (type $two) (i64.const 3) (local.get 0)) drop drop
                (call_indirect $u (type $many) (local.get 0) (local.get 0)))
            (func (param i32)
                (call_indirect (local.get 0))))"#,
    );
    let text = funcs[2].display().to_string();
    assert!(text.contains("stack_addr"), "{text}");
    assert!(text.contains("user1"), "{text}"); // index past the table
    assert!(text.contains("user2"), "{text}"); // null element
    assert!(text.contains("user3"), "{text}"); // bad signature
    // Both table reads are guarded against a mispredicted bounds check:
    // the address is masked with the sign of `index - length`.
    assert_eq!(text.matches(" sshr ").count(), 2, "{text}");
    assert_eq!(text.matches(" band ").count(), 2, "{text}");
    // The callee with a return area stores its results and returns nothing.
    let text = funcs[0].display().to_string();
    assert_eq!(text.matches("store ").count(), 8, "{text}");
}

#[test]
fn table_accesses_check_bounds_with_the_spectre_guard_alone() {
    let funcs = compile(
        r#"(module
            (type $t (func (result i32)))
            (table $fixed 4 4 funcref)
            (table $growable 4 funcref)
            (table $wide i64 4 funcref)
            (func (param i32) (result i32)
                (call_indirect $fixed (type $t) (local.get 0)))
            (func (param i32) (result i32)
                (call_indirect $growable (type $t) (local.get 0)))
            (func (param i64) (result i32)
                (call_indirect $wide (type $t) (local.get 0))))"#,
    );
    for (i, func) in funcs.iter().enumerate() {
        let text = func.display().to_string();
        // The bounds check makes the address null when out of bounds, so
        // the element's load faults with the table trap code: no branch
        // (the one `trapnz` is the signature check's). A 32-bit index
        // masks the address with the sign of `index - length`; a 64-bit
        // one, which may exceed 2^63, selects null.
        let wide = i == 2;
        assert_eq!(
            text.matches("select_spectre_guard").count(),
            usize::from(wide),
            "{text}"
        );
        assert_eq!(text.matches(" sshr ").count(), usize::from(!wide), "{text}");
        assert_eq!(text.matches("trapnz").count(), 1, "{text}");
        assert!(text.contains("load.i64 user1 aligned"), "{text}");
    }
    // A table whose maximum is its minimum has a constant length and an
    // element array that never moves (a read-only load); a growable one
    // loads both at every access.
    let mutable_load = "load.i64 notrap aligned v";
    let fixed = funcs[0].display().to_string();
    assert!(fixed.contains("iconst.i64 4"), "{fixed}");
    assert_eq!(fixed.matches(mutable_load).count(), 0, "{fixed}");
    let growable = funcs[1].display().to_string();
    assert_eq!(growable.matches(mutable_load).count(), 2, "{growable}");
}

#[test]
fn tables_and_references() {
    compile(
        r#"(module
            (import "env" "f" (func $f))
            (table $t 2 funcref)
            (table $e 2 externref)
            (elem $seg func $f $g)
            (elem $dropped funcref (ref.func $g))
            (func $g (param i32 externref) (result i32)
                (table.set $t (local.get 0) (ref.func $f))
                (table.set $t (local.get 0) (ref.func $g))
                (table.set $t (local.get 0) (table.get $t (local.get 0)))
                (table.set $e (local.get 0) (local.get 1))
                (drop (table.grow $e (ref.null extern) (local.get 0)))
                (table.fill $t (local.get 0) (ref.null func) (i32.const 1))
                (table.copy $t $t (local.get 0) (i32.const 0) (i32.const 1))
                (table.init $t $seg (local.get 0) (i32.const 0) (i32.const 1))
                elem.drop $dropped
                (ref.is_null (table.get $e (local.get 0)))
                (table.size $e)
                i32.add))"#,
    );
}

#[test]
fn invalid_body_is_reported_not_panicking() {
    let mut translator = FuncTranslator::new();
    let err = translate("(module (func (result i32) i64.const 0))", &mut translator).unwrap_err();
    assert!(matches!(err, CompileError::Invalid { .. }), "{err}");
    // The translator is still usable afterwards.
    let funcs = translate("(module (func (result i32) i32.const 0))", &mut translator).unwrap();
    assert_eq!(funcs.len(), 1);
}

#[test]
fn unsupported_operators_are_still_validated() {
    // Threads are not planned: atomics are refused.
    let atomic = "(drop (i32.atomic.load (i32.const 0)))";
    let memory = "(memory 1 1 shared)";
    let mut translator = FuncTranslator::new();
    let err = translate(
        &format!("(module {memory} (func {atomic}))"),
        &mut translator,
    )
    .unwrap_err();
    assert!(matches!(err, CompileError::Unsupported(_)), "{err}");
    // The refusal names the operator and why.
    assert!(err.to_string().contains("I32AtomicLoad"), "{err}");
    assert!(err.to_string().contains("threads"), "{err}");
    // Skipping unreachable code counts `try_table` as a block, so the
    // `end`s after it close the right frames.
    let funcs = translate(
        "(module (func (result i32) unreachable (try_table (result i32) (i32.const 1)) drop (i32.const 2)))",
        &mut translator,
    )
    .unwrap();
    assert_eq!(funcs.len(), 1);
    // An invalid body stays invalid even after an unsupported operator.
    let err = translate(
        &format!("(module {memory} (func (result i32) {atomic} f32.const 0))"),
        &mut translator,
    )
    .unwrap_err();
    assert!(matches!(err, CompileError::Invalid { .. }), "{err}");
    let funcs = translate("(module (func (result i32) i32.const 0))", &mut translator).unwrap();
    assert_eq!(funcs.len(), 1);
}

#[test]
fn many_functions_reuse_one_translator() {
    let mut wat = String::from("(module (memory 1)\n");
    for i in 0..50 {
        writeln!(
            wat,
            "(func (param i32) (result i32) (local i64) \
             (block (result i32) (i32.load offset={i} (local.get 0))))"
        )
        .unwrap();
    }
    wat.push(')');
    assert_eq!(compile(&wat).len(), 50);
}

#[test]
fn cross_compiles_for_aarch64() {
    compile_for(
        r#"(module
            (type $six (func (result i32 i64 f32 f64 i32 i64)))
            (type $seven (func (result i32 i64 f32 f64 i32 i64 i32)))
            (import "env" "f" (func $f (type $seven)))
            (memory 1)
            (memory $m64 i64 1)
            (table 1 funcref)
            (global $g (mut i64) (i64.const 0))
            (func $six (type $six)
                i32.const 1 i64.const 2 f32.const 3 f64.const 4 i32.const 5 i64.const 6)
            (func (param i32 f64) (result i32)
                (call $six) drop drop drop drop drop drop
                (call $f) drop drop drop drop drop drop drop
                (call_indirect (type $six) (local.get 0)) drop drop drop drop drop drop
                (global.set $g (i64.trunc_f64_s (local.get 1)))
                (i32.store offset=0x7fffffff (local.get 0) (i32.const 1))
                (i64.store $m64 (i64.extend_i32_u (local.get 0)) (global.get $g))
                (drop (memory.grow (i32.const 1)))
                (block (result i32)
                    (br_table 0 0 0 (i32.rem_s (local.get 0) (i32.const -1)) (local.get 0)))
                (f32.nearest (f32.demote_f64 (local.get 1)))
                i32.trunc_sat_f32_u
                i32.add))"#,
        &*aarch64_isa(),
    );
}

/// Every SIMD operator of WebAssembly 2.0 except the memory accesses, as
/// `op_module` cases.
fn simd_operator_cases() -> Vec<(String, String, String)> {
    const INT_CMP: &str = "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u";
    const FLOAT_BINARY: &str = "add sub mul div min max pmin pmax eq ne lt gt le ge";
    const FLOAT_UNARY: &str = "abs neg sqrt ceil floor trunc nearest";
    let binary = [
        ("v128", "and or xor andnot"),
        (
            "i8x16",
            "swizzle add add_sat_s add_sat_u sub sub_sat_s sub_sat_u min_s min_u max_s max_u \
             avgr_u narrow_i16x8_s narrow_i16x8_u",
        ),
        ("i8x16", INT_CMP),
        (
            "i16x8",
            "add add_sat_s add_sat_u sub sub_sat_s sub_sat_u mul min_s min_u max_s max_u \
             avgr_u q15mulr_sat_s narrow_i32x4_s narrow_i32x4_u extmul_low_i8x16_s \
             extmul_high_i8x16_s extmul_low_i8x16_u extmul_high_i8x16_u",
        ),
        ("i16x8", INT_CMP),
        (
            "i32x4",
            "add sub mul min_s min_u max_s max_u dot_i16x8_s extmul_low_i16x8_s \
             extmul_high_i16x8_s extmul_low_i16x8_u extmul_high_i16x8_u",
        ),
        ("i32x4", INT_CMP),
        (
            "i64x2",
            "add sub mul eq ne lt_s gt_s le_s ge_s extmul_low_i32x4_s extmul_high_i32x4_s \
             extmul_low_i32x4_u extmul_high_i32x4_u",
        ),
        ("f32x4", FLOAT_BINARY),
        ("f64x2", FLOAT_BINARY),
    ];
    let unary = [
        ("v128", "not"),
        ("i8x16", "abs neg popcnt"),
        (
            "i16x8",
            "abs neg extend_low_i8x16_s extend_high_i8x16_s extend_low_i8x16_u \
             extend_high_i8x16_u extadd_pairwise_i8x16_s extadd_pairwise_i8x16_u",
        ),
        (
            "i32x4",
            "abs neg extend_low_i16x8_s extend_high_i16x8_s extend_low_i16x8_u \
             extend_high_i16x8_u extadd_pairwise_i16x8_s extadd_pairwise_i16x8_u \
             trunc_sat_f32x4_s trunc_sat_f32x4_u trunc_sat_f64x2_s_zero trunc_sat_f64x2_u_zero",
        ),
        (
            "i64x2",
            "abs neg extend_low_i32x4_s extend_high_i32x4_s extend_low_i32x4_u \
             extend_high_i32x4_u",
        ),
        ("f32x4", FLOAT_UNARY),
        ("f32x4", "convert_i32x4_s convert_i32x4_u demote_f64x2_zero"),
        ("f64x2", FLOAT_UNARY),
        (
            "f64x2",
            "convert_low_i32x4_s convert_low_i32x4_u promote_low_f32x4",
        ),
    ];
    let mut cases = Vec::new();
    let mut case = |params: &str, result: &str, op: String| {
        cases.push((params.to_string(), result.to_string(), op));
    };
    for (shapes, params) in [(&binary[..], "v128 v128"), (&unary[..], "v128")] {
        for (shape, ops) in shapes {
            for op in ops.split_whitespace() {
                case(params, "v128", format!("{shape}.{op}"));
            }
        }
    }
    // Shape, scalar type, last lane, extract_lane suffixes.
    for (shape, scalar, last, extracts) in [
        ("i8x16", "i32", 15, &["_s", "_u"][..]),
        ("i16x8", "i32", 7, &["_s", "_u"]),
        ("i32x4", "i32", 3, &[""]),
        ("i64x2", "i64", 1, &[""]),
        ("f32x4", "f32", 3, &[""]),
        ("f64x2", "f64", 1, &[""]),
    ] {
        case(scalar, "v128", format!("{shape}.splat"));
        for suffix in extracts {
            case(
                "v128",
                scalar,
                format!("{shape}.extract_lane{suffix} {last}"),
            );
        }
        case(
            &format!("v128 {scalar}"),
            "v128",
            format!("{shape}.replace_lane {last}"),
        );
        if shape.starts_with('i') {
            for op in ["shl", "shr_s", "shr_u"] {
                case("v128 i32", "v128", format!("{shape}.{op}"));
            }
            case("v128", "i32", format!("{shape}.all_true"));
            case("v128", "i32", format!("{shape}.bitmask"));
        }
    }
    case("v128 v128 v128", "v128", "v128.bitselect".into());
    case("v128", "i32", "v128.any_true".into());
    case(
        "v128 v128",
        "v128",
        "i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31".into(),
    );
    case("", "v128", "v128.const f32x4 1 -0 nan inf".into());
    cases
}

/// Every SIMD memory access, on a 32-bit memory (guarded) and a 64-bit
/// one (checked).
const SIMD_MEMORY: &str = r#"(module
    (memory 1)
    (memory $m64 i64 1)
    (func (param i32 i64 v128) (result v128)
        (v128.store offset=0x7fffffff (local.get 0) (v128.load align=1 (local.get 0)))
        (v128.store $m64 (local.get 1) (v128.load $m64 offset=0xffffffffff (local.get 1)))
        (local.set 2 (v128.load8x8_s (local.get 0)))
        (local.set 2 (v128.load8x8_u (local.get 0)))
        (local.set 2 (v128.load16x4_s (local.get 0)))
        (local.set 2 (v128.load16x4_u (local.get 0)))
        (local.set 2 (v128.load32x2_s (local.get 0)))
        (local.set 2 (v128.load32x2_u offset=3 (local.get 0)))
        (local.set 2 (v128.load8_splat (local.get 0)))
        (local.set 2 (v128.load16_splat (local.get 0)))
        (local.set 2 (v128.load32_splat (local.get 0)))
        (local.set 2 (v128.load64_splat $m64 (local.get 1)))
        (local.set 2 (v128.load32_zero (local.get 0)))
        (local.set 2 (v128.load64_zero (local.get 0)))
        (local.set 2 (v128.load8_lane 15 (local.get 0) (local.get 2)))
        (local.set 2 (v128.load16_lane 7 (local.get 0) (local.get 2)))
        (local.set 2 (v128.load32_lane 3 (local.get 0) (local.get 2)))
        (local.set 2 (v128.load64_lane $m64 1 (local.get 1) (local.get 2)))
        (v128.store8_lane 15 (local.get 0) (local.get 2))
        (v128.store16_lane 7 (local.get 0) (local.get 2))
        (v128.store32_lane offset=0xffffffff 3 (local.get 0) (local.get 2))
        (v128.store64_lane $m64 0 (local.get 1) (local.get 2))
        (local.get 2)))"#;

/// Translates, verifies and compiles every SIMD operator for `isa`, but
/// those starting with one of `skip`, returning the IR of each function
/// and the libcalls its code uses.
fn compile_simd_for(isa: &dyn TargetIsa, skip: &[&str]) -> Vec<(ir::Function, Vec<ir::LibCall>)> {
    let cases = simd_operator_cases();
    let cases: Vec<_> = cases
        .iter()
        .filter(|(_, _, op)| !skip.iter().any(|s| op.starts_with(s)))
        .map(|(p, r, o)| (p.as_str(), r.as_str(), o.as_str()))
        .collect();
    let mut translator = FuncTranslator::new();
    let mut funcs = translate_for(&op_module(&cases), &mut translator, isa).unwrap();
    assert_eq!(funcs.len(), cases.len());
    funcs.extend(translate_for(SIMD_MEMORY, &mut translator, isa).unwrap());
    funcs
        .into_iter()
        .map(|func| {
            let libcalls = verify_and_compile(&func, isa);
            (func, libcalls)
        })
        .collect()
}

/// An x86_64 ISA with exactly the given ISA flags enabled.
fn x86_64_isa(features: &[&str]) -> OwnedTargetIsa {
    let mut isa = cranelift_codegen::isa::lookup_by_name("x86_64-unknown-linux-gnu").unwrap();
    for feature in features {
        isa.enable(feature).unwrap();
    }
    isa.finish(shared_flags()).unwrap()
}

#[test]
fn every_simd_operator_compiles_for_the_host() {
    let funcs = compile_simd_for(&*host_isa(), &[]);
    // wasmparser lists 236 SIMD operators; the 22 memory accesses are in
    // one function.
    assert_eq!(funcs.len(), 236 - 22 + 1);
    let text: String = funcs.iter().map(|(f, _)| f.display().to_string()).collect();
    for inst in [
        "sload8x8",
        "uload32x2",
        "scalar_to_vector",
        "insertlane",
        "extractlane",
        "swizzle",
        "shuffle",
        "sqmul_round_sat",
        "iadd_pairwise",
        "uunarrow",
        "fvdemote",
        "fvpromote_low",
        "vhigh_bits",
        "vall_true",
        "bitselect",
        "uadd_overflow_trap",
    ] {
        assert!(text.contains(inst), "{inst} missing");
    }
}

#[test]
fn simd_lane_types_are_bitcasts_of_i8x16() {
    let funcs = compile(
        r#"(module (func (param v128 v128) (result v128)
            (f32x4.pmin (local.get 0) (i32x4.add (local.get 0) (local.get 1)))))"#,
    );
    let text = funcs[0].display().to_string();
    // Operands become lanes, the result goes back to `I8X16`.
    assert!(text.contains("bitcast.i32x4 little"), "{text}");
    assert!(text.contains("bitcast.f32x4 little"), "{text}");
    assert!(text.contains("bitcast.i8x16 little"), "{text}");
    // pmin is a compare and select, not `fmin`.
    assert!(text.contains("fcmp lt"), "{text}");
    assert!(!text.contains("fmin"), "{text}");
    assert_eq!(funcs[0].signature.returns[0].value_type, ir::types::I8X16);
}

#[test]
fn simd_needs_no_libcalls_with_ssse3_and_sse41() {
    let isa = x86_64_isa(&["has_sse3", "has_ssse3", "has_sse41"]);
    for (func, libcalls) in compile_simd_for(&*isa, &[]) {
        assert!(libcalls.is_empty(), "{libcalls:?} in\n{}", func.display());
    }
}

#[test]
fn byte_shuffles_need_ssse3_on_x86_64() {
    let baseline = x86_64_isa(&[]);
    for op in [
        "i8x16.swizzle",
        "i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31",
    ] {
        let wat = op_module(&[("v128 v128", "v128", op)]);
        let err = translate_for(&wat, &mut FuncTranslator::new(), &*baseline).unwrap_err();
        assert!(matches!(err, CompileError::Unsupported(_)), "{op}: {err}");
    }
    // Everything else lowers with SSE2 alone; rounding calls the libm
    // functions the runtime supplies (`image::HostSymbol`).
    let funcs = compile_simd_for(&*baseline, &["i8x16.swizzle", "i8x16.shuffle"]);
    assert_eq!(funcs.len(), 236 - 22 + 1 - 2);
    let libcalls: HashSet<_> = funcs.into_iter().flat_map(|(_, l)| l).collect();
    use ir::LibCall::*;
    let libm = [
        CeilF32, CeilF64, FloorF32, FloorF64, TruncF32, TruncF64, NearestF32, NearestF64,
    ];
    assert_eq!(libcalls, HashSet::from(libm));
}

#[test]
fn simd_cross_compiles_for_aarch64() {
    let funcs = compile_simd_for(&*aarch64_isa(), &[]);
    assert!(funcs.iter().all(|(_, libcalls)| libcalls.is_empty()));
}

/// A function with a loop and a call, for the metering tests.
const LOOP_AND_CALL: &str = r#"(module
    (func $f (param i32) (result i32)
        (loop $l
            (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
            (br_if $l (local.get 0)))
        (call $f (local.get 0))))"#;

fn translate_metered(fuel: bool, epoch: bool) -> String {
    let tunables = Tunables {
        consume_fuel: fuel,
        epoch_interruption: epoch,
        ..Tunables::default()
    };
    let isa = host_isa();
    let funcs = translate_with(LOOP_AND_CALL, &mut FuncTranslator::new(), &*isa, &tunables)
        .unwrap_or_else(|e| panic!("{e}"));
    verify_and_compile(&funcs[0], &*isa);
    let aarch64 = aarch64_isa();
    let cross = translate_with(
        LOOP_AND_CALL,
        &mut FuncTranslator::new(),
        &*aarch64,
        &tunables,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    verify_and_compile(&cross[0], &*aarch64);
    funcs[0].display().to_string()
}

#[test]
fn metering_off_emits_nothing() {
    let text = translate_metered(false, false);
    for needle in ["user6", "user7", "atomic_load", "+8]", "+16]", "+24]"] {
        assert!(!text.contains(needle), "{needle} in\n{text}");
    }
}

#[test]
fn fuel_is_checked_at_entry_and_loop_headers() {
    let text = translate_metered(true, false);
    // One trap per check: function entry and the loop header.
    assert_eq!(text.matches("trap user6").count(), 2, "{text}");
    assert!(!text.contains("user7"), "{text}");
    // The loop body's six operators are charged in one add.
    assert_eq!(text.matches("iconst.i64 6").count(), 1, "{text}");
}

#[test]
fn epoch_is_checked_at_entry_and_loop_headers() {
    let text = translate_metered(false, true);
    assert_eq!(text.matches("atomic_load").count(), 2, "{text}");
    // Past the deadline, each check asks the store's callback, then traps
    // `Interrupt` (user7) or, if the callback failed, `TrapReason::HostFailed`
    // (user5).
    assert_eq!(text.matches("user7").count(), 2, "{text}");
    assert_eq!(text.matches("user5").count(), 2, "{text}");
    assert!(!text.contains("user6"), "{text}");
    // Both together still verify and compile.
    let both = translate_metered(true, true);
    assert_eq!(both.matches("trap user6").count(), 2, "{both}");
    assert_eq!(both.matches("user7").count(), 2, "{both}");
}

/// Every relaxed SIMD operator, as (parameters, result, operator).
const RELAXED_SIMD: [(&str, &str, &str); 20] = [
    ("v128 v128", "v128", "i8x16.relaxed_swizzle"),
    ("v128", "v128", "i32x4.relaxed_trunc_f32x4_s"),
    ("v128", "v128", "i32x4.relaxed_trunc_f32x4_u"),
    ("v128", "v128", "i32x4.relaxed_trunc_f64x2_s_zero"),
    ("v128", "v128", "i32x4.relaxed_trunc_f64x2_u_zero"),
    ("v128 v128 v128", "v128", "f32x4.relaxed_madd"),
    ("v128 v128 v128", "v128", "f32x4.relaxed_nmadd"),
    ("v128 v128 v128", "v128", "f64x2.relaxed_madd"),
    ("v128 v128 v128", "v128", "f64x2.relaxed_nmadd"),
    ("v128 v128 v128", "v128", "i8x16.relaxed_laneselect"),
    ("v128 v128 v128", "v128", "i16x8.relaxed_laneselect"),
    ("v128 v128 v128", "v128", "i32x4.relaxed_laneselect"),
    ("v128 v128 v128", "v128", "i64x2.relaxed_laneselect"),
    ("v128 v128", "v128", "f32x4.relaxed_min"),
    ("v128 v128", "v128", "f32x4.relaxed_max"),
    ("v128 v128", "v128", "f64x2.relaxed_min"),
    ("v128 v128", "v128", "f64x2.relaxed_max"),
    ("v128 v128", "v128", "i16x8.relaxed_q15mulr_s"),
    ("v128 v128", "v128", "i16x8.relaxed_dot_i8x16_i7x16_s"),
    (
        "v128 v128 v128",
        "v128",
        "i32x4.relaxed_dot_i8x16_i7x16_add_s",
    ),
];

/// Translates, verifies and compiles every relaxed SIMD operator but
/// those starting with one of `skip`; returns the functions' text and
/// the library functions they call.
fn compile_relaxed(
    isa: &dyn TargetIsa,
    deterministic: bool,
    skip: &[&str],
) -> (String, HashSet<ir::LibCall>) {
    let tunables = Tunables {
        relaxed_simd_deterministic: deterministic,
        ..Tunables::default()
    };
    let cases: Vec<_> = RELAXED_SIMD
        .into_iter()
        .filter(|(_, _, op)| !skip.iter().any(|s| op.starts_with(s)))
        .collect();
    let funcs = translate_with(
        &op_module(&cases),
        &mut FuncTranslator::new(),
        isa,
        &tunables,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(funcs.len(), cases.len());
    let mut libcalls = HashSet::new();
    let mut text = String::new();
    for func in &funcs {
        libcalls.extend(verify_and_compile(func, isa));
        text.push_str(&func.display().to_string());
    }
    (text, libcalls)
}

#[test]
fn relaxed_simd_uses_x86_instructions_unless_deterministic() {
    let isa = x86_64_isa(&["has_sse3", "has_ssse3", "has_sse41", "has_avx", "has_fma"]);
    let x86_only = [
        "x86_pshufb",
        "x86_cvtt2dq",
        "blendv",
        "x86_pmulhrsw",
        "x86_pmaddubsw",
    ];
    let (native, libcalls) = compile_relaxed(&*isa, false, &[]);
    assert!(libcalls.is_empty(), "{libcalls:?}");
    for inst in x86_only {
        assert!(native.contains(inst), "{inst} missing in\n{native}");
    }
    // FMA where the CPU has it; min and max are `minps`/`maxps` patterns.
    assert_eq!(native.matches(" fma ").count(), 4, "{native}");
    assert!(
        !native.contains("fmin") && !native.contains("fmax"),
        "{native}"
    );
    // Deterministic: the non-relaxed operators' results everywhere.
    let (deterministic, libcalls) = compile_relaxed(&*isa, true, &[]);
    assert!(libcalls.is_empty(), "{libcalls:?}");
    for inst in x86_only {
        assert!(!deterministic.contains(inst), "{inst} in\n{deterministic}");
    }
    for inst in [
        "swizzle",
        "fcvt_to_sint_sat",
        "sqmul_round_sat",
        "fmin",
        "fmax",
    ] {
        assert!(deterministic.contains(inst), "{inst} missing");
    }
    assert_eq!(deterministic.matches(" fma ").count(), 4);
}

#[test]
fn relaxed_madd_is_unfused_without_fma_unless_deterministic() {
    // SSE4.1 without FMA: a multiply and an add, no call per lane.
    let isa = x86_64_isa(&["has_sse3", "has_ssse3", "has_sse41"]);
    let (native, libcalls) = compile_relaxed(&*isa, false, &[]);
    assert!(libcalls.is_empty(), "{libcalls:?}");
    assert!(!native.contains(" fma "), "{native}");
    // Deterministic results are fused, through the libm function.
    let (_, libcalls) = compile_relaxed(&*isa, true, &[]);
    assert!(libcalls.contains(&ir::LibCall::FmaF32), "{libcalls:?}");
}

#[test]
fn relaxed_simd_cross_compiles_for_aarch64() {
    let isa = aarch64_isa();
    for deterministic in [false, true] {
        let (text, libcalls) = compile_relaxed(&*isa, deterministic, &[]);
        assert!(libcalls.is_empty(), "{libcalls:?}");
        assert!(!text.contains("x86_") && !text.contains("blendv"), "{text}");
    }
}

#[test]
fn call_indirect_asks_the_registry_only_for_open_types() {
    let mut translator = FuncTranslator::new();
    let funcs = translate(
        r#"(module
            (type $closed (func))
            (type $open (sub (func)))
            (table 1 funcref)
            (func (param i32) (call_indirect (type $closed) (local.get 0)))
            (func (param i32) (call_indirect (type $open) (local.get 0)))
            (func (param (ref $open)) (call_ref $open (local.get 0))))"#,
        &mut translator,
    )
    .unwrap();
    let count = |i: usize| {
        let text = funcs[i].display().to_string();
        (text.matches("call_indirect").count(), text)
    };
    // The wasm call alone: a final type's id must be equal.
    let (closed, text) = count(0);
    assert_eq!(closed, 1, "{text}");
    // The wasm call and, on a mismatch, the `is_subtype` builtin.
    let (open, text) = count(1);
    assert_eq!(open, 2, "{text}");
    assert!(text.contains("cold"), "{text}");
    // `call_ref` checks nothing but null, with its load.
    let (by_ref, text) = count(2);
    assert_eq!(by_ref, 1, "{text}");
    assert!(!text.contains("trapnz"), "{text}");
}

#[test]
fn gc_references_live_across_calls_are_in_stack_maps() {
    // At the `call $f`, the struct in `$x` (an anyref), the externref
    // parameter and the i32 local are live; only the two references may
    // point into the GC heap. At `struct.new`'s allocation call only the
    // externref is.
    let wat = r#"(module
        (type $s (struct (field i32)))
        (func $f)
        (func (param externref) (result anyref externref i32)
          (local $x (ref null $s)) (local $n i32)
          (local.set $n (i32.const 7))
          (local.set $x (struct.new $s (i32.const 1)))
          (call $f)
          (local.get $x) (local.get 0) (local.get $n)))"#;
    let isa = host_isa();
    let funcs = compile_for(wat, &*isa);
    let mut ctx = Context::for_function(funcs[1].clone());
    ctx.compile(&*isa, &mut ControlPlane::default())
        .unwrap_or_else(|e| panic!("{:?}", e.inner));
    let code = crate::link::CompiledFunction::from_context(
        &ctx,
        crate::code::CodeKind::Function(crate::types::FuncIndex(1)),
        None,
    )
    .unwrap();
    let counts: Vec<(usize, usize)> = code
        .stack_maps
        .iter()
        .map(|map| (map.any_slots.len(), map.extern_slots.len()))
        .collect();
    assert_eq!(counts, [(0, 1), (1, 1)], "{:?}", code.stack_maps);
    for map in &code.stack_maps {
        for &slot in map.any_slots.iter().chain(&map.extern_slots) {
            assert!(slot < map.frame_size, "{map:?}");
        }
    }
}

#[test]
fn operands_of_concrete_reference_types_live_across_calls_are_in_stack_maps() {
    // The validator names concrete types by canonical id, not by the
    // module's index: the struct left on the operand stack across `call
    // $f` must still be recognised as a reference.
    let wat = r#"(module
        (type $s (struct (field i32)))
        (func $f)
        (func (result (ref $s))
          (struct.new $s (i32.const 1))
          (call $f)))"#;
    let isa = host_isa();
    let funcs = compile_for(wat, &*isa);
    let mut ctx = Context::for_function(funcs[1].clone());
    ctx.compile(&*isa, &mut ControlPlane::default())
        .unwrap_or_else(|e| panic!("{:?}", e.inner));
    let code = crate::link::CompiledFunction::from_context(
        &ctx,
        crate::code::CodeKind::Function(crate::types::FuncIndex(1)),
        None,
    )
    .unwrap();
    let any_slots: Vec<usize> = code
        .stack_maps
        .iter()
        .map(|map| map.any_slots.len())
        .collect();
    assert!(any_slots.contains(&1), "{:?}", code.stack_maps);
}
