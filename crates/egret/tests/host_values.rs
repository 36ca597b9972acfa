//! Values crossing from wasm to host functions and back, in registers (a
//! register type: at most two parameters and one result, none a `v128`)
//! and through the value slots (every other type): every bit of each
//! number type arrives and returns, narrow values and floats included,
//! for `Func::wrap` and `Func::new` alike, with and without a call hook.

use egret::*;

/// `call_*` exports pass their parameters to the imported host function
/// of the same type and return its result: host -> wasm -> host -> wasm ->
/// host. The two-parameter types are register types; `three` and `vec`
/// are not.
const ROUND_TRIP: &str = r#"
    (module
      (import "host" "i32" (func $i32 (param i32) (result i32)))
      (import "host" "i64" (func $i64 (param i64 i64) (result i64)))
      (import "host" "f32" (func $f32 (param f32) (result f32)))
      (import "host" "f64" (func $f64 (param f32 f64) (result f64)))
      (import "host" "none" (func $none (result i32)))
      (import "host" "three" (func $three (param i32 i64 f64) (result f64)))
      (import "host" "vec" (func $vec (param v128) (result v128)))
      (func (export "call_i32") (param i32) (result i32) (call $i32 (local.get 0)))
      (func (export "call_i64") (param i64 i64) (result i64)
        (call $i64 (local.get 0) (local.get 1)))
      (func (export "call_f32") (param f32) (result f32) (call $f32 (local.get 0)))
      (func (export "call_f64") (param f32 f64) (result f64)
        (call $f64 (local.get 0) (local.get 1)))
      (func (export "call_none") (result i32) (call $none))
      (func (export "call_three") (param i32 i64 f64) (result f64)
        (call $three (local.get 0) (local.get 1) (local.get 2)))
      (func (export "call_vec") (param v128) (result v128) (call $vec (local.get 0)))
      ;; The sign of a narrow result is the wasm's to extend.
      (func (export "widen_i32") (param i32) (result i64)
        (i64.extend_i32_s (call $i32 (local.get 0)))))
"#;

/// Host functions that give back (a mix of) their arguments' bits.
fn wrapped(store: &mut Store<()>) -> Vec<Extern> {
    vec![
        Func::wrap(&mut *store, |x: i32| x.rotate_left(1)).into(),
        Func::wrap(&mut *store, |a: i64, b: i64| a ^ b.rotate_left(7)).into(),
        Func::wrap(&mut *store, |x: f32| f32::from_bits(x.to_bits() ^ 1)).into(),
        Func::wrap(&mut *store, |a: f32, b: f64| {
            f64::from_bits(b.to_bits() ^ u64::from(a.to_bits()))
        })
        .into(),
        Func::wrap(&mut *store, || -7i32).into(),
        Func::wrap(&mut *store, |a: i32, b: i64, c: f64| {
            f64::from_bits(c.to_bits() ^ (b as u64) ^ u64::from(a as u32))
        })
        .into(),
        Func::wrap(&mut *store, |v: V128| {
            V128::from(u128::from(v).rotate_left(8))
        })
        .into(),
    ]
}

/// The same functions as `Func::new` over `Val`s.
fn dynamic(store: &mut Store<()>) -> Vec<Extern> {
    let engine = store.engine().clone();
    let ty = |params: &[ValType], results: &[ValType]| {
        FuncType::new(&engine, params.iter().cloned(), results.iter().cloned())
    };
    use ValType::{F32, F64, I32, I64};
    let simd = [ValType::V128];
    let funcs = [
        Func::new(&mut *store, ty(&[I32], &[I32]), |_, p, r| {
            r[0] = Val::I32(p[0].unwrap_i32().rotate_left(1));
            Ok(())
        }),
        Func::new(&mut *store, ty(&[I64, I64], &[I64]), |_, p, r| {
            r[0] = Val::I64(p[0].unwrap_i64() ^ p[1].unwrap_i64().rotate_left(7));
            Ok(())
        }),
        Func::new(&mut *store, ty(&[F32], &[F32]), |_, p, r| {
            r[0] = Val::F32(p[0].unwrap_f32().to_bits() ^ 1);
            Ok(())
        }),
        Func::new(&mut *store, ty(&[F32, F64], &[F64]), |_, p, r| {
            let (a, b) = (p[0].unwrap_f32().to_bits(), p[1].unwrap_f64().to_bits());
            r[0] = Val::F64(b ^ u64::from(a));
            Ok(())
        }),
        Func::new(&mut *store, ty(&[], &[I32]), |_, _, r| {
            r[0] = Val::I32(-7);
            Ok(())
        }),
        Func::new(&mut *store, ty(&[I32, I64, F64], &[F64]), |_, p, r| {
            let (a, b) = (p[0].unwrap_i32() as u32, p[1].unwrap_i64() as u64);
            r[0] = Val::F64(p[2].unwrap_f64().to_bits() ^ b ^ u64::from(a));
            Ok(())
        }),
        Func::new(&mut *store, ty(&simd, &simd), |_, p, r| {
            r[0] = Val::V128(V128::from(u128::from(p[0].unwrap_v128()).rotate_left(8)));
            Ok(())
        }),
    ];
    funcs.into_iter().map(Extern::from).collect()
}

