//! Statically typed calls: `TypedFunc<Params, Results>` for host-to-wasm
//! calls with Rust tuples, and `Func::wrap` for host functions written as
//! plain Rust closures.

use crate::func::{HostFnDef, host_fn};
use crate::rooting::GcRef;
use crate::rooting::{self, GcRefImpl};
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::types::engine_form::{self, ValType};
use crate::{
    AnyRef, ArrayRef, Caller, EqRef, Error, ExnRef, ExternRef, Func, I31, OwnedRooted, Result,
    Rooted, StructRef, Val,
};
use egret_runtime::store::{StoreId, StoreOpaque, VMStore};
use std::marker::PhantomData;

/// A Rust type that is a WebAssembly value type.
pub trait WasmTy: Send + Sync + Sized + 'static {
    /// Whether a host function's argument of this type may be rooted in
    /// the call's root scope when read (see `from_raw`): a host function
    /// whose arguments are not, and that takes no [`Caller`], runs without
    /// a root scope.
    #[doc(hidden)]
    const ROOTS_IN_SCOPE: bool = true;
    #[doc(hidden)]
    fn valtype() -> ValType;
    #[doc(hidden)]
    fn to_raw<T>(self, store: &StoreInner<T>) -> Result<u128>;
    #[doc(hidden)]
    fn from_raw(raw: u128, store: &StoreOpaque) -> Self;
}

macro_rules! wasm_ty_int {
    ($($t:ty => $vt:ident, $bits:ty);*) => {$(
        impl WasmTy for $t {
            const ROOTS_IN_SCOPE: bool = false;
            fn valtype() -> ValType {
                ValType::$vt
            }
            fn to_raw<T>(self, _: &StoreInner<T>) -> Result<u128> {
                Ok(u128::from(self as $bits))
            }
            fn from_raw(raw: u128, _: &StoreOpaque) -> Self {
                raw as $bits as $t
            }
        }
    )*};
}

wasm_ty_int!(i32 => I32, u32; u32 => I32, u32; i64 => I64, u64; u64 => I64, u64);

impl WasmTy for f32 {
    const ROOTS_IN_SCOPE: bool = false;
    fn valtype() -> ValType {
        ValType::F32
    }
    fn to_raw<T>(self, _: &StoreInner<T>) -> Result<u128> {
        Ok(u128::from(self.to_bits()))
    }
    fn from_raw(raw: u128, _: &StoreOpaque) -> Self {
        f32::from_bits(raw as u32)
    }
}

impl WasmTy for f64 {
    const ROOTS_IN_SCOPE: bool = false;
    fn valtype() -> ValType {
        ValType::F64
    }
    fn to_raw<T>(self, _: &StoreInner<T>) -> Result<u128> {
        Ok(u128::from(self.to_bits()))
    }
    fn from_raw(raw: u128, _: &StoreOpaque) -> Self {
        f64::from_bits(raw as u64)
    }
}

impl WasmTy for crate::V128 {
    const ROOTS_IN_SCOPE: bool = false;
    fn valtype() -> ValType {
        ValType::V128
    }
    fn to_raw<T>(self, _: &StoreInner<T>) -> Result<u128> {
        Ok(self.as_u128())
    }
    fn from_raw(raw: u128, _: &StoreOpaque) -> Self {
        crate::V128::from(raw)
    }
}

impl WasmTy for Option<Func> {
    const ROOTS_IN_SCOPE: bool = false;
    fn valtype() -> ValType {
        ValType::FUNCREF
    }
    fn to_raw<T>(self, store: &StoreInner<T>) -> Result<u128> {
        crate::Val::FuncRef(self).to_raw(store)
    }
    fn from_raw(raw: u128, store: &StoreOpaque) -> Self {
        Func::from_raw(store.id(), raw as usize)
    }
}

