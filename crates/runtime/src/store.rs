//! The store: owner of all runtime state of its instances (vmctxs,
//! memories, tables, globals, host functions), and the place where modules
//! are instantiated and functions called.
//!
//! Everything a store owns is referred to by ids (indices into its arenas)
//! or by addresses of never-moving structures owned through `VmBox`es;
//! nothing a store owns points into another store. Handles carry the
//! store's `StoreId`, which the embedding API checks before every use.
//!
//! Subtle: the store crosses the wasm boundary as a raw pointer. The
//! embedder's store implements [`VMStore`]; every call into wasm goes
//! through [`VMStore::call`] (an inherent method of `dyn VMStore`), which
//! lends the store to the code it runs by putting a pointer derived from
//! its own `&mut` into the store context, and touches the store again only
//! after the call returns. Host functions and libcalls turn that pointer
//! back into a borrow for as long as they run; nothing keeps a pointer to
//! the store beyond the call that lent it. Operations that consult the
//! embedder's resource limiter are methods of `dyn VMStore` too, so that
//! the limiter and the runtime state are borrowed one after the other,
//! never at once.

use crate::engine::EngineInner;
use crate::exception::{Exceptions, ThrownException};
use crate::gc_heap::{ArraySlice, GcHeap, ObjectKind};

mod backtrace;
mod gc;

use crate::host_func::{HostCallback, HostFailure, HostFunc};
use crate::host_roots::HostRoots;
use crate::host_values::HostValues;
use crate::instance::{
    ConstAllocator, Instance, InstanceId, VmCtx, const_eval, func_ref, global_ptr,
};
use crate::libcalls;
use crate::limits::{CountLimits, ResourceError};
use crate::memory::LinearMemory;
use crate::memory_image::MemoryImage;
use crate::module::ModuleCode;
use crate::table::Table;
use crate::trap::{Failure, FailureCause, HostError};
use crate::traphandlers::{self, TrapRecord};
use crate::vm_box::VmBox;
use crate::vmcontext::{VMFuncRef, VMGlobalDefinition, VMStoreContext};
use egret_frontend::builtins::{ARRAY_OUT_OF_BOUNDS, SEGMENT_OK, SEGMENT_OUT_OF_BOUNDS};
use egret_frontend::gc_layout::{HOST_IN_ANY_TAG, field_size};
use egret_frontend::module_info::{ConstExpr, DataMode, ElementItems, ElementMode, ModuleInfo};
use egret_frontend::traps::{Trap, TrapReason};
use egret_frontend::types::*;
use egret_frontend::vmoffsets::VMOffsets;
pub use gc::MayCollect;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A store's process-unique id (never reused).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct StoreId(u64);

impl StoreId {
    /// An id no store has (ids count from 1): a handle that must refer to
    /// something but got nothing carries it, so every use of it fails as
    /// a use with the wrong store does.
    pub const NONE: StoreId = StoreId(0);

    fn fresh() -> StoreId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A memory's id in its store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemoryId(pub u32);

/// A table's id in its store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableId(pub u32);

/// A global's id in its store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct GlobalId(pub u32);

/// A tag's id in its store. A tag is an identity (two tags of the same
/// type are different tags) with a function type whose parameters are
/// the fields of the exceptions thrown with it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TagId(pub u32);

/// A tag: its type and the instance and index that defined it (`None`
/// for a tag the host created), from which messages name it.
struct TagEntry {
    ty: SigId,
    defined_in: Option<(InstanceId, TagIndex)>,
}

/// An import resolved to something the store owns.
#[derive(Copy, Clone, Debug)]
pub enum Resolved {
    /// A function, by its reference.
    Func(*const VMFuncRef),
    /// A memory.
    Memory(MemoryId),
    /// A table.
    Table(TableId),
    /// A global.
    Global(GlobalId),
    /// A tag.
    Tag(TagId),
}

/// Why instantiation failed.
#[derive(Debug, thiserror::Error)]
pub enum InstantiationError {
    /// An import does not match what the module expects.
    #[error("{0}")]
    Link(String),
    /// A memory or table could not be allocated, or a count cap was hit.
    #[error("{0}")]
    Resource(String),
    /// The embedder's resource limiter returned an error.
    #[error("{0}")]
    Limiter(HostError),
    /// A segment was out of bounds or the start function trapped. The
    /// instance stays in the store: tables and memories it shares may
    /// already hold its functions and data.
    #[error("a segment was out of bounds or the start function failed")]
    Trap(Failure),
}

struct GlobalEntry {
    definition: *mut VMGlobalDefinition,
    ty: GlobalType,
}

/// What the runtime needs of the embedder's store: the [`StoreOpaque`] it
/// owns, and its resource limiter. Entries into wasm lend the store to
/// generated code as a `*mut dyn VMStore` (see [`VMStore::call`]), through
/// which host functions and libcalls reach it.
///
/// # Safety
/// `opaque` and `opaque_mut` must always return the same `StoreOpaque`,
/// owned by `self`: generated code running in that store finds the store
/// through the context of that `StoreOpaque`.
pub unsafe trait VMStore {
    /// The runtime part of the store.
    fn opaque(&self) -> &StoreOpaque;

    /// The runtime part of the store, mutably.
    fn opaque_mut(&mut self) -> &mut StoreOpaque;

    /// Whether a memory may grow from `current` to `desired` bytes (its
    /// declared maximum is `maximum`); creation asks for growth from 0.
    /// `Ok(false)` refuses (wasm's `memory.grow` returns -1); an error
    /// stops the operation (wasm traps with the error as host error).
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, HostError>;

    /// Whether a table may grow from `current` to `desired` elements; like
    /// [`VMStore::memory_growing`].
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, HostError>;

    /// Wasm reached the epoch deadline: `Some(ticks)` to go on with the
    /// deadline that many ticks beyond the current epoch, `None` to trap
    /// with `Interrupt`; an error traps with it as the host error.
    fn epoch_deadline_reached(&mut self) -> Result<Option<u64>, HostError>;

    /// Runs the embedder's call hook for `hook` (see [`CallHook`]); an
    /// error ends the call with it. Only called while
    /// [`StoreOpaque::set_call_hook_installed`] says a hook is installed.
    fn call_hook(&mut self, hook: CallHook) -> Result<(), HostError>;

