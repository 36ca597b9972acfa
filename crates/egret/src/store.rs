//! Stores: the owner of all runtime state (instances, memories, tables,
//! globals, host functions) and of the embedder's data `T`, with the
//! store's fuel, epoch deadline, resource limiter and call hook; plus the context
//! traits that let API calls take a store, a `&mut Store`, or a host
//! function's `Caller` alike.

use crate::Engine;
use crate::limits::{LimiterAccessor, ResourceLimiter};
use crate::{Error, ExnRef, Result, Rooted, Val};
use egret_runtime::limits::CountLimits;
pub use egret_runtime::store::CallHook;
use egret_runtime::store::{StoreId, StoreOpaque, VMStore};
use egret_runtime::trap::HostError;

/// A collection of instances and the host data `T` they run with.
/// Dropping a store frees everything it owns.
///
/// ```
/// let engine = egret::Engine::default();
/// let mut store = egret::Store::new(&engine, 41);
/// *store.data_mut() += 1;
/// assert_eq!(*store.data(), 42);
/// ```
pub struct Store<T> {
    // Boxed so that moving a store moves one pointer.
    pub(crate) inner: Box<StoreInner<T>>,
}

/// The store's state. Calls into wasm lend it to the code they run as a
/// `*mut dyn VMStore` (see `VMStore::call`); nothing keeps a pointer to it
/// beyond that.
pub struct StoreInner<T> {
    pub(crate) opaque: StoreOpaque,
    pub(crate) engine: Engine,
    // Scratch space for the arguments and results of host functions over
    // `Val`s (`Func::new`), kept between calls to save an allocation.
    pub(crate) host_vals: Vec<Val>,
    // Finds the embedder's resource limiter in `data`.
    limiter: Option<LimiterAccessor<T>>,
    // Decides what happens at the epoch deadline; `None` traps.
    epoch_callback: Option<EpochCallback<T>>,
    // Runs where calls cross between host and wasm (`Store::call_hook`).
    pub(crate) call_hook: Option<CallHookFn<T>>,
    pub(crate) data: T,
}

/// A store's call hook.
type CallHookFn<T> = Box<dyn FnMut(StoreContextMut<'_, T>, CallHook) -> Result<()> + Send + Sync>;

/// A store's epoch deadline callback.
type EpochCallback<T> =
    Box<dyn FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync>;

/// What an epoch deadline callback ([`Store::epoch_deadline_callback`])
/// wants: Wasmtime 48's variants for synchronous calls (Egret has no async
/// calls, so no `Yield`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateDeadline {
    /// Trap with `Interrupt`, leaving the deadline where it is.
    Interrupt,
    /// Go on, with the deadline this many ticks beyond the current epoch.
    Continue(u64),
}

// SAFETY: `opaque` always returns the same field.
unsafe impl<T> VMStore for StoreInner<T> {
    fn opaque(&self) -> &StoreOpaque {
        &self.opaque
    }

    fn opaque_mut(&mut self) -> &mut StoreOpaque {
        &mut self.opaque
    }

    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, HostError> {
        self.ask_limiter(|l| l.memory_growing(current, desired, maximum))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, HostError> {
        self.ask_limiter(|l| l.table_growing(current, desired, maximum))
    }

    fn epoch_deadline_reached(&mut self) -> Result<Option<u64>, HostError> {
        let Some(mut callback) = self.epoch_callback.take() else {
            return Ok(None);
        };
        let update = callback(StoreContextMut(self));
        // Unless the callback installed another one (or `epoch_deadline_trap`
        // removed it), it stays.
        if self.epoch_callback.is_none() {
            self.epoch_callback = Some(callback);
        }
        match update.map_err(Error::into_host_error)? {
            UpdateDeadline::Interrupt => Ok(None),
            UpdateDeadline::Continue(ticks) => Ok(Some(ticks)),
        }
    }

    fn call_hook(&mut self, hook: CallHook) -> Result<(), HostError> {
        self.run_call_hook(hook).map_err(Error::into_host_error)
    }
}

impl<T> StoreInner<T> {
    /// The embedder's limiter's answer to `ask`; yes without a limiter.
    fn ask_limiter(
        &mut self,
        ask: impl FnOnce(&mut dyn ResourceLimiter) -> Result<bool>,
    ) -> Result<bool, HostError> {
        match self.limiter.as_mut() {
            Some(limiter) => ask(limiter(&mut self.data)).map_err(Error::into_host_error),
            None => Ok(true),
        }
    }

