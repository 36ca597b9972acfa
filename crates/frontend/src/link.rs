//! Linking a batch of compiled functions into a [`CodeImage`]: calls
//! between the batch's functions are PC-relative and resolved by
//! Cranelift's text section builder (which also inserts veneers where a
//! call could not reach); calls to host symbols become relocations for the
//! loader.
//!
//! Where a function starts also decides where its loops fall across cache
//! lines, which Cranelift does not align inside a function: a function
//! with a loop is placed so that its hottest loop's header starts in the
//! first 16 bytes of a 64-byte line (`loop_aware_start`).

use crate::address_map::AddressMap;
use crate::code::CodeKind;
use crate::error::CompileError;
use crate::image::{
    CodeImage, FunctionLoc, Handler, HandlerSite, HostReloc, HostRelocKind, HostSymbol, StackMap,
};
use crate::traps::TrapReason;
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{ExternalName, LibCall, UserStackMap};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::{
    Context, ExceptionContextLoc, FinalizedMachCallSite, FinalizedMachExceptionHandler,
    FinalizedRelocTarget,
};

/// The symbol for a Cranelift libcall, if it is one Egret supplies.
fn host_symbol(libcall: LibCall) -> Option<HostSymbol> {
    Some(match libcall {
        LibCall::CeilF32 => HostSymbol::CeilF32,
        LibCall::CeilF64 => HostSymbol::CeilF64,
        LibCall::FloorF32 => HostSymbol::FloorF32,
        LibCall::FloorF64 => HostSymbol::FloorF64,
        LibCall::TruncF32 => HostSymbol::TruncF32,
        LibCall::TruncF64 => HostSymbol::TruncF64,
        LibCall::NearestF32 => HostSymbol::NearestF32,
        LibCall::NearestF64 => HostSymbol::NearestF64,
        LibCall::FmaF32 => HostSymbol::FmaF32,
        LibCall::FmaF64 => HostSymbol::FmaF64,
        _ => return None,
    })
}

/// Where a relocation points.
#[derive(Copy, Clone, Debug)]
enum RelocTarget {
    /// Another function of the batch, by its position in it.
    Function(u32),
    /// A host function.
    Host(HostSymbol),
}

/// One relocation, at an offset from the start of its function.
#[derive(Copy, Clone, Debug)]
struct FunctionReloc {
    offset: u32,
    kind: Reloc,
    target: RelocTarget,
    addend: i64,
}

/// One function's machine code, ready to be linked.
pub struct CompiledFunction {
    /// What the code is.
    pub kind: CodeKind,
    /// Machine code, constant pool included.
    pub bytes: Vec<u8>,
    /// Required alignment of the first byte.
    pub alignment: u32,
    /// Trap sites as (offset from the start, kind).
    pub traps: Vec<(u32, TrapReason)>,
    /// Calls with exception handlers, offsets from the start.
    pub handler_sites: Vec<HandlerSite>,
    /// Calls at which the frame holds GC references, offsets from the
    /// start.
    pub stack_maps: Vec<StackMap>,
    /// The wasm instruction each byte came from, offsets from the start.
    pub addresses: AddressMap,
    /// The offset of the header of the function's hottest loop, if it has
    /// a loop (`hottest_loop_header`).
    pub hot_loop_header: Option<u32>,
    relocs: Vec<FunctionReloc>,
}

/// Bytes of a cache line, the unit in which processors fetch and predict
/// code: a loop header block that straddles two lines costs the front end
/// on every iteration (measured: the `vm` kernel's interpreter loop, whose
/// dispatch block is 45 bytes up to its indirect jump, runs 1.7x longer on
/// an AMD EPYC when that block crosses a line).
const CACHE_LINE: u64 = 64;

/// The step at which a function with a loop is placed: every function
/// starts at least 16-byte aligned (Cranelift's constant pools need no
/// more, see `link`), and four steps cover every position in a line.
const LOOP_PLACEMENT_STEP: u64 = 16;

