//! Inlining of small functions into their direct callers within a module,
//! with Cranelift's inliner (`Context::inline`).
//!
//! Compilation with inlining runs in two parallel passes (`compiler.rs`):
//! first the bodies short enough to be worth inlining
//! ([`is_candidate_body`]) are translated to IR and kept as [`Callees`];
//! then every function is translated (or its kept IR copied), has its
//! `call`s of eligible callees replaced by their bodies, and is compiled.
//! Callers inline the callees' IR as translated, without the callees' own
//! inlining (one level), so no order between functions is needed and
//! recursion cannot unroll: a function is never inlined into itself.
//!
//! What is inlined, and why the rest is not:
//! - only `call` of a defined function: imports, `call_indirect` and
//!   `call_ref` have no body known here;
//! - not a call inside `try_table` (a `try_call`): its handlers would have
//!   to be merged into every call of the inlined body;
//! - not a tail call (`return_call`), and no callee that makes one: the
//!   callee's frame replacement would become a plain call;
//! - no callee with `try_table` (a `try_call`) or with GC references live
//!   across a call (a stack map): exception tables and stack maps stay as
//!   the translator made them;
//! - no callee of more than [`MAX_CALLEE_VALUES`] IR values, and no more
//!   inlining into a caller once it would exceed [`MAX_CALLER_VALUES`]
//!   (Wasmtime's measure and its default sum threshold), which bounds the
//!   growth of compile time.
//!
//! Fuel and epoch checks are part of the callee's IR, so they count and
//! check exactly as the call did. The callee's stack-limit check goes away
//! with its frame: the caller's frame grows instead and its own check
//! covers it. A direct call passes the caller's vmctx as the callee's, so
//! the callee's vmctx-based global values mean the same in the caller.
//!
//! Backtraces: an inlined function has no frame of its own, so a trap or
//! host call inside its inlined body shows the caller's frame at the
//! offset of the `call` (Wasmtime's inliner drops the frame too, and its
//! inlined code has no wasm offset at all). Cranelift's inliner copies no
//! source locations, so [`Callees::inline_into`] gives every instruction
//! made for a call site the location of that call.

use cranelift_codegen::CodegenError;
use cranelift_codegen::Context;
use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, ExternalName, Opcode, SourceLoc, UserFuncName};
use std::borrow::Cow;

/// Bodies (locals and code) of at most this many bytes are translated
/// ahead, to be inlined where they are called: longer ones rarely
/// translate to at most [`MAX_CALLEE_VALUES`] values.
const MAX_CANDIDATE_BODY_BYTES: usize = 32;

/// A callee of more IR values than this is not inlined. Such a callee is
/// little more than the call sequence it replaces, so inlining it hardly
/// grows the caller: on the compile corpus's large program, inlining
/// callees of up to 15 values adds 0.9% to the IR compiled, up to 50
/// values (Wasmtime's "small callee" size) 4.6% for no more speed on the
/// kernels, and up to 200 values 22% (docs/performance.md).
const MAX_CALLEE_VALUES: usize = 15;

/// A caller is not grown past this many IR values by inlining.
const MAX_CALLER_VALUES: usize = 2000;

/// Whether a body of `len` bytes is short enough to be translated ahead
/// as a possible callee.
pub fn is_candidate_body(len: usize) -> bool {
    len <= MAX_CANDIDATE_BODY_BYTES
}

/// The IR of the candidate callees of one module, by defined function
/// index, and which of them may be inlined.
pub struct Callees {
    bodies: Vec<Option<Callee>>,
}

struct Callee {
    body: ir::Function,
    inlinable: bool,
}

impl Callees {
    /// The candidates of a module of `num_defined` functions, each given
    /// as (defined index, its IR as translated).
    pub fn new(num_defined: usize, translated: Vec<(usize, ir::Function)>) -> Callees {
        let mut bodies: Vec<Option<Callee>> = (0..num_defined).map(|_| None).collect();
        for (index, body) in translated {
            let inlinable = can_be_inlined(&body);
            bodies[index] = Some(Callee { body, inlinable });
        }
        Callees { bodies }
    }

