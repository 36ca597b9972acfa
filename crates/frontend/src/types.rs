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
    /// Nullable reference to a function.
    FuncRef,
    /// Nullable reference to a host value.
    ExternRef,
}

impl ValType {
    /// Whether this is a reference type.
    pub fn is_ref(self) -> bool {
        matches!(self, ValType::FuncRef | ValType::ExternRef)
    }

    /// Converts a `wasmparser` value type; `None` for types Egret does not
    /// support (typed function references, GC types).
    pub fn from_wasmparser(ty: wasmparser::ValType) -> Option<ValType> {
        use wasmparser::ValType as W;
        Some(match ty {
            W::I32 => ValType::I32,
            W::I64 => ValType::I64,
            W::F32 => ValType::F32,
            W::F64 => ValType::F64,
            W::V128 => ValType::V128,
            W::Ref(r) => Self::from_ref_type(r)?,
        })
    }

    /// Converts a `wasmparser` reference type (funcref or externref only).
    pub fn from_ref_type(r: wasmparser::RefType) -> Option<ValType> {
        if !r.is_nullable() {
            return None;
        }
        if r.is_func_ref() {
            Some(ValType::FuncRef)
        } else if r.is_extern_ref() {
            Some(ValType::ExternRef)
        } else {
            None
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        })
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
    /// The element type: `FuncRef` or `ExternRef`.
    pub element: ValType,
    /// Initial number of elements.
    pub minimum: u64,
    /// Maximum number of elements, if declared.
    pub maximum: Option<u64>,
    /// Whether indices are 64-bit (memory64 proposal).
    pub table64: bool,
}

impl TableType {
    /// A table type with the given element type and limits.
    pub fn new(element: ValType, minimum: u32, maximum: Option<u32>) -> TableType {
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
}
