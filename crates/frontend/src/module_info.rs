//! The static description of a module: every section except code, turned
//! into plain data the compiler and the instantiator read without parsing
//! again.
//!
//! `ModuleInfo` is filled in by `parse::parse` while it walks the module's
//! payloads with the validator; function bodies are kept aside for the
//! parallel translation step.

use crate::error::CompileError;
use crate::types::*;
use std::collections::BTreeMap;
use wasmparser::Operator;

/// One operation of a constant expression (global initialisers, segment
/// offsets, element items). Extended-constant arithmetic is included.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ConstOp {
    /// `i32.const`.
    I32(i32),
    /// `i64.const`.
    I64(i64),
    /// `f32.const` (bit pattern).
    F32(u32),
    /// `f64.const` (bit pattern).
    F64(u64),
    /// `v128.const`.
    V128(u128),
    /// `ref.null` of the given reference type.
    RefNull(ValType),
    /// `ref.func`.
    RefFunc(FuncIndex),
    /// `global.get` of an (imported or earlier) global.
    GlobalGet(GlobalIndex),
    /// `ref.i31`: the `i32` operand as an `i31` reference.
    RefI31,
    /// `struct.new` of the module's type: a struct of the operands.
    StructNew(TypeIndex),
    /// `struct.new_default` of the module's type.
    StructNewDefault(TypeIndex),
    /// `array.new` of the module's type: (value, length) operands.
    ArrayNew(TypeIndex),
    /// `array.new_default` of the module's type: a length operand.
    ArrayNewDefault(TypeIndex),
    /// `array.new_fixed` of the module's type, with that many operands.
    ArrayNewFixed(TypeIndex, u32),
    /// `any.convert_extern`.
    AnyConvertExtern,
    /// `extern.convert_any`.
    ExternConvertAny,
    /// `i32.add`.
    I32Add,
    /// `i32.sub`.
    I32Sub,
    /// `i32.mul`.
    I32Mul,
    /// `i64.add`.
    I64Add,
    /// `i64.sub`.
    I64Sub,
    /// `i64.mul`.
    I64Mul,
}

/// A constant expression: a short stack program.
#[derive(Clone, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ConstExpr(pub Vec<ConstOp>);

impl ConstExpr {
    /// Whether evaluating the expression allocates a GC object, so that
    /// each evaluation makes a new one.
    pub fn allocates(&self) -> bool {
        self.0.iter().any(|op| {
            matches!(
                op,
                ConstOp::StructNew(_)
                    | ConstOp::StructNewDefault(_)
                    | ConstOp::ArrayNew(_)
                    | ConstOp::ArrayNewDefault(_)
                    | ConstOp::ArrayNewFixed(..)
            )
        })
    }

    /// Decodes a `wasmparser` constant expression (already validated);
    /// `kind` tells what the module's declared types are.
    pub fn parse(
        expr: &wasmparser::ConstExpr<'_>,
        kind: &impl Fn(u32) -> ConcreteKind,
    ) -> Result<ConstExpr, CompileError> {
        let mut ops = Vec::new();
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let offset = reader.original_position();
            let op = match reader.read()? {
                Operator::I32Const { value } => ConstOp::I32(value),
                Operator::I64Const { value } => ConstOp::I64(value),
                Operator::F32Const { value } => ConstOp::F32(value.bits()),
                Operator::F64Const { value } => ConstOp::F64(value.bits()),
                Operator::V128Const { value } => ConstOp::V128(value.i128() as u128),
                Operator::RefNull { hty } => {
                    let ty = wasmparser::RefType::new(true, hty)
                        .and_then(|r| RefType::from_wasmparser(r, kind))
                        .ok_or_else(|| {
                            CompileError::Unsupported(format!("reference type {hty:?}"))
                        })?;
                    ConstOp::RefNull(ValType::Ref(ty))
                }
                Operator::RefFunc { function_index } => ConstOp::RefFunc(FuncIndex(function_index)),
                Operator::GlobalGet { global_index } => {
                    ConstOp::GlobalGet(GlobalIndex(global_index))
                }
                Operator::RefI31 => ConstOp::RefI31,
                Operator::AnyConvertExtern => ConstOp::AnyConvertExtern,
                Operator::ExternConvertAny => ConstOp::ExternConvertAny,
                Operator::StructNew { struct_type_index } => {
                    ConstOp::StructNew(TypeIndex(struct_type_index))
                }
                Operator::StructNewDefault { struct_type_index } => {
                    ConstOp::StructNewDefault(TypeIndex(struct_type_index))
                }
                Operator::ArrayNew { array_type_index } => {
                    ConstOp::ArrayNew(TypeIndex(array_type_index))
                }
                Operator::ArrayNewDefault { array_type_index } => {
                    ConstOp::ArrayNewDefault(TypeIndex(array_type_index))
                }
                Operator::ArrayNewFixed {
                    array_type_index,
                    array_size,
                } => ConstOp::ArrayNewFixed(TypeIndex(array_type_index), array_size),
                Operator::I32Add => ConstOp::I32Add,
                Operator::I32Sub => ConstOp::I32Sub,
                Operator::I32Mul => ConstOp::I32Mul,
                Operator::I64Add => ConstOp::I64Add,
                Operator::I64Sub => ConstOp::I64Sub,
                Operator::I64Mul => ConstOp::I64Mul,
                Operator::End => continue,
                // The validator has accepted the expression, so any other
                // operator comes from a proposal Egret does not enable.
                other => {
                    let mut name = format!("{other:?}");
                    name.truncate(60);
                    return Err(CompileError::Unsupported(format!(
                        "constant expression operator {name} at offset {offset}"
                    )));
                }
            };
            ops.push(op);
        }
        Ok(ConstExpr(ops))
    }

    /// The function this expression refers to if it is a lone `ref.func`.
    pub fn as_ref_func(&self) -> Option<FuncIndex> {
        match self.0.as_slice() {
            [ConstOp::RefFunc(f)] => Some(*f),
            _ => None,
        }
    }
}

