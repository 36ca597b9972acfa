//! The type objects of `wasm.h`: value, function, global, table, memory,
//! tag, extern, import and export types. Each is an owned Rust value made
//! without an engine (a `wasm_functype_t` is its parameter and result
//! lists), turned into an `egret` type when a store or linker uses it.
//!
//! `wasm_functype_t`, `wasm_globaltype_t`, `wasm_tabletype_t`,
//! `wasm_memorytype_t` and `wasm_tagtype_t` are `#[repr(transparent)]`
//! over `wasm_externtype_t`, whose description says which one it is, so
//! the `_as_externtype` / `wasm_externtype_as_*` conversions are pointer
//! casts, as C expects.

use crate::boundary::{or_default, with_error, write_out};
use crate::error::wasmtime_error_t;
use crate::vec::{WasmVec, wasm_name_t, wasm_valtype_vec_t};
use egret_api::{
    Engine, Error, ExternType, Finality, FuncType, GlobalType, HeapType, MemoryType, Mutability,
    Result, TableType, ValType,
};

/// `wasm_valkind_t` values; `V128` is Wasmtime's addition.
pub(crate) mod valkind {
    pub const I32: u8 = 0;
    pub const I64: u8 = 1;
    pub const F32: u8 = 2;
    pub const F64: u8 = 3;
    pub const V128: u8 = 4;
    pub const EXTERNREF: u8 = 128;
    pub const FUNCREF: u8 = 129;
    /// Returned for reference types `wasm.h` has no kind for (`anyref`,
    /// `exnref`, ...), where Wasmtime panics.
    pub const UNREPRESENTABLE: u8 = 255;
}

/// `wasm_externkind_t` values.
pub(crate) mod externkind {
    pub const FUNC: u8 = 0;
    pub const GLOBAL: u8 = 1;
    pub const TABLE: u8 = 2;
    pub const MEMORY: u8 = 3;
    pub const TAG: u8 = 4;
}

/// `wasm_limits_t`: 32-bit limits; `max` is `0xffffffff` when there is
/// none.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct wasm_limits_t {
    /// The minimum.
    pub min: u32,
    /// The maximum, or `u32::MAX` for none.
    pub max: u32,
}

impl wasm_limits_t {
    fn of(min: u64, max: Option<u64>) -> wasm_limits_t {
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        wasm_limits_t {
            min: clamp(min),
            max: max.map_or(u32::MAX, clamp),
        }
    }

    fn maximum(&self) -> Option<u32> {
        (self.max != u32::MAX).then_some(self.max)
    }
}

/// A value type.
#[derive(Clone)]
pub struct wasm_valtype_t {
    pub(crate) ty: ValType,
}

/// The `wasm_valkind_t` of `ty`.
pub(crate) fn kind_of(ty: &ValType) -> u8 {
    match ty {
        ValType::I32 => valkind::I32,
        ValType::I64 => valkind::I64,
        ValType::F32 => valkind::F32,
        ValType::F64 => valkind::F64,
        ValType::V128 => valkind::V128,
        ValType::Ref(r) => match r.heap_type().top() {
            HeapType::Func => valkind::FUNCREF,
            HeapType::Extern => valkind::EXTERNREF,
            _ => valkind::UNREPRESENTABLE,
        },
    }
}

fn valtype_of_kind(kind: u8) -> Option<ValType> {
    Some(match kind {
        valkind::I32 => ValType::I32,
        valkind::I64 => ValType::I64,
        valkind::F32 => ValType::F32,
        valkind::F64 => ValType::F64,
        valkind::V128 => ValType::V128,
        valkind::EXTERNREF => ValType::EXTERNREF,
        valkind::FUNCREF => ValType::FUNCREF,
        _ => return None,
    })
}

fn valtype_vec(types: impl Iterator<Item = ValType>) -> wasm_valtype_vec_t {
    WasmVec::from_vec(
        types
            .map(|ty| Some(Box::new(wasm_valtype_t { ty })))
            .collect(),
    )
}

pub(crate) fn valtypes(vec: &wasm_valtype_vec_t) -> Result<Vec<ValType>> {
    vec.as_slice()
        .iter()
        .map(|t| t.as_ref().map(|t| t.ty.clone()))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::msg("invalid value type: null pointer"))
}

