//! A compiled module as the runtime holds it: the placed code plus its
//! registration in the process-wide code registry (so traps in it are
//! recognised) for as long as any module handle or instance needs it.

use crate::code_registry::{self, CodeRegistration};
use egret_frontend::compiler::CompiledModule;
use std::sync::Arc;

/// A compiled, registered module.
#[derive(Debug)]
pub struct ModuleCode {
    // Declared first: unregistered before the code is freed.
    _registration: CodeRegistration,
    compiled: CompiledModule,
}

impl ModuleCode {
    /// Registers `compiled`'s code so its traps are recognised.
    pub fn new(compiled: CompiledModule) -> Arc<ModuleCode> {
        let registration = code_registry::register(Arc::new(compiled.code().code_map().clone()));
        Arc::new(ModuleCode {
            _registration: registration,
            compiled,
        })
    }

    /// The compiled module.
    pub fn compiled(&self) -> &CompiledModule {
        &self.compiled
    }
}
