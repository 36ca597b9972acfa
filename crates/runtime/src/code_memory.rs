//! Loading a [`CodeImage`] into executable memory: map pages, copy the
//! text in, apply the host-symbol relocations, make the pages executable,
//! and describe the result as a [`CodeMap`] of absolute addresses for the
//! code registry. The memory is unmapped when the [`CodeMemory`] drops.
//!
//! Subtle: the pages are writable or executable, never both; the
//! instruction cache is made coherent with the copied bytes before the
//! code can run (a no-op on x86_64).

use egret_frontend::code::{CodeMap, CodeRange, TrapSite};
use egret_frontend::image::{CodeImage, HostRelocKind, HostSymbol};
use std::ffi::c_void;
use std::sync::Arc;

/// Why code could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("cannot load code: {0}")]
pub struct LoadError(String);

/// Executable memory holding one loaded image.
pub struct CodeMemory {
    // None for an image without code. Only owned: dropping it unmaps.
    _allocation: Option<region::Allocation>,
    starts: Vec<usize>,
    /// Shared with the code registry, which holds it while the code is
    /// registered.
    map: Arc<CodeMap>,
}

// SAFETY: the mapping is immutable (read and execute only) once loaded and
// owned by this value alone.
unsafe impl Send for CodeMemory {}
// SAFETY: as above; shared access only reads addresses.
unsafe impl Sync for CodeMemory {}

impl std::fmt::Debug for CodeMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeMemory")
            .field("start", &self.map.start())
            .field("end", &self.map.end())
            .finish()
    }
}

impl CodeMemory {
    /// Loads `image` at a fresh address.
    pub fn load(image: &CodeImage) -> Result<CodeMemory, LoadError> {
        let len = image.text.len();
        let allocation = if len == 0 {
            None
        } else {
            let mut allocation = region::alloc(len, region::Protection::READ_WRITE)
                .map_err(|e| LoadError(format!("cannot map {len} bytes: {e}")))?;
            let base = allocation.as_mut_ptr::<u8>();
            // SAFETY: the allocation is `len` writable bytes (at least; it is
            // rounded up to pages) and nothing else refers to it yet.
            unsafe { std::ptr::copy_nonoverlapping(image.text.as_ptr(), base, len) };
            for reloc in &image.host_relocs {
                let at = reloc.offset as usize;
                let HostRelocKind::Abs8 = reloc.kind;
                if at.checked_add(8).is_none_or(|end| end > len) {
                    return Err(LoadError(format!("relocation at {at:#x} outside the code")));
                }
                let value = (host_symbol(reloc.symbol) as u64).wrapping_add_signed(reloc.addend);
                // SAFETY: `at..at + 8` lies inside the copied text (checked).
                unsafe { base.add(at).cast::<u64>().write_unaligned(value) };
            }
            let size = allocation.len();
            // SAFETY: the pages are ours; after this they are only executed.
            unsafe { region::protect(base, size, region::Protection::READ_EXECUTE) }
                .map_err(|e| LoadError(format!("cannot make code executable: {e}")))?;
            // SAFETY: the range is the mapping just written.
            unsafe {
                wasmtime_internal_jit_icache_coherence::clear_cache(base as *const c_void, len)
            }
            .map_err(|e| LoadError(format!("cannot flush the instruction cache: {e}")))?;
            wasmtime_internal_jit_icache_coherence::pipeline_flush_mt()
                .map_err(|e| LoadError(format!("cannot flush the pipelines: {e}")))?;
            Some(allocation)
        };
        let base = allocation.as_ref().map_or(0, |a| a.as_ptr::<u8>().addr());
        let starts: Vec<usize> = image
            .functions
            .iter()
            .map(|f| base + f.start as usize)
            .collect();
        let ranges = image
            .functions
            .iter()
            .map(|f| CodeRange {
                start: base + f.start as usize,
                end: base + f.start as usize + f.len as usize,
                kind: f.kind,
            })
            .collect();
        let traps = image
            .traps
            .iter()
            .map(|&(offset, kind)| TrapSite {
                pc: base + offset as usize,
                kind,
            })
            .collect();
        let mut map = CodeMap::new(ranges, traps);
        map.set_text_metadata(
            base,
            image.handler_sites.clone(),
            image.stack_maps.clone(),
            image.addresses.clone(),
        );
        Ok(CodeMemory {
            _allocation: allocation,
            starts,
            map: Arc::new(map),
        })
    }