    /// `call` (an inherent method of `dyn VMStore`) for a caller that
    /// knows the store's type (typed calls): in the common case, no call
    /// hook installed and a wasm callee, nothing on the way to the entry
    /// stub is a dynamic call.
    ///
    /// # Safety
    /// As for `call`.
    #[inline(always)]
    unsafe fn call_typed(
        &mut self,
        func: *const VMFuncRef,
        values: &mut [u128],
    ) -> Result<(), Failure>
    where
        Self: Sized,
    {
        // SAFETY: per the contract, `func` is live.
        let f = unsafe { &*func };
        let opaque = self.opaque();
        if opaque.call_hook_installed || f.array_call.is_null() {
            // SAFETY: per the contract.
            return unsafe { (self as &mut dyn VMStore).call(func, values) };
        }
        let context = opaque.context.as_ptr();
        let max_stack = opaque.engine.runtime_config().max_wasm_stack;
        let lent = lend(self);
        // SAFETY: the context is this store's, lent `self`, which is not
        // used until the call returns; the rest per the contract.
        unsafe { run_lent(context, max_stack, lent, f, values) }
            .map_err(|record| (self as &mut dyn VMStore).wasm_failure(*record))
    }
}

/// A crossing between host code and wasm, as a store's call hook sees it
/// (Wasmtime 48's `CallHook`). The host calling a host function through
/// the API (`Func::call` of a `Func::wrap`) is seen as calling wasm that
/// calls the host: `CallingWasm`, `CallingHost`, `ReturningFromHost`,
/// `ReturningFromWasm`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CallHook {
    /// The host is calling wasm (a call through the API, or an instance's
    /// start function).
    CallingWasm,
    /// Wasm has returned (or trapped) to the host that called it.
    ReturningFromWasm,
    /// Wasm is calling a host function.
    CallingHost,
    /// A host function is returning to the wasm that called it.
    ReturningFromHost,
}

impl CallHook {
    /// Whether host code runs next: wasm returns to the host or calls it.
    pub fn entering_host(&self) -> bool {
        matches!(self, CallHook::ReturningFromWasm | CallHook::CallingHost)
    }

    /// Whether wasm runs next: the host calls wasm or returns to it.
    pub fn exiting_host(&self) -> bool {
        matches!(self, CallHook::CallingWasm | CallHook::ReturningFromHost)
    }
}

/// A store's untyped state.
pub struct StoreOpaque {
    id: StoreId,
    engine: Arc<EngineInner>,
    // Read and written by generated code (stack limit, fuel, epoch).
    context: VmBox<VMStoreContext>,
    instances: Vec<Instance>,
    memories: Vec<LinearMemory>,
    tables: Vec<Table>,
    globals: Vec<GlobalEntry>,
    // Each tag, by `TagId`.
    tags: Vec<TagEntry>,
    exceptions: Exceptions,
    // Made at the first GC allocation; its base is in `context`.
    gc_heap: Option<GcHeap>,
    // References the host holds into the GC heap, roots of every
    // collection. Behind a lock so that a reference read through a shared
    // borrow of the store is rooted too.
    host_roots: Mutex<HostRoots>,
    // What the host wrapped in `externref`s, freed by collections.
    host_values: HostValues,
    // Read and written by generated code through the addresses in `globals`.
    host_globals: Vec<VmBox<VMGlobalDefinition>>,
    // Called by generated code through their function references.
    host_funcs: Vec<VmBox<HostFunc>>,
    host_failure: Option<HostFailure>,
    count_limits: CountLimits,
    // Whether calls into wasm run `VMStore::call_hook` (one branch per
    // call when no hook is installed).
    call_hook_installed: bool,
    /// While above 0, nothing is collected (see
    /// [`StoreOpaque::defer_collections`]).
    collections_deferred: u32,
}

// SAFETY: every raw pointer a store holds points into memory the store (or
// its engine, which is `Sync`) owns; moving the store to another thread
// moves that ownership with it, and a store is used by one thread at a time
// (`&mut` access, lent to at most one call into wasm at a time).
unsafe impl Send for StoreOpaque {}
// SAFETY: shared references to a store give read-only access only.
unsafe impl Sync for StoreOpaque {}

/// How messages name tag `index` of a module: by its export name if it
/// has one, else by index, with the module's name if it has one.
fn tag_label(info: &ModuleInfo, index: TagIndex) -> String {
    let module = info.name.as_deref().unwrap_or("<module>");
    let export = info
        .exports
        .iter()
        .find(|e| e.index == EntityIndex::Tag(index));
    match export {
        Some(e) => format!("tag `{}` exported by {module}", e.name),
        None => format!("tag {} of {module}", index.0),
    }
}

fn limits_match(actual: (u64, Option<u64>), expected: (u64, Option<u64>)) -> bool {
    actual.0 >= expected.0
        && match expected.1 {
            None => true,
            Some(expected_max) => actual.1.is_some_and(|m| m <= expected_max),
        }
}

/// How many items of each kind a store held before an instantiation, so
/// that a failed one can be undone.
struct Mark {
    memories: usize,
    tables: usize,
    globals: usize,
    tags: usize,
}

impl StoreOpaque {
    /// A new, empty store.
    ///
    /// The store starts with no fuel and an epoch deadline of 0, which is
    /// always reached: with fuel or epoch interruption enabled, wasm traps
    /// at its first check until the embedder grants fuel or sets a
    /// deadline (Wasmtime's behaviour).
    pub fn new(engine: Arc<EngineInner>) -> StoreOpaque {
        let context = VmBox::new(VMStoreContext {
            epoch_ptr: engine.epoch(),
            epoch_deadline: 0,
            ..VMStoreContext::default()
        });
        StoreOpaque {
            id: StoreId::fresh(),
            engine,
            context,
            instances: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            tags: Vec::new(),
            exceptions: Exceptions::default(),
            gc_heap: None,
            host_roots: Mutex::new(HostRoots::default()),
            host_values: HostValues::default(),
            host_globals: Vec::new(),
            host_funcs: Vec::new(),
            host_failure: None,
            count_limits: CountLimits::default(),
            call_hook_installed: false,
            collections_deferred: 0,
        }
    }