    pub(crate) fn id(&self) -> StoreId {
        self.opaque.id()
    }

    /// Runs the call hook, if any, for `hook`. The hook is taken out while
    /// it runs: calls it makes into wasm do not run it again. Collections
    /// wait until it returns: the crossing's arguments or results are raw
    /// values then, which no root holds. A hook that panics is put back
    /// before the panic goes on.
    #[cold]
    pub(crate) fn run_call_hook(&mut self, hook: CallHook) -> Result<()> {
        let Some(mut call_hook) = self.call_hook.take() else {
            return Ok(());
        };
        self.opaque.defer_collections();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            call_hook(StoreContextMut(self), hook)
        }));
        self.opaque.resume_collections();
        // Unless the hook installed another one.
        if self.call_hook.is_none() {
            self.call_hook = Some(call_hook);
        }
        outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// The store as the runtime takes it for calls, instantiation and
    /// anything the resource limiter decides.
    pub(crate) fn vm(&mut self) -> &mut dyn VMStore {
        self
    }

    /// Fails with [`Error::WrongStore`] unless `id` is this store's.
    pub(crate) fn check(&self, id: StoreId) -> Result<()> {
        if id == self.id() {
            Ok(())
        } else {
            Err(Error::WrongStore)
        }
    }

    fn check_fuel_enabled(&self) -> Result<()> {
        if self.engine.inner.config().tunables.consume_fuel {
            Ok(())
        } else {
            Err(Error::misuse(
                "fuel is not enabled for this store's engine (see Config::consume_fuel)",
            ))
        }
    }

    pub(crate) fn get_fuel(&self) -> Result<u64> {
        self.check_fuel_enabled()?;
        Ok(self.opaque.fuel())
    }

    pub(crate) fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.check_fuel_enabled()?;
        self.opaque.set_fuel(fuel);
        Ok(())
    }
}

