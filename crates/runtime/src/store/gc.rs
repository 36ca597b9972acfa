//! A store's GC: allocating objects, growing the heap as the store's
//! resource limiter allows, and collecting garbage by finding every
//! reference the store can still reach outside the GC heap (the roots)
//! and handing them to the heap's mark-sweep collector (`gc_heap.rs`).
//!
//! An allocation from wasm (which is suspended at a call, with stack maps)
//! collects first when as much was allocated since the last collection as
//! survived it; when the heap's memory in use cannot hold the object, it
//! collects once more, then asks the limiter (`memory_growing`, as for a
//! linear memory, with a 4 GiB maximum) to grow the heap. Allocations by
//! constant expressions never collect (the objects they are building are
//! in no root yet) but ask the limiter the same way. An allocation that
//! cannot be satisfied fails with [`HeapExhausted`]; the store stays
//! usable.
//!
//! The roots are:
//! - the references in wasm frames suspended at a call, found with the
//!   stack maps Cranelift made for each call (`CodeMap::stack_map`), by
//!   walking each activation of the store from its last exit to the host
//!   (`traphandlers::walk_wasm_frames`);
//! - globals and tables whose type may hold references, the items of
//!   element segments evaluated at instantiation, the pending exception;
//! - references the host holds (`host_roots.rs`).
//!
//! Marking traces the GC heap's objects and the store's exceptions
//! (`exception.rs`) together, since each can refer to the other.
//!
//! A collection also frees the host values of `externref`s (see
//! `host_values.rs`) and the exceptions that no root and no live object
//! or exception refers to; making host values or exceptions collects
//! too, when their number doubled since the last collection.
//!
//! When the frames cannot all be found (see `walk_wasm_frames`), nothing
//! is collected: freeing too little is safe, freeing too much is not. With
//! the engine's [`Collection::Never`] (Wasmtime's null collector) nothing
//! is ever collected.

use super::{InstanceId, StoreOpaque, TagId, VMStore};
use crate::code_registry;
use crate::engine::Collection;
use crate::exception::ExnId;
use crate::gc_heap::{
    AllocationFailure, CollectionStats, HeapExhausted, Referent, referent_of_any,
    referent_of_extern,
};
use crate::host_func::HostFailure;
use crate::host_roots::HostRoots;
use crate::host_values::HostValue;
use crate::trap::HostError;
use crate::traphandlers;
use egret_frontend::builtins::ARRAY_NEW_OUT_OF_BOUNDS;
use egret_frontend::gc_layout::ARRAY_ELEMENTS;
use egret_frontend::types::CompositeType;
use egret_frontend::types::{HeapType, RefType, ValType};
use std::any::Any;
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{MutexGuard, PoisonError};

/// The most any GC heap holds: what 32-bit references reach.
const MAX_HEAP_BYTES: usize = 1 << 32;

/// Whether an allocation may collect garbage first.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MayCollect {
    /// Yes: wasm asked, suspended at a call whose frames have stack maps.
    Yes,
    /// No: the objects being built are in no root yet.
    No,
}

