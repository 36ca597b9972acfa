//! The compiler an engine owns: the target ISA, the engine-wide function
//! type registry, and the pipeline from module bytes to position-independent
//! code.
//!
//! Pipeline: `parse` walks the sections (validating them) and sets the
//! bodies aside; then the defined functions and the trampolines
//! (array-call per type of a defined function, host-call per distinct
//! function type) are compiled as one parallel batch, longest body first,
//! each rayon worker with its own Cranelift context (each body validated
//! and translated there; with inlining on, short bodies are translated in
//! a first parallel pass so that callers can inline them, `inlining.rs`);
//! the main thread links everything into one `CodeImage` (`link.rs`),
//! which the runtime loads. A module rejected on the way is decoded again
//! on its own (`decode::check`) to report it as malformed rather than
//! invalid when it does not decode.

use crate::artifact::{self, Expected, Fingerprint};
use crate::code::CodeKind;
use crate::compiled::{CompiledModule, Trampolines};
use crate::config::{CompilerConfig, Inlining, OptLevel};
use crate::decode;
use crate::error::CompileError;
use crate::image::CodeImage;
use crate::inlining::{self, Callees};
use crate::link::CompiledFunction;
use crate::module_info::ModuleInfo;
use crate::parse::{PendingFunction, parse};
use crate::registry::TypeRegistry;
use crate::target::Target;
use crate::trampolines;
use crate::translate::{FuncTranslator, ModuleEnv};
use crate::types::{DefinedFuncIndex, FuncType};
use crate::vmoffsets::VMOffsets;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir;
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{CodegenError, Context};
use cranelift_frontend::FunctionBuilderContext;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The size of one compiled function, for reports on foreign targets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionReport {
    /// What was compiled.
    pub kind: CodeKind,
    /// Its name from the name section, if any.
    pub name: Option<String>,
    /// Bytes of machine code (constant pool included).
    pub code_size: usize,
    /// Number of trap sites.
    pub trap_sites: usize,
}

/// A module's compiled functions and trampolines before linking.
struct UnlinkedModule {
    info: ModuleInfo,
    /// Defined functions (batch ids `0..n`), then trampolines.
    functions: Vec<CompiledFunction>,
    /// Batch ids of each type's trampolines.
    trampolines: Trampolines,
}

/// A rayon worker's reusable translation and compilation state.
struct Worker {
    translator: FuncTranslator,
    /// The builder state of the trampolines this worker builds.
    trampoline_builder: FunctionBuilderContext,
    ctx: Context,
}

impl Worker {
    fn new() -> Worker {
        Worker {
            translator: FuncTranslator::new(),
            trampoline_builder: FunctionBuilderContext::new(),
            ctx: Context::new(),
        }
    }
}

/// A worker taken from a compiler's idle ones (or a new one), given
/// back when dropped.
struct PooledWorker<'a> {
    worker: Option<Worker>,
    idle: &'a Mutex<Vec<Worker>>,
}

impl<'a> PooledWorker<'a> {
    fn take(idle: &'a Mutex<Vec<Worker>>) -> PooledWorker<'a> {
        let worker = idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(Worker::new);
        PooledWorker {
            worker: Some(worker),
            idle,
        }
    }
}

impl std::ops::Deref for PooledWorker<'_> {
    type Target = Worker;
    fn deref(&self) -> &Worker {
        self.worker
            .as_ref()
            .expect("a pooled worker is there until dropped")
    }
}

impl std::ops::DerefMut for PooledWorker<'_> {
    fn deref_mut(&mut self) -> &mut Worker {
        self.worker
            .as_mut()
            .expect("a pooled worker is there until dropped")
    }
}

impl Drop for PooledWorker<'_> {
    fn drop(&mut self) {
        // A worker in use when a panic unwound may hold half-made state.
        if std::thread::panicking() {
            return;
        }
        if let Some(worker) = self.worker.take() {
            // A panic never gives a worker back (above), so the list is
            // whole even if one poisoned the lock.
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < rayon::current_num_threads() {
                idle.push(worker);
            }
        }
    }
}

