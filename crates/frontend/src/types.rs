//! WebAssembly types as Egret sees them: value, function, memory, table and
//! global types, and the typed index spaces of a module.
//!
//! These are Egret's own types rather than `wasmparser`'s so that the public
//! API does not leak a parser version, and so that they can be hashed and
//! interned engine-wide.

use std::fmt;

/// Declares a `u32` newtype for one index space.
macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default,
            serde::Serialize, serde::Deserialize,
        )]
        pub struct $name(pub u32);

        impl $name {
            /// The index as a `usize`, for indexing vectors.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// Index into the module's type section.
    TypeIndex
);
index_type!(
    /// Index into the function index space (imported functions first).
    FuncIndex
);
index_type!(
    /// Index over the functions the module defines (imports excluded).
    DefinedFuncIndex
);
index_type!(
    /// Index into the table index space.
    TableIndex
);
index_type!(
    /// Index into the memory index space.
    MemoryIndex
);
index_type!(
    /// Index into the global index space.
    GlobalIndex
);
index_type!(
    /// Index over the globals the module defines (imports excluded).
    DefinedGlobalIndex
);
index_type!(
    /// Index into the tag index space (imported tags first).
    TagIndex
);
index_type!(
    /// Index of an element segment.
    ElemIndex
);
index_type!(
    /// Index of a data segment.
    DataIndex
);
index_type!(
    /// Engine-wide id of a function type; equal types have equal ids, so a
    /// `call_indirect` signature check is one integer compare.
    SigId
);

/// The type of a WebAssembly value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
    /// A reference: `(ref null? heap_type)`.
    Ref(RefType),
}

/// A reference type: a heap type and whether null is a value of it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RefType {
    /// Whether `null` belongs to the type.
    pub nullable: bool,
    /// What the reference points to.
    pub heap: HeapType,
}

/// What a reference points to: one of the four hierarchies of
/// WebAssembly 3.0 (functions, host references, GC objects, exceptions),
/// each with an abstract top and bottom, and declared (concrete) types
/// tagged with their kind, which decides their representation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum HeapType {
    /// Any function (`func`): a `*const VMFuncRef`, null being 0.
    Func,
    /// No function (`nofunc`): only null.
    NoFunc,
    /// A host value (`extern`): an index into the store's externref table,
    /// null being 0.
    Extern,
    /// No host value (`noextern`): only null.
    NoExtern,
    /// Any GC object or `i31` (`any`): a 32-bit GC reference, null being 0.
    Any,
    /// What `ref.eq` compares (`eq`).
    Eq,
    /// An unboxed 31-bit integer (`i31`).
    I31,
    /// Any struct (`struct`).
    Struct,
    /// Any array (`array`).
    Array,
    /// No GC object (`none`): only null.
    None,
    /// Any exception (`exn`): a 32-bit GC reference, null being 0.
    Exn,
    /// No exception (`noexn`): only null.
    NoExn,
    /// A function of one declared type (or a subtype).
    ConcreteFunc(TypeRef),
    /// A struct of one declared type (or a subtype).
    ConcreteStruct(TypeRef),
    /// An array of one declared type (or a subtype).
    ConcreteArray(TypeRef),
}

/// The kind of a declared type, which a reference to it needs to know
/// its hierarchy and representation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConcreteKind {
    /// A function type.
    Func,
    /// A struct type.
    Struct,
    /// An array type.
    Array,
}

/// A declared type, named in one of three index spaces. A module's types
/// name each other by [`TypeRef::Module`]; the engine's registry stores
/// them with [`TypeRef::Engine`] ids, and while it canonicalises a
/// recursion group, refers to the group's own members by
/// [`TypeRef::RecGroup`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TypeRef {
    /// An index into the module's type section.
    Module(TypeIndex),
    /// An engine-wide id.
    Engine(SigId),
    /// A member of the recursion group being canonicalised, by position.
    RecGroup(u32),
}

impl ValType {
    /// `funcref`, that is `(ref null func)`.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `externref`, that is `(ref null extern)`.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);
    /// `anyref`, that is `(ref null any)`.
    pub const ANYREF: ValType = ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Any,
    });
    /// `exnref`, that is `(ref null exn)`.
    pub const EXNREF: ValType = ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Exn,
    });

    /// Whether this is a reference type.
    pub fn is_ref(self) -> bool {
        matches!(self, ValType::Ref(_))
    }

    /// Whether a value of this type can refer to something the collector
    /// must find ([`RefType::may_refer_to_gc_object`]).
    pub fn may_refer_to_gc_object(self) -> bool {
        matches!(self, ValType::Ref(r) if r.may_refer_to_gc_object())
    }

    /// Converts a `wasmparser` value type whose type indices are the
    /// module's; `kind` tells what the declared type of an index is.
    /// `None` for shared references, which Egret does not support.
    pub fn from_wasmparser(
        ty: wasmparser::ValType,
        kind: &impl Fn(u32) -> ConcreteKind,
    ) -> Option<ValType> {
        use wasmparser::ValType as W;
        Some(match ty {
            W::I32 => ValType::I32,
            W::I64 => ValType::I64,
            W::F32 => ValType::F32,
            W::F64 => ValType::F64,
            W::V128 => ValType::V128,
            W::Ref(r) => ValType::Ref(RefType::from_wasmparser(r, kind)?),
        })
    }

    /// The same type with every type reference rewritten by `f`.
    pub fn map_refs(self, f: &mut impl FnMut(TypeRef) -> TypeRef) -> ValType {
        match self {
            ValType::Ref(r) => ValType::Ref(r.map_refs(f)),
            other => other,
        }
    }
}