impl dyn VMStore + '_ {
    /// A new object of engine type `type_id` (defined as `composite`), of
    /// `size` bytes with its header, an array's `length` set and zero
    /// elsewhere. Fails with [`HeapExhausted`] if no collection or growth
    /// the limiter allows makes room, or with the limiter's error.
    pub fn gc_allocate(
        &mut self,
        type_id: u32,
        composite: &CompositeType,
        size: u64,
        length: u32,
        may_collect: MayCollect,
    ) -> Result<u32, HostError> {
        let exhausted = || -> HostError { Box::new(HeapExhausted { bytes_needed: size }) };
        if may_collect == MayCollect::Yes {
            self.opaque_mut().collect_if_wanted();
        }
        let mut collected = false;
        loop {
            let heap = self.opaque_mut().gc_heap_mut().ok_or_else(exhausted)?;
            let desired = match heap.allocate(type_id, composite, size, length) {
                Ok(object) => return Ok(object),
                Err(AllocationFailure::TooLarge) => return Err(exhausted()),
                Err(AllocationFailure::NeedsGrowth { desired }) => desired,
            };
            let current = heap.capacity();
            if may_collect == MayCollect::Yes && !collected {
                collected = true;
                if self.opaque_mut().collect_garbage().is_some() {
                    continue;
                }
            }
            if desired > MAX_HEAP_BYTES
                || !self.memory_growing(current, desired, Some(MAX_HEAP_BYTES))?
            {
                return Err(exhausted());
            }
            let grew = self
                .opaque_mut()
                .gc_heap_mut()
                .is_some_and(|heap| heap.grow(desired));
            if !grew {
                return Err(exhausted());
            }
        }
    }

    /// [`gc_allocate`](Self::gc_allocate) for wasm, of the instance's type
    /// `type_index`; on failure, records the error (or the limiter's
    /// panic) for the trap that follows and returns 0.
    pub(crate) fn allocate_object(
        &mut self,
        id: InstanceId,
        type_index: u32,
        size: u64,
        length: u32,
    ) -> u32 {
        let module = self.opaque().instance(id).module().clone();
        let index = type_index as usize;
        let types = (
            module.type_ids().get(index),
            module.compiled().info().types.get(index),
        );
        let (Some(&type_id), Some(ty)) = types else {
            return 0;
        };
        // The resource limiter is embedder code: a panic must not unwind
        // into generated code, so it is caught here and resumed when the
        // trap reaches the host.
        let allocated = panic::catch_unwind(AssertUnwindSafe(|| {
            self.gc_allocate(type_id, &ty.composite, size, length, MayCollect::Yes)
        }));
        let failure = match allocated {
            Ok(Ok(object)) => return object,
            Ok(Err(error)) => HostFailure::Error(error),
            Err(payload) => HostFailure::Panic(payload),
        };
        self.opaque_mut().set_host_failure(failure);
        0
    }

    /// A new array of the instance's array type `type_index` with
    /// `length` elements holding `elements`, for wasm, as
    /// [`allocate_object`](Self::allocate_object).
    pub(crate) fn new_array(
        &mut self,
        id: InstanceId,
        type_index: u32,
        length: u32,
        elements: &[u8],
    ) -> u32 {
        let Some(size) = self.opaque().array_element_size(id, type_index) else {
            return 0;
        };
        let bytes = u64::from(ARRAY_ELEMENTS) + u64::from(length) * u64::from(size);
        let array = self.allocate_object(id, type_index, bytes, length);
        if let (true, Some(heap)) = (array != 0, self.opaque_mut().gc_heap_mut()) {
            heap.init_array(array, 0, elements, size);
        }
        array
    }

    /// `array.new_elem`: a new array of the instance's type `type_index`
    /// holding items `offset..offset + length` of its element segment
    /// `elem`; `ARRAY_NEW_OUT_OF_BOUNDS` if they are not all there, 0 if
    /// the heap cannot hold the array (the reason is recorded).
    pub(crate) fn new_array_from_elements(
        &mut self,
        id: InstanceId,
        type_index: u32,
        elem: u32,
        offset: u32,
        length: u32,
    ) -> u32 {
        let opaque = self.opaque();
        let Some(size) = opaque.array_element_size(id, type_index) else {
            return 0;
        };
        let Some(bytes) = opaque.element_bytes(id, elem, offset, length, size) else {
            return ARRAY_NEW_OUT_OF_BOUNDS;
        };
        self.new_array(id, type_index, length, &bytes)
    }
}

/// What a collection found reachable so far, and what it has yet to
/// trace.
#[derive(Default)]
struct Marking {
    /// Objects (heap offsets) to mark and trace next.
    objects: Vec<u32>,
    /// Host values reached, by id.
    host_values: Vec<u32>,
    /// Exceptions reached.
    exceptions: HashSet<ExnId>,
    /// Exceptions reached whose fields are not traced yet.
    exceptions_to_trace: Vec<ExnId>,
}

impl Marking {
    fn add(&mut self, referent: Option<Referent>) {
        match referent {
            Some(Referent::Object(object)) => self.objects.push(object),
            Some(Referent::HostValue(id)) => self.host_values.push(id),
            Some(Referent::Exception(id)) if self.exceptions.insert(id) => {
                self.exceptions_to_trace.push(id);
            }
            Some(Referent::Exception(_)) | None => {}
        }
    }

    /// Adds what a value of type `ty` (as its raw bits) leads to.
    fn add_value(&mut self, ty: RefType, raw: u128) {
        if !ty.may_refer_to_gc_object() {
            return;
        }
        self.add(match ty.heap.top() {
            HeapType::Extern => referent_of_extern(raw as u64),
            _ => referent_of_any(raw as u32),
        });
    }
}