/// One unit of a module's compilation.
enum Job<'a> {
    /// A defined function: its body to translate, or `None` where
    /// inlining translated it ahead (`Callees`).
    Function {
        index: DefinedFuncIndex,
        body_offset: Option<u32>,
        body: Option<PendingFunction<'a>>,
    },
    /// A trampoline of functions of this type, made by this builder
    /// (`trampolines::build_array_call` or `build_host_call`).
    Trampoline(&'a FuncType, BuildTrampoline),
}

/// How `trampolines.rs` builds one kind of trampoline into a function.
type BuildTrampoline =
    fn(&FuncType, &dyn TargetIsa, &mut ir::Function, &mut FunctionBuilderContext);

impl Job<'_> {
    /// The length of the wasm body left to translate, by which the jobs
    /// are ordered: 0 for a trampoline or a body translated ahead.
    fn body_len(&self) -> usize {
        match self {
            Job::Function { body: Some(f), .. } => f.body.as_bytes().len(),
            Job::Function { body: None, .. } | Job::Trampoline(..) => 0,
        }
    }
}

/// The trampolines a module of `num_defined` defined functions needs:
/// where each type's will be (batch ids after the functions'), and the
/// jobs that compile them, in batch order.
fn plan_trampolines(info: &ModuleInfo, num_defined: usize) -> (Trampolines, Vec<Job<'_>>) {
    let mut jobs = Vec::new();
    let mut array_calls = vec![None; info.types.len()];
    for ty in &info.functions[info.num_imported_funcs as usize..] {
        if array_calls[ty.index()].is_none() {
            array_calls[ty.index()] = Some((num_defined + jobs.len()) as u32);
            jobs.push(Job::Trampoline(
                info.func_type_at(*ty),
                trampolines::build_array_call,
            ));
        }
    }
    let mut host_calls = vec![None; info.types.len()];
    let mut by_signature = HashMap::new();
    for (index, ty) in info.types.iter().enumerate() {
        let Some(ty) = ty.as_func() else { continue };
        let id = *by_signature.entry(info.type_ids[index]).or_insert_with(|| {
            jobs.push(Job::Trampoline(ty, trampolines::build_host_call));
            (num_defined + jobs.len() - 1) as u32
        });
        host_calls[index] = Some(id);
    }
    (
        Trampolines {
            array_calls,
            host_calls,
        },
        jobs,
    )
}

/// The engine's compiler.
pub struct Compiler {
    isa: OwnedTargetIsa,
    target: Target,
    config: CompilerConfig,
    types: Arc<TypeRegistry>,
    /// Workers between compiles, so that later modules reuse the buffers
    /// earlier ones grew.
    idle_workers: Mutex<Vec<Worker>>,
}

impl std::fmt::Debug for Compiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiler")
            .field("isa", &self.isa.triple().to_string())
            .field("config", &self.config)
            .finish()
    }
}

fn setting_error(e: impl std::fmt::Display) -> CompileError {
    CompileError::Codegen(format!("cannot configure Cranelift: {e}"))
}

/// The error for Cranelift refusing to compile `kind`. A function beyond
/// one of the code generator's limits (more spill slots or virtual
/// registers than it can number) is a module Egret cannot run, as an
/// unsupported feature is; any other refusal is a bug in the translation.
fn codegen_failure(kind: CodeKind, error: CodegenError) -> CompileError {
    match error {
        CodegenError::ImplLimitExceeded | CodegenError::CodeTooLarge => {
            let what = match kind {
                CodeKind::Function(func) => format!("function {}", func.0),
                CodeKind::Trampoline => "a trampoline".to_string(),
            };
            CompileError::Unsupported(format!(
                "{what} is beyond the code generator's limits: {error}"
            ))
        }
        error => CompileError::Codegen(format!("{error:?}")),
    }
}

/// Cranelift's shared settings for Egret's code.
fn shared_flags(config: &CompilerConfig) -> Result<settings::Flags, CompileError> {
    let mut b = settings::builder();
    let opt = match config.opt_level {
        OptLevel::None => "none",
        OptLevel::Speed => "speed",
        OptLevel::SpeedAndSize => "speed_and_size",
    };
    for (name, value) in [
        ("opt_level", opt),
        // Backtraces walk frame pointers, and x64 tail calls need them.
        ("preserve_frame_pointers", "true"),
        // Nothing unwinds through generated code with DWARF.
        ("unwind_info", "false"),
        // Block offsets and edges of the machine code, from which linking
        // finds each function's hottest loop (`link::hottest_loop_header`).
        ("machine_code_cfg_info", "true"),
        (
            "enable_verifier",
            if config.verify { "true" } else { "false" },
        ),
        (
            "enable_nan_canonicalization",
            if config.nan_canonicalization {
                "true"
            } else {
                "false"
            },
        ),
    ] {
        b.set(name, value).map_err(setting_error)?;
    }
    Ok(settings::Flags::new(b))
}

