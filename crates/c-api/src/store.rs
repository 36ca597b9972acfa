//! `wasmtime_store_t` and `wasmtime_context_t`: an `egret::Store` whose
//! data ([`StoreData`]) holds the embedder's `void *`, the store's C-side
//! id and the handle tables that give C its plain-struct handles.
//!
//! A context is where C names a store: the store's own (inside the boxed
//! `wasmtime_store_t`, so it never moves), or a host function's caller
//! (on the stack for the duration of the call). Either way it reaches
//! the same `StoreData`.
//!
//! Handles: a `wasmtime_func_t` (and memory, table, global, instance,
//! tag) is `{ store id, index }`. The index is a position in the store's
//! [`HandleTable`] of that kind, which maps each egret handle to one
//! position, so a table grows only with the distinct items C has seen.
//! Reference values (`externref`, `anyref`, `exnref`) given to C are
//! owned by their structs (see [`crate::refs`]); those given in raw slots
//! are kept in `StoreData::raw_refs` for as long as Wasmtime's rule says
//! a raw value is valid (see [`crate::raw_slots`]).

use crate::boundary::{CMut, or_default, required, with_error};
use crate::config::wasm_engine_t;
use crate::error::wasmtime_error_t;
use egret_api::{
    AsContext, AsContextMut, Caller, Engine, Error, Func, Global, Instance, Memory, Result,
    RootScope, Store, StoreContext, StoreContextMut, StoreLimits, StoreLimitsBuilder, Table, Tag,
    UpdateDeadline,
};
use std::collections::{HashMap, HashSet};
use std::ffi::c_void;
use std::hash::Hash;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

/// The C-side ids of stores: never 0 (a `wasmtime_func_t` with store id 0
/// is a null `funcref`), never reused.
static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// A C finalizer (`void (*)(void *)`), called once on the data it was
/// given with when its owner is dropped.
pub(crate) type Finalizer = unsafe extern "C" fn(*mut c_void);

/// A `void *` from C and the finalizer that frees it.
pub(crate) struct ForeignData {
    pub(crate) data: *mut c_void,
    pub(crate) finalizer: Option<Finalizer>,
}

// SAFETY: the C API makes the embedder responsible for the data being
// usable from whichever thread runs the store or function that holds it,
// as Wasmtime's does.
unsafe impl Send for ForeignData {}
// SAFETY: as for `Send`.
unsafe impl Sync for ForeignData {}

impl Drop for ForeignData {
    fn drop(&mut self) {
        if let Some(finalizer) = self.finalizer {
            // SAFETY: the embedder gave this finalizer for this data, to
            // be called once, now that its owner is gone.
            unsafe { finalizer(self.data) };
        }
    }
}

/// Items of one kind that C holds handles to, each at one position.
pub(crate) struct HandleTable<H> {
    items: Vec<H>,
    positions: HashMap<H, usize>,
}

impl<H> Default for HandleTable<H> {
    fn default() -> HandleTable<H> {
        HandleTable {
            items: Vec::new(),
            positions: HashMap::new(),
        }
    }
}

impl<H: Copy + Eq + Hash> HandleTable<H> {
    /// The position of `item`, given one if it has none yet.
    pub(crate) fn position(&mut self, item: H) -> usize {
        let items = &mut self.items;
        *self.positions.entry(item).or_insert_with(|| {
            items.push(item);
            items.len() - 1
        })
    }

    /// The item at `position`.
    pub(crate) fn get(&self, position: usize) -> Option<H> {
        self.items.get(position).copied()
    }
}

/// The data of every store made through the C API.
pub struct StoreData {
    pub(crate) id: u64,
    /// The store's engine (contexts that are not a store or caller, as an
    /// epoch deadline callback's, cannot ask the store).
    engine: Engine,
    host: ForeignData,
    pub(crate) funcs: HandleTable<Func>,
    pub(crate) memories: HandleTable<Memory>,
    pub(crate) tables: HandleTable<Table>,
    pub(crate) globals: HandleTable<Global>,
    pub(crate) instances: HandleTable<Instance>,
    pub(crate) tags: HandleTable<Tag>,
    /// Reference values handed to C in raw slots.
    pub(crate) raw_refs: crate::raw_slots::RawSlots,
    /// Export names handed to C by `wasmtime_instance_export_nth`.
    names: HashSet<Box<str>>,
    /// The WASI context `wasmtime_context_set_wasi` built.
    pub(crate) wasi: Option<egret_wasi::WasiCtx>,
    limits: StoreLimits,
}

