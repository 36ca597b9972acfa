//! What a module exports, read with wasmparser independently of both
//! engines, so the differential oracle asks them the same questions; and
//! which exception-handling instructions it has, for statistics.

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

fn kinds(types: &[wasmparser::ValType]) -> Result<Vec<ValKind>, String> {
    types
        .iter()
        .map(|t| {
            ValKind::from_wasmparser(*t)
                .ok_or_else(|| format!("type {t} is not one the oracles handle (GC)"))
        })
        .collect()
}

/// The exports of `wasm`, in order.
pub fn exports(wasm: &[u8]) -> Result<Vec<Export>, String> {
    use wasmparser::{ExternalKind, Payload, TypeRef};
    let mut types = Vec::new();
    let mut funcs = Vec::new();
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    types.push(ty.map_err(|e| e.to_string())?);
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
                                .ok_or("export of an unknown function")?;
                            ExportKind::Func {
                                params: kinds(ty.params())?,
                                results: kinds(ty.results())?,
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

/// Which exception-handling instructions a module's code has.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ExceptionInstructions {
    /// `throw` or `throw_ref`.
    pub throws: bool,
    /// `try_table`.
    pub try_tables: bool,
}

/// The exception-handling instructions of `wasm`'s function bodies (a
/// body that does not parse counts as having none).
pub fn exception_instructions(wasm: &[u8]) -> ExceptionInstructions {
    use wasmparser::{Operator, Payload};
    let mut found = ExceptionInstructions::default();
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
        let found = exception_instructions(&wasm);
        assert!(found.throws && found.try_tables, "{found:?}");
        let none = wat::parse_str("(module (func (drop (i32.const 1))))").unwrap();
        assert_eq!(exception_instructions(&none), Default::default());
    }
}