impl RefType {
    /// `funcref`.
    pub const FUNCREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Func,
    };
    /// `externref`.
    pub const EXTERNREF: RefType = RefType {
        nullable: true,
        heap: HeapType::Extern,
    };

    /// Converts a `wasmparser` reference type whose type indices are the
    /// module's (see [`ValType::from_wasmparser`]); `None` for shared
    /// references and stack switching's continuations.
    pub fn from_wasmparser(
        r: wasmparser::RefType,
        kind: &impl Fn(u32) -> ConcreteKind,
    ) -> Option<RefType> {
        use wasmparser::{AbstractHeapType as A, HeapType as H, UnpackedIndex};
        let heap = match r.heap_type() {
            H::Abstract { shared: true, .. } => return None,
            H::Abstract { shared: false, ty } => match ty {
                A::Func => HeapType::Func,
                A::NoFunc => HeapType::NoFunc,
                A::Extern => HeapType::Extern,
                A::NoExtern => HeapType::NoExtern,
                A::Any => HeapType::Any,
                A::Eq => HeapType::Eq,
                A::I31 => HeapType::I31,
                A::Struct => HeapType::Struct,
                A::Array => HeapType::Array,
                A::None => HeapType::None,
                A::Exn => HeapType::Exn,
                A::NoExn => HeapType::NoExn,
                A::Cont | A::NoCont => return None,
            },
            H::Concrete(UnpackedIndex::Module(i)) | H::Exact(UnpackedIndex::Module(i)) => {
                let t = TypeRef::Module(TypeIndex(i));
                match kind(i) {
                    ConcreteKind::Func => HeapType::ConcreteFunc(t),
                    ConcreteKind::Struct => HeapType::ConcreteStruct(t),
                    ConcreteKind::Array => HeapType::ConcreteArray(t),
                }
            }
            _ => return None,
        };
        Some(RefType {
            nullable: r.is_nullable(),
            heap,
        })
    }

    /// The same type with its type reference, if any, rewritten by `f`.
    pub fn map_refs(self, f: &mut impl FnMut(TypeRef) -> TypeRef) -> RefType {
        RefType {
            heap: self.heap.map_refs(f),
            ..self
        }
    }

    /// Whether values of this type are function references.
    pub fn is_func(self) -> bool {
        self.heap.top() == HeapType::Func
    }

    /// Whether values of this type are 32-bit GC references (the `any`
    /// and `exn` hierarchies).
    pub fn is_gc(self) -> bool {
        matches!(self.heap.top(), HeapType::Any | HeapType::Exn)
    }

    /// Whether a value of this type can refer to something the collector
    /// must find (an object in the GC heap, a host value, an exception):
    /// any type of the `any` hierarchy but `i31` and the bottom, and every
    /// `extern` (an `externref` may wrap an `anyref`) and `exn` type but
    /// the bottom.
    pub fn may_refer_to_gc_object(self) -> bool {
        matches!(
            self.heap.top(),
            HeapType::Any | HeapType::Extern | HeapType::Exn
        ) && !self.heap.is_bottom()
            && self.heap != HeapType::I31
    }
}

impl HeapType {
    /// The top of this type's hierarchy: `func`, `extern`, `any` or `exn`.
    pub fn top(self) -> HeapType {
        use HeapType as H;
        match self {
            H::Func | H::NoFunc | H::ConcreteFunc(_) => H::Func,
            H::Extern | H::NoExtern => H::Extern,
            H::Any
            | H::Eq
            | H::I31
            | H::Struct
            | H::Array
            | H::None
            | H::ConcreteStruct(_)
            | H::ConcreteArray(_) => H::Any,
            H::Exn | H::NoExn => H::Exn,
        }
    }

    /// Whether this is the bottom of its hierarchy (only null).
    pub fn is_bottom(self) -> bool {
        matches!(
            self,
            HeapType::NoFunc | HeapType::NoExtern | HeapType::None | HeapType::NoExn
        )
    }

