//! Tables: growable arrays of references (funcref or externref), stored as
//! pointer-sized words with 0 for null.
//!
//! Subtle: generated code reads and writes elements through the
//! definition's `base`, which is the element vector's own pointer
//! (`Vec::as_mut_ptr`, which creates no reference); host-side slices of
//! the elements are made only while the owning store is borrowed, so no
//! wasm runs while they live. Every element is null or a valid reference
//! of the table's type owned by the table's store: writing anything else
//! is `unsafe` ([`Table::set`]).

use crate::vm_box::VmBox;
use crate::vmcontext::VMTableDefinition;
use egret_frontend::types::TableType;

/// Most elements a table may hold, whatever its type says: keeps a hostile
/// `table.grow` from exhausting host memory.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// A table.
pub struct Table {
    // Its address, which vmctxs hold, never changes; read by generated
    // code, written here only.
    definition: VmBox<VMTableDefinition>,
    elements: Vec<usize>,
    ty: TableType,
}

// SAFETY: the definition only points into `elements`, owned by the table;
// access is serialised by the owning store.
unsafe impl Send for Table {}
// SAFETY: as above.
unsafe impl Sync for Table {}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("ty", &self.ty)
            .field("size", &self.size())
            .finish()
    }
}

impl Table {
    /// A table of `ty.minimum` elements, all `init` (null or a reference
    /// of the table's type owned by its store). `None` if the minimum
    /// exceeds `MAX_TABLE_ELEMENTS` or the host is out of memory.
    pub(crate) fn new(ty: TableType, init: usize) -> Option<Table> {
        if ty.minimum > MAX_TABLE_ELEMENTS {
            return None;
        }
        let mut elements = Vec::new();
        // Never aborts on allocation failure, unlike `vec![..]`.
        elements.try_reserve_exact(ty.minimum as usize).ok()?;
        elements.resize(ty.minimum as usize, init);
        let definition = VmBox::new(VMTableDefinition {
            base: elements.as_mut_ptr(),
            current_elements: ty.minimum,
        });
        Some(Table {
            definition,
            elements,
            ty,
        })
    }

    /// The table's type (its minimum is the size at creation).
    pub fn ty(&self) -> TableType {
        self.ty
    }

    /// Current number of elements.
    pub fn size(&self) -> u64 {
        self.elements.len() as u64
    }

    /// The definition generated code reads (stable address).
    pub fn definition(&self) -> *mut VMTableDefinition {
        self.definition.as_ptr()
    }

    /// Element `index`, if in bounds.
    pub fn get(&self, index: u64) -> Option<usize> {
        self.elements.get(usize::try_from(index).ok()?).copied()
    }

    /// Sets element `index`; `false` if out of bounds.
    ///
    /// # Safety
    /// `value` must be 0 (null) or a reference of the table's element type
    /// owned by the table's store: generated code calls and dereferences
    /// what it finds in tables.
    pub unsafe fn set(&mut self, index: u64, value: usize) -> bool {
        match usize::try_from(index)
            .ok()
            .and_then(|i| self.elements.get_mut(i))
        {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// All elements.
    pub fn elements(&self) -> &[usize] {
        &self.elements
    }

    /// All elements, mutably; what the caller writes must be valid
    /// elements (see [`Table::set`]).
    pub(crate) fn elements_mut(&mut self) -> &mut [usize] {
        &mut self.elements
    }

    /// The most elements this table may ever hold: its declared maximum,
    /// capped by `MAX_TABLE_ELEMENTS`.
    fn max_elements(&self) -> u64 {
        self.ty
            .maximum
            .unwrap_or(u64::from(u32::MAX))
            .min(MAX_TABLE_ELEMENTS)
    }

    /// Grows by `delta` elements set to `init` (a valid element); returns
    /// the old size, or `None` if that would exceed the maximum or the host
    /// is out of memory (the table is then unchanged).
    pub(crate) fn grow(&mut self, delta: u64, init: usize) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        if new > self.max_elements() {
            return None;
        }
        // Never aborts on allocation failure, unlike a plain `resize`
        // (and keeps its amortised growth).
        self.elements.try_reserve(delta as usize).ok()?;
        self.elements.resize(new as usize, init);
        let definition = self.definition.as_ptr();
        // SAFETY: the definition is live; generated code does not run
        // while `&mut self` is held.
        unsafe {
            (*definition).base = self.elements.as_mut_ptr();
            (*definition).current_elements = new;
        }
        Some(old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egret_frontend::types::RefType;

    #[test]
    fn grow_keeps_definition_current() {
        let mut t = Table::new(TableType::new(RefType::FUNCREF, 1, Some(4)), 0).unwrap();
        assert_eq!(t.grow(2, 9), Some(1));
        // SAFETY: reading the definition the table keeps current.
        let def = unsafe { &*t.definition() };
        assert_eq!(def.current_elements, 3);
        assert_eq!(def.base, t.elements_mut().as_mut_ptr());
        assert_eq!(t.get(2), Some(9));
        assert_eq!(t.grow(2, 0), None);
        // SAFETY: out of bounds, so nothing is written.
        assert!(!unsafe { t.set(3, 1) });
    }
}
