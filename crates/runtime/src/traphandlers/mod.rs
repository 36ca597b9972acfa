//! Entering wasm and catching its traps: the signal handlers, the per-thread
//! chain of wasm activations, and [`invoke_wasm`], the one way the host
//! calls generated code.
//!
//! A call goes through a small piece of assembly, the entry stub (inline
//! on x86_64, a function on aarch64), that has the host's callee-saved
//! registers saved and records a resume point (pc, sp, fp) in the thread's
//! innermost `Activation`. When generated code faults at a trap site, the
//! signal handler records the trap and a frame-pointer backtrace in that
//! activation, then rewrites the signal context so that returning from the
//! handler lands on the stub's resume label, which restores the registers
//! and yields 1. Only generated code lies between the stub and the fault,
//! so no Rust frame is skipped. See docs/traps.md. A wasm exception
//! travels the same way, without a signal: `throw` finds its handler by
//! walking the same frames, and continues there or at the resume label.
//!
//! This module is the same on every target. What is not lives in
//! submodules: `arch` (the stub per architecture, wrapped in per object
//! format symbol directives; on aarch64, stripping return-address
//! signatures) and `context` (signal-context registers per OS and
//! architecture, and per OS whether a signal reports a fault).

use crate::code_registry;
use crate::stack_limit::{ThreadStack, approximate_sp};
use crate::vmcontext::VMStoreContext;
use egret_frontend::builtins::Builtin;
use egret_frontend::traps::TrapReason;
use std::cell::{Cell, OnceCell};
use std::ffi::{c_int, c_void};
use std::mem::{self, MaybeUninit};
use std::ptr;
use std::sync::{Once, OnceLock};

mod arch;
mod context;
mod throw;

use arch::enter_wasm;

/// Most frames a trap's backtrace records (the faulting pc included).
pub const MAX_TRAP_FRAMES: usize = 256;

/// Size of the alternate signal stack given to threads that run wasm, and
/// the size an already installed one must have for us to keep it. Large
/// enough for the kernel's signal frame (tens of KiB with SVE or SME
/// state) plus our handler and any handler we forward to; the pages are
/// only committed when touched.
const ALT_STACK_SIZE: usize = 256 * 1024;

/// The signals generated code raises: SIGSEGV and SIGBUS for memory
/// accesses, SIGILL for explicit traps (`ud2`), SIGFPE for integer
/// division.
#[cfg(target_arch = "x86_64")]
const SIGNALS: [c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];
/// The signals generated code raises: SIGSEGV and SIGBUS for memory
/// accesses (on macOS, touching a mapped but inaccessible page, such as a
/// guard page, is SIGBUS), SIGILL for explicit traps (`udf`). Division
/// never faults on aarch64: Cranelift checks the operands and traps with
/// `udf`, so there is no SIGFPE.
#[cfg(target_arch = "aarch64")]
const SIGNALS: [c_int; 3] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL];

/// A trap caught while running wasm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrapRecord {
    /// What went wrong.
    pub kind: TrapReason,
    /// Address of the faulting instruction.
    pub pc: usize,
    /// The address whose access faulted (memory faults only). The kernel
    /// reports 0 for accesses it cannot attribute to an address, such as
    /// non-canonical addresses on x86_64.
    pub fault_address: Option<usize>,
    /// The faulting pc, then the return address of each wasm frame,
    /// innermost first, ending in the array-call trampoline (the return
    /// address into the entry stub is not included). Every entry lies in
    /// generated code.
    pub frames: Vec<usize>,
    /// Whether `frames` stops short of the trampoline: the backtrace had
    /// more than [`MAX_TRAP_FRAMES`] entries, or the frame-pointer chain
    /// was broken.
    pub truncated: bool,
}

/// Where execution resumes after a trap: inside the entry stub, with its
/// frame intact. Written by the stub (at these `repr(C)` offsets) before
/// it calls generated code.
#[repr(C)]
struct ResumePoint {
    /// The stub's resume label.
    pc: usize,
    /// The stub's stack pointer after saving registers.
    sp: usize,
    /// The stub's frame pointer; frame walks stop here.
    fp: usize,
}