impl<T> Store<T> {
    /// A new store for modules of `engine`, holding `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            inner: Box::new(StoreInner {
                opaque: StoreOpaque::new(engine.inner.clone()),
                engine: engine.clone(),
                host_vals: Vec::new(),
                limiter: None,
                epoch_callback: None,
                call_hook: None,
                data,
            }),
        }
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// Consumes the store, returning its host data.
    pub fn into_data(self) -> T {
        self.inner.data
    }

    /// The engine this store belongs to.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Sets the fuel left to `fuel` units (replacing what was left; at
    /// most `i64::MAX`). Most operators cost one unit (see
    /// [`Config::consume_fuel`](crate::Config::consume_fuel)); wasm traps
    /// with [`Trap::OutOfFuel`](crate::Trap::OutOfFuel) when it
    /// has spent it all. A new store has no fuel. Fails if the engine does
    /// not count fuel.
    ///
    /// ```
    /// use egret::{Config, Engine, Instance, Module, Store, Trap};
    /// let engine = Engine::new(Config::new().consume_fuel(true))?;
    /// let module = Module::new(&engine, r#"(module (func (export "spin") (loop br 0)))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// store.set_fuel(10_000)?;
    /// let instance = Instance::new(&mut store, &module, &[])?;
    /// let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
    /// let err = spin.call(&mut store, ()).unwrap_err();
    /// assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel));
    /// assert_eq!(store.get_fuel()?, 0);
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.inner.set_fuel(fuel)
    }

    /// The fuel left (0 once wasm ran out). Wasm's consumption is brought
    /// up to date whenever it calls a function, returns or traps, so a
    /// host function called from wasm sees what its caller has spent.
    /// Fails if the engine does not count fuel.
    ///
    /// ```
    /// use egret::{Config, Engine, Store};
    /// let engine = Engine::new(Config::new().consume_fuel(true))?;
    /// let mut store = Store::new(&engine, ());
    /// assert_eq!(store.get_fuel()?, 0);
    /// store.set_fuel(5)?;
    /// assert_eq!(store.get_fuel()?, 5);
    /// // Without fuel counting, asking is an error.
    /// assert!(Store::new(&Engine::default(), ()).get_fuel().is_err());
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn get_fuel(&self) -> Result<u64> {
        self.inner.get_fuel()
    }

    /// Sets the epoch deadline `ticks_beyond_current` ticks after the
    /// engine's current epoch: once
    /// [`Engine::increment_epoch`](crate::Engine::increment_epoch) has
    /// been called that many times, wasm running in this store traps with
    /// [`Trap::Interrupt`](crate::Trap::Interrupt) at its next
    /// function entry or loop iteration. Only has an effect with
    /// [`Config::epoch_interruption`](crate::Config::epoch_interruption).
    /// A new store's deadline is already reached (as if set 0 ticks
    /// beyond the current epoch): wasm traps at once until this is called.
    ///
    /// ```
    /// use egret::{Config, Engine, Instance, Module, Store, Trap};
    /// let engine = Engine::new(Config::new().epoch_interruption(true))?;
    /// let module = Module::new(&engine, r#"(module (func (export "spin") (loop br 0)))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// store.set_epoch_deadline(1);
    /// let instance = Instance::new(&mut store, &module, &[])?;
    /// let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
    /// // Another thread ends the epoch while wasm spins.
    /// let ticker = engine.clone();
    /// let thread = std::thread::spawn(move || {
    ///     std::thread::sleep(std::time::Duration::from_millis(10));
    ///     ticker.increment_epoch();
    /// });
    /// let err = spin.call(&mut store, ()).unwrap_err();
    /// assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::Interrupt));
    /// thread.join().unwrap();
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.inner.opaque.set_epoch_deadline(ticks_beyond_current);
    }

    /// Makes reaching the epoch deadline trap with `Interrupt` (the
    /// default), removing any deadline callback.
    pub fn epoch_deadline_trap(&mut self) {
        self.as_context_mut().epoch_deadline_trap();
    }

    /// Makes reaching the epoch deadline call `callback`, which decides
    /// whether wasm goes on (with a new deadline) or traps; an error it
    /// returns becomes the call's error.
    ///
    /// ```
    /// use egret::{Config, Engine, Instance, Module, Store, UpdateDeadline};
    /// let engine = Engine::new(Config::new().epoch_interruption(true))?;
    /// let module = Module::new(&engine, r#"(module (func (export "spin") (loop br 0)))"#)?;
    /// let mut store = Store::new(&engine, 0u32);
    /// let instance = Instance::new(&mut store, &module, &[])?;
    /// let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
    /// store.set_epoch_deadline(1);
    /// // Let wasm run for three more ticks, then stop it.
    /// store.epoch_deadline_callback(|mut store| {
    ///     *store.data_mut() += 1;
    ///     Ok(if *store.data() < 3 { UpdateDeadline::Continue(1) } else { UpdateDeadline::Interrupt })
    /// });
    /// let ticker = engine.clone();
    /// let thread = std::thread::spawn(move || {
    ///     for _ in 0..200 {
    ///         std::thread::sleep(std::time::Duration::from_millis(2));
    ///         ticker.increment_epoch();
    ///     }
    /// });
    /// assert!(spin.call(&mut store, ()).is_err());
    /// assert_eq!(*store.data(), 3);
    /// thread.join().unwrap();
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn epoch_deadline_callback(
        &mut self,
        callback: impl FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync + 'static,
    ) {
        self.as_context_mut().epoch_deadline_callback(callback);
    }
}