    /// The store's id.
    pub fn id(&self) -> StoreId {
        self.id
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<EngineInner> {
        &self.engine
    }

    /// Fuel left: what the last `set_fuel` granted minus what wasm has
    /// consumed since (as of wasm's last call, return or trap), or 0.
    pub fn fuel(&self) -> u64 {
        // SAFETY: the context lives as long as the store; no reference to
        // it exists (generated code writes it only while the store is lent).
        let consumed = unsafe { (*self.context.as_ptr()).fuel_consumed };
        if consumed < 0 {
            consumed.unsigned_abs()
        } else {
            0
        }
    }

    /// Grants `fuel` units of fuel, replacing what was left (at most
    /// `i64::MAX`).
    pub fn set_fuel(&mut self, fuel: u64) {
        let fuel = i64::try_from(fuel).unwrap_or(i64::MAX);
        // SAFETY: as in `fuel`.
        unsafe { (*self.context.as_ptr()).fuel_consumed = -fuel };
    }

    /// Sets the epoch deadline `ticks` beyond the engine's current epoch.
    pub fn set_epoch_deadline(&mut self, ticks: u64) {
        let current = self.engine.epoch().load(Ordering::Relaxed);
        // SAFETY: as in `fuel`.
        unsafe { (*self.context.as_ptr()).epoch_deadline = current.saturating_add(ticks) };
    }

    /// Sets the caps on instances, memories and tables, which apply to
    /// what is created from now on.
    pub fn set_count_limits(&mut self, counts: CountLimits) {
        self.count_limits = counts;
    }

    /// Says whether the embedder installed a call hook: while one is,
    /// [`VMStore::call`] runs [`VMStore::call_hook`] before and after each
    /// call into wasm.
    pub fn set_call_hook_installed(&mut self, installed: bool) {
        self.call_hook_installed = installed;
    }

    /// Defers every collection until the matching
    /// [`resume_collections`](Self::resume_collections): for embedder code
    /// (a call hook) that runs while references travel as raw values that
    /// no root holds, such as a call's arguments and results.
    pub fn defer_collections(&mut self) {
        self.collections_deferred += 1;
    }

    /// Ends one [`defer_collections`](Self::defer_collections).
    pub fn resume_collections(&mut self) {
        self.collections_deferred -= 1;
    }

    /// An instance.
    pub fn instance(&self, id: InstanceId) -> &Instance {
        &self.instances[id.0 as usize]
    }

    pub(crate) fn instance_mut(&mut self, id: InstanceId) -> &mut Instance {
        &mut self.instances[id.0 as usize]
    }

    /// A memory.
    pub fn memory(&self, id: MemoryId) -> &LinearMemory {
        &self.memories[id.0 as usize]
    }

    /// A memory, mutably.
    pub fn memory_mut(&mut self, id: MemoryId) -> &mut LinearMemory {
        &mut self.memories[id.0 as usize]
    }

    /// A table.
    pub fn table(&self, id: TableId) -> &Table {
        &self.tables[id.0 as usize]
    }

    /// A table, mutably.
    pub fn table_mut(&mut self, id: TableId) -> &mut Table {
        &mut self.tables[id.0 as usize]
    }

    /// A global's type.
    pub fn global_type(&self, id: GlobalId) -> GlobalType {
        self.globals[id.0 as usize].ty
    }

    /// A global's raw value (little-endian, as generated code stores it).
    pub fn global_get(&self, id: GlobalId) -> u128 {
        // SAFETY: global definitions live as long as the store and are
        // only accessed through their raw addresses.
        u128::from_le_bytes(unsafe { (*self.globals[id.0 as usize].definition).bytes })
    }

    /// Sets a global's raw value (mutability is the caller's to check).
    ///
    /// # Safety
    /// `value` must be a valid value of the global's type; for a reference
    /// type, null or a reference owned by this store.
    pub unsafe fn global_set(&mut self, id: GlobalId, value: u128) {
        // SAFETY: as in `global_get`, with exclusive access to the store.
        unsafe { (*self.globals[id.0 as usize].definition).bytes = value.to_le_bytes() }
    }

    /// Creates a global owned by the store.
    ///
    /// # Safety
    /// As for [`StoreOpaque::global_set`].
    pub unsafe fn create_global(&mut self, ty: GlobalType, value: u128) -> GlobalId {
        let storage = VmBox::new(VMGlobalDefinition {
            bytes: value.to_le_bytes(),
        });
        let definition = storage.as_ptr();
        self.host_globals.push(storage);
        self.add_global(definition, ty)
    }

    /// Creates a tag of the function type `ty`, a new identity, defined by
    /// the host.
    pub fn create_tag(&mut self, ty: SigId) -> TagId {
        self.add_tag(ty, None)
    }

    fn add_tag(&mut self, ty: SigId, defined_in: Option<(InstanceId, TagIndex)>) -> TagId {
        self.tags.push(TagEntry { ty, defined_in });
        TagId(self.tags.len() as u32 - 1)
    }

    /// The function type of tag `id`.
    pub fn tag_type(&self, id: TagId) -> SigId {
        self.tags[id.0 as usize].ty
    }

    /// How messages name tag `id`: by the export name or index it has in
    /// the module that defined it, or as a host tag of its type.
    fn tag_label(&self, id: TagId) -> String {
        let entry = &self.tags[id.0 as usize];
        match entry.defined_in {
            Some((instance, index)) => tag_label(self.instance(instance).info(), index),
            None => format!(
                "tag {} created by the host",
                self.engine.func_type(entry.ty)
            ),
        }
    }

    /// The store's exceptions.
    pub fn exceptions(&self) -> &Exceptions {
        &self.exceptions
    }

    /// The store's exceptions, to create one or take the pending one.
    pub fn exceptions_mut(&mut self) -> &mut Exceptions {
        &mut self.exceptions
    }

    /// The store's GC heap, if it has made one.
    pub fn gc_heap(&self) -> Option<&GcHeap> {
        self.gc_heap.as_ref()
    }

    /// The store's GC heap, made (and its base published to generated
    /// code) on first use; `None` if the address space cannot be reserved.
    pub fn gc_heap_mut(&mut self) -> Option<&mut GcHeap> {
        GcHeap::get_or_make(&mut self.gc_heap, self.context.as_ptr())
    }

    /// The error for the pending exception (see [`ThrownException`]).
    pub fn thrown_exception(&self) -> ThrownException {
        let tag = self
            .exceptions
            .pending()
            .and_then(|id| self.exceptions.get(id))
            .map_or_else(
                || "no exception is pending".into(),
                |e| self.tag_label(e.tag),
            );
        ThrownException { tag }
    }

    fn add_global(&mut self, definition: *mut VMGlobalDefinition, ty: GlobalType) -> GlobalId {
        self.globals.push(GlobalEntry { definition, ty });
        GlobalId(self.globals.len() as u32 - 1)
    }

    /// Creates a host function of type `ty`, whose engine-wide id is
    /// `sig` (the interned `ty`, or a declared subtype of the same shape);
    /// returns its function reference.
    pub fn create_host_func(
        &mut self,
        ty: FuncType,
        sig: SigId,
        callback: HostCallback,
    ) -> Result<*const VMFuncRef, egret_frontend::error::CompileError> {
        let (trampoline, code) = self.engine.host_trampoline(&ty)?;
        let func = HostFunc::new(ty, sig, trampoline, code, self.context.as_ptr(), callback);
        // SAFETY: the function was just created and is owned here; the
        // address is taken without making a reference.
        let func_ref = unsafe { &raw const (*func.as_ptr()).func_ref };
        self.host_funcs.push(func);
        Ok(func_ref)
    }

    /// The engine-wide type id of the function behind `func`.
    ///
    /// # Safety
    /// `func` must be a function reference owned by this store.
    pub unsafe fn func_sig_id(&self, func: *const VMFuncRef) -> SigId {
        // SAFETY: per the contract.
        SigId(unsafe { (*func).type_id })
    }

    /// The type of the function behind `func`.
    ///
    /// # Safety
    /// `func` must be a function reference owned by this store.
    pub unsafe fn func_type(&self, func: *const VMFuncRef) -> FuncType {
        // SAFETY: per the contract.
        let sig = unsafe { (*func).type_id };
        self.engine.func_type(SigId(sig))
    }

    /// Whether the function behind `func` may be used where a reference
    /// of type `ty` (in engine form) is expected.
    ///
    /// # Safety
    /// `func` must be a function reference owned by this store.
    pub unsafe fn func_matches(&self, func: *const VMFuncRef, ty: RefType) -> bool {
        // SAFETY: per the contract.
        let sig = SigId(unsafe { (*func).type_id });
        let actual = RefType {
            nullable: false,
            heap: HeapType::ConcreteFunc(TypeRef::Engine(sig)),
        };
        self.engine.types().is_ref_subtype(actual, ty)
    }

    /// The most precise heap type of the `any` reference `raw` (non-null,
    /// of this store): `i31`, `any` for a converted host reference, or the
    /// object's declared type; `None` if no object of this store's heap is
    /// there.
    pub fn any_ref_type(&self, raw: u32) -> Option<HeapType> {
        if raw & 1 == 1 {
            return Some(HeapType::I31);
        }
        if raw & 3 == HOST_IN_ANY_TAG {
            // A host reference (`any.convert_extern`): only `any`.
            return Some(HeapType::Any);
        }
        let (kind, type_id) = self.gc_heap.as_ref()?.header(raw)?;
        let ty = TypeRef::Engine(SigId(type_id));
        Some(match kind {
            ObjectKind::Struct => HeapType::ConcreteStruct(ty),
            ObjectKind::Array => HeapType::ConcreteArray(ty),
        })
    }

    /// Whether the `any` reference `raw` (non-null, of this store) is of
    /// type `ty`.
    pub fn any_ref_matches(&self, raw: u32, ty: RefType) -> bool {
        self.any_ref_type(raw).is_some_and(|heap| {
            let actual = RefType {
                nullable: false,
                heap,
            };
            self.engine.types().is_ref_subtype(actual, ty)
        })
    }

    pub(crate) fn set_host_failure(&mut self, failure: HostFailure) {
        self.host_failure = Some(failure);
    }

    fn mark(&self) -> Mark {
        Mark {
            memories: self.memories.len(),
            tables: self.tables.len(),
            globals: self.globals.len(),
            tags: self.tags.len(),
        }
    }

    /// Drops every memory, table and global created since `mark` (by an
    /// instantiation that failed before its instance existed): memories go
    /// back to the engine's pool, and nothing is left pointing into the
    /// failed instance's vmctx.
    fn rollback(&mut self, mark: Mark) {
        self.memories.truncate(mark.memories);
        self.tables.truncate(mark.tables);
        self.globals.truncate(mark.globals);
        self.tags.truncate(mark.tags);
    }
}

impl dyn VMStore + '_ {
    /// Calls `func` with arguments in `values` (one 16-byte slot each);
    /// results are written back to `values`, which must have room for
    /// the larger of the parameter and result counts.
    ///
    /// For the duration of the call the store is lent to the code that
    /// runs: a pointer derived from `self` goes into the store context,
    /// where host functions and libcalls find it, and `self` is not used
    /// until the call returns and the previous pointer is back.
    ///
    /// With a call hook installed, the hook runs before the call
    /// (`CallingWasm`: an error stops the call) and after it, however it
    /// ended (`ReturningFromWasm`: an error replaces the call's outcome).
    ///
    /// # Safety
    /// `func` must be a function reference owned by this store, and the
    /// argument slots must hold values of its parameter types.
    pub unsafe fn call(
        &mut self,
        func: *const VMFuncRef,
        values: &mut [u128],
    ) -> Result<(), Failure> {
        if self.opaque().call_hook_installed {
            self.run_call_hook(CallHook::CallingWasm)?;
        }
        // SAFETY: per the contract.
        let outcome = unsafe { self.call_unhooked(func, values) };
        if self.opaque().call_hook_installed {
            self.run_call_hook(CallHook::ReturningFromWasm)?;
        }
        outcome
    }