impl Compiler {
    /// A compiler for the host, with a type registry of its own.
    pub fn new(config: CompilerConfig) -> Result<Compiler, CompileError> {
        Compiler::for_target(config, Target::Host, Arc::default())
    }

    /// A compiler for `target`. Code for a target other than the host can
    /// be serialized ([`Compiler::serialize`]) or reported on
    /// ([`Compiler::compile_report`]), not run here. Module types get ids
    /// from `types`, the engine's registry.
    pub fn for_target(
        config: CompilerConfig,
        target: Target,
        types: Arc<TypeRegistry>,
    ) -> Result<Compiler, CompileError> {
        let isa = target
            .isa_builder()?
            .finish(shared_flags(&config)?)
            .map_err(setting_error)?;
        Ok(Compiler {
            isa,
            target,
            config,
            types,
            idle_workers: Mutex::default(),
        })
    }

    /// Whether this compiler's code can run on this machine.
    pub fn targets_host(&self) -> bool {
        self.target.is_host()
    }

    /// The target ISA.
    pub fn isa(&self) -> &dyn TargetIsa {
        &*self.isa
    }

    /// The configuration.
    pub fn config(&self) -> &CompilerConfig {
        &self.config
    }

    /// The engine-wide type registry.
    pub fn types(&self) -> &TypeRegistry {
        &self.types
    }

    /// What produced this compiler's code: everything a precompiled module
    /// must share with the engine that loads it.
    pub fn fingerprint(&self) -> Fingerprint {
        let isa_flags = self
            .isa
            .isa_flags()
            .iter()
            .map(|v| format!("{}={}", v.name, v.value_string()))
            .collect();
        let settings = self.config.code_settings();
        // Cranelift's shared settings, except the verifier's, which checks
        // code without changing it.
        let codegen = self
            .isa
            .flags()
            .iter()
            .filter(|v| v.name != "enable_verifier")
            .map(|v| format!("{}={}", v.name, v.value_string()))
            .collect();
        Fingerprint {
            egret_version: artifact::EGRET_BUILD.to_string(),
            target: self.isa.triple().to_string(),
            isa_flags,
            settings,
            codegen,
        }
    }

    /// What this compiler's engine accepts from an artifact: exactly its
    /// own fingerprint.
    pub fn expected(&self) -> Expected {
        Expected {
            fingerprint: self.fingerprint(),
            with_compiler: true,
        }
    }

    /// Validates `bytes` without compiling.
    pub fn validate(&self, bytes: &[u8]) -> Result<(), CompileError> {
        let mut validator = wasmparser::Validator::new_with_features(self.config.features);
        validator
            .validate_all(bytes)
            .map_err(|e| self.rejection(bytes, e.into()))?;
        Ok(())
    }

    /// Why `bytes` were rejected: `Malformed` if they do not decode,
    /// otherwise `error` (from the pass that decodes and validates at
    /// once, which cannot tell). Code generation failures stay as they are.
    fn rejection(&self, bytes: &[u8], error: CompileError) -> CompileError {
        match error {
            CompileError::Invalid { .. } | CompileError::Unsupported(_) => {
                decode::check(bytes, self.config.features)
                    .err()
                    .unwrap_or(error)
            }
            CompileError::Malformed { .. } | CompileError::Codegen(_) => error,
        }
    }

    /// Validates, compiles and links a module for this compiler's target
    /// (which may not be the host: then the module can only be serialized).
    pub fn compile(&self, bytes: &[u8]) -> Result<CompiledModule, CompileError> {
        let UnlinkedModule {
            info,
            functions,
            trampolines,
        } = self.compile_module_functions(bytes)?;
        let image = CodeImage::link(&*self.isa, &functions)?;
        Ok(CompiledModule::new(info, image, trampolines))
    }

