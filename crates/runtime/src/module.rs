//! A compiled module as the runtime holds it: the placed code plus its
//! registration in the process-wide code registry (so traps in it are
//! recognised) for as long as any module handle or instance needs it, and
//! the copy-on-write images of its memories, built on first instantiation.

use crate::code_registry::{self, CodeRegistration};
use crate::memory_image::MemoryImages;
use egret_frontend::compiler::CompiledModule;
use std::sync::{Arc, OnceLock};

/// A compiled, registered module.
#[derive(Debug)]
pub struct ModuleCode {
    // Declared first: unregistered before the code is freed.
    _registration: CodeRegistration,
    compiled: CompiledModule,
    memory_images: OnceLock<MemoryImages>,
}

impl ModuleCode {
    /// Registers `compiled`'s code so its traps are recognised.
    pub fn new(compiled: CompiledModule) -> Arc<ModuleCode> {
        // SAFETY: the module's code map, from the compiler; the code stays
        // mapped as long as the registration (declared first, dropped first).
        let registration =
            unsafe { code_registry::register(Arc::new(compiled.code().code_map().clone())) };
        Arc::new(ModuleCode {
            _registration: registration,
            compiled,
            memory_images: OnceLock::new(),
        })
    }

    /// The compiled module.
    pub fn compiled(&self) -> &CompiledModule {
        &self.compiled
    }

    /// The initial images of the memories the module defines.
    pub fn memory_images(&self) -> &MemoryImages {
        self.memory_images
            .get_or_init(|| MemoryImages::build(self.compiled.info()))
    }
}