/// The start of the block that the most branches go back to, from
/// Cranelift's machine-code CFG (`(from, to)` block-start offsets): a
/// backward edge in the final block order is a loop's back edge (or, more
/// rarely, a cold block's jump back into the function, which only ever
/// costs a placement). Ties go to the loop whose latest back edge comes
/// from nearest its header, the innermost one.
fn hottest_loop_header(bb_edges: &[(u32, u32)]) -> Option<u32> {
    let mut headers = std::collections::BTreeMap::<u32, (usize, u32)>::new();
    for &(from, to) in bb_edges.iter().filter(|(from, to)| from >= to) {
        let (back_edges, extent) = headers.entry(to).or_insert((0, 0));
        *back_edges += 1;
        *extent = (*extent).max(from - to);
    }
    headers
        .into_iter()
        .max_by_key(|&(header, (back_edges, extent))| {
            (back_edges, std::cmp::Reverse(extent), header)
        })
        .map(|(header, _)| header)
}

/// The start, at or after `end` and `LOOP_PLACEMENT_STEP`-aligned, that
/// puts a function's loop header at offset `header` in the first
/// `LOOP_PLACEMENT_STEP` bytes of a cache line, where the most of the
/// header's block fits in the line (Cranelift has no loop alignment; this
/// is the one degree of freedom left, at most 48 bytes of padding).
fn loop_aware_start(end: u64, header: u32) -> u64 {
    let first = end.next_multiple_of(LOOP_PLACEMENT_STEP);
    let header_in_line = (first + u64::from(header)) % CACHE_LINE;
    // Steps forward to the next line start, less any part of a step.
    let steps = (CACHE_LINE - header_in_line).div_ceil(LOOP_PLACEMENT_STEP)
        % (CACHE_LINE / LOOP_PLACEMENT_STEP);
    first + steps * LOOP_PLACEMENT_STEP
}

/// The handler site of a call with exception handlers, `None` for a call
/// without. The translator gives every call inside `try_table` the caller's
/// vmctx as the exception context before its tags, and Cranelift must have
/// saved it in the frame (a call to a `Tail` callee clobbers every
/// register).
fn handler_site(call: &FinalizedMachCallSite<'_>) -> Result<Option<HandlerSite>, CompileError> {
    if call.exception_handlers.is_empty() {
        return Ok(None);
    }
    let unexpected = |what: &str| CompileError::Codegen(format!("exception handlers: {what}"));
    let frame_offset = call
        .frame_offset
        .ok_or_else(|| unexpected("no frame offset"))?;
    let mut vmctx_offset = None;
    let mut handlers = Vec::new();
    for handler in call.exception_handlers {
        match *handler {
            FinalizedMachExceptionHandler::Context(ExceptionContextLoc::SPOffset(offset)) => {
                vmctx_offset = Some(offset);
            }
            FinalizedMachExceptionHandler::Context(ExceptionContextLoc::GPR(_)) => {
                return Err(unexpected("the vmctx is in a register"));
            }
            FinalizedMachExceptionHandler::Tag(tag, offset) => {
                handlers.push(Handler {
                    tag: Some(tag.as_u32()),
                    offset,
                });
            }
            FinalizedMachExceptionHandler::Default(offset) => {
                handlers.push(Handler { tag: None, offset });
            }
        }
    }
    Ok(Some(HandlerSite {
        ret_addr: call.ret_addr,
        frame_offset,
        vmctx_offset: vmctx_offset.ok_or_else(|| unexpected("no vmctx"))?,
        handlers,
    }))
}

/// The stack map of the call returning to `ret_addr`: the translator
/// declares 32-bit references (`anyref` and its subtypes) and 64-bit ones
/// (`externref`) only.
fn stack_map(ret_addr: u32, frame_size: u32, map: &UserStackMap) -> Result<StackMap, CompileError> {
    let mut stack_map = StackMap {
        ret_addr,
        frame_size,
        any_slots: Vec::new(),
        extern_slots: Vec::new(),
    };
    for (ty, offset) in map.entries() {
        match ty {
            I32 => stack_map.any_slots.push(offset),
            I64 => stack_map.extern_slots.push(offset),
            other => {
                return Err(CompileError::Codegen(format!(
                    "a stack map entry of type {other}"
                )));
            }
        }
    }
    Ok(stack_map)
}

