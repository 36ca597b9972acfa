//! Exception handling: `throw`, `throw_ref`, and the handlers of
//! `try_table` (the block itself is opened and closed in `control`).
//!
//! A `try_table`'s catch clauses become Cranelift exception-table entries
//! on every call made inside it: such a call is a `try_call` (or
//! `try_call_indirect`) whose table lists, innermost `try_table` first and
//! each in its own order, one entry per clause (a tag index of this module,
//! or a default entry for `catch_all`, after which nothing is tried), all
//! after the *context*: this function's vmctx, which tells the runtime's
//! unwinder which instance's tags the indices name. Calls outside
//! `try_table` are plain calls, so code without handlers costs nothing
//! more than before.
//!
//! Each clause has one handler block, shared by every call of its
//! `try_table` and emitted when the `try_table` ends (only if some call
//! uses it). The unwinder enters it with the exception reference as its
//! payload; it reloads the fuel counter (the throwing callees spent
//! some), reads the fields for `catch`/`catch_ref`, and branches to the
//! clause's label with the fields and, for the `_ref` forms, the
//! exception.
//!
//! `throw` creates the exception with the `exn_new` builtin, reading the
//! fields from a stack array, and both it and `throw_ref` then call the
//! `throw_ref` builtin, with the handlers of the enclosing `try_table`s
//! like any call: the unwinder starts at that call's return address, so an
//! exception thrown and caught in the same function takes the same path as
//! one from a callee. `throw_ref` never returns.

use super::control::FrameKind;
use super::{Translation, bug};
use crate::abi;
use crate::builtins::Builtin;
use crate::error::CompileError;
use crate::traps::{Trap, TrapReason};
use crate::types::FuncType;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{
    Block, BlockArg, BlockCall, ExceptionTableData, ExceptionTableItem, ExceptionTag, FuncRef,
    Inst, InstBuilder, SigRef, StackSlotData, StackSlotKind, Value,
};
use wasmparser::Catch;

/// One catch clause of an open `try_table`.
#[derive(Copy, Clone, Debug)]
pub(super) struct Clause {
    /// The tag caught, as a tag index of this module; `None` catches all.
    tag: Option<u32>,
    /// Whether the exception itself goes to the label (`catch_ref`,
    /// `catch_all_ref`).
    with_ref: bool,
    /// The label, counted from the frame enclosing the `try_table`.
    label: u32,
    /// The handler block: one `i64` parameter, the exception reference.
    block: Block,
    /// Whether some call's exception table names `block`.
    used: bool,
}

/// What a call calls.
#[derive(Copy, Clone)]
pub(super) enum CallTarget {
    /// A function of this module, by name.
    Direct(FuncRef),
    /// A code pointer.
    Indirect(Value),
}

/// Where a call's results are.
#[derive(Copy, Clone)]
pub(super) enum CallResults {
    /// The results of a plain call instruction.
    Inst(Inst),
    /// The parameters of a `try_call`'s normal-return block.
    Block(Block),
}

impl<'a> Translation<'a> {
    operator_handlers! { self;
        visit_throw(tag_index: u32) => self.throw(tag_index)?,
        visit_throw_ref => self.throw_ref()?,
    }

    /// The clauses of a `try_table`, in order, with their handler blocks.
    pub(super) fn open_clauses(&mut self, catches: &[Catch]) {
        for catch in catches {
            let (tag, with_ref, label) = match *catch {
                Catch::One { tag, label } => (Some(tag), false, label),
                Catch::OneRef { tag, label } => (Some(tag), true, label),
                Catch::All { label } => (None, false, label),
                Catch::AllRef { label } => (None, true, label),
            };
            let block = self.b.create_block();
            self.b.append_block_param(block, I64);
            self.st.clauses.push(Clause {
                tag,
                with_ref,
                label,
                block,
                used: false,
            });
        }
    }

    /// Emits the handlers of the `try_table` just closed, whose clauses
    /// start at `first`, and forgets its clauses. Its frame is already off
    /// the control stack, so labels count from the enclosing frame.
    pub(super) fn close_clauses(&mut self, first: usize) -> Result<(), CompileError> {
        for i in first..self.st.clauses.len() {
            let clause = self.st.clauses[i];
            if !clause.used {
                continue;
            }
            self.b.switch_to_block(clause.block);
            self.b.seal_block(clause.block);
            let payload = self.b.block_params(clause.block)[0];
            let exn = self.b.ins().ireduce(I32, payload);
            self.reload_fuel();
            let mut values = Vec::new();
            if let Some(tag) = clause.tag {
                self.exception_fields(tag, exn, &mut values)?;
            }
            if clause.with_ref {
                values.push(exn);
            }
            let (target, n) = self.branch_target(clause.label)?;
            if n != values.len() {
                return Err(bug("catch clause label arity"));
            }
            let args: Vec<BlockArg> = values.into_iter().map(BlockArg::Value).collect();
            self.b.ins().jump(target, &args);
        }
        self.st.clauses.truncate(first);
        Ok(())
    }

