//! Translation of one wasm function body to Cranelift IR.
//!
//! `FuncTranslator::translate` validates the body operator by operator with
//! the function's validator and emits IR as it goes: the wasm operand stack
//! is mirrored by a stack of SSA values, locals are frontend `Variable`s,
//! and structured control flow is a stack of frames (see `control`). The
//! walk is iterative, so deeply nested bodies do not use host stack.
//!
//! Which operators are translated is said in one place, `operators`: a
//! `wasmparser::VisitOperator` implementation, generated per proposal,
//! that sends each operator to the `Translation` method of the same name
//! (`visit_i32_add`) or refuses it as unsupported. Those methods live in
//! the file of their area: `control` (blocks and branches), `numeric`
//! (arithmetic and conversions), `variables` (locals, globals, `drop`,
//! `select`), `memory`, `calls`, `exceptions` (`throw`, `throw_ref`, the
//! handlers of `try_table`), `tables` (and reference operators),
//! `simd` (`v128` operators) and `metering` (fuel accounting and epoch
//! checks, emitted only when the tunables ask for them). How the runtime
//! represents its state (vmctx offsets, memory, table and function
//! reference layouts, builtins) is known to `runtime` alone, the seam the
//! operator files ask.

/// Defines operator handlers, methods of `Translation` named after
/// `wasmparser::VisitOperator`'s (`visit_i32_add`), which the table in
/// `operators` dispatches to. An entry `visit_a | visit_b => body,` (for
/// operators without immediates) or `visit_c(arg: Type, ...) => body,`
/// (with the immediates of its `visit_*` method, in order) defines one
/// method per name that runs `body`, an expression or block that may use
/// `?`, and returns `Ok(())`. Longer handlers are written out as ordinary
/// methods of the same name and signature.
macro_rules! operator_handlers {
    ($this:ident; $(
        $($visit:ident)|+ $(($($arg:ident: $ty:ty),*))? => $body:expr
    ),* $(,)?) => {
        $( operator_handlers!(@each $this [$($($arg: $ty),*)?] [$body] $($visit)+); )*
    };
    (@each $this:ident $args:tt $body:tt $($visit:ident)+) => {
        $( operator_handlers!(@one $this $visit $args $body); )+
    };
    (@one $this:ident $visit:ident [$($arg:ident: $ty:ty),*] [$body:expr]) => {
        pub(super) fn $visit(&mut $this $(, $arg: $ty)*) -> Result<(), CompileError> {
            $body;
            Ok(())
        }
    };
}

mod calls;
mod control;
mod exceptions;
mod gc;
mod i31;
mod memory;
mod metering;
mod numeric;
mod operators;
mod runtime;
mod simd;
mod tables;
mod variables;

#[cfg(test)]
mod tests;

use crate::abi;
use crate::error::CompileError;
use crate::module_info::ModuleInfo;
use crate::parse::PendingFunction;
use crate::tunables::Tunables;
use crate::types::{DefinedFuncIndex, FuncType, ValType};
use crate::vmoffsets::VMOffsets;
use control::{Frame, FrameKind};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{F32, F64, I8X16, I32, I64};
use cranelift_codegen::ir::{
    self, Block, BlockArg, BlockCall, ConstantData, FuncRef, InstBuilder, MemFlagsData, SigRef,
    SourceLoc, StackSlot, Type, UserFuncName, Value,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use wasmparser::{
    FuncValidator, FuncValidatorAllocations, FunctionBody, Operator, OperatorsReader,
    OperatorsReaderAllocations, ValidatorResources,
};

/// What translation needs to know about the module being compiled.
pub struct ModuleEnv<'a> {
    /// The module.
    pub info: &'a ModuleInfo,
    /// Its vmctx layout.
    pub offsets: &'a VMOffsets,
    /// Engine settings that affect code.
    pub tunables: &'a Tunables,
    /// Whether GC objects can exist (the engine accepts the GC proposal):
    /// values that may refer to one are then kept in stack maps.
    pub stack_maps: bool,
    /// The target.
    pub isa: &'a dyn TargetIsa,
}

/// Reusable translation state; keep one per worker thread.
#[derive(Default)]
pub struct FuncTranslator {
    builder_ctx: FunctionBuilderContext,
    validator_allocs: FuncValidatorAllocations,
    reader_allocs: OperatorsReaderAllocations,
    state: State,
}