impl WasmTy for Func {
    const ROOTS_IN_SCOPE: bool = false;
    fn valtype() -> ValType {
        ValType::Ref(engine_form::RefType {
            nullable: false,
            heap: engine_form::HeapType::Func,
        })
    }
    fn to_raw<T>(self, store: &StoreInner<T>) -> Result<u128> {
        Some(self).to_raw(store)
    }
    fn from_raw(raw: u128, store: &StoreOpaque) -> Self {
        // Never null: the type says so. A null would come back as a
        // handle of no store, which every use reports.
        Func::from_raw(store.id(), raw as usize).unwrap_or(Func {
            store: StoreId::NONE,
            func_ref: 0,
        })
    }
}

/// How a kind of GC reference travels in a [`Val`]: the kinds below
/// `any` as `Val::AnyRef`, the others in their own variant.
trait ValKind: GcRef {
    fn into_val(r: Option<Rooted<Self>>) -> Val;
    /// The reference `v` holds, if it holds one of this hierarchy.
    fn from_val(v: Val) -> Option<Rooted<Self>>;
}

macro_rules! val_kind {
    ($($kind:ident => $variant:ident $(via $retype:ident)?;)*) => {$(
        impl ValKind for $kind {
            fn into_val(r: Option<Rooted<Self>>) -> Val {
                Val::$variant(r $(.map(rooting::$retype))?)
            }
            fn from_val(v: Val) -> Option<Rooted<Self>> {
                match v {
                    Val::$variant(r) => r $(.map(rooting::$retype))?,
                    _ => None,
                }
            }
        }
    )*};
}

val_kind! {
    AnyRef => AnyRef;
    ExternRef => ExternRef;
    ExnRef => ExnRef;
    EqRef => AnyRef via retype;
    StructRef => AnyRef via retype;
    ArrayRef => AnyRef via retype;
}

/// `WasmTy` for the handles of a kind of GC reference: `Option<Rooted<_>>`
/// and `Option<OwnedRooted<_>>` for the nullable type, `Rooted<_>` and
/// `OwnedRooted<_>` for the non-null one.
macro_rules! gc_ref_wasm_ty {
    ($($kind:ident => $heap:ident;)*) => {$(
        impl WasmTy for Option<Rooted<$kind>> {
            fn valtype() -> ValType {
                ValType::Ref(engine_form::RefType {
                    nullable: true,
                    heap: engine_form::HeapType::$heap,
                })
            }
            fn to_raw<T>(self, store: &StoreInner<T>) -> Result<u128> {
                $kind::into_val(self).to_raw(store)
            }
            fn from_raw(raw: u128, store: &StoreOpaque) -> Self {
                $kind::from_val(Val::from_raw(raw, Self::valtype(), store))
            }
        }

        impl WasmTy for Rooted<$kind> {
            fn valtype() -> ValType {
                ValType::Ref(engine_form::RefType {
                    nullable: false,
                    heap: engine_form::HeapType::$heap,
                })
            }
            fn to_raw<T>(self, store: &StoreInner<T>) -> Result<u128> {
                Some(self).to_raw(store)
            }
            fn from_raw(raw: u128, store: &StoreOpaque) -> Self {
                // Never null: the type says so. A null would come back as
                // a handle to nothing, which every use reports.
                <Option<Rooted<$kind>>>::from_raw(raw, store)
                    .unwrap_or_else(|| rooting::root(store, 0))
            }
        }

        impl WasmTy for Option<OwnedRooted<$kind>> {
            fn valtype() -> ValType {
                <Option<Rooted<$kind>>>::valtype()
            }
            fn to_raw<T>(self, store: &StoreInner<T>) -> Result<u128> {
                match self {
                    None => Ok(0),
                    Some(owned) => owned.to_raw(store),
                }
            }
            fn from_raw(raw: u128, store: &StoreOpaque) -> Self {
                (raw != 0).then(|| <OwnedRooted<$kind>>::from_raw(raw, store))
            }
        }

        impl WasmTy for OwnedRooted<$kind> {
            fn valtype() -> ValType {
                <Rooted<$kind>>::valtype()
            }
            fn to_raw<T>(self, store: &StoreInner<T>) -> Result<u128> {
                Ok(u128::from(self.root().raw(&store.opaque)?))
            }
            fn from_raw(raw: u128, store: &StoreOpaque) -> Self {
                rooting::owned(store, raw as u64)
            }
        }
    )*};
}

