//! Resource limits: the [`ResourceLimiter`] trait an embedder implements to
//! decide how far memories and tables may grow and how many instances,
//! memories and tables a store may hold, and [`StoreLimits`], a ready-made
//! limiter with fixed caps. Install one with
//! [`Store::limiter`](crate::Store::limiter).

use crate::Result;

/// The instance cap of a [`ResourceLimiter`] that does not choose one.
///
/// ```
/// use egret::{DEFAULT_INSTANCE_LIMIT, ResourceLimiter, StoreLimits};
/// assert_eq!(StoreLimits::default().instances(), DEFAULT_INSTANCE_LIMIT);
/// ```
pub const DEFAULT_INSTANCE_LIMIT: usize = 10_000;
/// The table cap of a [`ResourceLimiter`] that does not choose one.
///
/// ```
/// use egret::{DEFAULT_TABLE_LIMIT, ResourceLimiter, StoreLimits};
/// assert_eq!(StoreLimits::default().tables(), DEFAULT_TABLE_LIMIT);
/// ```
pub const DEFAULT_TABLE_LIMIT: usize = 10_000;
/// The memory cap of a [`ResourceLimiter`] that does not choose one.
///
/// ```
/// use egret::{DEFAULT_MEMORY_LIMIT, ResourceLimiter, StoreLimits};
/// assert_eq!(StoreLimits::default().memories(), DEFAULT_MEMORY_LIMIT);
/// ```
pub const DEFAULT_MEMORY_LIMIT: usize = 10_000;

/// Decides whether a store's memories and tables may be created and grown,
/// and how many instances, memories and tables the store may hold.
///
/// The store asks before creating a memory or table (as growth from 0 to
/// its minimum size; a refusal fails the instantiation or the host's
/// `Memory::new`/`Table::new`) and before every growth, whether wasm
/// (`memory.grow`, `table.grow`) or the host ([`Memory::grow`],
/// [`Table::grow`]) asks. A refusal (`Ok(false)`) makes wasm's grow return
/// -1 and the host's fail with [`Error::Resource`](crate::Error::Resource);
/// an error stops the operation: wasm stops with it (not a trap: the call
/// into wasm returns it under its wasm backtrace, as a host function's
/// error), the host gets it back. Growth by 0 is always allowed without asking.
///
/// The counts are read once, when the limiter is installed.
///
/// [`Memory::grow`]: crate::Memory::grow
/// [`Table::grow`]: crate::Table::grow
///
/// ```
/// use egret::{Engine, Instance, Module, ResourceLimiter, Result, Store};
///
/// /// Lets memories grow to 2 pages and counts the requests.
/// #[derive(Default)]
/// struct TwoPages { requests: u32 }
///
/// impl ResourceLimiter for TwoPages {
///     fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> Result<bool> {
///         self.requests += 1;
///         Ok(desired <= 2 * 65536)
///     }
///     fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> Result<bool> {
///         Ok(true)
///     }
/// }
///
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module (memory 1)
///     (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#)?;
/// let mut store = Store::new(&engine, TwoPages::default());
/// store.limiter(|limits| limits);
/// let instance = Instance::new(&mut store, &module, &[])?;
/// let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow")?;
/// assert_eq!(grow.call(&mut store, 1)?, 1);  // 1 -> 2 pages: allowed
/// assert_eq!(grow.call(&mut store, 1)?, -1); // 2 -> 3 pages: refused
/// assert_eq!(store.data().requests, 3);      // creation, then two grows
/// # Ok::<(), egret::Error>(())
/// ```
pub trait ResourceLimiter {
    /// Whether a memory may grow from `current` to `desired` bytes;
    /// `maximum` is its declared maximum in bytes, if any.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool>;

    /// Whether a table may grow from `current` to `desired` elements;
    /// `maximum` is its declared maximum, if any.
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool>;

    /// How many instances the store may hold in all.
    fn instances(&self) -> usize {
        DEFAULT_INSTANCE_LIMIT
    }

    /// How many tables the store may hold in all (defined by instances or
    /// created by the host).
    fn tables(&self) -> usize {
        DEFAULT_TABLE_LIMIT
    }

    /// How many memories the store may hold in all (defined by instances
    /// or created by the host).
    fn memories(&self) -> usize {
        DEFAULT_MEMORY_LIMIT
    }
}

