//! The types of what modules import and export (functions, globals,
//! tables, memories, tags), and of one import or export.

use super::engine_form;
use super::func::FuncType;
use super::val::{RefType, ValType};
use crate::{Engine, Error, Result};

/// Whether a global may be changed after creation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// `global.set` is refused.
    Const,
    /// `global.set` is allowed.
    Var,
}

impl Mutability {
    /// Whether this is [`Mutability::Const`].
    pub fn is_const(&self) -> bool {
        matches!(self, Mutability::Const)
    }

    /// Whether this is [`Mutability::Var`].
    pub fn is_var(&self) -> bool {
        matches!(self, Mutability::Var)
    }
}

/// The type of a global: the value it holds, and whether it may change.
///
/// ```
/// use egret::{GlobalType, Mutability, ValType};
/// let ty = GlobalType::new(ValType::I32, Mutability::Var);
/// assert!(ty.content().is_i32() && ty.mutability().is_var());
/// ```
#[derive(Clone, Debug, Hash)]
pub struct GlobalType {
    content: ValType,
    mutability: Mutability,
}

impl GlobalType {
    /// A global type holding `content`.
    pub fn new(content: ValType, mutability: Mutability) -> GlobalType {
        GlobalType {
            content,
            mutability,
        }
    }

    /// The type of the value held.
    pub fn content(&self) -> &ValType {
        &self.content
    }

    /// Whether `global.set` is allowed.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    pub(crate) fn from_engine(engine: &Engine, ty: engine_form::GlobalType) -> GlobalType {
        GlobalType {
            content: ValType::from_engine(engine, ty.content),
            mutability: if ty.mutable {
                Mutability::Var
            } else {
                Mutability::Const
            },
        }
    }

    /// The engine form, checking that it belongs to `engine`.
    pub(crate) fn to_engine(&self, engine: &Engine) -> Result<engine_form::GlobalType> {
        if !self.content.belongs_to(engine) {
            return Err(Error::misuse("the global's type belongs to another engine"));
        }
        Ok(engine_form::GlobalType {
            content: self.content.to_engine(),
            mutable: self.mutability.is_var(),
        })
    }
}

/// The type of a table: its element type and limits, with 32- or 64-bit
/// indices.
#[derive(Clone, Debug, Hash)]
pub struct TableType {
    element: RefType,
    minimum: u64,
    maximum: Option<u64>,
    is_64: bool,
}

impl TableType {
    /// A table with 32-bit indices.
    pub fn new(element: RefType, min: u32, max: Option<u32>) -> TableType {
        TableType {
            element,
            minimum: min.into(),
            maximum: max.map(Into::into),
            is_64: false,
        }
    }

    /// A table with 64-bit indices (the memory64 proposal's table64).
    pub fn new64(element: RefType, min: u64, max: Option<u64>) -> TableType {
        TableType {
            element,
            minimum: min,
            maximum: max,
            is_64: true,
        }
    }

    /// Whether indices are 64-bit.
    pub fn is_64(&self) -> bool {
        self.is_64
    }

    /// The element type.
    pub fn element(&self) -> &RefType {
        &self.element
    }

    /// The minimum number of elements (for a live table: its size).
    pub fn minimum(&self) -> u64 {
        self.minimum
    }

    /// The maximum number of elements, if declared.
    pub fn maximum(&self) -> Option<u64> {
        self.maximum
    }

    pub(crate) fn from_engine(engine: &Engine, ty: engine_form::TableType) -> TableType {
        TableType {
            element: RefType::from_engine(engine, ty.element),
            minimum: ty.minimum,
            maximum: ty.maximum,
            is_64: ty.table64,
        }
    }

    /// The engine form, checking that it belongs to `engine`.
    pub(crate) fn to_engine(&self, engine: &Engine) -> Result<engine_form::TableType> {
        if !self.element.belongs_to(engine) {
            return Err(Error::misuse("the table's type belongs to another engine"));
        }
        let address_limit = if self.is_64 {
            u64::MAX
        } else {
            u32::MAX.into()
        };
        if self.minimum > address_limit || self.maximum.is_some_and(|m| m > address_limit) {
            return Err(Error::misuse("table limits exceed the index type's range"));
        }
        if self.maximum.is_some_and(|m| m < self.minimum) {
            return Err(Error::misuse("table maximum below its minimum"));
        }
        Ok(engine_form::TableType {
            element: self.element.to_engine(),
            minimum: self.minimum,
            maximum: self.maximum,
            table64: self.is_64,
        })
    }
}

/// The type of a linear memory: limits in pages, index width, sharing
/// and page size.
///
/// ```
/// use egret::MemoryType;
/// let ty = MemoryType::new64(1, Some(1 << 20));
/// assert!(ty.is_64() && ty.maximum() == Some(1 << 20));
/// assert_eq!(MemoryType::new(1, None).page_size(), 65536);
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    ty: engine_form::MemoryType,
}

