//! The binary format alone: whether bytes decode as a module, as the
//! spec's decoding phase defines it, with no validation.
//!
//! Compilation decodes and validates in one streaming pass, so a
//! `wasmparser` error does not say which phase failed. When a module is
//! rejected, [`check`] decodes it again on its own, which tells a
//! malformed module (this check fails) from a merely invalid one.
//!
//! Beyond reading every item of every section and every operator of every
//! body, the check enforces what the binary format requires and
//! `wasmparser` leaves to validation (`Rule`): known section ids, a
//! module (not component) header, flag bits of global, memory and table
//! types only a proposal that is off would define, memory alignments below
//! 2^32, and a data count section wherever code uses a data index.

use crate::error::CompileError;
use wasmparser::{
    BinaryReaderError, ElementItems, Encoding, FromReader, FunctionBody, GlobalType, MemArg,
    MemoryType, Operator, Parser, Payload, SectionLimited, TableType, TypeRef, WasmFeatures,
};

/// A requirement of the binary format that `wasmparser` decodes past.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Rule {
    /// Section ids are those of core modules.
    SectionId(u8),
    /// The header is a core module's.
    ModuleVersion,
    /// A global's mutability byte is 0 or 1 (2 and 3, shared globals,
    /// need their proposal).
    Mutability,
    /// Limits flags only use bits of enabled proposals (shared memories
    /// and tables, 64-bit ones, custom page sizes).
    LimitsFlags,
    /// A memory access's alignment exponent is below 32.
    MemopFlags,
    /// `memory.init` and `data.drop` need a data count section.
    DataCount,
}

impl Rule {
    /// The error's message, which starts as the spec interpreter's does.
    fn message(self) -> String {
        match self {
            Rule::SectionId(id) => format!("malformed section id: {id}"),
            Rule::ModuleVersion => "unknown binary version".into(),
            Rule::Mutability => "malformed mutability".into(),
            Rule::LimitsFlags => "malformed limits flags".into(),
            Rule::MemopFlags => "malformed memop flags".into(),
            Rule::DataCount => "data count section required".into(),
        }
    }

    fn at(self, offset: u64) -> CompileError {
        CompileError::malformed(self.message(), offset)
    }
}

/// Decodes `bytes` as a module with the binary format of `features`; the
/// first malformation found, as a [`CompileError::Malformed`].
pub fn check(bytes: &[u8], features: WasmFeatures) -> Result<(), CompileError> {
    let mut parser = Parser::new(0);
    parser.set_features(features);
    let mut has_data_count = false;
    for payload in parser.parse_all(bytes) {
        match payload.map_err(malformed)? {
            Payload::Version {
                encoding: Encoding::Component,
                range,
                ..
            } => return Err(Rule::ModuleVersion.at(range.start)),
            Payload::UnknownSection { id, range, .. } => {
                return Err(Rule::SectionId(id).at(range.start));
            }
            Payload::TypeSection(reader) => items(reader, |_| None)?,
            Payload::ImportSection(reader) => {
                for import in reader.into_imports_with_offsets() {
                    let (offset, import) = import.map_err(malformed)?;
                    let broken = match import.ty {
                        TypeRef::Global(ty) => global_type(&ty, features),
                        TypeRef::Memory(ty) => memory_type(&ty, features),
                        TypeRef::Table(ty) => table_type(&ty, features),
                        TypeRef::Func(_) | TypeRef::FuncExact(_) | TypeRef::Tag(_) => None,
                    };
                    if let Some(rule) = broken {
                        return Err(rule.at(offset));
                    }
                }
            }
            Payload::FunctionSection(reader) => items(reader, |_| None)?,
            Payload::TableSection(reader) => items(reader, |t| table_type(&t.ty, features))?,
            Payload::MemorySection(reader) => items(reader, |m| memory_type(m, features))?,
            Payload::TagSection(reader) => items(reader, |_| None)?,
            Payload::GlobalSection(reader) => items(reader, |g| global_type(&g.ty, features))?,
            Payload::ExportSection(reader) => items(reader, |_| None)?,
            Payload::ElementSection(reader) => {
                for element in reader {
                    match element.map_err(malformed)?.items {
                        ElementItems::Functions(funcs) => items(funcs, |_| None)?,
                        ElementItems::Expressions(_, exprs) => items(exprs, |_| None)?,
                    }
                }
            }
            Payload::DataCountSection { .. } => has_data_count = true,
            Payload::DataSection(reader) => items(reader, |_| None)?,
            Payload::CodeSectionEntry(body) => function_body(&body, has_data_count, features)?,
            // Headers, the start section and the code section's count are
            // decoded by the parser itself; custom sections' contents are
            // not part of the format.
            _ => {}
        }
    }
    Ok(())
}

