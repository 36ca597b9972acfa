//! The types of GC objects as the host sees them, in Wasmtime's shapes:
//! [`StructType`], [`ArrayType`], and their [`FieldType`]s with a
//! [`StorageType`] each. Like [`FuncType`](crate::FuncType), a struct or
//! array type is registered with its engine, which gives it the id that
//! objects of the type carry and casts compare.

use super::engine_form::{self, CompositeType, SubType, TypeRef};
use super::{Finality, Mutability, ValType};
use crate::{Engine, Error, Result};
use egret_frontend::types::SigId;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// What a field or array element stores: a packed integer or a value.
#[derive(Clone)]
pub enum StorageType {
    /// An 8-bit integer, read as an `i32`.
    I8,
    /// A 16-bit integer, read as an `i32`.
    I16,
    /// A value of this type.
    ValType(ValType),
}

impl StorageType {
    /// Whether this is the packed `i8`.
    pub fn is_i8(&self) -> bool {
        matches!(self, StorageType::I8)
    }

    /// Whether this is the packed `i16`.
    pub fn is_i16(&self) -> bool {
        matches!(self, StorageType::I16)
    }

    /// Whether this is a value type.
    pub fn is_val_type(&self) -> bool {
        matches!(self, StorageType::ValType(_))
    }

    /// The value type, if this is one.
    pub fn as_val_type(&self) -> Option<&ValType> {
        match self {
            StorageType::ValType(ty) => Some(ty),
            _ => None,
        }
    }

    /// The value type. Panics if this is a packed integer.
    pub fn unwrap_val_type(&self) -> &ValType {
        self.as_val_type()
            .expect("StorageType::unwrap_val_type on a packed type")
    }

    /// The type of the values read from it: `i32` for packed integers.
    pub fn unpack(&self) -> ValType {
        match self {
            StorageType::I8 | StorageType::I16 => ValType::I32,
            StorageType::ValType(ty) => ty.clone(),
        }
    }

    /// Whether a field of type `self` may stand where one of `other` is
    /// expected (for an immutable field).
    pub fn matches(&self, other: &StorageType) -> bool {
        match (self, other) {
            (StorageType::ValType(a), StorageType::ValType(b)) => a.matches(b),
            (a, b) => StorageType::eq(a, b),
        }
    }

    /// Whether `a` and `b` are the same type.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(a: &StorageType, b: &StorageType) -> bool {
        match (a, b) {
            (StorageType::I8, StorageType::I8) | (StorageType::I16, StorageType::I16) => true,
            (StorageType::ValType(a), StorageType::ValType(b)) => ValType::eq(a, b),
            _ => false,
        }
    }

    fn to_engine(&self) -> engine_form::StorageType {
        match self {
            StorageType::I8 => engine_form::StorageType::I8,
            StorageType::I16 => engine_form::StorageType::I16,
            StorageType::ValType(ty) => engine_form::StorageType::Val(ty.to_engine()),
        }
    }

    fn from_engine(engine: &Engine, ty: engine_form::StorageType) -> StorageType {
        match ty {
            engine_form::StorageType::I8 => StorageType::I8,
            engine_form::StorageType::I16 => StorageType::I16,
            engine_form::StorageType::Val(ty) => {
                StorageType::ValType(ValType::from_engine(engine, ty))
            }
        }
    }

    fn belongs_to(&self, engine: &Engine) -> bool {
        self.as_val_type().is_none_or(|ty| ty.belongs_to(engine))
    }
}

impl From<ValType> for StorageType {
    fn from(ty: ValType) -> StorageType {
        StorageType::ValType(ty)
    }
}

impl fmt::Display for StorageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageType::I8 => f.write_str("i8"),
            StorageType::I16 => f.write_str("i16"),
            StorageType::ValType(ty) => write!(f, "{ty}"),
        }
    }
}

impl fmt::Debug for StorageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A struct field or an array's element: what it stores and whether it
/// may be set.
#[derive(Clone)]
pub struct FieldType {
    mutability: Mutability,
    element_type: StorageType,
}

