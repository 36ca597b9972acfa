//! Host functions: Rust closures callable from wasm through a per-signature
//! host trampoline, and from the host directly.
//!
//! A `HostFunc` stands where an instance's vmctx would for a wasm function:
//! its `VMFuncRef::vmctx` points at the `HostFunc` itself, whose first
//! field is the function's *entry* (`vmoffsets::host_ctx::ENTRY`). The
//! host trampoline spills wasm's arguments to an array of 16-byte slots and
//! calls the entry directly.
//!
//! The embedder supplies the entry together with the closure
//! ([`HostCallback`]): one `extern "C"` function per closure type, which
//! reads the arguments, calls that concrete closure (through
//! [`HostFunc::closure`], no dynamic call) and writes the results. It runs
//! the closure inside [`HostFunc::run`], which catches a panic (nothing may
//! unwind into generated code) and records an error or panic where the
//! caller will look for it: in the store when wasm called (the trampoline
//! traps `HostFunctionFailed` and `StoreOpaque::call` picks the failure up),
//! or in the `HostFunc` when the host called (`call_from_host` returns the
//! error or resumes the panic).

use crate::store::StoreOpaque;
use crate::trap::HostError;
use crate::vmcontext::VMFuncRef;
use egret_frontend::types::{FuncType, SigId};
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};

/// A host function's entry, called by the host trampoline with the
/// `HostFunc`, the calling instance's vmctx (null when the host calls, see
/// [`HostFunc::call_from_host`]) and the values array: `len` 16-byte slots
/// holding the arguments on entry and the results on return (`len` is at
/// least the larger of the parameter and result counts).
/// Returns 0 on success; nonzero only from [`HostFunc::run`], after it
/// recorded why the call failed.
pub type HostEntry = unsafe extern "C" fn(
    func: *const HostFunc,
    caller_vmctx: *mut u8,
    values: *mut u128,
    len: u64,
) -> u32;

/// The embedder's side of a host function: its entry and the closure the
/// entry calls. Cloning shares the closure, so one definition can be
/// created in many stores.
#[derive(Clone)]
pub struct HostCallback {
    // Called by the trampoline; knows the closure's concrete type.
    entry: HostEntry,
    // The closure, of the type `entry` expects.
    closure: Arc<dyn Any + Send + Sync>,
}

impl HostCallback {
    /// Pairs an entry with the closure it calls.
    ///
    /// # Safety
    /// `entry` must be sound to call, with the arguments `HostEntry`
    /// describes, on any `HostFunc` made from this callback: it may assume
    /// the closure has the type it expects and that the embedder store
    /// pointer is whatever every store creating such functions passes to
    /// `StoreOpaque::create_host_func`.
    pub unsafe fn new(entry: HostEntry, closure: Arc<dyn Any + Send + Sync>) -> HostCallback {
        HostCallback { entry, closure }
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
    // Must stay first: the host trampoline loads it at offset 0.
    entry: HostEntry,
    func_ref: VMFuncRef,
    // The data of `closure`, so that the entry reaches it with one load
    // (going through the `Arc<dyn Any>` would read the vtable for the
    // data's alignment).
    closure_data: *const (),
    store: *mut StoreOpaque,
    embedder_store: *mut u8,
    closure: Arc<dyn Any + Send + Sync>,
    // A failure of a call from the host, for `call_from_host` to report.
    host_call_failure: Mutex<Option<HostFailure>>,
    ty: FuncType,
}

impl HostFunc {
    /// A host function of type `ty` whose wasm entry is `trampoline` (the
    /// engine's host trampoline for `ty`, id `sig`), created in `store`;
    /// `embedder_store` is the embedder's view of that store, for the entry
    /// (see [`HostFunc::embedder_store`]).
    pub fn new(
        ty: FuncType,
        sig: SigId,
        trampoline: usize,
        store: *mut StoreOpaque,
        embedder_store: *mut u8,
        callback: HostCallback,
    ) -> Box<HostFunc> {
        let HostCallback { entry, closure } = callback;
        let mut func = Box::new(HostFunc {
            entry,
            func_ref: VMFuncRef {
                wasm_call: trampoline as *const u8,
                vmctx: std::ptr::null_mut(),
                array_call: std::ptr::null(),
                type_id: sig.0,
                _pad: 0,
            },
            closure_data: Arc::as_ptr(&closure).cast(),
            store,
            embedder_store,
            closure,
            host_call_failure: Mutex::new(None),
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

    /// The embedder's store pointer given to [`HostFunc::new`].
    pub fn embedder_store(&self) -> *mut u8 {
        self.embedder_store
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

    /// Runs `body` (the entry's call of the closure) for the entry, which
    /// passes on the `caller_vmctx` it received. Returns the entry's
    /// result: 0 if `body` succeeds; 1 if it fails or panics (the panic is
    /// caught: it must not unwind into generated code), after recording why
    /// where the caller will look for it.
    ///
    /// # Safety
    /// `caller_vmctx` must be what the entry received: null when the host
    /// called, else the vmctx of wasm running in this function's store
    /// (a failure is then recorded in that store).
    #[inline(always)]
    pub unsafe fn run(
        &self,
        caller_vmctx: *mut u8,
        body: impl FnOnce() -> Result<(), HostError>,
    ) -> u32 {
        let failure = match panic::catch_unwind(AssertUnwindSafe(body)) {
            Ok(Ok(())) => return 0,
            Ok(Err(error)) => HostFailure::Error(error),
            Err(payload) => HostFailure::Panic(payload),
        };
        self.record_failure(caller_vmctx, failure);
        1
    }

    #[cold]
    fn record_failure(&self, caller_vmctx: *mut u8, failure: HostFailure) {
        if caller_vmctx.is_null() {
            *self.host_call_failure() = Some(failure);
        } else {
            // SAFETY: the store owns this host function and outlives every
            // call of it; wasm is running in it, and the closure's borrow of
            // it ended when the closure returned.
            unsafe { (*self.store).set_host_failure(failure) };
        }
    }

    fn host_call_failure(&self) -> std::sync::MutexGuard<'_, Option<HostFailure>> {
        // Poisoning cannot leave the slot inconsistent: it is only replaced.
        self.host_call_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Calls the function directly from the host: an error it returns is
    /// returned, a panic resumes here.
    pub fn call_from_host(&self, values: &mut [u128]) -> Result<(), HostError> {
        // SAFETY: the entry was made for this function's closure; `values`
        // is `values.len()` live slots, which the caller sized for the
        // function's type (see `StoreOpaque::call`); the null caller vmctx
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
