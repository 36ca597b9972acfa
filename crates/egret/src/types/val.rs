//! Value types: numbers, vectors and references `(ref null? heap_type)`
//! over the heap-type hierarchies of WebAssembly 3.0 (functions, host
//! references, GC objects and exceptions), with subtyping.

use super::engine_form;
use super::func::FuncType;
use super::gc::{ArrayType, StructType};
use crate::{Engine, Val};
use std::fmt;

/// The type of a WebAssembly value.
///
/// Not `Eq`: reference types have subtypes, so what a caller usually
/// wants is [`ValType::matches`]; [`ValType::eq`] is exact equality.
#[derive(Clone, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference.
    Ref(RefType),
}

/// A reference type: a heap type and whether null is one of its values.
#[derive(Clone, Hash)]
pub struct RefType {
    is_nullable: bool,
    heap_type: HeapType,
}

/// What a reference points to. Four hierarchies, each with a top and a
/// bottom type:
///
/// - functions: `func` ⊇ each concrete function type ⊇ `nofunc`;
/// - host references: `extern` ⊇ `noextern`;
/// - GC objects: `any` ⊇ `eq` ⊇ {`i31`, `struct`, `array`} ⊇ `none`;
/// - exceptions: `exn` ⊇ `noexn`.
///
/// Concrete struct and array types arrive with the GC proposal.
#[derive(Clone, Debug, Hash)]
pub enum HeapType {
    /// Any host reference (`extern`).
    Extern,
    /// No host reference: only null (`noextern`).
    NoExtern,
    /// Any function (`func`).
    Func,
    /// Functions of one type and its subtypes.
    ConcreteFunc(FuncType),
    /// No function: only null (`nofunc`).
    NoFunc,
    /// Any GC object or `i31` (`any`).
    Any,
    /// What `ref.eq` compares (`eq`).
    Eq,
    /// Unboxed 31-bit integers (`i31`).
    I31,
    /// Any array (`array`).
    Array,
    /// Arrays of one type and its subtypes.
    ConcreteArray(ArrayType),
    /// Any struct (`struct`).
    Struct,
    /// Structs of one type and its subtypes.
    ConcreteStruct(StructType),
    /// No GC object: only null (`none`).
    None,
    /// Any exception (`exn`).
    Exn,
    /// No exception: only null (`noexn`).
    NoExn,
}

impl ValType {
    /// `externref`.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);
    /// `nullexternref`.
    pub const NULLEXTERNREF: ValType = ValType::Ref(RefType::NULLEXTERNREF);
    /// `funcref`.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `nullfuncref`.
    pub const NULLFUNCREF: ValType = ValType::Ref(RefType::NULLFUNCREF);
    /// `anyref`.
    pub const ANYREF: ValType = ValType::Ref(RefType::ANYREF);
    /// `eqref`.
    pub const EQREF: ValType = ValType::Ref(RefType::EQREF);
    /// `i31ref`.
    pub const I31REF: ValType = ValType::Ref(RefType::I31REF);
    /// `arrayref`.
    pub const ARRAYREF: ValType = ValType::Ref(RefType::ARRAYREF);
    /// `structref`.
    pub const STRUCTREF: ValType = ValType::Ref(RefType::STRUCTREF);
    /// `nullref`.
    pub const NULLREF: ValType = ValType::Ref(RefType::NULLREF);
    /// `exnref`.
    pub const EXNREF: ValType = ValType::Ref(RefType::EXNREF);
    /// `nullexnref`.
    pub const NULLEXNREF: ValType = ValType::Ref(RefType::NULLEXNREF);

    /// Whether this is a number type (`i32`, `i64`, `f32`, `f64`).
    pub fn is_num(&self) -> bool {
        matches!(
            self,
            ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64
        )
    }

    /// Whether this is `i32`.
    pub fn is_i32(&self) -> bool {
        matches!(self, ValType::I32)
    }

