//! Exception objects, what an `exnref` refers to, and the error a thrown
//! exception is while it travels through the host.
//!
//! An exception is a tag and the values of its fields, created by wasm's
//! `throw` or by the host. A store keeps its exceptions in a table
//! ([`Exceptions`]) by number (from 1; numbers of freed exceptions are
//! reused), and an `exnref` is the number in the encoding of
//! `gc_layout::EXN_TAG`, so 0 is the null reference. The fields are raw
//! 16-byte value slots of the tag's parameter types; an exception costs
//! its fields and a 24-byte header. A store that cannot allocate another
//! one makes `throw` fail.
//!
//! Exceptions are collected with the GC heap (`store/gc.rs`): frames'
//! stack maps, globals, tables, struct fields and host roots find the
//! `exnref`s still held, the pending exception is a root, and the fields
//! of a reachable exception are traced like an object's. The rest are
//! freed by [`Exceptions::sweep`]. Without the GC proposal frames have no
//! stack maps, so nothing is collected and exceptions live as long as the
//! store.
//!
//! When an exception leaves wasm uncaught, the runtime leaves it *pending*
//! in the store and the call fails with [`ThrownException`]; a host
//! function rethrows the pending exception into its wasm caller by
//! returning that error.

use crate::store::TagId;
use egret_frontend::gc_layout::EXN_TAG;
use std::collections::HashSet;
use std::fmt;
use std::num::NonZeroU32;

/// Fewest live exceptions before making more triggers a collection.
const MIN_EXCEPTIONS_BEFORE_COLLECTION: usize = 1024;

/// An exception's number in its store (from 1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExnId(NonZeroU32);

impl ExnId {
    /// The most exceptions a store can hold: what the encoding fits.
    const MAX: u32 = u32::MAX >> 3;

    /// The reference generated code sees (never 0, which is null).
    pub fn to_raw(self) -> u32 {
        (self.0.get() << 3) | EXN_TAG
    }

    /// The exception of a raw reference; `None` for null (or bits that
    /// are not an `exnref`).
    pub fn from_raw(raw: u32) -> Option<ExnId> {
        if raw & 7 != EXN_TAG {
            return None;
        }
        NonZeroU32::new(raw >> 3).map(ExnId)
    }

    fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// One exception: its tag and field values.
#[derive(Copy, Clone, Debug)]
pub struct ExceptionObject<'a> {
    /// The tag it was thrown or created with.
    pub tag: TagId,
    /// One 16-byte value slot per parameter of the tag's type.
    pub fields: &'a [u128],
}

/// Where an exception's parts are in [`Exceptions`].
#[derive(Copy, Clone, Debug)]
struct Header {
    tag: TagId,
    /// Its first field in `Exceptions::fields`.
    start: usize,
    len: u32,
}

/// A store's exceptions, and the one that left wasm uncaught, if any.
/// The fields of all exceptions share one vector (compacted when
/// exceptions are freed), so creating one allocates nothing most of the
/// time.
#[derive(Default)]
pub struct Exceptions {
    /// Slot `n - 1` holds exception `n`, or nothing once it was freed.
    headers: Vec<Option<Header>>,
    /// Numbers of empty slots, reused first.
    free: Vec<ExnId>,
    fields: Vec<u128>,
    pending: Option<ExnId>,
    /// Exceptions held right after the last collection.
    live_after_collection: usize,
}

