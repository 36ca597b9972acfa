//! Walks a module's sections once with `wasmparser`'s validator, filling in
//! a `ModuleInfo` and setting function bodies aside (each with its own
//! function validator) for parallel translation.

use crate::error::CompileError;
use crate::module_info::{self, *};
use crate::registry::TypeRegistry;
use crate::types::*;
use wasmparser::{
    ElementItems, ElementKind, ExternalKind, FuncToValidate, FunctionBody, KnownCustom, Name,
    Parser, Payload, TableInit, TypeRef, ValidPayload, Validator, ValidatorResources, WasmFeatures,
};

/// A function body waiting to be validated and translated.
pub struct PendingFunction<'a> {
    /// The body's bytes.
    pub body: FunctionBody<'a>,
    /// Its validator, connected to the module's validated types.
    pub validator: FuncToValidate<ValidatorResources>,
}

/// A parsed, section-validated module.
pub struct ParsedModule<'a> {
    /// Everything but code.
    pub info: ModuleInfo,
    /// One entry per defined function, in order.
    pub functions: Vec<PendingFunction<'a>>,
}

fn unsupported(what: &str) -> CompileError {
    CompileError::Unsupported(what.to_string())
}

/// The kinds of the module's declared types so far, by type index.
struct Kinds(Vec<ConcreteKind>);

impl Kinds {
    /// The kind of type `index`; validation guarantees it exists.
    fn of(&self, index: u32) -> ConcreteKind {
        self.0
            .get(index as usize)
            .copied()
            .unwrap_or(ConcreteKind::Func)
    }
}

fn val_type(ty: wasmparser::ValType, kinds: &Kinds) -> Result<ValType, CompileError> {
    ValType::from_wasmparser(ty, &|i| kinds.of(i))
        .ok_or_else(|| unsupported("shared references and continuations"))
}

fn ref_type(ty: wasmparser::RefType, kinds: &Kinds) -> Result<RefType, CompileError> {
    RefType::from_wasmparser(ty, &|i| kinds.of(i))
        .ok_or_else(|| unsupported("shared references and continuations"))
}

fn field_type(ty: wasmparser::FieldType, kinds: &Kinds) -> Result<FieldType, CompileError> {
    Ok(FieldType {
        storage: match ty.element_type {
            wasmparser::StorageType::I8 => StorageType::I8,
            wasmparser::StorageType::I16 => StorageType::I16,
            wasmparser::StorageType::Val(v) => StorageType::Val(val_type(v, kinds)?),
        },
        mutable: ty.mutable,
    })
}

/// The kind of a declared type, before its fields are converted.
fn composite_kind(ty: &wasmparser::SubType) -> Result<ConcreteKind, CompileError> {
    use wasmparser::CompositeInnerType as C;
    match &ty.composite_type.inner {
        C::Func(_) => Ok(ConcreteKind::Func),
        C::Struct(_) => Ok(ConcreteKind::Struct),
        C::Array(_) => Ok(ConcreteKind::Array),
        C::Cont(_) => Err(unsupported("continuation types (stack switching)")),
    }
}

/// A declared type, its references the module's type indices.
fn sub_type(ty: &wasmparser::SubType, kinds: &Kinds) -> Result<SubType, CompileError> {
    use wasmparser::CompositeInnerType as C;
    if ty.composite_type.shared {
        return Err(unsupported("shared types"));
    }
    let list = |tys: &[wasmparser::ValType]| {
        tys.iter()
            .map(|t| val_type(*t, kinds))
            .collect::<Result<Vec<_>, _>>()
    };
    let composite = match &ty.composite_type.inner {
        C::Func(func) => {
            CompositeType::Func(FuncType::new(list(func.params())?, list(func.results())?))
        }
        C::Struct(st) => CompositeType::Struct(
            st.fields
                .iter()
                .map(|f| field_type(*f, kinds))
                .collect::<Result<_, _>>()?,
        ),
        C::Array(array) => CompositeType::Array(field_type(array.0, kinds)?),
        C::Cont(_) => return Err(unsupported("continuation types (stack switching)")),
    };
    let supertype = match ty.supertype_idxs.as_slice() {
        [] => None,
        [one] => Some(crate::types::TypeRef::Module(TypeIndex(
            one.as_module_index()
                .ok_or_else(|| unsupported("canonicalised supertype index"))?,
        ))),
        _ => return Err(unsupported("more than one supertype")),
    };
    Ok(SubType {
        is_final: ty.is_final,
        supertype,
        composite,
    })
}

