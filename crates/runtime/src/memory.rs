//! Linear memories: one address-space reservation per memory (taken from
//! the engine's pool when it has the standard size), made accessible page
//! by page as the memory grows, and never moved.
//!
//! Subtle: generated code does no bounds check for 32-bit accesses whose
//! static offset the guard covers (see `Tunables::guard_covers`); it relies
//! on every byte of the reservation past the current length being
//! inaccessible. `grow` therefore only ever changes protection in place,
//! and the reservation is at least `Tunables::memory_reservation` bytes.
//!
//! Page protection works in host pages, so a memory whose size is not a
//! whole number of them (custom page sizes: one-byte pages) has the rest
//! of its last host page accessible too. Generated code checks every
//! access to such a memory explicitly against the exact length, so those
//! bytes are never reached.

use crate::memory_image::MemoryImage;
use crate::memory_pool::{MemoryPool, Slot};
use crate::vm_box::VmBox;
use crate::vmcontext::VMMemoryDefinition;
use egret_frontend::types::MemoryType;
use std::sync::Arc;

/// Size of a wasm page (unless the memory declares a custom page size).
pub const WASM_PAGE_SIZE: u64 = 64 * 1024;

/// Why a memory could not be created.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    /// The operating system refused the reservation or protection change.
    #[error("cannot allocate linear memory: {0}")]
    Os(#[from] std::io::Error),
    /// The memory's declared size exceeds what Egret supports.
    #[error("memory size {0} pages exceeds the supported maximum")]
    TooLarge(u64),
}

/// A linear memory.
pub struct LinearMemory {
    // Its address, which vmctxs hold, never changes; read by generated
    // code, written here only.
    definition: VmBox<VMMemoryDefinition>,
    // Owns the mapping. Taken on drop: given back to `pool` if there is
    // one, else unmapped.
    slot: Option<Slot>,
    pool: Option<Arc<MemoryPool>>,
    ty: MemoryType,
    /// Largest size in pages the memory may reach (type maximum, capped by
    /// what the reservation covers).
    max_pages: u64,
}

// SAFETY: the reservation is owned exclusively by this memory; all access
// to it goes through the store that owns the memory, which is not shared
// between threads without synchronisation.
unsafe impl Send for LinearMemory {}
// SAFETY: as above: shared references only read the definition.
unsafe impl Sync for LinearMemory {}

impl std::fmt::Debug for LinearMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearMemory")
            .field("ty", &self.ty)
            .field("pages", &self.pages())
            .finish()
    }
}

impl LinearMemory {
    /// A memory of type `ty` in a reservation of at least `reservation`
    /// bytes (and at least its maximum size), holding `image` (zeros
    /// elsewhere). The reservation comes from `pool` when it has the
    /// pool's size.
    pub fn new(
        ty: MemoryType,
        reservation: u64,
        image: Option<&Arc<MemoryImage>>,
        pool: Option<&Arc<MemoryPool>>,
    ) -> Result<LinearMemory, MemoryError> {
        // Generated code computes the same size (`MemoryType::reserved_bytes`).
        let (Some(min_bytes), Some(reservation)) = (
            ty.pages_to_bytes(ty.minimum),
            ty.reserved_bytes(reservation),
        ) else {
            return Err(MemoryError::TooLarge(ty.minimum));
        };
        let max_pages = ty.max_pages().min(reservation >> ty.page_size_log2);
        if ty.minimum > max_pages {
            return Err(MemoryError::TooLarge(ty.minimum));
        }
        // In whole host pages: a memory of one-byte pages may declare a
        // maximum that is not a multiple of one, and the accessible prefix
        // (with any data image mapped over it) is rounded up to one.
        let size = host_pages(
            usize::try_from(reservation).map_err(|_| MemoryError::TooLarge(ty.minimum))?,
        );
        let min_bytes = min_bytes as usize;
        let accessible = host_pages(min_bytes).min(size);
        let pool = pool.filter(|pool| pool.reservation() == size);
        let slot = match pool {
            Some(pool) => pool.acquire(accessible, image)?,
            None => {
                let mut slot = Slot::reserve(size).map_err(std::io::Error::other)?;
                slot.prepare(accessible, image)?;
                slot
            }
        };
        Ok(LinearMemory {
            definition: VmBox::new(VMMemoryDefinition {
                base: slot.base(),
                current_length: min_bytes,
            }),
            slot: Some(slot),
            pool: pool.cloned(),
            ty,
            max_pages,
        })
    }

    /// Replaces the initial image, if any, by zeros: for an instance whose
    /// initialisation stopped before its data segments were applied.
    pub fn discard_image(&mut self) {
        if let Some(slot) = self.slot.as_mut() {
            slot.discard_image();
        }
    }