    /// Validates, compiles and links a module's functions and array-call
    /// trampolines for this compiler's target, and reports their sizes.
    /// Linking is what a loader on that target would rely on, so a report
    /// also proves the code links there.
    pub fn compile_report(&self, bytes: &[u8]) -> Result<Vec<FunctionReport>, CompileError> {
        let UnlinkedModule {
            info, functions, ..
        } = self.compile_module_functions(bytes)?;
        CodeImage::link(&*self.isa, &functions)?;
        Ok(functions
            .iter()
            .map(|f| FunctionReport {
                kind: f.kind,
                name: match f.kind {
                    CodeKind::Function(index) => info.func_name(index).map(str::to_string),
                    CodeKind::Trampoline => None,
                },
                code_size: f.bytes.len(),
                trap_sites: f.traps.len(),
            })
            .collect())
    }

    /// Parses and compiles every defined function, one array-call
    /// trampoline per type of a defined function and one host-call
    /// trampoline per distinct function type; also returns, per type
    /// index, the batch ids of its trampolines.
    fn compile_module_functions(&self, bytes: &[u8]) -> Result<UnlinkedModule, CompileError> {
        let parsed = parse(bytes, self.config.features, &self.types)
            .map_err(|e| self.rejection(bytes, e))?;
        let info = parsed.info;
        let offsets = VMOffsets::new(&info);
        let env = ModuleEnv {
            info: &info,
            offsets: &offsets,
            tunables: &self.config.tunables,
            stack_maps: self.config.has_stack_maps(),
            isa: &*self.isa,
        };
        let (trampolines, trampoline_jobs) = plan_trampolines(&info, parsed.functions.len());
        let functions = self
            .compile_jobs(&env, parsed.functions, trampoline_jobs)
            .map_err(|e| self.rejection(bytes, e))?;
        Ok(UnlinkedModule {
            info,
            functions,
            trampolines,
        })
    }

