//! State shared by everything made from one engine: the type registry, the
//! compiler (in builds with it), the host trampolines available per
//! signature, the epoch counter, the pool of linear-memory reservations and
//! the limits every store starts with.
//!
//! Host trampolines (wasm calling a host function) come first from the
//! loaded modules: each module's code carries one for every function type
//! it names, and the engine keeps weak references to them by signature. A
//! host function keeps the code of the trampoline it uses alive. Only a
//! signature no live module has is compiled on demand, and only in builds
//! with the compiler; without it, creating such a host function fails.

#[cfg(feature = "compiler")]
use crate::code_memory::CodeMemory;
#[cfg(feature = "compiler")]
use crate::code_registry::{self, CodeRegistration};
use crate::memory_pool::MemoryPool;
use crate::module::ModuleCode;
#[cfg(feature = "compiler")]
use crate::perf_map;
use egret_frontend::artifact::{ArtifactError, Expected, Fingerprint};
use egret_frontend::compiled::CompiledModule;
#[cfg(feature = "compiler")]
use egret_frontend::compiler::Compiler;
use egret_frontend::config::CompilerConfig;
use egret_frontend::error::CompileError;
use egret_frontend::registry::TypeRegistry;
use egret_frontend::target::Target;
use egret_frontend::types::{FuncType, SigId, TypeIndex};
use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, Weak};

/// Default maximum wasm stack: deep enough for real programs, far from the
/// host's 2 MiB (test threads) or 8 MiB (main thread) stacks.
pub const DEFAULT_MAX_WASM_STACK: usize = 512 * 1024;

/// Settings of an engine's runtime side.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Bytes of stack wasm may use below the point where the host entered it.
    pub max_wasm_stack: usize,
    /// Whether its stores' GC heaps are collected.
    pub collection: Collection,
    /// Whether the code it loads is listed in the process's perf map
    /// (`perf_map`), for profiling with Linux `perf`.
    pub perf_map: bool,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            max_wasm_stack: DEFAULT_MAX_WASM_STACK,
            collection: Collection::MarkSweep,
            perf_map: false,
        }
    }
}

/// Whether a store's GC heap is ever collected.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Collection {
    /// By the mark-sweep collector, when allocation wants it and when the
    /// embedder asks.
    MarkSweep,
    /// Never (Wasmtime's null collector): objects and host values live as
    /// long as their store, and an allocation fails once the heap cannot
    /// grow.
    Never,
}

/// What keeps a host trampoline's code mapped.
pub type TrampolineOwner = Arc<dyn Any + Send + Sync>;

/// A loaded module with a host trampoline for some signature, and the type
/// of the module's it belongs to.
type TrampolineSource = (Weak<ModuleCode>, TypeIndex);

/// A host trampoline compiled on its own.
#[cfg(feature = "compiler")]
struct StandaloneTrampoline {
    // Declared first: unregistered before the code is freed.
    _registration: CodeRegistration,
    code: CodeMemory,
}

/// An engine's shared state.
pub struct EngineInner {
    config: CompilerConfig,
    types: Arc<TypeRegistry>,
    /// What artifacts this engine loads must have been made with.
    expected: Expected,
    #[cfg(feature = "compiler")]
    compiler: Compiler,
    runtime: RuntimeConfig,
    epoch: AtomicU64,
    /// Where loaded modules have a host trampoline for each signature.
    module_trampolines: Mutex<HashMap<SigId, Vec<TrampolineSource>>>,
    #[cfg(feature = "compiler")]
    standalone_trampolines: Mutex<HashMap<SigId, Arc<StandaloneTrampoline>>>,
    memory_pool: Arc<MemoryPool>,
}

impl std::fmt::Debug for EngineInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineInner")
            .field("config", &self.config)
            .field("target", &self.expected.fingerprint.target)
            .field("runtime", &self.runtime)
            .finish()
    }
}