/// What the signal handler (or the unwinder) records about a trap.
/// Written by whoever sends a call to the resume label, before it does:
/// an entry that returns normally never initialises it.
struct TrapState {
    kind: TrapReason,
    pc: usize,
    fault_address: Option<usize>,
    /// The first `frame_count` entries are initialised.
    frames: [MaybeUninit<usize>; MAX_TRAP_FRAMES],
    frame_count: usize,
    truncated: bool,
}

impl Activation {
    /// Where a trapped call resumes.
    ///
    /// # Safety
    /// The activation's entry stub has recorded it: generated code of
    /// this activation runs (or ran).
    unsafe fn resume(&self) -> &ResumePoint {
        // SAFETY: per the contract, the stub wrote all three fields.
        unsafe { self.resume.assume_init_ref() }
    }
}

impl TrapState {
    /// Starts the record of a trap in `slot`, without frames yet.
    fn start(
        slot: &mut MaybeUninit<TrapState>,
        kind: TrapReason,
        pc: usize,
        fault_address: Option<usize>,
    ) -> &mut TrapState {
        let trap = slot.as_mut_ptr();
        // SAFETY: `trap` points to `slot`, valid for writes; after every
        // field but `frames` is written, the whole is initialised, since
        // `frames` holds `MaybeUninit`s.
        unsafe {
            (&raw mut (*trap).kind).write(kind);
            (&raw mut (*trap).pc).write(pc);
            (&raw mut (*trap).fault_address).write(fault_address);
            (&raw mut (*trap).frame_count).write(0);
            (&raw mut (*trap).truncated).write(false);
            slot.assume_init_mut()
        }
    }
}

/// One call from the host into wasm on this thread; lives in the frame
/// [`invoke_wasm`] is inlined into, linked to the enclosing activation.
struct Activation {
    /// Written by the entry stub before it calls generated code, so
    /// initialised whenever anything reads it: the signal handler (for a
    /// fault in generated code), the unwinder and frame walks (from code
    /// that generated code called) only look at activations whose stub
    /// runs.
    resume: MaybeUninit<ResumePoint>,
    prev: *mut Activation,
    /// Initialised when, and only when, the stub returns 1.
    trap: MaybeUninit<TrapState>,
    /// The context of the store this call runs.
    store_ctx: *const VMStoreContext,
    /// The store's `last_exit_fp` when this call began: the exit of the
    /// store's enclosing activation, put back when this one returns.
    outer_exit_fp: usize,
    /// The store's stack limit and its owner when this call began, put
    /// back when it returns: 0 and 0 for the store's outermost call, else
    /// the limit of its enclosing call and the thread that runs it.
    outer_limit: (usize, usize),
}

/// Everything an entry into wasm needs of its thread, in one thread-local
/// so that an entry computes one thread-local address. Its address also
/// identifies the thread (`VMStoreContext::stack_limit_owner`): unique
/// among the threads alive, never 0.
struct EntryThread {
    /// The innermost activation (null when no wasm runs).
    activation: Cell<*mut Activation>,
    /// The thread's stack, `None` until [`prepare_thread`] ran on it.
    stack: Cell<Option<ThreadStack>>,
    /// The stack's `ThreadStack::lowest_limit` once the thread is prepared,
    /// `usize::MAX` before: a new entry whose `sp - max_wasm_stack` is at
    /// least this takes that as its limit without looking further (see
    /// [`new_entry_limit`]).
    lowest_limit: Cell<usize>,
}

thread_local! {
    /// This thread's entry state. Const initialised and without
    /// destructor, so the signal handler reads it without allocating or
    /// registering anything.
    static ENTRY_THREAD: EntryThread = const {
        EntryThread {
            activation: Cell::new(ptr::null_mut()),
            stack: Cell::new(None),
            lowest_limit: Cell::new(usize::MAX),
        }
    };

    /// This thread's alternate signal stack, if we installed one.
    static ALT_STACK: OnceCell<Option<AltStack>> = const { OnceCell::new() };
}