gc_ref_wasm_ty! {
    AnyRef => Any;
    EqRef => Eq;
    StructRef => Struct;
    ArrayRef => Array;
    ExternRef => Extern;
    ExnRef => Exn;
}

/// `(ref i31)`: never null.
impl WasmTy for I31 {
    const ROOTS_IN_SCOPE: bool = false;
    fn valtype() -> ValType {
        ValType::Ref(engine_form::RefType {
            nullable: false,
            heap: engine_form::HeapType::I31,
        })
    }
    fn to_raw<T>(self, _: &StoreInner<T>) -> Result<u128> {
        Ok(u128::from(self.to_raw()))
    }
    fn from_raw(raw: u128, _: &StoreOpaque) -> Self {
        I31::wrapping_u32(raw as u32 >> 1)
    }
}

/// `i31ref`: `None` is null.
impl WasmTy for Option<I31> {
    const ROOTS_IN_SCOPE: bool = false;
    fn valtype() -> ValType {
        ValType::Ref(engine_form::RefType {
            nullable: true,
            heap: engine_form::HeapType::I31,
        })
    }
    fn to_raw<T>(self, _: &StoreInner<T>) -> Result<u128> {
        Ok(self.map_or(0, |i| u128::from(i.to_raw())))
    }
    fn from_raw(raw: u128, _: &StoreOpaque) -> Self {
        (raw != 0).then(|| I31::wrapping_u32(raw as u32 >> 1))
    }
}

/// A list of wasm values as a Rust type: `()`, one `WasmTy`, or a tuple.
pub trait WasmParams: Send + Sized {
    /// How many values.
    const COUNT: usize;
    /// Whether any of them [roots in scope](WasmTy::ROOTS_IN_SCOPE).
    #[doc(hidden)]
    const ROOTS_IN_SCOPE: bool;
    #[doc(hidden)]
    fn valtypes() -> Vec<ValType>;
    #[doc(hidden)]
    fn store_raw<T>(self, store: &StoreInner<T>, values: &mut [u128]) -> Result<()>;
}

/// A list of wasm results as a Rust type: `()`, one `WasmTy`, or a tuple.
pub trait WasmResults: WasmParams {
    #[doc(hidden)]
    fn load_raw(values: &[u128], store: &StoreOpaque) -> Self;
}

impl<A: WasmTy> WasmParams for A {
    const COUNT: usize = 1;
    const ROOTS_IN_SCOPE: bool = A::ROOTS_IN_SCOPE;
    fn valtypes() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn store_raw<T>(self, store: &StoreInner<T>, values: &mut [u128]) -> Result<()> {
        values[0] = self.to_raw(store)?;
        Ok(())
    }
}

impl<A: WasmTy> WasmResults for A {
    fn load_raw(values: &[u128], store: &StoreOpaque) -> Self {
        A::from_raw(values[0], store)
    }
}

macro_rules! tuple_params {
    ($($name:ident $index:tt),*) => {
        impl<$($name: WasmTy),*> WasmParams for ($($name,)*) {
            const COUNT: usize = <[&str]>::len(&[$(stringify!($name)),*]);
            const ROOTS_IN_SCOPE: bool = false $(|| $name::ROOTS_IN_SCOPE)*;
            fn valtypes() -> Vec<ValType> {
                vec![$($name::valtype()),*]
            }
            #[allow(unused_variables)]
            fn store_raw<T>(self, store: &StoreInner<T>, values: &mut [u128]) -> Result<()> {
                $(values[$index] = self.$index.to_raw(store)?;)*
                Ok(())
            }
        }

        impl<$($name: WasmTy),*> WasmResults for ($($name,)*) {
            #[allow(unused_variables, clippy::unused_unit)]
            fn load_raw(values: &[u128], store: &StoreOpaque) -> Self {
                ($($name::from_raw(values[$index], store),)*)
            }
        }
    };
}

