//! What a module exports, read with wasmparser independently of both
//! engines, so the differential oracle asks them the same questions; and
//! which exception-handling and GC instructions it has, for statistics.

use crate::values::ValKind;

/// One export and its kind.
#[derive(Clone, Debug)]
pub struct Export {
    /// The export name.
    pub name: String,
    /// What it is.
    pub kind: ExportKind,
}

/// The kind of an export, with a function's signature.
#[derive(Clone, Debug)]
pub enum ExportKind {
    /// A function.
    Func {
        /// Parameter types.
        params: Vec<ValKind>,
        /// Result types.
        results: Vec<ValKind>,
    },
    /// A memory.
    Memory,
    /// A table.
    Table,
    /// A global.
    Global,
    /// A tag (of exception handling): what an uncaught exception's tag
    /// is compared as (see `values::Exception`).
    Tag,
}

/// The kinds of `types`, given which of the module's types (by index)
/// are function types.
fn kinds(types: &[wasmparser::ValType], func_types: &[bool]) -> Result<Vec<ValKind>, String> {
    let is_func_type = |index: u32| func_types.get(index as usize).copied().unwrap_or(false);
    types
        .iter()
        .map(|t| {
            ValKind::from_wasmparser(*t, is_func_type)
                .ok_or_else(|| format!("type {t} is not one the oracles handle"))
        })
        .collect()
}

