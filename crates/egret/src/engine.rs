//! The engine: compiler and settings shared by modules and stores, and
//! the epoch counter that interrupts them; weak handles to it.

use crate::cache::EngineCache;
use crate::{Config, Error, Result};
use egret_frontend::compiled::CompiledModule;
#[cfg(feature = "compiler")]
use egret_frontend::compiler::FunctionReport;
use egret_runtime::engine::{EngineInner, RuntimeConfig};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

/// Compiles modules and holds what stores made from it share. Cheap to
/// clone (a reference count) and usable from many threads.
///
/// ```
/// let engine = egret::Engine::default();
/// let module = egret::Module::new(&engine, "(module)").unwrap();
/// # drop(module);
/// ```
#[derive(Clone, Debug)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
    /// The compilation cache, keyed for this engine ([`Config::cache`]).
    pub(crate) cache: Option<EngineCache>,
}

/// An engine held without keeping it alive ([`Engine::weak`]), as
/// Wasmtime's: [`EngineWeak::upgrade`] gives it back while a clone of it
/// lives. The default one never upgrades.
#[derive(Clone, Debug, Default)]
pub struct EngineWeak {
    inner: Weak<EngineInner>,
    cache: Option<EngineCache>,
}

impl EngineWeak {
    /// The engine, if it still lives.
    pub fn upgrade(&self) -> Option<Engine> {
        Some(Engine {
            inner: self.inner.upgrade()?,
            cache: self.cache.clone(),
        })
    }
}

/// What [`Engine::detect_precompiled`] found.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Precompiled {
    /// A precompiled core module.
    Module,
    /// A precompiled component (Egret does not make these).
    Component,
}

impl Engine {
    /// An engine with `config`.
    pub fn new(config: &Config) -> Result<Engine> {
        if config.runtime.max_wasm_stack == 0 {
            return Err(Error::misuse("max_wasm_stack cannot be zero"));
        }
        let runtime = RuntimeConfig {
            collection: config.collector.collection()?,
            perf_map: config.profiler.writes_perf_map()?,
            ..config.runtime.clone()
        };
        let inner = EngineInner::new(config.compiler.clone(), config.target.clone(), runtime)
            .map_err(Error::Compile)?;
        let cache = config
            .cache
            .as_ref()
            .map(|c| c.for_engine(inner.fingerprint()));
        Ok(Engine { inner, cache })
    }

    /// Compiles a module (binary or text) for this engine's target without
    /// running it, reporting each function's and trampoline's machine code
    /// size and trap sites. Works for any [`Config::target`], including
    /// targets that cannot run here.
    ///
    /// ```
    /// use egret::{Config, Engine};
    /// let mut config = Config::new();
    /// config.target("aarch64-unknown-linux-gnu")?;
    /// let engine = Engine::new(&config)?;
    /// let report = engine.compile_report(r#"(module (func $f (param i32) (result i32)
    ///     (i32.div_u (i32.const 1) (local.get 0))))"#)?;
    /// assert_eq!(report[0].name.as_deref(), Some("f"));
    /// assert!(report[0].code_size > 0);
    /// # Ok::<(), egret::Error>(())
    /// ```
    #[cfg(feature = "compiler")]
    pub fn compile_report(&self, bytes: impl AsRef<[u8]>) -> Result<Vec<FunctionReport>> {
        let binary = crate::module::wat_to_binary(bytes.as_ref())?;
        Ok(self.inner.compiler().compile_report(&binary)?)
    }

    /// Advances the engine's epoch by one tick. Wasm running in any store
    /// of this engine whose deadline this reaches traps with
    /// [`Trap::Interrupt`](crate::Trap::Interrupt) at its next
    /// check (with [`Config::epoch_interruption`]). Cheap (one atomic
    /// add) and callable from any thread, for example a timer thread.
    ///
    /// ```
    /// use egret::{Config, Engine};
    /// let engine = Engine::new(Config::new().epoch_interruption(true))?;
    /// let timer = engine.clone();
    /// std::thread::spawn(move || timer.increment_epoch()).join().unwrap();
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn increment_epoch(&self) {
        self.inner.epoch().fetch_add(1, Ordering::Relaxed);
    }

    /// Fails unless this engine's code can run on this machine (its
    /// [`Config::target`] is the host).
    pub(crate) fn check_runs_here(&self) -> Result<()> {
        if self.inner.targets_host() {
            Ok(())
        } else {
            Err(Error::misuse(format!(
                "this engine compiles for {}, whose code cannot run here; \
                 use Engine::precompile_module or Engine::compile_report",
                self.inner.target_triple()
            )))
        }
    }

    /// Compiles `bytes` (binary or text) to the form
    /// [`Module::deserialize`](crate::Module::deserialize) loads, without
    /// loading it here: what `egret compile -o` writes. The engine may
    /// target another machine ([`Config::target`]): the artifact then loads
    /// in an engine there with the same configuration.
    ///
    /// Fails in a build without the `compiler` feature.
    pub fn precompile_module(&self, bytes: &[u8]) -> Result<Vec<u8>> {
        let binary = crate::module::wat_to_binary(bytes)?;
        let compiled = self.compile(&binary)?;
        Ok(self.inner.serialize(&compiled))
    }

    /// Compiles a module's binary form for this engine's target.
    #[cfg(feature = "compiler")]
    pub(crate) fn compile(&self, binary: &[u8]) -> Result<CompiledModule> {
        Ok(self.inner.compiler().compile(binary)?)
    }

    #[cfg(not(feature = "compiler"))]
    pub(crate) fn compile(&self, _binary: &[u8]) -> Result<CompiledModule> {
        Err(no_compiler())
    }

    /// Whether `bytes` look like a precompiled module (only the first
    /// bytes are checked), and of which kind.
    ///
    /// ```
    /// use egret::{Engine, Precompiled};
    /// let engine = Engine::default();
    /// let artifact = engine.precompile_module(b"(module)")?;
    /// assert_eq!(Engine::detect_precompiled(&artifact), Some(Precompiled::Module));
    /// assert_eq!(Engine::detect_precompiled(b"\0asm\x01\0\0\0"), None);
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn detect_precompiled(bytes: &[u8]) -> Option<Precompiled> {
        egret_frontend::artifact::is_artifact(bytes).then_some(Precompiled::Module)
    }

    /// Whether two handles refer to the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// This engine, held without keeping it alive.
    ///
    /// ```
    /// let engine = egret::Engine::default();
    /// let weak = engine.weak();
    /// assert!(egret::Engine::same(&weak.upgrade().unwrap(), &engine));
    /// drop(engine);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn weak(&self) -> EngineWeak {
        EngineWeak {
            inner: Arc::downgrade(&self.inner),
            cache: self.cache.clone(),
        }
    }
}

/// The error of what needs the compiler, in a build without it.
#[cfg(not(feature = "compiler"))]
pub(crate) fn no_compiler() -> Error {
    Error::Compile(egret_frontend::error::CompileError::Unsupported(
        "this Egret is built without the `compiler` feature: it cannot compile \
         wasm, only load precompiled modules (Module::deserialize)"
            .into(),
    ))
}

impl Default for Engine {
    /// An engine with the default configuration.
    ///
    /// # Panics
    /// If the host CPU is not supported by Cranelift (use [`Engine::new`]
    /// to get an error instead).
    fn default() -> Engine {
        Engine::new(&Config::default()).expect("the host CPU is supported")
    }
}
