//! Relaxed SIMD through the embedding API: on by default, and
//! `Config::relaxed_simd_deterministic` giving the non-relaxed operators'
//! results where the host's native instruction gives another permitted one.

use egret::{Config, Engine, Instance, Module, Store, Val};

const OPERATORS: &str = r#"(module
    (func (export "swizzle") (param v128 v128) (result v128)
        (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
    (func (export "trunc") (param v128) (result v128)
        (i32x4.relaxed_trunc_f32x4_s (local.get 0)))
    (func (export "laneselect") (param v128 v128 v128) (result v128)
        (i8x16.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
    (func (export "madd") (param v128 v128 v128) (result v128)
        (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))"#;

/// Calls the export `name` of a fresh instance of [`OPERATORS`].
fn call(config: &Config, name: &str, args: &[u128]) -> u128 {
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, OPERATORS).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let func = instance.get_func(&mut store, name).unwrap();
    let args: Vec<Val> = args.iter().map(|&v| Val::from(v)).collect();
    let mut result = [Val::from(0_u128)];
    func.call(&mut store, &args, &mut result).unwrap();
    match result[0] {
        Val::V128(v) => v.as_u128(),
        ref other => panic!("{name} returned {other:?}"),
    }
}

fn f32x4(lanes: [f32; 4]) -> u128 {
    lanes
        .iter()
        .enumerate()
        .map(|(i, f)| u128::from(f.to_bits()) << (32 * i))
        .sum()
}

fn deterministic() -> Config {
    let mut config = Config::new();
    config.relaxed_simd_deterministic(true);
    config
}

/// Whether the native lowering on this host is x86_64's (SSSE3 and
/// SSE4.1 are part of Egret's minimum x86_64 level).
fn x86_64() -> bool {
    cfg!(target_arch = "x86_64")
}

#[test]
fn relaxed_simd_is_on_by_default() {
    let engine = Engine::default();
    assert!(Module::new(&engine, OPERATORS).is_ok());
    let engine = Engine::new(Config::new().wasm_relaxed_simd(false)).unwrap();
    assert!(Module::new(&engine, OPERATORS).is_err());
}

#[test]
fn swizzle_index_past_15_is_zero_when_deterministic() {
    let bytes: u128 = u128::from_le_bytes(std::array::from_fn(|i| 0xa0 + i as u8));
    // Every lane selects index 17; index 0x80 and above is 0 either way.
    let indices = u128::from_le_bytes([17; 16]);
    assert_eq!(call(&deterministic(), "swizzle", &[bytes, indices]), 0);
    let native = call(&Config::new(), "swizzle", &[bytes, indices]);
    if x86_64() {
        // `pshufb` uses the index modulo 16.
        assert_eq!(native, u128::from_le_bytes([0xa1; 16]));
    }
    let high = u128::from_le_bytes([0x80; 16]);
    assert_eq!(call(&Config::new(), "swizzle", &[bytes, high]), 0);
    // In range, both agree.
    let in_range = u128::from_le_bytes([3; 16]);
    let expected = u128::from_le_bytes([0xa3; 16]);
    assert_eq!(
        call(&Config::new(), "swizzle", &[bytes, in_range]),
        expected
    );
    assert_eq!(
        call(&deterministic(), "swizzle", &[bytes, in_range]),
        expected
    );
}

#[test]
fn trunc_saturates_when_deterministic() {
    let input = f32x4([f32::NAN, 3e9, -3e9, -7.9]);
    let saturated = [0u32, i32::MAX as u32, i32::MIN as u32, -7i32 as u32];
    let expected: u128 = saturated
        .iter()
        .enumerate()
        .map(|(i, &v)| u128::from(v) << (32 * i))
        .sum();
    assert_eq!(call(&deterministic(), "trunc", &[input]), expected);
    if x86_64() {
        // `cvttps2dq` gives i32::MIN for NaN and every lane out of range.
        let min = i32::MIN as u32;
        let native = [min, min, min, -7i32 as u32];
        let native: u128 = native
            .iter()
            .enumerate()
            .map(|(i, &v)| u128::from(v) << (32 * i))
            .sum();
        assert_eq!(call(&Config::new(), "trunc", &[input]), native);
    }
}

#[test]
fn laneselect_is_bitwise_when_deterministic() {
    let (x, y) = (u128::MAX, 0);
    // Mask bytes with only their low bit set: `bitselect` takes bit 0 of
    // `x`; `pblendvb` looks only at each byte's top bit and takes `y`.
    let mask = u128::from_le_bytes([0x01; 16]);
    assert_eq!(
        call(&deterministic(), "laneselect", &[x, y, mask]),
        u128::from_le_bytes([0x01; 16])
    );
    if x86_64() {
        assert_eq!(call(&Config::new(), "laneselect", &[x, y, mask]), 0);
    }
    // All-ones and all-zeros lanes, the case the specification fixes,
    // agree.
    let mask = u128::from_le_bytes(std::array::from_fn(|i| if i % 2 == 0 { 0xff } else { 0 }));
    for config in [Config::new(), deterministic()] {
        assert_eq!(call(&config, "laneselect", &[x, y, mask]), mask);
    }
}

#[test]
fn madd_is_fused_when_deterministic() {
    // (1 + 2^-23)^2 - (1 + 2^-22) = 2^-46: only visible when fused.
    let a = 1.0f32 + f32::EPSILON;
    let c = -(1.0f32 + 2.0 * f32::EPSILON);
    let args = [f32x4([a; 4]), f32x4([a; 4]), f32x4([c; 4])];
    let fused = f32x4([2f32.powi(-46); 4]);
    assert_eq!(call(&deterministic(), "madd", &args), fused);
    let native = call(&Config::new(), "madd", &args);
    assert!(native == fused || native == f32x4([0.0; 4]), "{native:#x}");
}
