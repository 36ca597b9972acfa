//! Address-space reservations for linear memories, and an engine-wide pool
//! that reuses them across instances and stores.
//!
//! Reserving and releasing a 6 GiB region per instance costs more than
//! everything else instantiation does (page tables are freed and rebuilt,
//! the first access to each page faults). A released reservation is
//! instead reset in place — its pages dropped (`madvise(MADV_DONTNEED)`
//! on Linux), so it reads as zeros again, or as its memory image if one is
//! still mapped — and kept for the next memory of the same size. A memory
//! of the same module then needs no system call unless the previous one
//! grew: the image is already mapped and the accessible prefix already has
//! the right length.
//!
//! Every reservation asks for transparent huge pages (`MADV_HUGEPAGE`,
//! Linux). The kernel uses one only where a whole aligned huge page (2 MiB
//! on x86_64) is read-write, so a small memory keeps its small pages and
//! its resident size, while a memory of several MiB takes far fewer page
//! faults and TLB misses (docs/performance.md, "Huge pages").
//!
//! Subtle: generated code relies on every byte past a memory's current
//! length being inaccessible. A slot therefore always records exactly how
//! many leading bytes are read-write (`accessible`), and `prepare` makes
//! that exactly the memory's size before the slot is used.

use crate::memory_image::MemoryImage;
use std::sync::{Arc, Mutex};

/// Idle reservations kept per engine; more are unmapped on release.
const MAX_IDLE: usize = 32;

/// Slots with more accessible bytes than this are unmapped on release
/// rather than pooled, so the pool never holds large read-write ranges.
const MAX_POOLED_ACCESSIBLE: usize = 256 << 20;

/// One reserved region: its first `accessible` bytes are read-write and
/// hold zeros except where `image` is mapped; the rest is inaccessible.
pub struct Slot {
    allocation: region::Allocation,
    accessible: usize,
    image: Option<Arc<MemoryImage>>,
}

// SAFETY: a slot exclusively owns its reservation; whoever holds the slot
// (a memory, or the pool under its lock) is the only user of the region.
unsafe impl Send for Slot {}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("size", &self.size())
            .field("accessible", &self.accessible)
            .finish()
    }
}

impl Slot {
    /// Reserves `size` inaccessible bytes.
    pub fn reserve(size: usize) -> Result<Slot, region::Error> {
        let allocation = region::alloc(size.max(1), region::Protection::NONE)?;
        // SAFETY: the range is the reservation just made, which nothing
        // uses yet.
        unsafe { sys::advise_huge_pages(allocation.as_ptr::<u8>().cast_mut(), allocation.len()) };
        Ok(Slot {
            allocation,
            accessible: 0,
            image: None,
        })
    }

    /// The region's start.
    pub fn base(&self) -> *mut u8 {
        self.allocation.as_ptr::<u8>().cast_mut()
    }

    /// The region's size.
    pub fn size(&self) -> usize {
        self.allocation.len()
    }

    /// How many leading bytes are read-write.
    pub fn accessible(&self) -> usize {
        self.accessible
    }

    /// Makes the slot ready for a memory of `accessible` bytes whose
    /// initial contents are `image` (zeros elsewhere). On error the slot's
    /// state is unknown and it must be dropped.
    pub fn prepare(
        &mut self,
        accessible: usize,
        image: Option<&Arc<MemoryImage>>,
    ) -> std::io::Result<()> {
        if let Some(image) = image
            && image.offset() + image.len() > accessible
        {
            return Err(std::io::Error::other(
                "memory image beyond the memory's size",
            ));
        }
        let same_image = match (&self.image, image) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        if !same_image {
            if let Some(old) = self.image.take() {
                // The old image lies inside the accessible prefix: put zero
                // read-write pages back in its place.
                // SAFETY: the range is inside our reservation and no memory
                // uses the slot while it is being prepared.
                unsafe { sys::map_zeros(self.base().add(old.offset()), old.len(), true)? };
            }
            if let Some(image) = image {
                // SAFETY: as above; the image fits (checked first).
                unsafe { image.map_at(self.base())? };
                self.image = Some(image.clone());
            }
        }
        self.set_accessible(accessible)
    }

