//! Throwing a wasm exception: finding the handler by walking wasm frames,
//! and resuming there, or at the host's entry into wasm when no frame of
//! the current activation catches it.
//!
//! Generated code throws by calling the `throw_ref` builtin, the stub
//! `egret_throw_ref`, which hands [`throw_from_wasm`] the exception and a
//! frame record of the thrower. From there the walk follows the
//! frame-pointer chain as a trap's backtrace does, up to the activation's
//! entry stub. For each return address it asks the code registry whether
//! the call was made inside `try_table` (a handler site, from Cranelift's
//! exception tables, kept in the module's code image); if so, it reads
//! the caller's vmctx from the frame and tries the handlers in order: a
//! tag handler matches when the caller instance's tag at that index is
//! the exception's tag, a catch-all always. The first match wins, and
//! `egret_resume` continues there with the stack pointer the call had and
//! the exception reference as the handler's payload.
//!
//! Uncaught, the exception becomes the store's pending exception, the
//! activation records an `UncaughtException` (with the backtrace of the
//! throw) and execution continues at the entry stub's resume label, as
//! after a trap. Frames of host functions called by wasm are never walked
//! through: a host function's own entry into wasm is an activation of its
//! own, whose uncaught exception comes back to the host function as an
//! error; returning that error throws it on, from the host trampoline.
//!
//! Only generated code lies between the stub and the handler (or the
//! entry stub), and `throw_from_wasm` finishes with everything it owns
//! dropped before it jumps, so no Rust frame with anything to clean up is
//! skipped.

use super::{Activation, TrapState, arch, innermost_activation, record_backtrace};
use crate::code_registry;
use crate::exception::ExnId;
use crate::host_func::HostFailure;
use crate::instance::InstanceId;
use crate::store::TagId;
use crate::vmcontext::VMStoreContext;
use egret_frontend::traps::TrapReason;
use egret_frontend::vmoffsets::VMOffsets;
use std::mem;

/// Where to continue after a throw.
struct Resume {
    pc: usize,
    sp: usize,
    fp: usize,
    payload: usize,
}

/// The Rust half of the `throw_ref` builtin: throws the exception `exn`
/// (non-null, checked by the generated code) of the store running
/// `vmctx`. `record` is the stub's frame record: the thrower's frame
/// pointer, then the return address into it.
///
/// # Safety
/// Called only by `egret_throw_ref`, from generated code running in an
/// activation of this thread, with the caller's vmctx.
pub(super) unsafe extern "C" fn throw_from_wasm(
    vmctx: *mut u8,
    exn: u32,
    record: *const usize,
) -> ! {
    // SAFETY: per the contract.
    let resume = unsafe { find_handler(vmctx, exn, record) };
    // SAFETY: `resume` is a handler of a live wasm frame of this activation
    // (with that frame's stack and frame pointers), or the activation's
    // resume point; nothing owned by this function is left to drop.
    unsafe { arch::egret_resume(resume.pc, resume.sp, resume.fp, resume.payload) }
}

/// The store context and instance of a vmctx.
///
/// # Safety
/// `vmctx` is the vmctx of a live instance.
unsafe fn context_of(vmctx: *const u8) -> (*mut VMStoreContext, InstanceId) {
    // SAFETY: per the contract, the vmctx header holds both (VMOffsets).
    unsafe {
        (
            vmctx
                .add(VMOffsets::STORE_CTX as usize)
                .cast::<*mut VMStoreContext>()
                .read(),
            InstanceId(
                vmctx
                    .add(VMOffsets::INSTANCE_ID as usize)
                    .cast::<u64>()
                    .read() as u32,
            ),
        )
    }
}