/// A decoding error as a malformation.
fn malformed(e: BinaryReaderError) -> CompileError {
    CompileError::malformed(e.message(), e.offset())
}

/// Reads every item of a section (or of a vector within one), checking
/// each against `broken`, the rule it breaks if any.
fn items<'a, T: FromReader<'a>>(
    reader: SectionLimited<'a, T>,
    broken: impl Fn(&T) -> Option<Rule>,
) -> Result<(), CompileError> {
    for item in reader.into_iter_with_offsets() {
        let (offset, item) = item.map_err(malformed)?;
        if let Some(rule) = broken(&item) {
            return Err(rule.at(offset));
        }
    }
    Ok(())
}

fn global_type(ty: &GlobalType, features: WasmFeatures) -> Option<Rule> {
    (ty.shared && !features.shared_everything_threads()).then_some(Rule::Mutability)
}

fn memory_type(ty: &MemoryType, features: WasmFeatures) -> Option<Rule> {
    let stray = (ty.shared && !features.threads())
        || (ty.memory64 && !features.memory64())
        || (ty.page_size_log2.is_some() && !features.custom_page_sizes());
    stray.then_some(Rule::LimitsFlags)
}

fn table_type(ty: &TableType, features: WasmFeatures) -> Option<Rule> {
    let stray = (ty.shared && !features.shared_everything_threads())
        || (ty.table64 && !features.memory64());
    stray.then_some(Rule::LimitsFlags)
}

/// Reads a body's locals, then its operators up to its final `end`. With
/// multi-memory a memory access's flags have WebAssembly 3.0's encoding
/// (bit 6 says a memory index follows), where any alignment exponent below
/// 64 decodes and one of 32 or more is left to validation to refuse; in
/// the 2.0 encoding it is malformed.
fn function_body(
    body: &FunctionBody<'_>,
    has_data_count: bool,
    features: WasmFeatures,
) -> Result<(), CompileError> {
    let max_align = if features.multi_memory() { 64 } else { 32 };
    for local in body.get_locals_reader().map_err(malformed)? {
        local.map_err(malformed)?;
    }
    let mut operators = body.get_operators_reader().map_err(malformed)?;
    while !operators.eof() {
        let (operator, offset) = operators.read_with_offset().map_err(malformed)?;
        let broken = match operator {
            Operator::MemoryInit { .. } | Operator::DataDrop { .. } => {
                (!has_data_count).then_some(Rule::DataCount)
            }
            _ => memarg(&operator)
                .filter(|memarg| memarg.align >= max_align)
                .map(|_| Rule::MemopFlags),
        };
        if let Some(rule) = broken {
            return Err(rule.at(offset));
        }
    }
    operators.finish().map_err(malformed)
}