/// What an extern type describes; the `wasm_*type_t` that wraps it reads
/// its own variant.
#[derive(Clone)]
pub(crate) enum ExternDesc {
    Func {
        params: wasm_valtype_vec_t,
        results: wasm_valtype_vec_t,
    },
    Global {
        content: wasm_valtype_t,
        mutability: Mutability,
    },
    Table {
        element: wasm_valtype_t,
        ty: TableType,
        limits: wasm_limits_t,
    },
    Memory {
        ty: MemoryType,
        limits: wasm_limits_t,
    },
    Tag {
        functype: Box<wasm_functype_t>,
    },
}

/// The type of an import or export.
#[derive(Clone)]
pub struct wasm_externtype_t {
    pub(crate) desc: ExternDesc,
}

/// Declares the `#[repr(transparent)]` wrappers over `wasm_externtype_t`.
macro_rules! extern_subtypes {
    ($($name:ident($variant:ident): $as_ext:ident, $as_ext_const:ident, $ext_as:ident, $ext_as_const:ident, $copy:ident, $delete:ident;)*) => {$(
        #[doc = concat!("`", stringify!($name), "`: an extern type that is a ", stringify!($variant), " type.")]
        #[repr(transparent)]
        #[derive(Clone)]
        pub struct $name {
            pub(crate) ext: wasm_externtype_t,
        }

        impl $name {
            /// Borrows `ext` as this type, if it is one.
            fn from_extern(ext: &wasm_externtype_t) -> Option<&$name> {
                matches!(ext.desc, ExternDesc::$variant { .. }).then(|| {
                    // SAFETY: `$name` is `repr(transparent)` over
                    // `wasm_externtype_t`, and the variant matches.
                    unsafe { &*(ext as *const wasm_externtype_t).cast::<$name>() }
                })
            }
        }

        #[doc = concat!("The extern type view of a `", stringify!($name), "` (borrowed).")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_ext(ty: Option<&mut $name>) -> Option<&mut wasm_externtype_t> {
            ty.map(|t| &mut t.ext)
        }

        #[doc = concat!("The extern type view of a `", stringify!($name), "` (borrowed).")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_ext_const(ty: Option<&$name>) -> Option<&wasm_externtype_t> {
            ty.map(|t| &t.ext)
        }

        #[doc = concat!("The extern type as a `", stringify!($name), "` (borrowed), or NULL if it is another kind.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $ext_as(ext: Option<&mut wasm_externtype_t>) -> Option<&mut $name> {
            let ext = ext?;
            $name::from_extern(ext)?;
            // SAFETY: `$name` is `repr(transparent)` over
            // `wasm_externtype_t`, and `from_extern` checked the variant.
            Some(unsafe { &mut *(ext as *mut wasm_externtype_t).cast::<$name>() })
        }

        #[doc = concat!("The extern type as a `", stringify!($name), "` (borrowed), or NULL if it is another kind.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $ext_as_const(ext: Option<&wasm_externtype_t>) -> Option<&$name> {
            $name::from_extern(ext?)
        }

        #[doc = concat!("A copy of a `", stringify!($name), "`.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $copy(ty: Option<&$name>) -> Option<Box<$name>> {
            or_default(None, || ty.map(|t| Box::new(t.clone())))
        }

        #[doc = concat!("Frees a `", stringify!($name), "`.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $delete(ty: Option<Box<$name>>) {
            or_default((), || drop(ty))
        }
    )*};
}

extern_subtypes! {
    wasm_functype_t(Func): wasm_functype_as_externtype, wasm_functype_as_externtype_const,
        wasm_externtype_as_functype, wasm_externtype_as_functype_const,
        wasm_functype_copy, wasm_functype_delete;
    wasm_globaltype_t(Global): wasm_globaltype_as_externtype, wasm_globaltype_as_externtype_const,
        wasm_externtype_as_globaltype, wasm_externtype_as_globaltype_const,
        wasm_globaltype_copy, wasm_globaltype_delete;
    wasm_tabletype_t(Table): wasm_tabletype_as_externtype, wasm_tabletype_as_externtype_const,
        wasm_externtype_as_tabletype, wasm_externtype_as_tabletype_const,
        wasm_tabletype_copy, wasm_tabletype_delete;
    wasm_memorytype_t(Memory): wasm_memorytype_as_externtype, wasm_memorytype_as_externtype_const,
        wasm_externtype_as_memorytype, wasm_externtype_as_memorytype_const,
        wasm_memorytype_copy, wasm_memorytype_delete;
    wasm_tagtype_t(Tag): wasm_tagtype_as_externtype, wasm_tagtype_as_externtype_const,
        wasm_externtype_as_tagtype, wasm_externtype_as_tagtype_const,
        wasm_tagtype_copy, wasm_tagtype_delete;
}