    /// The same heap type with its type reference, if any, rewritten.
    pub fn map_refs(self, f: &mut impl FnMut(TypeRef) -> TypeRef) -> HeapType {
        match self {
            HeapType::ConcreteFunc(t) => HeapType::ConcreteFunc(f(t)),
            HeapType::ConcreteStruct(t) => HeapType::ConcreteStruct(f(t)),
            HeapType::ConcreteArray(t) => HeapType::ConcreteArray(f(t)),
            other => other,
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            ValType::Ref(r) => write!(f, "{r}"),
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap) {
            (true, HeapType::Func) => f.write_str("funcref"),
            (true, HeapType::Extern) => f.write_str("externref"),
            (true, HeapType::Any) => f.write_str("anyref"),
            (true, HeapType::Exn) => f.write_str("exnref"),
            (nullable, heap) => {
                f.write_str(if nullable { "(ref null " } else { "(ref " })?;
                write!(f, "{heap})")
            }
        }
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HeapType as H;
        let name = match self {
            H::Func => "func",
            H::NoFunc => "nofunc",
            H::Extern => "extern",
            H::NoExtern => "noextern",
            H::Any => "any",
            H::Eq => "eq",
            H::I31 => "i31",
            H::Struct => "struct",
            H::Array => "array",
            H::None => "none",
            H::Exn => "exn",
            H::NoExn => "noexn",
            H::ConcreteFunc(t) | H::ConcreteStruct(t) | H::ConcreteArray(t) => {
                return match t {
                    TypeRef::Module(i) => write!(f, "{}", i.0),
                    TypeRef::Engine(id) => write!(f, "engine-type-{}", id.0),
                    TypeRef::RecGroup(i) => write!(f, "rec-group-{i}"),
                };
            }
        };
        f.write_str(name)
    }
}

/// A declared type: what it is, and where it sits in the subtype
/// hierarchy.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SubType {
    /// Whether no type may declare this one as its supertype.
    pub is_final: bool,
    /// The declared supertype.
    pub supertype: Option<TypeRef>,
    /// The type itself.
    pub composite: CompositeType,
}

/// The structure of a declared type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum CompositeType {
    /// A function type.
    Func(FuncType),
    /// A struct type: its fields, in order.
    Struct(Box<[FieldType]>),
    /// An array type: its element.
    Array(FieldType),
}

/// A field of a struct, or an array's element.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FieldType {
    /// What the field stores.
    pub storage: StorageType,
    /// Whether `struct.set` / `array.set` may change it.
    pub mutable: bool,
}

/// What a field stores: a packed integer or a value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum StorageType {
    /// An 8-bit integer, read as `i32`.
    I8,
    /// A 16-bit integer, read as `i32`.
    I16,
    /// A value.
    Val(ValType),
}

impl FieldType {
    fn map_refs(self, f: &mut impl FnMut(TypeRef) -> TypeRef) -> FieldType {
        FieldType {
            storage: match self.storage {
                StorageType::Val(v) => StorageType::Val(v.map_refs(f)),
                packed => packed,
            },
            ..self
        }
    }
}

impl CompositeType {
    /// What kind of declared type this is.
    pub fn kind(&self) -> ConcreteKind {
        match self {
            CompositeType::Func(_) => ConcreteKind::Func,
            CompositeType::Struct(_) => ConcreteKind::Struct,
            CompositeType::Array(_) => ConcreteKind::Array,
        }
    }
}

impl SubType {
    /// A final function type with no supertype: what a type written
    /// without `sub` declares.
    pub fn final_func(ty: FuncType) -> SubType {
        SubType {
            is_final: true,
            supertype: None,
            composite: CompositeType::Func(ty),
        }
    }

    /// The function type, when this is one.
    pub fn as_func(&self) -> Option<&FuncType> {
        match &self.composite {
            CompositeType::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The same type with every type reference rewritten by `f`.
    pub fn map_refs(&self, f: &mut impl FnMut(TypeRef) -> TypeRef) -> SubType {
        SubType {
            is_final: self.is_final,
            supertype: self.supertype.map(&mut *f),
            composite: match &self.composite {
                CompositeType::Func(ty) => CompositeType::Func(ty.map_refs(f)),
                CompositeType::Struct(fields) => {
                    CompositeType::Struct(fields.iter().map(|field| field.map_refs(f)).collect())
                }
                CompositeType::Array(element) => CompositeType::Array(element.map_refs(f)),
            },
        }
    }
}

/// The type of a function: its parameters and results.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FuncType {
    params: Box<[ValType]>,
    results: Box<[ValType]>,
}

impl FuncType {
    /// A function type with the given parameters and results.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        FuncType {
            params: params.into_iter().collect(),
            results: results.into_iter().collect(),
        }
    }

    /// The parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.params
    }

    /// The result types.
    pub fn results(&self) -> &[ValType] {
        &self.results
    }

    /// The same type with every type reference rewritten by `f`.
    pub fn map_refs(&self, f: &mut impl FnMut(TypeRef) -> TypeRef) -> FuncType {
        FuncType {
            params: self.params.iter().map(|t| t.map_refs(f)).collect(),
            results: self.results.iter().map(|t| t.map_refs(f)).collect(),
        }
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, tys: &[ValType]| {
            for (i, t) in tys.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{t}")?;
            }
            Ok(())
        };
        f.write_str("(func (param ")?;
        list(f, &self.params)?;
        f.write_str(") (result ")?;
        list(f, &self.results)?;
        f.write_str("))")
    }
}

