//! Types of WebAssembly values and of the things modules import and export.

pub use egret_frontend::types::{
    FuncType, GlobalType, HeapType, MemoryType, RefType, TableType, ValType,
};

/// Whether a global may be changed after creation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// `global.set` is refused.
    Const,
    /// `global.set` is allowed.
    Var,
}

/// Builds a [`GlobalType`].
///
/// ```
/// use egret::{Mutability, ValType, global_type};
/// let ty = global_type(ValType::I32, Mutability::Var);
/// assert!(ty.mutable);
/// ```
pub fn global_type(content: ValType, mutability: Mutability) -> GlobalType {
    GlobalType {
        content,
        mutable: mutability == Mutability::Var,
    }
}

/// The type of an import or export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
}

/// One import of a module.
#[derive(Clone, Debug)]
pub struct ImportType {
    pub(crate) module: String,
    pub(crate) name: String,
    pub(crate) ty: ExternType,
}

impl ImportType {
    /// The module name.
    pub fn module(&self) -> &str {
        &self.module
    }

    /// The item name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The expected type.
    pub fn ty(&self) -> &ExternType {
        &self.ty
    }
}

/// One export of a module.
#[derive(Clone, Debug)]
pub struct ExportType {
    pub(crate) name: String,
    pub(crate) ty: ExternType,
}

impl ExportType {
    /// The export name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The exported item's type.
    pub fn ty(&self) -> &ExternType {
        &self.ty
    }
}