/// Finds where `exn` is caught, walking from `record`.
///
/// # Safety
/// As [`throw_from_wasm`].
unsafe fn find_handler(vmctx: *mut u8, exn: u32, record: *const usize) -> Resume {
    let activation = innermost_activation();
    // SAFETY: generated code runs only inside an activation of this
    // thread, suspended in the entry stub below us.
    let activation: &mut Activation = unsafe { &mut *activation };
    // SAFETY: the stub recorded the resume point before it called the
    // generated code that threw.
    let (resume_pc, resume_sp, stop_fp) = unsafe {
        let resume = activation.resume();
        (resume.pc, resume.sp, resume.fp)
    };
    // SAFETY: the caller's vmctx.
    let (context, _) = unsafe { context_of(vmctx) };
    // SAFETY: the context lives as long as its store, which is lent to the
    // running wasm (see `VMStore::call`); this is the only borrow.
    let store =
        unsafe { (*context).store }.expect("wasm runs only while a call has lent its store");
    // SAFETY: the lent store is used by nothing else until wasm returns
    // (see `VMStore::call`), and this borrow ends before we resume.
    let store = unsafe { &mut *store.as_ptr() };
    // Generated code checks for null, and every `exnref` wasm holds keeps
    // its exception; should one still name none, wasm stops as failed
    // host code does, rather than panicking here.
    let found =
        ExnId::from_raw(exn).and_then(|id| Some((id, store.opaque().exceptions().get(id)?.tag)));
    let Some((id, tag)) = found else {
        let error = "wasm threw an exception reference its store does not hold".into();
        store
            .opaque_mut()
            .set_host_failure(HostFailure::Error(error));
        TrapState::start(&mut activation.trap, TrapReason::HostFailed, 0, None);
        return Resume {
            pc: resume_pc,
            sp: resume_sp,
            fp: stop_fp,
            payload: 0,
        };
    };

    let mut frame = record as usize;
    let mut low = frame;
    loop {
        // SAFETY: `frame` is the stub's record or a frame pointer checked
        // below to lie between it and the entry stub's frame, on this
        // thread's stack.
        let (fp, return_address) = unsafe {
            let words = frame as *const usize;
            (words.read(), words.add(1).read())
        };
        #[cfg(target_arch = "aarch64")]
        let return_address = arch::strip_pointer_authentication(return_address);
        if fp == stop_fp
            || fp <= low
            || fp > stop_fp
            || !fp.is_multiple_of(mem::align_of::<usize>())
        {
            break;
        }
        // SAFETY: `fp` is the frame pointer of the frame `return_address`
        // returns into, a live frame of this activation.
        if let Some(resume) = unsafe { handler_in_frame(store, tag, fp, return_address, exn) } {
            return resume;
        }
        low = fp;
        frame = fp;
    }

    store.opaque_mut().exceptions_mut().set_pending(id);
    // SAFETY: `record` and the frames above it up to the entry stub are
    // this thread's live stack.
    unsafe {
        let words = record;
        let (fp, pc) = (words.read(), words.add(1).read());
        #[cfg(target_arch = "aarch64")]
        let pc = arch::strip_pointer_authentication(pc);
        let trap = TrapState::start(
            &mut activation.trap,
            TrapReason::UncaughtException,
            pc,
            None,
        );
        record_backtrace(trap, pc, record as usize, fp, stop_fp);
    }
    Resume {
        pc: resume_pc,
        sp: resume_sp,
        fp: stop_fp,
        payload: 0,
    }
}

/// The handler for an exception of tag `tag` at the call returning to
/// `return_address` in the frame whose frame pointer is `fp`, if the call
/// has one that matches.
///
/// # Safety
/// `fp` is the frame pointer of the live wasm frame `return_address`
/// returns into.
unsafe fn handler_in_frame(
    store: &mut dyn crate::store::VMStore,
    tag: TagId,
    fp: usize,
    return_address: usize,
    exn: u32,
) -> Option<Resume> {
    let map = code_registry::lookup(return_address)?;
    let site = map.handler_site(return_address)?;
    let sp = fp.checked_sub(site.frame_offset as usize)?;
    // SAFETY: the call saved the caller's vmctx at this offset from its
    // stack pointer (the handler site says so), and the frame is live.
    let caller_vmctx = unsafe { ((sp + site.vmctx_offset as usize) as *const *const u8).read() };
    // SAFETY: a vmctx saved by generated code is its instance's.
    let (_, instance) = unsafe { context_of(caller_vmctx) };
    let instance = store.opaque().instance(instance);
    let handler = site.handlers.iter().find(|h| match h.tag {
        None => true,
        Some(index) => instance.tag(index) == tag,
    })?;
    Some(Resume {
        pc: map.text_base() + handler.offset as usize,
        sp,
        fp,
        payload: exn as usize,
    })
}