    /// Whether this is `i64`.
    pub fn is_i64(&self) -> bool {
        matches!(self, ValType::I64)
    }

    /// Whether this is `f32`.
    pub fn is_f32(&self) -> bool {
        matches!(self, ValType::F32)
    }

    /// Whether this is `f64`.
    pub fn is_f64(&self) -> bool {
        matches!(self, ValType::F64)
    }

    /// Whether this is `v128`.
    pub fn is_v128(&self) -> bool {
        matches!(self, ValType::V128)
    }

    /// Whether this is a reference type.
    pub fn is_ref(&self) -> bool {
        matches!(self, ValType::Ref(_))
    }

    /// Whether this is exactly `funcref`.
    pub fn is_funcref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.is_nullable && matches!(r.heap_type, HeapType::Func))
    }

    /// Whether this is exactly `externref`.
    pub fn is_externref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.is_nullable && matches!(r.heap_type, HeapType::Extern))
    }

    /// Whether this is exactly `anyref`.
    pub fn is_anyref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.is_nullable && matches!(r.heap_type, HeapType::Any))
    }

    /// The reference type, if this is one.
    pub fn as_ref(&self) -> Option<&RefType> {
        match self {
            ValType::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// The reference type. Panics if this is not one.
    pub fn unwrap_ref(&self) -> &RefType {
        self.as_ref()
            .expect("ValType::unwrap_ref on a non-reference type")
    }

    /// Whether every value of `self` is a value of `other`.
    pub fn matches(&self, other: &ValType) -> bool {
        match (self, other) {
            (ValType::Ref(a), ValType::Ref(b)) => a.matches(b),
            (a, b) => ValType::eq(a, b),
        }
    }

    /// Whether `a` and `b` are the same type.
    // Wasmtime names exact equality `eq` rather than implementing
    // `PartialEq`, so that `==` is not used where `matches` is meant.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(a: &ValType, b: &ValType) -> bool {
        match (a, b) {
            (ValType::Ref(a), ValType::Ref(b)) => RefType::eq(a, b),
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }

    /// The value a fresh local of this type holds (zero or null); `None`
    /// for non-nullable references, which have no default.
    pub fn default_value(&self) -> Option<Val> {
        match self {
            ValType::I32 => Some(Val::I32(0)),
            ValType::I64 => Some(Val::I64(0)),
            ValType::F32 => Some(Val::F32(0)),
            ValType::F64 => Some(Val::F64(0)),
            ValType::V128 => Some(Val::V128(crate::V128::from(0))),
            ValType::Ref(r) => r.null_value(),
        }
    }

    /// The public form of `ty`, an engine-form type of `engine`.
    pub(crate) fn from_engine(engine: &Engine, ty: engine_form::ValType) -> ValType {
        use engine_form::ValType as E;
        match ty {
            E::I32 => ValType::I32,
            E::I64 => ValType::I64,
            E::F32 => ValType::F32,
            E::F64 => ValType::F64,
            E::V128 => ValType::V128,
            E::Ref(r) => ValType::Ref(RefType::from_engine(engine, r)),
        }
    }

    /// The engine form of this type, valid in the engine of its concrete
    /// types (see [`ValType::belongs_to`]).
    pub(crate) fn to_engine(&self) -> engine_form::ValType {
        use engine_form::ValType as E;
        match self {
            ValType::I32 => E::I32,
            ValType::I64 => E::I64,
            ValType::F32 => E::F32,
            ValType::F64 => E::F64,
            ValType::V128 => E::V128,
            ValType::Ref(r) => E::Ref(r.to_engine()),
        }
    }

    /// Whether every concrete type this type names is registered with
    /// `engine`.
    pub(crate) fn belongs_to(&self, engine: &Engine) -> bool {
        match self {
            ValType::Ref(r) => r.belongs_to(engine),
            _ => true,
        }
    }
}

impl RefType {
    /// `externref`.
    pub const EXTERNREF: RefType = RefType::nullable(HeapType::Extern);
    /// `nullexternref`.
    pub const NULLEXTERNREF: RefType = RefType::nullable(HeapType::NoExtern);
    /// `funcref`.
    pub const FUNCREF: RefType = RefType::nullable(HeapType::Func);
    /// `nullfuncref`.
    pub const NULLFUNCREF: RefType = RefType::nullable(HeapType::NoFunc);
    /// `anyref`.
    pub const ANYREF: RefType = RefType::nullable(HeapType::Any);
    /// `eqref`.
    pub const EQREF: RefType = RefType::nullable(HeapType::Eq);
    /// `i31ref`.
    pub const I31REF: RefType = RefType::nullable(HeapType::I31);
    /// `arrayref`.
    pub const ARRAYREF: RefType = RefType::nullable(HeapType::Array);
    /// `structref`.
    pub const STRUCTREF: RefType = RefType::nullable(HeapType::Struct);
    /// `nullref`.
    pub const NULLREF: RefType = RefType::nullable(HeapType::None);
    /// `exnref`.
    pub const EXNREF: RefType = RefType::nullable(HeapType::Exn);
    /// `nullexnref`.
    pub const NULLEXNREF: RefType = RefType::nullable(HeapType::NoExn);

    const fn nullable(heap_type: HeapType) -> RefType {
        RefType {
            is_nullable: true,
            heap_type,
        }
    }

    /// `(ref null heap_type)` if `is_nullable`, else `(ref heap_type)`.
    pub fn new(is_nullable: bool, heap_type: HeapType) -> RefType {
        RefType {
            is_nullable,
            heap_type,
        }
    }

    /// Whether null is a value of this type.
    pub fn is_nullable(&self) -> bool {
        self.is_nullable
    }

    /// What the reference points to.
    pub fn heap_type(&self) -> &HeapType {
        &self.heap_type
    }

    /// Whether every reference of `self` is a reference of `other`.
    pub fn matches(&self, other: &RefType) -> bool {
        (other.is_nullable || !self.is_nullable) && self.heap_type.matches(&other.heap_type)
    }

    /// Whether `a` and `b` are the same type.
    // Wasmtime names exact equality `eq` rather than implementing
    // `PartialEq`, so that `==` is not used where `matches` is meant.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(a: &RefType, b: &RefType) -> bool {
        a.is_nullable == b.is_nullable && HeapType::eq(&a.heap_type, &b.heap_type)
    }

    /// Null as a [`Val`] of this type; `None` if the type excludes null.
    fn null_value(&self) -> Option<Val> {
        if !self.is_nullable {
            return None;
        }
        Some(match self.heap_type.top() {
            HeapType::Func => Val::FuncRef(None),
            HeapType::Extern => Val::ExternRef(None),
            HeapType::Any => Val::AnyRef(None),
            _ => Val::ExnRef(None),
        })
    }

    pub(crate) fn from_engine(engine: &Engine, ty: engine_form::RefType) -> RefType {
        use engine_form::{HeapType as E, TypeRef};
        let heap_type = match ty.heap {
            E::Func => HeapType::Func,
            E::NoFunc => HeapType::NoFunc,
            E::Extern => HeapType::Extern,
            E::NoExtern => HeapType::NoExtern,
            E::Any => HeapType::Any,
            E::Eq => HeapType::Eq,
            E::I31 => HeapType::I31,
            E::Struct => HeapType::Struct,
            E::Array => HeapType::Array,
            E::None => HeapType::None,
            E::Exn => HeapType::Exn,
            E::NoExn => HeapType::NoExn,
            E::ConcreteFunc(TypeRef::Engine(id)) => {
                HeapType::ConcreteFunc(FuncType::from_engine(engine, id))
            }
            E::ConcreteStruct(TypeRef::Engine(id)) => StructType::from_engine(engine, id)
                .map_or(HeapType::Struct, HeapType::ConcreteStruct),
            E::ConcreteArray(TypeRef::Engine(id)) => {
                ArrayType::from_engine(engine, id).map_or(HeapType::Array, HeapType::ConcreteArray)
            }
            // Engine-form types name concrete types by engine id only.
            E::ConcreteFunc(_) => HeapType::Func,
            E::ConcreteStruct(_) => HeapType::Struct,
            E::ConcreteArray(_) => HeapType::Array,
        };
        RefType::new(ty.nullable, heap_type)
    }

    pub(crate) fn to_engine(&self) -> engine_form::RefType {
        use engine_form::{HeapType as E, TypeRef};
        let heap = match &self.heap_type {
            HeapType::Func => E::Func,
            HeapType::NoFunc => E::NoFunc,
            HeapType::Extern => E::Extern,
            HeapType::NoExtern => E::NoExtern,
            HeapType::Any => E::Any,
            HeapType::Eq => E::Eq,
            HeapType::I31 => E::I31,
            HeapType::Struct => E::Struct,
            HeapType::Array => E::Array,
            HeapType::None => E::None,
            HeapType::Exn => E::Exn,
            HeapType::NoExn => E::NoExn,
            HeapType::ConcreteFunc(f) => E::ConcreteFunc(TypeRef::Engine(f.id())),
            HeapType::ConcreteStruct(s) => E::ConcreteStruct(TypeRef::Engine(s.id())),
            HeapType::ConcreteArray(a) => E::ConcreteArray(TypeRef::Engine(a.id())),
        };
        engine_form::RefType {
            nullable: self.is_nullable,
            heap,
        }
    }

    pub(crate) fn belongs_to(&self, engine: &Engine) -> bool {
        match &self.heap_type {
            HeapType::ConcreteFunc(f) => Engine::same(f.engine(), engine),
            HeapType::ConcreteStruct(s) => Engine::same(s.engine(), engine),
            HeapType::ConcreteArray(a) => Engine::same(a.engine(), engine),
            _ => true,
        }
    }
}

