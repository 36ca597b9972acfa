//! The process-wide registry of JIT code: which address ranges hold
//! generated code, and which instructions in them are trap sites.
//!
//! Every compiled module registers its [`CodeMap`] here for as long as its
//! code may run. The trap handler asks [`trap_at`] whether a faulting pc is
//! one of our trap sites; backtraces use [`lookup`] to map a pc back to a
//! module.
//!
//! Subtle: [`trap_at`] and [`is_wasm_code`] run inside the signal handler.
//! They take the registry's read lock but never allocate. The lock cannot
//! deadlock there:
//! - a thread holds the write lock only for one `BTreeMap` insertion or
//!   removal, during which it takes no other lock and runs no wasm, so a
//!   handler waiting on another thread's write lock always gets it;
//! - a fault on a thread that itself holds the lock (read or write) would
//!   deadlock on re-entry, so every lock holder sets a thread-local flag
//!   first, and with the flag set the two queries answer "not wasm code"
//!   without touching the lock. Such a fault is in our own Rust code, never
//!   at a trap site, so the answer is right anyway.

use egret_frontend::code::CodeMap;
use egret_frontend::traps::TrapReason;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock};

/// Registered code, keyed by its end address (one past the last byte),
/// each with its start and the map describing it; the code that may
/// contain `pc` is the first entry whose key is greater than `pc`.
///
/// A map's code is one range, from its first function or trampoline to the
/// end of its last: `CodeMemory::load` puts a module's (or a trampoline's)
/// code in one mapping of its own, so the padding between its functions
/// never holds another map's code.
static REGISTRY: RwLock<BTreeMap<usize, Entry>> = RwLock::new(BTreeMap::new());

/// The code of one registered map.
#[derive(Debug)]
struct Entry {
    start: usize,
    map: Arc<CodeMap>,
}