tuple_params!();
tuple_params!(A 0);
tuple_params!(A 0, B 1);
tuple_params!(A 0, B 1, C 2);
tuple_params!(A 0, B 1, C 2, D 3);
tuple_params!(A 0, B 1, C 2, D 3, E 4);
tuple_params!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_params!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_params!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_params!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_params!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_params!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_params!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// A function with a static signature: parameters `P`, results `R`.
///
/// ```
/// use egret::{Engine, Instance, Module, Store};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module (func (export "add") (param i32 i32) (result i32)
///     local.get 0 local.get 1 i32.add))"#).unwrap();
/// let mut store = Store::new(&engine, ());
/// let instance = Instance::new(&mut store, &module, &[]).unwrap();
/// let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
/// assert_eq!(add.call(&mut store, (2, 3)).unwrap(), 5);
/// ```
pub struct TypedFunc<P, R> {
    func: Func,
    /// Whether a parameter is of a concrete reference type, which each
    /// call checks its argument against (see [`Func::typed`]).
    checks_arguments: bool,
    _types: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for TypedFunc<P, R> {}

impl<P, R> std::fmt::Debug for TypedFunc<P, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedFunc")
            .field("func", &self.func)
            .finish()
    }
}

/// Values for one call, on the stack when they fit.
const INLINE_SLOTS: usize = 16;
/// Values for a call of few parameters and results, the common case:
/// zeroing these costs two stores instead of sixteen.
const FEW_SLOTS: usize = 2;

/// Runs `body` with `slots` zeroed value slots, on the stack when they
/// fit. `slots` is a constant of each typed function's types, so only one
/// branch is left once this is inlined; `body` is called from one place,
/// so that it is inlined too (the host's path into wasm keeps one frame).
#[inline(always)]
pub(crate) fn with_value_slots<X>(slots: usize, body: impl FnOnce(&mut [u128]) -> X) -> X {
    let mut few;
    let mut inline;
    let mut heap;
    let values: &mut [u128] = if slots <= FEW_SLOTS {
        few = [0u128; FEW_SLOTS];
        &mut few[..slots]
    } else if slots <= INLINE_SLOTS {
        inline = [0u128; INLINE_SLOTS];
        &mut inline[..slots]
    } else {
        heap = vec![0u128; slots];
        &mut heap
    };
    body(values)
}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// The untyped function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Calls the function.
    pub fn call<T>(&self, mut store: impl AsContextMut<Data = T>, params: P) -> Result<R> {
        let store = store.as_context_mut().0;
        store.check(self.func.store)?;
        with_value_slots(P::COUNT.max(R::COUNT).max(1), |values| {
            params.store_raw(store, values)?;
            if self.checks_arguments {
                self.check_arguments(store, values)?;
            }
            // SAFETY: the funcref belongs to this store (checked above) and
            // its type was checked against `P` and `R` when this was made.
            unsafe { store.call_typed(self.func.vm_func_ref(), values) }
                .map_err(Error::from_failure)?;
            Ok(R::load_raw(values, &store.opaque))
        })
    }
}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// Checks the arguments in `values` against the function's parameters
    /// of concrete reference types, which the Rust types could not settle.
    #[cold]
    fn check_arguments<T>(&self, store: &StoreInner<T>, values: &[u128]) -> Result<()> {
        // SAFETY: the caller checked that the funcref belongs to `store`.
        let ty = unsafe { store.opaque.func_type(self.func.vm_func_ref()) };
        // The handles made to check the arguments go with this scope.
        let scope = store.opaque.host_roots().scope_start();
        let checked = values
            .iter()
            .zip(ty.params())
            .try_for_each(|(&raw, &param)| {
                if is_concrete_ref(param)
                    && !Val::from_raw(raw, param, &store.opaque).matches(store, param)?
                {
                    return Err(Error::misuse(format!(
                        "argument type mismatch: a parameter of type {param} cannot take it"
                    )));
                }
                Ok(())
            });
        store.opaque.host_roots().end_scope(scope);
        checked
    }
}

