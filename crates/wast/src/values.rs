//! Script values: turning `invoke` arguments into `Val`s and checking
//! results against `assert_return` patterns (NaN patterns, v128 lanes,
//! references), with readable renderings of both for failure messages.

use egret::{AnyRef, ExternRef, OwnedRooted, Rooted, Store, Val, ValType};
use std::collections::HashMap;
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};
use wast::{WastArg, WastRet};

/// The host values scripts pass as `ref.extern N`: one `ExternRef` per `N`
/// per store, holding `N`.
#[derive(Default)]
pub(crate) struct ExternRefs {
    refs: HashMap<u32, OwnedRooted<ExternRef>>,
}

impl ExternRefs {
    fn get(&mut self, store: &mut Store<()>, n: u32) -> Result<Rooted<ExternRef>, String> {
        if let Some(owned) = self.refs.get(&n) {
            return Ok(owned.to_rooted(store));
        }
        let new = ExternRef::new(&mut *store, n).map_err(|e| e.to_string())?;
        let owned = new
            .to_owned_rooted(&mut *store)
            .map_err(|e| e.to_string())?;
        self.refs.insert(n, owned);
        Ok(new)
    }
}

/// The `N` an externref made by a script holds.
fn extern_data(store: &Store<()>, r: &ExternRef) -> Option<u32> {
    r.data(store).ok()??.downcast_ref::<u32>().copied()
}

fn null_of(heap: &HeapType<'_>) -> Result<Val, String> {
    match heap {
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Func | AbstractHeapType::NoFunc,
        } => Ok(Val::FuncRef(None)),
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
        } => Ok(Val::ExternRef(None)),
        HeapType::Abstract {
            shared: false,
            ty:
                AbstractHeapType::Any
                | AbstractHeapType::Eq
                | AbstractHeapType::I31
                | AbstractHeapType::Struct
                | AbstractHeapType::Array
                | AbstractHeapType::None,
        } => Ok(Val::AnyRef(None)),
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Exn | AbstractHeapType::NoExn,
        } => Ok(Val::ExnRef(None)),
        other => Err(format!("unsupported reference type {other:?}")),
    }
}

/// The `Val` of an `invoke` argument.
pub(crate) fn arg(
    store: &mut Store<()>,
    externs: &mut ExternRefs,
    arg: &WastArg<'_>,
) -> Result<Val, String> {
    let WastArg::Core(core) = arg else {
        return Err("component-model arguments are not supported".into());
    };
    Ok(match core {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::from(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(heap) => null_of(heap)?,
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(externs.get(store, *n)?)),
        // The host value `N` seen from the `any` hierarchy, as
        // `any.convert_extern` of `ref.extern N` makes it.
        WastArgCore::RefHost(n) => {
            let external = externs.get(store, *n)?;
            let any = AnyRef::convert_extern(&mut *store, external).map_err(|e| e.to_string())?;
            Val::AnyRef(Some(any))
        }
    })
}

fn f32_matches(bits: u32, pattern: &NanPattern<F32>) -> bool {
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

fn f64_matches(bits: u64, pattern: &NanPattern<F64>) -> bool {
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

/// The lanes of a v128 of `N`-byte lanes, little-endian, as unsigned bits.
fn lanes<const N: usize>(v: u128) -> impl Iterator<Item = u64> {
    let bytes = v.to_le_bytes();
    (0..16 / N).map(move |i| {
        let mut lane = [0u8; 8];
        lane[..N].copy_from_slice(&bytes[i * N..(i + 1) * N]);
        u64::from_le_bytes(lane)
    })
}

fn v128_matches(v: u128, pattern: &V128Pattern) -> bool {
    match pattern {
        V128Pattern::I8x16(e) => lanes::<1>(v).zip(e).all(|(a, e)| a as u8 == *e as u8),
        V128Pattern::I16x8(e) => lanes::<2>(v).zip(e).all(|(a, e)| a as u16 == *e as u16),
        V128Pattern::I32x4(e) => lanes::<4>(v).zip(e).all(|(a, e)| a as u32 == *e as u32),
        V128Pattern::I64x2(e) => lanes::<8>(v).zip(e).all(|(a, e)| a == *e as u64),
        V128Pattern::F32x4(e) => lanes::<4>(v).zip(e).all(|(a, e)| f32_matches(a as u32, e)),
        V128Pattern::F64x2(e) => lanes::<8>(v).zip(e).all(|(a, e)| f64_matches(a, e)),
    }
}

/// Whether `actual` matches the expected result `expected`.
pub(crate) fn matches(store: &mut Store<()>, actual: &Val, expected: &WastRet<'_>) -> bool {
    let WastRet::Core(expected) = expected else {
        return false;
    };
    core_matches(store, actual, expected)
}

fn core_matches(store: &mut Store<()>, actual: &Val, expected: &WastRetCore<'_>) -> bool {
    match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => a == e,
        (WastRetCore::I64(e), Val::I64(a)) => a == e,
        (WastRetCore::F32(e), Val::F32(a)) => f32_matches(*a, e),
        (WastRetCore::F64(e), Val::F64(a)) => f64_matches(*a, e),
        (WastRetCore::V128(e), Val::V128(a)) => v128_matches(a.as_u128(), e),
        (WastRetCore::RefNull(None), a) => is_null(a),
        (WastRetCore::RefNull(Some(heap)), a) => match null_of(heap) {
            Ok(null) => match (null.ty(&*store), a.ty(&*store)) {
                (Ok(null_ty), Ok(actual_ty)) => ValType::eq(&null_ty, &actual_ty) && is_null(a),
                _ => false,
            },
            Err(_) => false,
        },
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
            extern_data(store, r) == Some(*n)
        }
        // Which function a non-null funcref is cannot be observed through
        // the API; a non-null one matches.
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::RefI31, Val::AnyRef(Some(a))) => a.is_i31(&*store).unwrap_or(false),
        (WastRetCore::RefStruct, Val::AnyRef(Some(a))) => a.is_struct(&*store).unwrap_or(false),
        (WastRetCore::RefArray, Val::AnyRef(Some(a))) => a.is_array(&*store).unwrap_or(false),
        (WastRetCore::RefEq, Val::AnyRef(Some(a))) => a.is_eqref(&*store).unwrap_or(false),
        (WastRetCore::RefAny, Val::AnyRef(Some(_))) => true,
        (WastRetCore::RefHost(n), Val::AnyRef(Some(a))) => ExternRef::convert_any(&mut *store, *a)
            .is_ok_and(|external| extern_data(store, &external) == Some(*n)),
        (WastRetCore::Either(cases), a) => cases.iter().any(|e| core_matches(store, a, e)),
        _ => false,
    }
}