impl CompiledFunction {
    /// Takes the result of `Context::compile` out of `ctx`. Calls to other
    /// functions of the batch name them as `UserExternalName(0, position)`.
    /// `body_offset` is where a wasm function's body starts in its module
    /// (`None` for a trampoline).
    pub fn from_context(
        ctx: &Context,
        kind: CodeKind,
        body_offset: Option<u32>,
    ) -> Result<CompiledFunction, CompileError> {
        let code = ctx
            .compiled_code()
            .ok_or_else(|| CompileError::Codegen("no code after compile".into()))?;
        let relocs = code
            .buffer
            .relocs()
            .iter()
            .map(|r| {
                let target = match &r.target {
                    FinalizedRelocTarget::ExternalName(ExternalName::User(name)) => {
                        RelocTarget::Function(ctx.func.params.user_named_funcs()[*name].index)
                    }
                    FinalizedRelocTarget::ExternalName(ExternalName::LibCall(libcall)) => {
                        RelocTarget::Host(host_symbol(*libcall).ok_or_else(|| {
                            CompileError::Codegen(format!("unsupported libcall {libcall}"))
                        })?)
                    }
                    other => {
                        return Err(CompileError::Codegen(format!(
                            "unsupported relocation target {other:?}"
                        )));
                    }
                };
                Ok(FunctionReloc {
                    offset: r.offset,
                    kind: r.kind,
                    target,
                    addend: r.addend,
                })
            })
            .collect::<Result<_, _>>()?;
        let traps = code
            .buffer
            .traps()
            .iter()
            .map(|t| {
                TrapReason::from_code(t.code)
                    .map(|kind| (t.offset, kind))
                    .ok_or_else(|| CompileError::Codegen(format!("unknown trap code {}", t.code)))
            })
            .collect::<Result<_, _>>()?;
        let mut handler_sites = Vec::new();
        for call in code.buffer.call_sites() {
            handler_sites.extend(handler_site(&call)?);
        }
        let stack_maps = code
            .buffer
            .user_stack_maps()
            .iter()
            .map(|(ret_addr, frame_size, map)| stack_map(*ret_addr, *frame_size, map))
            .collect::<Result<_, _>>()?;
        let bytes = code.code_buffer().to_vec();
        let code_len = u32::try_from(bytes.len()).map_err(|_| too_large())?;
        let addresses = body_offset.map_or_else(AddressMap::default, |body_offset| {
            let ranges = code.buffer.get_srclocs_sorted().iter().map(|range| {
                let wasm_offset = (!range.loc.is_default()).then(|| range.loc.bits());
                (range.start, range.end, wasm_offset)
            });
            AddressMap::of_function(body_offset, code_len, ranges)
        });
        Ok(CompiledFunction {
            kind,
            bytes,
            alignment: code.buffer.alignment,
            relocs,
            traps,
            handler_sites,
            stack_maps,
            addresses,
            hot_loop_header: hottest_loop_header(&code.bb_edges),
        })
    }
}