/// This thread's entry state: valid until the thread ends.
#[inline]
fn entry_thread() -> *const EntryThread {
    ENTRY_THREAD.with(ptr::from_ref)
}

/// This thread's innermost activation (null when no wasm runs).
fn innermost_activation() -> *mut Activation {
    ENTRY_THREAD.with(|thread| thread.activation.get())
}

/// Calls generated code through its array-call trampoline, catching traps.
///
/// `array_call` is called as `array_call(callee_vmctx, caller_vmctx,
/// wasm_call, values)` with the host's C calling convention (see
/// `egret_frontend::abi`). If the store's current stack limit was set on
/// this thread (a host function called from wasm calling back in), the call
/// keeps it, so nesting does not extend wasm's stack budget; any other call
/// (the outermost one, or one made on another thread by a host function
/// that sent its `Caller` there) sets a fresh limit for this thread's stack
/// (see [`crate::stack_limit`]). Either way the store's previous limit is
/// back in place when the call returns.
///
/// Inlined into the caller, so that the host's path into wasm has one
/// Rust frame; what only a trap or a thread's first entry needs is in cold
/// functions.
///
/// # Safety
///
/// - `store_ctx` is valid for reads and writes and is not used by another
///   thread during the call, and its store is lent there
///   (`VMStoreContext::store`, see `VMStore::call`): libcalls and host
///   functions find the store through it.
/// - `array_call`, `callee_vmctx`, `caller_vmctx`, `wasm_call` and `values`
///   satisfy the trampoline's contract (matching signature, a values array
///   large enough for the parameters and results).
/// - All generated code that may run is registered in
///   [`code_registry`] and keeps frame pointers; host functions it calls
///   do not unwind into it.
#[inline]
pub unsafe fn invoke_wasm(
    store_ctx: *mut VMStoreContext,
    max_wasm_stack: usize,
    array_call: *const u8,
    callee_vmctx: *mut u8,
    caller_vmctx: *mut u8,
    wasm_call: *const u8,
    values: *mut u128,
) -> Result<(), Box<TrapRecord>> {
    // SAFETY: the entry state lives as long as this thread, and is only
    // used through shared references.
    let thread = unsafe { &*entry_thread() };
    let this_thread = ptr::from_ref(thread).addr();
    // SAFETY: the caller guarantees `store_ctx` is valid and ours.
    let outer_limit = unsafe { ((*store_ctx).stack_limit, (*store_ctx).stack_limit_owner) };
    // The owner is 0 while the limit is: this is a nested entry on the
    // thread of a running one, which prepared the thread.
    let nested_here = outer_limit.1 == this_thread;
    if !nested_here {
        let limit = new_entry_limit(thread, max_wasm_stack);
        // SAFETY: as above.
        unsafe {
            (*store_ctx).stack_limit = limit;
            (*store_ctx).stack_limit_owner = this_thread;
        }
    }

    let mut activation = Activation {
        resume: MaybeUninit::uninit(),
        store_ctx,
        // SAFETY: as above.
        outer_exit_fp: unsafe { (*store_ctx).last_exit_fp },
        prev: thread.activation.get(),
        trap: MaybeUninit::uninit(),
        outer_limit,
    };
    let activation_ptr = &raw mut activation;
    thread.activation.set(activation_ptr);
    // SAFETY: as above.
    unsafe { (*store_ctx).last_exit_fp = 0 };
    // SAFETY: the stub restores every callee-saved register it does not
    // declare clobbered, on both paths, and calls the trampoline as the
    // caller promised it may be called. The activation outlives the call; the signal handler
    // and the unwinder write to it only through the thread-local
    // pointer while this frame is suspended in the stub.
    let trapped = unsafe {
        enter_wasm(
            callee_vmctx,
            caller_vmctx,
            wasm_call,
            values,
            array_call,
            (&raw mut (*activation_ptr).resume).cast(),
        )
    };
    thread.activation.set(activation.prev);
    // SAFETY: as above; no reference to the store context is live. A
    // nested entry found the limit in place and puts back the same.
    unsafe {
        (*store_ctx).last_exit_fp = activation.outer_exit_fp;
        ((*store_ctx).stack_limit, (*store_ctx).stack_limit_owner) = activation.outer_limit;
    }

    if trapped == 0 {
        return Ok(());
    }
    // SAFETY: the stub returned 1, so the handler or the unwinder
    // recorded the trap.
    Err(trap_record(unsafe { activation.trap.assume_init_ref() }))
}