/// The memory argument of a memory access (those of the proposals Egret
/// implements).
fn memarg<'a>(operator: &'a Operator<'_>) -> Option<&'a MemArg> {
    use Operator as O;
    match operator {
        O::I32Load { memarg }
        | O::I64Load { memarg }
        | O::F32Load { memarg }
        | O::F64Load { memarg }
        | O::I32Load8S { memarg }
        | O::I32Load8U { memarg }
        | O::I32Load16S { memarg }
        | O::I32Load16U { memarg }
        | O::I64Load8S { memarg }
        | O::I64Load8U { memarg }
        | O::I64Load16S { memarg }
        | O::I64Load16U { memarg }
        | O::I64Load32S { memarg }
        | O::I64Load32U { memarg }
        | O::I32Store { memarg }
        | O::I64Store { memarg }
        | O::F32Store { memarg }
        | O::F64Store { memarg }
        | O::I32Store8 { memarg }
        | O::I32Store16 { memarg }
        | O::I64Store8 { memarg }
        | O::I64Store16 { memarg }
        | O::I64Store32 { memarg }
        | O::V128Load { memarg }
        | O::V128Load8x8S { memarg }
        | O::V128Load8x8U { memarg }
        | O::V128Load16x4S { memarg }
        | O::V128Load16x4U { memarg }
        | O::V128Load32x2S { memarg }
        | O::V128Load32x2U { memarg }
        | O::V128Load8Splat { memarg }
        | O::V128Load16Splat { memarg }
        | O::V128Load32Splat { memarg }
        | O::V128Load64Splat { memarg }
        | O::V128Load32Zero { memarg }
        | O::V128Load64Zero { memarg }
        | O::V128Store { memarg }
        | O::V128Load8Lane { memarg, .. }
        | O::V128Load16Lane { memarg, .. }
        | O::V128Load32Lane { memarg, .. }
        | O::V128Load64Lane { memarg, .. }
        | O::V128Store8Lane { memarg, .. }
        | O::V128Store16Lane { memarg, .. }
        | O::V128Store32Lane { memarg, .. }
        | O::V128Store64Lane { memarg, .. } => Some(memarg),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decodes(bytes: &[u8]) -> Result<(), CompileError> {
        check(bytes, WasmFeatures::WASM2)
    }

    #[test]
    fn invalid_but_well_formed_modules_decode() {
        for text in [
            "(module (func (result i32) i64.const 0))",
            "(module (func (call 7)))",
            "(module (memory 1) (memory 1))",
            "(module (export \"a\" (func 0)) (func) (export \"a\" (func 0)))",
            "(module (memory 1) (func (drop (i32.load align=8 (i32.const 0)))))",
        ] {
            let bytes = wat::parse_str(text).unwrap();
            assert_eq!(decodes(&bytes), Ok(()), "{text}");
        }
    }

    #[test]
    fn malformations_are_found() {
        let header = b"\0asm\x01\0\0\0";
        let module = |sections: &[u8]| [&header[..], sections].concat();
        // (bytes, what the error says)
        let cases: &[(Vec<u8>, &str)] = &[
            (b"\0asm\x02\0\0\0".to_vec(), "unknown binary version"),
            (b"\0asm\x0d\0\x01\0".to_vec(), "unknown binary version"),
            (module(b"\x0e\x00"), "malformed section id"),
            // A type section whose one entry is not a function type.
            (module(b"\x01\x02\x01\x7f"), "invalid leading byte"),
            // Type, function, code: one body missing its `end`.
            (
                module(b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x03\x01\x01\x00"),
                "control frames remain",
            ),
            // One body with `data.drop 0`, a data section, no data count.
            (
                module(b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x07\x01\x05\x00\xfc\x09\x00\x0b\x0b\x03\x01\x01\x00"),
                "data count section required",
            ),
            // An imported global whose mutability byte is 2 (shared).
            (
                module(b"\x02\x08\x01\x01m\x01g\x03\x7f\x02"),
                "malformed mutability",
            ),
            // A shared memory (limits flags 3), a 64-bit one (4).
            (module(b"\x05\x04\x01\x03\x01\x01"), "malformed limits flags"),
            (module(b"\x05\x03\x01\x04\x01"), "malformed limits flags"),
            // `i32.load` with alignment 2^32.
            (
                module(b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x05\x03\x01\x00\x01\x0a\x0a\x01\x08\x00\x41\x00\x28\x20\x00\x1a\x0b"),
                "malformed memop flags",
            ),
            // A function section promising a body the code section lacks.
            (
                module(b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"),
                "code section is absent",
            ),
        ];
        for (bytes, expected) in cases {
            match decodes(bytes) {
                Err(CompileError::Malformed { message, .. }) if message.contains(expected) => {}
                other => panic!("expected malformed ({expected}), got {other:?}"),
            }
        }
    }
}
