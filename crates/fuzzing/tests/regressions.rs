//! Minimised inputs from fuzzing, kept as tests.
//!
//! Egret bugs are `#[ignore = "egret bug: ..."]` until fixed: run them with
//! `cargo test -p egret-fuzzing --test regressions -- --ignored`, and
//! un-ignore each once its fix lands. Bugs of the reference interpreter
//! (wasmi 2.0.0) are tests of the harness's workaround: they must pass.

use egret::{Engine, Instance, Module, Store, Trap};
use egret_fuzzing::oracles::{self, Engines};

fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap()
}

/// An Egret instance of `wasm`, which has no imports, in a fresh store.
fn instantiate(wasm: &[u8]) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

/// wasmi 2.0.0 fuses `i32.eqz x` into a following `select` but, when `x`
/// is a local, tests a stale register: here it returns 1 for (5, 7). The
/// differential oracle must not report it (wasmi's copy of the module gets
/// an empty block before every `select`), and Egret must give the spec
/// answer.
#[test]
fn wasmi_select_of_eqz_local() {
    let wasm = wasm(
        r#"(module
            (func (export "f") (param i32 i32) (result i32)
                (select (i32.const 1) (local.get 0) (i32.eqz (local.get 1)))))"#,
    );
    let stats = oracles::differential(&Engines::new(), &wasm).unwrap();
    assert_eq!(stats.calls, oracles::CALLS_PER_EXPORT as u64);

    let (mut store, instance) = instantiate(&wasm);
    let f = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "f")
        .unwrap();
    assert_eq!(f.call(&mut store, (5, 7)).unwrap(), 5);
    assert_eq!(f.call(&mut store, (5, 0)).unwrap(), 1);
}

/// wasmi 2.0.0's translator panics (`unreachable!()` in
/// `choose_store_op_vt`) on a store with a static offset above 16 bits
/// whose address and value are the same `local.tee`'d value. The oracle
/// abandons such cases instead of reporting them; Egret traps as the spec
/// says (address 1 + 65536 is past the single page).
#[test]
fn wasmi_store_translator_panic() {
    let wasm = wasm(
        r#"(module
            (memory 1)
            (func (export "f") (param i32)
                (i32.store offset=65536 (local.tee 0 (memory.size)) (local.get 0))))"#,
    );
    let stats = oracles::differential(&Engines::new(), &wasm).unwrap();
    assert!(stats.oracle_panicked, "{stats:?}");

    let (mut store, instance) = instantiate(&wasm);
    let f = instance.get_typed_func::<i32, ()>(&mut store, "f").unwrap();
    let err = f.call(&mut store, 0).unwrap_err();
    assert_eq!(
        *err.downcast_ref::<Trap>().unwrap(),
        Trap::MemoryOutOfBounds
    );
}

/// wasmi 2.0.0 delivers the values of a `br_table` carrying two or more
/// values, with another value below them, shifted by one slot: here it
/// returns (garbage, 1) instead of (1, 3). The oracle skips such modules
/// as unsupported; Egret gives the spec answer.
#[test]
fn wasmi_multi_value_br_table() {
    let wasm = wasm(
        r#"(module
            (func (export "f") (param i32) (result i64 i64)
                (block (result i64 i64)
                    (ref.null func)
                    (i64.const 1)
                    (i64.const 3)
                    (local.get 0)
                    (br_table 0 1 1))))"#,
    );
    let stats = oracles::differential(&Engines::new(), &wasm).unwrap();
    assert!(stats.oracle_unsupported, "{stats:?}");

    let (mut store, instance) = instantiate(&wasm);
    let f = instance
        .get_typed_func::<i32, (i64, i64)>(&mut store, "f")
        .unwrap();
    assert_eq!(f.call(&mut store, 0).unwrap(), (1, 3));
    assert_eq!(f.call(&mut store, 1).unwrap(), (1, 3));
}

