//! Functions: wasm functions exported by instances and host functions
//! defined by the embedder, called with dynamically typed `Val`s; and the
//! `Caller` a host function receives.
//!
//! Every host function (`Func::wrap`, `Func::new`, `Linker::func_wrap`,
//! `Linker::func_new`) becomes a `HostFnDef`: its type, the closure over
//! raw value slots (behind an `Arc`, so a linker can create it in many
//! stores) and `entry::<T, G>`, an `extern "C"` function compiled for that
//! closure's type `G`. The runtime stores the entry first in the
//! `HostFunc`, and the host trampoline calls it directly: it builds the
//! `Caller` (the store and the calling instance's vmctx, whose instance is
//! looked up only by `Caller::get_export`) and calls the closure inside
//! `HostFunc::run`, which catches a panic and records a failure. No other
//! dynamic call lies between wasm and the embedder's closure: the closures
//! `IntoFunc` builds read their arguments and write their results inline.

use crate::store::{AsContext, AsContextMut, CallHook, StoreContext, StoreContextMut, StoreInner};
use crate::types::engine_form::{self, SigId};
use crate::{Engine, Error, Extern, FuncType, Result, Val, WasmParams};
use egret_runtime::host_func::{
    HostCallback, HostFailure, HostFunc, RegisterReturn, register_call_through_array,
};
use egret_runtime::instance::{InstanceId, instance_id_of};
use egret_runtime::store::StoreId;
use egret_runtime::vmcontext::VMFuncRef;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

/// A function: a wasm function of some instance, or a host function. A
/// handle into its store; using it with another store gives
/// [`Error::WrongStore`].
///
/// ```
/// use egret::{Engine, Func, FuncType, Store, Val, ValType};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let ty = FuncType::new(&engine, [ValType::I32], [ValType::I32]);
/// let double = Func::new(&mut store, ty, |_caller, params, results| {
///     results[0] = Val::I32(params[0].i32().unwrap() * 2);
///     Ok(())
/// });
/// let mut out = [Val::I32(0)];
/// double.call(&mut store, &[Val::I32(21)], &mut out).unwrap();
/// assert_eq!(out[0].i32(), Some(42));
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Func {
    pub(crate) store: StoreId,
    pub(crate) func_ref: usize,
}

impl Func {
    pub(crate) fn from_raw(store: StoreId, func_ref: usize) -> Option<Func> {
        (func_ref != 0).then_some(Func { store, func_ref })
    }

    pub(crate) fn vm_func_ref(&self) -> *const VMFuncRef {
        self.func_ref as *const VMFuncRef
    }

    /// Defines a host function of type `ty`. `f` receives the arguments
    /// and writes the results; an error it returns becomes a trap.
    ///
    /// # Panics
    /// As Wasmtime's, if `ty` belongs to another engine than the store's;
    /// also if the function's trampoline cannot be made (a build without
    /// the `compiler` feature and no loaded module of that type).
    /// [`Func::try_new`] returns those as errors.
    pub fn new<T: 'static>(
        store: impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        Func::try_new(store, ty, f).unwrap_or_else(|e| panic!("Func::new: {e}"))
    }

    /// [`Func::new`], with its failures as errors.
    pub fn try_new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<Func> {
        dynamic_host_fn(ty, f).into_func(store.as_context_mut().0)
    }

    /// The function's type.
    ///
    /// # Panics
    /// If `store` is not the one the func belongs to, as Wasmtime's;
    /// [`Func::try_ty`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        crate::error::or_panic(self.try_ty(store), "Func::ty")
    }

    /// [`Func::ty`], with a foreign store as an error.
    pub fn try_ty(&self, store: impl AsContext) -> Result<FuncType> {
        let store = store.as_context().0;
        store.check(self.store)?;
        // SAFETY: the store check proves the funcref belongs to this live store.
        let id = unsafe { store.opaque.func_sig_id(self.vm_func_ref()) };
        Ok(FuncType::from_engine(&store.engine, id))
    }

    /// Calls the function with `params`, writing its results to `results`.
    /// A trap is returned as an error that
    /// [`downcast_ref`](Error::downcast_ref)s to a [`Trap`](crate::Trap),
    /// the error of a host function wasm called as that error, either
    /// under its [`WasmBacktrace`](crate::WasmBacktrace); the store stays
    /// usable.
    pub fn call<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        // SAFETY: the store check proves the funcref belongs to this live store.
        let ty = unsafe { store.opaque.func_type(self.vm_func_ref()) };
        if params.len() != ty.params().len() || results.len() != ty.results().len() {
            return Err(Error::misuse(format!(
                "function of type {ty} called with {} arguments and room for {} results",
                params.len(),
                results.len()
            )));
        }
        let mut values = vec![0u128; params.len().max(results.len()).max(1)];
        for ((slot, param), expected) in values.iter_mut().zip(params).zip(ty.params()) {
            if !param.matches(store, *expected)? {
                return Err(Error::misuse(format!(
                    "argument of type {} where {expected} was expected",
                    param.kind()
                )));
            }
            *slot = param.to_raw(store)?;
        }
        // SAFETY: the funcref belongs to this store (checked above) and the
        // slots hold arguments of its parameter types (checked above).
        unsafe { store.vm().call(self.vm_func_ref(), &mut values) }.map_err(Error::from_failure)?;
        for ((result, raw), ty) in results.iter_mut().zip(values).zip(ty.results()) {
            *result = Val::from_raw(raw, *ty, &store.opaque);
        }
        Ok(())
    }
}