/// Buffers and flags of one translation, kept between functions so their
/// allocations are reused.
#[derive(Default)]
struct State {
    /// The wasm operand stack, as SSA values.
    stack: Vec<Value>,
    /// Open blocks, outermost (the function body) first.
    control: Vec<Frame>,
    /// Parameters of open `if` frames, restored for their `else` arm.
    saved: Vec<Value>,
    /// Variable of every local, parameters first.
    locals: Vec<Variable>,
    /// Scratch: call arguments.
    args: Vec<Value>,
    /// Scratch: branch arguments.
    block_args: Vec<BlockArg>,
    /// Scratch: `br_table` depths.
    targets: Vec<u32>,
    /// Scratch: `br_table` jump-table entries.
    calls: Vec<BlockCall>,
    /// Scratch: `br_table` edge block of each depth, and their order.
    edges: HashMap<u32, Block>,
    edge_order: Vec<(u32, Block)>,
    /// Imported callee of each directly called defined function.
    func_refs: HashMap<u32, FuncRef>,
    /// Imported signature of each wasm type index used by a call.
    sig_refs: HashMap<u32, SigRef>,
    /// Imported signature of each builtin, by `Builtin::index`.
    builtin_sigs: Vec<Option<SigRef>>,
    /// Catch clauses of the open `try_table`s, outermost first.
    clauses: Vec<exceptions::Clause>,
    /// Whether the current position can be executed. When false, operators
    /// are validated but emit nothing until the enclosing frame ends.
    reachable: bool,
    /// Blocks opened while unreachable and not yet closed.
    unreachable_depth: u32,
    /// Height of the operand stack below which every value has been
    /// looked at for stack maps (`declare_stack_map_values`).
    settled: usize,
    /// Pointers loaded from fixed vmctx fields in the current block.
    block_pointers: runtime::BlockPointers,
}

impl State {
    fn reset(&mut self) {
        self.stack.clear();
        self.control.clear();
        self.saved.clear();
        self.clauses.clear();
        self.locals.clear();
        self.func_refs.clear();
        self.sig_refs.clear();
        self.builtin_sigs.clear();
        self.reachable = true;
        self.unreachable_depth = 0;
        self.settled = 0;
        self.block_pointers.clear();
    }
}

impl FuncTranslator {
    /// A translator with empty buffers.
    pub fn new() -> FuncTranslator {
        FuncTranslator::default()
    }

    /// Validates `function` and translates it into `out`, which is cleared
    /// first and receives the wasm signature and the name
    /// `UserFuncName::user(0, defined_index)`.
    pub fn translate(
        &mut self,
        env: &ModuleEnv<'_>,
        index: DefinedFuncIndex,
        function: PendingFunction<'_>,
        out: &mut ir::Function,
    ) -> Result<(), CompileError> {
        let PendingFunction { body, validator } = function;
        let allocs = std::mem::take(&mut self.validator_allocs);
        let mut validator = validator.into_validator(allocs);
        let result = self.translate_body(env, index, &body, &mut validator, out);
        self.validator_allocs = validator.into_allocations();
        if result.is_err() {
            // The builder was abandoned half way; its context cannot be
            // cleared from outside, so start afresh.
            self.builder_ctx = FunctionBuilderContext::new();
        }
        result
    }

    fn translate_body(
        &mut self,
        env: &ModuleEnv<'_>,
        index: DefinedFuncIndex,
        body: &FunctionBody<'_>,
        validator: &mut FuncValidator<ValidatorResources>,
        out: &mut ir::Function,
    ) -> Result<(), CompileError> {
        let func_index = env.info.func_index(index);
        let ty = env.info.func_type(func_index);
        out.clear();
        out.signature = abi::wasm_signature(ty);
        out.name = UserFuncName::user(0, index.0);
        self.state.reset();

        let mut t = Translation::new(env, ty, out, &mut self.builder_ctx, &mut self.state);
        // An unsupported construct stops translation, but the rest of the
        // body is still validated so that invalid modules are reported as
        // such.
        let mut unsupported = None;

        let mut locals = body.get_locals_reader()?;
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let (count, ty) = locals.read()?;
            validator.define_locals(offset, count, ty)?;
            if unsupported.is_none() {
                unsupported = t.declare_locals(count, ty).err();
            }
        }
        if unsupported.is_none() {
            t.metering_entry();
        }

