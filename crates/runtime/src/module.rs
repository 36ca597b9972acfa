//! A compiled module as the runtime holds it: its code loaded into
//! executable memory and registered in the process-wide code registry (so
//! traps in it are recognised) for as long as any module handle or instance
//! needs it, and the copy-on-write images of its memories, built on first
//! instantiation.

use crate::code_memory::{CodeMemory, LoadError};
use crate::code_registry::{self, CodeRegistration};
use crate::engine::EngineInner;
use crate::memory_image::MemoryImages;
use crate::perf_map;
use egret_frontend::compiled::CompiledModule;
use egret_frontend::module_info::{ConstExpr, ElementItems};
use egret_frontend::types::{DefinedFuncIndex, TypeIndex};
use std::sync::{Arc, OnceLock};

/// A compiled, loaded, registered module.
#[derive(Debug)]
pub struct ModuleCode {
    // Declared first: unregistered before the code is freed.
    _registration: CodeRegistration,
    code: CodeMemory,
    // The engine's id of each of the module's types, which generated code
    // reads through the vmctx (`VMOffsets::TYPE_IDS`).
    type_ids: Box<[u32]>,
    compiled: CompiledModule,
    memory_images: OnceLock<MemoryImages>,
    allocating_segments: OnceLock<Box<[usize]>>,
}

impl ModuleCode {
    /// Loads `compiled`'s code and registers it so its traps are
    /// recognised, and offers its host trampolines to `engine` (whose type
    /// ids `compiled` has).
    pub fn new(
        compiled: CompiledModule,
        engine: &EngineInner,
    ) -> Result<Arc<ModuleCode>, LoadError> {
        let mut code = CodeMemory::load(compiled.image())?;
        let info = compiled.info();
        code.code_map_mut()
            .set_names(info.name.clone(), info.func_names.clone());
        // SAFETY: the code map of the code just loaded from the compiler's
        // image; it stays mapped as long as the registration (declared
        // first, dropped first).
        let registration = unsafe { code_registry::register(Arc::clone(code.code_map())) };
        if engine.runtime_config().perf_map {
            perf_map::record(code.code_map());
        }
        let type_ids = info.type_ids.iter().map(|id| id.0).collect();
        let module = Arc::new(ModuleCode {
            _registration: registration,
            code,
            type_ids,
            compiled,
            memory_images: OnceLock::new(),
            allocating_segments: OnceLock::new(),
        });
        engine.add_module_trampolines(&module);
        Ok(module)
    }

    /// The engine's id of each of the module's types, by type index.
    pub fn type_ids(&self) -> &[u32] {
        &self.type_ids
    }

    /// Address of a defined function's code (wasm calling convention).
    pub fn function_address(&self, index: DefinedFuncIndex) -> usize {
        self.code.address(self.compiled.function_position(index))
    }

    /// Address of the array-call trampoline for a type used by a defined
    /// function; 0 if no defined function has that type.
    pub fn array_call_address(&self, ty: TypeIndex) -> usize {
        self.compiled
            .array_call_position(ty)
            .map_or(0, |p| self.code.address(p))
    }

    /// Address of the host-call trampoline for a type, if it is a function
    /// type.
    pub fn host_call_address(&self, ty: TypeIndex) -> Option<usize> {
        self.compiled
            .host_call_position(ty)
            .map(|p| self.code.address(p))
    }

    /// The compiled module.
    pub fn compiled(&self) -> &CompiledModule {
        &self.compiled
    }

    /// The element segments whose items allocate GC objects, which every
    /// instantiation evaluates once (found on the first one).
    pub fn allocating_segments(&self) -> &[usize] {
        self.allocating_segments.get_or_init(|| {
            let elements = self.compiled.info().elements.iter().enumerate();
            elements
                .filter(|(_, segment)| match &segment.items {
                    ElementItems::Expressions(exprs) => exprs.iter().any(ConstExpr::allocates),
                    ElementItems::Functions(_) => false,
                })
                .map(|(i, _)| i)
                .collect()
        })
    }

    /// The initial images of the memories the module defines.
    pub fn memory_images(&self) -> &MemoryImages {
        self.memory_images
            .get_or_init(|| MemoryImages::build(self.compiled.info()))
    }
}
