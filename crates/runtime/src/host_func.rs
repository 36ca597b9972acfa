//! Host functions: Rust closures callable from wasm through a per-signature
//! host trampoline, and from the host directly.
//!
//! A `HostFunc` stands where an instance's vmctx would for a wasm function:
//! its `VMFuncRef::vmctx` points at the `HostFunc` itself, whose first
//! fields are the function's two entries (`vmoffsets::host_ctx`). The
//! host trampoline calls one of them directly: for a *register type* (at
//! most two parameters and one result, none a `v128`:
//! `abi::host_call_in_registers`) the *register entry*, with the arguments
//! and the result in registers; otherwise the *entry*, with wasm's
//! arguments spilled to an array of 16-byte slots, where it also leaves
//! the results. The host calls the entry.
//!
//! The embedder supplies the entries together with the closure
//! ([`HostCallback`]): `extern "C"` functions compiled per closure type,
//! which read the arguments, call that concrete closure (through
//! [`HostFunc::closure`], no dynamic call) and write the results. Each
//! catches a panic of the closure (nothing may unwind into generated code)
//! and, on a panic or an error, has [`HostFunc::fail`] record it where the
//! caller will look for it: in the store when wasm called (the trampoline
//! traps `TrapReason::HostFailed` and `VMStore::call` picks the failure
//! up), or in the `HostFunc` when the host called (`call_from_host`
//! returns the error or resumes the panic). A function that fails with a
//! wasm exception pending in its store ([`ThrownException`]) makes the
//! trampoline throw that exception in the calling wasm instead. A call
//! that succeeds thus runs in the entry alone, with no call out of it but
//! the closure's (inlined) and the call hooks'.
//!
//! The entry finds the embedder's store through [`HostFunc::store`]: the
//! pointer that the entry into wasm (or the host's direct call) currently
//! running in the store has lent (see `VMStore::call`), never one saved when
//! the function was created.

use crate::engine::TrampolineOwner;
use crate::exception::{ExnId, ThrownException};
use crate::store::VMStore;
use crate::trap::HostError;
use crate::vm_box::VmBox;
use crate::vmcontext::{VMFuncRef, VMStoreContext};
use egret_frontend::types::{FuncType, SigId};
use egret_frontend::vmoffsets::host_ctx;
use std::any::Any;
use std::panic;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, PoisonError};

/// A host function's entry, called by the host trampoline with the
/// `HostFunc`, the calling instance's vmctx (null when the host calls, see
/// [`HostFunc::call_from_host`]) and the values array: `len` 16-byte slots
/// holding the arguments on entry and the results on return (`len` is at
/// least the larger of the parameter and result counts).
/// Returns 0 on success, else what [`HostFunc::fail`] returns:
/// `host_ctx::FAILED` after recording why the call failed, `host_ctx::THREW`
/// with an exception to throw in the first slot.
pub type HostEntry = unsafe extern "C" fn(
    func: *const HostFunc,
    caller_vmctx: *mut u8,
    values: *mut u128,
    len: u64,
) -> u32;

/// A host function's register entry, which the host trampoline of a
/// register type calls instead of the [`HostEntry`]: the same call with
/// the arguments in `args` instead of slots (each value's bits
/// zero-extended to 64, floats as their bits, missing ones 0) and the
/// result, or the reference of the exception to throw, in the
/// [`RegisterReturn`].
pub type HostRegisterEntry = unsafe extern "C" fn(
    func: *const HostFunc,
    caller_vmctx: *mut u8,
    a0: u64,
    a1: u64,
) -> RegisterReturn;

/// What a [`HostRegisterEntry`] returns, in two registers.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RegisterReturn {
    /// The result's bits (zero-extended), the exception's reference when
    /// `status` is `host_ctx::THREW`, otherwise unspecified.
    pub result: u64,
    /// What a [`HostEntry`] returns: 0 on success, `host_ctx::FAILED` or
    /// `host_ctx::THREW`.
    pub status: u64,
}

/// The embedder's side of a host function: its entries and the closure
/// they call. Cloning shares the closure, so one definition can be
/// created in many stores.
#[derive(Clone)]
pub struct HostCallback {
    // Called by the host and the trampoline; knows the closure's concrete
    // type.
    entry: HostEntry,
    // Called by the trampoline of a register type; knows it too.
    register_entry: HostRegisterEntry,
    // The closure, of the type the entries expect.
    closure: Arc<dyn Any + Send + Sync>,
}