        let mut reader = locals.get_binary_reader();
        reader.set_features(*validator.features());
        let allocs = std::mem::take(&mut self.reader_allocs);
        let mut reader = OperatorsReader::new_with_allocs(reader, allocs);
        while !reader.eof() {
            let (op, offset) = reader.read_with_offset()?;
            validator.op(offset, &op)?;
            if unsupported.is_none() {
                // Module offsets fit in 32 bits (modules are < 4 GiB).
                t.b.set_srcloc(SourceLoc::new(offset as u32));
                let reachable = t.st.reachable;
                if reachable {
                    t.metering_before_op(&op);
                }
                match t.operator(&op) {
                    Ok(()) => t.declare_stack_map_values(validator),
                    Err(e @ CompileError::Unsupported(_)) => unsupported = Some(e),
                    Err(e) => return Err(e),
                }
                if reachable && unsupported.is_none() {
                    t.metering_after_op(&op);
                }
            }
        }
        reader.finish()?;
        self.reader_allocs = reader.into_allocations();

        if let Some(e) = unsupported {
            return Err(e);
        }
        if !t.st.control.is_empty() {
            return Err(bug("control frames left after the body"));
        }
        t.b.finalize(env.isa.frontend_config());
        Ok(())
    }
}

/// An internal error: the translator's own invariants do not hold. Never
/// expected on any input; reported instead of panicking.
fn bug(what: &str) -> CompileError {
    CompileError::Codegen(format!("wasm translation: {what}"))
}

/// Converts a `wasmparser` value type of the module `info`, rejecting
/// those Egret does not support (shared references, continuations).
fn val_type(ty: wasmparser::ValType, info: &ModuleInfo) -> Result<ValType, CompileError> {
    ValType::from_wasmparser(ty, &|i| info.type_kind(i))
        .ok_or_else(|| CompileError::Unsupported(format!("value type {ty}")))
}

/// Whether an operand of the validator's type `ty` may refer to an object
/// in the GC heap ([`RefType::may_refer_to_gc_object`](crate::types::RefType::may_refer_to_gc_object)).
/// The validator's concrete types are canonical type ids, not the module's
/// indices, so their hierarchy is the validator's to tell.
fn operand_may_refer_to_gc_object(ty: wasmparser::ValType, resources: &ValidatorResources) -> bool {
    use wasmparser::{AbstractHeapType as A, HeapType as H, WasmModuleResources};
    let wasmparser::ValType::Ref(r) = ty else {
        return false;
    };
    match r.heap_type() {
        H::Abstract { ty, .. } => {
            matches!(
                ty,
                A::Any | A::Eq | A::Struct | A::Array | A::Extern | A::Exn
            )
        }
        concrete => matches!(
            resources.top_type(&concrete),
            H::Abstract { ty: A::Any, .. }
        ),
    }
}

/// The state of translating one function.
struct Translation<'a> {
    b: FunctionBuilder<'a>,
    st: &'a mut State,
    env: &'a ModuleEnv<'a>,
    /// The function's own vmctx (its first parameter).
    vmctx: Value,
    /// Where results go, for functions with a return area.
    ret_area: Option<Value>,
    /// Return area for calls made by this function, sized for the largest.
    call_ret_slot: Option<StackSlot>,
    /// The running fuel counter (`VMStoreContext::fuel_consumed`), when
    /// fuel is metered.
    fuel: Option<Variable>,
    /// Fuel of the operators translated since the counter was last
    /// brought up to date.
    fuel_pending: i64,
    /// Memory flags of linear memory accesses (`runtime::heap_flags`).
    heap: MemFlagsData,
    /// Memory flags of GC object accesses (`runtime::gc_flags`).
    gc: MemFlagsData,
}

impl<'a> Translation<'a> {
    /// Sets up the entry block, the stack limit, the parameters and the
    /// function's outermost frame.
    fn new(
        env: &'a ModuleEnv<'a>,
        ty: &'a FuncType,
        func: &'a mut ir::Function,
        ctx: &'a mut FunctionBuilderContext,
        st: &'a mut State,
    ) -> Translation<'a> {
        let mut b = FunctionBuilder::new(func, ctx);

        b.func.stack_limit = Some(runtime::stack_limit(&mut b));

        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let params = b.block_params(entry);
        let vmctx = params[0];
        let ret_area = abi::uses_return_area(ty).then(|| params[2]);
        let first = abi::first_wasm_param(ty);
        for (i, &wasm_ty) in ty.params().iter().enumerate() {
            let value = b.block_params(entry)[first + i];
            let var = b.declare_var(abi::clif_type(wasm_ty));
            if env.stack_maps && wasm_ty.may_refer_to_gc_object() {
                b.declare_var_needs_stack_map(var);
            }
            b.def_var(var, value);
            st.locals.push(var);
        }