/// The stack limit of a new entry into wasm on `thread`, the calling
/// thread (see [`ThreadStack::limit_for_entry_at`]): `max_wasm_stack`
/// below the stack pointer, which is the answer whenever that is at least
/// the thread's lowest limit, one comparison once the thread is prepared;
/// the rest is in a cold function.
#[inline(always)]
fn new_entry_limit(thread: &EntryThread, max_wasm_stack: usize) -> usize {
    let sp = approximate_sp();
    match sp.checked_sub(max_wasm_stack) {
        Some(limit) if limit >= thread.lowest_limit.get() => limit,
        _ => new_entry_limit_cold(thread, sp, max_wasm_stack),
    }
}

/// [`new_entry_limit`] for a thread not prepared yet, a limit near the
/// stack's floor or off the thread's stack.
#[cold]
#[inline(never)]
fn new_entry_limit_cold(thread: &EntryThread, sp: usize, max_wasm_stack: usize) -> usize {
    let stack = thread.stack.get().unwrap_or_else(|| prepare_thread(thread));
    stack.limit_for_entry_at(sp, max_wasm_stack)
}

/// The record of a trapped call, from what its activation holds.
#[cold]
#[inline(never)]
fn trap_record(trap: &TrapState) -> Box<TrapRecord> {
    let frames = trap.frames[..trap.frame_count]
        .iter()
        // SAFETY: the handler initialised the first `frame_count` frames.
        .map(|f| unsafe { f.assume_init() })
        .collect();
    Box::new(TrapRecord {
        kind: trap.kind,
        pc: trap.pc,
        fault_address: trap.fault_address,
        frames,
        truncated: trap.truncated,
    })
}

/// The address of the `throw_ref` builtin, a stub that generated code
/// calls with Cranelift's `tail` convention (see `throw`).
pub fn throw_ref_builtin() -> *const u8 {
    arch::egret_throw_ref as *const u8
}

/// The address of the exit stub of `builtin`, one of those that may
/// collect garbage, which records the wasm caller's frame as the store's
/// last exit and calls the builtin's implementation in `libcalls`.
///
/// # Panics
/// For a builtin without an exit stub (a bug in the builtins table).
pub(crate) fn exit_stub(builtin: Builtin) -> *const u8 {
    match builtin {
        Builtin::gc_alloc => arch::egret_exit_gc_alloc as *const u8,
        Builtin::array_new_data => arch::egret_exit_array_new_data as *const u8,
        Builtin::array_new_elem => arch::egret_exit_array_new_elem as *const u8,
        Builtin::exn_new => arch::egret_exit_exn_new as *const u8,
        Builtin::epoch_deadline_reached => arch::egret_exit_epoch_deadline_reached as *const u8,
        other => panic!("the builtin {other:?} has no exit stub"),
    }
}

