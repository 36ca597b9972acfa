//! A store's GC heap: one reservation of `gc_layout::HEAP_RESERVATION`
//! bytes, made at the store's first GC allocation, in which objects are
//! laid out as `egret_frontend::gc_layout` describes and referred to by
//! their 32-bit offset; and its mark-sweep collector's heap side.
//!
//! The allocated part of the heap, `[OBJECT_ALIGN, next)`, is a sequence
//! of chunks, each an object or a free chunk (header kind [`KIND_FREE`],
//! its size where an object's type id would be), so the sweep can walk
//! it. Allocation takes a free chunk of exactly the size (small sizes
//! have one list each), else splits the first large enough free chunk,
//! else bumps `next` through the reservation, making pages read-write as
//! it goes (in growing chunks); memory never handed out is inaccessible,
//! so the guard region and the unallocated rest of the reservation fault.
//! Memory the heap hands out is zero, which gives new objects their
//! default fields.
//!
//! Collection ([`GcHeap::collect`]) marks every object reachable from the
//! roots it is given, tracing fields that may hold references with each
//! type's [`ObjectLayout`] (recorded when the first object of the type is
//! allocated), then sweeps: unmarked objects and the free chunks next to
//! them merge into free chunks, and free space at the end goes back to
//! the bump pointer. Objects never move, so references held anywhere stay
//! valid. Finding the roots is the store's part (`gc_roots.rs`).
//!
//! The host reads objects through the checked accessors here: every read
//! and write stays within the allocated part of the heap, and a reference
//! is taken for an object only if it is aligned, below the allocation
//! point and its header is well formed (memory-safe whatever wasm wrote
//! there, though wasm-written bytes could look like a header).

use crate::exception::ExnId;
use crate::memory_pool::Slot;
use crate::vmcontext::VMStoreContext;
use egret_frontend::gc_layout::{
    ANY_IN_EXTERN, ARRAY_ELEMENTS, ARRAY_LENGTH, HEADER_SIZE, HEAP_RESERVATION, HOST_IN_ANY_TAG,
    KIND, KIND_ARRAY, KIND_STRUCT, OBJECT_ALIGN, StructLayout, TYPE_ID, field_size,
};
use egret_frontend::types::{CompositeType, FieldType, StorageType};

/// The smallest number of bytes made read-write at a time.
const MIN_CHUNK: usize = 64 << 10;

/// The kind of a free chunk, in the header's kind field; its size is in
/// the type id field.
const KIND_FREE: u32 = 3;

/// Free chunks up to this size are kept in one list per size.
const SMALL_CHUNK_LIMIT: u32 = 512;

/// Bytes allocated since the last collection after which the next
/// allocation from wasm collects first, at the least (see
/// [`GcHeap::wants_collection`]).
const MIN_COLLECTION_INTERVAL: u64 = 1 << 20;

/// How a field or element that may hold a reference stores it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum RefWidth {
    /// A 32-bit `anyref` (or subtype).
    Any,
    /// A 64-bit `externref`, which holds an `anyref` when its
    /// `ANY_IN_EXTERN` bit is set.
    Extern,
}

impl RefWidth {
    /// How `field` stores a reference, if it may hold one to an object.
    fn of(field: &FieldType) -> Option<RefWidth> {
        match field.storage {
            StorageType::Val(ty) if ty.may_refer_to_gc_object() => Some(match ty {
                egret_frontend::types::ValType::Ref(r) if r.is_gc() => RefWidth::Any,
                _ => RefWidth::Extern,
            }),
            _ => None,
        }
    }
}

/// What a reference leads to that a collection must keep.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Referent {
    /// An object of the GC heap, by offset.
    Object(u32),
    /// A host value, by id (see `host_values`).
    HostValue(u32),
    /// An exception (see `exception.rs`).
    Exception(ExnId),
}

/// What an `anyref`'s or an `exnref`'s bits lead to: nothing for null and
/// `i31`, an object for an aligned offset, a host value for one converted
/// from an `externref`, an exception for an `exnref`.
pub fn referent_of_any(raw: u32) -> Option<Referent> {
    if raw == 0 {
        None
    } else if raw.is_multiple_of(OBJECT_ALIGN) {
        Some(Referent::Object(raw))
    } else if raw & 3 == HOST_IN_ANY_TAG {
        Some(Referent::HostValue(raw >> 2))
    } else {
        ExnId::from_raw(raw).map(Referent::Exception)
    }
}

