//! Placing compiled machine code in executable memory with `cranelift-jit`,
//! and owning that memory.
//!
//! Functions are compiled to bytes on worker threads (`CompiledFunction`);
//! `CodeMemory::place` installs a batch of them in one `JITModule`, applies
//! their relocations, makes the pages executable and returns the address of
//! each together with the code map (ranges and trap sites). The memory is
//! freed when the `CodeMemory` is dropped.

use crate::code::{CodeKind, CodeMap, CodeRange, TrapSite};
use crate::error::CompileError;
use crate::traps::TrapKind;
use cranelift_codegen::ir::{self, LibCall};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::{Context, FinalizedMachReloc};
use cranelift_jit::{ArenaMemoryProvider, JITBuilder, JITModule};
use cranelift_module::{FuncId, Module, ModuleReloc};
use std::sync::Mutex;

/// One function's machine code, ready to be placed.
pub struct CompiledFunction {
    /// What the code is (for the code map).
    pub kind: CodeKind,
    /// Its signature (declared in the JIT module before placing).
    pub signature: ir::Signature,
    /// Machine code, constant pool included.
    pub bytes: Vec<u8>,
    /// Required alignment of the first byte.
    pub alignment: u64,
    /// Relocations to other functions of the same batch or to libcalls.
    pub relocs: Vec<ModuleReloc>,
    /// Trap sites as (offset from the start, kind).
    pub traps: Vec<(u32, TrapKind)>,
}

impl CompiledFunction {
    /// Takes the result of `Context::compile` out of `ctx`. `id` is the
    /// function's id in the batch (its position in it).
    pub fn from_context(
        ctx: &Context,
        id: u32,
        kind: CodeKind,
    ) -> Result<CompiledFunction, CompileError> {
        let code = ctx
            .compiled_code()
            .ok_or_else(|| CompileError::Codegen("no code after compile".into()))?;
        let func_id = FuncId::from_u32(id);
        let relocs = code
            .buffer
            .relocs()
            .iter()
            .map(|r: &FinalizedMachReloc| ModuleReloc::from_mach_reloc(r, &ctx.func, func_id))
            .collect();
        let traps = code
            .buffer
            .traps()
            .iter()
            .map(|t| {
                TrapKind::from_code(t.code)
                    .map(|kind| (t.offset, kind))
                    .ok_or_else(|| CompileError::Codegen(format!("unknown trap code {}", t.code)))
            })
            .collect::<Result<_, _>>()?;
        Ok(CompiledFunction {
            kind,
            signature: ctx.func.signature.clone(),
            bytes: code.code_buffer().to_vec(),
            alignment: code.buffer.alignment as u64,
            relocs,
            traps,
        })
    }
}

/// Executable memory holding one batch of placed functions.
pub struct CodeMemory {
    // Only touched when placing and when dropping; the mutex makes the
    // (Send but not Sync) JIT module shareable.
    module: Mutex<Option<JITModule>>,
    addresses: Vec<usize>,
    map: CodeMap,
}

impl std::fmt::Debug for CodeMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeMemory")
            .field("start", &self.map.start())
            .field("end", &self.map.end())
            .finish()
    }
}

