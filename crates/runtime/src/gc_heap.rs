//! A store's GC heap: one reservation of `gc_layout::HEAP_RESERVATION`
//! bytes, made at the store's first GC allocation, in which objects are
//! laid out as `egret_frontend::gc_layout` describes and referred to by
//! their 32-bit offset.
//!
//! Allocation bumps a pointer through the reservation, making pages
//! read-write as it goes (in growing chunks); memory never handed out is
//! inaccessible, so the guard region and the unallocated rest of the
//! reservation fault. Objects are never freed before the store is:
//! Egret has no collector yet (issue #16), so a heap that fills up makes
//! further allocations fail, which traps the wasm that asked. Memory the
//! heap hands out is zero, which gives new objects their default fields.
//!
//! The host reads objects through the checked accessors here: every read
//! and write stays within the allocated part of the heap, and a reference
//! is taken for an object only if it is aligned, below the allocation
//! point and its header is well formed (memory-safe whatever wasm wrote
//! there, though wasm-written bytes could look like a header).

use crate::memory_pool::Slot;
use crate::vmcontext::VMStoreContext;
use egret_frontend::gc_layout::{
    ARRAY_ELEMENTS, ARRAY_LENGTH, HEADER_SIZE, HEAP_RESERVATION, KIND, KIND_ARRAY, KIND_STRUCT,
    OBJECT_ALIGN, TYPE_ID,
};

/// The smallest number of bytes made read-write at a time.
const MIN_CHUNK: usize = 64 << 10;

/// The kind of an object, from its header.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    /// A struct.
    Struct,
    /// An array.
    Array,
}

/// Elements `index..index + count` of an array whose elements are
/// `element_size` bytes.
#[derive(Copy, Clone, Debug)]
pub struct ArraySlice {
    /// The array.
    pub array: u32,
    /// The first element.
    pub index: u32,
    /// How many elements.
    pub count: u32,
    /// Bytes per element.
    pub element_size: u32,
}

/// A store's GC heap.
#[derive(Debug)]
pub struct GcHeap {
    slot: Slot,
    /// Offset of the next object; everything before it is allocated.
    next: u32,
}

impl GcHeap {
    /// Reserves an empty heap.
    pub fn new() -> std::io::Result<GcHeap> {
        let slot = Slot::reserve(HEAP_RESERVATION as usize).map_err(std::io::Error::other)?;
        // Offset 0 is null: the first object starts after it.
        Ok(GcHeap {
            slot,
            next: OBJECT_ALIGN,
        })
    }

    /// The heap in `slot`, made there (and its base published in
    /// `context` for generated code) if there is none yet; `None` if the
    /// address space cannot be reserved.
    pub(crate) fn get_or_make(
        slot: &mut Option<GcHeap>,
        context: *mut VMStoreContext,
    ) -> Option<&mut GcHeap> {
        if slot.is_none() {
            let heap = GcHeap::new().ok()?;
            // SAFETY: `context` is the store's live context; generated code
            // reads the base only after a call returns, and no reference to
            // the context is held across this write.
            unsafe { (*context).gc_heap_base = heap.base() };
            *slot = Some(heap);
        }
        slot.as_mut()
    }

    /// The heap's base address, which generated code adds references to.
    pub fn base(&self) -> *mut u8 {
        self.slot.base()
    }

    /// A new object of `size` bytes (header included) with the given
    /// header, and an array's `length`; `None` if the heap cannot hold
    /// it.
    pub fn allocate(
        &mut self,
        type_id: u32,
        kind: ObjectKind,
        size: u64,
        length: u32,
    ) -> Option<u32> {
        let size = u32::try_from(size.max(u64::from(HEADER_SIZE))).ok()?;
        let size = size.checked_next_multiple_of(OBJECT_ALIGN)?;
        let object = self.next;
        let end = object.checked_add(size)?;
        if end as usize > self.slot.accessible() {
            let grown = (end as usize)
                .max(self.slot.accessible() * 2)
                .next_multiple_of(region::page::size())
                .clamp(MIN_CHUNK, 1 << 32);
            self.slot.set_accessible(grown).ok()?;
        }
        self.next = end;
        let kind_bits = match kind {
            ObjectKind::Struct => KIND_STRUCT,
            ObjectKind::Array => KIND_ARRAY,
        };
        self.write_u32(object + TYPE_ID, type_id);
        self.write_u32(object + KIND, kind_bits);
        if kind == ObjectKind::Array {
            self.write_u32(object + ARRAY_LENGTH, length);
        }
        Some(object)
    }