/// What an `externref`'s bits lead to: the `anyref` it wraps, if the
/// `ANY_IN_EXTERN` bit is set, else a host value (or nothing for null).
pub fn referent_of_extern(raw: u64) -> Option<Referent> {
    if raw & ANY_IN_EXTERN != 0 {
        referent_of_any(raw as u32)
    } else if raw == 0 {
        None
    } else {
        u32::try_from(raw).ok().map(Referent::HostValue)
    }
}

/// What the collector knows about the objects of one type: their size
/// and where their references are.
#[derive(Clone, Debug)]
pub struct ObjectLayout {
    kind: ObjectKind,
    /// A struct's size (header included), or an array's element size.
    size: u32,
    /// Offsets of a struct's fields that may hold references.
    ref_fields: Vec<(u32, RefWidth)>,
    /// Whether an array's elements may hold references, and how.
    ref_elements: Option<RefWidth>,
}

impl ObjectLayout {
    /// The layout of objects of a struct or array type; `None` for a
    /// function type.
    pub fn of(composite: &CompositeType) -> Option<ObjectLayout> {
        match composite {
            CompositeType::Struct(fields) => {
                let layout = StructLayout::new(fields);
                let ref_fields = fields
                    .iter()
                    .zip(&layout.offsets)
                    .filter_map(|(field, offset)| Some((*offset, RefWidth::of(field)?)))
                    .collect();
                Some(ObjectLayout {
                    kind: ObjectKind::Struct,
                    size: layout.size,
                    ref_fields,
                    ref_elements: None,
                })
            }
            CompositeType::Array(element) => Some(ObjectLayout {
                kind: ObjectKind::Array,
                size: field_size(element.storage),
                ref_fields: Vec::new(),
                ref_elements: RefWidth::of(element),
            }),
            CompositeType::Func(_) => None,
        }
    }
}

/// Why [`GcHeap::allocate`] could not allocate.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AllocationFailure {
    /// No heap can hold the object (or its type is not a struct or array
    /// type).
    TooLarge,
    /// The heap must first grow to `desired` bytes in use
    /// ([`GcHeap::grow`]).
    NeedsGrowth {
        /// Bytes of the reservation to have in use.
        desired: usize,
    },
}

/// The error of a GC allocation that did not fit, even after a
/// collection, in as much heap as the store's resource limiter allows (or
/// the 4 GiB any heap can hold).
#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("GC heap out of memory: an allocation of {bytes_needed} bytes does not fit")]
pub struct HeapExhausted {
    /// Bytes the allocation needed.
    pub bytes_needed: u64,
}

/// What a collection found.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CollectionStats {
    /// Bytes of objects that survived.
    pub live_bytes: u64,
    /// Bytes of objects freed.
    pub freed_bytes: u64,
}

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
    /// End of the allocated part: bump allocation starts here.
    next: u32,
    /// Layout of each engine type that has objects, by type id.
    layouts: Vec<Option<ObjectLayout>>,
    /// Free chunks of each small size, by size / `OBJECT_ALIGN`.
    small_free: Vec<Vec<u32>>,
    /// Larger free chunks, as (offset, size).
    large_free: Vec<(u32, u32)>,
    /// One bit per `OBJECT_ALIGN` bytes: marked objects, during a
    /// collection.
    marks: Vec<u64>,
    /// Bytes handed out since the last collection.
    allocated_since_collection: u64,
    /// Bytes of live objects after the last collection.
    live_after_collection: u64,
}

