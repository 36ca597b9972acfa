//! Translation of one wasm function body to Cranelift IR.

use crate::error::CompileError;
use crate::module_info::ModuleInfo;
use crate::parse::PendingFunction;
use crate::tunables::Tunables;
use crate::types::DefinedFuncIndex;
use crate::vmoffsets::VMOffsets;
use cranelift_codegen::ir;
use cranelift_codegen::isa::TargetIsa;

/// What translation needs to know about the module being compiled.
pub struct ModuleEnv<'a> {
    /// The module.
    pub info: &'a ModuleInfo,
    /// Its vmctx layout.
    pub offsets: &'a VMOffsets,
    /// Engine settings that affect code.
    pub tunables: &'a Tunables,
    /// The target.
    pub isa: &'a dyn TargetIsa,
}

/// Reusable translation state; keep one per worker thread.
#[derive(Default)]
pub struct FuncTranslator {}

impl FuncTranslator {
    /// A translator with empty buffers.
    pub fn new() -> FuncTranslator {
        FuncTranslator::default()
    }

    /// Validates `function` and translates it into `out`, which is cleared
    /// first and receives the wasm signature and the name
    /// `UserFuncName::user(0, defined_index)`.
    pub fn translate(
        &mut self,
        env: &ModuleEnv<'_>,
        index: DefinedFuncIndex,
        function: PendingFunction<'_>,
        out: &mut ir::Function,
    ) -> Result<(), CompileError> {
        let _ = (env, index, function, out);
        Err(CompileError::Unsupported("translation".into()))
    }
}