        let exit = b.create_block();
        for &result in ty.results() {
            b.append_block_param(exit, abi::clif_type(result));
        }
        st.control.push(Frame {
            kind: FrameKind::Block,
            dest: exit,
            base: 0,
            params: 0,
            results: ty.results().len(),
            saved: 0,
            reached: false,
        });

        let fuel = env.tunables.consume_fuel.then(|| b.declare_var(I64));
        let heap = runtime::heap_flags(&mut b);
        let gc = runtime::gc_flags(&mut b);
        Translation {
            b,
            st,
            env,
            vmctx,
            ret_area,
            call_ret_slot: None,
            fuel,
            fuel_pending: 0,
            heap,
            gc,
        }
    }

    /// Declares `count` zero-initialised locals of type `ty`.
    fn declare_locals(&mut self, count: u32, ty: wasmparser::ValType) -> Result<(), CompileError> {
        let wasm_ty = val_type(ty, self.env.info)?;
        let needs_stack_map = self.env.stack_maps && wasm_ty.may_refer_to_gc_object();
        let ty = abi::clif_type(wasm_ty);
        let zero = self.zero(ty);
        for _ in 0..count {
            let var = self.b.declare_var(ty);
            if needs_stack_map {
                self.b.declare_var_needs_stack_map(var);
            }
            self.b.def_var(var, zero);
            self.st.locals.push(var);
        }
        Ok(())
    }

    /// The zero (or null) value of a type.
    fn zero(&mut self, ty: Type) -> Value {
        match ty {
            F32 => self.b.ins().f32const(Ieee32::with_bits(0)),
            F64 => self.b.ins().f64const(Ieee64::with_bits(0)),
            I8X16 => {
                let zero = ConstantData::from(vec![0u8; 16]);
                let constant = self.b.func.dfg.constants.insert(zero);
                self.b.ins().vconst(I8X16, constant)
            }
            _ => self.b.ins().iconst(ty, 0),
        }
    }

    /// Translates one validated operator: in reachable code, with its
    /// handler (`operators` has the table); in unreachable code, only
    /// block nesting is followed (`skip_unreachable`).
    fn operator(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        if self.st.reachable {
            operators::translate(self, op)
        } else {
            self.skip_unreachable(op)
        }
    }

    fn push(&mut self, value: Value) {
        self.st.stack.push(value);
    }

    fn pop(&mut self) -> Result<Value, CompileError> {
        let value = self
            .st
            .stack
            .pop()
            .ok_or_else(|| bug("operand stack underflow"))?;
        self.st.settled = self.st.settled.min(self.st.stack.len());
        Ok(value)
    }

    /// Drops the operands above height `base`.
    fn truncate_stack(&mut self, base: usize) {
        self.st.stack.truncate(base);
        self.st.settled = self.st.settled.min(base);
    }

    /// Declares the operands pushed since the last call that may refer to
    /// GC objects as needing stack maps, so that the collector finds them
    /// in every frame suspended at a call. Their types are the validator's,
    /// whose operand stack matches ours in reachable code.
    fn declare_stack_map_values(&mut self, validator: &FuncValidator<ValidatorResources>) {
        let height = self.st.stack.len();
        if self.env.stack_maps && self.st.reachable {
            for position in self.st.settled..height {
                let depth = height - 1 - position;
                let may_refer = validator
                    .get_operand_type(depth)
                    .flatten()
                    .is_some_and(|ty| operand_may_refer_to_gc_object(ty, validator.resources()));
                if may_refer {
                    self.b
                        .declare_value_needs_stack_map(self.st.stack[position]);
                }
            }
        }
        self.st.settled = height;
    }

    /// Pops two operands, returning them in push order.
    fn pop2(&mut self) -> Result<(Value, Value), CompileError> {
        let y = self.pop()?;
        let x = self.pop()?;
        Ok((x, y))
    }

    /// Pops three operands, returning them in push order.
    fn pop3(&mut self) -> Result<(Value, Value, Value), CompileError> {
        let z = self.pop()?;
        let (x, y) = self.pop2()?;
        Ok((x, y, z))
    }

    /// The stack height below the top `n` operands.
    fn base_of(&self, n: usize) -> Result<usize, CompileError> {
        self.st
            .stack
            .len()
            .checked_sub(n)
            .ok_or_else(|| bug("operand stack underflow"))
    }

    /// An `i32` constant with the given bits.
    fn i32_const(&mut self, bits: u32) -> Value {
        self.b.ins().iconst(I32, i64::from(bits))
    }
}