impl StoreData {
    /// `store_id` checked against this store: an error for a handle of
    /// another store, or for a null one (store id 0).
    pub(crate) fn check(&self, store_id: u64, what: &str) -> Result<()> {
        if store_id == 0 {
            Err(Error::msg(format!("invalid {what}: null handle")))
        } else if store_id != self.id {
            Err(Error::WrongStore)
        } else {
            Ok(())
        }
    }

    /// A C string of `name` that lives as long as the store.
    pub(crate) fn intern(&mut self, name: &str) -> &str {
        if !self.names.contains(name) {
            self.names.insert(name.into());
        }
        self.names.get(name).expect("just inserted")
    }
}

/// A store.
pub struct wasmtime_store_t {
    store: Store<StoreData>,
    context: wasmtime_context_t,
}

impl wasmtime_store_t {
    /// The GC heap's size, for tests of what collections free.
    #[cfg(test)]
    pub(crate) fn gc_heap_capacity(&self) -> usize {
        self.store.gc_heap_capacity()
    }
}

/// Where C names a store: a store's own context, a caller's, or the one
/// an epoch deadline callback is given.
pub struct wasmtime_context_t {
    source: ContextSource,
}

enum ContextSource {
    Store(NonNull<Store<StoreData>>),
    Caller(NonNull<Caller<'static, StoreData>>),
    Callback(NonNull<StoreContextMut<'static, StoreData>>),
}

impl wasmtime_context_t {
    /// The context of a host function's caller, valid while `caller` is
    /// (the host function's call).
    pub(crate) fn of_caller(caller: &mut Caller<'_, StoreData>) -> wasmtime_context_t {
        let caller = NonNull::from(caller).cast::<Caller<'static, StoreData>>();
        wasmtime_context_t {
            source: ContextSource::Caller(caller),
        }
    }

    /// The store, to use it.
    pub(crate) fn context_mut(&mut self) -> StoreContextMut<'_, StoreData> {
        match &mut self.source {
            // SAFETY: the store lives in the `wasmtime_store_t` that owns
            // this context, boxed, so it is where it was when the pointer
            // was taken; C's `&mut` to the context stands for the store.
            ContextSource::Store(store) => unsafe { store.as_mut() }.as_context_mut(),
            // SAFETY: a caller context exists only during its host
            // function's call, while the `Caller` it points to is alive
            // and not otherwise used.
            ContextSource::Caller(caller) => unsafe { caller.as_mut() }.as_context_mut(),
            // SAFETY: a callback context exists only during its callback,
            // while the `StoreContextMut` it points to is alive and not
            // otherwise used.
            ContextSource::Callback(context) => unsafe { context.as_mut() }.as_context_mut(),
        }
    }

    /// The store in a root scope: the `Rooted` handles made through it
    /// are unrooted when it is dropped. Entry points that make handles use
    /// it, else a call from outside any host call would root their
    /// objects for as long as the store lives.
    pub(crate) fn scope(&mut self) -> RootScope<StoreContextMut<'_, StoreData>> {
        RootScope::new(self.context_mut())
    }