/// Calls `visit(fp, return_address)` for every frame of wasm code that the
/// store of `store_ctx` has suspended on this thread, innermost first:
/// `fp` is the frame pointer of the frame `return_address` returns into
/// (frames of trampolines included; they have no stack maps). Walks each
/// activation of the store from its last exit to code that may collect
/// garbage (`VMStoreContext::last_exit_fp`) up to its entry stub.
///
/// Returns `false`, having visited only some frames, when the walk cannot
/// be complete: an activation of the store has no recorded exit, the
/// frame-pointer chain is broken, or the store has activations on another
/// thread (a host function that sent its `Caller` there). The collector
/// then frees nothing.
///
/// The store's calls into wasm nest (each holds the store), so each but
/// the outermost began while the one before it ran, and recorded that
/// one's thread (the owner of the stack limit then, see [`invoke_wasm`]).
/// If the innermost runs here (it owns the limit now) and every one found
/// here began while none ran, or while one ran here, none runs elsewhere:
/// the newest one elsewhere would be followed by one here that began
/// while it ran.
///
/// # Safety
/// `store_ctx` is the live context of a store in use on this thread (the
/// caller holds it), whose recorded exits are frame records on this
/// thread's stack while their activations are live.
pub(crate) unsafe fn walk_wasm_frames(
    store_ctx: *const VMStoreContext,
    visit: &mut dyn FnMut(usize, usize),
) -> bool {
    let this_thread = entry_thread().addr();
    // SAFETY: per the contract.
    let (mut exit_fp, limit, owner) = unsafe {
        let context = &*store_ctx;
        (
            context.last_exit_fp,
            context.stack_limit,
            context.stack_limit_owner,
        )
    };
    if limit != 0 && owner != this_thread {
        return false;
    }
    let mut activation = innermost_activation();
    while !activation.is_null() {
        // SAFETY: activations on the chain are live frames of
        // `invoke_wasm` on this thread, suspended while wasm runs.
        // Their stubs have recorded their resume points.
        let (this_store, stop_fp, outer_exit_fp, outer_owner, prev) = unsafe {
            let a = &*activation;
            (
                a.store_ctx,
                a.resume().fp,
                a.outer_exit_fp,
                a.outer_limit.1,
                a.prev,
            )
        };
        if ptr::eq(this_store, store_ctx) {
            // SAFETY: the exit was recorded by this activation's wasm
            // (each entry clears it), so it is a frame record below the
            // entry stub's frame on this thread's stack.
            if exit_fp == 0 || !unsafe { walk_activation(exit_fp, stop_fp, visit) } {
                return false;
            }
            exit_fp = outer_exit_fp;
            if outer_owner != 0 && outer_owner != this_thread {
                return false;
            }
        }
        activation = prev;
    }
    true
}

/// Visits the frames from the exit record `exit_fp` up to the entry
/// stub's frame `stop_fp`; `false` if the chain is broken before.
///
/// # Safety
/// `exit_fp` is a frame record of wasm code (an exit stub's or a host
/// trampoline's) in the activation whose entry stub has frame pointer
/// `stop_fp`, which is suspended.
unsafe fn walk_activation(
    exit_fp: usize,
    stop_fp: usize,
    visit: &mut dyn FnMut(usize, usize),
) -> bool {
    let mut record = exit_fp;
    loop {
        // SAFETY: `record` is the exit record or a frame pointer checked
        // below to lie between it and the entry stub's frame.
        let (fp, return_address) = unsafe {
            let words = record as *const usize;
            (words.read(), words.add(1).read())
        };
        #[cfg(target_arch = "aarch64")]
        let return_address = arch::strip_pointer_authentication(return_address);
        if fp == stop_fp {
            return true;
        }
        if fp <= record || fp > stop_fp || !fp.is_multiple_of(mem::align_of::<usize>()) {
            return false;
        }
        visit(fp, return_address);
        record = fp;
    }
}

/// The signal actions in place before ours, in `SIGNALS` order.
static PREVIOUS_ACTIONS: OnceLock<[libc::sigaction; SIGNALS.len()]> = OnceLock::new();