fn memory_type(ty: wasmparser::MemoryType) -> Result<MemoryType, CompileError> {
    // Validation allows only 1 and 65536 (0 and 16).
    let page_size_log2 = u8::try_from(ty.page_size_log2())
        .map_err(|_| unsupported("a page size of 2^32 bytes or more"))?;
    Ok(MemoryType {
        minimum: ty.initial,
        maximum: ty.maximum,
        memory64: ty.memory64,
        shared: ty.shared,
        page_size_log2,
    })
}

fn table_type(ty: wasmparser::TableType, kinds: &Kinds) -> Result<TableType, CompileError> {
    Ok(TableType {
        element: ref_type(ty.element_type, kinds)?,
        minimum: ty.initial,
        maximum: ty.maximum,
        table64: ty.table64,
    })
}

fn global_type(ty: wasmparser::GlobalType, kinds: &Kinds) -> Result<GlobalType, CompileError> {
    Ok(GlobalType {
        content: val_type(ty.content_type, kinds)?,
        mutable: ty.mutable,
    })
}

/// Parses and validates everything except function bodies, whose
/// validators are returned for the caller to run.
pub fn parse<'a>(
    bytes: &'a [u8],
    features: WasmFeatures,
    registry: &TypeRegistry,
) -> Result<ParsedModule<'a>, CompileError> {
    let mut validator = Validator::new_with_features(features);
    let mut info = ModuleInfo::default();
    let mut functions = Vec::new();
    let mut kinds = Kinds(Vec::new());

    // Decode with the same features we validate with: some encodings (such
    // as over-long limits) are only well-formed when a proposal is on.
    let mut parser = Parser::new(0);
    parser.set_features(features);
    for payload in parser.parse_all(bytes) {
        let payload = payload?;
        if let ValidPayload::Func(validator, body) = validator.payload(&payload)? {
            functions.push(PendingFunction { body, validator });
            continue;
        }
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader {
                    let group = group?;
                    if group.types().len() == 0 {
                        // `(rec)` declares nothing; recording it would give
                        // two groups the same start.
                        continue;
                    }
                    let start = TypeIndex(info.types.len() as u32);
                    // Members may name each other: their kinds first.
                    for ty in group.types() {
                        kinds.0.push(composite_kind(ty)?);
                    }
                    let types = group
                        .types()
                        .map(|t| sub_type(t, &kinds))
                        .collect::<Result<Vec<_>, _>>()?;
                    let ids = registry.register_group(&info.type_ids, &types);
                    info.type_ids.extend(ids);
                    info.rec_groups.push(start);
                    info.types.extend(types);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let index = match import.ty {
                        TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                            info.functions.push(TypeIndex(ty));
                            info.num_imported_funcs += 1;
                            EntityIndex::Function(FuncIndex(info.functions.len() as u32 - 1))
                        }
                        TypeRef::Table(ty) => {
                            info.tables.push(table_type(ty, &kinds)?);
                            info.num_imported_tables += 1;
                            EntityIndex::Table(TableIndex(info.tables.len() as u32 - 1))
                        }
                        TypeRef::Memory(ty) => {
                            info.memories.push(memory_type(ty)?);
                            info.num_imported_memories += 1;
                            EntityIndex::Memory(MemoryIndex(info.memories.len() as u32 - 1))
                        }
                        TypeRef::Global(ty) => {
                            info.globals.push(global_type(ty, &kinds)?);
                            info.num_imported_globals += 1;
                            EntityIndex::Global(GlobalIndex(info.globals.len() as u32 - 1))
                        }
                        TypeRef::Tag(tag) => {
                            info.tags.push(TypeIndex(tag.func_type_idx));
                            info.num_imported_tags += 1;
                            EntityIndex::Tag(TagIndex(info.tags.len() as u32 - 1))
                        }
                    };
                    info.imports.push(Import {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        index,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    info.functions.push(TypeIndex(ty?));
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    info.tables.push(table_type(table.ty, &kinds)?);
                    info.table_inits.push(match table.init {
                        TableInit::RefNull => None,
                        TableInit::Expr(expr) => Some(ConstExpr::parse(&expr, &|i| kinds.of(i))?),
                    });
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    info.memories.push(memory_type(memory?)?);
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader {
                    info.tags.push(TypeIndex(tag?.func_type_idx));
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global?;
                    info.globals.push(global_type(global.ty, &kinds)?);
                    info.global_inits
                        .push(ConstExpr::parse(&global.init_expr, &|i| kinds.of(i))?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let index = match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => {
                            EntityIndex::Function(FuncIndex(export.index))
                        }
                        ExternalKind::Table => EntityIndex::Table(TableIndex(export.index)),
                        ExternalKind::Memory => EntityIndex::Memory(MemoryIndex(export.index)),
                        ExternalKind::Global => EntityIndex::Global(GlobalIndex(export.index)),
                        ExternalKind::Tag => EntityIndex::Tag(TagIndex(export.index)),
                    };
                    info.exports.push(Export {
                        name: export.name.to_string(),
                        index,
                    });
                }
            }
            Payload::StartSection { func, .. } => info.start = Some(FuncIndex(func)),
            Payload::ElementSection(reader) => {
                for element in reader {
                    info.elements.push(element_segment(element?, &kinds)?);
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data?;
                    let mode = match data.kind {
                        wasmparser::DataKind::Passive => DataMode::Passive,
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => DataMode::Active {
                            memory: MemoryIndex(memory_index),
                            offset: ConstExpr::parse(&offset_expr, &|i| kinds.of(i))?,
                        },
                    };
                    info.data.push(DataSegment {
                        mode,
                        bytes: data.data.into(),
                    });
                }
            }
            Payload::CustomSection(reader) => {
                // A malformed name section is not an error (the spec says
                // custom sections never invalidate a module): ignore it.
                if let KnownCustom::Name(names) = reader.as_known() {
                    let _ = read_names(names, &mut info);
                }
            }
            _ => {}
        }
    }
    Ok(ParsedModule { info, functions })
}