impl wasm_tagtype_t {
    /// The C form of an egret tag type.
    pub(crate) fn from_tag_type(ty: egret_api::TagType) -> wasm_tagtype_t {
        wasm_tagtype_t {
            ext: extern_type_of(&ExternType::Tag(ty)),
        }
    }
}

impl wasm_functype_t {
    /// The C form of an egret function type.
    pub(crate) fn from_func_type(ty: &FuncType) -> wasm_functype_t {
        wasm_functype_t {
            ext: wasm_externtype_t {
                desc: ExternDesc::Func {
                    params: valtype_vec(ty.params()),
                    results: valtype_vec(ty.results()),
                },
            },
        }
    }

    fn lists(&self) -> (&wasm_valtype_vec_t, &wasm_valtype_vec_t) {
        match &self.ext.desc {
            ExternDesc::Func { params, results } => (params, results),
            _ => unreachable!("a wasm_functype_t describes a function"),
        }
    }

    /// This type, registered with `engine`.
    pub(crate) fn to_func_type(&self, engine: &Engine) -> Result<FuncType> {
        let (params, results) = self.lists();
        FuncType::with_finality_and_supertype(
            engine,
            Finality::Final,
            None,
            valtypes(params)?,
            valtypes(results)?,
        )
    }
}

impl wasm_globaltype_t {
    /// The egret global type.
    pub(crate) fn to_global_type(&self) -> GlobalType {
        match &self.ext.desc {
            ExternDesc::Global {
                content,
                mutability,
            } => GlobalType::new(content.ty.clone(), *mutability),
            _ => unreachable!("a wasm_globaltype_t describes a global"),
        }
    }

    /// The C form of an egret global type.
    pub(crate) fn from_global_type(ty: &GlobalType) -> wasm_globaltype_t {
        wasm_globaltype_t {
            ext: extern_type_of(&ExternType::Global(ty.clone())),
        }
    }
}

impl wasm_tabletype_t {
    /// The egret table type.
    pub(crate) fn to_table_type(&self) -> TableType {
        match &self.ext.desc {
            ExternDesc::Table { ty, .. } => ty.clone(),
            _ => unreachable!("a wasm_tabletype_t describes a table"),
        }
    }

    /// The C form of an egret table type.
    pub(crate) fn from_table_type(ty: &TableType) -> wasm_tabletype_t {
        wasm_tabletype_t {
            ext: extern_type_of(&ExternType::Table(ty.clone())),
        }
    }
}

impl wasm_memorytype_t {
    /// The egret memory type.
    pub(crate) fn to_memory_type(&self) -> MemoryType {
        match &self.ext.desc {
            ExternDesc::Memory { ty, .. } => *ty,
            _ => unreachable!("a wasm_memorytype_t describes a memory"),
        }
    }

    /// The C form of an egret memory type.
    pub(crate) fn from_memory_type(ty: MemoryType) -> wasm_memorytype_t {
        wasm_memorytype_t {
            ext: extern_type_of(&ExternType::Memory(ty)),
        }
    }
}

/// The C form of an egret extern type.
pub(crate) fn extern_type_of(ty: &ExternType) -> wasm_externtype_t {
    let desc = match ty {
        ExternType::Func(f) => wasm_functype_t::from_func_type(f).ext.desc,
        ExternType::Global(g) => ExternDesc::Global {
            content: wasm_valtype_t {
                ty: g.content().clone(),
            },
            mutability: g.mutability(),
        },
        ExternType::Table(t) => ExternDesc::Table {
            element: wasm_valtype_t {
                ty: ValType::Ref(t.element().clone()),
            },
            ty: t.clone(),
            limits: wasm_limits_t::of(t.minimum(), t.maximum()),
        },
        ExternType::Memory(m) => ExternDesc::Memory {
            ty: *m,
            limits: wasm_limits_t::of(m.minimum(), m.maximum()),
        },
        ExternType::Tag(t) => ExternDesc::Tag {
            functype: Box::new(wasm_functype_t::from_func_type(t.ty())),
        },
    };
    wasm_externtype_t { desc }
}