    /// The embedder's call hook for `hook`, its error as a failure of the
    /// call.
    #[cold]
    fn run_call_hook(&mut self, hook: CallHook) -> Result<(), Failure> {
        self.call_hook(hook)
            .map_err(|e| Failure::new(FailureCause::Host(e), &[]))
    }

    /// [`call`](Self::call) without the call hook.
    ///
    /// # Safety
    /// As for [`call`](Self::call).
    unsafe fn call_unhooked(
        &mut self,
        func: *const VMFuncRef,
        values: &mut [u128],
    ) -> Result<(), Failure> {
        // SAFETY: per the contract, `func` is live.
        let f = unsafe { &*func };
        if f.array_call.is_null() {
            return self.call_host_directly(f, values);
        }
        let context = self.opaque().context.as_ptr();
        let max_stack = self.opaque().engine.runtime_config().max_wasm_stack;
        let lent = lend(self);
        // SAFETY: the context is this store's, lent `self`, which is not
        // used until the call returns; the rest per the contract.
        unsafe { run_lent(context, max_stack, lent, f, values) }
            .map_err(|record| self.wasm_failure(*record))
    }

    /// Calls the host function of `func` (a funcref without an array-call
    /// entry) directly: no wasm runs, so no trap handling is needed.
    fn call_host_directly(&mut self, func: &VMFuncRef, values: &mut [u128]) -> Result<(), Failure> {
        let context = self.opaque().context.as_ptr();
        let lent = lend(self);
        // SAFETY: as in `call_unhooked`.
        let lending = unsafe { Lending::start(context, lent) };
        // SAFETY: a funcref without an array-call entry belongs to a
        // `HostFunc`, and its vmctx points at it.
        let host = unsafe { &*func.vmctx.cast::<HostFunc>() };
        let outcome = host.call_from_host(values);
        drop(lending);
        outcome.map_err(|e| Failure::new(FailureCause::Host(e), &[]))
    }

    /// The failure of a call whose wasm stopped with `record`: a trap, the
    /// error of the host code that failed (a panic of host code resumes
    /// here), or an uncaught exception.
    #[cold]
    fn wasm_failure(&mut self, record: TrapRecord) -> Failure {
        let cause = match (record.kind, self.opaque_mut().host_failure.take()) {
            (_, Some(HostFailure::Panic(payload))) => std::panic::resume_unwind(payload),
            (TrapReason::Wasm(trap), _) => FailureCause::Trap(trap),
            (TrapReason::HostFailed, Some(HostFailure::Error(e))) => FailureCause::Host(e),
            // Host code that fails always leaves its error; should one go
            // missing, the call still fails as host code's.
            (TrapReason::HostFailed, None) => {
                FailureCause::Host("host code failed without an error".into())
            }
            (TrapReason::UncaughtException, _) => {
                FailureCause::UncaughtException(self.opaque().thrown_exception())
            }
        };
        Failure::new(cause, &record.frames)
    }

    /// Creates a memory owned by the store, if the memory cap and the
    /// limiter allow its minimum size.
    pub fn create_memory(&mut self, ty: MemoryType) -> Result<MemoryId, ResourceError> {
        self.create_memory_with_image(ty, None)
    }