/// Installs the signal handlers, once per process.
fn install_signal_handlers() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Record the previous actions before installing ours, so the
        // handler can always forward.
        let previous = SIGNALS.map(|signal| {
            let mut old = MaybeUninit::<libc::sigaction>::uninit();
            // SAFETY: a null new action only queries; `old` is writable.
            let rc = unsafe { libc::sigaction(signal, ptr::null(), old.as_mut_ptr()) };
            assert_eq!(rc, 0, "sigaction({signal}) failed");
            // SAFETY: sigaction succeeded, so it filled in `old`.
            unsafe { old.assume_init() }
        });
        PREVIOUS_ACTIONS.get_or_init(|| previous);

        let handler: unsafe extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) = handle_signal;
        let mut action = empty_action();
        action.sa_sigaction = handler as libc::sighandler_t;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
        for signal in SIGNALS {
            // SAFETY: `action` is fully initialised and `handle_signal`
            // has the SA_SIGINFO signature.
            let rc = unsafe { libc::sigaction(signal, &action, ptr::null_mut()) };
            assert_eq!(rc, 0, "sigaction({signal}) failed");
        }
    });
}

/// A `sigaction` with `SIG_DFL`, no flags and an empty mask.
fn empty_action() -> libc::sigaction {
    // SAFETY: `sigaction` is plain data; all-zero is `SIG_DFL`, no flags.
    let mut action: libc::sigaction = unsafe { mem::zeroed() };
    // SAFETY: `sa_mask` is a valid, writable signal set.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    action
}

/// The signal handler.
///
/// # Safety
///
/// Called by the kernel with a valid `siginfo_t` and `ucontext_t`.
unsafe extern "C" fn handle_signal(signal: c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) {
    let ctx = ctx.cast::<libc::ucontext_t>();
    // SAFETY: the kernel passes valid pointers.
    if unsafe { catch_trap(signal, info, ctx) } {
        return;
    }
    // SAFETY: as above.
    unsafe { forward_signal(signal, info, ctx.cast()) }
}

/// If the fault is a trap of wasm running on this thread, records it and
/// redirects the context to the activation's resume point.
///
/// # Safety
///
/// `info` and `ctx` are the handler's valid arguments.
unsafe fn catch_trap(
    signal: c_int,
    info: *mut libc::siginfo_t,
    ctx: *mut libc::ucontext_t,
) -> bool {
    let activation = innermost_activation();
    // Only faults are traps; a signal sent with kill() or raise() is never
    // ours (as far as the OS lets us tell, see `context::is_fault`).
    // SAFETY: `info` is valid.
    if activation.is_null() || !context::is_fault(unsafe { &*info }) {
        return false;
    }
    // SAFETY: `ctx` is valid.
    let (pc, sp, fp) = unsafe { (context::pc(ctx), context::sp(ctx), context::fp(ctx)) };
    let Some(kind) = code_registry::trap_at(pc) else {
        return false;
    };
    // SAFETY: a non-null innermost activation is that of an
    // `invoke_wasm` frame on this thread, suspended in the entry stub (the
    // fault is in generated code it called); nothing else references it.
    let activation = unsafe { &mut *activation };
    let fault_address = match signal {
        // The faulting data address (Linux: from the kernel's fault
        // handling; macOS: the exception state's FAR). `libc` has an
        // `si_addr()` method on both.
        // SAFETY: `info` is valid, and for these signals `si_addr` is set.
        libc::SIGSEGV | libc::SIGBUS => Some(unsafe { (*info).si_addr() }.addr()),
        _ => None,
    };
    // SAFETY: the fault is in generated code, which its stub called after
    // recording the resume point.
    let resume = unsafe { activation.resume() };
    let (resume_pc, resume_sp, resume_fp) = (resume.pc, resume.sp, resume.fp);
    let trap = TrapState::start(&mut activation.trap, kind, pc, fault_address);
    // SAFETY: the fault happened in generated code called by the stub, so
    // the stack from `sp` up to the stub's frame is this thread's live
    // stack, holding frame records of generated code.
    unsafe { record_backtrace(trap, pc, sp, fp, resume_fp) };
    // SAFETY: `ctx` is valid; the resume point was recorded by the stub,
    // whose frame is still live below `invoke_wasm`.
    unsafe { context::set_resume(ctx, resume_pc, resume_sp, resume_fp) };
    true
}