/// Whether `ty` is a reference to a concrete (declared) type.
fn is_concrete_ref(ty: ValType) -> bool {
    use engine_form::HeapType as H;
    matches!(ty, ValType::Ref(r) if matches!(
        r.heap,
        H::ConcreteFunc(_) | H::ConcreteStruct(_) | H::ConcreteArray(_)
    ))
}

impl Func {
    /// This function with a static signature; fails if `P`/`R` do not
    /// match its type, as Wasmtime decides: a result may be of a subtype
    /// of the Rust type's (a function returning `(ref null $t)` may be
    /// typed as returning `Option<Func>`), a Rust parameter type must be a
    /// subtype of the parameter's, except that a parameter of a concrete
    /// reference type takes any Rust type of its hierarchy (`Func` for
    /// `(ref $f)`, `Rooted<StructRef>` for `(ref null $s)`), whose values
    /// each call then checks.
    pub fn typed<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<P, R>> {
        let store = store.as_context();
        store.0.check(self.store)?;
        // SAFETY: the store check proves the funcref belongs to this live store.
        let ty = unsafe { store.0.opaque.func_type(self.vm_func_ref()) };
        let registry = store.0.opaque.engine().types();
        let results = R::valtypes();
        let results_match = ty.results().len() == results.len()
            && ty
                .results()
                .iter()
                .zip(&results)
                .all(|(wasm, rust)| registry.is_val_subtype(*wasm, *rust));
        let params = P::valtypes();
        let mut checks_arguments = false;
        let params_match = ty.params().len() == params.len()
            && ty.params().iter().zip(&params).all(|(&wasm, &rust)| {
                if registry.is_val_subtype(rust, wasm) {
                    return true;
                }
                let same_hierarchy = match (wasm, rust) {
                    (ValType::Ref(w), ValType::Ref(r)) => w.heap.top() == r.heap.top(),
                    _ => false,
                };
                let dynamic = is_concrete_ref(wasm) && same_hierarchy;
                checks_arguments |= dynamic;
                dynamic
            });
        if !params_match || !results_match {
            return Err(Error::misuse(format!(
                "type mismatch: function has type {ty}, not ({:?}) -> ({:?})",
                P::valtypes(),
                R::valtypes()
            )));
        }
        Ok(TypedFunc {
            func: *self,
            checks_arguments,
            _types: PhantomData,
        })
    }

    /// Defines a host function from a Rust closure whose parameters and
    /// results are wasm types, optionally taking a [`Caller`] first.
    ///
    /// ```
    /// use egret::{Caller, Engine, Func, Store};
    /// let engine = Engine::default();
    /// let mut store = Store::new(&engine, 10);
    /// let add = Func::wrap(&mut store, |caller: Caller<'_, i32>, x: i32| x + *caller.data());
    /// let add = add.typed::<i32, i32>(&store).unwrap();
    /// assert_eq!(add.call(&mut store, 5).unwrap(), 15);
    /// ```
    ///
    /// # Panics
    /// If the function's trampoline cannot be made (a build without the
    /// `compiler` feature and no loaded module of that type);
    /// [`Func::try_wrap`] returns that as an error.
    pub fn wrap<T: 'static, Params, Results>(
        store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        Func::try_wrap(store, func).unwrap_or_else(|e| panic!("Func::wrap: {e}"))
    }

    /// [`Func::wrap`], with its failure as an error.
    pub fn try_wrap<T: 'static, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<Func> {
        func.into_host_fn().into_func(store.as_context_mut().0)
    }
}