impl HostCallback {
    /// Pairs the entries with the closure they call.
    ///
    /// # Safety
    /// `entry` must be sound to call, with the arguments `HostEntry`
    /// describes, on any `HostFunc` made from this callback: it may assume
    /// the closure has the type it expects and that [`HostFunc::store`] is
    /// the store this callback was given to (`StoreOpaque::create_host_func`).
    /// So must `register_entry`, with the arguments `HostRegisterEntry`
    /// describes, on such a function of a register type, and it must do
    /// what `entry` does on the arguments in [`host_ctx::REGISTER_ARGS`] slots (it
    /// may leave the work to [`register_call_through_array`]).
    pub unsafe fn new(
        entry: HostEntry,
        register_entry: HostRegisterEntry,
        closure: Arc<dyn Any + Send + Sync>,
    ) -> HostCallback {
        HostCallback {
            entry,
            register_entry,
            closure,
        }
    }
}

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
    // The host trampoline loads these two at `host_ctx::ENTRY` and
    // `host_ctx::REGISTER_ENTRY` (checked below).
    entry: HostEntry,
    register_entry: HostRegisterEntry,
    pub(crate) func_ref: VMFuncRef,
    // The data of `closure`, so that the entry reaches it with one load
    // (going through the `Arc<dyn Any>` would read the vtable for the
    // data's alignment).
    closure_data: *const (),
    // The owning store's context, which outlives this function.
    store_ctx: *mut VMStoreContext,
    closure: Arc<dyn Any + Send + Sync>,
    // A failure of a call from the host, for `call_from_host` to report.
    host_call_failure: Mutex<Option<HostFailure>>,
    ty: FuncType,
    // Keeps the code of the trampoline at `func_ref.wasm_call` mapped.
    _trampoline_code: TrampolineOwner,
}

const _: () = {
    assert!(std::mem::offset_of!(HostFunc, entry) == host_ctx::ENTRY as usize);
    assert!(std::mem::offset_of!(HostFunc, register_entry) == host_ctx::REGISTER_ENTRY as usize);
};

impl HostFunc {
    /// A host function of type `ty` whose wasm entry is `trampoline` (a
    /// host trampoline for `ty`, id `sig`, whose code `trampoline_code`
    /// keeps mapped), created in the store whose context is `store_ctx`.
    pub(crate) fn new(
        ty: FuncType,
        sig: SigId,
        trampoline: usize,
        trampoline_code: TrampolineOwner,
        store_ctx: *mut VMStoreContext,
        callback: HostCallback,
    ) -> VmBox<HostFunc> {
        let HostCallback {
            entry,
            register_entry,
            closure,
        } = callback;
        let func = VmBox::new(HostFunc {
            entry,
            register_entry,
            func_ref: VMFuncRef {
                wasm_call: trampoline as *const u8,
                vmctx: std::ptr::null_mut(),
                array_call: std::ptr::null(),
                type_id: sig.0,
                _pad: 0,
            },
            closure_data: Arc::as_ptr(&closure).cast(),
            store_ctx,
            closure,
            host_call_failure: Mutex::new(None),
            ty,
            _trampoline_code: trampoline_code,
        });
        let ptr = func.as_ptr();
        // SAFETY: `ptr` is the fresh, live allocation; no reference to it
        // exists yet.
        unsafe { (*ptr).func_ref.vmctx = ptr.cast() };
        func
    }

    /// The function's type.
    pub fn ty(&self) -> &FuncType {
        &self.ty
    }

    /// The store this function runs in, as lent by the call in progress
    /// (see `VMStore::call`); `None` when no call is in progress. The entry
    /// may turn it into an exclusive borrow for the duration of its call:
    /// the lending call uses the store only through this pointer until the
    /// entry returns.
    pub fn store(&self) -> Option<NonNull<dyn VMStore>> {
        // SAFETY: the owning store's context outlives its functions.
        unsafe { (*self.store_ctx).store }
    }