    /// The parameter types of this module's tag `tag`.
    fn tag_type(&self, tag: u32) -> Result<&'a FuncType, CompileError> {
        let info: &'a crate::module_info::ModuleInfo = self.env.info;
        let ty = *info
            .tags
            .get(tag as usize)
            .ok_or_else(|| bug("tag index out of range"))?;
        Ok(info.func_type_at(ty))
    }

    /// Pushes the fields of `exn`, an exception of tag `tag`, to `out`.
    fn exception_fields(
        &mut self,
        tag: u32,
        exn: Value,
        out: &mut Vec<Value>,
    ) -> Result<(), CompileError> {
        let ty = self.tag_type(tag)?;
        if ty.params().is_empty() {
            return Ok(());
        }
        let area = self.exception_area(ty.params().len());
        self.read_exception_fields(exn, area, ty.params().len());
        for (i, &param) in ty.params().iter().enumerate() {
            let offset = i as u32 * abi::VALUE_SLOT_SIZE;
            let value = self.load_at(abi::clif_type(param), super::runtime::VALUE, area, offset);
            out.push(value);
        }
        Ok(())
    }

    /// The address of a stack array of `n` 16-byte value slots for
    /// exception fields.
    fn exception_area(&mut self, n: usize) -> Value {
        let size = n as u32 * abi::VALUE_SLOT_SIZE;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            4,
        ));
        self.b.ins().stack_addr(I64, slot, 0)
    }

    /// `throw`: a new exception of `tag` with the fields on the stack.
    fn throw(&mut self, tag: u32) -> Result<(), CompileError> {
        let n = self.tag_type(tag)?.params().len();
        let base = self.base_of(n)?;
        let fields = self.exception_area(n.max(1));
        for i in 0..n {
            let value = self.st.stack[base + i];
            let offset = i as u32 * abi::VALUE_SLOT_SIZE;
            self.store_at(super::runtime::VALUE, value, fields, offset);
        }
        self.truncate_stack(base);
        let exn = self.new_exception(tag, fields, n);
        // Null when the store could not hold another exception; the
        // builtin has recorded why.
        self.b.ins().trapz(exn, TrapReason::HostFailed.code());
        self.throw_exception(exn);
        Ok(())
    }

    /// `throw_ref`: throws the exception on the stack; null traps.
    fn throw_ref(&mut self) -> Result<(), CompileError> {
        let exn = self.pop()?;
        self.b.ins().trapz(exn, Trap::NullReference.code());
        self.throw_exception(exn);
        Ok(())
    }

    /// Calls the `throw_ref` builtin, which does not return.
    fn throw_exception(&mut self, exn: Value) {
        let (sig, callee) = self.builtin_callee(Builtin::throw_ref);
        self.st.args.clear();
        self.st.args.extend([self.vmctx, exn]);
        self.emit_call_inst(sig, CallTarget::Indirect(callee));
        self.b.ins().trap(Trap::UnreachableCodeReached.code());
        self.st.reachable = false;
    }

    /// Calls `target` (signature `sig`) with `State::args`: a plain call
    /// outside `try_table`, else a `try_call` whose exception table holds
    /// the open clauses, continuing in its normal-return block.
    pub(super) fn emit_call_inst(&mut self, sig: SigRef, target: CallTarget) -> CallResults {
        if self.st.clauses.is_empty() {
            return CallResults::Inst(match target {
                CallTarget::Direct(func) => self.b.ins().call(func, &self.st.args),
                CallTarget::Indirect(code) => self.b.ins().call_indirect(sig, code, &self.st.args),
            });
        }
        let normal = self.b.create_block();
        let returns = self.b.func.dfg.signatures[sig].returns.clone();
        let mut rets = Vec::with_capacity(returns.len());
        for (i, ret) in returns.iter().enumerate() {
            self.b.append_block_param(normal, ret.value_type);
            rets.push(BlockArg::TryCallRet(i as u32));
        }
        let normal_call = self.b.func.dfg.block_call(normal, &rets);
        let table = self.exception_table(sig, normal_call);
        let table = self.b.func.dfg.exception_tables.push(table);
        match target {
            CallTarget::Direct(func) => self.b.ins().try_call(func, &self.st.args, table),
            CallTarget::Indirect(code) => {
                self.b.ins().try_call_indirect(code, &self.st.args, table)
            }
        };
        self.b.switch_to_block(normal);
        self.b.seal_block(normal);
        CallResults::Block(normal)
    }

    /// The exception table of a call inside `try_table`: the vmctx as
    /// context, then the open clauses, innermost `try_table` first, up to
    /// the first that catches everything.
    fn exception_table(&mut self, sig: SigRef, normal: BlockCall) -> ExceptionTableData {
        let mut items = vec![ExceptionTableItem::Context(self.vmctx)];
        let mut end = self.st.clauses.len();
        'scopes: for i in (0..self.st.control.len()).rev() {
            let FrameKind::TryTable { first_clause } = self.st.control[i].kind else {
                continue;
            };
            for c in first_clause..end {
                let clause = &mut self.st.clauses[c];
                clause.used = true;
                let call = self
                    .b
                    .func
                    .dfg
                    .block_call(clause.block, &[BlockArg::TryCallExn(0)]);
                match clause.tag {
                    Some(tag) => {
                        items.push(ExceptionTableItem::Tag(ExceptionTag::from_u32(tag), call))
                    }
                    None => {
                        items.push(ExceptionTableItem::Default(call));
                        break 'scopes;
                    }
                }
            }
            end = first_clause;
        }
        ExceptionTableData::new(sig, normal, items)
    }
}