fn element_segment(
    element: wasmparser::Element<'_>,
    kinds: &Kinds,
) -> Result<ElementSegment, CompileError> {
    let mode = match element.kind {
        ElementKind::Passive => ElementMode::Passive,
        ElementKind::Declared => ElementMode::Declared,
        ElementKind::Active {
            table_index,
            offset_expr,
        } => ElementMode::Active {
            table: TableIndex(table_index.unwrap_or(0)),
            offset: ConstExpr::parse(&offset_expr, &|i| kinds.of(i))?,
        },
    };
    let (ty, items) = match element.items {
        ElementItems::Functions(funcs) => {
            let funcs = funcs
                .into_iter()
                .map(|f| Ok(Some(FuncIndex(f?))))
                .collect::<Result<Vec<_>, CompileError>>()?;
            (
                RefType::FUNCREF,
                module_info::ElementItems::Functions(funcs),
            )
        }
        ElementItems::Expressions(ty, exprs) => {
            let ty = ref_type(ty, kinds)?;
            let exprs = exprs
                .into_iter()
                .map(|e| ConstExpr::parse(&e?, &|i| kinds.of(i)))
                .collect::<Result<Vec<_>, CompileError>>()?;
            (
                ty,
                function_items(&exprs).unwrap_or(module_info::ElementItems::Expressions(exprs)),
            )
        }
    };
    Ok(ElementSegment { mode, ty, items })
}