/// A host function's definition, independent of any store: its type, and
/// its entry paired with the closure the entry calls (see
/// [`host_fn`]). Cloning shares the closure: a [`Linker`](crate::Linker)
/// keeps one and creates the function in every store it instantiates into.
#[doc(hidden)]
pub struct HostFnDef<T> {
    /// The type in engine form.
    ty: engine_form::FuncType,
    /// For a type built as a [`FuncType`]: its engine (the function may
    /// only be created in that engine's stores) and its id there, which
    /// keeps its finality and declared supertype. Otherwise the type is
    /// interned as a final type in the store's engine.
    declared: Option<(Engine, SigId)>,
    callback: HostCallback,
    // The closure takes a `Caller<'_, T>`; invariant in `T`, as the
    // closure's own type would be.
    _store: PhantomData<fn(T) -> T>,
}

impl<T> Clone for HostFnDef<T> {
    fn clone(&self) -> Self {
        HostFnDef {
            ty: self.ty.clone(),
            declared: self.declared.clone(),
            callback: self.callback.clone(),
            _store: PhantomData,
        }
    }
}

impl<T: 'static> HostFnDef<T> {
    /// The function's engine-wide type id in `engine`; fails if its type
    /// belongs to another engine.
    pub(crate) fn sig_id(&self, engine: &Engine) -> Result<SigId> {
        match &self.declared {
            Some((home, id)) if Engine::same(home, engine) => Ok(*id),
            Some(_) => Err(Error::misuse(
                "the host function's type belongs to another engine than the store's",
            )),
            None => Ok(engine.inner.sig_id(&self.ty)),
        }
    }

    /// Creates the function in `store`.
    pub(crate) fn into_func(self, store: &mut StoreInner<T>) -> Result<Func> {
        let sig = self.sig_id(&store.engine)?;
        let func_ref = store
            .opaque
            .create_host_func(self.ty, sig, self.callback)
            .map_err(Error::Compile)?;
        Ok(Func {
            store: store.id(),
            func_ref: func_ref as usize,
        })
    }
}

