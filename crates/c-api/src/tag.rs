//! Tags (exception tags) made and inspected from C, and the store's
//! pending exception: taken after wasm threw one nobody caught, or set
//! by a host callback to throw it into wasm.

use crate::boundary::{or_default, required, with_error, write_out};
use crate::error::wasmtime_error_t;
use crate::externs::wasmtime_tag_t;
use crate::store::wasmtime_context_t;
use crate::trap::wasm_trap_t;
use crate::types::{ExternDesc, wasm_tagtype_t};
use crate::val::{wasmtime_exnref_t, wasmtime_val_t};
use egret_api::{AsContextMut, Tag, TagType, Val};

/// Creates a tag of type `tt` in the store, written to `ret`.
///
/// # Safety
/// `ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_tag_new(
    store: Option<&mut wasmtime_context_t>,
    tt: Option<&wasm_tagtype_t>,
    ret: *mut wasmtime_tag_t,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let store = required(store, "store")?;
        let ExternDesc::Tag { functype } = &required(tt, "tag type")?.ext.desc else {
            unreachable!("a wasm_tagtype_t describes a tag")
        };
        let ty = TagType::new(functype.to_func_type(store.engine())?);
        let tag = Tag::new(store.context_mut(), &ty)?;
        let handle = wasmtime_tag_t::new(tag, store.data_mut());
        // SAFETY: forwarded to the caller.
        unsafe { write_out(ret, handle, "ret") }
    })
}

/// The tag's type (owned by the caller); NULL on a NULL or foreign
/// argument.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_tag_type(
    store: Option<&wasmtime_context_t>,
    tag: Option<&wasmtime_tag_t>,
) -> Option<Box<wasm_tagtype_t>> {
    or_default(None, || {
        let store = store?;
        let ty = tag?
            .resolve(store.data())
            .ok()?
            .try_ty(store.context())
            .ok()?;
        Some(Box::new(wasm_tagtype_t::from_tag_type(ty)))
    })
}

/// Whether `a` and `b` are the same tag (false on a NULL or foreign
/// argument).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_tag_eq(
    store: Option<&wasmtime_context_t>,
    a: Option<&wasmtime_tag_t>,
    b: Option<&wasmtime_tag_t>,
) -> bool {
    or_default(false, || {
        let (Some(store), Some(a), Some(b)) = (store, a, b) else {
            return false;
        };
        match (a.resolve(store.data()), b.resolve(store.data())) {
            (Ok(a), Ok(b)) => Tag::eq(&a, &b, store.context()),
            _ => false,
        }
    })
}

/// Makes `exn` the store's pending exception and returns the trap a host
/// callback returns to throw it into the wasm that called it; NULL on a
/// NULL or foreign argument.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_context_set_exception(
    store: Option<&mut wasmtime_context_t>,
    exn: Option<&wasmtime_exnref_t>,
) -> Option<Box<wasm_trap_t>> {
    or_default(None, || {
        let mut cx = store?.scope();
        let Val::ExnRef(Some(exn)) =
            crate::val::gc_val(exn?, &mut cx, || Val::ExnRef(None)).ok()?
        else {
            return None;
        };
        let thrown = cx.as_context_mut().throw::<()>(exn).err()?;
        Some(Box::new(wasm_trap_t::from(thrown)))
    })
}

/// Takes the store's pending exception (one wasm threw and nobody caught)
/// into `exn_ret`; false if there is none.
///
/// # Safety
/// `exn_ret` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_context_take_exception(
    store: Option<&mut wasmtime_context_t>,
    exn_ret: *mut wasmtime_exnref_t,
) -> bool {
    or_default(false, || {
        let Some(store) = store else { return false };
        let mut cx = store.scope();
        let Some(exn) = cx.as_context_mut().take_pending_exception() else {
            return false;
        };
        let val = wasmtime_val_t::new(&Val::ExnRef(Some(exn)), &mut cx);
        // SAFETY: `new` of an exnref sets the union's exnref field.
        let exn = unsafe { val.of.exnref };
        // SAFETY: forwarded to the caller.
        unsafe { write_out(exn_ret, exn, "exn_ret") }.is_ok()
    })
}

/// Whether the store has a pending exception.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_context_has_exception(store: Option<&mut wasmtime_context_t>) -> bool {
    or_default(false, || {
        store.is_some_and(|s| s.context_mut().has_pending_exception())
    })
}