    /// Creates a memory holding `image` (zeros elsewhere), as
    /// `create_memory` does.
    fn create_memory_with_image(
        &mut self,
        ty: MemoryType,
        image: Option<&Arc<MemoryImage>>,
    ) -> Result<MemoryId, ResourceError> {
        let opaque = self.opaque();
        check_count(
            "memory",
            opaque.memories.len(),
            1,
            opaque.count_limits.memories,
        )?;
        let desired = pages_to_bytes(&ty, ty.minimum);
        let maximum = ty.maximum.map(|max| pages_to_bytes(&ty, max));
        if !self
            .memory_growing(0, desired, maximum)
            .map_err(ResourceError::Limiter)?
        {
            return Err(ResourceError::Refused(format!(
                "memory minimum size of {} pages exceeds memory limits",
                ty.minimum
            )));
        }
        let opaque = self.opaque_mut();
        let reservation = opaque.engine.config().tunables.memory_reservation;
        let pool = opaque.engine.memory_pool();
        let memory = LinearMemory::new(ty, reservation, image, Some(pool))
            .map_err(|e| ResourceError::Refused(e.to_string()))?;
        opaque.memories.push(memory);
        Ok(MemoryId(opaque.memories.len() as u32 - 1))
    }

    /// Creates a table owned by the store, every element `init`, if the
    /// table cap and the limiter allow its minimum size.
    ///
    /// # Safety
    /// `init` must be null or a reference of the table's element type
    /// owned by this store.
    pub unsafe fn create_table(
        &mut self,
        ty: TableType,
        init: usize,
    ) -> Result<TableId, ResourceError> {
        let opaque = self.opaque();
        check_count("table", opaque.tables.len(), 1, opaque.count_limits.tables)?;
        let desired = usize::try_from(ty.minimum).unwrap_or(usize::MAX);
        let maximum = ty.maximum.map(|m| usize::try_from(m).unwrap_or(usize::MAX));
        if !self
            .table_growing(0, desired, maximum)
            .map_err(ResourceError::Limiter)?
        {
            return Err(ResourceError::Refused(format!(
                "table minimum size of {} elements exceeds table limits",
                ty.minimum
            )));
        }
        let table = Table::new(ty, init).ok_or_else(|| {
            ResourceError::Refused(format!("table of {} elements is too large", ty.minimum))
        })?;
        let tables = &mut self.opaque_mut().tables;
        tables.push(table);
        Ok(TableId(tables.len() as u32 - 1))
    }

    /// Grows a memory by `delta` pages if its maximum and the limiter
    /// allow it; returns the old size in pages, `None` if refused (the
    /// memory is then unchanged), or the limiter's error.
    pub fn grow_memory(&mut self, id: MemoryId, delta: u64) -> Result<Option<u64>, HostError> {
        let memory = self.opaque().memory(id);
        let old_pages = memory.pages();
        if delta == 0 {
            return Ok(Some(old_pages));
        }
        let Some(new_pages) = old_pages.checked_add(delta) else {
            return Ok(None);
        };
        let ty = memory.ty();
        let maximum = ty.maximum.map(|max| pages_to_bytes(&ty, max));
        let current = memory.byte_len();
        if !self.memory_growing(current, pages_to_bytes(&ty, new_pages), maximum)? {
            return Ok(None);
        }
        Ok(self.opaque_mut().memory_mut(id).grow(delta))
    }

    /// Grows a table by `delta` elements set to `init` if its maximum and
    /// the limiter allow it; returns the old size, `None` if refused (the
    /// table is then unchanged), or the limiter's error.
    ///
    /// # Safety
    /// As for [`create_table`](Self::create_table).
    pub unsafe fn grow_table(
        &mut self,
        id: TableId,
        delta: u64,
        init: usize,
    ) -> Result<Option<u64>, HostError> {
        let table = self.opaque().table(id);
        let old = table.size();
        if delta == 0 {
            return Ok(Some(old));
        }
        let Some(new) = old.checked_add(delta) else {
            return Ok(None);
        };
        let maximum = table
            .ty()
            .maximum
            .map(|m| usize::try_from(m).unwrap_or(usize::MAX));
        let desired = usize::try_from(new).unwrap_or(usize::MAX);
        if !self.table_growing(old as usize, desired, maximum)? {
            return Ok(None);
        }
        Ok(self.opaque_mut().table_mut(id).grow(delta, init))
    }

