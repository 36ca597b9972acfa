//! [`VmBox`]: how the runtime owns memory that generated code reads and
//! writes behind Rust's back (vmctxs, the store context, global and table
//! definitions, host-function contexts).
//!
//! Subtle: Rust's aliasing rules say that while a `&mut T` (or a `Box<T>`,
//! which asserts uniqueness the same way) is live, nothing else may touch
//! the `T`, and that a raw pointer derived from an older borrow dies when
//! the owner is used again. Generated code holds addresses of these
//! structures for as long as they live and writes through them at any
//! call into wasm, so they must never be owned through a `Box` or borrowed
//! mutably for longer than one field access. A `VmBox` keeps the pointer
//! `Box::into_raw` returned (which carries write permission for the whole
//! allocation), hands out only that pointer, and frees the allocation on
//! drop. Every read and write on the host side goes through the pointer
//! too, one field at a time, so host accesses and generated code's
//! accesses all derive from the same root and never invalidate each other.
//! (A host function's context is the one structure borrowed shared for a
//! whole call: after creation nothing writes it but its `Mutex`.)
//! docs/architecture.md ("Ownership and aliasing") states the rules.

use std::ptr::NonNull;

/// An owned heap allocation accessed only through a raw pointer with write
/// provenance. Never moves; freed on drop.
pub struct VmBox<T: ?Sized> {
    ptr: NonNull<T>,
}

impl<T> VmBox<T> {
    /// Moves `value` to the heap.
    pub fn new(value: T) -> VmBox<T> {
        VmBox::from_box(Box::new(value))
    }
}

impl<T: ?Sized> VmBox<T> {
    /// Takes ownership of `boxed`'s allocation.
    pub fn from_box(boxed: Box<T>) -> VmBox<T> {
        VmBox {
            ptr: NonNull::from(Box::leak(boxed)),
        }
    }

    /// The address, valid for reads and writes until `self` drops. Using
    /// it creates no reference: callers access one field at a time.
    pub fn as_ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }
}

impl<T: ?Sized> Drop for VmBox<T> {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `Box::leak` and is freed only here; no
        // reference derived from it outlives `self` (accesses are per
        // field, and generated code only runs while the owner is alive).
        drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
    }
}

// SAFETY: a `VmBox<T>` owns its `T` as a `Box<T>` does; sending it sends
// the `T`.
unsafe impl<T: ?Sized + Send> Send for VmBox<T> {}
// SAFETY: a shared `VmBox<T>` gives out only the raw pointer; any access
// through it is an unsafe operation whose caller answers for it.
unsafe impl<T: ?Sized + Sync> Sync for VmBox<T> {}

impl<T: ?Sized> std::fmt::Debug for VmBox<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VmBox({:p})", self.ptr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn drops_its_value_once() {
        let value = Arc::new(());
        let boxed = VmBox::new(value.clone());
        assert_eq!(Arc::strong_count(&value), 2);
        drop(boxed);
        assert_eq!(Arc::strong_count(&value), 1);
    }

    #[test]
    fn writes_through_copies_of_the_pointer_are_seen() {
        let slots = VmBox::from_box(vec![0u64; 4].into_boxed_slice());
        let alias = slots.as_ptr().cast::<u64>();
        // SAFETY: both pointers address the live allocation; no reference
        // to it exists.
        unsafe {
            alias.add(2).write(7);
            assert_eq!((*slots.as_ptr())[2], 7);
        }
    }
}
