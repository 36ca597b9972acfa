//! State shared by everything made from one engine: the compiler (with the
//! type registry), host trampolines compiled per signature, the epoch
//! counter, the pool of linear-memory reservations and the limits every
//! store starts with.

use crate::code_memory::CodeMemory;
use crate::code_registry::{self, CodeRegistration};
use crate::memory_pool::MemoryPool;
use egret_frontend::compiler::{Compiler, CompilerConfig};
use egret_frontend::error::CompileError;
use egret_frontend::target::Target;
use egret_frontend::types::{FuncType, SigId};
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// Default maximum wasm stack: deep enough for real programs, far from the
/// host's 2 MiB (test threads) or 8 MiB (main thread) stacks.
pub const DEFAULT_MAX_WASM_STACK: usize = 512 * 1024;

/// Settings of an engine's runtime side.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Bytes of stack wasm may use below the point where the host entered it.
    pub max_wasm_stack: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            max_wasm_stack: DEFAULT_MAX_WASM_STACK,
        }
    }
}

struct HostTrampoline {
    // Declared first: unregistered before the code is freed.
    _registration: CodeRegistration,
    code: CodeMemory,
}

/// An engine's shared state.
pub struct EngineInner {
    compiler: Compiler,
    runtime: RuntimeConfig,
    epoch: AtomicU64,
    host_trampolines: Mutex<HashMap<SigId, HostTrampoline>>,
    memory_pool: Arc<MemoryPool>,
}

impl std::fmt::Debug for EngineInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineInner")
            .field("compiler", &self.compiler)
            .field("runtime", &self.runtime)
            .finish()
    }
}

impl EngineInner {
    /// A new engine for the host.
    pub fn new(
        compiler: CompilerConfig,
        target: Target,
        runtime: RuntimeConfig,
    ) -> Result<Arc<EngineInner>, CompileError> {
        let compiler = Compiler::for_target(compiler, target)?;
        let reservation = compiler.config().tunables.memory_reservation;
        let memory_pool = Arc::new(MemoryPool::new(
            usize::try_from(reservation).unwrap_or(usize::MAX),
        ));
        Ok(Arc::new(EngineInner {
            compiler,
            runtime,
            epoch: AtomicU64::new(0),
            host_trampolines: Mutex::default(),
            memory_pool,
        }))
    }

    /// The compiler.
    pub fn compiler(&self) -> &Compiler {
        &self.compiler
    }

    /// Runtime settings.
    pub fn runtime_config(&self) -> &RuntimeConfig {
        &self.runtime
    }

    /// The idle linear-memory reservations of this engine's stores.
    pub fn memory_pool(&self) -> &Arc<MemoryPool> {
        &self.memory_pool
    }

    /// The epoch counter.
    pub fn epoch(&self) -> &AtomicU64 {
        &self.epoch
    }

    /// The engine-wide id of a function type.
    pub fn sig_id(&self, ty: &FuncType) -> SigId {
        self.compiler.types().intern(ty)
    }

    /// The function type with id `id`.
    pub fn func_type(&self, id: SigId) -> FuncType {
        self.compiler
            .types()
            .get(id)
            .expect("signature ids come from this engine's registry")
    }

    /// The host trampoline for functions of type `ty`, compiled on first use.
    pub fn host_trampoline(&self, ty: &FuncType) -> Result<usize, CompileError> {
        let id = self.sig_id(ty);
        let mut map = self
            .host_trampolines
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(t) = map.get(&id) {
            return Ok(t.code.address(0));
        }
        let image = self.compiler.compile_host_trampoline(ty)?;
        let code = CodeMemory::load(&image).map_err(|e| CompileError::Codegen(e.to_string()))?;
        // SAFETY: the code map of the trampoline just loaded from the
        // compiler's image; the code stays mapped as long as the registration (see `HostTrampoline`).
        let registration = unsafe { code_registry::register(Arc::new(code.code_map().clone())) };
        let address = code.address(0);
        map.insert(
            id,
            HostTrampoline {
                _registration: registration,
                code,
            },
        );
        Ok(address)
    }
}
