//! Copy-on-write images of a module's initialised linear memories.
//!
//! When a module's data segments are all known at compile time to land
//! inside the minimum size of memories the module defines (constant
//! offsets, no imported memory written), the state they leave each memory
//! in is the same for every instance. That state is written once into an
//! in-memory file (`memfd`, Linux) and every instance maps the file
//! privately over its memory instead of copying the segments: nothing is
//! copied or faulted in at instantiation, and pages are copied only when
//! an instance writes to them.
//!
//! Subtle: an image replaces *all* the module's active data segments, so
//! it is only built when none of them can trap (a trapping segment would
//! leave earlier ones applied and later ones not). Other modules, and
//! platforms without `memfd`, copy segments at instantiation as before.

use egret_frontend::module_info::{ConstOp, DataMode, ModuleInfo};
use std::sync::Arc;

/// One defined memory's initial contents, as a file mapped privately
/// over `[offset, offset + len)` of the memory.
#[derive(Debug)]
pub struct MemoryImage {
    #[cfg(target_os = "linux")]
    file: std::os::fd::OwnedFd,
    /// Where the image starts in the memory (host-page aligned).
    offset: usize,
    /// Its length (a multiple of the host page size).
    len: usize,
}

/// The images of a module's defined memories, index for index (`None`:
/// the memory has no data, or its segments are copied at instantiation).
#[derive(Debug, Default)]
pub struct MemoryImages {
    images: Vec<Option<Arc<MemoryImage>>>,
}

impl MemoryImages {
    /// Builds the images of `info`'s memories, if its data segments allow.
    /// Never fails: any obstacle (a segment that might trap, a refused
    /// system call) leaves the module copying its segments instead.
    pub fn build(info: &ModuleInfo) -> MemoryImages {
        let Some(placed) = placed_segments(info) else {
            return MemoryImages::default();
        };
        let defined = info.memories.len() - info.num_imported_memories as usize;
        let images = (0..defined)
            .map(|i| {
                let segments: Vec<(usize, &[u8])> = placed
                    .iter()
                    .filter(|(memory, _, bytes)| *memory == i && !bytes.is_empty())
                    .map(|(_, offset, bytes)| (*offset, *bytes))
                    .collect();
                MemoryImage::new(&segments).map(Arc::new)
            })
            .collect();
        MemoryImages { images }
    }

    /// The image of the module's `defined`th defined memory (imports not
    /// counted), if it has one.
    pub fn get(&self, defined: usize) -> Option<&Arc<MemoryImage>> {
        self.images.get(defined)?.as_ref()
    }
}

/// Every active data segment as (defined memory, byte offset, bytes), if
/// all of them have constant offsets and fit inside the minimum size of a
/// memory the module defines; `None` if any could trap.
fn placed_segments(info: &ModuleInfo) -> Option<Vec<(usize, usize, &[u8])>> {
    let mut placed = Vec::new();
    for segment in &info.data {
        let DataMode::Active { memory, offset } = &segment.mode else {
            continue;
        };
        let defined = memory.0.checked_sub(info.num_imported_memories)? as usize;
        let start = match offset.0.as_slice() {
            [ConstOp::I32(v)] => u64::from(*v as u32),
            [ConstOp::I64(v)] => *v as u64,
            _ => return None,
        };
        let ty = info.memories[memory.index()];
        let end = start.checked_add(segment.bytes.len() as u64)?;
        if ty.shared || end > ty.minimum.checked_mul(crate::memory::WASM_PAGE_SIZE)? {
            return None;
        }
        placed.push((defined, usize::try_from(start).ok()?, &segment.bytes[..]));
    }
    Some(placed)
}

impl MemoryImage {
    /// Where the image starts in the memory.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The image's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the image is empty (never true for a built image).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The image of `segments` (offset, bytes) applied in order, or `None`
    /// if there are none or the platform cannot make one.
    #[cfg(target_os = "linux")]
    fn new(segments: &[(usize, &[u8])]) -> Option<MemoryImage> {
        use std::os::unix::fs::FileExt;
        let page = region::page::size();
        let start = segments.iter().map(|(offset, _)| *offset).min()?;
        let end = segments
            .iter()
            .map(|(offset, bytes)| offset + bytes.len())
            .max()?;
        let offset = start - start % page;
        let len = (end - offset).div_ceil(page) * page;
        let file = std::fs::File::from(sys::memfd()?);
        file.set_len(len as u64).ok()?;
        for (at, bytes) in segments {
            file.write_all_at(bytes, (at - offset) as u64).ok()?;
        }
        let file = std::os::fd::OwnedFd::from(file);
        sys::seal(&file)?;
        Some(MemoryImage { file, offset, len })
    }

    /// No images without `memfd`: segments are copied.
    #[cfg(not(target_os = "linux"))]
    fn new(_segments: &[(usize, &[u8])]) -> Option<MemoryImage> {
        None
    }

