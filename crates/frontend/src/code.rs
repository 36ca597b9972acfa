//! Where a compiled module's machine code lies and what it means: the
//! address range of every function and trampoline, the trap table, the
//! exception handlers of calls inside `try_table`, and the stack maps of
//! calls at which a frame holds GC references.
//!
//! The runtime registers one `CodeMap` per module in its global code
//! registry; the signal handler asks it "is this pc a trap site, and of
//! which kind?" and backtraces ask "which wasm function holds this pc?".
//! Both are binary searches over sorted vectors: no locks, no allocation.

use crate::address_map::{AddressMap, WasmPosition};
use crate::image::{HandlerSite, StackMap};
use crate::traps::TrapReason;
use crate::types::FuncIndex;
use std::collections::BTreeMap;

/// What a code range holds.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CodeKind {
    /// The body of a wasm function.
    Function(FuncIndex),
    /// A trampoline between the host and wasm.
    Trampoline,
}

/// One function's or trampoline's code.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CodeRange {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What it is.
    pub kind: CodeKind,
}

/// A trap site: the address of an instruction that may trap, and the kind.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TrapSite {
    /// Absolute address of the trapping instruction's first byte.
    pub pc: usize,
    /// The trap it raises.
    pub kind: TrapReason,
}

/// The code map of one compiled module (or of a batch of trampolines).
#[derive(Clone, Debug, Default)]
pub struct CodeMap {
    ranges: Vec<CodeRange>,
    traps: Vec<TrapSite>,
    /// Where the text whose offsets `handler_sites` and `stack_maps` hold
    /// was loaded.
    text_base: usize,
    handler_sites: Vec<HandlerSite>,
    stack_maps: Vec<StackMap>,
    addresses: AddressMap,
    module_name: Option<String>,
    func_names: BTreeMap<FuncIndex, String>,
}

impl CodeMap {
    /// Builds a map from unsorted ranges and trap sites.
    pub fn new(mut ranges: Vec<CodeRange>, mut traps: Vec<TrapSite>) -> CodeMap {
        ranges.sort_by_key(|r| r.start);
        traps.sort_by_key(|t| t.pc);
        CodeMap {
            ranges,
            traps,
            text_base: 0,
            handler_sites: Vec::new(),
            stack_maps: Vec::new(),
            addresses: AddressMap::default(),
            module_name: None,
            func_names: BTreeMap::new(),
        }
    }

    /// Attaches the exception handlers, stack maps (each sorted by return
    /// address, as in a `CodeImage`) and address map of a text loaded at
    /// `text_base`.
    pub fn set_text_metadata(
        &mut self,
        text_base: usize,
        handler_sites: Vec<HandlerSite>,
        stack_maps: Vec<StackMap>,
        addresses: AddressMap,
    ) {
        self.text_base = text_base;
        self.handler_sites = handler_sites;
        self.stack_maps = stack_maps;
        self.addresses = addresses;
    }

    /// The wasm instruction the code at `pc` was compiled from, if any.
    pub fn wasm_position(&self, pc: usize) -> Option<WasmPosition> {
        let offset = u32::try_from(pc.checked_sub(self.text_base)?).ok()?;
        self.addresses.lookup(offset)
    }

    /// The stack map of the call returning to `return_address`, if the
    /// caller's frame holds GC references there.
    pub fn stack_map(&self, return_address: usize) -> Option<&StackMap> {
        let offset = u32::try_from(return_address.checked_sub(self.text_base)?).ok()?;
        self.stack_maps
            .binary_search_by_key(&offset, |map| map.ret_addr)
            .ok()
            .map(|i| &self.stack_maps[i])
    }

    /// The handlers of the call returning to `return_address`, if it was
    /// made inside `try_table`; their offsets are relative to
    /// [`CodeMap::text_base`].
    pub fn handler_site(&self, return_address: usize) -> Option<&HandlerSite> {
        let offset = u32::try_from(return_address.checked_sub(self.text_base)?).ok()?;
        self.handler_sites
            .binary_search_by_key(&offset, |site| site.ret_addr)
            .ok()
            .map(|i| &self.handler_sites[i])
    }

    /// The address the offsets of handler sites are relative to.
    pub fn text_base(&self) -> usize {
        self.text_base
    }

    /// Attaches the names backtraces show (from the name section).
    pub fn set_names(&mut self, module: Option<String>, funcs: BTreeMap<FuncIndex, String>) {
        self.module_name = module;
        self.func_names = funcs;
    }

    /// The module's name, if it has one.
    pub fn module_name(&self) -> Option<&str> {
        self.module_name.as_deref()
    }

    /// A function's name, if it has one.
    pub fn func_name(&self, func: FuncIndex) -> Option<&str> {
        self.func_names.get(&func).map(String::as_str)
    }

    /// Lowest address covered (0 if empty).
    pub fn start(&self) -> usize {
        self.ranges.first().map_or(0, |r| r.start)
    }

    /// One past the highest address covered (0 if empty).
    pub fn end(&self) -> usize {
        self.ranges.iter().map(|r| r.end).max().unwrap_or(0)
    }

    /// Every code range, sorted by address.
    pub fn ranges(&self) -> &[CodeRange] {
        &self.ranges
    }

    /// Every trap site, sorted by address.
    pub fn trap_sites(&self) -> &[TrapSite] {
        &self.traps
    }

    /// The trap raised by the instruction at `pc`, if `pc` is a trap site.
    pub fn trap_at(&self, pc: usize) -> Option<TrapReason> {
        self.traps
            .binary_search_by_key(&pc, |t| t.pc)
            .ok()
            .map(|i| self.traps[i].kind)
    }

    /// The code range containing `pc`.
    pub fn range_at(&self, pc: usize) -> Option<&CodeRange> {
        let i = self.ranges.partition_point(|r| r.start <= pc);
        let r = self.ranges.get(i.checked_sub(1)?)?;
        (pc < r.end).then_some(r)
    }

    /// The wasm function containing `pc` (trampolines give `None`).
    pub fn func_at(&self, pc: usize) -> Option<FuncIndex> {
        match self.range_at(pc)?.kind {
            CodeKind::Function(f) => Some(f),
            CodeKind::Trampoline => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traps::Trap;

    #[test]
    fn lookups_find_exact_sites_and_containing_ranges() {
        let map = CodeMap::new(
            vec![
                CodeRange {
                    start: 200,
                    end: 260,
                    kind: CodeKind::Trampoline,
                },
                CodeRange {
                    start: 100,
                    end: 150,
                    kind: CodeKind::Function(FuncIndex(3)),
                },
            ],
            vec![TrapSite {
                pc: 120,
                kind: TrapReason::Wasm(Trap::MemoryOutOfBounds),
            }],
        );
        assert_eq!((map.start(), map.end()), (100, 260));
        assert_eq!(
            map.trap_at(120),
            Some(TrapReason::Wasm(Trap::MemoryOutOfBounds))
        );
        assert_eq!(map.trap_at(121), None);
        assert_eq!(map.func_at(100), Some(FuncIndex(3)));
        assert_eq!(map.func_at(149), Some(FuncIndex(3)));
        assert_eq!(map.func_at(150), None);
        assert_eq!(map.func_at(99), None);
        assert_eq!(map.func_at(210), None);
        assert!(map.range_at(210).is_some());
    }
}