    /// The memory's type (its minimum is the size at creation).
    pub fn ty(&self) -> MemoryType {
        self.ty
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        self.byte_len() as u64 >> self.ty.page_size_log2
    }

    /// Current size in bytes.
    pub fn byte_len(&self) -> usize {
        // SAFETY: the definition is live while `self` is; generated code
        // only reads it.
        unsafe { (*self.definition.as_ptr()).current_length }
    }

    /// Largest size in pages this memory may grow to.
    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// The definition generated code reads (stable address).
    pub fn definition(&self) -> *mut VMMemoryDefinition {
        self.definition.as_ptr()
    }

    /// Base address.
    pub fn base(&self) -> *mut u8 {
        // SAFETY: as in `byte_len`.
        unsafe { (*self.definition.as_ptr()).base }
    }

    /// The accessible bytes.
    pub fn data(&self) -> &[u8] {
        // SAFETY: `base..base+current_length` is mapped read-write and owned
        // by this memory; the shared borrow of `self` prevents growth.
        unsafe { std::slice::from_raw_parts(self.base(), self.byte_len()) }
    }

    /// The accessible bytes, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `data`, with exclusive access through `&mut self`.
        unsafe { std::slice::from_raw_parts_mut(self.base(), self.byte_len()) }
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None` if
    /// the memory would exceed its maximum (it is then unchanged).
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        self.make_accessible(new << self.ty.page_size_log2).ok()?;
        Some(old)
    }

    fn make_accessible(&mut self, new_len: u64) -> Result<(), MemoryError> {
        let new_len = usize::try_from(new_len).map_err(|_| MemoryError::TooLarge(new_len))?;
        if let Some(slot) = self.slot.as_mut()
            && new_len > slot.accessible()
        {
            // Within the reservation: `grow` checked `max_pages`, which the
            // reservation covers (and the reservation is whole host pages).
            slot.set_accessible(host_pages(new_len).min(slot.size()))?;
        }
        // SAFETY: the definition is live; generated code does not run
        // while `&mut self` is held.
        unsafe { (*self.definition.as_ptr()).current_length = new_len };
        Ok(())
    }

    /// Whether `[offset, offset+len)` lies inside the current size.
    pub fn in_bounds(&self, offset: u64, len: u64) -> bool {
        offset
            .checked_add(len)
            .is_some_and(|end| end <= self.byte_len() as u64)
    }
}

/// `bytes` rounded up to whole host pages (saturating).
fn host_pages(bytes: usize) -> usize {
    let page = region::page::size();
    bytes.div_ceil(page).saturating_mul(page)
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        if let (Some(slot), Some(pool)) = (self.slot.take(), &self.pool) {
            pool.release(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESERVATION: u64 = (6 << 30) + (64 << 10);

    #[test]
    fn grows_in_place_up_to_the_maximum() {
        let mut m =
            LinearMemory::new(MemoryType::new(1, Some(3)), RESERVATION, None, None).unwrap();
        let base = m.base();
        m.data_mut()[65535] = 7;
        assert_eq!(m.grow(2), Some(1));
        assert_eq!(m.pages(), 3);
        assert_eq!(m.base(), base);
        assert_eq!(m.data()[65535], 7);
        m.data_mut()[3 * 65536 - 1] = 1;
        assert_eq!(m.grow(1), None);
        assert_eq!(m.grow(0), Some(3));
        assert!(m.in_bounds(3 * 65536 - 4, 4));
        assert!(!m.in_bounds(3 * 65536 - 3, 4));
        assert!(!m.in_bounds(u64::MAX, 2));
    }

    #[test]
    fn absurd_sizes_are_errors() {
        let huge = MemoryType {
            minimum: u64::MAX,
            maximum: None,
            memory64: true,
            shared: false,
            page_size_log2: 16,
        };
        assert!(matches!(
            LinearMemory::new(huge, RESERVATION, None, None),
            Err(MemoryError::TooLarge(_))
        ));
        let beyond_address_space = MemoryType {
            minimum: 1 << 47,
            ..huge
        };
        assert!(LinearMemory::new(beyond_address_space, RESERVATION, None, None).is_err());
        let min_above_max = MemoryType::new(3, Some(2));
        assert!(LinearMemory::new(min_above_max, RESERVATION, None, None).is_err());
    }

    #[test]
    fn unbounded_memory_stops_at_four_gib() {
        let mut m = LinearMemory::new(MemoryType::new(0, None), RESERVATION, None, None).unwrap();
        assert_eq!(m.max_pages(), 65536);
        assert_eq!(m.grow(65537), None);
        assert_eq!(m.pages(), 0);
    }
}