impl StoreOpaque {
    /// The references the host holds (see [`HostRoots`]).
    pub fn host_roots(&self) -> MutexGuard<'_, HostRoots> {
        // A panic while the lock was held cannot leave the table
        // inconsistent: every change is one push, truncate or retain.
        self.host_roots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The references the host holds, without locking: `&mut self`
    /// already excludes every other user. Inline: every host call opens
    /// and closes a root scope through it.
    #[inline]
    pub fn host_roots_mut(&mut self) -> &mut HostRoots {
        self.host_roots
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Collects garbage (GC objects, host values and exceptions nothing
    /// reaches) if every root can be found; `None` if nothing was
    /// collected. Frames have stack maps only if the engine has the GC
    /// proposal on: without, nothing is collected and host values and
    /// exceptions live as long as the store. With [`Collection::Never`]
    /// nothing is ever collected, and nothing while collections are
    /// deferred.
    pub fn collect_garbage(&mut self) -> Option<CollectionStats> {
        self.collect_garbage_keeping(None)
    }

    /// [`collect_garbage`](Self::collect_garbage), keeping `extra` too (an
    /// exception just made, which no root holds yet).
    fn collect_garbage_keeping(&mut self, extra: Option<ExnId>) -> Option<CollectionStats> {
        if !self.engine.config().has_stack_maps()
            || self.engine.runtime_config().collection == Collection::Never
            || self.collections_deferred > 0
        {
            return None;
        }
        let mut marking = self.gc_roots()?;
        marking.add(extra.map(Referent::Exception));
        if let Some(heap) = self.gc_heap.as_mut() {
            heap.start_marking();
        }
        // Objects lead to exceptions and exceptions to objects: trace both
        // until neither finds anything new.
        loop {
            let objects = std::mem::take(&mut marking.objects);
            if let Some(heap) = self.gc_heap.as_mut() {
                let mut outside = Vec::new();
                heap.mark_from(&objects, &mut outside);
                for referent in outside {
                    marking.add(Some(referent));
                }
            }
            let Some(id) = marking.exceptions_to_trace.pop() else {
                break;
            };
            if let Some(exception) = self.exceptions.get(id) {
                let ty = self
                    .engine
                    .func_type(self.tags[exception.tag.0 as usize].ty);
                for (param, &raw) in ty.params().iter().zip(exception.fields) {
                    if let ValType::Ref(ty) = param {
                        marking.add_value(*ty, raw);
                    }
                }
            }
        }
        let stats = match self.gc_heap.as_mut() {
            Some(heap) => heap.finish_collection(),
            None => CollectionStats::default(),
        };
        self.exceptions.sweep(&marking.exceptions);
        let unreachable = self.host_values.sweep(&marking.host_values);
        // Dropped last: their `Drop` is the embedder's code.
        drop(unreachable);
        Some(stats)
    }

    /// Makes an exception of `tag` with `fields`, collecting garbage
    /// afterwards if enough exceptions were made since the last
    /// collection; `None` if the store cannot hold another one.
    pub fn new_exception(&mut self, tag: TagId, fields: &[u128]) -> Option<ExnId> {
        let id = self.exceptions.create(tag, fields)?;
        if self.exceptions.wants_collection() {
            self.collect_garbage_keeping(Some(id));
        }
        Some(id)
    }

    /// Host value `id` of an `externref`, if the store holds it.
    pub fn host_value(&self, id: u64) -> Option<&(dyn Any + Send + Sync)> {
        self.host_values.get(id)
    }

    /// Host value `id`, to change, if the store holds it.
    pub fn host_value_mut(&mut self, id: u64) -> Option<&mut (dyn Any + Send + Sync)> {
        self.host_values.get_mut(id)
    }

    /// How many host values the store holds.
    pub fn host_value_count(&self) -> usize {
        self.host_values.len()
    }

    /// Keeps `value` for an `externref` and returns its id, collecting
    /// garbage first if enough host values were made since the last
    /// collection; `None` if the store holds too many to take more.
    pub fn new_host_value(&mut self, value: HostValue) -> Option<u32> {
        if self.host_values.wants_collection() {
            self.collect_garbage();
        }
        self.host_values.insert(value)
    }

    /// Collects garbage before an allocation from wasm, if enough has been
    /// allocated since the last collection.
    pub(crate) fn collect_if_wanted(&mut self) {
        if self
            .gc_heap
            .as_ref()
            .is_some_and(|heap| heap.wants_collection())
        {
            self.collect_garbage();
        }
    }

    /// Every root; `None` if the wasm frames cannot all be walked.
    fn gc_roots(&self) -> Option<Marking> {
        let mut roots = Marking::default();
        let mut frame_roots = |fp: usize, return_address: usize| {
            let Some(code) = code_registry::lookup(return_address) else {
                return;
            };
            let Some(map) = code.stack_map(return_address) else {
                return;
            };
            let sp = fp - map.frame_size as usize;
            for &offset in &map.any_slots {
                // SAFETY: the frame is suspended at this call, and its
                // stack map says a 32-bit reference is spilled here.
                let raw = unsafe { ((sp + offset as usize) as *const u32).read() };
                roots.add(referent_of_any(raw));
            }
            for &offset in &map.extern_slots {
                // SAFETY: as above, a 64-bit reference.
                let raw = unsafe { ((sp + offset as usize) as *const u64).read_unaligned() };
                roots.add(referent_of_extern(raw));
            }
        };
        // SAFETY: the context is this store's, used on this thread (we
        // hold the store), and exits are recorded by its activations.
        let complete =
            unsafe { traphandlers::walk_wasm_frames(self.context.as_ptr(), &mut frame_roots) };
        if !complete {
            return None;
        }
        for global in &self.globals {
            if let ValType::Ref(ty) = global.ty.content {
                // SAFETY: globals point to live storage of this store.
                let raw = u128::from_le_bytes(unsafe { (*global.definition).bytes });
                roots.add_value(ty, raw);
            }
        }
        for table in &self.tables {
            let ty = table.ty().element;
            if ty.may_refer_to_gc_object() {
                for &raw in table.elements() {
                    roots.add_value(ty, raw as u128);
                }
            }
        }
        for instance in &self.instances {
            let segments = &instance.info().elements;
            for (segment, items) in segments.iter().zip(&instance.allocated_elements) {
                for &raw in items.iter().flatten() {
                    roots.add_value(segment.ty, raw);
                }
            }
        }
        roots.add(self.exceptions.pending().map(Referent::Exception));
        for referent in self.host_roots().referents() {
            roots.add(Some(referent));
        }
        Some(roots)
    }
}