    /// Instantiates `module` with `imports` (one per module import, in
    /// order), initialising segments and running the start function.
    ///
    /// If it fails before the instance exists (a link error, a limit, the
    /// limiter's refusal, error or panic), the store is left holding
    /// exactly the instances, memories, tables, globals and tags it held
    /// before. If
    /// a segment or the start function traps, the instance stays in the
    /// store: tables and memories it shares may already hold its functions
    /// and data.
    ///
    /// # Safety
    /// Every [`Resolved::Func`] in `imports` must be a function reference
    /// owned by this store.
    pub unsafe fn instantiate(
        &mut self,
        module: &Arc<ModuleCode>,
        imports: &[Resolved],
    ) -> Result<InstanceId, InstantiationError> {
        let mark = self.opaque().mark();
        // The embedder's limiter may panic half way: undo then too, before
        // the panic goes on (the vmctx that store-held globals point into
        // is gone by then).
        let allocated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: per the contract.
            unsafe { self.allocate_instance(module, imports) }
        }));
        let id = match allocated {
            Ok(Ok(id)) => id,
            Ok(Err(e)) => {
                self.opaque_mut().rollback(mark);
                return Err(e);
            }
            Err(payload) => {
                self.opaque_mut().rollback(mark);
                std::panic::resume_unwind(payload);
            }
        };
        self.opaque_mut().initialize_segments(id)?;
        if let Some(start) = module.compiled().info().start {
            let func = self.opaque().instance(id).func_ref(start);
            let mut values = [0u128; 1];
            // SAFETY: the start function belongs to this store's instance
            // and takes no arguments (validated).
            unsafe { self.call(func, &mut values) }.map_err(InstantiationError::Trap)?;
        }
        Ok(id)
    }

    /// Builds the instance's vmctx and creates its memories, globals and
    /// tables, then adds the instance to the store. On an error, items
    /// already created stay in the store for [`StoreOpaque::rollback`].
    ///
    /// # Safety
    /// As for [`instantiate`](Self::instantiate).
    unsafe fn allocate_instance(
        &mut self,
        module: &Arc<ModuleCode>,
        imports: &[Resolved],
    ) -> Result<InstanceId, InstantiationError> {
        let info = module.compiled().info();
        let offsets = module.compiled().offsets();
        let opaque = self.opaque_mut();
        if imports.len() != info.imports.len() {
            return Err(InstantiationError::Link(format!(
                "expected {} imports, found {}",
                info.imports.len(),
                imports.len()
            )));
        }
        opaque.check_imports(module, imports)?;
        let caps = opaque.count_limits;
        check_count("instance", opaque.instances.len(), 1, caps.instances).map_err(refused)?;
        let new_memories = info.memories.len() - info.num_imported_memories as usize;
        check_count("memory", opaque.memories.len(), new_memories, caps.memories)
            .map_err(refused)?;
        let new_tables = info.tables.len() - info.num_imported_tables as usize;
        check_count("table", opaque.tables.len(), new_tables, caps.tables).map_err(refused)?;

        let mut vmctx = VmCtx::new(offsets.size());
        vmctx.write(VMOffsets::STORE_CTX, opaque.context.as_ptr());
        vmctx.write(VMOffsets::BUILTINS, libcalls::table());
        let id = InstanceId(opaque.instances.len() as u32);
        vmctx.write(VMOffsets::INSTANCE_ID, u64::from(id.0));
        vmctx.write(VMOffsets::TYPE_IDS, module.type_ids().as_ptr());

        let mut memories = Vec::with_capacity(info.memories.len());
        let mut tables = Vec::with_capacity(info.tables.len());
        let mut globals = Vec::with_capacity(info.globals.len());
        let mut tags = Vec::with_capacity(info.tags.len());
        for (import, resolved) in info.imports.iter().zip(imports) {
            match (import.index, *resolved) {
                (EntityIndex::Function(f), Resolved::Func(p)) => {
                    vmctx.write(offsets.imported_func(f), p)
                }
                (EntityIndex::Memory(_), Resolved::Memory(m)) => memories.push(m),
                (EntityIndex::Table(_), Resolved::Table(t)) => tables.push(t),
                (EntityIndex::Global(g), Resolved::Global(id)) => {
                    vmctx.write(
                        offsets.imported_global(g),
                        opaque.globals[id.0 as usize].definition,
                    );
                    globals.push(id);
                }
                (EntityIndex::Tag(_), Resolved::Tag(id)) => tags.push(id),
                _ => unreachable!("import kinds checked by check_imports"),
            }
        }

        // Defined functions: their references point into this vmctx.
        let vmctx_ptr = vmctx.as_ptr();
        let func_refs = vmctx.func_refs_mut(offsets.defined_func_refs(), info.num_defined_funcs());
        for (i, func_ref) in func_refs.iter_mut().enumerate() {
            let defined = DefinedFuncIndex(i as u32);
            let ty = info.functions[info.func_index(defined).index()];
            *func_ref = VMFuncRef {
                wasm_call: module.function_address(defined) as *const u8,
                vmctx: vmctx_ptr,
                array_call: module.array_call_address(ty) as *const u8,
                type_id: module.type_ids()[ty.index()],
                _pad: 0,
            };
        }

        let images = module.memory_images();
        for (i, ty) in info.memories[info.num_imported_memories as usize..]
            .iter()
            .enumerate()
        {
            let memory = self.create_memory_with_image(*ty, images.get(i));
            memories.push(memory.map_err(refused)?);
        }
        let opaque = self.opaque_mut();
        for (i, id) in memories.iter().enumerate() {
            let memory = opaque.memory(*id);
            let index = MemoryIndex(i as u32);
            vmctx.write(offsets.memory_base(index), memory.base());
            vmctx.write(offsets.memory_definition(index), memory.definition());
        }

        // Globals in order: an initialiser may read earlier globals.
        for (i, init) in info.global_inits.iter().enumerate() {
            let global = GlobalIndex(info.num_imported_globals + i as u32);
            let value = self.const_eval_allocating(&vmctx, module, init)?;
            let ptr = global_ptr(&vmctx, info, offsets, global);
            // SAFETY: `ptr` is this global's storage inside the vmctx.
            unsafe { (*ptr).bytes = value.to_le_bytes() };
            let ty = info.engine_global_type(info.globals[global.index()]);
            globals.push(self.opaque_mut().add_global(ptr, ty));
        }

        for (i, ty) in info.tables[info.num_imported_tables as usize..]
            .iter()
            .enumerate()
        {
            let init = match &info.table_inits[i] {
                Some(init) => self.const_eval_allocating(&vmctx, module, init)? as usize,
                None => 0,
            };
            // SAFETY: a validated initialiser evaluates to null or a
            // reference of the table's type made from this instance and
            // its imports, all owned by this store.
            let ty = info.engine_table_type(*ty);
            tables.push(unsafe { self.create_table(ty, init) }.map_err(refused)?);
        }
        let opaque = self.opaque_mut();
        for (i, id) in tables.iter().enumerate() {
            vmctx.write(
                offsets.table_definition(TableIndex(i as u32)),
                opaque.table(*id).definition(),
            );
        }

        for (i, ty) in info
            .tags
            .iter()
            .enumerate()
            .skip(info.num_imported_tags as usize)
        {
            let ty = SigId(module.type_ids()[ty.index()]);
            tags.push(opaque.add_tag(ty, Some((id, TagIndex(i as u32)))));
        }

        let mut allocated_elements = vec![None; info.elements.len()];
        for &i in module.allocating_segments() {
            let ElementItems::Expressions(exprs) = &info.elements[i].items else {
                continue;
            };
            let values = exprs
                .iter()
                .map(|e| self.const_eval_allocating(&vmctx, module, e))
                .collect::<Result<Box<[u128]>, _>>()?;
            allocated_elements[i] = Some(values);
        }
        let opaque = self.opaque_mut();

        opaque.instances.push(Instance {
            module: module.clone(),
            vmctx,
            memories,
            tables,
            globals,
            tags,
            dropped_elements: vec![false; info.elements.len()],
            allocated_elements,
            dropped_data: vec![false; info.data.len()],
        });
        Ok(id)
    }
}

impl dyn VMStore + '_ {
    /// Evaluates an initialiser of an instance being made (globals, table
    /// initialisers and element segments), which may allocate GC objects:
    /// they cannot be collected before the instance holds them, so
    /// nothing is collected meanwhile.
    fn const_eval_allocating(
        &mut self,
        vmctx: &VmCtx,
        module: &Arc<ModuleCode>,
        expr: &ConstExpr,
    ) -> Result<u128, InstantiationError> {
        let compiled = module.compiled();
        let mut allocator = ConstAllocator {
            store: self,
            type_ids: module.type_ids(),
            failure: None,
        };
        let value = const_eval(
            vmctx,
            compiled.info(),
            compiled.offsets(),
            expr,
            Some(&mut allocator),
        );
        match (value, allocator.failure) {
            (Some(value), _) => Ok(value),
            (None, Some(error)) => Err(InstantiationError::Resource(error.to_string())),
            (None, None) => Err(InstantiationError::Resource(
                "a constant expression cannot allocate".into(),
            )),
        }
    }
}

/// The instantiation error for a memory or table that was not created.
fn refused(error: ResourceError) -> InstantiationError {
    match error {
        ResourceError::Refused(m) => InstantiationError::Resource(m),
        ResourceError::Limiter(e) => InstantiationError::Limiter(e),
    }
}

