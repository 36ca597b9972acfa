//! References the host holds into a store's GC heap: roots of every
//! collection.
//!
//! Two kinds, as Wasmtime's `Rooted<T>` and `OwnedRooted<T>`:
//! - **Scoped (LIFO) roots**: pushed when a handle is made and dropped in
//!   bulk when the scope that made them ends (a host function call, a
//!   `RootScope`); a handle stays valid while its entry is there, checked
//!   by the serial number the entry and the handle share, so a handle used
//!   after its scope ended is detected even if its slot was reused.
//! - **Owned roots**: each lives until its last handle is dropped; the
//!   handles share a liveness token, and entries whose token has no
//!   handle left are trimmed at the next collection.
//!
//! Entries hold references in `externref` form (an `anyref` with
//! `ANY_IN_EXTERN` set), so one table serves both hierarchies.

use crate::gc_heap::{Referent, referent_of_extern};
use std::sync::{Arc, Weak};

/// A scoped root's place: its index and the serial number it was pushed
/// with.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct LifoSlot {
    index: usize,
    serial: u64,
}

/// A store's host roots.
#[derive(Debug, Default)]
pub struct HostRoots {
    /// Scoped roots as (reference, serial), innermost scope last.
    lifo: Vec<(u64, u64)>,
    /// Serial number of the next scoped root.
    next_serial: u64,
    /// Owned roots as (reference, liveness token of their handles).
    owned: Vec<(u64, Weak<()>)>,
}

impl HostRoots {
    /// Roots `reference` in the current scope.
    pub fn push(&mut self, reference: u64) -> LifoSlot {
        let slot = LifoSlot {
            index: self.lifo.len(),
            serial: self.next_serial,
        };
        self.next_serial += 1;
        self.lifo.push((reference, slot.serial));
        slot
    }

    /// Whether `slot`'s scope has not ended yet.
    pub fn is_live(&self, slot: LifoSlot) -> bool {
        self.lifo
            .get(slot.index)
            .is_some_and(|&(_, serial)| serial == slot.serial)
    }

    /// Where the current scope's roots start: pass it to
    /// [`HostRoots::end_scope`] to drop the roots pushed after this point.
    #[inline]
    pub fn scope_start(&self) -> usize {
        self.lifo.len()
    }

    /// Makes room for `additional` more scoped roots.
    pub fn reserve(&mut self, additional: usize) {
        self.lifo.reserve(additional);
    }

    /// Drops the scoped roots pushed since `start`.
    #[inline]
    pub fn end_scope(&mut self, start: usize) {
        self.lifo.truncate(start);
    }

    /// Roots `reference` until every clone of the returned token is
    /// dropped.
    pub fn push_owned(&mut self, reference: u64) -> Arc<()> {
        let token = Arc::new(());
        self.owned.push((reference, Arc::downgrade(&token)));
        token
    }

    /// What the roots lead to (objects and host values); trims owned
    /// roots whose handles are all gone.
    pub fn referents(&mut self) -> Vec<Referent> {
        self.owned.retain(|(_, token)| token.strong_count() > 0);
        self.lifo
            .iter()
            .map(|&(reference, _)| reference)
            .chain(self.owned.iter().map(|&(reference, _)| reference))
            .filter_map(referent_of_extern)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Referent::{HostValue, Object};
    use egret_frontend::gc_layout::ANY_IN_EXTERN;

    #[test]
    fn scopes_end_their_roots_and_slots_are_not_confused() {
        let mut roots = HostRoots::default();
        let outer = roots.push(ANY_IN_EXTERN | 8);
        let start = roots.scope_start();
        let inner = roots.push(ANY_IN_EXTERN | 16);
        assert_eq!(roots.referents(), [Object(8), Object(16)]);
        roots.end_scope(start);
        assert!(roots.is_live(outer));
        assert!(!roots.is_live(inner));
        // The slot is reused by a later root: the old handle stays dead.
        let reused = roots.push(ANY_IN_EXTERN | 24);
        assert!(!roots.is_live(inner));
        assert!(roots.is_live(reused));
        assert_eq!(roots.referents(), [Object(8), Object(24)]);
    }

    #[test]
    fn owned_roots_live_as_long_as_a_handle() {
        let mut roots = HostRoots::default();
        let token = roots.push_owned(ANY_IN_EXTERN | 32);
        let copy = token.clone();
        drop(token);
        assert_eq!(roots.referents(), [Object(32)]);
        drop(copy);
        assert_eq!(roots.referents(), []);
        // A host value is kept; an i31 (or null) leads nowhere.
        roots.push(7);
        roots.push(ANY_IN_EXTERN | 3);
        roots.push(0);
        assert_eq!(roots.referents(), [HostValue(7)]);
    }
}