impl FieldType {
    /// A field storing `element_type`.
    pub fn new(mutability: Mutability, element_type: StorageType) -> FieldType {
        FieldType {
            mutability,
            element_type,
        }
    }

    /// Whether the field may be set.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    /// What the field stores.
    pub fn element_type(&self) -> &StorageType {
        &self.element_type
    }

    /// Whether a field of type `self` may stand where one of `other` is
    /// expected: the same mutability, and for an immutable field a
    /// subtype, for a mutable one the same type.
    pub fn matches(&self, other: &FieldType) -> bool {
        self.mutability == other.mutability
            && match self.mutability {
                Mutability::Const => self.element_type.matches(&other.element_type),
                Mutability::Var => StorageType::eq(&self.element_type, &other.element_type),
            }
    }

    /// Whether `a` and `b` are the same field type.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(a: &FieldType, b: &FieldType) -> bool {
        a.mutability == b.mutability && StorageType::eq(&a.element_type, &b.element_type)
    }

    pub(crate) fn to_engine(&self) -> engine_form::FieldType {
        engine_form::FieldType {
            storage: self.element_type.to_engine(),
            mutable: self.mutability.is_var(),
        }
    }

    pub(crate) fn from_engine(engine: &Engine, field: engine_form::FieldType) -> FieldType {
        FieldType {
            mutability: if field.mutable {
                Mutability::Var
            } else {
                Mutability::Const
            },
            element_type: StorageType::from_engine(engine, field.storage),
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mutability {
            Mutability::Var => write!(f, "(mut {})", self.element_type),
            Mutability::Const => write!(f, "{}", self.element_type),
        }
    }
}

impl fmt::Debug for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A declared type registered with an engine: what `StructType` and
/// `ArrayType` share.
#[derive(Clone)]
struct Registered {
    engine: Engine,
    id: SigId,
    declared: Arc<SubType>,
}

impl Registered {
    /// Registers `composite` with `engine`, after checking that the
    /// supertype (of the same kind, checked by the caller) is not final
    /// and that `fits(composite, supertype's composite)`.
    fn new(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&Registered>,
        composite: CompositeType,
        fits: impl Fn(&CompositeType, &CompositeType) -> bool,
    ) -> Result<Registered> {
        if let Some(sup) = supertype {
            if !Engine::same(&sup.engine, engine) {
                return Err(Error::misuse("the supertype belongs to another engine"));
            }
            if sup.declared.is_final {
                return Err(Error::misuse(
                    "the supertype is final and cannot have subtypes",
                ));
            }
            if !fits(&composite, &sup.declared.composite) {
                return Err(Error::misuse(
                    "the type does not match its supertype's fields",
                ));
            }
        }
        let declared = SubType {
            is_final: finality.is_final(),
            supertype: supertype.map(|s| TypeRef::Engine(s.id)),
            composite,
        };
        let id = engine
            .inner
            .types()
            .register_group(&[], std::slice::from_ref(&declared))[0];
        Ok(Registered {
            engine: engine.clone(),
            id,
            declared: Arc::new(declared),
        })
    }

    fn from_engine(engine: &Engine, id: SigId) -> Option<Registered> {
        let declared = engine.inner.types().sub_type(id)?;
        Some(Registered {
            engine: engine.clone(),
            id,
            declared: Arc::new(declared),
        })
    }

    fn finality(&self) -> Finality {
        if self.declared.is_final {
            Finality::Final
        } else {
            Finality::NonFinal
        }
    }

    fn supertype_id(&self) -> Option<SigId> {
        match self.declared.supertype {
            Some(TypeRef::Engine(id)) => Some(id),
            _ => None,
        }
    }

    fn matches(&self, other: &Registered) -> bool {
        Engine::same(&self.engine, &other.engine)
            && self.engine.inner.types().is_subtype(self.id, other.id)
    }

    fn eq(a: &Registered, b: &Registered) -> bool {
        Engine::same(&a.engine, &b.engine) && a.id == b.id
    }
}

