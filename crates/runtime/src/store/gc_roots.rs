//! Collecting a store's garbage: finding every reference the store can
//! still reach outside the GC heap (the roots) and handing them to the
//! heap's mark-sweep collector (`gc_heap.rs`).
//!
//! The roots are:
//! - the references in wasm frames suspended at a call, found with the
//!   stack maps Cranelift made for each call (`CodeMap::stack_map`), by
//!   walking each activation of the store from its last exit to the host
//!   (`traphandlers::walk_wasm_frames`);
//! - globals and tables whose type may hold references, the items of
//!   element segments evaluated at instantiation, the fields of the
//!   store's exceptions;
//! - references the host holds (`host_roots.rs`).
//!
//! When the frames cannot all be found (see `walk_wasm_frames`), nothing
//! is collected: freeing too little is safe, freeing too much is not.

use super::StoreOpaque;
use crate::code_registry;
use crate::gc_heap::{CollectionStats, object_of_any, object_of_extern};
use crate::host_roots::HostRoots;
use crate::traphandlers;
use egret_frontend::types::{HeapType, RefType, ValType};
use std::sync::{MutexGuard, PoisonError};

/// The object a value of type `ty` (as its raw bits) refers to, if any.
fn object_of_value(ty: RefType, raw: u128) -> Option<u32> {
    if !ty.may_refer_to_gc_object() {
        return None;
    }
    match ty.heap.top() {
        HeapType::Extern => object_of_extern(raw as u64),
        _ => object_of_any(raw as u32),
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

    /// Collects garbage if the store has a GC heap and every root can be
    /// found; `None` if nothing was collected.
    pub fn collect_garbage(&mut self) -> Option<CollectionStats> {
        self.gc_heap.as_ref()?;
        let roots = self.gc_roots()?;
        Some(self.gc_heap.as_mut()?.collect(&roots))
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
    fn gc_roots(&self) -> Option<Vec<u32>> {
        let mut roots = Vec::new();
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
                roots.extend(object_of_any(raw));
            }
            for &offset in &map.extern_slots {
                // SAFETY: as above, a 64-bit reference.
                let raw = unsafe { ((sp + offset as usize) as *const u64).read_unaligned() };
                roots.extend(object_of_extern(raw));
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
                roots.extend(object_of_value(ty, raw));
            }
        }
        for table in &self.tables {
            let ty = table.ty().element;
            if ty.may_refer_to_gc_object() {
                roots.extend(
                    table
                        .elements()
                        .iter()
                        .filter_map(|&raw| object_of_value(ty, raw as u128)),
                );
            }
        }
        for instance in &self.instances {
            let segments = &instance.info().elements;
            for (segment, items) in segments.iter().zip(&instance.allocated_elements) {
                if let Some(items) = items {
                    roots.extend(
                        items
                            .iter()
                            .filter_map(|&raw| object_of_value(segment.ty, raw)),
                    );
                }
            }
        }
        for exception in self.exceptions.iter() {
            let ty = self
                .engine
                .func_type(self.tags[exception.tag.0 as usize].ty);
            for (param, &raw) in ty.params().iter().zip(exception.fields) {
                if let ValType::Ref(ty) = param {
                    roots.extend(object_of_value(*ty, raw));
                }
            }
        }
        roots.extend(self.host_roots().objects());
        Some(roots)
    }
}
