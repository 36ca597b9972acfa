//! The handles of the bottom reference types, as Wasmtime 48 has them:
//! `NoFunc` (`nofunc`), `NoExtern` (`noextern`) and `NoneRef` (`none`).
//! Each is uninhabited, so the only value of `Option<NoFunc>` and the like
//! is `None`, null; they exist so that typed calls and `Func::wrap` can
//! name `(ref null nofunc)`, `(ref null noextern)` and `(ref null none)`.

use crate::store::StoreInner;
use crate::types::engine_form::{self, ValType};
use crate::{Ref, Result, Val, WasmTy};
use egret_runtime::store::StoreOpaque;
use std::convert::Infallible;

/// The bottom type of functions, `nofunc`: no value of it exists, and
/// `Option<NoFunc>` is always `None`, the null `(ref null nofunc)`.
///
/// ```
/// use egret::{Engine, Instance, Module, NoFunc, Store};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (func (export "is_null") (param (ref null nofunc)) (result i32)
///       (ref.is_null (local.get 0))))"#)?;
/// let mut store = Store::new(&engine, ());
/// let instance = Instance::new(&mut store, &module, &[])?;
/// let is_null = instance.get_typed_func::<Option<NoFunc>, i32>(&mut store, "is_null")?;
/// assert_eq!(is_null.call(&mut store, NoFunc::null())?, 1);
/// # Ok::<(), egret::Error>(())
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct NoFunc {
    never: Infallible,
}

/// The bottom type of host references, `noextern`: no value of it exists,
/// and `Option<NoExtern>` is always `None`, the null `(ref null noextern)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct NoExtern {
    never: Infallible,
}

/// The bottom type of the `any` hierarchy, `none`: no value of it exists,
/// and `Option<NoneRef>` is always `None`, the null `(ref null none)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct NoneRef {
    never: Infallible,
}

/// The constructors of the null of each bottom type, and its `WasmTy`
/// for both the nullable (`Option<_>`) and the non-null type.
macro_rules! bottom_type {
    ($($ty:ident => $heap:ident, $variant:ident, $val:ident;)*) => {$(
        impl $ty {
            /// The null reference, as `Option<Self>`.
            pub fn null() -> Option<$ty> {
                None
            }

            /// The null reference, as a [`Ref`].
            pub fn null_ref() -> Ref {
                Ref::$variant(None)
            }

            /// The null reference, as a [`Val`].
            pub fn null_val() -> Val {
                Val::$val(None)
            }
        }

        /// The non-null type: no value ever crosses.
        impl WasmTy for $ty {
            fn valtype() -> ValType {
                ValType::Ref(engine_form::RefType {
                    nullable: false,
                    heap: engine_form::HeapType::$heap,
                })
            }
            fn to_raw<T>(self, _: &StoreInner<T>) -> Result<u128> {
                match self.never {}
            }
            fn from_raw(_: u128, _: &StoreOpaque) -> Self {
                unreachable!(concat!(
                    "wasm produced a value of the uninhabited type ",
                    stringify!($ty)
                ))
            }
        }

        /// The nullable type: always null.
        impl WasmTy for Option<$ty> {
            fn valtype() -> ValType {
                ValType::Ref(engine_form::RefType {
                    nullable: true,
                    heap: engine_form::HeapType::$heap,
                })
            }
            fn to_raw<T>(self, _: &StoreInner<T>) -> Result<u128> {
                Ok(0)
            }
            // Validation allows nothing but null here (the slot's bits
            // beyond the reference's width are not defined).
            fn from_raw(_: u128, _: &StoreOpaque) -> Self {
                None
            }
        }
    )*};
}

bottom_type! {
    NoFunc => NoFunc, Func, FuncRef;
    NoExtern => NoExtern, Extern, ExternRef;
    NoneRef => None, Any, AnyRef;
}