/// Whether every field type belongs to `engine`.
fn fields_belong(engine: &Engine, fields: &[FieldType]) -> Result<()> {
    match fields.iter().find(|f| !f.element_type.belongs_to(engine)) {
        Some(f) => Err(Error::misuse(format!(
            "the field type {f} belongs to another engine"
        ))),
        None => Ok(()),
    }
}

/// Whether `sub`'s fields extend `sup`'s, each matching.
fn fields_fit(
    sub: &[engine_form::FieldType],
    sup: &[engine_form::FieldType],
    engine: &Engine,
) -> bool {
    sub.len() >= sup.len()
        && sub.iter().zip(sup).all(|(a, b)| {
            FieldType::from_engine(engine, *a).matches(&FieldType::from_engine(engine, *b))
        })
}

/// The type of a struct: its fields, in order.
///
/// ```
/// use egret::{Engine, FieldType, Mutability, StorageType, StructType, ValType};
/// let engine = Engine::default();
/// let point = StructType::new(&engine, [
///     FieldType::new(Mutability::Var, StorageType::ValType(ValType::I32)),
///     FieldType::new(Mutability::Const, StorageType::I8),
/// ]).unwrap();
/// assert_eq!(point.fields().len(), 2);
/// assert!(point.field(1).unwrap().element_type().is_i8());
/// ```
#[derive(Clone)]
pub struct StructType {
    registered: Registered,
}

impl StructType {
    /// A final struct type without supertype.
    pub fn new(engine: &Engine, fields: impl IntoIterator<Item = FieldType>) -> Result<StructType> {
        StructType::with_finality_and_supertype(engine, Finality::Final, None, fields)
    }

    /// A struct type with the given finality and supertype: its fields
    /// must start with the supertype's, each matching.
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&StructType>,
        fields: impl IntoIterator<Item = FieldType>,
    ) -> Result<StructType> {
        let fields: Vec<FieldType> = fields.into_iter().collect();
        fields_belong(engine, &fields)?;
        let composite = CompositeType::Struct(fields.iter().map(FieldType::to_engine).collect());
        let registered = Registered::new(
            engine,
            finality,
            supertype.map(|s| &s.registered),
            composite,
            |sub, sup| match (sub, sup) {
                (CompositeType::Struct(a), CompositeType::Struct(b)) => fields_fit(a, b, engine),
                _ => false,
            },
        )?;
        Ok(StructType { registered })
    }

    /// The struct type registered with id `id` in `engine`, if it is one.
    pub(crate) fn from_engine(engine: &Engine, id: SigId) -> Option<StructType> {
        let registered = Registered::from_engine(engine, id)?;
        matches!(registered.declared.composite, CompositeType::Struct(_))
            .then_some(StructType { registered })
    }

    /// The engine-wide id.
    pub(crate) fn id(&self) -> SigId {
        self.registered.id
    }

    fn engine_fields(&self) -> &[engine_form::FieldType] {
        match &self.registered.declared.composite {
            CompositeType::Struct(fields) => fields,
            _ => unreachable!("a StructType is made only from a struct type"),
        }
    }

    /// The engine this type is registered with.
    pub fn engine(&self) -> &Engine {
        &self.registered.engine
    }

    /// Whether the type may have subtypes.
    pub fn finality(&self) -> Finality {
        self.registered.finality()
    }

    /// The declared supertype.
    pub fn supertype(&self) -> Option<StructType> {
        StructType::from_engine(self.engine(), self.registered.supertype_id()?)
    }

    /// Field `i`.
    pub fn field(&self, i: usize) -> Option<FieldType> {
        let field = *self.engine_fields().get(i)?;
        Some(FieldType::from_engine(self.engine(), field))
    }

    /// The fields, in order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = FieldType> + '_ {
        let engine = self.engine();
        self.engine_fields()
            .iter()
            .map(move |f| FieldType::from_engine(engine, *f))
    }

    /// Whether a struct of type `self` is a struct of type `other` (the
    /// same type or a declared subtype, in the same engine).
    pub fn matches(&self, other: &StructType) -> bool {
        self.registered.matches(&other.registered)
    }

    /// Whether `a` and `b` are the same type.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(a: &StructType, b: &StructType) -> bool {
        Registered::eq(&a.registered, &b.registered)
    }
}