/// A host function of type `ty` over raw value slots: `g` reads its
/// arguments from the slots and writes its results there (one 16-byte slot
/// each, at least `max(params, results)` slots). Wasm calls
/// `entry::<T, P, R, G, TAKES_CALLER>` (or, for a register type,
/// `register_entry`), compiled for `g`'s type.
///
/// `P` and `R` are the parameters and results `g` reads and writes as Rust
/// types (`()` and `()` for a `g` that sizes its accesses by the slice):
/// the entry checks that the slots are at least as many as either before
/// it calls `g`, so `g`'s own checks fold away and no panic path is left
/// for the entry to prepare for on every call. `TAKES_CALLER` says whether
/// the embedder's closure can reach the store: one that cannot, and whose
/// arguments do not [root in scope](crate::WasmTy::ROOTS_IN_SCOPE), cannot
/// root anything and runs without a root scope.
pub(crate) fn host_fn<T: 'static, P: WasmParams, R: WasmParams, G, const TAKES_CALLER: bool>(
    ty: engine_form::FuncType,
    declared: Option<(Engine, SigId)>,
    g: G,
) -> HostFnDef<T>
where
    G: Fn(Caller<'_, T>, &mut [u128]) -> Result<()> + Send + Sync + 'static,
{
    HostFnDef {
        ty,
        declared,
        // SAFETY: both entries expect a closure of type `G`, which this
        // is, and to run in a `StoreInner<T>`: `HostFnDef::into_func` only
        // creates a `HostFnDef<T>` in stores of `T`. The register entry
        // does what the entry does, on its arguments in slots.
        callback: unsafe {
            HostCallback::new(
                entry::<T, P, R, G, TAKES_CALLER>,
                register_entry::<T, P, R, G, TAKES_CALLER>,
                Arc::new(g),
            )
        },
        _store: PhantomData,
    }
}

/// Whether the calls of a host function over `P` (see [`host_fn`]) need a
/// root scope.
const fn needs_root_scope<P: WasmParams>(takes_caller: bool) -> bool {
    takes_caller || P::ROOTS_IN_SCOPE
}

/// The entry of host functions whose closure is a `G` (see
/// [`HostEntry`](egret_runtime::host_func::HostEntry)): builds the
/// [`Caller`] and calls the closure in [`run_host_call`]. Too few slots
/// (see [`host_fn`]), a store with a call hook or none lent go elsewhere at
/// once (tail calls), which leaves the common path free of calls but the
/// closure's own: a closure that makes none runs without a stack frame.
///
/// # Safety
/// `func` must be a live `HostFunc` created from [`host_fn`]`::<T, P, R,
/// G, TAKES_CALLER>` in a `StoreInner<T>`, called while a call into that
/// store has lent it (see `VMStore::call`), and `values` must point to
/// `len` 16-byte slots (the host trampoline and `HostFunc::call_from_host`
/// guarantee all three).
unsafe extern "C" fn entry<T: 'static, P: WasmParams, R: WasmParams, G, const TAKES_CALLER: bool>(
    func: *const HostFunc,
    caller_vmctx: *mut u8,
    slots: *mut u128,
    len: u64,
) -> u32
where
    G: Fn(Caller<'_, T>, &mut [u128]) -> Result<()> + Send + Sync + 'static,
{
    // SAFETY: per this function's contract.
    let (func, store) = unsafe { lent_store::<T>(func) };
    if (len as usize) < P::COUNT.max(R::COUNT) {
        // SAFETY: the entry's own arguments.
        return unsafe { too_few_slots(func, caller_vmctx, slots) };
    }
    let Some(store) = store else {
        // SAFETY: the entry's own arguments.
        return unsafe { not_lent(func, caller_vmctx, slots) };
    };
    if store.call_hook.is_some() {
        // SAFETY: the entry's own arguments; `store`'s borrow ends here.
        return unsafe { call_hooked::<T, G>(func, caller_vmctx, slots, len) };
    }
    // SAFETY: `host_fn` paired this entry with a closure of type `G`.
    let g = unsafe { func.closure::<G>() };
    // SAFETY: the entry's own arguments: `len` live slots, which nothing
    // else uses while the entry runs.
    let values = unsafe { std::slice::from_raw_parts_mut(slots, len as usize) };
    let scoped = needs_root_scope::<P>(TAKES_CALLER);
    match run_host_call(store, scoped, caller_vmctx, values, g) {
        Ok(()) => 0,
        // SAFETY: the entry's arguments, and the closure's borrows of the
        // store and of the slots have ended.
        Err(failure) => unsafe { func.fail(caller_vmctx, slots, failure) },
    }
}

/// The register entry of host functions whose closure is a `G` (see
/// [`HostRegisterEntry`](egret_runtime::host_func::HostRegisterEntry)):
/// [`entry`]'s work on two slots of its own, which the compiler keeps in
/// registers, so that the argument and the result never go through
/// memory. A call hook or no lent store leave at once for the entry
/// ([`register_call_through_array`], a tail call).
///
/// # Safety
/// As for [`entry`], with the arguments `HostRegisterEntry` describes,
/// and `func`'s type a register type.
unsafe extern "C" fn register_entry<
    T: 'static,
    P: WasmParams,
    R: WasmParams,
    G,
    const TAKES_CALLER: bool,
>(
    func: *const HostFunc,
    caller_vmctx: *mut u8,
    a0: u64,
    a1: u64,
) -> RegisterReturn
where
    G: Fn(Caller<'_, T>, &mut [u128]) -> Result<()> + Send + Sync + 'static,
{
    let mut values = [u128::from(a0), u128::from(a1)];
    // SAFETY: per this function's contract.
    let (func_ref, store) = unsafe { lent_store::<T>(func) };
    let store = match store {
        // Never for a register type's `P` and `R`; this folds away.
        _ if P::COUNT.max(R::COUNT) > values.len() => None,
        Some(store) if store.call_hook.is_none() => Some(store),
        _ => None,
    };
    let Some(store) = store else {
        // SAFETY: the entry's own arguments; `store`'s borrow ends here.
        return unsafe { register_call_through_array(func, caller_vmctx, a0, a1) };
    };
    // SAFETY: `host_fn` paired this entry with a closure of type `G`.
    let g = unsafe { func_ref.closure::<G>() };
    let scoped = needs_root_scope::<P>(TAKES_CALLER);
    match run_host_call(store, scoped, caller_vmctx, &mut values, g) {
        Ok(()) => RegisterReturn {
            result: values[0] as u64,
            status: 0,
        },
        // SAFETY: the entry's arguments, and the closure's borrow of the
        // store has ended.
        Err(failure) => unsafe { func_ref.fail_in_registers(caller_vmctx, failure) },
    }
}

/// The host function `func` and the store lent to its call, as a
/// `StoreInner<T>` borrowed until the entry returns; `None` if no call has
/// lent it, which the entry's contract rules out.
///
/// # Safety
/// `func` must be a live `HostFunc` created in a `StoreInner<T>`; only one
/// borrow of the lent store made here may be live at a time.
#[inline(always)]
unsafe fn lent_store<'a, T>(
    func: *const HostFunc,
) -> (&'a HostFunc, Option<&'a mut StoreInner<T>>) {
    // SAFETY: per the contract, `func` is live.
    let func = unsafe { &*func };
    // SAFETY: the lent store is the `StoreInner<T>` the function was
    // created in (`HostFnDef::into_func`); the call that lent it uses it
    // only through this pointer until the entry returns, and the caller
    // borrows it once.
    let store = func
        .store()
        .map(|store| unsafe { &mut *store.as_ptr().cast::<StoreInner<T>>() });
    (func, store)
}

/// [`entry`] when no call has lent the function's store: a failure. This
/// and the entry's other ways out are `extern "C"`, the entry's own ABI, so
/// that it leaves by a tail call and needs no stack frame for them.
///
/// # Safety
/// As for `HostFunc::fail`.
#[cold]
#[inline(never)]
unsafe extern "C" fn not_lent(func: &HostFunc, caller_vmctx: *mut u8, slots: *mut u128) -> u32 {
    let error = "host function called while no call into its store is running";
    // SAFETY: per the contract.
    unsafe { func.fail(caller_vmctx, slots, HostFailure::Error(error.into())) }
}

/// [`entry`] when it is given fewer slots than its function's type needs
/// (which its callers rule out): a failure.
///
/// # Safety
/// As for `HostFunc::fail`.
#[cold]
#[inline(never)]
unsafe extern "C" fn too_few_slots(
    func: &HostFunc,
    caller_vmctx: *mut u8,
    slots: *mut u128,
) -> u32 {
    let error = "host function called with fewer value slots than its type needs";
    // SAFETY: per the contract.
    unsafe { func.fail(caller_vmctx, slots, HostFailure::Error(error.into())) }
}

/// [`entry`] when the store has a call hook: the hook runs before
/// (`CallingHost`) and after (`ReturningFromHost`) the closure, each time
/// able to fail the call. Out of the entry's way, so that a store without
/// a hook pays one branch for hooks.
///
/// # Safety
/// As for [`entry`], and the store is lent.
#[cold]
#[inline(never)]
unsafe extern "C" fn call_hooked<T: 'static, G>(
    func: *const HostFunc,
    caller_vmctx: *mut u8,
    slots: *mut u128,
    len: u64,
) -> u32
where
    G: Fn(Caller<'_, T>, &mut [u128]) -> Result<()> + Send + Sync + 'static,
{
    // SAFETY: per this function's contract.
    let (func, store) = unsafe { lent_store::<T>(func) };
    let Some(store) = store else {
        // SAFETY: as above.
        return unsafe { not_lent(func, caller_vmctx, slots) };
    };
    // SAFETY: `host_fn` paired the entry with a closure of type `G`.
    let g = unsafe { func.closure::<G>() };
    // SAFETY: per this function's contract: `len` live slots, which
    // nothing else uses while the entry runs.
    let values = unsafe { std::slice::from_raw_parts_mut(slots, len as usize) };
    let hooked = |caller: Caller<'_, T>, values: &mut [u128]| {
        let store = caller.store;
        store.run_call_hook(CallHook::CallingHost)?;
        let caller = Caller {
            store: &mut *store,
            vmctx: caller.vmctx,
        };
        // The returning hook runs however the closure ended; its error, if
        // any, wins.
        let outcome = g(caller, values);
        store.run_call_hook(CallHook::ReturningFromHost)?;
        outcome
    };
    // Hooks may reach the store: always in a root scope.
    match run_host_call(store, true, caller_vmctx, values, hooked) {
        Ok(()) => 0,
        // SAFETY: the entry's arguments, and the closure's borrows of the
        // store and of the slots have ended.
        Err(failure) => unsafe { func.fail(caller_vmctx, slots, failure) },
    }
}