/// A value type of kind `kind`; NULL for an unknown kind.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_valtype_new(kind: u8) -> Option<Box<wasm_valtype_t>> {
    or_default(None, || {
        valtype_of_kind(kind).map(|ty| Box::new(wasm_valtype_t { ty }))
    })
}

/// The value type's kind (255 for a reference type `wasm.h` cannot name).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_valtype_kind(ty: Option<&wasm_valtype_t>) -> u8 {
    ty.map_or(valkind::UNREPRESENTABLE, |t| kind_of(&t.ty))
}

/// A copy of a value type.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_valtype_copy(ty: Option<&wasm_valtype_t>) -> Option<Box<wasm_valtype_t>> {
    or_default(None, || ty.map(|t| Box::new(t.clone())))
}

/// Frees a value type.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_valtype_delete(ty: Option<Box<wasm_valtype_t>>) {
    or_default((), || drop(ty))
}

/// A function type taking over the value types in `params` and
/// `results` (both left empty); NULL if either is NULL or holds NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_functype_new(
    params: Option<&mut wasm_valtype_vec_t>,
    results: Option<&mut wasm_valtype_vec_t>,
) -> Option<Box<wasm_functype_t>> {
    or_default(None, || {
        let params = WasmVec::from_vec(params?.take());
        let results = WasmVec::from_vec(results?.take());
        if params
            .as_slice()
            .iter()
            .chain(results.as_slice())
            .any(Option::is_none)
        {
            return None;
        }
        Some(Box::new(wasm_functype_t {
            ext: wasm_externtype_t {
                desc: ExternDesc::Func { params, results },
            },
        }))
    })
}

/// The parameter types (borrowed).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_functype_params(
    ty: Option<&wasm_functype_t>,
) -> Option<&wasm_valtype_vec_t> {
    ty.map(|t| t.lists().0)
}

/// The result types (borrowed).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_functype_results(
    ty: Option<&wasm_functype_t>,
) -> Option<&wasm_valtype_vec_t> {
    ty.map(|t| t.lists().1)
}

/// A global type holding `content` (taken over) with mutability
/// `WASM_CONST` (0) or `WASM_VAR` (1); NULL otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_globaltype_new(
    content: Option<Box<wasm_valtype_t>>,
    mutability: u8,
) -> Option<Box<wasm_globaltype_t>> {
    or_default(None, || {
        let mutability = match mutability {
            0 => Mutability::Const,
            1 => Mutability::Var,
            _ => return None,
        };
        let ty = GlobalType::new(content?.ty, mutability);
        Some(Box::new(wasm_globaltype_t::from_global_type(&ty)))
    })
}

/// The global's value type (borrowed).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_globaltype_content(
    ty: Option<&wasm_globaltype_t>,
) -> Option<&wasm_valtype_t> {
    match &ty?.ext.desc {
        ExternDesc::Global { content, .. } => Some(content),
        _ => None,
    }
}

/// The global's mutability: `WASM_CONST` (0) or `WASM_VAR` (1).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_globaltype_mutability(ty: Option<&wasm_globaltype_t>) -> u8 {
    match ty.map(|t| &t.ext.desc) {
        Some(ExternDesc::Global {
            mutability: Mutability::Var,
            ..
        }) => 1,
        _ => 0,
    }
}

/// A table type of `element` (taken over; a reference type) with
/// `limits`; NULL otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_tabletype_new(
    element: Option<Box<wasm_valtype_t>>,
    limits: Option<&wasm_limits_t>,
) -> Option<Box<wasm_tabletype_t>> {
    or_default(None, || {
        let ValType::Ref(element) = element?.ty else {
            return None;
        };
        let limits = limits?;
        let ty = TableType::new(element, limits.min, limits.maximum());
        Some(Box::new(wasm_tabletype_t::from_table_type(&ty)))
    })
}

/// The table's element type (borrowed).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_tabletype_element(ty: Option<&wasm_tabletype_t>) -> Option<&wasm_valtype_t> {
    match &ty?.ext.desc {
        ExternDesc::Table { element, .. } => Some(element),
        _ => None,
    }
}

/// The table's limits (borrowed; clamped to 32 bits).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_tabletype_limits(ty: Option<&wasm_tabletype_t>) -> Option<&wasm_limits_t> {
    match &ty?.ext.desc {
        ExternDesc::Table { limits, .. } => Some(limits),
        _ => None,
    }
}