impl MemoryType {
    /// A 32-bit memory of 64 KiB pages.
    pub fn new(minimum: u32, maximum: Option<u32>) -> MemoryType {
        MemoryType {
            ty: engine_form::MemoryType::new(minimum, maximum),
        }
    }

    /// A 64-bit memory (the memory64 proposal) of 64 KiB pages.
    pub fn new64(minimum: u64, maximum: Option<u64>) -> MemoryType {
        MemoryType {
            ty: engine_form::MemoryType {
                minimum,
                maximum,
                memory64: true,
                ..engine_form::MemoryType::new(0, None)
            },
        }
    }

    /// A shared 32-bit memory (the threads proposal; Egret creates no
    /// shared memories: `Memory::new` refuses this type with an error).
    pub fn shared(minimum: u32, maximum: u32) -> MemoryType {
        MemoryType {
            ty: engine_form::MemoryType {
                shared: true,
                ..engine_form::MemoryType::new(minimum, Some(maximum))
            },
        }
    }

    /// A builder for any memory type.
    pub fn builder() -> MemoryTypeBuilder {
        MemoryTypeBuilder::default()
    }

    /// Whether addresses are 64-bit.
    pub fn is_64(&self) -> bool {
        self.ty.memory64
    }

    /// Whether the memory is shared between threads.
    pub fn is_shared(&self) -> bool {
        self.ty.shared
    }

    /// The minimum size in pages (for a live memory: its size).
    pub fn minimum(&self) -> u64 {
        self.ty.minimum
    }

    /// The maximum size in pages, if declared.
    pub fn maximum(&self) -> Option<u64> {
        self.ty.maximum
    }

    /// Bytes per page.
    pub fn page_size(&self) -> u64 {
        self.ty.page_size()
    }

    /// The base-2 logarithm of the page size: 16, or 0 with the custom
    /// page sizes proposal.
    pub fn page_size_log2(&self) -> u8 {
        self.ty.page_size_log2
    }

    pub(crate) fn from_engine(ty: engine_form::MemoryType) -> MemoryType {
        MemoryType { ty }
    }

    pub(crate) fn engine_form(&self) -> engine_form::MemoryType {
        self.ty
    }
}

/// Builds a [`MemoryType`] field by field, checking the result.
///
/// ```
/// use egret::MemoryType;
/// let ty = MemoryType::builder().min(2).max(Some(8)).page_size_log2(0).build()?;
/// assert_eq!(ty.page_size(), 1);
/// assert!(MemoryType::builder().min(3).max(Some(2)).build().is_err());
/// # Ok::<(), egret::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct MemoryTypeBuilder {
    ty: engine_form::MemoryType,
}

impl Default for MemoryTypeBuilder {
    fn default() -> Self {
        MemoryTypeBuilder {
            ty: engine_form::MemoryType::new(0, None),
        }
    }
}

impl MemoryTypeBuilder {
    /// A builder for a 32-bit memory of zero 64 KiB pages, no maximum.
    pub fn new() -> MemoryTypeBuilder {
        MemoryTypeBuilder::default()
    }

    /// The minimum size in pages.
    pub fn min(&mut self, minimum: u64) -> &mut Self {
        self.ty.minimum = minimum;
        self
    }

    /// The maximum size in pages.
    pub fn max(&mut self, maximum: Option<u64>) -> &mut Self {
        self.ty.maximum = maximum;
        self
    }

    /// Whether addresses are 64-bit.
    pub fn memory64(&mut self, memory64: bool) -> &mut Self {
        self.ty.memory64 = memory64;
        self
    }

    /// Whether the memory is shared.
    pub fn shared(&mut self, shared: bool) -> &mut Self {
        self.ty.shared = shared;
        self
    }

    /// The page size's base-2 logarithm: 16 (64 KiB) or 0 (one byte).
    pub fn page_size_log2(&mut self, page_size_log2: u8) -> &mut Self {
        self.ty.page_size_log2 = page_size_log2;
        self
    }

    /// The memory type; fails if the limits are inconsistent or out of
    /// the address space, or the page size is not 1 or 64 KiB.
    pub fn build(&self) -> Result<MemoryType> {
        let ty = self.ty;
        if ty.page_size_log2 != 0 && ty.page_size_log2 != engine_form::DEFAULT_PAGE_SIZE_LOG2 {
            return Err(Error::misuse(format!(
                "page size 2^{} is neither 1 nor 65536 bytes",
                ty.page_size_log2
            )));
        }
        let limit = engine_form::MemoryType {
            maximum: None,
            ..ty
        }
        .max_pages();
        if ty.minimum > limit || ty.maximum.is_some_and(|m| m > limit) {
            return Err(Error::misuse(
                "memory limits exceed the address space of the index type",
            ));
        }
        if ty.maximum.is_some_and(|m| m < ty.minimum) {
            return Err(Error::misuse("memory maximum below its minimum"));
        }
        if ty.shared && ty.maximum.is_none() {
            return Err(Error::misuse("a shared memory must declare a maximum"));
        }
        Ok(MemoryType { ty })
    }
}