    /// The kind and engine type id of the object `reference` refers to;
    /// `None` if it is not an allocated object (null, an `i31`, or a value
    /// no allocation returned an offset near).
    pub fn header(&self, reference: u32) -> Option<(ObjectKind, u32)> {
        if reference == 0 || !reference.is_multiple_of(OBJECT_ALIGN) {
            return None;
        }
        let end = reference.checked_add(HEADER_SIZE)?;
        if end > self.next {
            return None;
        }
        let kind = match self.read_u32(reference + KIND) {
            KIND_STRUCT => ObjectKind::Struct,
            KIND_ARRAY => ObjectKind::Array,
            _ => return None,
        };
        Some((kind, self.read_u32(reference + TYPE_ID)))
    }

    /// The heap offset of element `index` of the array `array`, whose
    /// elements are `element_size` bytes, if elements `index..index +
    /// count` exist (and `array` is an array).
    fn array_elements(&self, array: u32, index: u32, count: u32, element_size: u32) -> Option<u64> {
        if self.header(array)?.0 != ObjectKind::Array {
            return None;
        }
        let length = self.read_u32(array + ARRAY_LENGTH);
        if index.checked_add(count)? > length {
            return None;
        }
        let size = u64::from(element_size);
        let start = u64::from(array) + u64::from(ARRAY_ELEMENTS) + u64::from(index) * size;
        (start + u64::from(count) * size <= u64::from(self.next)).then_some(start)
    }

    /// Whether the array `array` of `element_size`-byte elements has
    /// elements `index..index + count`.
    pub fn array_has(&self, array: u32, index: u32, count: u32, element_size: u32) -> bool {
        self.array_elements(array, index, count, element_size)
            .is_some()
    }

    /// Copies `element.len()` bytes to elements `index..index + count` of
    /// the array `array`; `false` (and nothing written) if the range
    /// exceeds the array or `array` is not an array. Fills in bulk: one
    /// element, then copies of what is already filled, doubling.
    pub fn fill_array(&mut self, array: u32, index: u32, count: u32, element: &[u8]) -> bool {
        let size = element.len();
        let Some(start) = self.array_elements(array, index, count, size as u32) else {
            return false;
        };
        let total = count as usize * size;
        if total == 0 {
            return true;
        }
        // SAFETY: `[start, start + total)` is allocated (checked by
        // `array_elements`), so inside the read-write prefix of our
        // reservation, and `element` is host memory outside it; each copy
        // reads the filled part and writes just after it, so source and
        // destination never overlap. Wasm is suspended in the builtin that
        // called this, and `&mut self` excludes other host access.
        unsafe {
            let dst = self.base().add(start as usize);
            std::ptr::copy_nonoverlapping(element.as_ptr(), dst, size);
            let mut filled = size;
            while filled < total {
                let n = filled.min(total - filled);
                std::ptr::copy_nonoverlapping(dst, dst.add(filled), n);
                filled += n;
            }
        }
        true
    }

    /// Writes `elements` (whole elements of `element_size` bytes) to the
    /// array `array` from element `index`; `false` (and nothing written)
    /// if they do not fit.
    pub fn init_array(
        &mut self,
        array: u32,
        index: u32,
        elements: &[u8],
        element_size: u32,
    ) -> bool {
        let count = elements.len() as u64 / u64::from(element_size.max(1));
        let Ok(count) = u32::try_from(count) else {
            return false;
        };
        let Some(start) = self.array_elements(array, index, count, element_size) else {
            return false;
        };
        self.write_bytes(start, elements);
        true
    }