/// A 32-bit memory type with `limits` (in 64 KiB pages).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_memorytype_new(
    limits: Option<&wasm_limits_t>,
) -> Option<Box<wasm_memorytype_t>> {
    or_default(None, || {
        let limits = limits?;
        let ty = MemoryType::new(limits.min, limits.maximum());
        Some(Box::new(wasm_memorytype_t::from_memory_type(ty)))
    })
}

/// The memory's limits (borrowed; clamped to 32 bits).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_memorytype_limits(ty: Option<&wasm_memorytype_t>) -> Option<&wasm_limits_t> {
    match &ty?.ext.desc {
        ExternDesc::Memory { limits, .. } => Some(limits),
        _ => None,
    }
}

/// A memory type with every setting Wasmtime's has, written to `ret`.
///
/// # Safety
/// `ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_memorytype_new(
    min: u64,
    max_present: bool,
    max: u64,
    is_64: bool,
    shared: bool,
    page_size_log2: u8,
    ret: *mut Option<Box<wasm_memorytype_t>>,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let ty = MemoryType::builder()
            .min(min)
            .max(max_present.then_some(max))
            .memory64(is_64)
            .shared(shared)
            .page_size_log2(page_size_log2)
            .build()?;
        let ty = Box::new(wasm_memorytype_t::from_memory_type(ty));
        // SAFETY: forwarded to the caller.
        unsafe { write_out(ret, Some(ty), "ret") }
    })
}

/// Reads one property of a memory type (the default for NULL).
fn memory_property<R: Default>(
    ty: Option<&wasm_memorytype_t>,
    read: impl FnOnce(MemoryType) -> R,
) -> R {
    ty.map(|t| read(t.to_memory_type())).unwrap_or_default()
}

/// The memory type's minimum, in pages.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memorytype_minimum(ty: Option<&wasm_memorytype_t>) -> u64 {
    memory_property(ty, |t| t.minimum())
}

/// Whether the memory type has a maximum; if so it is written to `max`.
///
/// # Safety
/// `max` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_memorytype_maximum(
    ty: Option<&wasm_memorytype_t>,
    max: *mut u64,
) -> bool {
    let Some(value) = memory_property(ty, |t| t.maximum()) else {
        return false;
    };
    if !max.is_null() {
        // SAFETY: non-null and writable, as the caller promises.
        unsafe { max.write(value) };
    }
    true
}

/// Whether the memory type has 64-bit addresses.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memorytype_is64(ty: Option<&wasm_memorytype_t>) -> bool {
    memory_property(ty, |t| t.is_64())
}

/// Whether the memory type is shared.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memorytype_isshared(ty: Option<&wasm_memorytype_t>) -> bool {
    memory_property(ty, |t| t.is_shared())
}

/// The memory type's page size in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memorytype_page_size(ty: Option<&wasm_memorytype_t>) -> u64 {
    memory_property(ty, |t| t.page_size())
}

/// The base-2 logarithm of the memory type's page size.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_memorytype_page_size_log2(ty: Option<&wasm_memorytype_t>) -> u8 {
    memory_property(ty, |t| t.page_size_log2())
}

/// A tag type of `functype` (taken over).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_tagtype_new(
    functype: Option<Box<wasm_functype_t>>,
) -> Option<Box<wasm_tagtype_t>> {
    or_default(None, || {
        Some(Box::new(wasm_tagtype_t {
            ext: wasm_externtype_t {
                desc: ExternDesc::Tag {
                    functype: functype?,
                },
            },
        }))
    })
}

/// The tag's function type (borrowed).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_tagtype_functype(ty: Option<&wasm_tagtype_t>) -> Option<&wasm_functype_t> {
    match &ty?.ext.desc {
        ExternDesc::Tag { functype } => Some(functype),
        _ => None,
    }
}

/// The extern type's kind (`WASM_EXTERN_FUNC`, ...).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_externtype_kind(ty: Option<&wasm_externtype_t>) -> u8 {
    match ty.map(|t| &t.desc) {
        Some(ExternDesc::Global { .. }) => externkind::GLOBAL,
        Some(ExternDesc::Table { .. }) => externkind::TABLE,
        Some(ExternDesc::Memory { .. }) => externkind::MEMORY,
        Some(ExternDesc::Tag { .. }) => externkind::TAG,
        Some(ExternDesc::Func { .. }) | None => externkind::FUNC,
    }
}

