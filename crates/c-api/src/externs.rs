//! `wasmtime_func_t`, `wasmtime_memory_t`, `wasmtime_table_t`,
//! `wasmtime_global_t`, `wasmtime_tag_t`, `wasmtime_instance_t` and
//! `wasmtime_extern_t`: plain C structs of a store id and a position in
//! that store's handle table (see [`crate::store`]), with Wasmtime's
//! field layout.

use crate::boundary::{or_default, required};
use crate::store::{HandleTable, StoreData, wasmtime_context_t};
use crate::types::{extern_type_of, wasm_externtype_t};
use egret_api::{Error, Extern, Func, Global, Instance, Memory, Result, Table, Tag};
use std::ffi::c_void;
use std::hash::Hash;

/// `wasmtime_extern_kind_t` values.
pub(crate) mod externkind {
    pub const FUNC: u8 = 0;
    pub const GLOBAL: u8 = 1;
    pub const TABLE: u8 = 2;
    pub const MEMORY: u8 = 3;
    pub const SHAREDMEMORY: u8 = 4;
    pub const TAG: u8 = 5;
}

/// A function: `{ store_id, __private }`; store id 0 is a null `funcref`.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct wasmtime_func_t {
    /// The store's C-side id.
    pub store_id: u64,
    /// The position in the store's function table.
    pub __private: usize,
}

/// The leading `{ store_id, __private1 }` of the memory, table and tag
/// handles (an anonymous struct in C, so 16 bytes before `__private2`).
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct StoreIndex {
    /// The store's C-side id.
    pub store_id: u64,
    /// The position in the store's table of that kind.
    pub __private1: u32,
}

/// A memory.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct wasmtime_memory_t {
    /// Store id and position.
    pub index: StoreIndex,
    /// Unused by Egret.
    pub __private2: u32,
}

/// A table.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct wasmtime_table_t {
    /// Store id and position.
    pub index: StoreIndex,
    /// Unused by Egret.
    pub __private2: u32,
}

/// A tag.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct wasmtime_tag_t {
    /// Store id and position.
    pub index: StoreIndex,
    /// Unused by Egret.
    pub __private2: u32,
}

/// A global.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct wasmtime_global_t {
    /// The store's C-side id.
    pub store_id: u64,
    /// The position in the store's global table.
    pub __private1: u32,
    /// Unused by Egret.
    pub __private2: u32,
    /// Unused by Egret.
    pub __private3: u32,
}

/// An instance.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct wasmtime_instance_t {
    /// The store's C-side id.
    pub store_id: u64,
    /// The position in the store's instance table.
    pub __private: usize,
}

/// The payload of a `wasmtime_extern_t`, chosen by its kind.
#[repr(C)]
#[derive(Copy, Clone)]
pub union wasmtime_extern_union_t {
    /// `WASMTIME_EXTERN_FUNC`.
    pub func: wasmtime_func_t,
    /// `WASMTIME_EXTERN_GLOBAL`.
    pub global: wasmtime_global_t,
    /// `WASMTIME_EXTERN_TABLE`.
    pub table: wasmtime_table_t,
    /// `WASMTIME_EXTERN_MEMORY`.
    pub memory: wasmtime_memory_t,
    /// `WASMTIME_EXTERN_SHAREDMEMORY` (Egret has no shared memories).
    pub sharedmemory: *mut c_void,
    /// `WASMTIME_EXTERN_TAG`.
    pub tag: wasmtime_tag_t,
}

/// An item of any kind.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct wasmtime_extern_t {
    /// `WASMTIME_EXTERN_FUNC`, ...
    pub kind: u8,
    /// The item.
    pub of: wasmtime_extern_union_t,
}

/// The item at `position` of `table`, for a handle of `store_id`.
fn resolve<H: Copy + Eq + Hash>(
    data: &StoreData,
    table: &HandleTable<H>,
    store_id: u64,
    position: usize,
    what: &str,
) -> Result<H> {
    data.check(store_id, what)?;
    table
        .get(position)
        .ok_or_else(|| Error::msg(format!("invalid {what}: unknown handle")))
}

impl wasmtime_func_t {
    /// The null `funcref`.
    pub(crate) const NULL: wasmtime_func_t = wasmtime_func_t {
        store_id: 0,
        __private: 0,
    };

    /// The handle of `func` in `data`'s store.
    pub(crate) fn new(func: Func, data: &mut StoreData) -> wasmtime_func_t {
        wasmtime_func_t {
            store_id: data.id,
            __private: data.funcs.position(func),
        }
    }

    /// The function, checked to belong to `data`'s store.
    pub(crate) fn resolve(&self, data: &StoreData) -> Result<Func> {
        resolve(data, &data.funcs, self.store_id, self.__private, "func")
    }
}

impl wasmtime_memory_t {
    /// The handle of `memory` in `data`'s store.
    pub(crate) fn new(memory: Memory, data: &mut StoreData) -> wasmtime_memory_t {
        wasmtime_memory_t {
            index: StoreIndex {
                store_id: data.id,
                __private1: data.memories.position(memory) as u32,
            },
            __private2: 0,
        }
    }

