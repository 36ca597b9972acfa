//! References in raw slots (`wasmtime_val_raw_t`): the `anyref`,
//! `externref` and `exnref` fields are 32-bit numbers that cannot own
//! anything, so a reference put in one is kept by its store, and the
//! number is its position + 1 there (0 is null).
//!
//! How long a raw reference stays valid follows Wasmtime's rule: until the
//! next point where a collection may happen, that is, the next call into
//! wasm. Egret keeps each one at least that long and releases them in
//! stack order:
//! - a host callback's raw arguments stay until it returns, and whatever
//!   raw slots were made during it are released when it returns (its
//!   results are read first);
//! - `wasmtime_func_call_unchecked` and `wasmtime_context_gc` release the
//!   raw slots made since the innermost running callback's arguments (or,
//!   outside callbacks, all of them), once the call's arguments are read.
//!
//! So a loop of unchecked calls with references keeps a bounded number of
//! them, as in Wasmtime. A stale number names another live reference of
//! the same store or none (an error), never freed memory.

use crate::refs::KeptRef;
use crate::store::StoreData;
use egret_api::{AsContextMut, Val};

/// The references a store keeps for raw slots.
#[derive(Default)]
pub(crate) struct RawSlots {
    kept: Vec<KeptRef>,
    /// Slots below this belong to running callbacks and are not released
    /// by calls made inside them.
    floor: usize,
}

/// Where a running host callback's raw slots start, and the floor it
/// raised.
pub(crate) struct CallbackSlots {
    start: usize,
    outer_floor: usize,
}

impl RawSlots {
    /// Marks the entry of a host callback, before its arguments are put in
    /// raw slots.
    pub(crate) fn enter_callback(&self) -> CallbackSlots {
        CallbackSlots {
            start: self.kept.len(),
            outer_floor: self.floor,
        }
    }

    /// Keeps the raw slots made so far (the callback's arguments) until
    /// the callback returns.
    pub(crate) fn protect_arguments(&mut self) {
        self.floor = self.kept.len();
    }

    /// Releases every raw slot made since `callback` entered, once its
    /// results are read.
    pub(crate) fn leave_callback(&mut self, callback: CallbackSlots) {
        self.kept.truncate(callback.start);
        self.floor = callback.outer_floor;
    }

    /// Releases the raw slots no running callback protects: called when a
    /// collection may happen, after which Wasmtime's raw values are no
    /// longer valid.
    pub(crate) fn release_unprotected(&mut self) {
        self.kept.truncate(self.floor);
    }
}

/// The raw slot value of `val`'s reference: its position + 1 among the
/// store's raw slots (0 for null, a reference of another store, or when
/// 2^32 - 1 slots are live).
pub(crate) fn to_raw_slot(val: &Val, mut cx: impl AsContextMut<Data = StoreData>) -> u32 {
    let mut cx = cx.as_context_mut();
    let Ok(slot) = u32::try_from(cx.data().raw_refs.kept.len() + 1) else {
        return 0;
    };
    let Some(kept) = KeptRef::own(val, &mut cx) else {
        return 0;
    };
    cx.data_mut().raw_refs.kept.push(kept);
    slot
}

/// The value of a raw slot made by [`to_raw_slot`], rooted in the store's
/// current scope; `None` for 0 or a released slot.
pub(crate) fn from_raw_slot(raw: u32, mut cx: impl AsContextMut<Data = StoreData>) -> Option<Val> {
    let position = (raw as usize).checked_sub(1)?;
    let kept = cx.as_context().data().raw_refs.kept.get(position)?.clone();
    Some(kept.to_val(&mut cx))
}