    /// Makes exactly `[0, len)` read-write, the rest inaccessible.
    pub fn set_accessible(&mut self, len: usize) -> std::io::Result<()> {
        if len > self.size() {
            return Err(std::io::Error::other("beyond the reservation"));
        }
        let (start, end, protection) = if len > self.accessible {
            (self.accessible, len, region::Protection::READ_WRITE)
        } else {
            (len, self.accessible, region::Protection::NONE)
        };
        if end > start {
            // SAFETY: the range lies inside our reservation (checked above)
            // and changing its protection affects only this slot.
            unsafe { region::protect(self.base().add(start), end - start, protection) }
                .map_err(std::io::Error::other)?;
        }
        self.accessible = len;
        Ok(())
    }

    /// Makes the mapped image's range, if any, read as zeros (the memory's
    /// contents when its data segments were never applied).
    pub fn discard_image(&mut self) {
        let Some(image) = self.image.take() else {
            return;
        };
        // SAFETY: the image range is inside the accessible prefix of our
        // reservation; the caller holds the slot exclusively.
        let start = unsafe { self.base().add(image.offset()) };
        // SAFETY: as above.
        if unsafe { sys::map_zeros(start, image.len(), true) }.is_err() {
            // The file stays mapped: overwrite its private copy instead,
            // and keep the image recorded, since a reset would bring its
            // contents back.
            // SAFETY: the range is read-write and exclusively ours.
            unsafe { start.write_bytes(0, image.len()) };
            self.image = Some(image);
        }
    }

    /// Whether the slot maps an image no module holds any more.
    fn holds_orphan_image(&self) -> bool {
        self.image
            .as_ref()
            .is_some_and(|image| Arc::strong_count(image) == 1)
    }

    /// Drops every page's contents so the slot reads as zeros again (or
    /// as its image where one is mapped). `false` if that failed.
    #[cfg(target_os = "linux")]
    fn reset(&mut self) -> bool {
        // SAFETY: the accessible prefix is inside our reservation and
        // nothing references the slot's memory any more (it is being
        // released). On Linux, dropped private pages keep their protection
        // and read back as zeros, or as the privately mapped file.
        unsafe { sys::drop_pages(self.base(), self.accessible) }.is_ok()
    }

    /// Drops every page's contents. Elsewhere `MADV_DONTNEED` does not
    /// promise zeros, so the prefix is replaced by fresh inaccessible
    /// pages (and any image with them). `false` if that failed.
    #[cfg(not(target_os = "linux"))]
    fn reset(&mut self) -> bool {
        // SAFETY: as on Linux.
        let done = self.accessible == 0
            || unsafe { sys::map_zeros(self.base(), self.accessible, false) }.is_ok();
        self.accessible = 0;
        self.image = None;
        done
    }
}

/// An engine's idle reservations of one standard size.
#[derive(Debug)]
pub struct MemoryPool {
    reservation: usize,
    idle: Mutex<Vec<Slot>>,
}

impl MemoryPool {
    /// A pool of reservations of `reservation` bytes.
    pub fn new(reservation: usize) -> MemoryPool {
        MemoryPool {
            reservation,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The size of the reservations this pool holds.
    pub fn reservation(&self) -> usize {
        self.reservation
    }

    /// A slot of the pool's size prepared for a memory of `accessible`
    /// bytes with initial contents `image`: an idle one (preferably last
    /// used with the same image) or a fresh reservation.
    pub fn acquire(
        &self,
        accessible: usize,
        image: Option<&Arc<MemoryImage>>,
    ) -> std::io::Result<Slot> {
        let idle = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            // Slots still mapping the image of a module that is gone can
            // never match again: unmap them.
            idle.retain(|slot| !slot.holds_orphan_image());
            let matching = idle.iter().rposition(|slot| match (&slot.image, image) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            });
            match matching {
                Some(i) => Some(idle.swap_remove(i)),
                None => idle.pop(),
            }
        };
        let mut slot = match idle {
            Some(slot) => slot,
            None => Slot::reserve(self.reservation).map_err(std::io::Error::other)?,
        };
        slot.prepare(accessible, image)?;
        Ok(slot)
    }