    /// The memory, checked to belong to `data`'s store.
    pub(crate) fn resolve(&self, data: &StoreData) -> Result<Memory> {
        let i = self.index;
        resolve(
            data,
            &data.memories,
            i.store_id,
            i.__private1 as usize,
            "memory",
        )
    }
}

impl wasmtime_table_t {
    /// The handle of `table` in `data`'s store.
    pub(crate) fn new(table: Table, data: &mut StoreData) -> wasmtime_table_t {
        wasmtime_table_t {
            index: StoreIndex {
                store_id: data.id,
                __private1: data.tables.position(table) as u32,
            },
            __private2: 0,
        }
    }

    /// The table, checked to belong to `data`'s store.
    pub(crate) fn resolve(&self, data: &StoreData) -> Result<Table> {
        let i = self.index;
        resolve(
            data,
            &data.tables,
            i.store_id,
            i.__private1 as usize,
            "table",
        )
    }
}

impl wasmtime_tag_t {
    /// The handle of `tag` in `data`'s store.
    pub(crate) fn new(tag: Tag, data: &mut StoreData) -> wasmtime_tag_t {
        wasmtime_tag_t {
            index: StoreIndex {
                store_id: data.id,
                __private1: data.tags.position(tag) as u32,
            },
            __private2: 0,
        }
    }

    /// The tag, checked to belong to `data`'s store.
    pub(crate) fn resolve(&self, data: &StoreData) -> Result<Tag> {
        let i = self.index;
        resolve(data, &data.tags, i.store_id, i.__private1 as usize, "tag")
    }
}

impl wasmtime_global_t {
    /// The handle of `global` in `data`'s store.
    pub(crate) fn new(global: Global, data: &mut StoreData) -> wasmtime_global_t {
        wasmtime_global_t {
            store_id: data.id,
            __private1: data.globals.position(global) as u32,
            __private2: 0,
            __private3: 0,
        }
    }

    /// The global, checked to belong to `data`'s store.
    pub(crate) fn resolve(&self, data: &StoreData) -> Result<Global> {
        resolve(
            data,
            &data.globals,
            self.store_id,
            self.__private1 as usize,
            "global",
        )
    }
}

impl wasmtime_instance_t {
    /// The handle of `instance` in `data`'s store.
    pub(crate) fn new(instance: Instance, data: &mut StoreData) -> wasmtime_instance_t {
        wasmtime_instance_t {
            store_id: data.id,
            __private: data.instances.position(instance),
        }
    }

    /// The instance, checked to belong to `data`'s store.
    pub(crate) fn resolve(&self, data: &StoreData) -> Result<Instance> {
        resolve(
            data,
            &data.instances,
            self.store_id,
            self.__private,
            "instance",
        )
    }
}

impl wasmtime_extern_t {
    /// The C form of `item`.
    pub(crate) fn new(item: Extern, data: &mut StoreData) -> wasmtime_extern_t {
        let (kind, of) = match item {
            Extern::Func(f) => (
                externkind::FUNC,
                wasmtime_extern_union_t {
                    func: wasmtime_func_t::new(f, data),
                },
            ),
            Extern::Global(g) => (
                externkind::GLOBAL,
                wasmtime_extern_union_t {
                    global: wasmtime_global_t::new(g, data),
                },
            ),
            Extern::Table(t) => (
                externkind::TABLE,
                wasmtime_extern_union_t {
                    table: wasmtime_table_t::new(t, data),
                },
            ),
            Extern::Memory(m) => (
                externkind::MEMORY,
                wasmtime_extern_union_t {
                    memory: wasmtime_memory_t::new(m, data),
                },
            ),
            Extern::Tag(t) => (
                externkind::TAG,
                wasmtime_extern_union_t {
                    tag: wasmtime_tag_t::new(t, data),
                },
            ),
        };
        wasmtime_extern_t { kind, of }
    }

    /// The item, checked to belong to `data`'s store.
    pub(crate) fn resolve(&self, data: &StoreData) -> Result<Extern> {
        // SAFETY: each arm reads the union field its kind says is set.
        unsafe {
            Ok(match self.kind {
                externkind::FUNC => Extern::Func(self.of.func.resolve(data)?),
                externkind::GLOBAL => Extern::Global(self.of.global.resolve(data)?),
                externkind::TABLE => Extern::Table(self.of.table.resolve(data)?),
                externkind::MEMORY => Extern::Memory(self.of.memory.resolve(data)?),
                externkind::TAG => Extern::Tag(self.of.tag.resolve(data)?),
                externkind::SHAREDMEMORY => {
                    return Err(Error::msg("not supported by Egret: shared memories"));
                }
                other => return Err(Error::msg(format!("invalid extern: unknown kind {other}"))),
            })
        }
    }
}

/// Frees what an extern owns: nothing, Egret's handles are plain data.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_extern_delete(_item: Option<&mut wasmtime_extern_t>) {}

/// The type of `item` (owned by the caller); NULL for a NULL argument or
/// a handle of another store.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_extern_type(
    store: Option<&mut wasmtime_context_t>,
    item: Option<&wasmtime_extern_t>,
) -> Option<Box<wasm_externtype_t>> {
    or_default(None, || {
        let store = required(store, "store").ok()?;
        let item = item?.resolve(store.data()).ok()?;
        let ty = item.try_ty(store.context()).ok()?;
        Some(Box::new(extern_type_of(&ty)))
    })
}