/// `store` as the pointer lent to the code a call runs, its lifetime
/// erased: the caller must end the lending (see [`Lending`]) before the
/// borrow it came from ends.
fn lend(store: &mut (dyn VMStore + '_)) -> NonNull<dyn VMStore> {
    let lent = NonNull::from(store);
    // SAFETY: only the lifetime is erased; every caller puts the pointer
    // into the store context through a `Lending`, which takes it out again
    // before the caller returns or unwinds, so it is never used after the
    // borrow ends.
    unsafe { std::mem::transmute::<NonNull<dyn VMStore + '_>, NonNull<dyn VMStore>>(lent) }
}

/// Runs the wasm function `func` (a funcref with an array-call entry) with
/// arguments and results in `values`, the store `lent` to it for the
/// duration of the call.
///
/// # Safety
/// `context` is the live context of the store `lent` points to, which
/// nothing else uses until this returns; `func` is a live wasm function of
/// that store, and `values` has room for its parameters and results and
/// holds arguments of its parameter types.
#[inline(always)]
unsafe fn run_lent(
    context: *mut VMStoreContext,
    max_stack: usize,
    lent: NonNull<dyn VMStore>,
    func: &VMFuncRef,
    values: &mut [u128],
) -> Result<(), Box<TrapRecord>> {
    // SAFETY: per the contract; the guard drops before this returns.
    let lending = unsafe { Lending::start(context, lent) };
    // SAFETY: the funcref's code, trampoline and vmctx are live (owned by
    // the store or its modules), and the store is lent to the context.
    let outcome = unsafe {
        traphandlers::invoke_wasm(
            context,
            max_stack,
            func.array_call,
            func.vmctx,
            func.vmctx,
            func.wasm_call,
            values.as_mut_ptr(),
        )
    };
    drop(lending);
    outcome
}

/// A store lent to the code a call runs: while it lives, the store
/// context holds the lent pointer; dropping it (however the call ends, a
/// panic resumed from a host function included) puts back the pointer of
/// the enclosing call, if any.
struct Lending {
    context: *mut VMStoreContext,
    previous: Option<NonNull<dyn VMStore>>,
}

impl Lending {
    /// Puts `lent` into `context`.
    ///
    /// # Safety
    /// `context` must be a live store context that outlives the guard, and
    /// no reference to it may be live while the guard is created or dropped.
    unsafe fn start(context: *mut VMStoreContext, lent: NonNull<dyn VMStore>) -> Lending {
        // SAFETY: per the contract.
        let previous = unsafe { (*context).store.replace(lent) };
        Lending { context, previous }
    }
}

impl Drop for Lending {
    fn drop(&mut self) {
        // SAFETY: per `start`'s contract.
        unsafe { (*self.context).store = self.previous };
    }
}

impl StoreOpaque {
    fn check_imports(
        &self,
        module: &ModuleCode,
        imports: &[Resolved],
    ) -> Result<(), InstantiationError> {
        let info = module.compiled().info();
        for (import, resolved) in info.imports.iter().zip(imports) {
            let matches = match (import.index, *resolved) {
                (EntityIndex::Function(f), Resolved::Func(p)) => {
                    // SAFETY: resolved function references are live store items.
                    let actual = SigId(unsafe { (*p).type_id });
                    self.engine.types().is_subtype(actual, info.func_sig_id(f))
                }
                (EntityIndex::Memory(m), Resolved::Memory(id)) => {
                    let expected = info.memories[m.index()];
                    let memory = self.memory(id);
                    let actual = memory.ty();
                    actual.memory64 == expected.memory64
                        && actual.shared == expected.shared
                        && actual.page_size_log2 == expected.page_size_log2
                        && limits_match(
                            (memory.pages(), actual.maximum),
                            (expected.minimum, expected.maximum),
                        )
                }
                (EntityIndex::Table(t), Resolved::Table(id)) => {
                    let expected = info.engine_table_type(info.tables[t.index()]);
                    let table = self.table(id);
                    table.ty().element == expected.element
                        && table.ty().table64 == expected.table64
                        && limits_match(
                            (table.size(), table.ty().maximum),
                            (expected.minimum, expected.maximum),
                        )
                }
                (EntityIndex::Global(g), Resolved::Global(id)) => {
                    let expected = info.engine_global_type(info.globals[g.index()]);
                    let actual = self.global_type(id);
                    actual.mutable == expected.mutable
                        && if expected.mutable {
                            actual.content == expected.content
                        } else {
                            self.engine
                                .types()
                                .is_val_subtype(actual.content, expected.content)
                        }
                }
                // Tag types are invariant: the same canonical type.
                (EntityIndex::Tag(t), Resolved::Tag(id)) => {
                    self.tag_type(id) == SigId(module.type_ids()[info.tags[t.index()].index()])
                }
                _ => false,
            };
            if !matches {
                return Err(InstantiationError::Link(format!(
                    "incompatible import type for `{}::{}`",
                    import.module, import.name
                )));
            }
        }
        Ok(())
    }

    /// Applies active element then data segments in order, then drops
    /// active and declared segments. Stops at the first out-of-bounds one.
    /// Data segments of memories created from the module's image are
    /// already in place (none of them can trap); if an element segment
    /// traps first, those images are wiped, as the segments never ran.
    fn initialize_segments(&mut self, id: InstanceId) -> Result<(), InstantiationError> {
        let module = self.instance(id).module.clone();
        let info = module.compiled().info();
        let offsets = module.compiled().offsets();
        let images = module.memory_images();
        let trap = |trap| InstantiationError::Trap(Failure::new(FailureCause::Trap(trap), &[]));
        for (i, segment) in info.elements.iter().enumerate() {
            match &segment.mode {
                ElementMode::Active { table, offset } => {
                    let instance = self.instance(id);
                    // Offsets are numbers: no allocator needed.
                    let raw = const_eval(&instance.vmctx, info, offsets, offset, None).unwrap_or(0);
                    let start = if info.tables[table.index()].table64 {
                        raw as u64
                    } else {
                        u64::from(raw as u32)
                    };
                    let len = segment.items.len() as u64;
                    if let Err(kind) = self.init_table(id, table.0, i as u32, start, 0, len) {
                        self.discard_images(id);
                        return Err(trap(kind));
                    }
                    self.instance_mut(id).drop_element_segment(i);
                }
                ElementMode::Declared => self.instance_mut(id).drop_element_segment(i),
                ElementMode::Passive => {}
            }
        }
        for (i, segment) in info.data.iter().enumerate() {
            let DataMode::Active { memory, offset } = &segment.mode else {
                continue;
            };
            let defined = memory.0.checked_sub(info.num_imported_memories);
            if defined.is_some_and(|d| images.get(d as usize).is_some()) {
                self.instance_mut(id).dropped_data[i] = true;
                continue;
            }
            let instance = self.instance(id);
            let raw = const_eval(&instance.vmctx, info, offsets, offset, None).unwrap_or(0);
            let memory_id = instance.memory(memory.0);
            let start = if info.memories[memory.index()].memory64 {
                raw as u64
            } else {
                u64::from(raw as u32)
            };
            let memory = self.memory_mut(memory_id);
            if !memory.in_bounds(start, segment.bytes.len() as u64) {
                return Err(trap(Trap::MemoryOutOfBounds));
            }
            let start = start as usize;
            memory.data_mut()[start..start + segment.bytes.len()].copy_from_slice(&segment.bytes);
            self.instance_mut(id).dropped_data[i] = true;
        }
        Ok(())
    }

    /// Wipes the images of the memories instance `id` defines.
    fn discard_images(&mut self, id: InstanceId) {
        let instance = &self.instances[id.0 as usize];
        let imported = instance.info().num_imported_memories as usize;
        for memory in &instance.memories[imported..] {
            self.memories[memory.0 as usize].discard_image();
        }
    }

    /// `table.init`: copies items `src..src + len` of element segment
    /// `segment` of instance `id`, evaluated now, to elements
    /// `dst..dst + len` of the instance's table `table`. A dropped segment
    /// has no items.
    pub(crate) fn init_table(
        &mut self,
        id: InstanceId,
        table: u32,
        segment: u32,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        let instance = &self.instances[id.0 as usize];
        let compiled = instance.module.compiled();
        let (info, offsets) = (compiled.info(), compiled.offsets());
        let dropped = instance.dropped_elements[segment as usize];
        let items = &info.elements[segment as usize].items;
        let available = if dropped { 0 } else { items.len() as u64 };
        let table = &mut self.tables[instance.tables[table as usize].0 as usize];
        let (Some(dst), Some(src)) = (
            libcalls::range(dst, len, table.size()),
            libcalls::range(src, len, available),
        ) else {
            return Err(Trap::TableOutOfBounds);
        };
        let elements = &mut table.elements_mut()[dst];
        let vmctx = &instance.vmctx;
        match (items, &instance.allocated_elements[segment as usize]) {
            (_, Some(evaluated)) => {
                for (element, value) in elements.iter_mut().zip(&evaluated[src]) {
                    *element = *value as usize;
                }
            }
            (ElementItems::Functions(funcs), None) => {
                for (element, func) in elements.iter_mut().zip(&funcs[src]) {
                    *element = func.map_or(0, |f| func_ref(vmctx, info, offsets, f) as usize);
                }
            }
            // Expressions that allocate were evaluated at instantiation:
            // these need no allocator.
            (ElementItems::Expressions(exprs), None) => {
                for (element, expr) in elements.iter_mut().zip(&exprs[src]) {
                    let value = const_eval(vmctx, info, offsets, expr, None);
                    *element = value.unwrap_or(0) as usize;
                }
            }
        }
        Ok(())
    }

    /// `array.init_elem`: writes items `offset..offset + count` of the
    /// instance's element segment `elem` to the array slice; returns
    /// `SEGMENT_OK`, `ARRAY_OUT_OF_BOUNDS` or `SEGMENT_OUT_OF_BOUNDS`
    /// (checked in that order).
    pub(crate) fn init_array_from_elements(
        &mut self,
        id: InstanceId,
        slice: ArraySlice,
        elem: u32,
        offset: u32,
    ) -> u32 {
        let has_slice = self.gc_heap_mut().is_some_and(|heap| {
            heap.array_has(slice.array, slice.index, slice.count, slice.element_size)
        });
        if !has_slice {
            return ARRAY_OUT_OF_BOUNDS;
        }
        let Some(bytes) = self.element_bytes(id, elem, offset, slice.count, slice.element_size)
        else {
            return SEGMENT_OUT_OF_BOUNDS;
        };
        if let Some(heap) = self.gc_heap.as_mut() {
            heap.init_array(slice.array, slice.index, &bytes, slice.element_size);
        }
        SEGMENT_OK
    }

    /// The engine type id and composite type of the instance's type
    /// `type_index`.
    pub(crate) fn gc_type(&self, id: InstanceId, type_index: u32) -> Option<(u32, &CompositeType)> {
        let instance = self.instance(id);
        let index = type_index as usize;
        let composite = &instance.info().types.get(index)?.composite;
        Some((*instance.module().type_ids().get(index)?, composite))
    }

    /// The element size of the instance's array type `type_index`.
    pub(crate) fn array_element_size(&self, id: InstanceId, type_index: u32) -> Option<u32> {
        match self.gc_type(id, type_index)? {
            (_, CompositeType::Array(element)) => Some(field_size(element.storage)),
            _ => None,
        }
    }

    /// Items `offset..offset + count` of the instance's element segment
    /// `elem`, each as its first `size` bytes; `None` if they are not all
    /// there.
    pub(crate) fn element_bytes(
        &self,
        id: InstanceId,
        elem: u32,
        offset: u32,
        count: u32,
        size: u32,
    ) -> Option<Vec<u8>> {
        let instance = &self.instances[id.0 as usize];
        let compiled = instance.module.compiled();
        let (info, offsets) = (compiled.info(), compiled.offsets());
        let items = &info.elements[elem as usize].items;
        let available = if instance.dropped_elements[elem as usize] {
            0
        } else {
            items.len() as u64
        };
        let source = libcalls::range(offset.into(), count.into(), available)?;
        let vmctx = &instance.vmctx;
        let mut values = Vec::with_capacity(source.len());
        match (items, &instance.allocated_elements[elem as usize]) {
            (_, Some(evaluated)) => values.extend_from_slice(&evaluated[source]),
            (ElementItems::Functions(funcs), None) => values.extend(
                funcs[source]
                    .iter()
                    .map(|f| f.map_or(0, |f| func_ref(vmctx, info, offsets, f) as usize as u128)),
            ),
            // As in `init_table`: no allocation here.
            (ElementItems::Expressions(exprs), None) => values.extend(
                exprs[source]
                    .iter()
                    .map(|e| const_eval(vmctx, info, offsets, e, None).unwrap_or(0)),
            ),
        }
        let size = size as usize;
        let mut bytes = Vec::with_capacity(values.len() * size);
        for value in values {
            bytes.extend_from_slice(&value.to_le_bytes()[..size]);
        }
        Some(bytes)
    }

    /// The function reference of an instance's function.
    pub fn instance_func(&self, id: InstanceId, func: FuncIndex) -> *const VMFuncRef {
        let instance = self.instance(id);
        func_ref(
            &instance.vmctx,
            instance.info(),
            instance.module.compiled().offsets(),
            func,
        )
    }
}

/// Fails unless `existing + adding` items of `what` fit in `cap`.
fn check_count(
    what: &str,
    existing: usize,
    adding: usize,
    cap: usize,
) -> Result<(), ResourceError> {
    if adding > 0 && existing.saturating_add(adding) > cap {
        return Err(ResourceError::Refused(format!(
            "{what} count too high at {cap}"
        )));
    }
    Ok(())
}

/// A size in pages as bytes, saturating at `usize::MAX`.
fn pages_to_bytes(ty: &MemoryType, pages: u64) -> usize {
    let bytes = ty.pages_to_bytes(pages).unwrap_or(u64::MAX);
    usize::try_from(bytes).unwrap_or(usize::MAX)
}
