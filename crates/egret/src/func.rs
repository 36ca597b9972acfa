//! Functions: wasm functions exported by instances and host functions
//! defined by the embedder, called with dynamically typed `Val`s; and the
//! `Caller` a host function receives.

use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut, StoreInner};
use crate::typed::RawHostFn;
use crate::{Error, Extern, FuncType, Result, Val};
use egret_runtime::host_func::HostCallback;
use egret_runtime::instance::{InstanceId, instance_id_of};
use egret_runtime::store::StoreId;
use egret_runtime::vmcontext::VMFuncRef;
use std::sync::Arc;

/// A function: a wasm function of some instance, or a host function. A
/// handle into its store; using it with another store gives
/// [`Error::WrongStore`].
///
/// ```
/// use egret::{Engine, Func, FuncType, Store, Val, ValType};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let ty = FuncType::new([ValType::I32], [ValType::I32]);
/// let double = Func::new(&mut store, ty, |_caller, params, results| {
///     results[0] = Val::I32(params[0].i32().unwrap() * 2);
///     Ok(())
/// }).unwrap();
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
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<Func> {
        let f = dynamic_host_fn(ty.clone(), f);
        Func::new_raw(store.as_context_mut().0, ty, move |caller, values| {
            f(caller, values)
        })
    }

    /// Defines a host function over raw value slots (used by `new` and
    /// `wrap`).
    pub(crate) fn new_raw<T: 'static>(
        store: &mut StoreInner<T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &mut [u128]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<Func> {
        let embedder = std::ptr::from_mut(store).cast::<u8>();
        let callback: HostCallback = Box::new(move |store_ptr, caller_vmctx, values| {
            // SAFETY: `store_ptr` is the `StoreInner<T>` this function was
            // created in (its address is stable: it is boxed), and the store
            // is alive while any of its functions runs.
            let store = unsafe { &mut *store_ptr.cast::<StoreInner<T>>() };
            let instance = (!caller_vmctx.is_null()).then(|| {
                // SAFETY: a non-null caller vmctx is the calling instance's.
                unsafe { instance_id_of(caller_vmctx) }
            });
            f(Caller { store, instance }, values).map_err(Error::into_host_error)
        });
        let func_ref = store
            .opaque
            .create_host_func(ty, embedder, callback)
            .map_err(Error::Compile)?;
        Ok(Func {
            store: store.id(),
            func_ref: func_ref as usize,
        })
    }

    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> Result<FuncType> {
        let store = store.as_context().0;
        store.check(self.store)?;
        // SAFETY: the store check proves the funcref belongs to this live store.
        Ok(unsafe { store.opaque.func_type(self.vm_func_ref()) })
    }

    /// Calls the function with `params`, writing its results to `results`.
    /// A trap is returned as [`Error::Trap`]; the store stays usable.
    pub fn call<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let store = store.as_context_mut().0;
        let ty = self.ty(StoreContext(store))?;
        if params.len() != ty.params().len() || results.len() != ty.results().len() {
            return Err(Error::misuse(format!(
                "function of type {ty} called with {} arguments and room for {} results",
                params.len(),
                results.len()
            )));
        }
        let mut values = vec![0u128; params.len().max(results.len()).max(1)];
        for ((slot, param), expected) in values.iter_mut().zip(params).zip(ty.params()) {
            if param.ty() != *expected {
                return Err(Error::misuse(format!(
                    "argument of type {} where {expected} was expected",
                    param.ty()
                )));
            }
            *slot = param.to_raw(store)?;
        }
        // SAFETY: the funcref belongs to this store (checked by `ty`) and the
        // slots hold arguments of its parameter types (checked above).
        unsafe { store.opaque.call(self.vm_func_ref(), &mut values) }?;
        let id = store.id();
        for ((result, raw), ty) in results.iter_mut().zip(values).zip(ty.results()) {
            *result = Val::from_raw(raw, *ty, id);
        }
        Ok(())
    }
}

/// Adapts a host function over `Val`s (see [`Func::new`]) to raw value
/// slots: reads the arguments, checks the results against `ty` and stores
/// them.
pub(crate) fn dynamic_host_fn<T: 'static>(
    ty: FuncType,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> RawHostFn<T> {
    Arc::new(move |mut caller: Caller<'_, T>, values: &mut [u128]| {
        let id = caller.store.id();
        let params: Vec<Val> = ty
            .params()
            .iter()
            .zip(values.iter())
            .map(|(t, raw)| Val::from_raw(*raw, *t, id))
            .collect();
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        f(caller.reborrow(), &params, &mut results)?;
        for ((slot, result), ty) in values.iter_mut().zip(&results).zip(ty.results()) {
            if result.ty() != *ty {
                return Err(Error::misuse(format!(
                    "host function returned a {} where its type says {ty}",
                    result.ty()
                )));
            }
            *slot = result.to_raw(caller.store)?;
        }
        Ok(())
    })
}

/// What a host function receives about its caller: the store (host data
/// included) and, when called from wasm, the calling instance's exports.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut StoreInner<T>,
    pub(crate) instance: Option<InstanceId>,
}

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
    /// let fuel = Func::wrap(&mut store, |caller: Caller<'_, ()>| caller.get_fuel().map(|f| f as i64))?;
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
    /// let refuel = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| caller.set_fuel(500))?;
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
    /// let extend = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| caller.set_epoch_deadline(10))?;
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
            id: self.instance?,
        };
        instance.get_export(StoreContextMut(self.store), name).ok()
    }

    pub(crate) fn reborrow(&mut self) -> Caller<'_, T> {
        Caller {
            store: self.store,
            instance: self.instance,
        }
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}
