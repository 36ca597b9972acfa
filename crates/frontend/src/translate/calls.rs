//! Calls: `call` to defined and imported functions, `call_indirect`,
//! `call_ref`, and the tail-call forms `return_call` and
//! `return_call_indirect`.
//!
//! Every wasm call passes `(callee_vmctx, caller_vmctx, [return area],
//! args...)` (see `abi`). A defined function is called directly by name
//! (`UserExternalName(0, defined_index)`) with this instance's vmctx as
//! both contexts. An imported function, and a `call_indirect` target, is a
//! `VMFuncRef` whose code pointer and vmctx are loaded and called
//! indirectly. For types with a return area, the caller passes a 16-byte
//! aligned stack slot and loads the results from it after the call.
//!
//! `call_indirect` reads the table element with the table's bounds check
//! (`TableOutOfBounds`: the element's load faults when the index is out of
//! bounds, see `runtime::table_elem_addr`), then loads the element's
//! signature id with a trapping load: a null element faults in the
//! unmapped zero page and the trap table reports `IndirectCallToNull`. The id is compared with the
//! engine-wide id of the expected type (`BadSignature`); when that type is
//! not final, a different id may be one of its subtypes, and a mismatch
//! asks the `is_subtype` builtin before trapping.
//!
//! A tail call makes the same checks and passes the same arguments, but
//! with Cranelift's `return_call`/`return_call_indirect`: the caller's
//! frame is replaced by the callee's, which then returns to the caller's
//! caller. That needs every function that can be tail-called to use
//! `CallConv::Tail`: wasm functions and host trampolines do (`abi`). A
//! tail callee returns exactly the caller's result types (validation
//! checks it), so a callee with a return area gets the caller's own.
//! The current instance stays the callee's caller (`caller_vmctx`), which
//! is what a host function sees as its `Caller`.
//!
//! Inside `try_table`, a plain call is a `try_call` carrying the open
//! catch clauses (`exceptions::emit_call_inst`); a tail call is not: it
//! leaves this frame, and with it the `try_table`.

use super::exceptions::{CallResults, CallTarget};
use super::runtime::VALUE;
use super::{Translation, bug};
use crate::abi;
use crate::error::CompileError;
use crate::traps::Trap;
use crate::types::{FuncIndex, TableIndex, TypeIndex};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    ExtFuncData, ExternalName, InstBuilder, SigRef, StackSlotData, StackSlotKind, UserExternalName,
    Value,
};

/// Whether a call returns to this function or replaces its frame.
#[derive(Copy, Clone, PartialEq, Eq)]
enum CallKind {
    /// `call`, `call_indirect`: the results come back here.
    Plain,
    /// `return_call`, `return_call_indirect`: the callee returns to this
    /// function's caller.
    Tail,
}

/// Where a call goes.
#[derive(Copy, Clone)]
enum Callee {
    /// A defined function, called by name.
    Defined(u32),
    /// Code pointer and vmctx loaded from a `VMFuncRef`.
    Indirect { code: Value, vmctx: Value },
}

