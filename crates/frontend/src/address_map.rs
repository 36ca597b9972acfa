//! Which wasm instruction each byte of machine code was compiled from, so a
//! backtrace can name the offset of a trapping instruction or of a call in
//! the module's bytes (Wasmtime's `FrameInfo::module_offset` and
//! `func_offset`).
//!
//! The map is a sorted list of code offsets, each starting a run of code
//! that came from one wasm offset (or from none: prologues, epilogues and
//! the padding between functions); a run lasts until the next entry. Runs
//! of one function that share a wasm offset are merged, so the map holds
//! about one entry per wasm instruction that emitted code.

use serde::{Deserialize, Serialize};

/// Marks a run of code that no wasm instruction produced.
const NO_WASM_OFFSET: u32 = u32::MAX;

/// Where in the module the code at some offset came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct WasmPosition {
    /// Offset of the instruction in the module's bytes.
    pub module_offset: u32,
    /// Offset of the instruction from the start of its function's body.
    pub func_offset: u32,
}

/// Code offsets mapped to wasm offsets, for one function or a linked batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressMap {
    /// (code offset, wasm offset or `NO_WASM_OFFSET`), by code offset.
    runs: Vec<(u32, u32)>,
    /// (code offset of a function's first byte, module offset of its
    /// body), by code offset.
    bodies: Vec<(u32, u32)>,
}

impl AddressMap {
    /// The map of one function of `code_len` bytes whose wasm body starts
    /// at `body_offset` in the module, from its source-location ranges
    /// (start, end, wasm offset or `None`), sorted by start and disjoint,
    /// as Cranelift reports them.
    pub fn of_function(
        body_offset: u32,
        code_len: u32,
        ranges: impl IntoIterator<Item = (u32, u32, Option<u32>)>,
    ) -> AddressMap {
        let mut map = AddressMap {
            runs: Vec::new(),
            bodies: vec![(0, body_offset)],
        };
        let mut covered_to = 0;
        for (start, end, wasm_offset) in ranges {
            if start > covered_to {
                map.push_run(covered_to, NO_WASM_OFFSET);
            }
            map.push_run(start, wasm_offset.unwrap_or(NO_WASM_OFFSET));
            covered_to = end;
        }
        // What follows the last range (a constant pool, the padding before
        // the next function) is not from an instruction.
        map.push_run(covered_to.min(code_len), NO_WASM_OFFSET);
        map
    }

    /// Adds the entries of `other`, whose code was placed at `start` (past
    /// every entry already here).
    pub fn append(&mut self, other: &AddressMap, start: u32) {
        for &(offset, wasm_offset) in &other.runs {
            self.push_run(start + offset, wasm_offset);
        }
        self.bodies.extend(
            other
                .bodies
                .iter()
                .map(|&(offset, body)| (start + offset, body)),
        );
    }

    /// Where the code at `code_offset` came from, if from a wasm
    /// instruction.
    pub fn lookup(&self, code_offset: u32) -> Option<WasmPosition> {
        let run = self.runs.partition_point(|&(at, _)| at <= code_offset);
        let (_, module_offset) = self.runs[run.checked_sub(1)?];
        if module_offset == NO_WASM_OFFSET {
            return None;
        }
        let body = self.bodies.partition_point(|&(at, _)| at <= code_offset);
        let (_, body_offset) = self.bodies[body.checked_sub(1)?];
        Some(WasmPosition {
            module_offset,
            func_offset: module_offset.checked_sub(body_offset)?,
        })
    }

    /// Starts a run at `offset`, unless it continues the last one.
    fn push_run(&mut self, offset: u32, wasm_offset: u32) {
        match self.runs.last_mut() {
            Some(&mut (_, last)) if last == wasm_offset => {}
            // A run of no length is replaced by the one starting there.
            Some(last) if last.0 == offset => last.1 = wasm_offset,
            _ => self.runs.push((offset, wasm_offset)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(module_offset: u32, func_offset: u32) -> Option<WasmPosition> {
        Some(WasmPosition {
            module_offset,
            func_offset,
        })
    }

    #[test]
    fn runs_cover_their_instruction_and_gaps_have_none() {
        // Prologue 0..4, instructions at wasm 0x20 (4..10) and 0x22
        // (10..12, 12..16 merged), an epilogue 16..20.
        let map = AddressMap::of_function(
            0x1e,
            20,
            [
                (4, 10, Some(0x20)),
                (10, 12, Some(0x22)),
                (12, 16, Some(0x22)),
                (16, 20, None),
            ],
        );
        assert_eq!(map.runs.len(), 4);
        assert_eq!(map.lookup(0), None);
        assert_eq!(map.lookup(4), position(0x20, 2));
        assert_eq!(map.lookup(9), position(0x20, 2));
        assert_eq!(map.lookup(10), position(0x22, 4));
        assert_eq!(map.lookup(15), position(0x22, 4));
        assert_eq!(map.lookup(16), None);
        assert_eq!(map.lookup(500), None);
    }

    #[test]
    fn appended_functions_keep_their_own_bodies() {
        let first = AddressMap::of_function(0x10, 8, [(0, 8, Some(0x12))]);
        let second = AddressMap::of_function(0x40, 8, [(2, 6, Some(0x45))]);
        let mut batch = AddressMap::default();
        batch.append(&first, 0);
        batch.append(&second, 32);
        assert_eq!(batch.lookup(7), position(0x12, 2));
        // Padding between the two functions.
        assert_eq!(batch.lookup(20), None);
        assert_eq!(batch.lookup(32), None);
        assert_eq!(batch.lookup(33), None);
        assert_eq!(batch.lookup(34), position(0x45, 5));
        assert_eq!(batch.lookup(38), None);
    }

    #[test]
    fn an_empty_map_knows_nothing() {
        assert_eq!(AddressMap::default().lookup(0), None);
    }
}
