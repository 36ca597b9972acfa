//! Resource limits as the runtime sees them: the embedder's limiter, which
//! decides whether a memory or table may be created or grown, the caps on
//! how many instances, memories and tables a store may hold, and the
//! error for a memory or table that may not be created.
//!
//! The embedding layer builds the [`Limiter`] from the embedder's own
//! limiter (which lives in the embedder's store data) and registers it
//! with `StoreOpaque::set_limiter`; the store consults it for every
//! creation and growth, whether the host or wasm (`memory.grow`,
//! `table.grow`, through the libcalls) asks.

use crate::trap::HostError;

/// Decides whether memories and tables may reach a size. Memory sizes are
/// in bytes, table sizes in elements; `maximum` is the declared maximum.
/// A creation is asked as growth from 0 to the minimum.
pub trait Limiter: Send + Sync {
    /// Whether a memory may grow from `current` to `desired` bytes.
    /// `Ok(false)` refuses (wasm's `memory.grow` returns -1); an error
    /// stops the operation (wasm traps with the error as host error).
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, HostError>;

    /// Whether a table may grow from `current` to `desired` elements;
    /// like [`Limiter::memory_growing`].
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, HostError>;
}

/// How many instances, memories and tables a store may hold in all.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CountLimits {
    /// Instances (every successful or trapped instantiation counts).
    pub instances: usize,
    /// Memories, defined by instances or created by the host.
    pub memories: usize,
    /// Tables, defined by instances or created by the host.
    pub tables: usize,
}

impl Default for CountLimits {
    /// No caps.
    fn default() -> Self {
        CountLimits {
            instances: usize::MAX,
            memories: usize::MAX,
            tables: usize::MAX,
        }
    }
}

/// Why a memory or table was not created.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// A limit, a count cap, an implementation limit or the operating
    /// system refused it.
    #[error("{0}")]
    Refused(String),
    /// The embedder's limiter returned an error.
    #[error("{0}")]
    Limiter(HostError),
}