impl Hash for StructType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.registered.id.hash(state);
    }
}

impl fmt::Display for StructType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(struct")?;
        for field in self.fields() {
            write!(f, " (field {field})")?;
        }
        f.write_str(")")
    }
}

impl fmt::Debug for StructType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The type of an array: its element.
///
/// ```
/// use egret::{ArrayType, Engine, FieldType, Mutability, StorageType};
/// let engine = Engine::default();
/// let bytes = ArrayType::new(&engine, FieldType::new(Mutability::Var, StorageType::I8));
/// assert!(bytes.field_type().element_type().is_i8());
/// ```
#[derive(Clone)]
pub struct ArrayType {
    registered: Registered,
}

impl ArrayType {
    /// A final array type without supertype.
    ///
    /// # Panics
    /// If the element is a concrete reference type of another engine (as
    /// Wasmtime's does); [`ArrayType::with_finality_and_supertype`]
    /// reports it as an error.
    pub fn new(engine: &Engine, field_type: FieldType) -> ArrayType {
        match ArrayType::with_finality_and_supertype(engine, Finality::Final, None, field_type) {
            Ok(ty) => ty,
            Err(e) => panic!("ArrayType::new: {e}"),
        }
    }

    /// An array type with the given finality and supertype, whose element
    /// must match the supertype's.
    pub fn with_finality_and_supertype(
        engine: &Engine,
        finality: Finality,
        supertype: Option<&ArrayType>,
        field_type: FieldType,
    ) -> Result<ArrayType> {
        fields_belong(engine, std::slice::from_ref(&field_type))?;
        let registered = Registered::new(
            engine,
            finality,
            supertype.map(|s| &s.registered),
            CompositeType::Array(field_type.to_engine()),
            |sub, sup| match (sub, sup) {
                (CompositeType::Array(a), CompositeType::Array(b)) => {
                    fields_fit(std::slice::from_ref(a), std::slice::from_ref(b), engine)
                }
                _ => false,
            },
        )?;
        Ok(ArrayType { registered })
    }

    /// The array type registered with id `id` in `engine`, if it is one.
    pub(crate) fn from_engine(engine: &Engine, id: SigId) -> Option<ArrayType> {
        let registered = Registered::from_engine(engine, id)?;
        matches!(registered.declared.composite, CompositeType::Array(_))
            .then_some(ArrayType { registered })
    }

    /// The engine-wide id.
    pub(crate) fn id(&self) -> SigId {
        self.registered.id
    }

    pub(crate) fn engine_field(&self) -> engine_form::FieldType {
        match &self.registered.declared.composite {
            CompositeType::Array(field) => *field,
            _ => unreachable!("an ArrayType is made only from an array type"),
        }
    }

    /// The engine this type is registered with.
    pub fn engine(&self) -> &Engine {
        &self.registered.engine
    }

    /// Whether the type may have subtypes.
    pub fn finality(&self) -> Finality {
        self.registered.finality()
    }

    /// The declared supertype.
    pub fn supertype(&self) -> Option<ArrayType> {
        ArrayType::from_engine(self.engine(), self.registered.supertype_id()?)
    }

    /// The element's type.
    pub fn field_type(&self) -> FieldType {
        FieldType::from_engine(self.engine(), self.engine_field())
    }

    /// Whether an array of type `self` is an array of type `other`.
    pub fn matches(&self, other: &ArrayType) -> bool {
        self.registered.matches(&other.registered)
    }

    /// Whether `a` and `b` are the same type.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(a: &ArrayType, b: &ArrayType) -> bool {
        Registered::eq(&a.registered, &b.registered)
    }
}

impl Hash for ArrayType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.registered.id.hash(state);
    }
}

impl fmt::Display for ArrayType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(array {})", self.field_type())
    }
}

impl fmt::Debug for ArrayType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