impl CodeImage {
    /// Links `functions` (function `i` is batch member `i`, as relocations
    /// name it) for `isa`. A function without a loop starts at the ISA's
    /// preferred alignment (32 bytes on x86_64), as an ahead-of-time linker
    /// would place it: the minimum (1 byte) lets hot code straddle fetch
    /// blocks and makes run times depend on where a function happened to
    /// land. A function with a loop starts where its hottest loop's header
    /// begins a cache line (`loop_aware_start`), which matters more.
    pub fn link(
        isa: &dyn TargetIsa,
        functions: &[CompiledFunction],
    ) -> Result<CodeImage, CompileError> {
        let preferred = isa.function_alignment().preferred.max(16);
        let mut builder = isa.text_section_builder(functions.len());
        let mut ctrl = ControlPlane::default();
        let mut image = CodeImage::default();
        // Where the previous function ended (the builder may add a veneer
        // island after it on aarch64, which only moves a loop off its line).
        let mut end = 0;
        for f in functions {
            let start = match f.hot_loop_header {
                Some(header) if u64::from(f.alignment) <= LOOP_PLACEMENT_STEP => {
                    let start = loop_aware_start(end, header);
                    let padding = vec![0; (start - end) as usize];
                    builder.append(false, &padding, 1, &mut ctrl);
                    builder.append(true, &f.bytes, LOOP_PLACEMENT_STEP as u32, &mut ctrl)
                }
                _ => builder.append(true, &f.bytes, f.alignment.max(preferred), &mut ctrl),
            };
            end = start + f.bytes.len() as u64;
            let start = u32::try_from(start).map_err(|_| too_large())?;
            let len = u32::try_from(f.bytes.len()).map_err(|_| too_large())?;
            image.functions.push(FunctionLoc {
                kind: f.kind,
                start,
                len,
            });
            image
                .traps
                .extend(f.traps.iter().map(|(offset, kind)| (start + offset, *kind)));
            image
                .handler_sites
                .extend(f.handler_sites.iter().map(|site| {
                    let mut site = site.clone();
                    site.ret_addr += start;
                    for handler in &mut site.handlers {
                        handler.offset += start;
                    }
                    site
                }));
            image.addresses.append(&f.addresses, start);
            image
                .stack_maps
                .extend(f.stack_maps.iter().map(|map| StackMap {
                    ret_addr: map.ret_addr + start,
                    ..map.clone()
                }));
            for reloc in &f.relocs {
                let offset = start + reloc.offset;
                match reloc.target {
                    RelocTarget::Function(target) => {
                        let resolved = (target as usize) < functions.len()
                            && builder.resolve_reloc(
                                offset.into(),
                                reloc.kind,
                                reloc.addend,
                                target as usize,
                            );
                        if !resolved {
                            return Err(CompileError::Codegen(format!(
                                "cannot link a {} call to function {target}",
                                reloc.kind
                            )));
                        }
                    }
                    RelocTarget::Host(symbol) => {
                        let kind = match reloc.kind {
                            Reloc::Abs8 => HostRelocKind::Abs8,
                            other => {
                                return Err(CompileError::Codegen(format!(
                                    "unsupported relocation {other} to {symbol:?}"
                                )));
                            }
                        };
                        image.host_relocs.push(HostReloc {
                            offset,
                            kind,
                            symbol,
                            addend: reloc.addend,
                        });
                    }
                }
            }
        }
        image.text = builder.finish(&mut ctrl);
        u32::try_from(image.text.len()).map_err(|_| too_large())?;
        image.traps.sort_unstable_by_key(|(offset, _)| *offset);
        image
            .handler_sites
            .sort_unstable_by_key(|site| site.ret_addr);
        image.stack_maps.sort_unstable_by_key(|map| map.ret_addr);
        Ok(image)
    }
}

fn too_large() -> CompileError {
    CompileError::Unsupported("more than 4 GiB of machine code in one module".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hottest_loop_has_the_most_back_edges_then_is_innermost() {
        // No backward edge, no loop.
        assert_eq!(hottest_loop_header(&[(0, 16), (16, 40)]), None);
        // An interpreter's dispatch block at 15, which three cases jump
        // back to, against a loop at 200 with one back edge.
        let edges = [
            (0, 15),
            (15, 90),
            (90, 15),
            (120, 15),
            (150, 15),
            (200, 230),
            (230, 200),
        ];
        assert_eq!(hottest_loop_header(&edges), Some(15));
        // Two loops with one back edge each: the inner one, at 40.
        let edges = [(0, 20), (20, 40), (40, 60), (60, 40), (80, 20)];
        assert_eq!(hottest_loop_header(&edges), Some(40));
    }

    #[test]
    fn a_loop_header_starts_in_the_first_step_of_a_line() {
        for end in 0..200 {
            for header in 0..130 {
                let start = loop_aware_start(end, header);
                assert!(start >= end && start < end + 64, "{end} {header}");
                assert_eq!(start % LOOP_PLACEMENT_STEP, 0);
                assert!((start + u64::from(header)) % CACHE_LINE < LOOP_PLACEMENT_STEP);
            }
        }
        // The `vm` kernel's dispatch loop, at 15 in its function.
        assert_eq!(loop_aware_start(100, 15), 128);
    }
}
