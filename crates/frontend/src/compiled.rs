//! A compiled module as the runtime receives it, freshly compiled or read
//! from an artifact: its description, vmctx layout, linked code, and where
//! in the code each type's trampolines are.

use crate::artifact::{self, ArtifactError, Contents, Expected, Fingerprint};
use crate::image::CodeImage;
use crate::module_info::ModuleInfo;
use crate::registry::TypeRegistry;
use crate::types::{DefinedFuncIndex, SigId, TypeIndex};
use crate::vmoffsets::VMOffsets;
use serde::{Deserialize, Serialize};

/// Where each type's trampolines are in a module's code image, by type
/// index (image positions; `None` where the module needs none).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Trampolines {
    /// The array-call trampoline (host calls wasm) of each type a defined
    /// function has.
    pub array_calls: Vec<Option<u32>>,
    /// The host-call trampoline (wasm calls a host function) of every
    /// function type, so a host function of any type the module names can
    /// be called from wasm without compiling anything at run time. Equal
    /// types share one.
    pub host_calls: Vec<Option<u32>>,
}

/// A compiled module: its description, vmctx layout and linked code.
#[derive(Debug)]
pub struct CompiledModule {
    info: ModuleInfo,
    offsets: VMOffsets,
    image: CodeImage,
    trampolines: Trampolines,
    /// What made the artifact this module was read from.
    made_by: Option<Fingerprint>,
}

impl CompiledModule {
    /// Puts the parts together; `info.type_ids` must hold the engine's ids.
    pub fn new(info: ModuleInfo, image: CodeImage, trampolines: Trampolines) -> CompiledModule {
        let offsets = VMOffsets::new(&info);
        CompiledModule {
            info,
            offsets,
            image,
            trampolines,
            made_by: None,
        }
    }

    /// Reads an artifact for an engine that expects `expected`, giving the
    /// module's types the ids of the engine's `registry`.
    pub fn deserialize(
        bytes: &[u8],
        expected: &Expected,
        registry: &TypeRegistry,
    ) -> Result<CompiledModule, ArtifactError> {
        let Contents {
            fingerprint,
            mut info,
            image,
            trampolines,
        } = artifact::read(expected, bytes)?;
        info.type_ids = register_types(&info, registry);
        let mut module = CompiledModule::new(info, image, trampolines);
        module.made_by = Some(fingerprint);
        Ok(module)
    }

    /// The module as an artifact. `engine` is the fingerprint of the
    /// engine that compiled it, used if it was not read from an artifact.
    pub fn serialize(&self, engine: &Fingerprint) -> Vec<u8> {
        artifact::write(self.made_by.as_ref().unwrap_or(engine), self)
    }

    /// The module's description.
    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    /// Its vmctx layout.
    pub fn offsets(&self) -> &VMOffsets {
        &self.offsets
    }

    /// The linked code: defined functions first (image position = defined
    /// index), then trampolines.
    pub fn image(&self) -> &CodeImage {
        &self.image
    }

    /// Where the trampolines are.
    pub fn trampolines(&self) -> &Trampolines {
        &self.trampolines
    }

    /// The image position of a defined function (wasm calling convention).
    pub fn function_position(&self, index: DefinedFuncIndex) -> usize {
        index.index()
    }

    /// The image position of the array-call trampoline for a type, if a
    /// defined function has that type.
    pub fn array_call_position(&self, ty: TypeIndex) -> Option<usize> {
        self.trampolines.array_calls[ty.index()].map(|p| p as usize)
    }

    /// The image position of the host-call trampoline for a type, if it is
    /// a function type.
    pub fn host_call_position(&self, ty: TypeIndex) -> Option<usize> {
        self.trampolines.host_calls[ty.index()].map(|p| p as usize)
    }
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;
    use crate::compiler::Compiler;
    use crate::config::CompilerConfig;

    #[test]
    fn a_runtime_without_compiler_accepts_what_the_host_compiler_made() {
        let compiler = Compiler::new(CompilerConfig::default()).unwrap();
        let wasm =
            wat::parse_str(r#"(module (func (export "f") (param i32) (result i32) local.get 0))"#)
                .unwrap();
        let module = compiler.compile(&wasm).unwrap();
        let bytes = module.serialize(&compiler.fingerprint());
        let registry = TypeRegistry::default();
        let runtime_only = Expected::runtime_only(compiler.config());
        let read = CompiledModule::deserialize(&bytes, &runtime_only, &registry).unwrap();
        assert_eq!(read.image().text, module.image().text);
        // Serialized again, it keeps what made it, not the runtime's view.
        assert_eq!(read.serialize(&runtime_only.fingerprint), bytes);

        let mut other = compiler.config().clone();
        other.tunables.consume_fuel = true;
        let error = CompiledModule::deserialize(&bytes, &Expected::runtime_only(&other), &registry)
            .unwrap_err();
        assert!(matches!(error, ArtifactError::Settings { .. }), "{error}");
    }
}

/// Registers a module's recursion groups in order, returning the engine
/// ids of its types.
pub fn register_types(info: &ModuleInfo, registry: &TypeRegistry) -> Vec<SigId> {
    let mut ids = Vec::with_capacity(info.types.len());
    for (_, group) in info.rec_group_types() {
        let group_ids = registry.register_group(&ids, group);
        ids.extend(group_ids);
    }
    ids
}