    /// The store, to read it.
    pub(crate) fn context(&self) -> StoreContext<'_, StoreData> {
        match &self.source {
            // SAFETY: as in `context_mut`.
            ContextSource::Store(store) => unsafe { store.as_ref() }.as_context(),
            // SAFETY: as in `context_mut`.
            ContextSource::Caller(caller) => unsafe { caller.as_ref() }.as_context(),
            // SAFETY: as in `context_mut`.
            ContextSource::Callback(context) => unsafe { context.as_ref() }.as_context(),
        }
    }

    /// The store's data.
    pub(crate) fn data(&self) -> &StoreData {
        match &self.source {
            // SAFETY: as in `context_mut`.
            ContextSource::Store(store) => unsafe { store.as_ref() }.data(),
            // SAFETY: as in `context_mut`.
            ContextSource::Caller(caller) => unsafe { caller.as_ref() }.data(),
            // SAFETY: as in `context_mut`.
            ContextSource::Callback(context) => unsafe { context.as_ref() }.data(),
        }
    }

    /// The store's data, to change it.
    pub(crate) fn data_mut(&mut self) -> &mut StoreData {
        match &mut self.source {
            // SAFETY: as in `context_mut`.
            ContextSource::Store(store) => unsafe { store.as_mut() }.data_mut(),
            // SAFETY: as in `context_mut`.
            ContextSource::Caller(caller) => unsafe { caller.as_mut() }.data_mut(),
            // SAFETY: as in `context_mut`.
            ContextSource::Callback(context) => unsafe { context.as_mut() }.data_mut(),
        }
    }

    /// The store's engine.
    pub(crate) fn engine(&self) -> &Engine {
        &self.data().engine
    }

    fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        match &mut self.source {
            // SAFETY: as in `context_mut`.
            ContextSource::Store(store) => unsafe { store.as_mut() }.set_fuel(fuel),
            // SAFETY: as in `context_mut`.
            ContextSource::Caller(caller) => unsafe { caller.as_mut() }.set_fuel(fuel),
            ContextSource::Callback(_) => Err(Error::msg(FUEL_IN_CALLBACK)),
        }
    }

    fn get_fuel(&self) -> Result<u64> {
        match &self.source {
            // SAFETY: as in `context_mut`.
            ContextSource::Store(store) => unsafe { store.as_ref() }.get_fuel(),
            // SAFETY: as in `context_mut`.
            ContextSource::Caller(caller) => unsafe { caller.as_ref() }.get_fuel(),
            ContextSource::Callback(_) => Err(Error::msg(FUEL_IN_CALLBACK)),
        }
    }
}

/// Why fuel cannot be used from an epoch deadline callback: Egret gives
/// the callback a `StoreContextMut`, which has no fuel methods.
const FUEL_IN_CALLBACK: &str =
    "not supported by Egret: fuel in an epoch deadline callback's context";

/// An epoch deadline callback: sets how many ticks the next deadline is
/// beyond the current epoch and whether to continue (0) or yield (1), or
/// returns an error that stops wasm.
pub type EpochDeadlineCallback = unsafe extern "C" fn(
    context: *const wasmtime_context_t,
    data: *mut c_void,
    epoch_deadline_delta: *mut u64,
    update_kind: *mut u8,
) -> *mut wasmtime_error_t;

/// `WASMTIME_UPDATE_DEADLINE_CONTINUE` and `_YIELD`.
const UPDATE_DEADLINE_CONTINUE: u8 = 0;
const UPDATE_DEADLINE_YIELD: u8 = 1;

/// Calls `func` with `data` whenever wasm reaches the store's epoch
/// deadline, instead of trapping: it continues with a new deadline, or
/// stops wasm with the error it returns. Yielding (async) is an error.
/// `finalizer` runs on `data` when the store is deleted or another
/// callback replaces this one.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_store_epoch_deadline_callback(
    store: Option<&mut wasmtime_store_t>,
    func: Option<EpochDeadlineCallback>,
    data: *mut c_void,
    finalizer: Option<Finalizer>,
) {
    let env = ForeignData { data, finalizer };
    or_default((), || {
        let (Some(store), Some(func)) = (store, func) else {
            return;
        };
        store.store.epoch_deadline_callback(move |mut context| {
            // The whole `ForeignData` (not just its pointer) moves in.
            let env = &env;
            let c_context = wasmtime_context_t {
                source: ContextSource::Callback(NonNull::from(&mut context).cast()),
            };
            let (mut delta, mut kind) = (0u64, UPDATE_DEADLINE_CONTINUE);
            // SAFETY: the embedder gave this callback for this data; the
            // context and out-parameters live across the call.
            let error = unsafe { func(&c_context, env.data, &mut delta, &mut kind) };
            if !error.is_null() {
                // SAFETY: the callback returned an owned error made by this
                // library, which is now ours.
                return Err(unsafe { Box::from_raw(error) }.error);
            }
            match kind {
                UPDATE_DEADLINE_CONTINUE => Ok(UpdateDeadline::Continue(delta)),
                UPDATE_DEADLINE_YIELD => Err(Error::msg(
                    "not supported by Egret: yielding from an epoch deadline callback (async)",
                )),
                other => Err(Error::msg(format!("invalid deadline update kind {other}"))),
            }
        });
    })
}

