//! `Extern`: anything a module can import or an instance can export.

use crate::store::AsContext;
use crate::types::ExternType;
use crate::{Func, Global, Memory, Result, Table, Tag};

/// A function, memory, table, global or tag.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A memory.
    Memory(Memory),
    /// A table.
    Table(Table),
    /// A global.
    Global(Global),
    /// A tag.
    Tag(Tag),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        if let Extern::Func(f) = self {
            Some(f)
        } else {
            None
        }
    }

    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        if let Extern::Memory(m) = self {
            Some(m)
        } else {
            None
        }
    }

    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        if let Extern::Table(t) = self {
            Some(t)
        } else {
            None
        }
    }

    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        if let Extern::Global(g) = self {
            Some(g)
        } else {
            None
        }
    }

    /// The tag, if this is one.
    pub fn into_tag(self) -> Option<Tag> {
        if let Extern::Tag(t) = self {
            Some(t)
        } else {
            None
        }
    }

    /// The item's type.
    ///
    /// # Panics
    /// If `store` is not the one the item belongs to, as Wasmtime's;
    /// [`Extern::try_ty`] returns [`Error::WrongStore`](crate::Error::WrongStore) instead.
    pub fn ty(&self, store: impl AsContext) -> ExternType {
        crate::error::or_panic(self.try_ty(store), "Extern::ty")
    }

    /// [`Extern::ty`], with a foreign store as an error.
    pub fn try_ty(&self, store: impl AsContext) -> Result<ExternType> {
        Ok(match self {
            Extern::Func(f) => ExternType::Func(f.try_ty(store)?),
            Extern::Memory(m) => ExternType::Memory(m.try_ty(store)?),
            Extern::Table(t) => ExternType::Table(t.try_ty(store)?),
            Extern::Global(g) => ExternType::Global(g.try_ty(store)?),
            Extern::Tag(t) => ExternType::Tag(t.try_ty(store)?),
        })
    }
}

macro_rules! from_item {
    ($($t:ident),*) => {$(
        impl From<$t> for Extern {
            fn from(item: $t) -> Extern {
                Extern::$t(item)
            }
        }
    )*};
}

from_item!(Func, Memory, Table, Global, Tag);