/// The same wasmi 2.0.0 bug with one `v128`, which wasmi keeps in two
/// 64-bit cells (found by seed 11, case 65367 of `fuzz-differential`,
/// where Wasmtime agrees with Egret): wasmi returns (a pointer-like
/// garbage word, 5) instead of (5, 6).
#[test]
fn wasmi_v128_br_table() {
    let wasm = wasm(
        r#"(module
            (func (export "f") (param i32) (result v128)
                (block (result v128)
                    (i32.const 7)
                    (v128.const i64x2 5 6)
                    (local.get 0)
                    (br_table 1 0 1))))"#,
    );
    let stats = oracles::differential(&Engines::new(), &wasm).unwrap();
    assert!(stats.oracle_unsupported, "{stats:?}");

    let (mut store, instance) = instantiate(&wasm);
    let f = instance.get_func(&store, "f").unwrap();
    for arg in [0, 1, 2] {
        let mut out = [egret::Val::from(0_u128)];
        f.call(&mut store, &[egret::Val::I32(arg)], &mut out)
            .unwrap();
        assert!(
            matches!(out[0], egret::Val::V128(v) if v.as_u128() == 6 << 64 | 5),
            "{arg}"
        );
    }
}

/// wasmi 2.0.0 gives nondeterministic `v128` results for this module
/// (minimised from seed 4, case 102477 of `fuzz-differential`): from run to
/// run the same call with the same arguments returns zeros, `0x4` in lane
/// 0, or `0x4f800000` in lane 3, which suggests it reads a stale or
/// uninitialised slot. It is `wasmi_v128_br_table` again (the result
/// leaves function 2 by a `br_table` carrying the `v128`), so the oracle
/// skips the module. Egret's answer is the spec's: the second call
/// takes the `br_table` out of function 2 with
/// `f32x4.convert_i32x4_s (f64x2.convert_low_i32x4_u (f64x2.convert_low_i32x4_u
/// (f32x4.convert_i32x4_s (i32x4.trunc_sat_f64x2_u_zero arg))))`, which is
/// `0x4e83a0f4` in lane 3 (worked by hand in `docs/fuzzing.md`).
#[test]
fn wasmi_v128_nondeterminism() {
    let wasm = wasm(include_str!("wasmi_v128_nondeterminism.wat"));
    let stats = oracles::differential(&Engines::new(), &wasm).unwrap();
    assert!(stats.oracle_unsupported, "{stats:?}");
    let engine = Engine::default();
    for _ in 0..2 {
        let module = Module::new(&engine, &wasm).unwrap();
        let mut store = Store::new(&engine, ());
        let ty = module.imports().next().unwrap().ty().clone();
        let egret::ExternType::Func(ty) = ty else {
            panic!("the import is a function");
        };
        let import = egret::Func::new(&mut store, ty, |_, _, _| Ok(()));
        let instance = Instance::new(&mut store, &module, &[import.into()]).unwrap();
        let f = instance.get_func(&store, "2").unwrap();
        let mut call = |arg: u128| {
            let mut out = [egret::Val::from(0_u128)];
            f.call(&mut store, &[egret::Val::from(arg)], &mut out)
                .unwrap();
            match out[0] {
                egret::Val::V128(v) => v.as_u128(),
                _ => unreachable!("the result is a v128"),
            }
        };
        assert_eq!(call(0), 0);
        assert_eq!(
            call(0xf2ef_bd0e_d567_e958_65d2_ea97_d395_1c75),
            0x4e83_a0f4 << 96
        );
    }
}

/// Egret bug found by the Wasmtime differential (seed 1, case 165087 of
/// `fuzz-differential-wasmtime`): a 64-bit memory of one-byte pages whose
/// maximum (2774 bytes) is not a multiple of the host page got a
/// reservation of exactly that many bytes, smaller than the host page its
/// copy-on-write data image (and accessible prefix) is rounded up to, so
/// instantiation failed with "memory image beyond the memory's size"
/// (and growing such a memory to its maximum would have failed for the
/// same reason). Wasmtime (and the spec) instantiate and grow it.
#[test]
fn memory64_byte_pages_with_data_image() {
    let engine = Engine::new(egret::Config::new().wasm_custom_page_sizes(true)).unwrap();
    let wasm = wasm(
        r#"(module
            (memory (export "m") i64 2703 2774 (pagesize 1))
            (data (i64.const 335) "l")
            (func (export "load") (param i64) (result i32)
                (i32.load8_u (local.get 0)))
            (func (export "grow") (param i64) (result i64)
                (memory.grow (local.get 0))))"#,
    );
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let memory = instance.get_memory(&store, "m").unwrap();
    assert_eq!(memory.data(&store).len(), 2703);
    let load = instance
        .get_typed_func::<i64, i32>(&mut store, "load")
        .unwrap();
    assert_eq!(load.call(&mut store, 335).unwrap(), i32::from(b'l'));
    // The bytes past the minimum, inside the image's host page, are
    // still out of bounds.
    let trap = load.call(&mut store, 2703).unwrap_err();
    assert_eq!(
        *trap.downcast_ref::<Trap>().unwrap(),
        Trap::MemoryOutOfBounds
    );
    // Growing to the maximum works, one byte past it does not.
    let grow = instance
        .get_typed_func::<i64, i64>(&mut store, "grow")
        .unwrap();
    assert_eq!(grow.call(&mut store, 71).unwrap(), 2703);
    assert_eq!(load.call(&mut store, 2773).unwrap(), 0);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    // And the whole case agrees with Wasmtime.
    #[cfg(feature = "wasmtime")]
    oracles::differential_wasmtime(&Engines::new(), &wasm).unwrap();
}