    /// Compiles the defined functions `pending` (batch ids `0..n`) and the
    /// `trampolines` (the ids after), and returns them in batch order.
    ///
    /// They run in parallel as one batch, longest body first: a module's
    /// largest function can take a third of its compile time, and started
    /// last it would leave the other cores idle while it finishes. With
    /// inlining, the short bodies are translated first in a pass of their
    /// own, so that every caller can inline them (`inlining.rs`). Workers
    /// come from the compiler's idle ones, so a compile reuses the buffers
    /// earlier ones grew.
    fn compile_jobs<'a>(
        &self,
        env: &ModuleEnv<'_>,
        pending: Vec<PendingFunction<'a>>,
        trampolines: Vec<Job<'a>>,
    ) -> Result<Vec<CompiledFunction>, CompileError> {
        let num_defined = pending.len();
        let inlining = self.inlines_within(env.info);
        let mut jobs = Vec::with_capacity(num_defined + trampolines.len());
        let mut candidates = Vec::new();
        for (i, f) in pending.into_iter().enumerate() {
            let index = DefinedFuncIndex(i as u32);
            let body_offset = u32::try_from(f.body.range().start).ok();
            let body = if inlining && inlining::is_candidate_body(f.body.as_bytes().len()) {
                candidates.push((i, f));
                None
            } else {
                Some(f)
            };
            jobs.push(Job::Function {
                index,
                body_offset,
                body,
            });
        }
        jobs.extend(trampolines);
        let callees = if inlining {
            let translated =
                self.map_maybe_parallel(candidates, FuncTranslator::new, |t, (_, (i, f))| {
                    let mut body = ir::Function::new();
                    t.translate(env, DefinedFuncIndex(i as u32), f, &mut body)?;
                    Ok((i, body))
                })?;
            Some(Callees::new(num_defined, translated))
        } else {
            None
        };

        let mut ordered: Vec<(usize, Job<'a>)> = jobs.into_iter().enumerate().collect();
        if self.config.parallel {
            // On one thread the order changes nothing but which invalid
            // function is reported first: the first by index.
            ordered.sort_by_key(|(_, job)| std::cmp::Reverse(job.body_len()));
        }
        let new_worker = || PooledWorker::take(&self.idle_workers);
        let mut compiled = self.map_maybe_parallel(ordered, new_worker, |w, (_, (id, job))| {
            let w: &mut Worker = w;
            let function = match job {
                Job::Function {
                    index,
                    body_offset,
                    body,
                } => {
                    let kind = CodeKind::Function(env.info.func_index(index));
                    match body {
                        Some(f) => w.translator.translate(env, index, f, &mut w.ctx.func)?,
                        None => {
                            let body = callees
                                .as_ref()
                                .and_then(|c| c.body(index.0 as usize))
                                .ok_or_else(|| {
                                    CompileError::Codegen("a candidate callee went missing".into())
                                })?;
                            w.ctx.func.clone_from(body);
                        }
                    }
                    if let Some(callees) = &callees {
                        callees
                            .inline_into(&mut w.ctx)
                            .map_err(|e| codegen_failure(kind, e))?;
                    }
                    self.compile_context(&mut w.ctx, kind, body_offset)?
                }
                Job::Trampoline(ty, build) => {
                    build(ty, &*self.isa, &mut w.ctx.func, &mut w.trampoline_builder);
                    self.compile_context(&mut w.ctx, CodeKind::Trampoline, None)?
                }
            };
            Ok((id, function))
        })?;
        compiled.sort_unstable_by_key(|(id, _)| *id);
        Ok(compiled.into_iter().map(|(_, f)| f).collect())
    }

    /// Whether calls within the module `info` may be inlined.
    fn inlines_within(&self, info: &ModuleInfo) -> bool {
        match self.config.inlining {
            Inlining::Yes => true,
            Inlining::InterModuleAndIntraGc => info.types.iter().any(|ty| ty.as_func().is_none()),
            Inlining::InterModule | Inlining::Intrinsics | Inlining::No => false,
        }
    }

    /// `work` on every item with its position, on all cores when
    /// compilation is parallel (each rayon worker with a `W` of its own
    /// from `new_worker`), the results in the items' order.
    fn map_maybe_parallel<T: Send, W, R: Send>(
        &self,
        items: Vec<T>,
        new_worker: impl Fn() -> W + Sync + Send,
        work: impl Fn(&mut W, (usize, T)) -> Result<R, CompileError> + Sync + Send,
    ) -> Result<Vec<R>, CompileError> {
        if self.config.parallel {
            items
                .into_par_iter()
                .enumerate()
                .map_init(new_worker, work)
                .collect()
        } else {
            let mut worker = new_worker();
            items
                .into_iter()
                .enumerate()
                .map(|item| work(&mut worker, item))
                .collect()
        }
    }

    /// Compiles the function in `ctx.func`, a wasm function whose body
    /// starts at `body_offset` in its module or a trampoline (`None`).
    fn compile_context(
        &self,
        ctx: &mut Context,
        kind: CodeKind,
        body_offset: Option<u32>,
    ) -> Result<CompiledFunction, CompileError> {
        let compiled = ctx
            .compile(&*self.isa, &mut ControlPlane::default())
            .map(drop)
            .map_err(|e| codegen_failure(kind, e.inner))
            .and_then(|()| CompiledFunction::from_context(ctx, kind, body_offset));
        // Cleared on failure too: the context goes back to the compiler's
        // idle workers.
        ctx.clear();
        compiled
    }

    /// Compiles the host trampoline for functions of type `ty`, alone in
    /// its image.
    pub fn compile_host_trampoline(&self, ty: &FuncType) -> Result<CodeImage, CompileError> {
        let mut ctx = Context::new();
        let mut fctx = FunctionBuilderContext::new();
        trampolines::build_host_call(ty, &*self.isa, &mut ctx.func, &mut fctx);
        let function = self.compile_context(&mut ctx, CodeKind::Trampoline, None)?;
        CodeImage::link(&*self.isa, &[function])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::FuncIndex;

    #[test]
    fn functions_beyond_the_code_generators_limits_are_unsupported_not_bugs() {
        let error = codegen_failure(
            CodeKind::Function(FuncIndex(7)),
            CodegenError::ImplLimitExceeded,
        );
        let CompileError::Unsupported(message) = &error else {
            panic!("{error:?}");
        };
        assert!(message.starts_with("function 7 is beyond"), "{message}");
        let error = codegen_failure(CodeKind::Trampoline, CodegenError::CodeTooLarge);
        assert!(matches!(error, CompileError::Unsupported(_)), "{error:?}");

        let error = codegen_failure(
            CodeKind::Function(FuncIndex(0)),
            CodegenError::Unsupported("an instruction".into()),
        );
        assert!(matches!(error, CompileError::Codegen(_)), "{error:?}");
    }
}