    /// Maps the image privately over `[base + offset, base + offset + len)`
    /// with read-write access, replacing whatever was mapped there.
    ///
    /// # Safety
    /// The range must lie inside a reservation owned by the caller, with
    /// no live references into it.
    #[cfg(target_os = "linux")]
    pub unsafe fn map_at(&self, base: *mut u8) -> std::io::Result<()> {
        use std::os::fd::AsRawFd;
        // SAFETY: per the contract, the range is ours to replace; the file
        // is at least `len` bytes long (sealed against shrinking).
        unsafe { sys::map_file_fixed(base.add(self.offset), self.len, self.file.as_raw_fd()) }
    }

    /// Never called: no images exist without `memfd`.
    ///
    /// # Safety
    /// As on Linux.
    #[cfg(not(target_os = "linux"))]
    pub unsafe fn map_at(&self, _base: *mut u8) -> std::io::Result<()> {
        Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
    }
}

#[cfg(target_os = "linux")]
mod sys {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

    /// A new anonymous in-memory file that can be sealed.
    pub fn memfd() -> Option<OwnedFd> {
        // SAFETY: the name is a NUL-terminated string; the call has no
        // other memory effects.
        let fd = unsafe {
            libc::memfd_create(
                c"egret-memory-image".as_ptr(),
                libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
            )
        };
        // SAFETY: a non-negative result is a fresh descriptor we own.
        (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// Forbids any further change to the file's size or contents.
    pub fn seal(file: &OwnedFd) -> Option<()> {
        let seals =
            libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
        // SAFETY: fcntl on a descriptor we own; no memory is passed.
        let result = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) };
        (result == 0).then_some(())
    }

    /// `mmap(MAP_FIXED | MAP_PRIVATE)` of the file's first `len` bytes at
    /// `at`, read-write.
    ///
    /// # Safety
    /// `[at, at + len)` must be a range the caller owns and may replace.
    pub unsafe fn map_file_fixed(at: *mut u8, len: usize, fd: RawFd) -> std::io::Result<()> {
        // SAFETY: per the contract; MAP_FIXED replaces only that range.
        let mapped = unsafe {
            libc::mmap(
                at.cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                fd,
                0,
            )
        };
        if mapped == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "compiler", target_os = "linux"))]
mod tests {
    use super::*;

    fn info_of(wat: &str) -> ModuleInfo {
        use egret_frontend::compiler::Compiler;
        use egret_frontend::config::CompilerConfig;
        let mut config = CompilerConfig::default();
        config.features |= wasmparser::WasmFeatures::MULTI_MEMORY;
        let compiler = Compiler::new(config).unwrap();
        let wasm = wat::parse_str(wat).unwrap();
        compiler.compile(&wasm).unwrap().info().clone()
    }

    #[test]
    fn static_segments_make_an_image_of_the_pages_they_touch() {
        let info = info_of(
            r#"(module (memory 2)
                (data (i32.const 70000) "abc")
                (data (i32.const 70001) "XY"))"#,
        );
        let images = MemoryImages::build(&info);
        let image = images.get(0).expect("an image");
        let page = region::page::size();
        assert_eq!(image.offset(), 70000 - 70000 % page);
        assert_eq!(image.len(), page * (70003 - image.offset()).div_ceil(page));
        let mut bytes = vec![0u8; 3];
        use std::os::unix::fs::FileExt;
        let file = std::fs::File::from(image.file.try_clone().unwrap());
        file.read_exact_at(&mut bytes, (70000 - image.offset()) as u64)
            .unwrap();
        assert_eq!(&bytes, b"aXY", "later segments overwrite earlier ones");
    }

    #[test]
    fn segments_that_might_trap_give_no_images() {
        for wat in [
            // Beyond the minimum size.
            r#"(module (memory 1) (data (i32.const 65535) "ab"))"#,
            // Offset from a global.
            r#"(module (import "g" "g" (global i32)) (memory 1) (data (global.get 0) "a"))"#,
            // An imported memory, even alongside a defined one.
            r#"(module (import "m" "m" (memory 1)) (memory 1)
                 (data (memory 1) (i32.const 0) "a") (data (memory 0) (i32.const 0) "b"))"#,
        ] {
            let info = info_of(wat);
            let images = MemoryImages::build(&info);
            let defined = info.memories.len() - info.num_imported_memories as usize;
            for i in 0..defined {
                assert!(images.get(i).is_none(), "{wat}");
            }
        }
    }

    #[test]
    fn memories_without_data_have_no_image() {
        let info = info_of(r#"(module (memory 1) (memory 1) (data (memory 1) (i32.const 8) "x"))"#);
        let images = MemoryImages::build(&info);
        assert!(images.get(0).is_none());
        assert!(images.get(1).is_some());
    }
}