fn is_null(v: &Val) -> bool {
    matches!(
        v,
        Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None)
    )
}

/// A value for failure messages, e.g. `i32:-1` or `f32:nan (0x7fc00000)`.
pub(crate) fn show(store: &mut Store<()>, v: &Val) -> String {
    match v {
        Val::I32(x) => format!("i32:{x}"),
        Val::I64(x) => format!("i64:{x}"),
        Val::F32(b) => format!("f32:{:?} ({b:#010x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64:{:?} ({b:#018x})", f64::from_bits(*b)),
        Val::V128(x) => format!("v128:{:#034x}", x.as_u128()),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(_)) => "ref.func".into(),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExternRef(Some(r)) => match extern_data(store, r) {
            Some(n) => format!("ref.extern {n}"),
            None => "ref.extern <foreign>".into(),
        },
        Val::AnyRef(None) => "ref.null any".into(),
        Val::AnyRef(Some(a)) => match (a.as_i31(&*store), a.ty(&*store)) {
            (Ok(Some(i)), _) => format!("ref.i31 {}", i.get_i32()),
            (_, Ok(egret::HeapType::Any)) => match ExternRef::convert_any(&mut *store, *a) {
                Ok(external) => match extern_data(store, &external) {
                    Some(n) => format!("ref.host {n}"),
                    None => "ref.host <foreign>".into(),
                },
                Err(_) => "anyref".into(),
            },
            (_, Ok(ty)) => format!("ref {ty}"),
            _ => "anyref".into(),
        },
        Val::ExnRef(None) => "ref.null exn".into(),
        Val::ExnRef(Some(_)) => "exnref".into(),
    }
}

/// `actual` for a failure message, v128 lanes in the shape `expected` uses.
pub(crate) fn show_like(
    store: &mut Store<()>,
    actual: &Val,
    expected: Option<&WastRet<'_>>,
) -> String {
    let (Val::V128(v), Some(WastRet::Core(WastRetCore::V128(pattern)))) = (actual, expected) else {
        return show(store, actual);
    };
    let v = v.as_u128();
    match pattern {
        V128Pattern::I8x16(_) => show_lanes("i8x16", lanes::<1>(v).map(|l| l as i8)),
        V128Pattern::I16x8(_) => show_lanes("i16x8", lanes::<2>(v).map(|l| l as i16)),
        V128Pattern::I32x4(_) => show_lanes("i32x4", lanes::<4>(v).map(|l| l as i32)),
        V128Pattern::I64x2(_) => show_lanes("i64x2", lanes::<8>(v).map(|l| l as i64)),
        V128Pattern::F32x4(_) => show_lanes(
            "f32x4",
            lanes::<4>(v).map(|l| show_f32(&NanPattern::Value(F32 { bits: l as u32 }))),
        ),
        V128Pattern::F64x2(_) => show_lanes(
            "f64x2",
            lanes::<8>(v).map(|l| show_f64(&NanPattern::Value(F64 { bits: l }))),
        ),
    }
}

fn show_f32(p: &NanPattern<F32>) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".into(),
        NanPattern::ArithmeticNan => "nan:arithmetic".into(),
        NanPattern::Value(v) => format!("{:?} ({:#010x})", f32::from_bits(v.bits), v.bits),
    }
}