/// Records `pc` and the return addresses found by following the frame
/// pointer chain from `fp` up to the stub's frame at `stop_fp` as the
/// frames of `trap`.
///
/// Each frame record is two words: the caller's frame pointer, then the
/// return address. The record whose saved frame pointer is `stop_fp` is the
/// trampoline's, whose return address points into the stub, so the walk
/// stops there. A frame pointer outside `sp..stop_fp`, unaligned or not
/// increasing ends the walk as truncated.
///
/// # Safety
///
/// `sp..stop_fp` is readable stack memory of the current thread.
unsafe fn record_backtrace(
    trap: &mut TrapState,
    pc: usize,
    sp: usize,
    mut fp: usize,
    stop_fp: usize,
) {
    trap.frames[0].write(pc);
    trap.frame_count = 1;
    trap.truncated = false;
    let mut low = sp;
    while fp != stop_fp {
        if fp < low || fp >= stop_fp || !fp.is_multiple_of(mem::align_of::<usize>()) {
            trap.truncated = true;
            return;
        }
        let record = fp as *const usize;
        // SAFETY: `fp` is aligned and within `sp..stop_fp`, and the stub's
        // frame lies at `stop_fp` and above, so both words are readable.
        let (caller_fp, return_address) = unsafe { (record.read(), record.add(1).read()) };
        if caller_fp == stop_fp {
            return;
        }
        if trap.frame_count == MAX_TRAP_FRAMES {
            trap.truncated = true;
            return;
        }
        // Signed on macOS, where Cranelift signs return addresses.
        #[cfg(target_arch = "aarch64")]
        let return_address = arch::strip_pointer_authentication(return_address);
        trap.frames[trap.frame_count].write(return_address);
        trap.frame_count += 1;
        low = fp + 2 * mem::size_of::<usize>();
        fp = caller_fp;
    }
}

/// Passes a signal that is not a wasm trap to the handler that was
/// installed before ours. If that was the default action (or "ignore"),
/// the default is restored and the handler returns, so the faulting
/// instruction runs again and the process dies as it would have.
///
/// # Safety
///
/// The arguments are the handler's valid arguments.
unsafe fn forward_signal(signal: c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) {
    let previous = PREVIOUS_ACTIONS.get().and_then(|actions| {
        SIGNALS
            .iter()
            .position(|&s| s == signal)
            .map(|i| &actions[i])
    });
    let Some(previous) =
        previous.filter(|p| p.sa_sigaction != libc::SIG_DFL && p.sa_sigaction != libc::SIG_IGN)
    else {
        let action = empty_action();
        // SAFETY: `action` is a valid SIG_DFL action.
        unsafe { libc::sigaction(signal, &action, ptr::null_mut()) };
        return;
    };
    if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: with SA_SIGINFO, `sa_sigaction` is a three-argument handler.
        let handler = unsafe {
            mem::transmute::<
                libc::sighandler_t,
                unsafe extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void),
            >(previous.sa_sigaction)
        };
        // SAFETY: we pass on the arguments the kernel gave us.
        unsafe { handler(signal, info, ctx) }
    } else {
        // SAFETY: without SA_SIGINFO, `sa_sigaction` is a one-argument handler.
        let handler = unsafe {
            mem::transmute::<libc::sighandler_t, unsafe extern "C" fn(c_int)>(previous.sa_sigaction)
        };
        // SAFETY: calling a signal handler from a handler for its signal.
        unsafe { handler(signal) }
    }
}

/// Makes this thread ready to run wasm, the first time it does: the
/// process's signal handlers, this thread's alternate signal stack and
/// its stack bounds, which it returns.
#[cold]
#[inline(never)]
fn prepare_thread(thread: &EntryThread) -> ThreadStack {
    install_signal_handlers();
    ensure_alt_stack();
    let stack = ThreadStack::of_current_thread();
    thread.stack.set(Some(stack));
    thread.lowest_limit.set(stack.lowest_limit());
    stack
}