thread_local! {
    /// Whether this thread holds (or is about to take) the registry lock.
    static IN_REGISTRY: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as inside the registry lock for its lifetime, so the
/// flag is cleared even if the locked section panics.
struct InRegistry;

impl InRegistry {
    fn enter() -> InRegistry {
        IN_REGISTRY.set(true);
        InRegistry
    }
}

impl Drop for InRegistry {
    fn drop(&mut self) {
        IN_REGISTRY.set(false);
    }
}

/// Runs `f` on the map registered for the code containing `pc`, under the
/// read lock. Allocation-free; returns `None` when this thread is already
/// inside the registry (see the module documentation).
fn with_map_at<R>(pc: usize, f: impl FnOnce(&Arc<CodeMap>) -> Option<R>) -> Option<R> {
    if IN_REGISTRY.get() {
        return None;
    }
    let _in = InRegistry::enter();
    let registry = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
    let (_, entry) = registry
        .range((Bound::Excluded(pc), Bound::Unbounded))
        .next()?;
    if pc < entry.start {
        return None;
    }
    f(&entry.map)
}

/// Keeps a code map registered; unregisters it when dropped.
///
/// Drop it only once none of the code it covers can run any more (before
/// freeing the code).
#[derive(Debug)]
#[must_use = "the code is unregistered when the registration is dropped"]
pub struct CodeRegistration {
    /// The registered map and the key of its entry (`None` for an empty
    /// map, which is not registered).
    map: Arc<CodeMap>,
    end: Option<usize>,
}

impl Drop for CodeRegistration {
    fn drop(&mut self) {
        let Some(end) = self.end else {
            return;
        };
        let _in = InRegistry::enter();
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        if registry
            .get(&end)
            .is_some_and(|e| Arc::ptr_eq(&e.map, &self.map))
        {
            registry.remove(&end);
        }
    }
}

/// Registers the code described by `map` until the returned registration
/// is dropped: everything from its first code range to the end of its
/// last, which must hold no other map's code (`CodeMemory::load`
/// gives each image a mapping of its own).
/// Registering a map that covers no code does nothing.
///
/// # Panics
///
/// If the map's address range overlaps code that is already registered,
/// which means code was freed without being unregistered first.
///
/// # Safety
///
/// The map must describe generated code that stays mapped until the
/// registration drops, keeps frame pointers, and faults only at its trap
/// sites as they say: the signal handler resumes a fault at a registered
/// trap site at the entry point that called wasm, skipping every frame in
/// between, which is sound only if those frames are this code's.
pub unsafe fn register(map: Arc<CodeMap>) -> CodeRegistration {
    let (start, end) = (map.start(), map.end());
    if start == end {
        return CodeRegistration { map, end: None };
    }
    let overlap = {
        let _in = InRegistry::enter();
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        let overlap = registry
            .range((Bound::Excluded(start), Bound::Unbounded))
            .next()
            .filter(|(_, other)| other.start < end)
            .map(|(other_end, other)| (other.start, *other_end));
        if overlap.is_none() {
            let entry = Entry {
                start,
                map: Arc::clone(&map),
            };
            registry.insert(end, entry);
        }
        overlap
    };
    if let Some((other_start, other_end)) = overlap {
        panic!(
            "code at {start:#x}..{end:#x} overlaps registered code at \
             {other_start:#x}..{other_end:#x}"
        );
    }
    CodeRegistration {
        map,
        end: Some(end),
    }
}

/// The code map of the registered code whose address range contains `pc`
/// (the padding between its functions included).
pub fn lookup(pc: usize) -> Option<Arc<CodeMap>> {
    with_map_at(pc, |map| Some(Arc::clone(map)))
}

/// The trap raised by the instruction at `pc`, if it is a trap site of
/// registered code. Allocation-free: usable from the signal handler.
pub fn trap_at(pc: usize) -> Option<TrapReason> {
    with_map_at(pc, |map| map.trap_at(pc))
}

/// Whether `pc` lies inside a registered function or trampoline.
/// Allocation-free: usable from the signal handler.
pub fn is_wasm_code(pc: usize) -> bool {
    with_map_at(pc, |map| map.range_at(pc).map(|_| ())).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use egret_frontend::code::{CodeKind, CodeRange, TrapSite};
    use egret_frontend::traps::Trap;
    use egret_frontend::types::FuncIndex;

    // Fake addresses: no code lives in the first pages of the address
    // space, and each test uses its own range since tests run in parallel.
    fn fake_map(start: usize) -> Arc<CodeMap> {
        Arc::new(CodeMap::new(
            vec![
                CodeRange {
                    start,
                    end: start + 0x40,
                    kind: CodeKind::Function(FuncIndex(0)),
                },
                CodeRange {
                    start: start + 0x80,
                    end: start + 0x100,
                    kind: CodeKind::Trampoline,
                },
            ],
            vec![TrapSite {
                pc: start + 0x10,
                kind: TrapReason::Wasm(Trap::UnreachableCodeReached),
            }],
        ))
    }

    #[test]
    fn lookups_see_registered_code_until_it_is_dropped() {
        let map = fake_map(0x1000);
        // SAFETY: made-up addresses that no code runs at.
        let registration = unsafe { register(Arc::clone(&map)) };
        assert!(Arc::ptr_eq(&lookup(0x1000).unwrap(), &map));
        assert!(Arc::ptr_eq(&lookup(0x10ff).unwrap(), &map));
        assert!(lookup(0x1100).is_none());
        assert!(lookup(0xfff).is_none());
        assert_eq!(
            trap_at(0x1010),
            Some(TrapReason::Wasm(Trap::UnreachableCodeReached))
        );
        assert_eq!(trap_at(0x1011), None);
        assert!(is_wasm_code(0x1000));
        assert!(is_wasm_code(0x1090));
        assert!(!is_wasm_code(0x1050), "gap between ranges");
        drop(registration);
        assert!(lookup(0x1000).is_none());
        assert_eq!(trap_at(0x1010), None);
    }

    #[test]
    fn empty_maps_are_not_registered() {
        // SAFETY: an empty map registers nothing.
        let registration = unsafe { register(Arc::new(CodeMap::default())) };
        assert!(registration.end.is_none());
        assert!(lookup(0).is_none());
    }

    #[test]
    fn adjacent_maps_are_told_apart() {
        let (a, b) = (fake_map(0x3000), fake_map(0x3100));
        // SAFETY: made-up addresses that no code runs at.
        let _ra = unsafe { register(Arc::clone(&a)) };
        // SAFETY: as above.
        let _rb = unsafe { register(Arc::clone(&b)) };
        assert!(Arc::ptr_eq(&lookup(0x30ff).unwrap(), &a));
        assert!(Arc::ptr_eq(&lookup(0x3100).unwrap(), &b));
    }

    #[test]
    #[should_panic(expected = "overlaps registered code")]
    fn overlapping_code_is_rejected() {
        // SAFETY: made-up addresses that no code runs at.
        let _first = unsafe { register(fake_map(0x5000)) };
        // SAFETY: as above.
        let _second = unsafe { register(fake_map(0x5080)) };
    }
}