/// Scalar libm functions Cranelift may call on targets without the
/// matching instructions (rounding without SSE4.1, fused multiply-add).
/// Defined here so placement never depends on what the host binary links.
mod libm {
    pub extern "C" fn ceilf(x: f32) -> f32 {
        x.ceil()
    }
    pub extern "C" fn ceil(x: f64) -> f64 {
        x.ceil()
    }
    pub extern "C" fn floorf(x: f32) -> f32 {
        x.floor()
    }
    pub extern "C" fn floor(x: f64) -> f64 {
        x.floor()
    }
    pub extern "C" fn truncf(x: f32) -> f32 {
        x.trunc()
    }
    pub extern "C" fn trunc(x: f64) -> f64 {
        x.trunc()
    }
    pub extern "C" fn nearbyintf(x: f32) -> f32 {
        x.round_ties_even()
    }
    pub extern "C" fn nearbyint(x: f64) -> f64 {
        x.round_ties_even()
    }
    pub extern "C" fn fmaf(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
    pub extern "C" fn fma(a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }
}

fn libm_symbols() -> [(&'static str, *const u8); 10] {
    [
        ("ceilf", libm::ceilf as *const u8),
        ("ceil", libm::ceil as *const u8),
        ("floorf", libm::floorf as *const u8),
        ("floor", libm::floor as *const u8),
        ("truncf", libm::truncf as *const u8),
        ("trunc", libm::trunc as *const u8),
        ("nearbyintf", libm::nearbyintf as *const u8),
        ("nearbyint", libm::nearbyint as *const u8),
        ("fmaf", libm::fmaf as *const u8),
        ("fma", libm::fma as *const u8),
    ]
}

fn module_error(e: cranelift_module::ModuleError) -> CompileError {
    CompileError::Codegen(e.to_string())
}

/// Bytes to reserve for a batch: every function at its alignment (at
/// least `alignment`), plus room for the provider rounding segments up to
/// whole pages (of up to 64 KiB). Only address space: untouched pages cost
/// nothing.
fn arena_size(functions: &[CompiledFunction], alignment: u64) -> usize {
    let code: usize = functions
        .iter()
        .map(|f| {
            f.bytes
                .len()
                .next_multiple_of(f.alignment.max(alignment) as usize)
        })
        .sum();
    code + 2 * 64 * 1024
}

impl CodeMemory {
    /// Places `functions` (function `i` has id `i`, as used by relocations)
    /// for the host ISA `isa`.
    pub fn place(
        isa: OwnedTargetIsa,
        functions: Vec<CompiledFunction>,
    ) -> Result<CodeMemory, CompileError> {
        // Every function starts at the ISA's preferred alignment (32 bytes
        // on x86_64), as an ahead-of-time linker would place it: the
        // minimum (1 byte) lets hot loops straddle fetch blocks and makes
        // run times depend on where a function happened to land.
        let alignment = u64::from(isa.function_alignment().preferred).max(16);
        let mut builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        // One reservation for the whole batch: PC-relative calls between its
        // functions stay in range (±2 GiB on x86_64), and its code is one
        // contiguous run for the code registry.
        let arena = ArenaMemoryProvider::new_with_size(arena_size(&functions, alignment))
            .map_err(|e| CompileError::Codegen(format!("cannot reserve code memory: {e}")))?;
        builder.memory_provider(Box::new(arena));
        for (name, ptr) in libm_symbols() {
            builder.symbol(name, ptr);
        }
        let mut module = JITModule::new(builder);

        let mut ids = Vec::with_capacity(functions.len());
        for f in &functions {
            ids.push(
                module
                    .declare_anonymous_function(&f.signature)
                    .map_err(module_error)?,
            );
        }
        for (f, id) in functions.iter().zip(&ids) {
            // Any other libcall would be looked up in the process (and panic
            // when missing): refuse it here instead.
            for reloc in &f.relocs {
                if let cranelift_module::ModuleRelocTarget::LibCall(lc) = reloc.name
                    && !matches!(
                        lc,
                        LibCall::CeilF32
                            | LibCall::CeilF64
                            | LibCall::FloorF32
                            | LibCall::FloorF64
                            | LibCall::TruncF32
                            | LibCall::TruncF64
                            | LibCall::NearestF32
                            | LibCall::NearestF64
                            | LibCall::FmaF32
                            | LibCall::FmaF64
                    )
                {
                    return Err(CompileError::Codegen(format!("unsupported libcall {lc}")));
                }
            }
            module
                .define_function_bytes(*id, f.alignment.max(alignment), &f.bytes, &f.relocs)
                .map_err(module_error)?;
        }
        module.finalize_definitions().map_err(module_error)?;

        let mut addresses = Vec::with_capacity(functions.len());
        let mut ranges = Vec::with_capacity(functions.len());
        let mut traps = Vec::new();
        for (f, id) in functions.iter().zip(&ids) {
            let start = module.get_finalized_function(*id) as usize;
            addresses.push(start);
            ranges.push(CodeRange {
                start,
                end: start + f.bytes.len(),
                kind: f.kind,
            });
            traps.extend(f.traps.iter().map(|(offset, kind)| TrapSite {
                pc: start + *offset as usize,
                kind: *kind,
            }));
        }
        Ok(CodeMemory {
            module: Mutex::new(Some(module)),
            addresses,
            map: CodeMap::new(ranges, traps),
        })
    }

    /// Address of the `i`th placed function.
    pub fn address(&self, i: usize) -> usize {
        self.addresses[i]
    }

    /// Ranges and trap sites of the placed code.
    pub fn code_map(&self) -> &CodeMap {
        &self.map
    }

    /// The code map, to attach names before it is registered.
    pub fn code_map_mut(&mut self) -> &mut CodeMap {
        &mut self.map
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        let module = self.module.get_mut().ok().and_then(Option::take);
        if let Some(module) = module {
            // SAFETY: the code is unreachable once its owner drops it:
            // instances and functions hold the owning `Arc` while they can
            // run it, and the runtime unregisters its code map first.
            unsafe { module.free_memory() };
        }
    }
}
