//! Structured control flow: `block`, `loop`, `if`/`else`/`end`,
//! `try_table` (a block whose catch clauses `exceptions` turns into
//! handlers), `br`, `br_if`, `br_on_null`, `br_on_non_null`, `br_table`,
//! `return`, `unreachable`, with multi-value block parameters and results,
//! and the skipping of unreachable code.
//!
//! Every frame has a destination block whose parameters are the frame's
//! results; `end` and branches to a block or `if` jump there with the top
//! operands as arguments. A loop also has a header block, with the loop's
//! parameters as block parameters, where branches to the loop go. An
//! `if` keeps its parameters aside so that its `else` arm (or the implicit
//! one when there is no `else`) starts from them again. Blocks are sealed
//! as soon as all their predecessors exist: a destination at `end`, a loop
//! header at its `end`, every other block when created.

use super::{Translation, bug};
use crate::abi;
use crate::error::CompileError;
use crate::traps::Trap;
use crate::types::ValType;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData};
use wasmparser::{BlockType, BrTable, Operator, TryTable};

/// What kind of construct a frame is.
#[derive(Copy, Clone, Debug)]
pub(super) enum FrameKind {
    /// A `block`, or the function body.
    Block,
    /// A `loop`; branches go to `header`.
    Loop { header: Block },
    /// An `if`; `else_block` starts the else arm, which falls through to the
    /// destination with the saved parameters unless an `else` was seen.
    If { else_block: Block, has_else: bool },
    /// A `try_table`, a block whose catch clauses are
    /// `State::clauses[first_clause..]` (up to the next open `try_table`'s).
    TryTable { first_clause: usize },
}

/// One open block.
#[derive(Copy, Clone, Debug)]
pub(super) struct Frame {
    pub(super) kind: FrameKind,
    /// Where control continues after the frame; parameters = results.
    pub(super) dest: Block,
    /// Operand stack height below the frame's parameters.
    pub(super) base: usize,
    /// Number of parameters.
    pub(super) params: usize,
    /// Number of results.
    pub(super) results: usize,
    /// Start of this frame's parameters in `State::saved` (`if` only).
    pub(super) saved: usize,
    /// Whether some branch targets `dest`.
    pub(super) reached: bool,
}

impl Frame {
    /// The block a branch to this frame jumps to, and how many operands it
    /// passes.
    fn target(&self) -> (Block, usize) {
        match self.kind {
            FrameKind::Loop { header } => (header, self.params),
            _ => (self.dest, self.results),
        }
    }
}

/// A one-element slice standing for a single-result block type. Block
/// types matter to translation only through their Cranelift types, so a
/// reference type is represented by `anyref` (an `i32` GC reference) or
/// `funcref` (function and host references are `i64`s), which lets the
/// slice be static.
fn single(ty: ValType) -> &'static [ValType] {
    match ty {
        ValType::I32 => &[ValType::I32],
        ValType::I64 => &[ValType::I64],
        ValType::F32 => &[ValType::F32],
        ValType::F64 => &[ValType::F64],
        ValType::V128 => &[ValType::V128],
        ValType::Ref(r) if r.is_gc() => &[ValType::ANYREF],
        ValType::Ref(_) => &[ValType::FUNCREF],
    }
}