/// Seed 3, case 63,908 of the Wasmtime differential with GC (minimised):
/// a struct of type 7 kept on the operand stack across a call that
/// allocates (a struct of type 7, an empty array of type 9, a struct of
/// type 10), then `ref.cast (ref 7)`, in a recursion 2,000 deep (until
/// the injected fuel runs out: `unreachable`, as in Wasmtime). Egret
/// traps with `CastFailure` on the way down. Without the recursion, or
/// without the empty `array.new_fixed`, it does not, nor with only the
/// three types used, renumbered into one recursion group: the other
/// recursion groups and types of the generated module matter. With the
/// fuel (the depth) at 744 it passed, from 745 it failed: about 64 KiB
/// allocated by then, where the heap first grows and collects first. The
/// struct, an operand of a concrete type, was in no stack map, so that
/// collection freed it (fixed in `declare_stack_map_values`).
#[test]
fn gc_cast_of_struct_kept_across_allocating_calls() {
    let wasm = wasm(
        r#"(module
          (rec
            (type (;0;) (sub (array (mut i8))))
            (type (;1;) (array f64))
          )
          (rec
            (type (;2;) (struct (field i64) (field (mut i64)) (field f64) (field (mut i16)) (field (mut funcref))))
            (type (;3;) (struct (field funcref) (field i8) (field i8) (field (mut i8)) (field (mut i16)) (field (mut i8)) (field (mut i16)) (field (mut i8)) (field i16) (field i8) (field i8) (field i8) (field (mut f64)) (field (mut i16)) (field (mut i16)) (field (mut i16)) (field (mut f64))))
            (type (;4;) (func (param f32) (result f32 f64)))
            (type (;5;) (sub 0 (array (mut i8))))
            (type (;6;) (func))
          )
          (rec
            (type (;7;) (sub (struct (field (mut i8)) (field (mut i16)) (field (mut f32)) (field (mut i8)) (field i16))))
            (type (;8;) (sub (array i8)))
            (type (;9;) (sub (array i8)))
            (type (;10;) (sub (struct (field i64) (field i64))))
            (type (;11;) (struct (field i16) (field (mut i16)) (field i16) (field (mut i16)) (field (mut f32)) (field i8) (field (mut f64)) (field (mut i8)) (field i16) (field i16) (field (mut i16)) (field (mut i16))))
            (type (;12;) (func (param eqref) (result i32)))
            (type (;13;) (func (param i32 i64) (result eqref i64)))
            (type (;14;) (sub (func (param i32 f64) (result i64 f32 i64))))
            (type (;15;) (func (param (ref null 8)) (result i32 i64 f64 structref)))
            (type (;16;) (struct (field i8) (field (mut i16)) (field (mut i16)) (field f32) (field (mut f32)) (field i16) (field (mut i8)) (field i8) (field i16) (field i8) (field (mut i64)) (field (mut i16)) (field (mut i16)) (field (mut i8)) (field (mut i8))))
          )
          (global $fuel (mut i32) (i32.const 2000))
          (func $alloc
            (drop (struct.new_default 7))
            (drop (array.new_fixed 9 0))
            (drop (struct.new_default 10)))
          (func $rec (export "rec")
            (if (i32.eqz (global.get $fuel)) (then unreachable))
            (global.set $fuel (i32.sub (global.get $fuel) (i32.const 1)))
            (struct.new_default 7)
            (call $alloc)
            (ref.cast (ref 7))
            (call $rec)
            (drop)))"#,
    );
    let mut config = egret::Config::new();
    config.wasm_gc(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let rec = instance.get_func(&mut store, "rec").unwrap();
    let err = rec.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::UnreachableCodeReached)
    );
}