/// A store of `engine` holding the embedder's `data`, which `finalizer`
/// (if any) is called on when the store is deleted; NULL for a NULL
/// engine.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_store_new(
    engine: Option<CMut<wasm_engine_t>>,
    data: *mut c_void,
    finalizer: Option<Finalizer>,
) -> Option<Box<wasmtime_store_t>> {
    or_default(None, || {
        let engine = &engine?.engine;
        let data = StoreData {
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
            engine: engine.clone(),
            host: ForeignData { data, finalizer },
            funcs: HandleTable::default(),
            memories: HandleTable::default(),
            tables: HandleTable::default(),
            globals: HandleTable::default(),
            instances: HandleTable::default(),
            tags: HandleTable::default(),
            raw_refs: crate::raw_slots::RawSlots::default(),
            names: HashSet::new(),
            wasi: None,
            limits: StoreLimits::default(),
        };
        let mut store = Box::new(wasmtime_store_t {
            store: Store::new(engine, data),
            context: wasmtime_context_t {
                source: ContextSource::Store(NonNull::dangling()),
            },
        });
        store.context.source = ContextSource::Store(NonNull::from(&mut store.store));
        Some(store)
    })
}

/// The store's context (owned by the store).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_store_context(
    store: Option<&mut wasmtime_store_t>,
) -> Option<&mut wasmtime_context_t> {
    store.map(|s| &mut s.context)
}

/// Deletes a store: its instances, items, host functions and data (the
/// data's finalizer runs).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_store_delete(store: Option<Box<wasmtime_store_t>>) {
    or_default((), || drop(store))
}

/// Limits the store's resources; a negative value leaves that limit at
/// its default (none for sizes, Egret's caps for counts).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_store_limiter(
    store: Option<&mut wasmtime_store_t>,
    memory_size: i64,
    table_elements: i64,
    instances: i64,
    tables: i64,
    memories: i64,
) {
    or_default((), || {
        let Some(store) = store else { return };
        let given = |n: i64| usize::try_from(n).ok();
        let mut limits = StoreLimitsBuilder::new();
        if let Some(n) = given(memory_size) {
            limits = limits.memory_size(n);
        }
        if let Some(n) = given(table_elements) {
            limits = limits.table_elements(n);
        }
        if let Some(n) = given(instances) {
            limits = limits.instances(n);
        }
        if let Some(n) = given(tables) {
            limits = limits.tables(n);
        }
        if let Some(n) = given(memories) {
            limits = limits.memories(n);
        }
        store.store.data_mut().limits = limits.build();
        store.store.limiter(|data| &mut data.limits);
    })
}

/// The embedder's data of the store (NULL for a NULL context).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_context_get_data(context: Option<&wasmtime_context_t>) -> *mut c_void {
    or_default(std::ptr::null_mut(), || {
        context.map_or(std::ptr::null_mut(), |c| c.data().host.data)
    })
}

/// Replaces the embedder's data of the store (the finalizer given to
/// `wasmtime_store_new` will see the new data).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_context_set_data(
    context: Option<&mut wasmtime_context_t>,
    data: *mut c_void,
) {
    or_default((), || {
        if let Some(c) = context {
            c.data_mut().host.data = data;
        }
    })
}

/// Sets the store's fuel (an error unless the engine consumes fuel).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_context_set_fuel(
    context: Option<&mut wasmtime_context_t>,
    fuel: u64,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| required(context, "store")?.set_fuel(fuel))
}

/// Writes the store's remaining fuel to `fuel` (an error unless the
/// engine consumes fuel).
///
/// # Safety
/// `fuel` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_context_get_fuel(
    context: Option<&wasmtime_context_t>,
    fuel: *mut u64,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let remaining = required(context, "store")?.get_fuel()?;
        // SAFETY: forwarded to the caller.
        unsafe { crate::boundary::write_out(fuel, remaining, "fuel") }
    })
}

/// Sets the epoch deadline `ticks_beyond_current` ticks after the
/// engine's current epoch.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_context_set_epoch_deadline(
    context: Option<&mut wasmtime_context_t>,
    ticks_beyond_current: u64,
) {
    or_default((), || {
        if let Some(c) = context {
            c.context_mut().set_epoch_deadline(ticks_beyond_current);
        }
    })
}

/// Collects the store's garbage now: every GC object that neither wasm
/// nor a reference C still holds (not unrooted) reaches.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_context_gc(
    context: Option<&mut wasmtime_context_t>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let context = required(context, "store")?;
        context.data_mut().raw_refs.release_unprotected();
        context.context_mut().gc(None)
    })
}
