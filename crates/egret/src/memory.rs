//! Linear memories as the host sees them: size, growth, and byte access.

use crate::store::{AsContext, AsContextMut};
use crate::types::engine_form;
use crate::{Error, MemoryType, Result};
use egret_runtime::memory::WASM_PAGE_SIZE;
use egret_runtime::store::{MemoryId, StoreId};

/// A linear memory, owned by a store.
///
/// ```
/// use egret::{Engine, Memory, MemoryType, Store};
/// let engine = Engine::default();
/// let mut store = Store::new(&engine, ());
/// let memory = Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();
/// memory.write(&mut store, 100, b"hi").unwrap();
/// let mut buf = [0; 2];
/// memory.read(&store, 100, &mut buf).unwrap();
/// assert_eq!(&buf, b"hi");
/// assert_eq!(memory.grow(&mut store, 1).unwrap(), 1);
/// assert!(memory.grow(&mut store, 1).is_err());
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store: StoreId,
    pub(crate) id: MemoryId,
}

/// The default page size of WebAssembly memories, in bytes (a memory may
/// declare one-byte pages: see `MemoryType::page_size_log2`).
pub const PAGE_SIZE: u64 = WASM_PAGE_SIZE;

impl Memory {
    /// Creates a memory of type `ty` in the store. Fails if the type is
    /// shared (Egret has no threads), or the store's
    /// [`ResourceLimiter`](crate::ResourceLimiter) refuses it.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        let store = store.as_context_mut().0;
        if ty.is_shared() {
            return Err(Error::misuse(
                "shared memories (the threads proposal) are not supported by Egret",
            ));
        }
        let id = store
            .vm()
            .create_memory(ty.engine_form())
            .map_err(Error::from)?;
        Ok(Memory {
            store: store.id(),
            id,
        })
    }

    /// The memory's type; its minimum is the current size.
    ///
    /// # Panics
    /// If `store` is not the one the memory belongs to, as Wasmtime's;
    /// [`Memory::try_ty`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        crate::error::or_panic(self.try_ty(store), "Memory::ty")
    }

    /// [`Memory::ty`], with a foreign store as an error.
    pub fn try_ty(&self, store: impl AsContext) -> Result<MemoryType> {
        let store = store.as_context().0;
        store.check(self.store)?;
        let memory = store.opaque.memory(self.id);
        Ok(MemoryType::from_engine(engine_form::MemoryType {
            minimum: memory.pages(),
            ..memory.ty()
        }))
    }

    /// Current size in pages.
    ///
    /// # Panics
    /// If `store` is not the one the memory belongs to, as Wasmtime's;
    /// [`Memory::try_size`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn size(&self, store: impl AsContext) -> u64 {
        crate::error::or_panic(self.try_size(store), "Memory::size")
    }

    /// [`Memory::size`], with a foreign store as an error.
    pub fn try_size(&self, store: impl AsContext) -> Result<u64> {
        let store = store.as_context().0;
        store.check(self.store)?;
        Ok(store.opaque.memory(self.id).pages())
    }

    /// Current size in bytes.
    ///
    /// # Panics
    /// If `store` is not the one the memory belongs to, as Wasmtime's;
    /// [`Memory::try_data_size`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        crate::error::or_panic(self.try_data_size(store), "Memory::data_size")
    }

    /// [`Memory::data_size`], with a foreign store as an error.
    pub fn try_data_size(&self, store: impl AsContext) -> Result<usize> {
        let store = store.as_context().0;
        store.check(self.store)?;
        Ok(store.opaque.memory(self.id).byte_len())
    }

    /// The memory's bytes.
    ///
    /// # Panics
    /// If `store` is not the one the memory belongs to, as Wasmtime's;
    /// [`Memory::try_data`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn data<'a, T: 'a>(&self, store: impl Into<crate::StoreContext<'a, T>>) -> &'a [u8] {
        crate::error::or_panic(self.try_data(store), "Memory::data")
    }

    /// [`Memory::data`], with a foreign store as an error.
    pub fn try_data<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContext<'a, T>>,
    ) -> Result<&'a [u8]> {
        let store = store.into().0;
        store.check(self.store)?;
        Ok(store.opaque.memory(self.id).data())
    }

    /// The memory's bytes, mutably.
    ///
    /// # Panics
    /// If `store` is not the one the memory belongs to, as Wasmtime's;
    /// [`Memory::try_data_mut`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn data_mut<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContextMut<'a, T>>,
    ) -> &'a mut [u8] {
        crate::error::or_panic(self.try_data_mut(store), "Memory::data_mut")
    }

    /// [`Memory::data_mut`], with a foreign store as an error.
    pub fn try_data_mut<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContextMut<'a, T>>,
    ) -> Result<&'a mut [u8]> {
        let store = store.into().0;
        store.check(self.store)?;
        Ok(store.opaque.memory_mut(self.id).data_mut())
    }

    /// The address of the memory's first byte. It stays valid while the
    /// memory lives (Egret never moves a memory, growing it maps more of
    /// its reservation); reading or writing through it while wasm runs
    /// is the caller's responsibility, as in Wasmtime.
    ///
    /// # Panics
    /// If `store` is not the one the memory belongs to, as Wasmtime's.
    pub fn data_ptr(&self, store: impl AsContext) -> *mut u8 {
        let store = store.as_context().0;
        crate::error::or_panic(store.check(self.store), "Memory::data_ptr");
        store.opaque.memory(self.id).base()
    }

    /// The memory's bytes and the store's host data, both mutably, for host
    /// functions that work on guest memory with their own state.
    ///
    /// ```
    /// use egret::{Engine, Memory, MemoryType, Store};
    /// let engine = Engine::default();
    /// let mut store = Store::new(&engine, 0usize);
    /// let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    /// let (bytes, data) = memory.data_and_store_mut(&mut store);
    /// bytes[0] = 1;
    /// *data += bytes.len();
    /// assert_eq!(*store.data(), 65536);
    /// ```
    ///
    /// # Panics
    /// If `store` is not the one the memory belongs to, as Wasmtime's;
    /// [`Memory::try_data_and_store_mut`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn data_and_store_mut<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContextMut<'a, T>>,
    ) -> (&'a mut [u8], &'a mut T) {
        crate::error::or_panic(
            self.try_data_and_store_mut(store),
            "Memory::data_and_store_mut",
        )
    }

    /// [`Memory::data_and_store_mut`], with a foreign store as an error.
    pub fn try_data_and_store_mut<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContextMut<'a, T>>,
    ) -> Result<(&'a mut [u8], &'a mut T)> {
        let store = store.into().0;
        store.check(self.store)?;
        Ok((store.opaque.memory_mut(self.id).data_mut(), &mut store.data))
    }

    /// Grows by `delta` pages; returns the old size in pages. Fails with
    /// [`Error::Resource`] beyond the memory's maximum or when the store's
    /// [`ResourceLimiter`](crate::ResourceLimiter) refuses, or with the
    /// limiter's own error.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        store
            .vm()
            .grow_memory(self.id, delta)
            .map_err(Error::from_host_error)?
            .ok_or_else(|| Error::Resource(format!("cannot grow memory by {delta} pages")))
    }

    /// Copies bytes at `offset` into `buffer`; nothing if they are not
    /// all in bounds.
    ///
    /// # Panics
    /// If `store` is not the one the memory belongs to, as Wasmtime's;
    /// [`Memory::try_read`] returns [`Error::WrongStore`] instead.
    pub fn read(
        &self,
        store: impl AsContext,
        offset: usize,
        buffer: &mut [u8],
    ) -> std::result::Result<(), MemoryAccessError> {
        crate::error::or_panic(self.try_read(store, offset, buffer), "Memory::read")
    }

    /// [`Memory::read`], with a foreign store as an error.
    pub fn try_read(
        &self,
        store: impl AsContext,
        offset: usize,
        buffer: &mut [u8],
    ) -> Result<std::result::Result<(), MemoryAccessError>> {
        let store = store.as_context().0;
        store.check(self.store)?;
        let data = store.opaque.memory(self.id).data();
        Ok(bytes_at(data, offset, buffer.len()).map(|src| buffer.copy_from_slice(src)))
    }

    /// Copies `buffer` into memory at `offset`; nothing if it does not fit.
    ///
    /// # Panics
    /// If `store` is not the one the memory belongs to, as Wasmtime's;
    /// [`Memory::try_write`] returns [`Error::WrongStore`] instead.
    pub fn write(
        &self,
        store: impl AsContextMut,
        offset: usize,
        buffer: &[u8],
    ) -> std::result::Result<(), MemoryAccessError> {
        crate::error::or_panic(self.try_write(store, offset, buffer), "Memory::write")
    }

    /// [`Memory::write`], with a foreign store as an error.
    pub fn try_write(
        &self,
        mut store: impl AsContextMut,
        offset: usize,
        buffer: &[u8],
    ) -> Result<std::result::Result<(), MemoryAccessError>> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        let data = store.opaque.memory_mut(self.id).data_mut();
        Ok(bytes_at_mut(data, offset, buffer.len()).map(|dst| dst.copy_from_slice(buffer)))
    }
}

/// `len` bytes of `data` at `offset`, if they are all in bounds.
fn bytes_at(
    data: &[u8],
    offset: usize,
    len: usize,
) -> std::result::Result<&[u8], MemoryAccessError> {
    data.get(offset..)
        .and_then(|rest| rest.get(..len))
        .ok_or(MemoryAccessError(()))
}

/// [`bytes_at`], writable.
fn bytes_at_mut(
    data: &mut [u8],
    offset: usize,
    len: usize,
) -> std::result::Result<&mut [u8], MemoryAccessError> {
    data.get_mut(offset..)
        .and_then(|rest| rest.get_mut(..len))
        .ok_or(MemoryAccessError(()))
}

/// A host access to linear memory ([`Memory::read`], [`Memory::write`])
/// out of bounds, as Wasmtime's.
#[derive(Debug)]
pub struct MemoryAccessError(());

impl std::fmt::Display for MemoryAccessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("out of bounds memory access")
    }
}

impl std::error::Error for MemoryAccessError {}