impl HeapType {
    /// Whether this is `extern`.
    pub fn is_extern(&self) -> bool {
        matches!(self, HeapType::Extern)
    }

    /// Whether this is `func`.
    pub fn is_func(&self) -> bool {
        matches!(self, HeapType::Func)
    }

    /// Whether this is `nofunc`.
    pub fn is_no_func(&self) -> bool {
        matches!(self, HeapType::NoFunc)
    }

    /// Whether this is `any`.
    pub fn is_any(&self) -> bool {
        matches!(self, HeapType::Any)
    }

    /// Whether this is `i31`.
    pub fn is_i31(&self) -> bool {
        matches!(self, HeapType::I31)
    }

    /// Whether this is `none`.
    pub fn is_none(&self) -> bool {
        matches!(self, HeapType::None)
    }

    /// Whether this is `exn`.
    pub fn is_exn(&self) -> bool {
        matches!(self, HeapType::Exn)
    }

    /// Whether this is `noexn`.
    pub fn is_no_exn(&self) -> bool {
        matches!(self, HeapType::NoExn)
    }

    /// Whether this is an abstract heap type (not a declared one).
    pub fn is_abstract(&self) -> bool {
        !self.is_concrete()
    }

    /// Whether this is a declared (concrete) type.
    pub fn is_concrete(&self) -> bool {
        matches!(
            self,
            HeapType::ConcreteFunc(_) | HeapType::ConcreteStruct(_) | HeapType::ConcreteArray(_)
        )
    }

