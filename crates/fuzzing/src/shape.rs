//! What a module exports, read with wasmparser independently of both
//! engines, so the differential oracle asks them the same questions.

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
}

fn kinds(types: &[wasmparser::ValType]) -> Result<Vec<ValKind>, String> {
    types
        .iter()
        .map(|t| {
            ValKind::from_wasmparser(*t)
                .ok_or_else(|| format!("type {t} is not one the oracles handle (GC or exceptions)"))
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
                        ExternalKind::Tag => return Err("tags are not wasm 2.0".into()),
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
}