    /// Address of the image's `i`th function.
    pub fn address(&self, i: usize) -> usize {
        self.starts[i]
    }

    /// Ranges and trap sites of the loaded code.
    pub fn code_map(&self) -> &Arc<CodeMap> {
        &self.map
    }

    /// The code map, to attach names before it is registered (a copy of
    /// it if it already is).
    pub fn code_map_mut(&mut self) -> &mut CodeMap {
        Arc::make_mut(&mut self.map)
    }
}

/// The address of a host symbol.
fn host_symbol(symbol: HostSymbol) -> usize {
    match symbol {
        HostSymbol::CeilF32 => libm::ceilf as *const () as usize,
        HostSymbol::CeilF64 => libm::ceil as *const () as usize,
        HostSymbol::FloorF32 => libm::floorf as *const () as usize,
        HostSymbol::FloorF64 => libm::floor as *const () as usize,
        HostSymbol::TruncF32 => libm::truncf as *const () as usize,
        HostSymbol::TruncF64 => libm::trunc as *const () as usize,
        HostSymbol::NearestF32 => libm::nearbyintf as *const () as usize,
        HostSymbol::NearestF64 => libm::nearbyint as *const () as usize,
        HostSymbol::FmaF32 => libm::fmaf as *const () as usize,
        HostSymbol::FmaF64 => libm::fma as *const () as usize,
    }
}

/// The scalar math functions generated code may call, with the C ABI and
/// libm's semantics.
mod libm {
    pub extern "C" fn ceilf(x: f32) -> f32 {
        x.ceil()
    }
    pub extern "C" fn ceil(x: f64) -> f64 {
        x.ceil()
    }
    pub extern "C" fn floorf(x: f32) -> f32 {
        x.floor()
    }
    pub extern "C" fn floor(x: f64) -> f64 {
        x.floor()
    }
    pub extern "C" fn truncf(x: f32) -> f32 {
        x.trunc()
    }
    pub extern "C" fn trunc(x: f64) -> f64 {
        x.trunc()
    }
    pub extern "C" fn nearbyintf(x: f32) -> f32 {
        x.round_ties_even()
    }
    pub extern "C" fn nearbyint(x: f64) -> f64 {
        x.round_ties_even()
    }
    pub extern "C" fn fmaf(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
    pub extern "C" fn fma(a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egret_frontend::code::CodeKind;
    use egret_frontend::image::{FunctionLoc, HostReloc};

    fn image_with_reloc(offset: u32, addend: i64) -> CodeImage {
        CodeImage {
            text: vec![0xcc; 32],
            functions: vec![FunctionLoc {
                kind: CodeKind::Trampoline,
                start: 0,
                len: 32,
            }],
            traps: Vec::new(),
            host_relocs: vec![HostReloc {
                offset,
                kind: HostRelocKind::Abs8,
                symbol: HostSymbol::FloorF64,
                addend,
            }],
            ..CodeImage::default()
        }
    }

    #[test]
    fn host_symbol_relocations_are_patched_at_load() {
        let code = CodeMemory::load(&image_with_reloc(8, 16)).unwrap();
        let at = code.address(0) + 8;
        // SAFETY: the loaded code is 32 readable bytes; 8..16 holds the
        // patched address.
        let patched = unsafe { (at as *const u64).read_unaligned() };
        assert_eq!(patched, host_symbol(HostSymbol::FloorF64) as u64 + 16);
        // The bytes around it are the image's.
        // SAFETY: as above.
        assert_eq!(unsafe { *(code.address(0) as *const u8) }, 0xcc);
    }

    #[test]
    fn relocations_outside_the_text_are_refused() {
        assert!(CodeMemory::load(&image_with_reloc(28, 0)).is_err());
        assert!(CodeMemory::load(&image_with_reloc(u32::MAX, 0)).is_err());
    }
}