/// Calls the host closure `g` with a [`Caller`] for the store and the
/// entry's value slots, inside one `catch_unwind` (a panic must not unwind
/// into generated code) and, if `scoped`, one root scope (references
/// rooted for the host while it runs, its arguments for instance, are let
/// go when it returns or panics). Returns why it failed, for the cold
/// `HostFunc::fail` to record.
#[inline(always)]
fn run_host_call<T>(
    store: &mut StoreInner<T>,
    scoped: bool,
    caller_vmctx: *mut u8,
    values: &mut [u128],
    g: impl FnOnce(Caller<'_, T>, &mut [u128]) -> Result<()>,
) -> Result<(), HostFailure> {
    let roots = scoped.then(|| store.opaque.host_roots_mut().scope_start());
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        let caller = Caller {
            store: &mut *store,
            vmctx: CallerVmctx(caller_vmctx),
        };
        g(caller, values)
    }));
    if let Some(roots) = roots {
        store.opaque.host_roots_mut().end_scope(roots);
    }
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(host_error(error)),
        Err(payload) => Err(HostFailure::Panic(payload)),
    }
}

/// A host function's error as the runtime records it; out of the entry's
/// way.
#[cold]
fn host_error(error: Error) -> HostFailure {
    HostFailure::Error(error.into_host_error())
}