/// The exports of `wasm`, in order.
pub fn exports(wasm: &[u8]) -> Result<Vec<Export>, String> {
    use wasmparser::{ExternalKind, Payload, TypeRef};
    // Every type by index: a function type, or `None` for a struct or
    // array type.
    let mut types: Vec<Option<wasmparser::FuncType>> = Vec::new();
    let mut funcs = Vec::new();
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for ty in group.map_err(|e| e.to_string())?.into_types() {
                        types.push(match ty.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => Some(f),
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let TypeRef::Func(ty) = import.map_err(|e| e.to_string())?.ty {
                        funcs.push(ty);
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    funcs.push(ty.map_err(|e| e.to_string())?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| e.to_string())?;
                    let kind = match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => {
                            let ty = funcs
                                .get(export.index as usize)
                                .and_then(|t| types.get(*t as usize))
                                .and_then(Option::as_ref)
                                .ok_or("export of an unknown function")?;
                            let func_types: Vec<bool> = types.iter().map(Option::is_some).collect();
                            ExportKind::Func {
                                params: kinds(ty.params(), &func_types)?,
                                results: kinds(ty.results(), &func_types)?,
                            }
                        }
                        ExternalKind::Memory => ExportKind::Memory,
                        ExternalKind::Table => ExportKind::Table,
                        ExternalKind::Global => ExportKind::Global,
                        ExternalKind::Tag => ExportKind::Tag,
                    };
                    exports.push(Export {
                        name: export.name.to_string(),
                        kind,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(exports)
}

/// Whether `wasm` imports a table or global whose type refers to one of
/// its struct or array types (`(ref null $s)`, a field-typed global...).
/// Egret's host API has no struct or array types yet (`StructType`,
/// `ArrayType`, issue #16), so `ImportType::ty` reports such a reference
/// as `structref` or `arrayref` and a table or global made from it does
/// not link; the oracle has no dummy to give.
pub fn imports_gc_typed_table_or_global(wasm: &[u8]) -> bool {
    use wasmparser::{HeapType, Payload, TypeRef, UnpackedIndex, ValType};
    let mut func_types = Vec::new();
    let is_gc_typed = |func_types: &[bool], ty: ValType| match ty {
        ValType::Ref(r) => match r.heap_type() {
            HeapType::Concrete(UnpackedIndex::Module(i))
            | HeapType::Exact(UnpackedIndex::Module(i)) => {
                !func_types.get(i as usize).copied().unwrap_or(true)
            }
            _ => false,
        },
        _ => false,
    };
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::TypeSection(reader)) => {
                for group in reader.into_iter().flatten() {
                    for ty in group.into_types() {
                        func_types.push(matches!(
                            ty.composite_type.inner,
                            wasmparser::CompositeInnerType::Func(_)
                        ));
                    }
                }
            }
            Ok(Payload::ImportSection(reader)) => {
                for import in reader.into_imports().flatten() {
                    let gc_typed = match import.ty {
                        TypeRef::Table(t) => is_gc_typed(&func_types, ValType::Ref(t.element_type)),
                        TypeRef::Global(g) => is_gc_typed(&func_types, g.content_type),
                        _ => false,
                    };
                    if gc_typed {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// Which exception-handling and GC instructions a module's code has.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Instructions {
    /// `throw` or `throw_ref`.
    pub throws: bool,
    /// `try_table`.
    pub try_tables: bool,
    /// `struct.new`, `struct.new_default`.
    pub struct_allocations: bool,
    /// `array.new` and its forms.
    pub array_allocations: bool,
    /// `ref.test`, `ref.cast`, `br_on_cast`, `br_on_cast_fail`.
    pub casts: bool,
    /// `ref.i31`.
    pub i31s: bool,
}

/// The exception-handling and GC instructions of `wasm`'s function
/// bodies (a body that does not parse counts as having none).
pub fn instructions(wasm: &[u8]) -> Instructions {
    use wasmparser::{Operator, Payload};
    let mut found = Instructions::default();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let Ok(Payload::CodeSectionEntry(body)) = payload else {
            continue;
        };
        let Ok(mut ops) = body.get_operators_reader() else {
            continue;
        };
        while let Ok(op) = ops.read() {
            match op {
                Operator::Throw { .. } | Operator::ThrowRef => found.throws = true,
                Operator::TryTable { .. } => found.try_tables = true,
                Operator::StructNew { .. } | Operator::StructNewDefault { .. } => {
                    found.struct_allocations = true
                }
                Operator::ArrayNew { .. }
                | Operator::ArrayNewDefault { .. }
                | Operator::ArrayNewFixed { .. }
                | Operator::ArrayNewData { .. }
                | Operator::ArrayNewElem { .. } => found.array_allocations = true,
                Operator::RefTestNonNull { .. }
                | Operator::RefTestNullable { .. }
                | Operator::RefCastNonNull { .. }
                | Operator::RefCastNullable { .. }
                | Operator::BrOnCast { .. }
                | Operator::BrOnCastFail { .. } => found.casts = true,
                Operator::RefI31 => found.i31s = true,
                _ => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exports_with_imported_functions_first() {
        let wasm = wat::parse_str(
            r#"(module
                (import "m" "f" (func (param i64)))
                (func (export "g") (param f32 v128) (result externref) unreachable)
                (export "h" (func 0))
                (memory (export "mem") 1)
                (global (export "glob") i32 (i32.const 0)))"#,
        )
        .unwrap();
        let exports = exports(&wasm).unwrap();
        let names: Vec<_> = exports.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["g", "h", "mem", "glob"]);
        match &exports[0].kind {
            ExportKind::Func { params, results } => {
                assert_eq!(params, &[ValKind::F32, ValKind::V128]);
                assert_eq!(results, &[ValKind::ExternRef]);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&exports[1].kind, ExportKind::Func { params, .. } if params == &[ValKind::I64])
        );
    }

    #[test]
    fn reads_tags_exnrefs_and_exception_instructions() {
        let wasm = wat::parse_str(
            r#"(module
                (tag $t (export "t") (param i32))
                (func (export "f") (param exnref) (result (ref exn))
                    (block $b (result (ref exn))
                        (try_table (catch_all_ref $b) (throw $t (i32.const 1)))
                        unreachable)))"#,
        )
        .unwrap();
        let exports = exports(&wasm).unwrap();
        assert!(matches!(exports[0].kind, ExportKind::Tag));
        match &exports[1].kind {
            ExportKind::Func { params, results } => {
                assert_eq!(params, &[ValKind::ExnRef]);
                assert_eq!(results, &[ValKind::NonNullRef]);
            }
            other => panic!("{other:?}"),
        }
        let found = instructions(&wasm);
        assert!(found.throws && found.try_tables, "{found:?}");
        let none = wat::parse_str("(module (func (drop (i32.const 1))))").unwrap();
        assert_eq!(instructions(&none), Default::default());
    }

    #[test]
    fn reads_gc_references_by_the_kind_of_their_type() {
        let wasm = wat::parse_str(
            r#"(module
                (type $s (struct (field i32)))
                (type $f (func))
                (func (export "f") (param (ref null $s) (ref null $f) i31ref nullref)
                    (result (ref $s) (ref null $f) anyref)
                    unreachable))"#,
        )
        .unwrap();
        match &exports(&wasm).unwrap()[0].kind {
            ExportKind::Func { params, results } => {
                use ValKind::*;
                assert_eq!(params, &[AnyRef, FuncRef, AnyRef, AnyRef]);
                assert_eq!(results, &[NonNullRef, FuncRef, AnyRef]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn finds_gc_typed_table_and_global_imports() {
        let module = |import: &str| {
            let text = format!(
                "(module (type $f (func)) (type $a (array i8)) (import \"m\" \"x\" {import}))"
            );
            imports_gc_typed_table_or_global(&wat::parse_str(text).unwrap())
        };
        assert!(module("(table 1 1 (ref null $a))"));
        assert!(module("(global (ref null $a))"));
        assert!(!module("(table 1 1 (ref null $f))"));
        assert!(!module("(global anyref)"));
        assert!(!module("(func (param (ref null $a)))"));
    }
}
