//! Typed function references from wasm-smith, which has no switch for
//! them alone: they come with its `gc_enabled`, which also makes struct
//! and array types, recursion groups, subtyping and the `any` hierarchy.
//! [`lower_gc`] turns such a module into one that, if it validates
//! without GC, uses typed function references only, and adds the idioms
//! wasm-smith rarely or never writes (non-nullable locals, `call_ref`
//! and `return_call_ref` of known functions, taken and untaken
//! `br_on_null` and `br_on_non_null`).

use std::convert::Infallible;
use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{BlockType, HeapType, Instruction, RefType, ValType};

type Result<T> = std::result::Result<T, reencode::Error<Infallible>>;

/// Rewrites a module wasm-smith generated with GC:
///
/// - struct and array types become `(func)`; `any`, `eq`, `i31`,
///   `struct`, `array`, `none` and `nofunc` become `func`, `noextern`
///   becomes `extern`; every type becomes final, without supertypes, in a
///   recursion group of its own. Type indices stay.
/// - Direct calls take turns: one in four stays `call $f`; the others
///   become `call_ref` of `ref.func $f` reached through a non-nullable
///   local, through a taken `br_on_non_null`, or through an untaken
///   `br_on_null`. Every other `return_call $f` becomes `return_call_ref`
///   of `ref.func $f`. A declarative element segment declares every
///   function for `ref.func`.
///
/// Whatever the lowering breaks (a GC instruction such as `ref.cast`, a
/// reference to a later type, a null of a bottom type where a concrete
/// type is expected) fails validation, which the caller checks; `None`
/// if the module cannot be re-encoded.
pub fn lower_gc(wasm: &[u8]) -> Option<Vec<u8>> {
    let mut lowering = Lowering::default();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let wasmparser::TypeRef::Func(t) = import.ok()?.ty {
                        lowering.func_types.push(t);
                        lowering.imported_funcs += 1;
                    }
                }
            }
            wasmparser::Payload::FunctionSection(reader) => {
                for t in reader {
                    lowering.func_types.push(t.ok()?);
                }
            }
            wasmparser::Payload::TypeSection(reader) => {
                for group in reader {
                    for ty in group.ok()?.into_types() {
                        lowering.params.push(match ty.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => f.params().len() as u32,
                            _ => 0,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    let mut module = wasm_encoder::Module::new();
    lowering
        .parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
        .ok()?;
    Some(module.finish())
}

/// The [`Reencode`] behind [`lower_gc`].
#[derive(Default)]
struct Lowering {
    /// The parameter count of each type (0 for what becomes `(func)`).
    params: Vec<u32>,
    /// The type index of every function, imported ones first.
    func_types: Vec<u32>,
    /// How many functions are imported.
    imported_funcs: u32,
    /// How many function bodies have been rewritten.
    bodies: u32,
    /// Call sites seen so far, which take turns at the forms.
    calls: u32,
    /// Whether the declarative element segment has been written.
    declared: bool,
}

/// Where a section goes in a module, for placing a new element section.
fn section_rank(id: wasm_encoder::SectionId) -> u8 {
    use wasm_encoder::SectionId as S;
    match id {
        S::Custom => 0,
        S::Type => 1,
        S::Import => 2,
        S::Function => 3,
        S::Table => 4,
        S::Memory => 5,
        S::Tag => 6,
        S::Global => 7,
        S::Export => 8,
        S::Start => 9,
        S::Element => 10,
        S::DataCount => 11,
        S::Code => 12,
        S::Data => 13,
    }
}

fn non_null(ty: u32) -> ValType {
    ValType::Ref(RefType {
        nullable: false,
        heap_type: HeapType::Concrete(ty),
    })
}

impl Lowering {
    fn declare_every_function(&mut self, elements: &mut wasm_encoder::ElementSection) {
        let all: Vec<u32> = (0..self.func_types.len() as u32).collect();
        elements.declared(wasm_encoder::Elements::Functions(all.into()));
        self.declared = true;
    }
}

impl Reencode for Lowering {
    type Error = Infallible;

    fn abstract_heap_type(
        &mut self,
        ty: wasmparser::AbstractHeapType,
    ) -> Result<wasm_encoder::AbstractHeapType> {
        use wasm_encoder::AbstractHeapType as To;
        use wasmparser::AbstractHeapType as From;
        Ok(match ty {
            From::Extern | From::NoExtern => To::Extern,
            From::Exn | From::NoExn => To::Exn,
            From::Cont | From::NoCont => To::Cont,
            _ => To::Func,
        })
    }

    fn composite_type(
        &mut self,
        ty: wasmparser::CompositeType,
    ) -> Result<wasm_encoder::CompositeType> {
        match ty.inner {
            wasmparser::CompositeInnerType::Func(_) => reencode::utils::composite_type(self, ty),
            _ => Ok(wasm_encoder::CompositeType {
                inner: wasm_encoder::CompositeInnerType::Func(wasm_encoder::FuncType::new([], [])),
                shared: false,
                descriptor: None,
                describes: None,
            }),
        }
    }

    fn sub_type(&mut self, ty: wasmparser::SubType) -> Result<wasm_encoder::SubType> {
        Ok(wasm_encoder::SubType {
            is_final: true,
            supertype_idxs: Vec::new(),
            composite_type: self.composite_type(ty.composite_type)?,
        })
    }

    fn parse_type_section(
        &mut self,
        types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<()> {
        // Each type on its own: a recursion group needs GC.
        for group in section {
            for ty in group?.into_types() {
                let ty = self.sub_type(ty)?;
                types.ty().subtype(&ty);
            }
        }
        Ok(())
    }

    fn parse_element_section(
        &mut self,
        elements: &mut wasm_encoder::ElementSection,
        section: wasmparser::ElementSectionReader<'_>,
    ) -> Result<()> {
        reencode::utils::parse_element_section(self, elements, section)?;
        self.declare_every_function(elements);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<wasm_encoder::SectionId>,
        before: Option<wasm_encoder::SectionId>,
    ) -> Result<()> {
        let element = section_rank(wasm_encoder::SectionId::Element);
        // No element section comes: add one where it belongs.
        if !self.declared && before.is_none_or(|b| section_rank(b) > element) {
            let mut elements = wasm_encoder::ElementSection::new();
            self.declare_every_function(&mut elements);
            module.section(&elements);
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<()> {
        let own_type = self
            .func_types
            .get((self.imported_funcs + self.bodies) as usize);
        self.bodies += 1;
        let mut locals = Vec::new();
        let mut next_local = own_type
            .and_then(|t| self.params.get(*t as usize))
            .copied()
            .unwrap_or(0);
        for local in func.get_locals_reader()? {
            let (count, ty) = local?;
            next_local = next_local.saturating_add(count);
            locals.push((count, self.val_type(ty)?));
        }
        // One non-nullable local per callee type, appended after the
        // body's own locals.
        let mut nn_locals: Vec<(u32, u32)> = Vec::new();
        let mut body = Vec::new();
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            match op {
                wasmparser::Operator::Call { function_index } => {
                    let Some(&ty) = self.func_types.get(function_index as usize) else {
                        body.push(Instruction::Call(function_index));
                        continue;
                    };
                    let form = self.calls % 4;
                    self.calls += 1;
                    let func = function_index;
                    match form {
                        0 => body.push(Instruction::Call(func)),
                        1 => {
                            let local = match nn_locals.iter().find(|(t, _)| *t == ty) {
                                Some((_, local)) => *local,
                                None => {
                                    nn_locals.push((ty, next_local));
                                    next_local = next_local.saturating_add(1);
                                    next_local - 1
                                }
                            };
                            body.extend([
                                Instruction::RefFunc(func),
                                Instruction::LocalSet(local),
                                Instruction::LocalGet(local),
                                Instruction::CallRef(ty),
                            ]);
                        }
                        2 => body.extend([
                            Instruction::Block(BlockType::Result(non_null(ty))),
                            Instruction::RefFunc(func),
                            Instruction::BrOnNonNull(0),
                            Instruction::Unreachable,
                            Instruction::End,
                            Instruction::CallRef(ty),
                        ]),
                        _ => body.extend([
                            Instruction::Block(BlockType::Result(non_null(ty))),
                            Instruction::Block(BlockType::Empty),
                            Instruction::RefFunc(func),
                            Instruction::BrOnNull(0),
                            Instruction::Br(1),
                            Instruction::End,
                            Instruction::Unreachable,
                            Instruction::End,
                            Instruction::CallRef(ty),
                        ]),
                    }
                }
                wasmparser::Operator::ReturnCall { function_index } => {
                    let Some(&ty) = self.func_types.get(function_index as usize) else {
                        body.push(Instruction::ReturnCall(function_index));
                        continue;
                    };
                    self.calls += 1;
                    if self.calls.is_multiple_of(2) {
                        body.push(Instruction::ReturnCall(function_index));
                    } else {
                        body.extend([
                            Instruction::RefFunc(function_index),
                            Instruction::ReturnCallRef(ty),
                        ]);
                    }
                }
                other => body.push(self.instruction(other)?),
            }
        }
        locals.extend(nn_locals.iter().map(|(ty, _)| (1, non_null(*ty))));
        let mut function = wasm_encoder::Function::new(locals);
        for instruction in &body {
            function.instruction(instruction);
        }
        code.function(&function);
        Ok(())
    }
}