/// A [`ResourceLimiter`] with fixed caps, built with
/// [`StoreLimitsBuilder`]. By default it limits nothing but the counts
/// (to the `DEFAULT_*_LIMIT` constants).
///
/// ```
/// use egret::{Engine, Error, Module, Instance, Store, StoreLimits, StoreLimitsBuilder};
///
/// let engine = Engine::default();
/// let limits = StoreLimitsBuilder::new().memory_size(1 << 20).instances(2).build();
/// let mut store = Store::new(&engine, limits);
/// store.limiter(|limits| limits);
///
/// // 32 pages (2 MiB) is more than 1 MiB.
/// let big = Module::new(&engine, "(module (memory 32))")?;
/// assert!(matches!(Instance::new(&mut store, &big, &[]), Err(Error::Resource(_))));
///
/// let small = Module::new(&engine, "(module (memory 16))")?;
/// Instance::new(&mut store, &small, &[])?;
/// # Ok::<(), egret::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct StoreLimits {
    memory_size: Option<usize>,
    table_elements: Option<usize>,
    instances: usize,
    tables: usize,
    memories: usize,
    trap_on_grow_failure: bool,
}

impl Default for StoreLimits {
    fn default() -> StoreLimits {
        StoreLimits {
            memory_size: None,
            table_elements: None,
            instances: DEFAULT_INSTANCE_LIMIT,
            tables: DEFAULT_TABLE_LIMIT,
            memories: DEFAULT_MEMORY_LIMIT,
            trap_on_grow_failure: false,
        }
    }
}

impl StoreLimits {
    /// Limits that refuse nothing but more than the default counts.
    ///
    /// ```
    /// let mut store = egret::Store::new(&egret::Engine::default(), egret::StoreLimits::new());
    /// store.limiter(|limits| limits);
    /// ```
    pub fn new() -> StoreLimits {
        StoreLimits::default()
    }

    fn decide(&self, allowed: bool, what: &str, desired: usize) -> Result<bool> {
        if !allowed && self.trap_on_grow_failure {
            return Err(crate::Error::Resource(format!(
                "forcing a trap when growing {what} to {desired}"
            )));
        }
        Ok(allowed)
    }
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        let allowed = self.memory_size.is_none_or(|limit| desired <= limit);
        self.decide(allowed, "memory", desired)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        let allowed = self.table_elements.is_none_or(|limit| desired <= limit);
        self.decide(allowed, "table", desired)
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.tables
    }

    fn memories(&self) -> usize {
        self.memories
    }
}

/// Builds [`StoreLimits`].
///
/// ```
/// let limits = egret::StoreLimitsBuilder::new()
///     .memory_size(16 << 20)   // bytes, per memory
///     .table_elements(10_000)  // per table
///     .instances(10)
///     .tables(10)
///     .memories(1)
///     .build();
/// # drop(limits);
/// ```
#[derive(Clone, Debug, Default)]
pub struct StoreLimitsBuilder(StoreLimits);

impl StoreLimitsBuilder {
    /// Starts from [`StoreLimits::default`].
    pub fn new() -> StoreLimitsBuilder {
        StoreLimitsBuilder::default()
    }

    /// The most bytes any one memory may have.
    pub fn memory_size(mut self, bytes: usize) -> Self {
        self.0.memory_size = Some(bytes);
        self
    }

    /// The most elements any one table may have.
    pub fn table_elements(mut self, elements: usize) -> Self {
        self.0.table_elements = Some(elements);
        self
    }

    /// How many instances the store may hold.
    pub fn instances(mut self, count: usize) -> Self {
        self.0.instances = count;
        self
    }

    /// How many tables the store may hold.
    pub fn tables(mut self, count: usize) -> Self {
        self.0.tables = count;
        self
    }

    /// How many memories the store may hold.
    pub fn memories(mut self, count: usize) -> Self {
        self.0.memories = count;
        self
    }

    /// Whether a refused growth fails with an error (wasm traps) instead
    /// of returning -1 to wasm. Off by default.
    pub fn trap_on_grow_failure(mut self, trap: bool) -> Self {
        self.0.trap_on_grow_failure = trap;
        self
    }

    /// The limits.
    pub fn build(self) -> StoreLimits {
        self.0
    }
}

/// The closure that finds the embedder's limiter in the store's data.
pub(crate) type LimiterAccessor<T> =
    Box<dyn FnMut(&mut T) -> &mut (dyn ResourceLimiter) + Send + Sync>;
