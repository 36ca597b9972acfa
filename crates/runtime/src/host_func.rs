//! Host functions: Rust closures callable from wasm through a per-signature
//! host trampoline, and from the host directly.
//!
//! A `HostFunc` stands where an instance's vmctx would for a wasm function:
//! its `VMFuncRef::vmctx` points at the `HostFunc` itself, whose first
//! field is the dispatcher the trampoline calls (`vmoffsets::host_ctx`).

use crate::store::StoreOpaque;
use crate::trap::HostError;
use crate::vmcontext::VMFuncRef;
use egret_frontend::types::{FuncType, SigId};
use std::panic::{self, AssertUnwindSafe};

/// The closure behind a host function. It receives the embedder's store
/// pointer (whatever was given to `HostFunc::new`), the calling instance's
/// vmctx (null when called from the host), and the values array: arguments
/// on entry, results on return, one 16-byte slot each.
pub type HostCallback =
    Box<dyn Fn(*mut u8, *mut u8, &mut [u128]) -> Result<(), HostError> + Send + Sync>;

/// Why a host call failed, kept in the store until the trap reaches the
/// host's entry point.
pub enum HostFailure {
    /// The function returned an error.
    Error(HostError),
    /// The function panicked; the panic resumes in the embedder.
    Panic(Box<dyn std::any::Any + Send>),
}

/// A host function's context.
#[repr(C)]
pub struct HostFunc {
    // Must stay first: the host trampoline loads it at offset 0.
    dispatch: unsafe extern "C" fn(*mut HostFunc, *mut u8, *mut u128, u64) -> u32,
    func_ref: VMFuncRef,
    callback: HostCallback,
    store: *mut StoreOpaque,
    embedder_store: *mut u8,
    ty: FuncType,
}

impl HostFunc {
    /// A host function of type `ty` whose wasm entry is `trampoline` (the
    /// engine's host trampoline for `ty`, id `sig`).
    pub fn new(
        ty: FuncType,
        sig: SigId,
        trampoline: usize,
        store: *mut StoreOpaque,
        embedder_store: *mut u8,
        callback: HostCallback,
    ) -> Box<HostFunc> {
        let mut func = Box::new(HostFunc {
            dispatch,
            func_ref: VMFuncRef {
                wasm_call: trampoline as *const u8,
                vmctx: std::ptr::null_mut(),
                array_call: std::ptr::null(),
                type_id: sig.0,
                _pad: 0,
            },
            callback,
            store,
            embedder_store,
            ty,
        });
        func.func_ref.vmctx = std::ptr::from_mut(&mut *func).cast();
        func
    }

    /// The function reference wasm calls through (stable address).
    pub fn func_ref(&self) -> *const VMFuncRef {
        &self.func_ref
    }

    /// The function's type.
    pub fn ty(&self) -> &FuncType {
        &self.ty
    }

    /// Calls the closure directly from the host.
    pub fn call_from_host(&self, values: &mut [u128]) -> Result<(), HostError> {
        (self.callback)(self.embedder_store, std::ptr::null_mut(), values)
    }
}

/// Called by the host trampoline; returns nonzero if the call failed, after
/// recording why in the store.
///
/// # Safety
/// `func` must be a live `HostFunc` and `values` must point to `len`
/// 16-byte slots, as the host trampoline guarantees.
unsafe extern "C" fn dispatch(
    func: *mut HostFunc,
    caller_vmctx: *mut u8,
    values: *mut u128,
    len: u64,
) -> u32 {
    // SAFETY: per this function's contract.
    let (func, values) = unsafe { (&*func, std::slice::from_raw_parts_mut(values, len as usize)) };
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        (func.callback)(func.embedder_store, caller_vmctx, values)
    }));
    let failure = match outcome {
        Ok(Ok(())) => return 0,
        Ok(Err(error)) => HostFailure::Error(error),
        Err(payload) => HostFailure::Panic(payload),
    };
    // SAFETY: the store owns this host function and outlives every call of
    // it; wasm is running in it, so no other reference to it is in use.
    unsafe { (*func.store).set_host_failure(failure) };
    1
}