/// Gives this thread an alternate signal stack, once, unless it already
/// has a large enough one, so that the handler can run even when a fault
/// happens with the thread's stack exhausted.
fn ensure_alt_stack() {
    // During thread teardown the slot may already be gone; wasm running
    // then simply has no alternate stack of ours.
    let _ = ALT_STACK.try_with(|slot| {
        slot.get_or_init(AltStack::install);
    });
}

/// An alternate signal stack we mapped and installed: `ALT_STACK_SIZE`
/// bytes above one inaccessible guard page.
struct AltStack {
    mapping: *mut c_void,
    mapping_len: usize,
}

impl AltStack {
    /// Installs a new stack unless the thread has one of at least
    /// `ALT_STACK_SIZE` bytes.
    fn install() -> Option<AltStack> {
        let mut current = MaybeUninit::<libc::stack_t>::uninit();
        // SAFETY: a null new stack only queries; `current` is writable.
        let rc = unsafe { libc::sigaltstack(ptr::null(), current.as_mut_ptr()) };
        assert_eq!(rc, 0, "sigaltstack failed");
        // SAFETY: sigaltstack succeeded, so it filled in `current`.
        let current = unsafe { current.assume_init() };
        if current.ss_flags & libc::SS_DISABLE == 0 && current.ss_size >= ALT_STACK_SIZE {
            return None;
        }

        let guard = region::page::size();
        let mapping_len = guard + ALT_STACK_SIZE;
        // SAFETY: a fresh anonymous mapping; no existing memory is affected.
        let mapping = unsafe {
            libc::mmap(
                ptr::null_mut(),
                mapping_len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if mapping == libc::MAP_FAILED {
            panic!(
                "cannot map a signal stack: {}",
                std::io::Error::last_os_error()
            );
        }
        // From here on, dropping `stack` unmaps the memory.
        let stack = AltStack {
            mapping,
            mapping_len,
        };
        let stack_base = stack.stack_base();
        // SAFETY: `stack_base..+ALT_STACK_SIZE` lies inside our mapping.
        let rc = unsafe {
            libc::mprotect(
                stack_base,
                ALT_STACK_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        };
        assert_eq!(rc, 0, "mprotect of the signal stack failed");
        let new = libc::stack_t {
            ss_sp: stack_base,
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        // SAFETY: `new` describes readable, writable memory that stays
        // mapped until `stack` is dropped, which disables it first.
        let rc = unsafe { libc::sigaltstack(&new, ptr::null_mut()) };
        assert_eq!(rc, 0, "sigaltstack failed");
        Some(stack)
    }
}

impl AltStack {
    /// The lowest address of the usable stack, just above the guard page.
    fn stack_base(&self) -> *mut c_void {
        self.mapping
            .wrapping_byte_add(self.mapping_len - ALT_STACK_SIZE)
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        let mut current = MaybeUninit::<libc::stack_t>::uninit();
        // SAFETY: a null new stack only queries; `current` is writable.
        let rc = unsafe { libc::sigaltstack(ptr::null(), current.as_mut_ptr()) };
        // SAFETY: on success, sigaltstack filled in `current`.
        if rc == 0 && unsafe { current.assume_init_ref() }.ss_sp == self.stack_base() {
            let disable = libc::stack_t {
                ss_sp: ptr::null_mut(),
                ss_flags: libc::SS_DISABLE,
                ss_size: 0,
            };
            // SAFETY: disabling the alternate stack; we are not running on
            // it (thread-local destructors do not run in signal handlers).
            unsafe { libc::sigaltstack(&disable, ptr::null_mut()) };
        }
        // SAFETY: the mapping is ours and no longer installed.
        unsafe { libc::munmap(self.mapping, self.mapping_len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_have_distinct_entry_states() {
        let here = entry_thread().addr();
        let there = std::thread::spawn(|| entry_thread().addr()).join().unwrap();
        assert!(here != 0 && here != there);
        assert_eq!(here, entry_thread().addr());
    }
}