/// The type of a linear memory. Sizes are in pages of
/// `1 << page_size_log2` bytes (64 KiB unless the custom page sizes
/// proposal says otherwise).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MemoryType {
    /// Initial size in pages.
    pub minimum: u64,
    /// Maximum size in pages, if declared.
    pub maximum: Option<u64>,
    /// Whether addresses are 64-bit (memory64 proposal).
    pub memory64: bool,
    /// Whether the memory is shared between threads.
    pub shared: bool,
    /// The page size's base-2 logarithm: 16 (64 KiB, the default) or, with
    /// custom page sizes, 0 (one byte).
    pub page_size_log2: u8,
}

/// The base-2 logarithm of the default page size, 64 KiB.
pub const DEFAULT_PAGE_SIZE_LOG2: u8 = 16;

impl MemoryType {
    /// A 32-bit, unshared memory type of 64 KiB pages.
    pub fn new(minimum: u32, maximum: Option<u32>) -> MemoryType {
        MemoryType {
            minimum: minimum.into(),
            maximum: maximum.map(Into::into),
            memory64: false,
            shared: false,
            page_size_log2: DEFAULT_PAGE_SIZE_LOG2,
        }
    }

    /// Bytes per page.
    pub fn page_size(&self) -> u64 {
        1 << self.page_size_log2
    }

    /// Bytes of address space a memory of this type defined by a store
    /// reserves, given the engine's `Tunables::memory_reservation`: a
    /// 32-bit memory reserves at least that and its maximum; a 64-bit one
    /// only what its maximum, or its minimum if larger than the tunable,
    /// needs. The memory never grows past it (it never moves), and every
    /// byte of it past the current length is inaccessible, which is what
    /// generated code relies on when it checks an access of a memory its
    /// module defines against this size rather than the current length.
    /// `None` if the minimum size does not fit in 64 bits.
    pub fn reserved_bytes(&self, memory_reservation: u64) -> Option<u64> {
        let min_bytes = self.pages_to_bytes(self.minimum)?;
        let type_max_bytes = self.pages_to_bytes(self.max_pages()).unwrap_or(u64::MAX);
        Some(if self.memory64 {
            type_max_bytes.min(memory_reservation.max(min_bytes))
        } else {
            memory_reservation.max(type_max_bytes)
        })
    }

    /// `pages` pages in bytes, if that fits in 64 bits.
    pub fn pages_to_bytes(&self, pages: u64) -> Option<u64> {
        pages.checked_mul(self.page_size())
    }

    /// The largest size in pages this memory may ever have: its maximum,
    /// capped by the address space (all of it but the last byte for
    /// one-byte pages, so the size stays representable).
    pub fn max_pages(&self) -> u64 {
        let address_bits = if self.memory64 { 64 } else { 32 };
        let whole_space = 1u128 << address_bits;
        let limit = (whole_space >> self.page_size_log2).min(whole_space - 1) as u64;
        self.maximum.unwrap_or(limit).min(limit)
    }
}

/// The type of a table.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TableType {
    /// The element type.
    pub element: RefType,
    /// Initial number of elements.
    pub minimum: u64,
    /// Maximum number of elements, if declared.
    pub maximum: Option<u64>,
    /// Whether indices are 64-bit (memory64 proposal).
    pub table64: bool,
}

impl TableType {
    /// A table type with the given element type and limits.
    pub fn new(element: RefType, minimum: u32, maximum: Option<u32>) -> TableType {
        TableType {
            element,
            minimum: minimum.into(),
            maximum: maximum.map(Into::into),
            table64: false,
        }
    }
}

/// The type of a global.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct GlobalType {
    /// The type of the value held.
    pub content: ValType,
    /// Whether `global.set` is allowed.
    pub mutable: bool,
}

/// The type of an importable or exportable entity, with function types
/// given by type index into the module's type section.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum EntityIndex {
    /// A function, by function index.
    Function(FuncIndex),
    /// A table, by table index.
    Table(TableIndex),
    /// A memory, by memory index.
    Memory(MemoryIndex),
    /// A global, by global index.
    Global(GlobalIndex),
    /// A tag (exception handling), by tag index.
    Tag(TagIndex),
}