impl<'a> Translation<'a> {
    operator_handlers! { self;
        visit_nop => {},
        visit_block(blockty: BlockType) => self.block(blockty)?,
        visit_loop(blockty: BlockType) => self.loop_(blockty)?,
        visit_if(blockty: BlockType) => self.if_(blockty)?,
        visit_try_table(try_table: TryTable) => self.try_table(&try_table)?,
        visit_else => self.else_()?,
        visit_end => self.end()?,
        visit_br(relative_depth: u32) => self.br(relative_depth)?,
        visit_br_if(relative_depth: u32) => self.br_if(relative_depth)?,
        visit_br_table(targets: BrTable<'_>) => self.br_table(&targets)?,
        visit_br_on_null(relative_depth: u32) => self.br_on_null(relative_depth)?,
        visit_br_on_non_null(relative_depth: u32) => self.br_on_non_null(relative_depth)?,
    }

    pub(super) fn visit_unreachable(&mut self) -> Result<(), CompileError> {
        self.b.ins().trap(Trap::UnreachableCodeReached.code());
        self.st.reachable = false;
        Ok(())
    }

    pub(super) fn visit_return(&mut self) -> Result<(), CompileError> {
        let depth = self.st.control.len().saturating_sub(1);
        self.br(depth as u32)?;
        Ok(())
    }

    /// Handles an operator in unreachable code: only nesting is tracked,
    /// until the `else` or `end` of the frame that became unreachable.
    pub(super) fn skip_unreachable(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. } => {
                self.st.unreachable_depth += 1;
            }
            Operator::Else if self.st.unreachable_depth == 0 => self.else_()?,
            Operator::End if self.st.unreachable_depth == 0 => self.end()?,
            Operator::End => self.st.unreachable_depth -= 1,
            // Legacy exception handling's blocks would throw the depth count
            // off; its operators are refused in reachable code anyway.
            Operator::Try { .. } => {
                return Err(CompileError::Unsupported(
                    "legacy exception handling, even in unreachable code".into(),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// The parameter and result types of a block type.
    fn block_sig(&self, ty: BlockType) -> Result<(&'a [ValType], &'a [ValType]), CompileError> {
        let env: &'a super::ModuleEnv<'a> = self.env;
        Ok(match ty {
            BlockType::Empty => (&[], &[]),
            BlockType::Type(t) => (&[], single(super::val_type(t, self.env.info)?)),
            BlockType::FuncType(i) => {
                let f = env
                    .info
                    .types
                    .get(i as usize)
                    .and_then(|t| t.as_func())
                    .ok_or_else(|| bug("block type index out of range"))?;
                (f.params(), f.results())
            }
        })
    }

    /// A new block with parameters of the given wasm types.
    fn block_with_params(&mut self, types: &[ValType]) -> Block {
        let block = self.b.create_block();
        for &ty in types {
            self.b.append_block_param(block, abi::clif_type(ty));
        }
        block
    }

    fn push_frame(
        &mut self,
        kind: FrameKind,
        dest: Block,
        base: usize,
        params: usize,
        results: usize,
    ) {
        let saved = self.st.saved.len();
        self.st.control.push(Frame {
            kind,
            dest,
            base,
            params,
            results,
            saved,
            reached: false,
        });
    }

    /// Puts the top `n` operands (which stay on the stack) in
    /// `State::block_args`.
    pub(super) fn top_as_block_args(&mut self, n: usize) -> Result<(), CompileError> {
        let base = self.base_of(n)?;
        self.st.block_args.clear();
        self.st
            .block_args
            .extend(self.st.stack[base..].iter().map(|&v| BlockArg::Value(v)));
        Ok(())
    }

    /// Jumps to `block` passing the top `n` operands (which stay on the stack).
    fn jump_with_top(&mut self, block: Block, n: usize) -> Result<(), CompileError> {
        self.top_as_block_args(n)?;
        self.b.ins().jump(block, &self.st.block_args);
        Ok(())
    }

    fn block(&mut self, ty: BlockType) -> Result<(), CompileError> {
        let (params, results) = self.block_sig(ty)?;
        let dest = self.block_with_params(results);
        let base = self.base_of(params.len())?;
        self.push_frame(FrameKind::Block, dest, base, params.len(), results.len());
        Ok(())
    }

    fn loop_(&mut self, ty: BlockType) -> Result<(), CompileError> {
        let (params, results) = self.block_sig(ty)?;
        let header = self.block_with_params(params);
        let dest = self.block_with_params(results);
        let base = self.base_of(params.len())?;
        self.jump_with_top(header, params.len())?;
        self.truncate_stack(base);
        self.b.switch_to_block(header);
        self.st.stack.extend_from_slice(self.b.block_params(header));
        self.push_frame(
            FrameKind::Loop { header },
            dest,
            base,
            params.len(),
            results.len(),
        );
        Ok(())
    }

    /// `try_table`: a block, plus the handlers of its catch clauses for the
    /// calls inside it.
    fn try_table(&mut self, table: &TryTable) -> Result<(), CompileError> {
        let (params, results) = self.block_sig(table.ty)?;
        let dest = self.block_with_params(results);
        let base = self.base_of(params.len())?;
        let first_clause = self.st.clauses.len();
        self.open_clauses(&table.catches);
        self.push_frame(
            FrameKind::TryTable { first_clause },
            dest,
            base,
            params.len(),
            results.len(),
        );
        Ok(())
    }

    fn if_(&mut self, ty: BlockType) -> Result<(), CompileError> {
        let cond = self.pop()?;
        let (params, results) = self.block_sig(ty)?;
        let then_block = self.b.create_block();
        let else_block = self.b.create_block();
        let dest = self.block_with_params(results);
        self.b.ins().brif(cond, then_block, &[], else_block, &[]);
        self.b.seal_block(then_block);
        self.b.seal_block(else_block);
        let base = self.base_of(params.len())?;
        self.push_frame(
            FrameKind::If {
                else_block,
                has_else: false,
            },
            dest,
            base,
            params.len(),
            results.len(),
        );
        self.st.saved.extend_from_slice(&self.st.stack[base..]);
        self.b.switch_to_block(then_block);
        Ok(())
    }

    fn else_(&mut self) -> Result<(), CompileError> {
        let mut frame = *self
            .st
            .control
            .last()
            .ok_or_else(|| bug("else without frame"))?;
        let FrameKind::If { else_block, .. } = frame.kind else {
            return Err(bug("else outside if"));
        };
        if self.st.reachable {
            self.jump_with_top(frame.dest, frame.results)?;
            frame.reached = true;
        }
        frame.kind = FrameKind::If {
            else_block,
            has_else: true,
        };
        self.truncate_stack(frame.base);
        let saved = &self.st.saved[frame.saved..frame.saved + frame.params];
        self.st.stack.extend_from_slice(saved);
        self.b.switch_to_block(else_block);
        self.st.reachable = true;
        if let Some(top) = self.st.control.last_mut() {
            *top = frame;
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), CompileError> {
        let frame = self
            .st
            .control
            .pop()
            .ok_or_else(|| bug("end without frame"))?;
        let mut reached = frame.reached;
        if self.st.reachable {
            self.jump_with_top(frame.dest, frame.results)?;
            reached = true;
        }
        match frame.kind {
            FrameKind::If {
                else_block,
                has_else: false,
            } => {
                // The implicit else arm passes the parameters through.
                self.b.switch_to_block(else_block);
                self.st.block_args.clear();
                let saved = &self.st.saved[frame.saved..frame.saved + frame.params];
                self.st
                    .block_args
                    .extend(saved.iter().map(|&v| BlockArg::Value(v)));
                self.b.ins().jump(frame.dest, &self.st.block_args);
                reached = true;
            }
            FrameKind::Loop { header } => self.b.seal_block(header),
            FrameKind::TryTable { first_clause } => self.close_clauses(first_clause)?,
            _ => {}
        }
        self.truncate_stack(frame.base);
        self.st.saved.truncate(frame.saved);
        self.st.reachable = reached;
        if reached {
            self.b.switch_to_block(frame.dest);
            self.b.seal_block(frame.dest);
            self.st
                .stack
                .extend_from_slice(self.b.block_params(frame.dest));
            if self.st.control.is_empty() {
                self.emit_return(frame.results)?;
            }
        }
        Ok(())
    }

    /// Returns the top `n` operands (the function's results).
    fn emit_return(&mut self, n: usize) -> Result<(), CompileError> {
        let base = self.base_of(n)?;
        self.save_fuel();
        if let Some(area) = self.ret_area {
            for i in base..self.st.stack.len() {
                let value = self.st.stack[i];
                let offset = ((i - base) as u32) * abi::VALUE_SLOT_SIZE;
                self.store_at(super::runtime::VALUE, value, area, offset);
            }
            self.b.ins().return_(&[]);
        } else {
            self.b.ins().return_(&self.st.stack[base..]);
        }
        self.truncate_stack(base);
        self.st.reachable = false;
        Ok(())
    }

    /// The branch target of the frame `depth` levels out, marking its
    /// destination as reached.
    pub(super) fn branch_target(&mut self, depth: u32) -> Result<(Block, usize), CompileError> {
        let len = self.st.control.len();
        let i = len
            .checked_sub(1 + depth as usize)
            .ok_or_else(|| bug("branch depth out of range"))?;
        let frame = &mut self.st.control[i];
        if !matches!(frame.kind, FrameKind::Loop { .. }) {
            frame.reached = true;
        }
        Ok(frame.target())
    }

    fn br(&mut self, depth: u32) -> Result<(), CompileError> {
        let (target, n) = self.branch_target(depth)?;
        self.jump_with_top(target, n)?;
        self.st.reachable = false;
        Ok(())
    }

    fn br_if(&mut self, depth: u32) -> Result<(), CompileError> {
        let cond = self.pop()?;
        let (target, n) = self.branch_target(depth)?;
        self.top_as_block_args(n)?;
        let next = self.b.create_block();
        self.b
            .ins()
            .brif(cond, target, &self.st.block_args, next, &[]);
        self.b.seal_block(next);
        self.b.switch_to_block(next);
        Ok(())
    }

    /// `br_on_null`: branches with the operands below the reference when
    /// it is null, else continues with the reference on the stack.
    fn br_on_null(&mut self, depth: u32) -> Result<(), CompileError> {
        let reference = self.pop()?;
        let (target, n) = self.branch_target(depth)?;
        self.top_as_block_args(n)?;
        let next = self.b.create_block();
        self.b
            .ins()
            .brif(reference, next, &[], target, &self.st.block_args);
        self.b.seal_block(next);
        self.b.switch_to_block(next);
        self.push(reference);
        Ok(())
    }

    /// `br_on_non_null`: branches with the operands and the reference
    /// when it is not null, else drops it and continues.
    fn br_on_non_null(&mut self, depth: u32) -> Result<(), CompileError> {
        let reference = *self
            .st
            .stack
            .last()
            .ok_or_else(|| bug("operand stack underflow"))?;
        let (target, n) = self.branch_target(depth)?;
        self.top_as_block_args(n)?;
        let next = self.b.create_block();
        self.b
            .ins()
            .brif(reference, target, &self.st.block_args, next, &[]);
        self.b.seal_block(next);
        self.b.switch_to_block(next);
        self.pop()?;
        Ok(())
    }

    fn br_table(&mut self, table: &BrTable<'_>) -> Result<(), CompileError> {
        let index = self.pop()?;
        self.st.targets.clear();
        for depth in table.targets() {
            self.st.targets.push(depth?);
        }
        let default = table.default();
        let (default_block, n) = self.branch_target(default)?;
        self.st.calls.clear();
        if n == 0 {
            // No arguments: the jump table goes straight to the targets.
            for i in 0..self.st.targets.len() {
                let (block, _) = self.branch_target(self.st.targets[i])?;
                let call = self.b.func.dfg.block_call(block, &[]);
                self.st.calls.push(call);
            }
            let default_call = self.b.func.dfg.block_call(default_block, &[]);
            let jt = self
                .b
                .create_jump_table(JumpTableData::new(default_call, &self.st.calls));
            self.b.ins().br_table(index, jt);
        } else {
            // Arguments: one edge block per distinct depth passes them on.
            self.st.edges.clear();
            self.st.edge_order.clear();
            for i in 0..self.st.targets.len() {
                let edge = self.edge_block(self.st.targets[i]);
                let call = self.b.func.dfg.block_call(edge, &[]);
                self.st.calls.push(call);
            }
            let edge = self.edge_block(default);
            let default_call = self.b.func.dfg.block_call(edge, &[]);
            let jt = self
                .b
                .create_jump_table(JumpTableData::new(default_call, &self.st.calls));
            self.b.ins().br_table(index, jt);
            for i in 0..self.st.edge_order.len() {
                let (depth, edge) = self.st.edge_order[i];
                self.b.seal_block(edge);
                self.b.switch_to_block(edge);
                let (target, n) = self.branch_target(depth)?;
                self.jump_with_top(target, n)?;
            }
        }
        self.st.reachable = false;
        Ok(())
    }

    /// The `br_table` edge block for a depth, created on first use.
    fn edge_block(&mut self, depth: u32) -> Block {
        if let Some(&block) = self.st.edges.get(&depth) {
            return block;
        }
        let block = self.b.create_block();
        self.st.edges.insert(depth, block);
        self.st.edge_order.push((depth, block));
        block
    }
}