impl GcHeap {
    /// Reserves an empty heap.
    pub fn new() -> std::io::Result<GcHeap> {
        let slot = Slot::reserve(HEAP_RESERVATION as usize).map_err(std::io::Error::other)?;
        // Offset 0 is null: the first object starts after it.
        Ok(GcHeap {
            slot,
            next: OBJECT_ALIGN,
            layouts: Vec::new(),
            small_free: vec![Vec::new(); (SMALL_CHUNK_LIMIT / OBJECT_ALIGN) as usize + 1],
            large_free: Vec::new(),
            marks: Vec::new(),
            allocated_since_collection: 0,
            live_after_collection: 0,
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

    /// Bytes of the reservation in use (read-write).
    pub fn capacity(&self) -> usize {
        self.slot.accessible()
    }

    /// The heap's base address, which generated code adds references to.
    pub fn base(&self) -> *mut u8 {
        self.slot.base()
    }

    /// A new object of engine type `type_id`, whose definition is
    /// `composite`, of `size` bytes (header included), with an array's
    /// `length` set and zero elsewhere, if the memory the heap has in use
    /// can hold it; else why not.
    pub fn allocate(
        &mut self,
        type_id: u32,
        composite: &CompositeType,
        size: u64,
        length: u32,
    ) -> Result<u32, AllocationFailure> {
        let kind = self
            .layout_of(type_id, composite)
            .ok_or(AllocationFailure::TooLarge)?
            .kind;
        let size = u32::try_from(size.max(u64::from(HEADER_SIZE)))
            .ok()
            .and_then(|size| size.checked_next_multiple_of(OBJECT_ALIGN))
            .ok_or(AllocationFailure::TooLarge)?;
        let object = match self.take_free_chunk(size) {
            Some(object) => {
                // Free chunks hold old objects' bytes.
                self.zero(object, size);
                object
            }
            None => self.bump(size)?,
        };
        self.allocated_since_collection += u64::from(size);
        let kind_bits = match kind {
            ObjectKind::Struct => KIND_STRUCT,
            ObjectKind::Array => KIND_ARRAY,
        };
        self.write_u32(object + TYPE_ID, type_id);
        self.write_u32(object + KIND, kind_bits);
        if kind == ObjectKind::Array {
            self.write_u32(object + ARRAY_LENGTH, length);
        }
        Ok(object)
    }

    /// The layout of `type_id`'s objects, recorded on first use.
    fn layout_of(&mut self, type_id: u32, composite: &CompositeType) -> Option<&ObjectLayout> {
        let index = type_id as usize;
        if self.layouts.len() <= index {
            self.layouts.resize(index + 1, None);
        }
        if self.layouts[index].is_none() {
            self.layouts[index] = Some(ObjectLayout::of(composite)?);
        }
        self.layouts[index].as_ref()
    }

    /// `size` bytes at the end of the allocated part, if the memory in
    /// use holds them.
    fn bump(&mut self, size: u32) -> Result<u32, AllocationFailure> {
        let object = self.next;
        let end = object
            .checked_add(size)
            .ok_or(AllocationFailure::TooLarge)?;
        if end as usize > self.slot.accessible() {
            // Double, so growth is amortised, in whole host pages.
            let desired = (end as usize)
                .max(self.slot.accessible() * 2)
                .next_multiple_of(region::page::size())
                .clamp(MIN_CHUNK, 1 << 32);
            return Err(AllocationFailure::NeedsGrowth {
                desired: desired.max(end as usize),
            });
        }
        self.next = end;
        Ok(object)
    }

    /// Makes the first `desired` bytes of the reservation usable (never
    /// shrinks); `false` if the memory cannot be made read-write.
    pub fn grow(&mut self, desired: usize) -> bool {
        desired <= self.slot.accessible() || self.slot.set_accessible(desired).is_ok()
    }

    /// A free chunk of exactly `size` bytes, from its size's list or split
    /// off the first large enough large chunk.
    fn take_free_chunk(&mut self, size: u32) -> Option<u32> {
        if size <= SMALL_CHUNK_LIMIT
            && let Some(chunk) = self.small_free[(size / OBJECT_ALIGN) as usize].pop()
        {
            return Some(chunk);
        }
        // A remainder must be large enough for a free chunk's header.
        let position = self
            .large_free
            .iter()
            .position(|&(_, free)| free == size || free >= size.saturating_add(HEADER_SIZE))?;
        let (chunk, free) = self.large_free.swap_remove(position);
        if free > size {
            self.add_free_chunk(chunk + size, free - size);
        }
        Some(chunk)
    }

    /// Marks `[chunk, chunk + size)` free and lists it.
    fn add_free_chunk(&mut self, chunk: u32, size: u32) {
        self.write_u32(chunk + TYPE_ID, size);
        self.write_u32(chunk + KIND, KIND_FREE);
        if size <= SMALL_CHUNK_LIMIT {
            self.small_free[(size / OBJECT_ALIGN) as usize].push(chunk);
        } else {
            self.large_free.push((chunk, size));
        }
    }

    /// Whether enough has been allocated since the last collection that
    /// the next allocation from wasm should collect first: as much as
    /// survived the last one (so the heap at most doubles between
    /// collections), and at least `MIN_COLLECTION_INTERVAL`.
    pub fn wants_collection(&self) -> bool {
        self.allocated_since_collection >= self.live_after_collection.max(MIN_COLLECTION_INTERVAL)
    }

    /// Starts a collection: no object is marked yet.
    pub fn start_marking(&mut self) {
        self.marks.clear();
        self.marks
            .resize((self.next / OBJECT_ALIGN).div_ceil(64) as usize + 1, 0);
    }

    /// Marks the objects reachable from `roots` (references; values that
    /// are not references to objects of this heap are ignored), and adds
    /// to `outside` what reachable objects refer to outside the heap (host
    /// values, exceptions). May be called again with more roots before
    /// [`finish_collection`](Self::finish_collection).
    pub fn mark_from(&mut self, roots: &[u32], outside: &mut Vec<Referent>) {
        let mut pending: Vec<u32> = Vec::new();
        for &root in roots {
            self.mark_object(root, &mut pending);
        }
        // Taken out while tracing reads them and marks.
        let layouts = std::mem::take(&mut self.layouts);
        while let Some(object) = pending.pop() {
            self.trace(&layouts, object, &mut pending, outside);
        }
        self.layouts = layouts;
    }

    /// Frees every object not marked since
    /// [`start_marking`](Self::start_marking).
    pub fn finish_collection(&mut self) -> CollectionStats {
        let stats = self.sweep();
        self.allocated_since_collection = 0;
        self.live_after_collection = stats.live_bytes;
        stats
    }

    /// Marks `reference`'s object, if it is an unmarked one, and queues it
    /// for tracing.
    fn mark_object(&mut self, reference: u32, pending: &mut Vec<u32>) {
        if self.header(reference).is_none() {
            return;
        }
        let bit = (reference / OBJECT_ALIGN) as usize;
        let (word, mask) = (bit / 64, 1u64 << (bit % 64));
        if self.marks[word] & mask == 0 {
            self.marks[word] |= mask;
            pending.push(reference);
        }
    }

    fn is_marked(&self, object: u32) -> bool {
        let bit = (object / OBJECT_ALIGN) as usize;
        self.marks[bit / 64] & (1u64 << (bit % 64)) != 0
    }

    /// Marks the objects `object`'s fields or elements refer to, and adds
    /// what they refer to outside the heap to `outside`.
    fn trace(
        &mut self,
        layouts: &[Option<ObjectLayout>],
        object: u32,
        pending: &mut Vec<u32>,
        outside: &mut Vec<Referent>,
    ) {
        let Some((_, type_id)) = self.header(object) else {
            return;
        };
        let Some(Some(layout)) = layouts.get(type_id as usize) else {
            return;
        };
        match layout.kind {
            ObjectKind::Struct => {
                for &(offset, width) in &layout.ref_fields {
                    self.mark_referent(self.read_ref(object + offset, width), pending, outside);
                }
            }
            ObjectKind::Array => {
                if let Some(width) = layout.ref_elements {
                    let length = self.read_u32(object + ARRAY_LENGTH);
                    for i in 0..length {
                        let at = object + ARRAY_ELEMENTS + i * layout.size;
                        self.mark_referent(self.read_ref(at, width), pending, outside);
                    }
                }
            }
        }
    }

    /// Marks what a field or element leads to: an object, or something
    /// outside the heap added to `outside`.
    fn mark_referent(
        &mut self,
        referent: Option<Referent>,
        pending: &mut Vec<u32>,
        outside: &mut Vec<Referent>,
    ) {
        match referent {
            Some(Referent::Object(object)) => self.mark_object(object, pending),
            Some(other) => outside.push(other),
            None => {}
        }
    }

    /// What the reference stored at `at` leads to, if anything.
    fn read_ref(&self, at: u32, width: RefWidth) -> Option<Referent> {
        match width {
            RefWidth::Any => referent_of_any(self.read_u32(at)),
            RefWidth::Extern => {
                let mut bytes = [0; 8];
                self.read_bytes(u64::from(at), &mut bytes);
                referent_of_extern(u64::from_le_bytes(bytes))
            }
        }
    }

    /// The size of the chunk at `chunk` (an object or a free chunk).
    fn chunk_size(&self, chunk: u32) -> Option<u32> {
        let (kind, id) = (self.read_u32(chunk + KIND), self.read_u32(chunk + TYPE_ID));
        if kind == KIND_FREE {
            return Some(id);
        }
        let layout = self.layouts.get(id as usize)?.as_ref()?;
        let size = match layout.kind {
            ObjectKind::Struct => layout.size,
            ObjectKind::Array => {
                let length = self.read_u32(chunk + ARRAY_LENGTH);
                let bytes = u64::from(ARRAY_ELEMENTS) + u64::from(length) * u64::from(layout.size);
                u32::try_from(bytes.max(u64::from(HEADER_SIZE))).ok()?
            }
        };
        size.checked_next_multiple_of(OBJECT_ALIGN)
    }

    /// Frees unmarked objects, merging free neighbours, and rebuilds the
    /// free lists.
    fn sweep(&mut self) -> CollectionStats {
        for list in &mut self.small_free {
            list.clear();
        }
        self.large_free.clear();
        let mut stats = CollectionStats::default();
        let mut free_start = None;
        let mut at = OBJECT_ALIGN;
        while at < self.next {
            let Some(size) = self.chunk_size(at).filter(|&size| size > 0) else {
                // Only a bug could leave an unparseable chunk: keep the
                // rest of the heap as it is rather than guess.
                break;
            };
            let live = self.read_u32(at + KIND) != KIND_FREE && self.is_marked(at);
            if live {
                stats.live_bytes += u64::from(size);
                if let Some(start) = free_start.take() {
                    self.add_free_chunk(start, at - start);
                }
            } else {
                if self.read_u32(at + KIND) != KIND_FREE {
                    stats.freed_bytes += u64::from(size);
                }
                free_start.get_or_insert(at);
            }
            at += size;
        }
        if let Some(start) = free_start {
            // Free space at the end goes back to bump allocation; memory
            // handed out again is zeroed first.
            self.zero(start, self.next - start);
            self.next = start;
        }
        stats
    }

    /// Zeroes `[offset, offset + size)`, which is allocated.
    fn zero(&mut self, offset: u32, size: u32) {
        assert!(u64::from(offset) + u64::from(size) <= u64::from(self.next));
        // SAFETY: the range is allocated (asserted), so inside the
        // read-write prefix of our reservation; wasm is suspended and
        // `&mut self` excludes other host access.
        unsafe { std::ptr::write_bytes(self.base().add(offset as usize), 0, size as usize) };
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

    /// Reads `out.len()` bytes at `offset` in the object `object`;
    /// `false` (and nothing read) if `object` is not an object or the
    /// range ends beyond the allocated part of the heap.
    pub fn read_field(&self, object: u32, offset: u32, out: &mut [u8]) -> bool {
        let start = u64::from(object) + u64::from(offset);
        if self.header(object).is_none() || start + out.len() as u64 > u64::from(self.next) {
            return false;
        }
        self.read_bytes(start, out);
        true
    }

    /// The length of the array `array`; `None` if it is not an array.
    pub fn array_len(&self, array: u32) -> Option<u32> {
        (self.header(array)?.0 == ObjectKind::Array).then(|| self.read_u32(array + ARRAY_LENGTH))
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
    use egret_frontend::types::{HeapType, RefType, ValType};

    fn field(storage: StorageType) -> FieldType {
        FieldType {
            storage,
            mutable: true,
        }
    }

    /// `(struct (field i32))`
    fn plain() -> CompositeType {
        CompositeType::Struct(vec![field(StorageType::Val(ValType::I32))].into())
    }

    /// `(array (mut i8))`
    fn bytes() -> CompositeType {
        CompositeType::Array(field(StorageType::I8))
    }

    /// `(struct (field i32) (field anyref))`: a list node.
    fn node() -> CompositeType {
        let anyref = ValType::Ref(RefType {
            nullable: true,
            heap: HeapType::Any,
        });
        CompositeType::Struct(
            vec![
                field(StorageType::Val(ValType::I32)),
                field(StorageType::Val(anyref)),
            ]
            .into(),
        )
    }

    /// Allocates, growing the heap as needed (as the store does when its
    /// limiter allows).
    fn alloc(
        heap: &mut GcHeap,
        type_id: u32,
        composite: &CompositeType,
        size: u64,
        length: u32,
    ) -> Result<u32, AllocationFailure> {
        match heap.allocate(type_id, composite, size, length) {
            Err(AllocationFailure::NeedsGrowth { desired }) => {
                assert!(heap.grow(desired));
                heap.allocate(type_id, composite, size, length)
            }
            other => other,
        }
    }

    #[test]
    fn objects_are_aligned_zeroed_and_checked() {
        let mut heap = GcHeap::new().unwrap();
        let a = alloc(&mut heap, 7, &plain(), 12, 0).unwrap();
        let b = alloc(&mut heap, 9, &bytes(), 16 + 3, 3).unwrap();
        assert_eq!((a, b), (8, 24));
        assert_eq!(heap.header(a), Some((ObjectKind::Struct, 7)));
        assert_eq!(heap.header(b), Some((ObjectKind::Array, 9)));
        assert_eq!(heap.header(0), None);
        assert_eq!(heap.header(b + 1), None);
        assert_eq!(heap.header(1 << 20), None);
        assert!(heap.fill_array(b, 1, 2, &[5]));
        assert!(!heap.fill_array(b, 2, 2, &[5]));
        assert!(!heap.fill_array(a, 0, 1, &[5]));
        let mut elements = [9; 3];
        heap.read_bytes(u64::from(b + ARRAY_ELEMENTS), &mut elements);
        assert_eq!(elements, [0, 5, 5]);
    }

    #[test]
    fn a_full_heap_refuses_allocations() {
        let mut heap = GcHeap::new().unwrap();
        assert_eq!(
            alloc(&mut heap, 1, &bytes(), 1 << 33, 0),
            Err(AllocationFailure::TooLarge)
        );
        assert_eq!(
            heap.allocate(2, &plain(), 8, 0),
            Err(AllocationFailure::NeedsGrowth { desired: MIN_CHUNK })
        );
        assert!(alloc(&mut heap, 2, &plain(), 8, 0).is_ok());
    }

    #[test]
    fn collection_keeps_what_roots_reach_and_reuses_the_rest() {
        let mut heap = GcHeap::new().unwrap();
        let size = u64::from(StructLayout::new(&[field(StorageType::I8); 2]).size);
        // A chain of three nodes, each referring to the previous one, and
        // garbage between them.
        let mut previous = 0u32;
        let mut chain = Vec::new();
        for value in 1u32..=3 {
            let garbage = alloc(&mut heap, 2, &plain(), 12, 0).unwrap();
            let node = alloc(&mut heap, 1, &node(), size, 0).unwrap();
            heap.write_field(node, 8, &value.to_le_bytes());
            heap.write_field(node, 12, &previous.to_le_bytes());
            heap.write_field(garbage, 8, &[0xff; 4]);
            previous = node;
            chain.push(node);
        }
        heap.start_marking();
        heap.mark_from(&[previous], &mut Vec::new());
        let stats = heap.finish_collection();
        assert_eq!(stats.live_bytes, 3 * 16);
        assert_eq!(stats.freed_bytes, 3 * 16);
        for &node in &chain {
            assert_eq!(heap.header(node), Some((ObjectKind::Struct, 1)));
        }
        // A freed chunk is handed out again, zeroed.
        let reused = alloc(&mut heap, 2, &plain(), 12, 0).unwrap();
        assert!(reused < chain[2]);
        let mut field = [9; 4];
        heap.read_bytes(u64::from(reused + 8), &mut field);
        assert_eq!(field, [0; 4]);
        // Without roots everything goes, and the bump pointer goes back.
        heap.start_marking();
        heap.finish_collection();
        assert_eq!(heap.next, OBJECT_ALIGN);
        assert_eq!(heap.header(chain[0]), None);
    }
}