    /// Whether this is a concrete struct type.
    pub fn is_concrete_struct(&self) -> bool {
        matches!(self, HeapType::ConcreteStruct(_))
    }

    /// The concrete struct type, if this is one.
    pub fn as_concrete_struct(&self) -> Option<&StructType> {
        match self {
            HeapType::ConcreteStruct(s) => Some(s),
            _ => None,
        }
    }

    /// The concrete struct type. Panics if this is not one.
    pub fn unwrap_concrete_struct(&self) -> &StructType {
        self.as_concrete_struct()
            .expect("HeapType::unwrap_concrete_struct on another heap type")
    }

    /// Whether this is a concrete array type.
    pub fn is_concrete_array(&self) -> bool {
        matches!(self, HeapType::ConcreteArray(_))
    }

    /// The concrete array type, if this is one.
    pub fn as_concrete_array(&self) -> Option<&ArrayType> {
        match self {
            HeapType::ConcreteArray(a) => Some(a),
            _ => None,
        }
    }

    /// The concrete array type. Panics if this is not one.
    pub fn unwrap_concrete_array(&self) -> &ArrayType {
        self.as_concrete_array()
            .expect("HeapType::unwrap_concrete_array on another heap type")
    }

    /// Whether this is a concrete function type.
    pub fn is_concrete_func(&self) -> bool {
        matches!(self, HeapType::ConcreteFunc(_))
    }