/// The type of a tag: a function type without results, whose parameters
/// are the fields of the exceptions thrown with the tag.
#[derive(Clone, Debug, Hash)]
pub struct TagType {
    ty: FuncType,
}

impl TagType {
    /// The tag type of function type `ty`.
    pub fn new(ty: FuncType) -> TagType {
        TagType { ty }
    }

    /// The function type.
    pub fn ty(&self) -> &FuncType {
        &self.ty
    }
}

/// The type of an import or export.
#[derive(Clone, Debug)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
    /// A tag.
    Tag(TagType),
}

macro_rules! extern_type_accessors {
    ($($variant:ident $ty:ident $as:ident $unwrap:ident;)*) => {$(
        #[doc = concat!("The ", stringify!($ty), ", if this is one.")]
        pub fn $as(&self) -> Option<&$ty> {
            match self {
                ExternType::$variant(t) => Some(t),
                _ => None,
            }
        }

        #[doc = concat!("The ", stringify!($ty), ". Panics if this is not one.")]
        pub fn $unwrap(&self) -> &$ty {
            self.$as().expect(concat!("ExternType::", stringify!($unwrap), " on another kind"))
        }
    )*};
}

impl ExternType {
    extern_type_accessors! {
        Func FuncType func unwrap_func;
        Global GlobalType global unwrap_global;
        Table TableType table unwrap_table;
        Memory MemoryType memory unwrap_memory;
        Tag TagType tag unwrap_tag;
    }

    /// A fresh item of this type in `store`, holding defaults, as
    /// Wasmtime's: a function returning zeros and nulls, a global holding
    /// zero or null, a table of nulls and a zeroed memory of the minimum
    /// size, a new tag. An error if the type has no default (a function
    /// returning, a global holding or a table of a non-nullable
    /// reference).
    pub fn default_value<S>(&self, mut store: S) -> Result<crate::Extern>
    where
        S: crate::AsContextMut,
        S::Data: 'static,
    {
        let no_default = || Error::misuse(format!("{self:?} has no default value"));
        Ok(match self {
            ExternType::Func(ty) => {
                let results = ty
                    .results()
                    .map(|result| result.default_value())
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(no_default)?;
                crate::Func::try_new(store.as_context_mut(), ty.clone(), move |_, _, out| {
                    out.clone_from_slice(&results);
                    Ok(())
                })?
                .into()
            }
            ExternType::Global(ty) => {
                let value = ty.content().default_value().ok_or_else(no_default)?;
                crate::Global::new(store, ty.clone(), value)?.into()
            }
            ExternType::Table(ty) => {
                let init = ValType::Ref(ty.element().clone())
                    .default_value()
                    .and_then(crate::Val::ref_)
                    .ok_or_else(no_default)?;
                crate::Table::new(store, ty.clone(), init)?.into()
            }
            ExternType::Memory(ty) => crate::Memory::new(store, *ty)?.into(),
            ExternType::Tag(ty) => crate::Tag::new(store, ty)?.into(),
        })
    }
}

impl From<FuncType> for ExternType {
    fn from(ty: FuncType) -> ExternType {
        ExternType::Func(ty)
    }
}

impl From<GlobalType> for ExternType {
    fn from(ty: GlobalType) -> ExternType {
        ExternType::Global(ty)
    }
}

impl From<TableType> for ExternType {
    fn from(ty: TableType) -> ExternType {
        ExternType::Table(ty)
    }
}

impl From<MemoryType> for ExternType {
    fn from(ty: MemoryType) -> ExternType {
        ExternType::Memory(ty)
    }
}

impl From<TagType> for ExternType {
    fn from(ty: TagType) -> ExternType {
        ExternType::Tag(ty)
    }
}

/// One import of a module.
#[derive(Clone, Debug)]
pub struct ImportType<'module> {
    pub(crate) module: &'module str,
    pub(crate) name: &'module str,
    pub(crate) ty: ExternType,
}

impl<'module> ImportType<'module> {
    /// The module name.
    pub fn module(&self) -> &'module str {
        self.module
    }

    /// The item name.
    pub fn name(&self) -> &'module str {
        self.name
    }

    /// The expected type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

/// One export of a module.
#[derive(Clone, Debug)]
pub struct ExportType<'module> {
    pub(crate) name: &'module str,
    pub(crate) ty: ExternType,
}

impl<'module> ExportType<'module> {
    /// The export name.
    pub fn name(&self) -> &'module str {
        self.name
    }

    /// The exported item's type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}