/// A copy of an extern type.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_externtype_copy(
    ty: Option<&wasm_externtype_t>,
) -> Option<Box<wasm_externtype_t>> {
    or_default(None, || ty.map(|t| Box::new(t.clone())))
}

/// Frees an extern type (one returned owned, not a borrowed view).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_externtype_delete(ty: Option<Box<wasm_externtype_t>>) {
    or_default((), || drop(ty))
}

/// An import's module name, name and type.
#[derive(Clone)]
pub struct wasm_importtype_t {
    module: wasm_name_t,
    name: wasm_name_t,
    ty: wasm_externtype_t,
}

impl wasm_importtype_t {
    /// The C form of one import.
    pub(crate) fn new(module: &str, name: &str, ty: &ExternType) -> wasm_importtype_t {
        wasm_importtype_t {
            module: WasmVec::from_vec(module.as_bytes().to_vec()),
            name: WasmVec::from_vec(name.as_bytes().to_vec()),
            ty: extern_type_of(ty),
        }
    }
}

/// An import type taking over `module`, `name` (both left empty) and
/// `ty`.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_importtype_new(
    module: Option<&mut wasm_name_t>,
    name: Option<&mut wasm_name_t>,
    ty: Option<Box<wasm_externtype_t>>,
) -> Option<Box<wasm_importtype_t>> {
    or_default(None, || {
        Some(Box::new(wasm_importtype_t {
            module: WasmVec::from_vec(module?.take()),
            name: WasmVec::from_vec(name?.take()),
            ty: *ty?,
        }))
    })
}

/// The import's module name (borrowed).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_importtype_module(ty: Option<&wasm_importtype_t>) -> Option<&wasm_name_t> {
    ty.map(|t| &t.module)
}

/// The import's name (borrowed).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_importtype_name(ty: Option<&wasm_importtype_t>) -> Option<&wasm_name_t> {
    ty.map(|t| &t.name)
}

/// The import's type (borrowed).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_importtype_type(
    ty: Option<&wasm_importtype_t>,
) -> Option<&wasm_externtype_t> {
    ty.map(|t| &t.ty)
}

/// A copy of an import type.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_importtype_copy(
    ty: Option<&wasm_importtype_t>,
) -> Option<Box<wasm_importtype_t>> {
    or_default(None, || ty.map(|t| Box::new(t.clone())))
}

/// Frees an import type.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_importtype_delete(ty: Option<Box<wasm_importtype_t>>) {
    or_default((), || drop(ty))
}

/// An export's name and type.
#[derive(Clone)]
pub struct wasm_exporttype_t {
    name: wasm_name_t,
    ty: wasm_externtype_t,
}

impl wasm_exporttype_t {
    /// The C form of one export.
    pub(crate) fn new(name: &str, ty: &ExternType) -> wasm_exporttype_t {
        wasm_exporttype_t {
            name: WasmVec::from_vec(name.as_bytes().to_vec()),
            ty: extern_type_of(ty),
        }
    }
}

/// An export type taking over `name` (left empty) and `ty`.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_exporttype_new(
    name: Option<&mut wasm_name_t>,
    ty: Option<Box<wasm_externtype_t>>,
) -> Option<Box<wasm_exporttype_t>> {
    or_default(None, || {
        Some(Box::new(wasm_exporttype_t {
            name: WasmVec::from_vec(name?.take()),
            ty: *ty?,
        }))
    })
}

/// The export's name (borrowed).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_exporttype_name(ty: Option<&wasm_exporttype_t>) -> Option<&wasm_name_t> {
    ty.map(|t| &t.name)
}

/// The export's type (borrowed).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_exporttype_type(
    ty: Option<&wasm_exporttype_t>,
) -> Option<&wasm_externtype_t> {
    ty.map(|t| &t.ty)
}

/// A copy of an export type.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_exporttype_copy(
    ty: Option<&wasm_exporttype_t>,
) -> Option<Box<wasm_exporttype_t>> {
    or_default(None, || ty.map(|t| Box::new(t.clone())))
}

/// Frees an export type.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_exporttype_delete(ty: Option<Box<wasm_exporttype_t>>) {
    or_default((), || drop(ty))
}
