//! Where wasm's stack ends: the limit an entry into wasm sets for the
//! thread it runs on.
//!
//! Generated code compares the stack pointer, less its frame size, with
//! the store's stack limit in every prologue (Cranelift's `stack_limit`),
//! so a frame of any size traps with `StackOverflow` before it is
//! allocated. The limit must therefore lie inside the stack of the thread
//! that runs the code, with room to spare below it for host functions that
//! wasm calls at its deepest point. A store remembers which thread its
//! limit belongs to (`VMStoreContext::stack_limit_owner`); an entry on any
//! other thread, or the outermost entry, computes a fresh limit here
//! ([`ThreadStack::limit_for_entry_at`]): `max_wasm_stack`
//! below the current stack pointer, but never closer than
//! [`HOST_STACK_RESERVE`] to the thread's guard page. A thread whose stack
//! is smaller than the configured maximum thus gets the stack it has (a
//! clamp, not an error), and a thread with less than the reserve left
//! traps at once instead of crashing. Code running on a stack the thread
//! library does not know about (a fiber, a coroutine, a segment of a
//! growable stack) is not clamped: there only `max_wasm_stack` applies.

/// Stack kept free below the wasm limit for host functions called from
/// wasm's deepest frame (and the entry path itself).
pub const HOST_STACK_RESERVE: usize = 64 * 1024;

/// A thread's stack as the thread library knows it, reduced to what an
/// entry's limit needs. Looking it up takes system calls, so a thread does
/// it once (`traphandlers` keeps it with the thread's other entry state).
#[derive(Clone, Copy, Debug)]
pub struct ThreadStack {
    /// The lowest usable address (above the guard); 0 where the platform
    /// cannot tell.
    floor: usize,
    /// One past the highest address; 0 where the platform cannot tell.
    top: usize,
    /// The lowest limit on this stack: [`HOST_STACK_RESERVE`] above the
    /// floor.
    lowest_limit: usize,
}

impl ThreadStack {
    /// The calling thread's stack.
    pub fn of_current_thread() -> ThreadStack {
        let (floor, top) = thread_stack_bounds();
        ThreadStack {
            floor,
            top,
            lowest_limit: floor.saturating_add(HOST_STACK_RESERVE),
        }
    }

    /// The limit for an entry into wasm on this thread (whose stack this
    /// is) at stack pointer `sp`, when its store has no limit for this
    /// thread yet: `max_wasm_stack` bytes below `sp`, raised to keep
    /// [`HOST_STACK_RESERVE`] bytes above the floor of the thread's stack
    /// if that is the stack `sp` lies in. Never 0 (which means "no wasm
    /// running").
    pub fn limit_for_entry_at(self, sp: usize, max_wasm_stack: usize) -> usize {
        let on_thread_stack = self.floor <= sp && sp < self.top;
        let lowest = if on_thread_stack {
            self.lowest_limit
        } else {
            1
        };
        sp.saturating_sub(max_wasm_stack).max(lowest)
    }

    /// The lowest limit that [`ThreadStack::limit_for_entry_at`] returns
    /// unchanged: a limit `sp - max_wasm_stack` (without overflow) at or
    /// above it is the entry's limit, wherever `sp` lies. Never 0.
    pub fn lowest_limit(self) -> usize {
        self.lowest_limit
    }
}

/// The stack pointer, or an address close to it (in the current frame),
/// which is close enough for setting the stack limit.
#[inline(always)]
pub(crate) fn approximate_sp() -> usize {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    {
        let sp: usize;
        // SAFETY: only copies the stack pointer into a register.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags));
            #[cfg(target_arch = "aarch64")]
            core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
        }
        sp
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let marker = 0u8;
        std::hint::black_box(&raw const marker).addr()
    }
}

/// The calling thread's stack: its lowest usable address (above the guard
/// area) and one past its highest. `(0, 0)` where the platform cannot tell.
#[cfg(target_os = "linux")]
fn thread_stack_bounds() -> (usize, usize) {
    use std::mem::MaybeUninit;
    let mut attr = MaybeUninit::<libc::pthread_attr_t>::uninit();
    // SAFETY: `attr` is writable; on success it is initialised and must be
    // destroyed, which happens below on every path.
    if unsafe { libc::pthread_getattr_np(libc::pthread_self(), attr.as_mut_ptr()) } != 0 {
        return (0, 0);
    }
    let mut low = std::ptr::null_mut();
    let mut size = 0;
    let mut guard = 0;
    // SAFETY: `attr` was initialised by `pthread_getattr_np`; the out
    // parameters are writable.
    unsafe {
        let ok = libc::pthread_attr_getstack(attr.as_ptr(), &mut low, &mut size) == 0
            && libc::pthread_attr_getguardsize(attr.as_ptr(), &mut guard) == 0;
        libc::pthread_attr_destroy(attr.as_mut_ptr());
        // Older glibc counts the guard inside the reported stack, newer
        // glibc below it: skipping it is right either way, at worst
        // conservative by one guard size.
        if ok {
            (
                low.addr().saturating_add(guard),
                low.addr().saturating_add(size),
            )
        } else {
            (0, 0)
        }
    }
}

/// The calling thread's stack: its lowest usable address (above the guard
/// page) and one past its highest.
#[cfg(target_os = "macos")]
fn thread_stack_bounds() -> (usize, usize) {
    // SAFETY: both functions only read the calling thread's attributes.
    let (top, size) = unsafe {
        let thread = libc::pthread_self();
        (
            libc::pthread_get_stackaddr_np(thread).addr(),
            libc::pthread_get_stacksize_np(thread),
        )
    };
    (
        top.saturating_sub(size)
            .saturating_add(region::page::size()),
        top,
    )
}

/// The calling thread's stack: unknown here, so only `max_wasm_stack`
/// limits wasm.
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn thread_stack_bounds() -> (usize, usize) {
    (0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_frame_lies_within_the_bounds() {
        let (floor, top) = thread_stack_bounds();
        let sp = approximate_sp();
        assert!(
            floor > 0 && floor < sp && sp < top,
            "{floor:#x} {sp:#x} {top:#x}"
        );
    }

    #[test]
    fn a_small_thread_clamps_the_limit_into_its_own_stack() {
        let (limit, sp, floor) = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                (
                    ThreadStack::of_current_thread().limit_for_entry_at(approximate_sp(), 8 << 20),
                    approximate_sp(),
                    thread_stack_bounds().0,
                )
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(limit < sp);
        assert_eq!(limit, floor + HOST_STACK_RESERVE);
    }

    #[test]
    fn a_large_thread_gets_the_configured_maximum() {
        let limit =
            ThreadStack::of_current_thread().limit_for_entry_at(approximate_sp(), 64 * 1024);
        let sp = approximate_sp();
        assert!(sp - limit <= 64 * 1024 + 4096, "{sp:#x} {limit:#x}");
        assert!(limit > thread_stack_bounds().0);
    }
}