    /// Takes back a slot of this pool's size: reset and kept for reuse,
    /// or unmapped if the pool is full or the slot cannot be reset.
    pub fn release(&self, mut slot: Slot) {
        if slot.size() != self.reservation
            || slot.accessible > MAX_POOLED_ACCESSIBLE
            || slot.holds_orphan_image()
        {
            return;
        }
        if !slot.reset() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(slot);
        }
    }
}

mod sys {
    /// Maps fresh zero pages over `[at, at + len)`, read-write or
    /// inaccessible.
    ///
    /// # Safety
    /// The range must belong to a reservation the caller owns, with no
    /// live references into it.
    pub unsafe fn map_zeros(at: *mut u8, len: usize, writable: bool) -> std::io::Result<()> {
        let protection = if writable {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_NONE
        };
        // SAFETY: per the contract; MAP_FIXED replaces only that range.
        let mapped = unsafe {
            libc::mmap(
                at.cast(),
                len,
                protection,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if mapped == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        // A fresh mapping forgets the reservation's advice: give it again.
        // SAFETY: per the contract.
        unsafe { advise_huge_pages(at, len) };
        Ok(())
    }

    /// Asks the kernel to back `[at, at + len)` with transparent huge pages
    /// (2 MiB on x86_64) wherever a whole aligned huge page of it is
    /// read-write: far fewer TLB misses and page faults for a large linear
    /// memory or GC heap; none for a small memory, which never holds a
    /// whole huge page.
    ///
    /// # Safety
    /// As for `map_zeros`.
    #[cfg(target_os = "linux")]
    pub unsafe fn advise_huge_pages(at: *mut u8, len: usize) {
        // Advice only: a kernel built without transparent huge pages
        // refuses it (`EINVAL`), and the memory then works the same with
        // small pages, so the result is not checked. The contents and the
        // protection of the range do not change.
        // SAFETY: per the contract.
        let _ = unsafe { libc::madvise(at.cast(), len, libc::MADV_HUGEPAGE) };
    }

    /// Elsewhere there is no such advice.
    ///
    /// # Safety
    /// As for `map_zeros`.
    #[cfg(not(target_os = "linux"))]
    pub unsafe fn advise_huge_pages(_at: *mut u8, _len: usize) {}

    /// Discards the contents of `[at, at + len)` (`MADV_DONTNEED`).
    ///
    /// # Safety
    /// As for `map_zeros`.
    #[cfg(target_os = "linux")]
    pub unsafe fn drop_pages(at: *mut u8, len: usize) -> std::io::Result<()> {
        // SAFETY: per the contract.
        if len > 0 && unsafe { libc::madvise(at.cast(), len, libc::MADV_DONTNEED) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: usize = 1 << 30;

    #[test]
    fn released_slots_come_back_zeroed_with_exact_protection() {
        let pool = MemoryPool::new(SIZE);
        let mut slot = pool.acquire(3 * 65536, None).unwrap();
        let base = slot.base();
        // SAFETY: the first three pages of the slot are read-write.
        unsafe { base.add(3 * 65536 - 1).write(9) };
        slot.set_accessible(5 * 65536).unwrap();
        // SAFETY: now five are.
        unsafe { base.add(5 * 65536 - 1).write(7) };
        pool.release(slot);

        let slot = pool.acquire(65536, None).unwrap();
        assert_eq!(slot.base(), base, "the idle reservation is reused");
        assert_eq!(slot.accessible(), 65536);
        // SAFETY: the first page is read-write.
        assert_eq!(unsafe { base.add(65535).read() }, 0);
        let region = region::query(base.wrapping_add(65536)).unwrap();
        assert_eq!(region.protection(), region::Protection::NONE);
        pool.release(slot);

        let slot = pool.acquire(5 * 65536, None).unwrap();
        assert_eq!(slot.base(), base);
        // SAFETY: five pages are read-write again.
        let bytes = unsafe { std::slice::from_raw_parts(base, 5 * 65536) };
        assert!(bytes.iter().all(|b| *b == 0), "no data survives reuse");
    }

    #[cfg(all(feature = "compiler", target_os = "linux"))]
    #[test]
    fn images_map_on_reuse_and_die_with_their_module() {
        use crate::memory_image::MemoryImages;
        use egret_frontend::compiler::Compiler;
        use egret_frontend::config::CompilerConfig;
        let compiler = Compiler::new(CompilerConfig::default()).unwrap();
        let wasm = wat::parse_str(r#"(module (memory 1) (data (i32.const 5) "abc"))"#).unwrap();
        let images = MemoryImages::build(compiler.compile(&wasm).unwrap().info());
        let image = images.get(0).unwrap();
        let pool = MemoryPool::new(SIZE);
        let read = |slot: &Slot| {
            // SAFETY: the first page of a prepared slot is read-write.
            unsafe { std::slice::from_raw_parts(slot.base(), 8).to_vec() }
        };

        let slot = pool.acquire(65536, Some(image)).unwrap();
        assert_eq!(read(&slot), b"\0\0\0\0\0abc");
        // SAFETY: as above.
        unsafe { slot.base().add(5).write(b'X') };
        pool.release(slot);
        let mut slot = pool.acquire(65536, Some(image)).unwrap();
        assert_eq!(
            read(&slot),
            b"\0\0\0\0\0abc",
            "the image again, not the write"
        );
        slot.discard_image();
        assert_eq!(read(&slot), [0; 8]);
        pool.release(slot);

        let slot = pool.acquire(65536, Some(image)).unwrap();
        drop(images);
        pool.release(slot);
        assert!(
            pool.idle.lock().unwrap().is_empty(),
            "a slot mapping the image of a dropped module is not kept"
        );
    }

    /// The flags the kernel shows for the mapping that holds `address`
    /// (`VmFlags` in `/proc/self/smaps`).
    #[cfg(target_os = "linux")]
    fn vm_flags_at(address: *const u8) -> String {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let address = address.addr();
        let mut inside = false;
        for line in smaps.lines() {
            let range = line.split_whitespace().next().and_then(|first| {
                let (start, end) = first.split_once('-')?;
                let start = usize::from_str_radix(start, 16).ok()?;
                let end = usize::from_str_radix(end, 16).ok()?;
                Some(start..end)
            });
            if let Some(range) = range {
                inside = range.contains(&address);
            } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                return flags.trim().to_string();
            }
        }
        panic!("no mapping holds {address:#x}")
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reservations_ask_for_huge_pages() {
        // Where advice is not kept, there is nothing to check: a kernel
        // without transparent huge pages refuses it, and an emulator such
        // as qemu-user (.ci/aarch64-qemu) accepts it without passing it on.
        // A probe mapping of our own tells.
        let probe = region::alloc(2 << 20, region::Protection::READ_WRITE).unwrap();
        let probe_base = probe.as_ptr::<u8>().cast_mut();
        // SAFETY: the probe is our own mapping, which nothing references.
        unsafe { sys::advise_huge_pages(probe_base, probe.len()) };
        if !vm_flags_at(probe_base).split(' ').any(|f| f == "hg") {
            eprintln!("skipped: this kernel (or emulator) keeps no huge page advice");
            return;
        }
        let pool = MemoryPool::new(SIZE);
        let mut slot = pool.acquire(8 << 20, None).unwrap();
        // The kernel keeps the advice as the mapping's `hg` flag, whatever
        // the system's huge page mode.
        assert!(vm_flags_at(slot.base()).split(' ').any(|f| f == "hg"));
        // Growing keeps it (the read-write part of the reservation is the
        // same mapping, extended), and so does putting zero pages back
        // over a range.
        slot.set_accessible(16 << 20).unwrap();
        // SAFETY: the range is inside the slot's read-write prefix, and
        // nothing references it.
        unsafe { sys::map_zeros(slot.base(), 65536, true).unwrap() };
        assert!(vm_flags_at(slot.base()).split(' ').any(|f| f == "hg"));
        assert!(
            vm_flags_at(slot.base().wrapping_add(12 << 20))
                .split(' ')
                .any(|f| f == "hg")
        );
    }

    #[test]
    fn slots_of_another_size_are_not_pooled() {
        let pool = MemoryPool::new(SIZE);
        let slot = Slot::reserve(SIZE / 2).unwrap();
        pool.release(slot);
        assert!(pool.idle.lock().unwrap().is_empty());
    }
}