/// What a host closure may return: results, or a `Result` of them.
pub trait WasmRet {
    /// The results.
    type Results: WasmResults;
    #[doc(hidden)]
    fn into_result(self) -> Result<Self::Results>;
}

impl<R: WasmResults> WasmRet for R {
    type Results = R;
    fn into_result(self) -> Result<R> {
        Ok(self)
    }
}

impl<R: WasmResults> WasmRet for Result<R> {
    type Results = R;
    fn into_result(self) -> Result<R> {
        self
    }
}

/// A closure that can become a host function; see [`Func::wrap`].
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_host_fn(self) -> HostFnDef<T>;
}

/// The host function of a closure `$call` taking a [`Caller`] and the
/// parameters `$name` (read from the slots at `$index`) and returning `R`;
/// `$takes_caller` says whether the embedder's closure takes the `Caller`
/// (one that does not and has no argument that roots in scope runs
/// without a root scope).
macro_rules! typed_host_fn {
    ($takes_caller:literal, $call:expr, $($name:ident $index:tt),*) => {{
        let call = $call;
        let ty = engine_form::FuncType::new(
            <($($name,)*) as WasmParams>::valtypes(),
            <R::Results as WasmParams>::valtypes(),
        );
        let g = move |mut caller: Caller<'_, T>, values: &mut [u128]| {
            // The slots the type needs (the entry has checked that they
            // are there): one length check, which folds away, and none
            // for the accesses below.
            let slots = <($($name,)*) as WasmParams>::COUNT
                .max(<R::Results as WasmParams>::COUNT);
            let values = &mut values[..slots];
            let opaque = &caller.store.opaque;
            $(let $name = $name::from_raw(values[$index], opaque);)*
            let results = call(caller.reborrow(), $($name),*).into_result()?;
            results.store_raw(caller.store, values)
        };
        host_fn::<T, ($($name,)*), R::Results, _, $takes_caller>(ty, None, g)
    }};
}

macro_rules! into_func {
    ($($name:ident $index:tt),*) => {
        impl<T: 'static, F, R, $($name: WasmTy),*> IntoFunc<T, ($($name,)*), R> for F
        where
            F: Fn($($name),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            #[allow(non_snake_case, unused_variables)]
            fn into_host_fn(self) -> HostFnDef<T> {
                typed_host_fn!(
                    false,
                    move |_: Caller<'_, T>, $($name: $name),*| self($($name),*),
                    $($name $index),*
                )
            }
        }

        impl<T: 'static, F, R, $($name: WasmTy),*> IntoFunc<T, (Caller<'static, T>, $($name,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($name),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            #[allow(non_snake_case, unused_variables)]
            fn into_host_fn(self) -> HostFnDef<T> {
                typed_host_fn!(true, self, $($name $index),*)
            }
        }
    };
}

into_func!();
into_func!(A 0);
into_func!(A 0, B 1);
into_func!(A 0, B 1, C 2);
into_func!(A 0, B 1, C 2, D 3);
into_func!(A 0, B 1, C 2, D 3, E 4);
into_func!(A 0, B 1, C 2, D 3, E 4, F2 5);
into_func!(A 0, B 1, C 2, D 3, E 4, F2 5, G 6);
into_func!(A 0, B 1, C 2, D 3, E 4, F2 5, G 6, H 7);
into_func!(A 0, B 1, C 2, D 3, E 4, F2 5, G 6, H 7, I 8);
into_func!(A 0, B 1, C 2, D 3, E 4, F2 5, G 6, H 7, I 8, J 9);
into_func!(A 0, B 1, C 2, D 3, E 4, F2 5, G 6, H 7, I 8, J 9, K 10);
into_func!(A 0, B 1, C 2, D 3, E 4, F2 5, G 6, H 7, I 8, J 9, K 10, L 11);
