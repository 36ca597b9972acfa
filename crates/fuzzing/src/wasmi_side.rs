//! Running a module on wasmi, the differential oracle's reference: the
//! same dummy imports and value conversions as `egret_side.rs`.

use crate::values::{Outcome, TrapClass, ValKind, Value};
use std::convert::Infallible;
use wasm_encoder::reencode::{self, Reencode};
use wasmi::{
    Engine, Error, Extern, ExternType, Func, Global, Instance, Memory, Module, Nullable, Ref,
    Store, Table, Val,
};
use wasmi::{F32, F64, TrapCode, V128};

/// A wasmi engine accepting exactly WebAssembly 2.0, extended constant
/// expressions, tail calls and wide arithmetic, like Egret's default.
pub fn engine() -> Engine {
    let mut config = wasmi::Config::default();
    config
        .wasm_mutable_global(true)
        .wasm_sign_extension(true)
        .wasm_saturating_float_to_int(true)
        .wasm_multi_value(true)
        .wasm_bulk_memory(true)
        .wasm_reference_types(true)
        .wasm_simd(true)
        .wasm_multi_memory(false)
        .wasm_tail_call(true)
        .wasm_extended_const(true)
        .wasm_custom_page_sizes(false)
        .wasm_memory64(false)
        .wasm_wide_arithmetic(true)
        .wasm_relaxed_simd(false)
        // Translate everything in `Module::new`, so a translator panic
        // (see `oracles::differential`) happens before anything runs.
        .compilation_mode(wasmi::CompilationMode::Eager);
    Engine::new(&config)
}

/// Prepares wasmi's copy of a module around two wasmi 2.0.0 bugs.
///
/// 1. wasmi fuses `i32.eqz x` (or `i32.eq x 0`) into a following `select`,
///    swapping the operands and testing `x` instead, but when `x` is a
///    local it tests a stale register rather than the local, so e.g.
///    `(select (i32.const 1) (local.get 0) (i32.eqz (local.get 1)))`
///    returns the wrong operand. wasm-smith emits exactly this to guard
///    divisors. An empty `block` before every `select` stops the fusion and
///    changes nothing else.
/// 2. A `br_table` carrying two or more of wasmi's 64-bit cells (two or
///    more values, or one `v128`, which takes two cells), with other values
///    below them on the stack, delivers them shifted by a cell. There is no
///    cheap rewrite, so such modules are reported as unsupported by the
///    oracle.
///
/// (Reproducers: `tests/regressions.rs`.)
struct WasmiWorkarounds {
    /// Every function type of the module.
    types: Vec<wasmparser::FuncType>,
    /// The type of each defined function, in order.
    defined: Vec<u32>,
    /// How many function bodies have been rewritten.
    next: usize,
    /// Whether a `br_table` carries two or more cells.
    multi_value_br_table: bool,
}

impl WasmiWorkarounds {
    /// How many of wasmi's 64-bit cells the values a branch to a label of
    /// this block type carries occupy (a `v128` takes two).
    fn branch_cells(&self, block: wasmparser::BlockType, loop_: bool) -> usize {
        match block {
            // A branch to a loop carries its parameters: none here.
            wasmparser::BlockType::Empty | wasmparser::BlockType::Type(_) if loop_ => 0,
            wasmparser::BlockType::Empty => 0,
            wasmparser::BlockType::Type(t) => cells(&[t]),
            wasmparser::BlockType::FuncType(t) => self.types.get(t as usize).map_or(0, |ty| {
                if loop_ {
                    cells(ty.params())
                } else {
                    cells(ty.results())
                }
            }),
        }
    }
}

/// wasmi's cells for values of these types.
fn cells(types: &[wasmparser::ValType]) -> usize {
    types
        .iter()
        .map(|t| {
            if *t == wasmparser::ValType::V128 {
                2
            } else {
                1
            }
        })
        .sum()
}

