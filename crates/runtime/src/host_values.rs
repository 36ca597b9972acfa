//! The host values of a store's `externref`s (what `ExternRef::new`
//! wraps), freed by the collector once no reference reaches them.
//!
//! An `externref` made by the host holds its value's id (from 1) in its
//! bits; `any.convert_extern` keeps the id in an `anyref` (see
//! `gc_layout`). Ids of freed values are reused, which is sound because a
//! value is freed only when a complete collection found no reference to
//! it anywhere: frames, globals, tables, objects, exceptions, host roots.

use std::any::Any;

/// A value the host wrapped in an `externref`.
pub type HostValue = Box<dyn Any + Send + Sync>;

/// Fewest live values before making more triggers a collection.
const MIN_VALUES_BEFORE_COLLECTION: usize = 1024;

/// A store's host values, by id.
#[derive(Default)]
pub struct HostValues {
    /// Slot `id - 1` holds value `id`, or nothing once it was freed.
    slots: Vec<Option<HostValue>>,
    /// Ids of empty slots, reused first.
    free: Vec<u32>,
    /// Values held now.
    live: usize,
    /// Values held right after the last collection.
    live_after_collection: usize,
}

impl HostValues {
    /// Keeps `value` and returns its id; `None` if the ids are exhausted.
    pub fn insert(&mut self, value: HostValue) -> Option<u32> {
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id as usize - 1] = Some(value);
                id
            }
            None => {
                let id = u32::try_from(self.slots.len() + 1).ok()?;
                self.slots.push(Some(value));
                id
            }
        };
        self.live += 1;
        Some(id)
    }

    /// Value `id`, if it is held.
    pub fn get(&self, id: u64) -> Option<&(dyn Any + Send + Sync)> {
        let index = usize::try_from(id.checked_sub(1)?).ok()?;
        self.slots.get(index)?.as_deref()
    }

    /// Value `id` to change, if it is held.
    pub fn get_mut(&mut self, id: u64) -> Option<&mut (dyn Any + Send + Sync)> {
        let index = usize::try_from(id.checked_sub(1)?).ok()?;
        self.slots.get_mut(index)?.as_deref_mut()
    }

    /// Values held now.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no value is held.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Whether enough values were made since the last collection that the
    /// next one should collect first (the count doubled, and is past a
    /// minimum).
    pub fn wants_collection(&self) -> bool {
        self.live >= MIN_VALUES_BEFORE_COLLECTION.max(2 * self.live_after_collection)
    }

    /// Takes out every value whose id is not in `reachable` and returns
    /// them, for the caller to drop once the collection is over (their
    /// `Drop` is the embedder's code).
    pub fn sweep(&mut self, reachable: &[u32]) -> Vec<HostValue> {
        let mut kept = vec![false; self.slots.len()];
        for &id in reachable {
            if let Some(flag) = (id as usize).checked_sub(1).and_then(|i| kept.get_mut(i)) {
                *flag = true;
            }
        }
        let mut freed = Vec::new();
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if !kept[index]
                && let Some(value) = slot.take()
            {
                freed.push(value);
                self.free.push(index as u32 + 1);
            }
        }
        self.live -= freed.len();
        self.live_after_collection = self.live;
        freed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_values_are_freed_and_their_ids_reused() {
        let mut values = HostValues::default();
        let a = values.insert(Box::new("a")).unwrap();
        let b = values.insert(Box::new(2_u32)).unwrap();
        assert_eq!((a, b), (1, 2));
        let freed = values.sweep(&[b, 0, 99]);
        assert_eq!(freed.len(), 1);
        assert_eq!(freed[0].downcast_ref::<&str>(), Some(&"a"));
        assert!(values.get(u64::from(a)).is_none());
        assert_eq!(
            values.get(u64::from(b)).unwrap().downcast_ref(),
            Some(&2_u32)
        );
        assert_eq!(values.len(), 1);
        assert_eq!(values.insert(Box::new(3_u8)), Some(a));
        assert!(values.get(0).is_none());
    }

    #[test]
    fn collection_is_wanted_when_the_count_doubles() {
        let mut values = HostValues::default();
        for _ in 0..MIN_VALUES_BEFORE_COLLECTION - 1 {
            values.insert(Box::new(())).unwrap();
        }
        assert!(!values.wants_collection());
        values.insert(Box::new(())).unwrap();
        assert!(values.wants_collection());
        let all: Vec<u32> = (1..=MIN_VALUES_BEFORE_COLLECTION as u32).collect();
        assert!(values.sweep(&all).is_empty());
        assert!(!values.wants_collection());
        for _ in 0..MIN_VALUES_BEFORE_COLLECTION {
            values.insert(Box::new(())).unwrap();
        }
        assert!(values.wants_collection());
    }
}