impl<T> Store<T> {
    /// Throws `exception`: makes it the store's pending exception and
    /// returns the error that carries it on. A host function called by
    /// wasm that returns this error throws the exception in its caller,
    /// where `try_table` may catch it; called from the host, it is this
    /// error. Always `Err`.
    ///
    /// ```
    /// use egret::{Engine, ExnRef, ExnRefPre, ExnType, FuncType, Rooted, Store, Tag, TagType, Val, ValType};
    /// let engine = Engine::default();
    /// let mut store = Store::new(&engine, ());
    /// let ty = TagType::new(FuncType::new(&engine, [ValType::I32], []));
    /// let tag = Tag::new(&mut store, &ty).unwrap();
    /// let pre = ExnRefPre::new(&mut store, ExnType::from_tag_type(&ty).unwrap());
    /// let exn = ExnRef::new(&mut store, &pre, &tag, &[Val::I32(1)]).unwrap();
    /// let err = store.throw::<()>(exn).unwrap_err();
    /// assert!(err.downcast_ref::<egret::ThrownException>().is_some());
    /// let pending = store.take_pending_exception().unwrap();
    /// assert!(Rooted::ref_eq(&store, &pending, &exn).unwrap());
    /// ```
    pub fn throw<R>(&mut self, exception: Rooted<ExnRef>) -> Result<R> {
        self.inner.throw(exception)
    }

    /// Takes the pending exception: the one an uncaught wasm exception (an
    /// [`Error::Exception`](crate::Error::Exception)) or
    /// [`Store::throw`] left.
    pub fn take_pending_exception(&mut self) -> Option<Rooted<ExnRef>> {
        self.inner.take_pending_exception()
    }

    /// Whether an exception is pending.
    pub fn has_pending_exception(&self) -> bool {
        self.inner.has_pending_exception()
    }
}

impl<T: 'static> Store<T> {
    /// Installs a resource limiter: `limiter` finds it in the store's data
    /// each time the store creates or grows a memory or table (see
    /// [`ResourceLimiter`]). Replaces any previous limiter. The caps on
    /// instances, memories and tables are read from it now and apply to
    /// what is created from now on. Without a limiter nothing but Egret's
    /// own implementation limits applies.
    ///
    /// ```
    /// use egret::{Engine, Memory, MemoryType, Store, StoreLimits, StoreLimitsBuilder};
    /// struct Host { limits: StoreLimits }
    /// let engine = Engine::default();
    /// let limits = StoreLimitsBuilder::new().memory_size(2 * 65536).build();
    /// let mut store = Store::new(&engine, Host { limits });
    /// store.limiter(|host| &mut host.limits);
    /// let memory = Memory::new(&mut store, MemoryType::new(1, None))?;
    /// assert_eq!(memory.grow(&mut store, 1)?, 1);
    /// assert!(memory.grow(&mut store, 1).is_err());
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn limiter(
        &mut self,
        mut limiter: impl FnMut(&mut T) -> &mut (dyn ResourceLimiter) + Send + Sync + 'static,
    ) {
        let counts = {
            let l = limiter(&mut self.inner.data);
            CountLimits {
                instances: l.instances(),
                memories: l.memories(),
                tables: l.tables(),
            }
        };
        self.inner.limiter = Some(Box::new(limiter));
        self.inner.opaque.set_count_limits(counts);
    }

    /// Installs `hook`, which then runs each time a call crosses between
    /// host and wasm, told which way by its [`CallHook`] argument: the
    /// host calling wasm (a function or a start function) and wasm
    /// returning, wasm calling a host function and the host function
    /// returning. Replaces any previous hook.
    ///
    /// An error from the hook ends the call with that error: at
    /// `CallingWasm` or `CallingHost` the function does not run; at
    /// `ReturningFromWasm` or `ReturningFromHost` the error replaces its
    /// results (or its own error). The store stays usable. Calls the hook
    /// makes itself do not run it.
    ///
    /// Unlike Wasmtime, the hook does not run around the runtime's own
    /// calls out of wasm (`memory.grow`, `table.grow`, GC allocation).
    ///
    /// ```
    /// use egret::{CallHook, Engine, Func, Instance, Module, Store};
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"
    ///     (module
    ///       (import "host" "f" (func $f))
    ///       (func (export "run") call $f))
    /// "#)?;
    /// let mut store = Store::new(&engine, Vec::new());
    /// store.call_hook(|mut store, hook| {
    ///     store.data_mut().push(hook);
    ///     Ok(())
    /// });
    /// let f = Func::wrap(&mut store, || {});
    /// let instance = Instance::new(&mut store, &module, &[f.into()])?;
    /// instance.get_typed_func::<(), ()>(&mut store, "run")?.call(&mut store, ())?;
    /// assert_eq!(store.data(), &[
    ///     CallHook::CallingWasm,
    ///     CallHook::CallingHost,
    ///     CallHook::ReturningFromHost,
    ///     CallHook::ReturningFromWasm,
    /// ]);
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn call_hook(
        &mut self,
        hook: impl FnMut(StoreContextMut<'_, T>, CallHook) -> Result<()> + Send + Sync + 'static,
    ) {
        self.inner.call_hook = Some(Box::new(hook));
        self.inner.opaque.set_call_hook_installed(true);
    }
}