impl Exceptions {
    /// Adds an exception of `tag` with `fields`; `None` if the store holds
    /// as many as `exnref`s can name or the memory for it cannot be
    /// allocated.
    pub fn create(&mut self, tag: TagId, fields: &[u128]) -> Option<ExnId> {
        let len = u32::try_from(fields.len()).ok()?;
        self.fields.try_reserve(fields.len()).ok()?;
        let header = Header {
            tag,
            start: self.fields.len(),
            len,
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.headers[id.index()] = Some(header);
                id
            }
            None => {
                let number = u32::try_from(self.headers.len() + 1)
                    .ok()
                    .filter(|&n| n <= ExnId::MAX)?;
                self.headers.try_reserve(1).ok()?;
                self.headers.push(Some(header));
                ExnId(NonZeroU32::new(number)?)
            }
        };
        self.fields.extend_from_slice(fields);
        Some(id)
    }

    /// The exception `id` refers to, if the store holds it.
    pub fn get(&self, id: ExnId) -> Option<ExceptionObject<'_>> {
        let header = (*self.headers.get(id.index())?)?;
        Some(ExceptionObject {
            tag: header.tag,
            fields: &self.fields[header.start..header.start + header.len as usize],
        })
    }

    /// Makes `id` the pending exception, replacing any other.
    pub fn set_pending(&mut self, id: ExnId) {
        self.pending = Some(id);
    }

    /// The pending exception, left in place.
    pub fn pending(&self) -> Option<ExnId> {
        self.pending
    }

    /// Takes the pending exception.
    pub fn take_pending(&mut self) -> Option<ExnId> {
        self.pending.take()
    }

    /// Exceptions held now.
    pub fn len(&self) -> usize {
        self.headers.len() - self.free.len()
    }

    /// Whether the store holds no exception.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether enough exceptions were made since the last collection that
    /// making one should collect (the count doubled, and is past a
    /// minimum).
    pub fn wants_collection(&self) -> bool {
        self.len() >= MIN_EXCEPTIONS_BEFORE_COLLECTION.max(2 * self.live_after_collection)
    }

    /// Frees every exception whose number `reachable` does not hold, and
    /// compacts the fields of the rest.
    pub fn sweep(&mut self, reachable: &HashSet<ExnId>) {
        let mut fields = Vec::with_capacity(self.fields.len().min(self.len() * 2));
        for (index, slot) in self.headers.iter_mut().enumerate() {
            let Some(header) = slot else { continue };
            // `index + 1` is a number `create` handed out.
            let id = ExnId(NonZeroU32::MIN.saturating_add(index as u32));
            if reachable.contains(&id) {
                let old = header.start..header.start + header.len as usize;
                header.start = fields.len();
                fields.extend_from_slice(&self.fields[old]);
            } else {
                *slot = None;
                self.free.push(id);
            }
        }
        self.fields = fields;
        self.live_after_collection = self.len();
    }
}

/// The error of a call that ended with a wasm exception: the exception
/// is pending in the store (see [`Exceptions::pending`]). A host function
/// that returns this error while its store has a pending exception throws
/// that exception into the wasm that called it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrownException {
    /// Which tag the exception has, for the message.
    pub tag: String,
}

impl fmt::Display for ThrownException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "uncaught wasm exception ({})", self.tag)
    }
}

impl std::error::Error for ThrownException {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_references_round_trip_and_are_never_objects_or_i31s() {
        let id = ExnId(NonZeroU32::new(5).unwrap());
        let raw = id.to_raw();
        assert_eq!(ExnId::from_raw(raw), Some(id));
        assert_ne!(raw % 8, 0);
        assert_eq!(raw & 1, 0);
        assert_eq!(ExnId::from_raw(0), None);
        assert_eq!(ExnId::from_raw(16), None);
    }

    #[test]
    fn unreachable_exceptions_are_freed_and_their_numbers_reused() {
        let mut exceptions = Exceptions::default();
        let a = exceptions.create(TagId(0), &[1, 2]).unwrap();
        let b = exceptions.create(TagId(1), &[3]).unwrap();
        let c = exceptions.create(TagId(2), &[4, 5, 6]).unwrap();
        exceptions.sweep(&[c, a].into());
        assert_eq!(exceptions.len(), 2);
        assert!(exceptions.get(b).is_none());
        assert_eq!(exceptions.get(a).unwrap().fields, &[1, 2]);
        assert_eq!(exceptions.get(c).unwrap().fields, &[4, 5, 6]);
        assert_eq!(exceptions.fields.len(), 5);
        let d = exceptions.create(TagId(3), &[7]).unwrap();
        assert_eq!(d, b);
        assert_eq!(exceptions.get(d).unwrap().tag, TagId(3));
        assert_eq!(exceptions.get(d).unwrap().fields, &[7]);
    }

    #[test]
    fn collection_is_wanted_when_the_count_doubles() {
        let mut exceptions = Exceptions::default();
        let ids: Vec<ExnId> = (0..MIN_EXCEPTIONS_BEFORE_COLLECTION)
            .map(|_| exceptions.create(TagId(0), &[]).unwrap())
            .collect();
        assert!(exceptions.wants_collection());
        exceptions.sweep(&ids.into_iter().collect());
        assert!(!exceptions.wants_collection());
    }
}