/// Runs every export on values whose every bit matters, against what the
/// host functions compute.
fn check_round_trips(
    make: fn(&mut Store<()>) -> Vec<Extern>,
    hooked: bool,
) -> std::result::Result<(), Error> {
    let engine = Engine::default();
    let module = Module::new(&engine, ROUND_TRIP)?;
    let mut store = Store::new(&engine, ());
    if hooked {
        store.call_hook(|_, _| Ok(()));
    }
    let imports = make(&mut store);
    let instance = Instance::new(&mut store, &module, &imports)?;

    let call_i32 = instance.get_typed_func::<i32, i32>(&mut store, "call_i32")?;
    for x in [0, 1, -1, i32::MIN, 0x4000_0001] {
        assert_eq!(call_i32.call(&mut store, x)?, x.rotate_left(1), "{x:#x}");
    }
    let widen = instance.get_typed_func::<i32, i64>(&mut store, "widen_i32")?;
    for x in [-1, i32::MIN >> 1] {
        assert_eq!(widen.call(&mut store, x)?, i64::from(x.rotate_left(1)));
    }

    let call_i64 = instance.get_typed_func::<(i64, i64), i64>(&mut store, "call_i64")?;
    for (a, b) in [(-1, 0), (i64::MIN, 1), (0x0123_4567_89ab_cdef, -2)] {
        assert_eq!(call_i64.call(&mut store, (a, b))?, a ^ b.rotate_left(7));
    }

    let call_f32 = instance.get_typed_func::<f32, f32>(&mut store, "call_f32")?;
    // A NaN with a payload, a negative zero, the top bit of the low word.
    for bits in [0x7fc0_1234u32, 0x8000_0000, 0xffff_fffe, 0x3f80_0000] {
        let out = call_f32.call(&mut store, f32::from_bits(bits))?;
        assert_eq!(out.to_bits(), bits ^ 1, "{bits:#x}");
    }

    let call_f64 = instance.get_typed_func::<(f32, f64), f64>(&mut store, "call_f64")?;
    for (a, b) in [(0xffff_ffffu32, 0x7ff8_0000_0000_0001u64), (1, 1 << 63)] {
        let out = call_f64.call(&mut store, (f32::from_bits(a), f64::from_bits(b)))?;
        assert_eq!(out.to_bits(), b ^ u64::from(a), "{a:#x} {b:#x}");
    }

    let call_none = instance.get_typed_func::<(), i32>(&mut store, "call_none")?;
    assert_eq!(call_none.call(&mut store, ())?, -7);

    let call_three = instance.get_typed_func::<(i32, i64, f64), f64>(&mut store, "call_three")?;
    let out = call_three.call(&mut store, (-1, i64::MIN, f64::from_bits(3)))?;
    assert_eq!(out.to_bits(), 3 ^ (1 << 63) ^ 0xffff_ffff);

    let call_vec = instance.get_typed_func::<V128, V128>(&mut store, "call_vec")?;
    let v = 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10u128;
    assert_eq!(
        u128::from(call_vec.call(&mut store, V128::from(v))?),
        v.rotate_left(8)
    );
    Ok(())
}

#[test]
fn wrapped_functions_get_and_give_every_bit() {
    check_round_trips(wrapped, false).unwrap();
}

#[test]
fn dynamic_functions_get_and_give_every_bit() {
    check_round_trips(dynamic, false).unwrap();
}

#[test]
fn hooked_calls_get_and_give_every_bit() {
    // A call hook sends register types through the value slots.
    check_round_trips(wrapped, true).unwrap();
    check_round_trips(dynamic, true).unwrap();
}

/// A register type's failures: an error becomes the call's error, a
/// panic resumes in the host, and the store stays usable after both.
#[test]
fn register_type_failures_reach_the_host() {
    let engine = Engine::default();
    let module = Module::new(&engine, ROUND_TRIP).unwrap();
    let mut store = Store::new(&engine, ());
    let mut imports = wrapped(&mut store);
    imports[0] = Func::wrap(&mut store, |x: i32| -> Result<i32> {
        match x {
            0 => Err(Error::msg("zero refused")),
            1 => panic!("one refused"),
            _ => Ok(x + 1),
        }
    })
    .into();
    let instance = Instance::new(&mut store, &module, &imports).unwrap();
    let call = instance
        .get_typed_func::<i32, i32>(&mut store, "call_i32")
        .unwrap();

    let error = call.call(&mut store, 0).unwrap_err();
    assert!(format!("{error:?}").contains("zero refused"), "{error:?}");
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call.call(&mut store, 1)))
        .unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"one refused"));
    assert_eq!(call.call(&mut store, 41).unwrap(), 42);
}