/// One import, in declaration order.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Import {
    /// The module name.
    pub module: String,
    /// The item name.
    pub name: String,
    /// Where the import lands in the module's index spaces.
    pub index: EntityIndex,
}

/// One export, in declaration order.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Export {
    /// The export name.
    pub name: String,
    /// What is exported.
    pub index: EntityIndex,
}

/// How an element segment is used.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum ElementMode {
    /// Copied into a table at instantiation, then dropped.
    Active {
        /// The table written.
        table: TableIndex,
        /// Where in the table.
        offset: ConstExpr,
    },
    /// Available to `table.init` until dropped.
    Passive,
    /// Only declares functions for `ref.func`; dropped from the start.
    Declared,
}

/// An element segment.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ElementSegment {
    /// Active, passive or declared.
    pub mode: ElementMode,
    /// The element type.
    pub ty: RefType,
    /// The elements.
    pub items: ElementItems,
}

/// The items of an element segment.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ElementItems {
    /// Function references (`None` for a null reference): the common
    /// case, resolved without evaluating anything.
    Functions(Vec<Option<FuncIndex>>),
    /// One constant expression per element.
    Expressions(Vec<ConstExpr>),
}

impl ElementItems {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            ElementItems::Functions(funcs) => funcs.len(),
            ElementItems::Expressions(exprs) => exprs.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How a data segment is used.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum DataMode {
    /// Copied into a memory at instantiation, then dropped.
    Active {
        /// The memory written.
        memory: MemoryIndex,
        /// Where in the memory.
        offset: ConstExpr,
    },
    /// Available to `memory.init` until dropped.
    Passive,
}

/// A data segment.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DataSegment {
    /// Active or passive.
    pub mode: DataMode,
    /// The bytes.
    pub bytes: Box<[u8]>,
}

/// Everything about a module except its code.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ModuleInfo {
    /// The type section: every declared type, in index order.
    pub types: Vec<SubType>,
    /// Index of the first type of each recursion group, in order (a type
    /// outside any `rec` is a group of its own).
    pub rec_groups: Vec<TypeIndex>,
    /// Engine-wide ids of `types`, index for index. Not serialized: an
    /// engine assigns its own when it reads a precompiled module.
    #[serde(skip)]
    pub type_ids: Vec<SigId>,
    /// Imports in declaration order.
    pub imports: Vec<Import>,
    /// Type of every function, imported ones first.
    pub functions: Vec<TypeIndex>,
    /// How many of `functions` are imported.
    pub num_imported_funcs: u32,
    /// Every table, imported ones first.
    pub tables: Vec<TableType>,
    /// Initial value of each defined table's elements (`None`: null).
    pub table_inits: Vec<Option<ConstExpr>>,
    /// How many of `tables` are imported.
    pub num_imported_tables: u32,
    /// Every memory, imported ones first.
    pub memories: Vec<MemoryType>,
    /// How many of `memories` are imported.
    pub num_imported_memories: u32,
    /// Every global, imported ones first.
    pub globals: Vec<GlobalType>,
    /// Initialiser of each defined global.
    pub global_inits: Vec<ConstExpr>,
    /// How many of `globals` are imported.
    pub num_imported_globals: u32,
    /// The function type of every tag (its parameters are the
    /// exception's fields), imported ones first.
    pub tags: Vec<TypeIndex>,
    /// How many of `tags` are imported.
    pub num_imported_tags: u32,
    /// Exports in declaration order.
    pub exports: Vec<Export>,
    /// The start function.
    pub start: Option<FuncIndex>,
    /// Element segments.
    pub elements: Vec<ElementSegment>,
    /// Data segments.
    pub data: Vec<DataSegment>,
    /// The module's name from the name section.
    pub name: Option<String>,
    /// Function names from the name section (ordered, so that a
    /// serialized module is the same bytes every time).
    pub func_names: BTreeMap<FuncIndex, String>,
}