    /// The concrete function type, if this is one.
    pub fn as_concrete_func(&self) -> Option<&FuncType> {
        match self {
            HeapType::ConcreteFunc(f) => Some(f),
            _ => None,
        }
    }

    /// The concrete function type. Panics if this is not one.
    pub fn unwrap_concrete_func(&self) -> &FuncType {
        self.as_concrete_func()
            .expect("HeapType::unwrap_concrete_func on another heap type")
    }

    /// The top of this type's hierarchy: `func`, `extern`, `any` or `exn`.
    pub fn top(&self) -> HeapType {
        match self {
            HeapType::Func | HeapType::ConcreteFunc(_) | HeapType::NoFunc => HeapType::Func,
            HeapType::Extern | HeapType::NoExtern => HeapType::Extern,
            HeapType::Any
            | HeapType::Eq
            | HeapType::I31
            | HeapType::Array
            | HeapType::ConcreteArray(_)
            | HeapType::Struct
            | HeapType::ConcreteStruct(_)
            | HeapType::None => HeapType::Any,
            HeapType::Exn | HeapType::NoExn => HeapType::Exn,
        }
    }

    /// Whether this is the top of its hierarchy.
    pub fn is_top(&self) -> bool {
        matches!(
            self,
            HeapType::Func | HeapType::Extern | HeapType::Any | HeapType::Exn
        )
    }

    /// The bottom of this type's hierarchy: `nofunc`, `noextern`, `none`
    /// or `noexn`.
    pub fn bottom(&self) -> HeapType {
        match self.top() {
            HeapType::Func => HeapType::NoFunc,
            HeapType::Extern => HeapType::NoExtern,
            HeapType::Any => HeapType::None,
            _ => HeapType::NoExn,
        }
    }

    /// Whether this is the bottom of its hierarchy.
    pub fn is_bottom(&self) -> bool {
        matches!(
            self,
            HeapType::NoFunc | HeapType::NoExtern | HeapType::None | HeapType::NoExn
        )
    }

    /// Whether every reference to `self` is a reference to `other`.
    pub fn matches(&self, other: &HeapType) -> bool {
        use HeapType as H;
        match (self, other) {
            (H::ConcreteFunc(a), H::ConcreteFunc(b)) => a.matches(b),
            (H::ConcreteStruct(a), H::ConcreteStruct(b)) => a.matches(b),
            (H::ConcreteArray(a), H::ConcreteArray(b)) => a.matches(b),
            // Within one hierarchy: the bottom matches everything, and
            // everything matches the top.
            _ if !HeapType::eq(&self.top(), &other.top()) => false,
            _ if self.is_bottom() || other.is_top() => true,
            (H::I31 | H::Array | H::Struct | H::ConcreteArray(_) | H::ConcreteStruct(_), H::Eq) => {
                true
            }
            (H::ConcreteStruct(_), H::Struct) | (H::ConcreteArray(_), H::Array) => true,
            (a, b) => HeapType::eq(a, b),
        }
    }