    /// The body to inline for a call of `callee` in `caller`, if it may be
    /// inlined there: a defined function (namespace 0, `translate::calls`)
    /// other than the caller, eligible as a callee.
    fn inlinable(
        &self,
        caller: &ir::Function,
        callee: &ir::UserExternalName,
    ) -> Option<&ir::Function> {
        if callee.namespace != 0 || caller.name == UserFuncName::user(0, callee.index) {
            return None;
        }
        match self.bodies.get(callee.index as usize)? {
            Some(Callee {
                body,
                inlinable: true,
            }) => Some(body),
            _ => None,
        }
    }

    /// The IR kept for defined function `index`, if it was translated
    /// ahead.
    pub fn body(&self, index: usize) -> Option<&ir::Function> {
        self.bodies.get(index)?.as_ref().map(|c| &c.body)
    }

    /// Inlines the eligible calls of the function in `ctx.func` and gives
    /// the instructions that replace each call its source location. The
    /// error is Cranelift's, for the caller to report as it reports the
    /// function's compilation (the inliner can meet the same limits).
    pub fn inline_into(&self, ctx: &mut Context) -> Result<(), CodegenError> {
        // Most functions call nothing inlinable: their few imported
        // callees say so without a walk over every instruction.
        let calls_inlinable = ctx.func.dfg.ext_funcs.values().any(|callee| {
            let ExternalName::User(name) = callee.name else {
                return false;
            };
            self.inlinable(&ctx.func, &ctx.func.params.user_named_funcs()[name])
                .is_some()
        });
        if !calls_inlinable {
            return Ok(());
        }
        let mut inliner = SiteInliner {
            callees: self,
            caller_values: ctx.func.dfg.num_values(),
            sites: Vec::new(),
        };
        ctx.inline(&mut inliner)?;
        let sites = inliner.sites;
        let Some(&(first_inlined, _)) = sites.first() else {
            return Ok(());
        };
        let func = &mut ctx.func;
        let mut inlined = Vec::new();
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                if inst.as_u32() >= first_inlined {
                    inlined.push(inst);
                }
            }
        }
        for inst in inlined {
            let site = sites.partition_point(|&(first, _)| first <= inst.as_u32()) - 1;
            func.set_srcloc(inst, sites[site].1);
        }
        Ok(())
    }
}

/// Whether the callee `body` may be inlined (see the module's doc).
fn can_be_inlined(body: &ir::Function) -> bool {
    if body.dfg.num_values() > MAX_CALLEE_VALUES {
        return false;
    }
    body.layout.blocks().all(|block| {
        body.layout.block_insts(block).all(|inst| {
            let refused = matches!(
                body.dfg.insts[inst].opcode(),
                Opcode::TryCall
                    | Opcode::TryCallIndirect
                    | Opcode::ReturnCall
                    | Opcode::ReturnCallIndirect
            );
            !refused && body.dfg.user_stack_map_entries(inst).is_none()
        })
    })
}

/// Cranelift's hook for one caller: says which calls to inline and
/// records where the instructions of each inlined call begin.
struct SiteInliner<'a> {
    callees: &'a Callees,
    /// The caller's size so far, in IR values.
    caller_values: usize,
    /// For each inlined call, in order: the index of the first instruction
    /// made for it (instructions are numbered in creation order, and
    /// Cranelift inlines one call completely before asking about the
    /// next) and the call's source location.
    sites: Vec<(u32, SourceLoc)>,
}

impl Inline for SiteInliner<'_> {
    fn inline(
        &mut self,
        caller: &ir::Function,
        call_inst: ir::Inst,
        call_opcode: Opcode,
        callee: ir::FuncRef,
        _call_args: &[ir::Value],
    ) -> InlineCommand<'_> {
        if call_opcode != Opcode::Call {
            return InlineCommand::KeepCall;
        }
        let ExternalName::User(name) = caller.dfg.ext_funcs[callee].name else {
            return InlineCommand::KeepCall;
        };
        let name = &caller.params.user_named_funcs()[name];
        let Some(body) = self.callees.inlinable(caller, name) else {
            return InlineCommand::KeepCall;
        };
        let size = body.dfg.num_values();
        if self.caller_values + size > MAX_CALLER_VALUES {
            return InlineCommand::KeepCall;
        }
        self.caller_values += size;
        let first = u32::try_from(caller.dfg.num_insts()).unwrap_or(u32::MAX);
        self.sites.push((first, caller.srcloc(call_inst)));
        InlineCommand::Inline {
            callee: Cow::Borrowed(body),
            visit_callee: false,
        }
    }
}