impl ModuleInfo {
    /// The type of a function.
    pub fn func_type(&self, func: FuncIndex) -> &FuncType {
        self.func_type_at(self.functions[func.index()])
    }

    /// The function type at a type index that validation says is one.
    pub fn func_type_at(&self, ty: TypeIndex) -> &FuncType {
        match &self.types[ty.index()].composite {
            CompositeType::Func(f) => f,
            _ => unreachable!("validation: type {} is a function type", ty.0),
        }
    }

    /// The kind of the declared type at `index` (function, struct or
    /// array); a function for an index validation would refuse.
    pub fn type_kind(&self, index: u32) -> ConcreteKind {
        self.types
            .get(index as usize)
            .map_or(ConcreteKind::Func, |t| t.composite.kind())
    }

    /// The recursion groups: for each, its first type index and its types.
    pub fn rec_group_types(&self) -> impl Iterator<Item = (TypeIndex, &[SubType])> {
        self.rec_groups.iter().enumerate().map(|(i, start)| {
            let end = self
                .rec_groups
                .get(i + 1)
                .map_or(self.types.len(), |next| next.index());
            (*start, &self.types[start.index()..end])
        })
    }

    /// Rewrites the module's type references (`TypeRef::Module`) to the
    /// engine ids in `type_ids`, which must be assigned.
    pub fn to_engine_ref(&self, r: TypeRef) -> TypeRef {
        match r {
            TypeRef::Module(i) => self
                .type_ids
                .get(i.index())
                .map_or(r, |id| TypeRef::Engine(*id)),
            other => other,
        }
    }

    /// A value type of this module in engine form.
    pub fn engine_val_type(&self, ty: ValType) -> ValType {
        ty.map_refs(&mut |r| self.to_engine_ref(r))
    }

    /// A global type of this module in engine form.
    pub fn engine_global_type(&self, ty: GlobalType) -> GlobalType {
        GlobalType {
            content: self.engine_val_type(ty.content),
            ..ty
        }
    }

    /// A table type of this module in engine form.
    pub fn engine_table_type(&self, ty: TableType) -> TableType {
        TableType {
            element: ty.element.map_refs(&mut |r| self.to_engine_ref(r)),
            ..ty
        }
    }

    /// A function type of this module in engine form.
    pub fn engine_func_type(&self, ty: &FuncType) -> FuncType {
        ty.map_refs(&mut |r| self.to_engine_ref(r))
    }

    /// The engine-wide signature id of a function.
    pub fn func_sig_id(&self, func: FuncIndex) -> SigId {
        self.type_ids[self.functions[func.index()].index()]
    }

    /// Number of functions the module defines.
    pub fn num_defined_funcs(&self) -> u32 {
        self.functions.len() as u32 - self.num_imported_funcs
    }

    /// Number of globals the module defines.
    pub fn num_defined_globals(&self) -> u32 {
        self.globals.len() as u32 - self.num_imported_globals
    }

    /// Whether a function is imported.
    pub fn is_imported_func(&self, func: FuncIndex) -> bool {
        func.0 < self.num_imported_funcs
    }

    /// The defined-function index of a function, `None` if imported.
    pub fn defined_func_index(&self, func: FuncIndex) -> Option<DefinedFuncIndex> {
        func.0
            .checked_sub(self.num_imported_funcs)
            .map(DefinedFuncIndex)
    }

    /// The function index of a defined function.
    pub fn func_index(&self, defined: DefinedFuncIndex) -> FuncIndex {
        FuncIndex(defined.0 + self.num_imported_funcs)
    }

    /// The defined-global index of a global, `None` if imported.
    pub fn defined_global_index(&self, global: GlobalIndex) -> Option<DefinedGlobalIndex> {
        global
            .0
            .checked_sub(self.num_imported_globals)
            .map(DefinedGlobalIndex)
    }

    /// The name of a function from the name section, if any.
    pub fn func_name(&self, func: FuncIndex) -> Option<&str> {
        self.func_names.get(&func).map(String::as_str)
    }
}
