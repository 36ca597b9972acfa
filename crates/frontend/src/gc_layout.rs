//! How GC objects lie in the store's GC heap: the object header, where a
//! struct's fields and an array's length and elements are, and how wide
//! each field is. Generated code and the runtime both follow it.
//!
//! A reference to an object is its 32-bit offset in the heap: always a
//! multiple of [`OBJECT_ALIGN`] and never 0 (null), so it cannot be
//! mistaken for an `i31` (odd). Every object starts with an 8-byte header:
//! the engine id of its type (`u32`, at [`TYPE_ID`]) and its kind (`u32`,
//! at [`KIND`]: [`KIND_STRUCT`] or [`KIND_ARRAY`]). A struct's fields
//! follow, each at a multiple of its own width; an array has its length
//! (`u32`, at [`ARRAY_LENGTH`]) and then its elements from
//! [`ARRAY_ELEMENTS`].
//!
//! References cross between the `extern` and `any` hierarchies
//! (`any.convert_extern`, `extern.convert_any`) without allocating: a
//! host reference (`externref` bits `index + 1`, below 2^30) becomes the
//! `anyref` `(index + 1) << 2 | 2` ([`HOST_IN_ANY_TAG`] in its low two
//! bits, which neither an `i31` nor an object has), and any other `anyref`
//! becomes the `externref` with [`ANY_IN_EXTERN`] set above its 32 bits.
//! Each conversion undoes the other.
//!
//! An `exnref` (a hierarchy of its own, never converted) is `n << 3 | 4`
//! for the store's exception number `n` ([`EXN_TAG`] in its low three
//! bits, which no object, `i31` or host reference has), so a frame's
//! stack map and a struct field can hold it beside `anyref`s and the
//! collector still tells them apart.
//!
//! The heap is one reservation of [`HEAP_RESERVATION`] bytes: 4 GiB,
//! which any 32-bit offset stays within, and [`HEAP_GUARD`] bytes of never
//! accessible pages beyond, which the largest struct fits in. So an
//! access at `base + reference + field offset`, or at an array element
//! whose offset is computed with 32-bit wrapping arithmetic, stays inside
//! the reservation even for a reference no valid program could make: the
//! heap is a sandbox whatever generated code does with it.

use crate::types::{FieldType, StorageType, ValType};

/// Alignment of every object, and so of every reference.
pub const OBJECT_ALIGN: u32 = 8;
/// Offset of the engine type id in the header.
pub const TYPE_ID: u32 = 0;
/// Offset of the kind in the header.
pub const KIND: u32 = 4;
/// Size of the header.
pub const HEADER_SIZE: u32 = 8;
/// The kind of a struct.
pub const KIND_STRUCT: u32 = 1;
/// The kind of an array.
pub const KIND_ARRAY: u32 = 2;
/// Offset of an array's length.
pub const ARRAY_LENGTH: u32 = 8;
/// Offset of an array's first element.
pub const ARRAY_ELEMENTS: u32 = 16;
/// The low two bits of an `anyref` that holds a host reference.
pub const HOST_IN_ANY_TAG: u32 = 2;
/// The low three bits of an `exnref`.
pub const EXN_TAG: u32 = 4;
/// The bit set in an `externref` that holds an `anyref`.
pub const ANY_IN_EXTERN: u64 = 1 << 63;
/// The largest object a heap can hold: 4 GiB, less the null offset it
/// never hands out, in whole `OBJECT_ALIGN`s.
pub const MAX_OBJECT_SIZE: u64 = (1 << 32) - 2 * OBJECT_ALIGN as u64;
/// Never-accessible bytes after the 4 GiB any reference can reach.
pub const HEAP_GUARD: u64 = 1 << 20;
/// Bytes of address space a GC heap reserves.
pub const HEAP_RESERVATION: u64 = (1 << 32) + HEAP_GUARD;

/// `any.convert_extern` of the `externref` bits `external`.
pub fn any_from_extern(external: u64) -> u32 {
    match external {
        0 => 0,
        wrapped if wrapped & ANY_IN_EXTERN != 0 => wrapped as u32,
        host => ((host as u32) << 2) | HOST_IN_ANY_TAG,
    }
}

/// `extern.convert_any` of the `anyref` bits `internal`.
pub fn extern_from_any(internal: u32) -> u64 {
    match internal {
        0 => 0,
        host if host & 3 == HOST_IN_ANY_TAG => u64::from(host >> 2),
        other => u64::from(other) | ANY_IN_EXTERN,
    }
}

/// Width in bytes of a field or element stored as `storage`.
pub fn field_size(storage: StorageType) -> u32 {
    match storage {
        StorageType::I8 => 1,
        StorageType::I16 => 2,
        StorageType::Val(ValType::I32 | ValType::F32) => 4,
        StorageType::Val(ValType::I64 | ValType::F64) => 8,
        StorageType::Val(ValType::V128) => 16,
        StorageType::Val(ValType::Ref(r)) if r.is_gc() => 4,
        StorageType::Val(ValType::Ref(_)) => 8,
    }
}

/// The layout of a struct type: each field's offset, and the size of
/// the whole object, header included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructLayout {
    /// Offset of each field, in order.
    pub offsets: Vec<u32>,
    /// Size of the object, a multiple of [`OBJECT_ALIGN`].
    pub size: u32,
}

impl StructLayout {
    /// Lays `fields` out in order, each at a multiple of its width (8 for
    /// `v128`, whose accesses need no alignment).
    pub fn new(fields: &[FieldType]) -> StructLayout {
        let mut end = HEADER_SIZE;
        let offsets = fields
            .iter()
            .map(|f| {
                let size = field_size(f.storage);
                let align = size.min(8);
                let offset = end.next_multiple_of(align);
                end = offset + size;
                offset
            })
            .collect();
        StructLayout {
            offsets,
            size: end.next_multiple_of(OBJECT_ALIGN),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(storage: StorageType) -> FieldType {
        FieldType {
            storage,
            mutable: true,
        }
    }

    #[test]
    fn fields_are_aligned_to_their_width_after_the_header() {
        let layout = StructLayout::new(&[
            field(StorageType::I8),
            field(StorageType::Val(ValType::I64)),
            field(StorageType::I16),
            field(StorageType::Val(ValType::V128)),
        ]);
        assert_eq!(layout.offsets, vec![8, 16, 24, 32]);
        assert_eq!(layout.size, 48);
        assert_eq!(StructLayout::new(&[]).size, HEADER_SIZE);
    }

    #[test]
    fn conversions_between_extern_and_any_undo_each_other() {
        for external in [0, 1, 7, (1 << 30) - 1] {
            assert_eq!(extern_from_any(any_from_extern(external)), external);
        }
        for internal in [0, 1, 8, 0xffff_fff8, 0xffff_ffff] {
            assert_eq!(any_from_extern(extern_from_any(internal)), internal);
        }
        assert_eq!(any_from_extern(3) & 3, HOST_IN_ANY_TAG);
    }

    #[test]
    fn the_largest_struct_fits_in_the_guard() {
        let fields = vec![field(StorageType::Val(ValType::V128)); 10_000];
        assert!(u64::from(StructLayout::new(&fields).size) < HEAP_GUARD);
    }
}
