//! Resource limits as the runtime sees them: the caps on how many
//! instances, memories and tables a store may hold, and the error for a
//! memory or table that may not be created. The embedder's limiter, which
//! decides whether a memory or table may be created or grown, is reached
//! through the store itself (`VMStore::memory_growing` and
//! `table_growing`), whether the host or wasm (`memory.grow`,
//! `table.grow`, through the libcalls) asks.

use crate::trap::HostError;

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