/// Adapts a host function over `Val`s (see [`Func::new`]) to raw value
/// slots: reads the arguments, checks the results against `ty` and stores
/// them.
pub(crate) fn dynamic_host_fn<T: 'static>(
    ty: FuncType,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> HostFnDef<T> {
    let declared = (ty.engine().clone(), ty.id());
    let ty = ty.engine_type().clone();
    let closure_ty = ty.clone();
    // Sizes its accesses by the slice: no slot count to check first.
    host_fn::<T, (), (), _, true>(
        ty,
        Some(declared),
        move |mut caller: Caller<'_, T>, values: &mut [u128]| {
            let ty = &closure_ty;
            // Arguments then results, in the store's scratch vector (taken, so
            // a nested call uses its own; put back for the next call).
            let mut vals = std::mem::take(&mut caller.store.host_vals);
            vals.clear();
            let params = ty.params().iter().zip(values.iter());
            let opaque = &caller.store.opaque;
            vals.extend(params.map(|(t, raw)| Val::from_raw(*raw, *t, opaque)));
            vals.extend(ty.results().iter().map(|t| Val::default_for(*t)));
            let (params, results) = vals.split_at_mut(ty.params().len());
            let outcome = f(caller.reborrow(), params, results)
                .and_then(|()| store_results(caller.store, ty, results, values));
            caller.store.host_vals = vals;
            outcome
        },
    )
}

