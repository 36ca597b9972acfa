//! Modules: compiled WebAssembly code, ready to be instantiated in any
//! store of the engine that compiled it.

use crate::types::{
    ExportType, ExternType, FuncType, GlobalType, ImportType, MemoryType, TableType, TagType,
};
use crate::{Engine, Error, Precompiled, Result};
use egret_frontend::compiled::CompiledModule;
use egret_frontend::module_info::ModuleInfo;
use egret_frontend::types::EntityIndex;
use egret_runtime::module::ModuleCode;
use std::path::Path;
use std::sync::Arc;

/// A compiled module. Cheap to clone and shareable across threads and
/// stores.
///
/// ```
/// let engine = egret::Engine::default();
/// let module = egret::Module::new(&engine, r#"(module $m (func (export "run")))"#).unwrap();
/// assert_eq!(module.name(), Some("m"));
/// assert_eq!(module.exports().next().unwrap().name(), "run");
/// ```
#[derive(Clone, Debug)]
pub struct Module {
    pub(crate) engine: Engine,
    pub(crate) code: Arc<ModuleCode>,
}

pub(crate) fn wat_to_binary(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    wat::parse_bytes(bytes).map_err(|e| {
        Error::Compile(egret_frontend::error::CompileError::malformed(
            e.to_string(),
            0,
        ))
    })
}