fn show_f64(p: &NanPattern<F64>) -> String {
    match p {
        NanPattern::CanonicalNan => "nan:canonical".into(),
        NanPattern::ArithmeticNan => "nan:arithmetic".into(),
        NanPattern::Value(v) => format!("{:?} ({:#018x})", f64::from_bits(v.bits), v.bits),
    }
}

fn show_lanes<T: std::fmt::Display>(shape: &str, lanes: impl IntoIterator<Item = T>) -> String {
    let lanes: Vec<String> = lanes.into_iter().map(|l| l.to_string()).collect();
    format!("v128:{shape}[{}]", lanes.join(" "))
}

/// An expected result for failure messages.
pub(crate) fn show_expected(expected: &WastRet<'_>) -> String {
    match expected {
        WastRet::Core(core) => show_core(core),
        other => format!("{other:?}"),
    }
}

fn show_core(expected: &WastRetCore<'_>) -> String {
    match expected {
        WastRetCore::I32(x) => format!("i32:{x}"),
        WastRetCore::I64(x) => format!("i64:{x}"),
        WastRetCore::F32(p) => format!("f32:{}", show_f32(p)),
        WastRetCore::F64(p) => format!("f64:{}", show_f64(p)),
        WastRetCore::V128(p) => match p {
            V128Pattern::I8x16(l) => show_lanes("i8x16", l),
            V128Pattern::I16x8(l) => show_lanes("i16x8", l),
            V128Pattern::I32x4(l) => show_lanes("i32x4", l),
            V128Pattern::I64x2(l) => show_lanes("i64x2", l),
            V128Pattern::F32x4(l) => show_lanes("f32x4", l.iter().map(show_f32)),
            V128Pattern::F64x2(l) => show_lanes("f64x2", l.iter().map(show_f64)),
        },
        WastRetCore::RefNull(None) => "ref.null".into(),
        WastRetCore::RefNull(Some(heap)) => match null_of(heap) {
            Ok(Val::FuncRef(_)) => "ref.null func".into(),
            Ok(_) => "ref.null extern".into(),
            Err(e) => e,
        },
        WastRetCore::RefExtern(None) => "ref.extern".into(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefFunc(_) => "ref.func".into(),
        WastRetCore::RefAny => "ref.any".into(),
        WastRetCore::RefHost(n) => format!("ref.host {n}"),
        WastRetCore::RefEq => "ref.eq".into(),
        WastRetCore::RefI31 => "ref.i31".into(),
        WastRetCore::RefStruct => "ref.struct".into(),
        WastRetCore::RefArray => "ref.array".into(),
        WastRetCore::Either(cases) => {
            let cases: Vec<String> = cases.iter().map(show_core).collect();
            format!("either({})", cases.join(" | "))
        }
        other => format!("unsupported pattern {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_patterns_check_bits() {
        assert!(f32_matches(0x7fc0_0000, &NanPattern::CanonicalNan));
        assert!(f32_matches(0xffc0_0000, &NanPattern::CanonicalNan));
        assert!(!f32_matches(0x7fc0_0001, &NanPattern::CanonicalNan));
        assert!(f32_matches(0x7fc0_0001, &NanPattern::ArithmeticNan));
        assert!(!f32_matches(0x7fa0_0000, &NanPattern::ArithmeticNan));
        assert!(!f32_matches(0x7f80_0000, &NanPattern::ArithmeticNan));
        assert!(f64_matches(
            0xfff8_0000_0000_0000,
            &NanPattern::CanonicalNan
        ));
        assert!(!f64_matches(
            0x7ff8_0000_0000_0001,
            &NanPattern::CanonicalNan
        ));
        assert!(f64_matches(
            0x7ffc_0000_0000_0000,
            &NanPattern::ArithmeticNan
        ));
        assert!(!f64_matches(
            0x7ff4_0000_0000_0000,
            &NanPattern::ArithmeticNan
        ));
        assert!(f32_matches(
            0x8000_0000,
            &NanPattern::Value(F32 { bits: 0x8000_0000 })
        ));
        assert!(!f32_matches(
            0,
            &NanPattern::Value(F32 { bits: 0x8000_0000 })
        ));
    }

    #[test]
    fn v128_lanes_are_little_endian() {
        let v = u128::from_le_bytes([1, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 4, 0, 0, 0]);
        assert!(v128_matches(v, &V128Pattern::I32x4([1, 2, -1, 4])));
        assert!(!v128_matches(v, &V128Pattern::I32x4([1, 2, 3, 4])));
        assert!(v128_matches(
            v,
            &V128Pattern::I16x8([1, 0, 2, 0, -1, -1, 4, 0])
        ));
        let nan = u128::from(0x7fc0_0000u32) | (u128::from(0x3f80_0000u32) << 32);
        let one = NanPattern::Value(F32 { bits: 0x3f80_0000 });
        let zero = NanPattern::Value(F32 { bits: 0 });
        let pattern = V128Pattern::F32x4([NanPattern::CanonicalNan, one, zero, zero]);
        assert!(v128_matches(nan, &pattern));
    }
}