impl Reencode for WasmiWorkarounds {
    type Error = Infallible;

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        use wasmparser::Operator;
        let results = self
            .defined
            .get(self.next)
            .and_then(|t| self.types.get(*t as usize))
            .map_or(0, |ty| cells(ty.results()));
        self.next += 1;
        // The cells a branch to each enclosing label carries, innermost
        // last.
        let mut labels = vec![results];
        let mut function = self.new_function_with_parsed_locals(&func)?;
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            match &op {
                Operator::Select | Operator::TypedSelect { .. } => {
                    function.instruction(&wasm_encoder::Instruction::Block(
                        wasm_encoder::BlockType::Empty,
                    ));
                    function.instruction(&wasm_encoder::Instruction::End);
                }
                Operator::Block { blockty } | Operator::If { blockty } => {
                    labels.push(self.branch_cells(*blockty, false));
                }
                Operator::Loop { blockty } => labels.push(self.branch_cells(*blockty, true)),
                Operator::End => {
                    labels.pop();
                }
                Operator::BrTable { targets } => {
                    let depth = targets.default() as usize;
                    let carried = labels.len().checked_sub(depth + 1).map_or(0, |i| labels[i]);
                    self.multi_value_br_table |= carried >= 2;
                }
                _ => {}
            }
            function.instruction(&self.instruction(op)?);
        }
        code.function(&function);
        Ok(())
    }
}

/// `wasm` as wasmi should run it (see [`WasmiWorkarounds`]), or `None`
/// when it uses what wasmi gets wrong and cannot be rewritten.
pub fn for_wasmi(wasm: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut workarounds = WasmiWorkarounds {
        types: Vec::new(),
        defined: Vec::new(),
        next: 0,
        multi_value_br_table: false,
    };
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            wasmparser::Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    workarounds.types.push(ty.map_err(|e| e.to_string())?);
                }
            }
            wasmparser::Payload::FunctionSection(reader) => {
                for ty in reader {
                    workarounds.defined.push(ty.map_err(|e| e.to_string())?);
                }
            }
            _ => {}
        }
    }
    let mut module = wasm_encoder::Module::new();
    workarounds
        .parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
        .map_err(|e| e.to_string())?;
    Ok((!workarounds.multi_value_br_table).then(|| module.finish()))
}

fn trap_class(code: TrapCode) -> TrapClass {
    match code {
        TrapCode::UnreachableCodeReached => TrapClass::Unreachable,
        TrapCode::MemoryOutOfBounds => TrapClass::MemoryOutOfBounds,
        TrapCode::TableOutOfBounds => TrapClass::TableOutOfBounds,
        TrapCode::IndirectCallToNull => TrapClass::IndirectCallToNull,
        TrapCode::IntegerDivisionByZero => TrapClass::IntegerDivisionByZero,
        TrapCode::IntegerOverflow => TrapClass::IntegerOverflow,
        TrapCode::BadConversionToInteger => TrapClass::BadConversionToInteger,
        TrapCode::StackOverflow => TrapClass::StackExhausted,
        TrapCode::BadSignature => TrapClass::BadSignature,
        other => TrapClass::Other(format!("{other:?}")),
    }
}

fn failure(error: Error) -> Outcome {
    match error.as_trap_code() {
        Some(code) => Outcome::Trapped(trap_class(code)),
        None => Outcome::Failed(error.to_string()),
    }
}

fn to_val(value: &Value) -> Val {
    match *value {
        Value::I32(v) => Val::I32(v),
        Value::I64(v) => Val::I64(v),
        Value::F32(v) => Val::F32(F32::from_bits(v)),
        Value::F64(v) => Val::F64(F64::from_bits(v)),
        Value::V128(v) => Val::V128(V128::from(v)),
        Value::FuncRef { .. } => Val::FuncRef(Nullable::Null),
        Value::ExternRef { .. } => Val::ExternRef(Nullable::Null),
        Value::ExnRef { .. } => {
            unreachable!("the wasmi generator has no exception handling, so no exnref")
        }
        Value::AnyRef(_) => unreachable!("the wasmi generator has no GC, so no anyref"),
    }
}

fn from_val(value: &Val) -> Value {
    match value {
        Val::I32(v) => Value::I32(*v),
        Val::I64(v) => Value::I64(*v),
        Val::F32(v) => Value::F32(v.to_bits()),
        Val::F64(v) => Value::F64(v.to_bits()),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_null() },
        Val::ExternRef(r) => Value::ExternRef { null: r.is_null() },
    }
}