/// `exprs` as plain function references, if each is one `ref.func` or
/// `ref.null func`.
fn function_items(exprs: &[ConstExpr]) -> Option<module_info::ElementItems> {
    let funcs = exprs
        .iter()
        .map(|e| match e.0.as_slice() {
            [ConstOp::RefFunc(f)] => Some(Some(*f)),
            [ConstOp::RefNull(ValType::Ref(r))] if r.is_func() => Some(None),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(module_info::ElementItems::Functions(funcs))
}

fn read_names(
    names: wasmparser::NameSectionReader<'_>,
    info: &mut ModuleInfo,
) -> Result<(), wasmparser::BinaryReaderError> {
    for name in names {
        match name? {
            Name::Module { name, .. } => info.name = Some(name.to_string()),
            Name::Function(map) => {
                for naming in map {
                    let naming = naming?;
                    info.func_names
                        .insert(FuncIndex(naming.index), naming.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_wat(text: &str) -> ModuleInfo {
        let bytes = wat::parse_str(text).unwrap();
        let parsed = parse(&bytes, WasmFeatures::default(), &TypeRegistry::default()).unwrap();
        let info = parsed.info;
        assert_eq!(parsed.functions.len() as u32, info.num_defined_funcs());
        info
    }

    #[test]
    fn reads_every_section() {
        let info = parse_wat(
            r#"(module $m
                (import "env" "f" (func $f (param i32)))
                (import "env" "g" (global i64))
                (table 2 funcref)
                (memory 1 3)
                (global (mut i32) (i32.const 7))
                (func $main (export "main") (result i32) i32.const 1)
                (elem (i32.const 0) $main $f)
                (data (i32.const 8) "hi")
                (start $main2)
                (func $main2))"#,
        );
        assert_eq!(info.name.as_deref(), Some("m"));
        assert_eq!(info.num_imported_funcs, 1);
        assert_eq!(info.functions.len(), 3);
        assert_eq!(info.num_imported_globals, 1);
        assert_eq!(info.global_inits, vec![ConstExpr(vec![ConstOp::I32(7)])]);
        assert_eq!(info.memories[0], MemoryType::new(1, Some(3)));
        assert_eq!(info.exports[0].index, EntityIndex::Function(FuncIndex(1)));
        assert_eq!(info.start, Some(FuncIndex(2)));
        assert_eq!(info.elements[0].items.len(), 2);
        assert_eq!(&*info.data[0].bytes, b"hi");
        assert_eq!(info.func_name(FuncIndex(1)), Some("main"));
    }

    #[test]
    fn decoding_follows_the_enabled_features() {
        // A memory limit with a 6-byte LEB128 encoding is only well-formed
        // with 64-bit memories.
        let bytes = b"\0asm\x01\0\0\0\x05\x08\x01\x00\x82\x80\x80\x80\x80\x00";
        let err = parse(bytes, WasmFeatures::WASM2, &TypeRegistry::default())
            .err()
            .unwrap();
        assert!(err.to_string().contains("too long"), "{err}");
    }

    #[test]
    fn invalid_module_reports_offset() {
        let bytes = wat::parse_str("(module (func (result i32) i64.const 0))").unwrap();
        // The body is validated later; the section walk itself succeeds.
        assert!(parse(&bytes, WasmFeatures::default(), &TypeRegistry::default()).is_ok());
        let err = parse(
            b"\0asm\x02\0\0\0",
            WasmFeatures::default(),
            &TypeRegistry::default(),
        )
        .err()
        .unwrap();
        assert!(
            matches!(err, CompileError::Invalid { offset: 4, .. }),
            "{err}"
        );
    }
}
