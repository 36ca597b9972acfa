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
//! them, as in Wasmtime. A raw value is `position + 1` in its upper 24
//! bits and the *generation* of its slot in the lower 8: every release
//! starts a new generation, so a stale value whose position was reused is
//! almost always refused (an error) instead of naming another reference;
//! at worst (after 256 releases) it names another live reference of the
//! same store, never freed memory.

use crate::refs::KeptRef;
use crate::store::StoreData;
use egret_api::{AsContextMut, Val};

/// The references a store keeps for raw slots.
#[derive(Default)]
pub(crate) struct RawSlots {
    /// Each reference with the generation it was kept in.
    kept: Vec<(KeptRef, u8)>,
    /// Slots below this belong to running callbacks and are not released
    /// by calls made inside them.
    floor: usize,
    /// The generation new slots get; changes at every release.
    generation: u8,
}

/// Where a running host callback's raw slots start, and the floor it
/// raised.
pub(crate) struct CallbackSlots {
    start: usize,
    outer_floor: usize,
}

/// Bits of a raw value that hold the slot's generation.
const GENERATION_BITS: u32 = 8;

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
        self.release_from(callback.start);
        self.floor = callback.outer_floor;
    }

    /// Releases the raw slots no running callback protects: called when a
    /// collection may happen, after which Wasmtime's raw values are no
    /// longer valid.
    pub(crate) fn release_unprotected(&mut self) {
        self.release_from(self.floor);
    }

    /// Releases the slots from `start` on, starting a new generation if
    /// any went.
    fn release_from(&mut self, start: usize) {
        if start < self.kept.len() {
            self.kept.truncate(start);
            self.generation = self.generation.wrapping_add(1);
        }
    }

    /// Keeps `kept` and returns its raw value; 0 once 2^24 - 1 slots are
    /// live.
    fn push(&mut self, kept: KeptRef) -> u32 {
        let Some(number) = u32::try_from(self.kept.len() + 1)
            .ok()
            .filter(|&n| n < 1 << (32 - GENERATION_BITS))
        else {
            return 0;
        };
        self.kept.push((kept, self.generation));
        (number << GENERATION_BITS) | u32::from(self.generation)
    }

    /// The reference of raw value `raw`, if its slot is live and of the
    /// same generation.
    fn get(&self, raw: u32) -> Option<&KeptRef> {
        let position = ((raw >> GENERATION_BITS) as usize).checked_sub(1)?;
        let (kept, generation) = self.kept.get(position)?;
        (u32::from(*generation) == raw & ((1 << GENERATION_BITS) - 1)).then_some(kept)
    }
}

/// The raw slot value of `val`'s reference (0 for null, a reference of
/// another store, or when too many slots are live).
pub(crate) fn to_raw_slot(val: &Val, mut cx: impl AsContextMut<Data = StoreData>) -> u32 {
    let mut cx = cx.as_context_mut();
    let Some(kept) = KeptRef::own(val, &mut cx) else {
        return 0;
    };
    cx.data_mut().raw_refs.push(kept)
}

/// The value of a raw slot made by [`to_raw_slot`], rooted in the store's
/// current scope; `None` for 0 or a released slot.
pub(crate) fn from_raw_slot(raw: u32, mut cx: impl AsContextMut<Data = StoreData>) -> Option<Val> {
    let kept = cx.as_context().data().raw_refs.get(raw)?.clone();
    Some(kept.to_val(&mut cx))
}