impl Module {
    /// Compiles a module from its binary or text form.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let binary = wat_to_binary(bytes.as_ref())?;
        Module::from_binary(engine, &binary)
    }

    /// Compiles a module from its binary form (or, with
    /// [`Config::cache`](crate::Config::cache), loads it from the cache).
    ///
    /// Fails in a build without the `compiler` feature, which runs only
    /// precompiled modules ([`Module::deserialize`]).
    pub fn from_binary(engine: &Engine, binary: &[u8]) -> Result<Module> {
        engine.check_runs_here()?;
        let Some(cache) = &engine.cache else {
            let compiled = engine.compile(binary)?;
            return Module::load(engine, compiled);
        };
        let entry = cache.entry(binary);
        if let Some(artifact) = entry.read() {
            // SAFETY: the entry is an artifact from the cache directory,
            // which the embedder trusts by enabling the cache (as
            // Wasmtime's cache does): Egret wrote it with `serialize`, and
            // nobody else may write there. Damage short of tampering (a
            // torn write, a full disk, an entry of another build or source
            // revision: see `artifact::EGRET_BUILD`) is caught by
            // `deserialize`'s length, checksum, fingerprint and bounds
            // checks, and is a miss.
            if let Ok(module) = unsafe { Module::deserialize(engine, &artifact) } {
                entry.hit();
                return Ok(module);
            }
        }
        let compiled = engine.compile(binary)?;
        entry.miss(&engine.inner.serialize(&compiled));
        Module::load(engine, compiled)
    }

    /// Loads compiled code into executable memory.
    fn load(engine: &Engine, compiled: CompiledModule) -> Result<Module> {
        let code =
            ModuleCode::new(compiled, &engine.inner).map_err(|e| Error::Resource(e.to_string()))?;
        Ok(Module {
            engine: engine.clone(),
            code,
        })
    }

    /// Compiles a module from a `.wasm` or `.wat` file.
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::misuse(format!("cannot read {}: {e}", path.display())))?;
        Module::new(engine, bytes)
    }

    /// A module from a file the embedder trusts: a `.wasm` or `.wat` file,
    /// compiled as by [`Module::from_file`], or a precompiled module
    /// ([`Module::serialize`]), loaded as by [`Module::deserialize_file`].
    ///
    /// # Safety
    /// As for [`Module::deserialize_file`], if the file is a precompiled
    /// module: it must come from this version of Egret, and not change
    /// while it is being loaded.
    pub unsafe fn from_trusted_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::misuse(format!("cannot read {}: {e}", path.display())))?;
        match Engine::detect_precompiled(&bytes) {
            // SAFETY: per this function's contract, the precompiled module
            // is trusted.
            Some(Precompiled::Module) => unsafe { Module::deserialize(engine, &bytes) },
            _ => Module::new(engine, bytes),
        }
    }

    /// The module's compiled form, for [`Module::deserialize`] in a
    /// process whose engine has the same configuration: what it was
    /// compiled for (Egret's version, target, CPU features, settings) is
    /// recorded and checked when it is loaded.
    ///
    /// ```
    /// use egret::{Engine, Instance, Module, Store};
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module (func (export "seven") (result i32) i32.const 7))"#)?;
    /// let bytes = module.serialize()?;
    /// // SAFETY: the bytes were just made by `serialize`.
    /// let module = unsafe { Module::deserialize(&engine, &bytes)? };
    /// let mut store = Store::new(&engine, ());
    /// let instance = Instance::new(&mut store, &module, &[])?;
    /// let seven = instance.get_typed_func::<(), i32>(&mut store, "seven")?;
    /// assert_eq!(seven.call(&mut store, ())?, 7);
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn serialize(&self) -> Result<Vec<u8>> {
        Ok(self.engine.inner.serialize(self.code.compiled()))
    }

    /// Loads a module from [`Module::serialize`]'s or
    /// [`Engine::precompile_module`]'s output, without compiling.
    ///
    /// Fails with [`Error::Artifact`] for bytes that are not such an
    /// artifact, are truncated or damaged (a checksum covers them), or
    /// were made by another version of Egret or for another target, other
    /// CPU features or other code-shaping settings.
    ///
    /// # Safety
    /// The artifact's machine code runs as it is: only bytes made by
    /// Egret, and not tampered with, may be loaded. The checks above catch
    /// accidents, not forgeries.
    pub unsafe fn deserialize(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        engine.check_runs_here()?;
        let compiled = engine.inner.deserialize(bytes.as_ref())?;
        Module::load(engine, compiled)
    }

    /// [`Module::deserialize`] of a file, which is mapped into memory
    /// rather than read.
    ///
    /// # Safety
    /// As for [`Module::deserialize`]; in addition the file must not
    /// change while it is being loaded.
    pub unsafe fn deserialize_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let file = std::fs::File::open(path)
            .map_err(|e| Error::misuse(format!("cannot open {}: {e}", path.display())))?;
        // SAFETY: the caller promises the file does not change while
        // mapped; the mapping is dropped before this function returns.
        let map = unsafe { memmap2::Mmap::map(&file) }
            .map_err(|e| Error::misuse(format!("cannot map {}: {e}", path.display())))?;
        // SAFETY: per this function's contract.
        unsafe { Module::deserialize(engine, &map[..]) }
    }

    /// Checks that `bytes` (binary form) is a valid module, without
    /// compiling it. Fails in a build without the `compiler` feature.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        #[cfg(feature = "compiler")]
        return Ok(engine.inner.compiler().validate(bytes)?);
        #[cfg(not(feature = "compiler"))]
        {
            let _ = (engine, bytes);
            Err(crate::engine::no_compiler())
        }
    }

    /// The engine that compiled this module.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The module's name from its name section.
    pub fn name(&self) -> Option<&str> {
        self.info().name.as_deref()
    }

    pub(crate) fn info(&self) -> &ModuleInfo {
        self.code.compiled().info()
    }

    pub(crate) fn entity_type(&self, index: EntityIndex) -> ExternType {
        let info = self.info();
        let engine = &self.engine;
        match index {
            EntityIndex::Function(f) => {
                ExternType::Func(FuncType::from_engine(engine, info.func_sig_id(f)))
            }
            EntityIndex::Table(t) => ExternType::Table(TableType::from_engine(
                engine,
                info.engine_table_type(info.tables[t.index()]),
            )),
            EntityIndex::Memory(m) => {
                ExternType::Memory(MemoryType::from_engine(info.memories[m.index()]))
            }
            EntityIndex::Global(g) => ExternType::Global(GlobalType::from_engine(
                engine,
                info.engine_global_type(info.globals[g.index()]),
            )),
            EntityIndex::Tag(t) => ExternType::Tag(TagType::new(FuncType::from_engine(
                engine,
                info.type_ids[info.tags[t.index()].index()],
            ))),
        }
    }

    /// The imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        self.info().imports.iter().map(|i| ImportType {
            module: &i.module,
            name: &i.name,
            ty: self.entity_type(i.index),
        })
    }

    /// The exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        self.info().exports.iter().map(|e| ExportType {
            name: &e.name,
            ty: self.entity_type(e.index),
        })
    }

    /// The type of the export named `name`, if there is one.
    pub fn get_export(&self, name: &str) -> Option<ExternType> {
        self.info()
            .exports
            .iter()
            .find(|e| e.name == name)
            .map(|e| self.entity_type(e.index))
    }
}
