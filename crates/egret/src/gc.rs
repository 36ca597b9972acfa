//! Asking for a garbage collection: `Store::gc`, `StoreContextMut::gc`
//! and `Caller::gc`, and the error a GC allocation that does not fit
//! reports ([`GcHeapOutOfMemory`]).
//!
//! Collections also happen on their own, when wasm allocates after as
//! much was allocated as survived the last collection (at least 1 MiB;
//! see docs/gc.md). A collection frees every object that no wasm frame,
//! global, table, element segment, exception or host-held reference
//! reaches. When a host function has sent its `Caller` to another thread
//! and wasm runs there, the frames of the first thread cannot be walked:
//! such a collection frees nothing.

use crate::store::StoreInner;
use crate::{Caller, Result, Store, StoreContextMut};
use std::fmt;

/// A GC allocation did not fit in the heap: what was being allocated
/// (`T`) and how many bytes it needed. Passing it to `Store::gc` asks
/// the collection to make room for it.
pub struct GcHeapOutOfMemory<T> {
    inner: T,
    bytes_needed: u64,
}

impl<T> GcHeapOutOfMemory<T> {
    /// The error for an allocation of `bytes_needed` bytes of `inner`.
    pub fn new(inner: T, bytes_needed: u64) -> Self {
        GcHeapOutOfMemory {
            inner,
            bytes_needed,
        }
    }

    /// Bytes the allocation needed.
    pub fn bytes_needed(&self) -> u64 {
        self.bytes_needed
    }

    /// What was being allocated.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T> fmt::Debug for GcHeapOutOfMemory<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcHeapOutOfMemory")
            .field("bytes_needed", &self.bytes_needed)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for GcHeapOutOfMemory<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GC heap out of memory: an allocation of {} bytes does not fit",
            self.bytes_needed
        )
    }
}

impl<T> std::error::Error for GcHeapOutOfMemory<T> {}

/// Collects the store's garbage. The heap is not limited yet, so `_why`
/// asks for nothing more than a collection.
fn collect<T>(store: &mut StoreInner<T>, _why: Option<&GcHeapOutOfMemory<()>>) -> Result<()> {
    store.opaque.collect_garbage();
    Ok(())
}

impl<T> Store<T> {
    /// Collects garbage now: frees every GC object nothing reaches
    /// anymore. Not needed for correctness; collections also happen as
    /// wasm allocates.
    pub fn gc(&mut self, why: Option<&GcHeapOutOfMemory<()>>) -> Result<()> {
        collect(&mut self.inner, why)
    }
}

impl<T> Store<T> {
    /// Bytes of address space the GC heap has in use (it grows in
    /// chunks); 0 before the first GC allocation.
    pub fn gc_heap_capacity(&self) -> usize {
        self.inner
            .opaque
            .gc_heap()
            .map_or(0, |heap| heap.capacity())
    }
}

impl<T> StoreContextMut<'_, T> {
    /// [`Store::gc`].
    pub fn gc(&mut self, why: Option<&GcHeapOutOfMemory<()>>) -> Result<()> {
        collect(self.0, why)
    }
}

impl<T> Caller<'_, T> {
    /// [`Store::gc`], from a host function: the frames of the wasm that
    /// called it are roots.
    pub fn gc(&mut self, why: Option<&GcHeapOutOfMemory<()>>) -> Result<()> {
        collect(self.store, why)
    }
}