fn val_type(kind: ValKind) -> wasmi::ValType {
    use wasmi::ValType;
    match kind {
        ValKind::I32 => ValType::I32,
        ValKind::I64 => ValType::I64,
        ValKind::F32 => ValType::F32,
        ValKind::F64 => ValType::F64,
        ValKind::V128 => ValType::V128,
        // wasmi runs no typed references: only result slots get here.
        ValKind::FuncRef | ValKind::NonNullRef => ValType::FuncRef,
        ValKind::ExternRef => ValType::ExternRef,
        ValKind::ExnRef => {
            unreachable!("the wasmi generator has no exception handling, so no exnref")
        }
        ValKind::AnyRef => unreachable!("the wasmi generator has no GC, so no anyref"),
    }
}

/// An instance of a module in its own store.
pub struct WasmiRun {
    store: Store<()>,
    instance: Instance,
}

/// The same dummies as Egret gets: zero-returning functions, zero
/// globals, fresh memories and tables with the import's limits.
fn dummy_import(store: &mut Store<()>, ty: &ExternType) -> Result<Extern, Error> {
    Ok(match ty {
        ExternType::Func(ft) => {
            let results: Vec<wasmi::ValType> = ft.results().to_vec();
            Func::new(&mut *store, ft.clone(), move |_, _, out| {
                for (slot, ty) in out.iter_mut().zip(&results) {
                    *slot = Val::default_for_ty(*ty);
                }
                Ok(())
            })
            .into()
        }
        ExternType::Global(gt) => Global::new(
            &mut *store,
            Val::default_for_ty(gt.content()),
            gt.mutability(),
        )
        .into(),
        ExternType::Memory(mt) => Memory::new(&mut *store, *mt)?.into(),
        ExternType::Table(tt) => Table::new(&mut *store, *tt, Ref::null(tt.element()))?.into(),
    })
}

impl WasmiRun {
    /// Instantiates `module` in a new store with dummy imports, running
    /// its start function.
    pub fn new(engine: &Engine, module: &Module) -> Result<WasmiRun, Outcome> {
        let mut store = Store::new(engine, ());
        let imports = module
            .imports()
            .map(|import| dummy_import(&mut store, import.ty()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(failure)?;
        let instance = Instance::new(&mut store, module, &imports).map_err(failure)?;
        Ok(WasmiRun { store, instance })
    }

    /// Calls the exported function `name`.
    pub fn call(&mut self, name: &str, args: &[Value], results: &[ValKind]) -> Outcome {
        let Some(func) = self.instance.get_func(&self.store, name) else {
            return Outcome::Failed(format!("no exported function `{name}`"));
        };
        let args: Vec<Val> = args.iter().map(to_val).collect();
        let mut out: Vec<Val> = results
            .iter()
            .map(|k| Val::default_for_ty(val_type(*k)))
            .collect();
        match func.call(&mut self.store, &args, &mut out) {
            Ok(()) => Outcome::Returned(out.iter().map(from_val).collect()),
            Err(e) => failure(e),
        }
    }

    /// The bytes of the exported memory `name`.
    pub fn memory(&self, name: &str) -> Result<&[u8], String> {
        let memory = self
            .instance
            .get_memory(&self.store, name)
            .ok_or_else(|| format!("no exported memory `{name}`"))?;
        Ok(memory.data(&self.store))
    }

    /// The value of the exported global `name`.
    pub fn global(&self, name: &str) -> Result<Value, String> {
        let global = self
            .instance
            .get_global(&self.store, name)
            .ok_or_else(|| format!("no exported global `{name}`"))?;
        Ok(from_val(&global.get(&self.store)))
    }

    /// Which elements of the exported table `name` are null.
    pub fn table(&self, name: &str) -> Result<Vec<bool>, String> {
        let table = self
            .instance
            .get_table(&self.store, name)
            .ok_or_else(|| format!("no exported table `{name}`"))?;
        (0..table.size(&self.store))
            .map(|i| {
                table
                    .get(&self.store, i)
                    .map(|r| r.is_null())
                    .ok_or_else(|| format!("table `{name}` has no element {i}"))
            })
            .collect()
    }
}