    /// Whether `a` and `b` are the same heap type.
    // Wasmtime names exact equality `eq` rather than implementing
    // `PartialEq`, so that `==` is not used where `matches` is meant.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(a: &HeapType, b: &HeapType) -> bool {
        match (a, b) {
            (HeapType::ConcreteFunc(a), HeapType::ConcreteFunc(b)) => FuncType::eq(a, b),
            (HeapType::ConcreteStruct(a), HeapType::ConcreteStruct(b)) => StructType::eq(a, b),
            (HeapType::ConcreteArray(a), HeapType::ConcreteArray(b)) => ArrayType::eq(a, b),
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

impl From<RefType> for ValType {
    fn from(r: RefType) -> ValType {
        ValType::Ref(r)
    }
}

impl From<FuncType> for HeapType {
    fn from(f: FuncType) -> HeapType {
        HeapType::ConcreteFunc(f)
    }
}

impl From<StructType> for HeapType {
    fn from(s: StructType) -> HeapType {
        HeapType::ConcreteStruct(s)
    }
}

impl From<ArrayType> for HeapType {
    fn from(a: ArrayType) -> HeapType {
        HeapType::ConcreteArray(a)
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A concrete type prints as its structure, which only the
            // public form knows.
            ValType::Ref(r) => write!(f, "{r}"),
            number => write!(f, "{}", number.to_engine()),
        }
    }
}

impl fmt::Debug for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_nullable {
            "(ref null "
        } else {
            "(ref "
        })?;
        write!(f, "{})", self.heap_type)
    }
}

impl fmt::Debug for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeapType::Extern => "extern",
            HeapType::NoExtern => "noextern",
            HeapType::Func => "func",
            HeapType::ConcreteFunc(ty) => return write!(f, "{ty}"),
            HeapType::NoFunc => "nofunc",
            HeapType::Any => "any",
            HeapType::Eq => "eq",
            HeapType::I31 => "i31",
            HeapType::Array => "array",
            HeapType::ConcreteArray(ty) => return write!(f, "{ty}"),
            HeapType::Struct => "struct",
            HeapType::ConcreteStruct(ty) => return write!(f, "{ty}"),
            HeapType::None => "none",
            HeapType::Exn => "exn",
            HeapType::NoExn => "noexn",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abstract_heap_types_form_four_hierarchies() {
        use HeapType as H;
        let all = [
            H::Extern,
            H::NoExtern,
            H::Func,
            H::NoFunc,
            H::Any,
            H::Eq,
            H::I31,
            H::Array,
            H::Struct,
            H::None,
            H::Exn,
            H::NoExn,
        ];
        for a in &all {
            assert!(a.matches(a), "{a} matches itself");
            assert!(a.matches(&a.top()), "{a} matches its top");
            assert!(a.bottom().matches(a), "its bottom matches {a}");
            for b in &all {
                if !HeapType::eq(&a.top(), &b.top()) {
                    assert!(!a.matches(b), "{a} and {b} are in different hierarchies");
                }
            }
        }
        assert!(H::I31.matches(&H::Eq) && H::Struct.matches(&H::Any));
        assert!(!H::Eq.matches(&H::I31) && !H::Any.matches(&H::Eq));
        assert!(!H::Array.matches(&H::Struct));
    }

    #[test]
    fn nullability_narrows_only_downwards() {
        let non_null_func = RefType::new(false, HeapType::Func);
        assert!(non_null_func.matches(&RefType::FUNCREF));
        assert!(!RefType::FUNCREF.matches(&non_null_func));
        assert!(ValType::NULLFUNCREF.matches(&ValType::FUNCREF));
        assert!(!ValType::FUNCREF.matches(&ValType::EXTERNREF));
        assert!(!ValType::I32.matches(&ValType::I64));
        assert_eq!(ValType::Ref(non_null_func).to_string(), "(ref func)");
        assert_eq!(ValType::ANYREF.to_string(), "(ref null any)");
        assert!(
            ValType::Ref(RefType::new(false, HeapType::Extern))
                .default_value()
                .is_none()
        );
    }
}
