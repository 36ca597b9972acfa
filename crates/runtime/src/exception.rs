//! Exception objects, what an `exnref` refers to, and the error a thrown
//! exception is while it travels through the host.
//!
//! An exception is a tag and the values of its fields, created by wasm's
//! `throw` or by the host. A store keeps its exceptions in a list
//! ([`Exceptions`]) and an `exnref` is an [`ExnId`], its position plus one,
//! so 0 is the null reference. Nothing is freed before the store is
//! dropped (as with Wasmtime's null collector): exceptions are not GC
//! objects yet, and frames' stack maps do not record `exnref`s, so the
//! collector cannot tell when wasm no longer holds one. The fields are raw 16-byte value slots of the tag's parameter
//! types; an exception costs its fields and a 16-byte header. A store
//! that cannot allocate another one makes `throw` trap.
//!
//! When an exception leaves wasm uncaught, the runtime leaves it *pending*
//! in the store and the call fails with [`ThrownException`]; a host
//! function rethrows the pending exception into its wasm caller by
//! returning that error.

use crate::store::TagId;
use std::fmt;

/// An exception's reference: its position in the store's list plus one.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExnId(pub std::num::NonZeroU32);

impl ExnId {
    /// The reference generated code sees (never 0, which is null).
    pub fn to_raw(self) -> u32 {
        self.0.get()
    }

    /// The exception of a raw reference; `None` for null.
    pub fn from_raw(raw: u32) -> Option<ExnId> {
        std::num::NonZeroU32::new(raw).map(ExnId)
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
/// The fields of all exceptions share one vector, so creating one
/// allocates nothing most of the time.
#[derive(Default)]
pub struct Exceptions {
    headers: Vec<Header>,
    fields: Vec<u128>,
    pending: Option<ExnId>,
}

impl Exceptions {
    /// Adds an exception of `tag` with `fields`; `None` if the store holds
    /// `u32::MAX - 1` already or the memory for it cannot be allocated.
    pub fn create(&mut self, tag: TagId, fields: &[u128]) -> Option<ExnId> {
        let raw = u32::try_from(self.headers.len() + 1).ok()?;
        let id = ExnId::from_raw(raw)?;
        let len = u32::try_from(fields.len()).ok()?;
        self.headers.try_reserve(1).ok()?;
        self.fields.try_reserve(fields.len()).ok()?;
        self.headers.push(Header {
            tag,
            start: self.fields.len(),
            len,
        });
        self.fields.extend_from_slice(fields);
        Some(id)
    }

    /// The exception `id` refers to, if it is one of this store's.
    pub fn get(&self, id: ExnId) -> Option<ExceptionObject<'_>> {
        let header = self.headers.get(id.0.get() as usize - 1)?;
        Some(ExceptionObject {
            tag: header.tag,
            fields: &self.fields[header.start..header.start + header.len as usize],
        })
    }

    /// Every exception of the store.
    pub fn iter(&self) -> impl Iterator<Item = ExceptionObject<'_>> {
        self.headers.iter().map(|header| ExceptionObject {
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