/// Checks `results` against the types `ty` says and stores them in `values`.
fn store_results<T>(
    store: &StoreInner<T>,
    ty: &engine_form::FuncType,
    results: &[Val],
    values: &mut [u128],
) -> Result<()> {
    for ((slot, result), ty) in values.iter_mut().zip(results).zip(ty.results()) {
        if !result.matches(store, *ty)? {
            return Err(Error::misuse(format!(
                "host function returned a {} where its type says {ty}",
                result.kind()
            )));
        }
        *slot = result.to_raw(store)?;
    }
    Ok(())
}

/// What a host function receives about its caller: the store (host data
/// included) and, when called from wasm, the calling instance's exports.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut StoreInner<T>,
    vmctx: CallerVmctx,
}

/// The calling instance's vmctx, null when the host called. Only read (for
/// the instance's id) while the `Caller` borrows the store that owns it.
#[derive(Copy, Clone)]
struct CallerVmctx(*mut u8);

// SAFETY: the pointer is only dereferenced through `Caller::instance`,
// with the store that owns the instance borrowed; it is as thread-safe as
// that borrow.
unsafe impl Send for CallerVmctx {}
// SAFETY: as for `Send`.
unsafe impl Sync for CallerVmctx {}

impl<T> Caller<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        &self.store.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.store.data
    }

    /// The engine of the store.
    pub fn engine(&self) -> &crate::Engine {
        &self.store.engine
    }

    /// The store's fuel left, as of the call to this host function (see
    /// [`Store::get_fuel`](crate::Store::get_fuel)).
    ///
    /// ```
    /// use egret::{Caller, Config, Engine, Func, Store};
    /// let engine = Engine::new(Config::new().consume_fuel(true))?;
    /// let mut store = Store::new(&engine, ());
    /// store.set_fuel(100)?;
    /// let fuel = Func::wrap(&mut store, |caller: Caller<'_, ()>| caller.get_fuel().map(|f| f as i64));
    /// assert_eq!(fuel.typed::<(), i64>(&store)?.call(&mut store, ())?, 100);
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn get_fuel(&self) -> Result<u64> {
        self.store.get_fuel()
    }

    /// Sets the store's fuel left (see
    /// [`Store::set_fuel`](crate::Store::set_fuel)); the calling wasm
    /// continues with it when this host function returns.
    ///
    /// ```
    /// use egret::{Caller, Config, Engine, Func, Store};
    /// let engine = Engine::new(Config::new().consume_fuel(true))?;
    /// let mut store = Store::new(&engine, ());
    /// let refuel = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| caller.set_fuel(500));
    /// refuel.typed::<(), ()>(&store)?.call(&mut store, ())?;
    /// assert_eq!(store.get_fuel()?, 500);
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.store.set_fuel(fuel)
    }

    /// Sets the store's epoch deadline `ticks_beyond_current` ticks after
    /// the engine's current epoch (see
    /// [`Store::set_epoch_deadline`](crate::Store::set_epoch_deadline)),
    /// for example to give the calling wasm more time.
    ///
    /// ```
    /// use egret::{Caller, Config, Engine, Func, Store};
    /// let engine = Engine::new(Config::new().epoch_interruption(true))?;
    /// let mut store = Store::new(&engine, ());
    /// let extend = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| caller.set_epoch_deadline(10));
    /// extend.typed::<(), ()>(&store)?.call(&mut store, ())?;
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.store.opaque.set_epoch_deadline(ticks_beyond_current);
    }

    /// An export of the calling instance (e.g. its memory); `None` when the
    /// host called this function directly or there is no such export.
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let instance = crate::Instance {
            store: self.store.id(),
            id: self.instance()?,
        };
        instance.get_export(StoreContextMut(self.store), name)
    }

    /// The calling instance, `None` when the host called.
    fn instance(&self) -> Option<InstanceId> {
        let vmctx = self.vmctx.0;
        // SAFETY: a non-null caller vmctx is the calling instance's, owned
        // by the store this `Caller` borrows, so still alive.
        (!vmctx.is_null()).then(|| unsafe { instance_id_of(vmctx) })
    }

    pub(crate) fn reborrow(&mut self) -> Caller<'_, T> {
        Caller {
            store: self.store,
            vmctx: self.vmctx,
        }
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}

impl<T: 'static> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}