impl EngineInner {
    /// A new engine compiling for `target` (only the host in builds
    /// without the compiler).
    pub fn new(
        config: CompilerConfig,
        target: Target,
        runtime: RuntimeConfig,
    ) -> Result<Arc<EngineInner>, CompileError> {
        let types = Arc::<TypeRegistry>::default();
        #[cfg(feature = "compiler")]
        let (compiler, expected) = {
            let compiler = Compiler::for_target(config.clone(), target, types.clone())?;
            let expected = compiler.expected();
            (compiler, expected)
        };
        #[cfg(not(feature = "compiler"))]
        let expected = {
            if !target.is_host() {
                return Err(CompileError::Unsupported(
                    "this Egret is built without a compiler: its engines run \
                     precompiled modules for the host only"
                        .into(),
                ));
            }
            Expected::runtime_only(&config)
        };
        let reservation = config.tunables.memory_reservation;
        let memory_pool = Arc::new(MemoryPool::new(
            usize::try_from(reservation).unwrap_or(usize::MAX),
        ));
        Ok(Arc::new(EngineInner {
            config,
            types,
            expected,
            #[cfg(feature = "compiler")]
            compiler,
            runtime,
            epoch: AtomicU64::new(0),
            module_trampolines: Mutex::default(),
            #[cfg(feature = "compiler")]
            standalone_trampolines: Mutex::default(),
            memory_pool,
        }))
    }

    /// The compiler.
    #[cfg(feature = "compiler")]
    pub fn compiler(&self) -> &Compiler {
        &self.compiler
    }

    /// What the compiler is asked to do.
    pub fn config(&self) -> &CompilerConfig {
        &self.config
    }

    /// Whether this engine's code runs on this machine.
    pub fn targets_host(&self) -> bool {
        #[cfg(feature = "compiler")]
        return self.compiler.targets_host();
        #[cfg(not(feature = "compiler"))]
        true
    }

    /// What this engine's code is made with (with a compiler) or what it
    /// loads (without one): the compilation cache keys entries by it.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.expected.fingerprint
    }

    /// The target triple this engine's code is for.
    pub fn target_triple(&self) -> &str {
        &self.expected.fingerprint.target
    }

    /// Reads an artifact made for this engine.
    pub fn deserialize(&self, bytes: &[u8]) -> Result<CompiledModule, ArtifactError> {
        CompiledModule::deserialize(bytes, &self.expected, &self.types)
    }

    /// `module` as an artifact.
    pub fn serialize(&self, module: &CompiledModule) -> Vec<u8> {
        module.serialize(&self.expected.fingerprint)
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

    /// The engine-wide type registry.
    pub fn types(&self) -> &TypeRegistry {
        &self.types
    }

    /// The engine-wide id of a function type.
    pub fn sig_id(&self, ty: &FuncType) -> SigId {
        self.types.intern(ty)
    }

    /// The function type with id `id`.
    pub fn func_type(&self, id: SigId) -> FuncType {
        self.types
            .get(id)
            .expect("signature ids come from this engine's registry")
    }

    /// Offers the host trampolines of a module just loaded.
    pub(crate) fn add_module_trampolines(&self, module: &Arc<ModuleCode>) {
        let mut map = lock(&self.module_trampolines);
        let info = module.compiled().info();
        for (index, sig) in info.type_ids.iter().enumerate() {
            let ty = TypeIndex(index as u32);
            if module.host_call_address(ty).is_none() {
                continue;
            }
            let owners = map.entry(*sig).or_default();
            owners.retain(|(owner, _)| owner.strong_count() > 0);
            owners.push((Arc::downgrade(module), ty));
        }
    }

    /// The address of a host trampoline for functions of type `ty`, and
    /// what keeps its code mapped.
    pub fn host_trampoline(&self, ty: &FuncType) -> Result<(usize, TrampolineOwner), CompileError> {
        let id = self.sig_id(ty);
        {
            let mut map = lock(&self.module_trampolines);
            if let Some(owners) = map.get_mut(&id) {
                owners.retain(|(owner, _)| owner.strong_count() > 0);
                for (owner, index) in owners.iter() {
                    let Some(module) = owner.upgrade() else {
                        continue;
                    };
                    if let Some(address) = module.host_call_address(*index) {
                        return Ok((address, module));
                    }
                }
            }
        }
        self.standalone_trampoline(id, ty)
    }

    /// A host trampoline compiled on its own for a signature no live
    /// module has; kept as long as the engine.
    #[cfg(feature = "compiler")]
    fn standalone_trampoline(
        &self,
        id: SigId,
        ty: &FuncType,
    ) -> Result<(usize, TrampolineOwner), CompileError> {
        let mut map = lock(&self.standalone_trampolines);
        if let Some(t) = map.get(&id) {
            return Ok((t.code.address(0), t.clone()));
        }
        let image = self.compiler.compile_host_trampoline(ty)?;
        let code = CodeMemory::load(&image).map_err(|e| CompileError::Codegen(e.to_string()))?;
        // SAFETY: the code map of the trampoline just loaded from the
        // compiler's image; the code stays mapped as long as the
        // registration (see `StandaloneTrampoline`).
        let registration = unsafe { code_registry::register(Arc::clone(code.code_map())) };
        if self.runtime.perf_map {
            perf_map::record(code.code_map());
        }
        let trampoline = Arc::new(StandaloneTrampoline {
            _registration: registration,
            code,
        });
        map.insert(id, trampoline.clone());
        Ok((trampoline.code.address(0), trampoline))
    }

    #[cfg(not(feature = "compiler"))]
    fn standalone_trampoline(
        &self,
        _id: SigId,
        ty: &FuncType,
    ) -> Result<(usize, TrampolineOwner), CompileError> {
        Err(CompileError::Unsupported(format!(
            "this Egret is built without a compiler, and no module loaded in \
             this engine names the function type {ty}, whose host-call \
             trampoline a host function of that type needs"
        )))
    }
}