    /// The closure, for the entry.
    ///
    /// # Safety
    /// `F` must be the closure's type: the type the entry was paired with
    /// in the [`HostCallback`].
    #[inline]
    pub unsafe fn closure<F: 'static>(&self) -> &F {
        debug_assert!(self.closure.is::<F>(), "host closure of another type");
        // SAFETY: `closure_data` points to the closure, a live `F` (per the
        // contract) owned by `self.closure` for as long as `self` lives.
        unsafe { &*self.closure_data.cast::<F>() }
    }

    /// Records why a call failed where its caller will look, for the
    /// entry, which passes on the `caller_vmctx` and `values` it received,
    /// and returns what the entry returns then: `host_ctx::THREW` if wasm
    /// called and the function failed with [`ThrownException`] while the
    /// store has a pending exception (taken, its reference written to the
    /// first value slot), otherwise `host_ctx::FAILED`.
    ///
    /// # Safety
    /// As for [`HostFunc::fail_in_registers`]; `values` is the entry's
    /// array of at least one slot, which nothing else uses any more.
    #[cold]
    #[inline(never)]
    pub unsafe fn fail(
        &self,
        caller_vmctx: *mut u8,
        values: *mut u128,
        failure: HostFailure,
    ) -> u32 {
        // SAFETY: per the contract.
        let outcome = unsafe { self.fail_in_registers(caller_vmctx, failure) };
        if outcome.status == u64::from(host_ctx::THREW) {
            // SAFETY: `values` has a slot nothing uses any more.
            unsafe { values.write(u128::from(outcome.result)) };
        }
        outcome.status as u32
    }

    /// [`HostFunc::fail`] for the register entry, which returns what this
    /// returns: the status, and the exception's reference as the result
    /// when the status is `host_ctx::THREW`.
    ///
    /// # Safety
    /// `caller_vmctx` must be what the entry received: null when the host
    /// called, else the vmctx of wasm running in this function's store
    /// (the failure is then recorded in that store); the closure's borrow
    /// of the store has ended.
    #[cold]
    #[inline(never)]
    pub unsafe fn fail_in_registers(
        &self,
        caller_vmctx: *mut u8,
        failure: HostFailure,
    ) -> RegisterReturn {
        if let HostFailure::Error(error) = &failure
            && error.is::<ThrownException>()
            && !caller_vmctx.is_null()
        {
            // SAFETY: per the contract.
            if let Some(exn) = unsafe { self.take_pending_exception() } {
                return RegisterReturn {
                    result: u64::from(exn.to_raw()),
                    status: u64::from(host_ctx::THREW),
                };
            }
        }
        self.record_failure(caller_vmctx, failure);
        RegisterReturn {
            result: 0,
            status: u64::from(host_ctx::FAILED),
        }
    }

    /// Takes the store's pending exception, to throw it into the calling
    /// wasm.
    ///
    /// # Safety
    /// Wasm of this function's store is running (it called), and the
    /// closure's borrow of the store has ended.
    #[cold]
    unsafe fn take_pending_exception(&self) -> Option<ExnId> {
        let store = self.store()?;
        // SAFETY: per the contract, the lent pointer is the only way to
        // the store now.
        unsafe {
            (*store.as_ptr())
                .opaque_mut()
                .exceptions_mut()
                .take_pending()
        }
    }

    fn record_failure(&self, caller_vmctx: *mut u8, failure: HostFailure) {
        match self.store() {
            Some(store) if !caller_vmctx.is_null() => {
                // SAFETY: wasm is running in the store, which lent this
                // pointer for the call; the closure's borrow of the store
                // ended when it returned.
                unsafe { (*store.as_ptr()).opaque_mut().set_host_failure(failure) };
            }
            _ => *self.host_call_failure() = Some(failure),
        }
    }

    fn host_call_failure(&self) -> std::sync::MutexGuard<'_, Option<HostFailure>> {
        // Poisoning cannot leave the slot inconsistent: it is only replaced.
        self.host_call_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Calls the function directly from the host, with the store lent as
    /// [`HostFunc::store`] says: an error it returns is returned, a panic
    /// resumes here.
    pub(crate) fn call_from_host(&self, values: &mut [u128]) -> Result<(), HostError> {
        // SAFETY: the entry was made for this function's closure; `values`
        // is `values.len()` live slots, which the caller sized for the
        // function's type (see `VMStore::call`); the null caller vmctx
        // tells the entry that the host is calling.
        let failed = unsafe {
            (self.entry)(
                self,
                std::ptr::null_mut(),
                values.as_mut_ptr(),
                values.len() as u64,
            )
        };
        if failed == 0 {
            return Ok(());
        }
        let failure = self.host_call_failure().take();
        match failure {
            Some(HostFailure::Error(error)) => Err(error),
            Some(HostFailure::Panic(payload)) => panic::resume_unwind(payload),
            None => Err("host function failed without recording why".into()),
        }
    }
}

/// A register entry that leaves the call to the function's array entry,
/// with the arguments in [`host_ctx::REGISTER_ARGS`] slots of its own: for an
/// embedder's register entry to tail-call on its uncommon paths (a call
/// hook, no store lent).
///
/// # Safety
/// As for calling the function's register entry: `func` is a live
/// `HostFunc` of a register type, called as its entry may be.
#[cold]
pub unsafe extern "C" fn register_call_through_array(
    func: *const HostFunc,
    caller_vmctx: *mut u8,
    a0: u64,
    a1: u64,
) -> RegisterReturn {
    let mut values: [u128; host_ctx::REGISTER_ARGS] = [u128::from(a0), u128::from(a1)];
    // SAFETY: per the contract, and a register type has no more
    // parameters or results than the slots.
    let status = unsafe {
        ((*func).entry)(
            func,
            caller_vmctx,
            values.as_mut_ptr(),
            host_ctx::REGISTER_ARGS as u64,
        )
    };
    RegisterReturn {
        result: values[0] as u64,
        status: u64::from(status),
    }
}
