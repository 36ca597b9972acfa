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
use egret_frontend::traps::TrapKind;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock};

/// Registered chunks of code, keyed by their end address (one past the
/// last byte), each with its start and the map describing it; the chunk
/// that may contain `pc` is the first one whose key is greater than `pc`.
///
/// A module's code need not be contiguous: the JIT places it in as many
/// page runs as it needs, and another module's pages may lie between them.
/// So each module registers one chunk per run of its code ranges, merging
/// only gaps smaller than a page (a foreign page cannot fit in those).
static REGISTRY: RwLock<BTreeMap<usize, Chunk>> = RwLock::new(BTreeMap::new());

/// Gaps between a module's code ranges below this size are merged into one
/// chunk. Pages are at least this large on every supported target.
const MERGE_GAP: usize = 4096;

/// One contiguous run of a module's code.
#[derive(Debug)]
struct Chunk {
    start: usize,
    map: Arc<CodeMap>,
}

/// The `(start, end)` runs of `map`'s code ranges.
fn chunks(map: &CodeMap) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for range in map.ranges() {
        match runs.last_mut() {
            Some(last) if range.start < last.1 + MERGE_GAP => last.1 = last.1.max(range.end),
            _ => runs.push((range.start, range.end)),
        }
    }
    runs
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
    let (_, chunk) = registry
        .range((Bound::Excluded(pc), Bound::Unbounded))
        .next()?;
    if pc < chunk.start {
        return None;
    }
    f(&chunk.map)
}

/// Keeps a code map registered; unregisters it when dropped.
///
/// Drop it only once none of the code it covers can run any more (before
/// freeing the code).
#[derive(Debug)]
#[must_use = "the code is unregistered when the registration is dropped"]
pub struct CodeRegistration {
    /// The registered map and the keys of its chunks (none for an empty map).
    map: Arc<CodeMap>,
    ends: Vec<usize>,
}

impl Drop for CodeRegistration {
    fn drop(&mut self) {
        if self.ends.is_empty() {
            return;
        }
        let _in = InRegistry::enter();
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        for end in &self.ends {
            if registry
                .get(end)
                .is_some_and(|c| Arc::ptr_eq(&c.map, &self.map))
            {
                registry.remove(end);
            }
        }
    }
}

/// Registers the code described by `map` until the returned registration
/// is dropped. Registering a map that covers no code does nothing.
///
/// # Panics
///
/// If the map's address range overlaps code that is already registered,
/// which means code was freed without being unregistered first.
pub fn register(map: Arc<CodeMap>) -> CodeRegistration {
    let runs = chunks(&map);
    let overlap = {
        let _in = InRegistry::enter();
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        let overlap = runs.iter().find_map(|&(start, end)| {
            registry
                .range((Bound::Excluded(start), Bound::Unbounded))
                .next()
                .filter(|(_, other)| other.start < end)
                .map(|(other_end, other)| (start, end, other.start, *other_end))
        });
        if overlap.is_none() {
            for &(start, end) in &runs {
                let chunk = Chunk {
                    start,
                    map: Arc::clone(&map),
                };
                registry.insert(end, chunk);
            }
        }
        overlap
    };
    if let Some((start, end, other_start, other_end)) = overlap {
        panic!(
            "code at {start:#x}..{end:#x} overlaps registered code at \
             {other_start:#x}..{other_end:#x}"
        );
    }
    CodeRegistration {
        ends: runs.iter().map(|&(_, end)| end).collect(),
        map,
    }
}

/// The code map of the registered code whose address range contains `pc`
/// (one of its chunks, gaps below a page included).
pub fn lookup(pc: usize) -> Option<Arc<CodeMap>> {
    with_map_at(pc, |map| Some(Arc::clone(map)))
}

/// The trap raised by the instruction at `pc`, if it is a trap site of
/// registered code. Allocation-free: usable from the signal handler.
pub fn trap_at(pc: usize) -> Option<TrapKind> {
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
                kind: TrapKind::UnreachableCodeReached,
            }],
        ))
    }

    #[test]
    fn lookups_see_registered_code_until_it_is_dropped() {
        let map = fake_map(0x1000);
        let registration = register(Arc::clone(&map));
        assert!(Arc::ptr_eq(&lookup(0x1000).unwrap(), &map));
        assert!(Arc::ptr_eq(&lookup(0x10ff).unwrap(), &map));
        assert!(lookup(0x1100).is_none());
        assert!(lookup(0xfff).is_none());
        assert_eq!(trap_at(0x1010), Some(TrapKind::UnreachableCodeReached));
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
        let registration = register(Arc::new(CodeMap::default()));
        assert!(registration.ends.is_empty());
        assert!(lookup(0).is_none());
    }

    #[test]
    fn adjacent_maps_are_told_apart() {
        let (a, b) = (fake_map(0x3000), fake_map(0x3100));
        let _ra = register(Arc::clone(&a));
        let _rb = register(Arc::clone(&b));
        assert!(Arc::ptr_eq(&lookup(0x30ff).unwrap(), &a));
        assert!(Arc::ptr_eq(&lookup(0x3100).unwrap(), &b));
    }

    #[test]
    fn another_module_may_sit_in_a_gap() {
        let gapped = Arc::new(CodeMap::new(
            vec![
                CodeRange {
                    start: 0x10000,
                    end: 0x10040,
                    kind: CodeKind::Function(FuncIndex(0)),
                },
                CodeRange {
                    start: 0x14000,
                    end: 0x14040,
                    kind: CodeKind::Function(FuncIndex(1)),
                },
            ],
            vec![],
        ));
        let _outer = register(Arc::clone(&gapped));
        let inner = fake_map(0x12000);
        let _inner = register(Arc::clone(&inner));
        assert!(Arc::ptr_eq(&lookup(0x12000).unwrap(), &inner));
        assert!(Arc::ptr_eq(&lookup(0x14000).unwrap(), &gapped));
        assert!(Arc::ptr_eq(&lookup(0x10000).unwrap(), &gapped));
        assert!(lookup(0x11000).is_none());
    }

    #[test]
    #[should_panic(expected = "overlaps registered code")]
    fn overlapping_code_is_rejected() {
        let _first = register(fake_map(0x5000));
        let _second = register(fake_map(0x5080));
    }
}