    /// Copies `count` elements of `element_size` bytes from the array
    /// `src` at `src_index` to the array `dst` at `dst_index` (the ranges
    /// may overlap); `false` (and nothing copied) if either range exceeds
    /// its array.
    pub fn copy_array(
        &mut self,
        dst: u32,
        dst_index: u32,
        src: u32,
        src_index: u32,
        count: u32,
        element_size: u32,
    ) -> bool {
        let (Some(to), Some(from)) = (
            self.array_elements(dst, dst_index, count, element_size),
            self.array_elements(src, src_index, count, element_size),
        ) else {
            return false;
        };
        let len = u64::from(count) * u64::from(element_size);
        // SAFETY: both ranges are allocated (checked by `array_elements`),
        // so inside the read-write prefix of our reservation; `copy`
        // allows overlap. Wasm is suspended in the builtin that called
        // this, and `&mut self` excludes other host access.
        unsafe {
            std::ptr::copy(
                self.base().add(from as usize),
                self.base().add(to as usize),
                len as usize,
            )
        };
        true
    }

    /// Writes `bytes` at `offset` in the object `object`; `false` (and
    /// nothing written) if `object` is not an object or the range ends
    /// beyond the allocated part of the heap.
    pub fn write_field(&mut self, object: u32, offset: u32, bytes: &[u8]) -> bool {
        let start = u64::from(object) + u64::from(offset);
        if self.header(object).is_none() || start + bytes.len() as u64 > u64::from(self.next) {
            return false;
        }
        self.write_bytes(start, bytes);
        true
    }

    fn read_u32(&self, offset: u32) -> u32 {
        let mut bytes = [0; 4];
        self.read_bytes(u64::from(offset), &mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn write_u32(&mut self, offset: u32, value: u32) {
        self.write_bytes(u64::from(offset), &value.to_le_bytes());
    }

    /// Reads `out.len()` bytes at `offset`, which callers keep below
    /// `next` (allocated, so read-write).
    fn read_bytes(&self, offset: u64, out: &mut [u8]) {
        assert!(offset + out.len() as u64 <= u64::from(self.next));
        // SAFETY: the range is allocated (asserted), hence inside the
        // read-write prefix of our reservation; wasm that could write it
        // is either not running or suspended in the builtin that called
        // this, and no Rust reference into the heap exists.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.base().add(offset as usize),
                out.as_mut_ptr(),
                out.len(),
            )
        };
    }

    /// Writes `bytes` at `offset`, which callers keep below `next`.
    fn write_bytes(&mut self, offset: u64, bytes: &[u8]) {
        assert!(offset + bytes.len() as u64 <= u64::from(self.next));
        // SAFETY: as in `read_bytes`; `&mut self` excludes other host
        // access.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.base().add(offset as usize),
                bytes.len(),
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_aligned_zeroed_and_checked() {
        let mut heap = GcHeap::new().unwrap();
        let a = heap.allocate(7, ObjectKind::Struct, 12, 0).unwrap();
        let b = heap.allocate(9, ObjectKind::Array, 16 + 4 * 3, 3).unwrap();
        assert_eq!((a, b), (8, 24));
        assert_eq!(heap.header(a), Some((ObjectKind::Struct, 7)));
        assert_eq!(heap.header(b), Some((ObjectKind::Array, 9)));
        assert_eq!(heap.header(0), None);
        assert_eq!(heap.header(b + 1), None);
        assert_eq!(heap.header(1 << 20), None);
        assert!(heap.fill_array(b, 1, 2, &[1, 2, 3, 4]));
        assert!(!heap.fill_array(b, 2, 2, &[1, 2, 3, 4]));
        assert!(!heap.fill_array(a, 0, 1, &[1, 2, 3, 4]));
        let mut elements = [0; 12];
        heap.read_bytes(u64::from(b + ARRAY_ELEMENTS), &mut elements);
        assert_eq!(elements, [0, 0, 0, 0, 1, 2, 3, 4, 1, 2, 3, 4]);
    }

    #[test]
    fn a_full_heap_refuses_allocations() {
        let mut heap = GcHeap::new().unwrap();
        assert_eq!(heap.allocate(1, ObjectKind::Array, 1 << 33, 0), None);
        assert!(heap.allocate(1, ObjectKind::Struct, 8, 0).is_some());
    }
}