impl<T> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("id", &self.inner.id())
            .finish()
    }
}

/// A shared borrow of a store.
pub struct StoreContext<'a, T>(pub(crate) &'a StoreInner<T>);

/// An exclusive borrow of a store.
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut StoreInner<T>);

impl<T> StoreContext<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        &self.0.data
    }

    /// The engine the store belongs to.
    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }
}

impl<T> StoreContextMut<'_, T> {
    /// The engine the store belongs to.
    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }

    /// [`Store::throw`], for host functions (through
    /// `caller.as_context_mut()`).
    pub fn throw<R>(&mut self, exception: Rooted<ExnRef>) -> Result<R> {
        self.0.throw(exception)
    }

    /// [`Store::take_pending_exception`].
    pub fn take_pending_exception(&mut self) -> Option<Rooted<ExnRef>> {
        self.0.take_pending_exception()
    }

    /// [`Store::has_pending_exception`].
    pub fn has_pending_exception(&self) -> bool {
        self.0.has_pending_exception()
    }

    /// [`Store::set_epoch_deadline`].
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.0.opaque.set_epoch_deadline(ticks_beyond_current);
    }

    /// [`Store::epoch_deadline_trap`].
    pub fn epoch_deadline_trap(&mut self) {
        self.0.epoch_callback = None;
    }

    /// [`Store::epoch_deadline_callback`].
    pub fn epoch_deadline_callback(
        &mut self,
        callback: impl FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync + 'static,
    ) {
        self.0.epoch_callback = Some(Box::new(callback));
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.0.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.0.data
    }
}

/// Anything that gives shared access to a store.
pub trait AsContext {
    /// The store's host data type.
    type Data;
    /// The store, borrowed.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Anything that gives exclusive access to a store.
pub trait AsContextMut: AsContext {
    /// The store, borrowed mutably.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(&self.inner)
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(&mut self.inner)
    }
}

impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}

impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        (**self).as_context_mut()
    }
}

impl<'a, C: AsContext> From<&'a C> for StoreContext<'a, C::Data> {
    fn from(context: &'a C) -> Self {
        context.as_context()
    }
}

impl<'a, C: AsContext> From<&'a mut C> for StoreContext<'a, C::Data> {
    fn from(context: &'a mut C) -> Self {
        C::as_context(context)
    }
}

impl<'a, C: AsContextMut> From<&'a mut C> for StoreContextMut<'a, C::Data> {
    fn from(context: &'a mut C) -> Self {
        context.as_context_mut()
    }
}

impl<'a, T> From<StoreContextMut<'a, T>> for StoreContext<'a, T> {
    fn from(context: StoreContextMut<'a, T>) -> Self {
        StoreContext(context.0)
    }
}