/// Locks `mutex`, whose data stays consistent even if a holder panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;
    use egret_frontend::types::ValType;

    fn engine() -> Arc<EngineInner> {
        EngineInner::new(
            CompilerConfig::default(),
            Target::Host,
            RuntimeConfig::default(),
        )
        .unwrap()
    }

    fn load(engine: &EngineInner, wat: &str) -> Arc<ModuleCode> {
        let wasm = wat::parse_str(wat).unwrap();
        let compiled = engine.compiler().compile(&wasm).unwrap();
        ModuleCode::new(compiled, engine).unwrap()
    }

    fn i32_to_i32() -> FuncType {
        FuncType::new([ValType::I32], [ValType::I32])
    }

    #[test]
    fn host_trampolines_come_from_live_modules_first() {
        let engine = engine();
        let module = load(
            &engine,
            r#"(module (type (func (param i32) (result i32)))
                       (import "host" "f" (func (param i64))))"#,
        );
        let (address, owner) = engine.host_trampoline(&i32_to_i32()).unwrap();
        let types = &module.compiled().info().types;
        let index = TypeIndex(
            types
                .iter()
                .position(|t| t.as_func() == Some(&i32_to_i32()))
                .unwrap() as u32,
        );
        assert_eq!(Some(address), module.host_call_address(index));
        let owner = owner.downcast::<ModuleCode>().expect("the module's code");
        assert!(Arc::ptr_eq(&owner, &module));

        // The trampoline keeps the module's code alive; once nothing does,
        // a trampoline is compiled on its own.
        drop(owner);
        drop(module);
        let (_, owner) = engine.host_trampoline(&i32_to_i32()).unwrap();
        assert!(owner.downcast::<StandaloneTrampoline>().is_ok());
    }

    #[test]
    fn equal_types_in_one_module_share_a_host_trampoline() {
        let engine = engine();
        let module = load(
            &engine,
            r#"(module (type (func (param i32) (result i32)))
                       (type (func))
                       (type (func (param i32) (result i32))))"#,
        );
        let at = |i| module.host_call_address(TypeIndex(i)).unwrap();
        assert_eq!(at(0), at(2));
        assert_ne!(at(0), at(1));
    }
}