impl Translation<'_> {
    operator_handlers! { self;
        visit_call(function_index: u32) => self.call(function_index, CallKind::Plain)?,
        visit_call_indirect(type_index: u32, table_index: u32) =>
            self.call_indirect(type_index, table_index, CallKind::Plain)?,
        visit_return_call(function_index: u32) => self.call(function_index, CallKind::Tail)?,
        visit_return_call_indirect(type_index: u32, table_index: u32) =>
            self.call_indirect(type_index, table_index, CallKind::Tail)?,
        visit_call_ref(type_index: u32) => self.call_ref(type_index, CallKind::Plain)?,
        visit_return_call_ref(type_index: u32) => self.call_ref(type_index, CallKind::Tail)?,
    }

    fn call(&mut self, function_index: u32, kind: CallKind) -> Result<(), CompileError> {
        let func = FuncIndex(function_index);
        let ty = self.env.info.functions[func.index()];
        let callee = match self.env.info.defined_func_index(func) {
            Some(defined) => Callee::Defined(defined.0),
            None => {
                let (code, vmctx) = self.imported_callee(func);
                Callee::Indirect { code, vmctx }
            }
        };
        self.emit_call(ty, callee, kind)
    }

    fn call_indirect(
        &mut self,
        type_index: u32,
        table_index: u32,
        kind: CallKind,
    ) -> Result<(), CompileError> {
        let index = self.pop()?;
        let elem = self.table_get(TableIndex(table_index), index, Trap::TableOutOfBounds);
        let actual = self.func_ref_type_id(elem, Trap::IndirectCallToNull);
        let expected = self.engine_type_id(type_index);
        let mismatch = self.b.ins().icmp(IntCC::NotEqual, actual, expected);
        if self.env.info.types[type_index as usize].is_final {
            // No other type is a subtype of a final one.
            self.b.ins().trapnz(mismatch, Trap::BadSignature.code());
        } else {
            // A different id may still be a declared subtype: ask the
            // engine's registry, off the path of an exact match.
            let check = self.b.create_block();
            let matched = self.b.create_block();
            self.b.set_cold_block(check);
            self.b.ins().brif(mismatch, check, &[], matched, &[]);
            self.b.seal_block(check);
            self.b.switch_to_block(check);
            let is_subtype = self.is_subtype(actual, expected);
            self.b.ins().trapz(is_subtype, Trap::BadSignature.code());
            self.b.ins().jump(matched, &[]);
            self.b.seal_block(matched);
            self.b.switch_to_block(matched);
        }

        // The type id's load has trapped on a null element.
        let (code, vmctx) = self.func_ref_callee(elem, None);
        self.emit_call(
            TypeIndex(type_index),
            Callee::Indirect { code, vmctx },
            kind,
        )
    }

    /// `call_ref`: the reference's type is the callee's type or a subtype
    /// of it (validated), so the only check is for null: the code pointer's
    /// load faults in the unmapped zero page, and its trap site says
    /// `NullReference`. `return_call_ref` is its tail-call form.
    fn call_ref(&mut self, type_index: u32, kind: CallKind) -> Result<(), CompileError> {
        let reference = self.pop()?;
        let (code, vmctx) = self.func_ref_callee(reference, Some(Trap::NullReference));
        self.emit_call(
            TypeIndex(type_index),
            Callee::Indirect { code, vmctx },
            kind,
        )
    }

    /// The imported signature of a wasm type.
    fn sig_ref(&mut self, ty: TypeIndex) -> SigRef {
        if let Some(&sig) = self.st.sig_refs.get(&ty.0) {
            return sig;
        }
        let sig = self
            .b
            .import_signature(abi::wasm_signature(self.env.info.func_type_at(ty)));
        self.st.sig_refs.insert(ty.0, sig);
        sig
    }

    /// Calls `callee` of type `ty` with the arguments on top of the stack.
    /// A plain call replaces them with the results; a tail call ends the
    /// function, leaving the code that follows unreachable.
    fn emit_call(
        &mut self,
        ty: TypeIndex,
        callee: Callee,
        kind: CallKind,
    ) -> Result<(), CompileError> {
        let env = self.env;
        let func_ty = env.info.func_type_at(ty);
        let sig = self.sig_ref(ty);
        let base = self.base_of(func_ty.params().len())?;

        let ret_area = if !abi::uses_return_area(func_ty) {
            None
        } else if kind == CallKind::Tail {
            // Same results as this function: it has a return area too.
            let area = self.ret_area;
            Some(area.ok_or_else(|| bug("tail call needs a return area its caller lacks"))?)
        } else {
            let size = func_ty.results().len() as u32 * abi::VALUE_SLOT_SIZE;
            Some(self.call_return_area(size))
        };

        self.st.args.clear();
        match callee {
            Callee::Defined(_) => self.st.args.extend([self.vmctx, self.vmctx]),
            Callee::Indirect { vmctx, .. } => self.st.args.extend([vmctx, self.vmctx]),
        }
        self.st.args.extend(ret_area);
        self.st.args.extend_from_slice(&self.st.stack[base..]);
        if kind == CallKind::Tail {
            match callee {
                Callee::Defined(defined) => {
                    let func = self.defined_func_ref(defined, sig);
                    self.b.ins().return_call(func, &self.st.args);
                }
                Callee::Indirect { code, .. } => {
                    self.b.ins().return_call_indirect(sig, code, &self.st.args);
                }
            }
            self.truncate_stack(base);
            self.st.reachable = false;
            return Ok(());
        }
        let target = match callee {
            Callee::Defined(defined) => CallTarget::Direct(self.defined_func_ref(defined, sig)),
            Callee::Indirect { code, .. } => CallTarget::Indirect(code),
        };
        let results = self.emit_call_inst(sig, target);
        self.truncate_stack(base);

        match ret_area {
            Some(area) => {
                for (i, &result) in func_ty.results().iter().enumerate() {
                    let offset = i as u32 * abi::VALUE_SLOT_SIZE;
                    let value = self.load_at(abi::clif_type(result), VALUE, area, offset);
                    self.push(value);
                }
            }
            None => {
                let values = match results {
                    CallResults::Inst(inst) => self.b.inst_results(inst),
                    CallResults::Block(block) => self.b.block_params(block),
                };
                self.st.stack.extend_from_slice(values);
            }
        }
        Ok(())
    }

    /// The callee reference of a defined function, declared on first use.
    fn defined_func_ref(&mut self, defined: u32, sig: SigRef) -> cranelift_codegen::ir::FuncRef {
        if let Some(&func) = self.st.func_refs.get(&defined) {
            return func;
        }
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName::new(0, defined));
        let func = self.b.import_function(ExtFuncData {
            name: ExternalName::User(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.st.func_refs.insert(defined, func);
        func
    }

    /// The address of this function's call return area, grown to at least
    /// `size` bytes.
    fn call_return_area(&mut self, size: u32) -> Value {
        let slot = match self.call_ret_slot {
            Some(slot) => {
                let data = &mut self.b.func.sized_stack_slots[slot];
                data.size = data.size.max(size);
                slot
            }
            None => {
                let data = StackSlotData::new(StackSlotKind::ExplicitSlot, size, 4);
                let slot = self.b.create_sized_stack_slot(data);
                self.call_ret_slot = Some(slot);
                slot
            }
        };
        self.b.ins().stack_addr(I64, slot, 0)
    }
}
