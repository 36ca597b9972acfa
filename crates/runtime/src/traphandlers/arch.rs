//! Per-architecture code: the entry into wasm `enter_wasm` (inline
//! assembly on x86_64, the stub `egret_enter_wasm` on aarch64), the throw
//! stub `egret_throw_ref`, `egret_resume` and the exit stubs of builtins
//! that may collect garbage (their contracts are declared here, their
//! instructions are in `arch/x86_64.rs` and `arch/aarch64.rs`) and, on
//! aarch64, reading return addresses that may be signed.
//!
//! The symbol directives around the stub depend only on the object format
//! (ELF on Linux, Mach-O on macOS) and come from `asm_function!`, so the
//! per-architecture files contain no per-OS text.

/// Defines the global function `$name` in a `global_asm!` block: the
/// symbol directives of the target's object format around `$line`s, which
/// may refer to `$operands` (`const` operands only).
///
/// ELF: the symbol is `.hidden` (not exported from a shared object) and
/// carries `.type`/`.size` for debuggers and profilers.
#[cfg(target_os = "linux")]
macro_rules! asm_function {
    ($name:literal, [$($line:literal),* $(,)?], $($operands:tt)*) => {
        core::arch::global_asm!(
            ".text",
            ".p2align 4",
            concat!(".globl ", $name),
            concat!(".hidden ", $name),
            concat!(".type ", $name, ", @function"),
            concat!($name, ":"),
            $($line,)*
            concat!(".size ", $name, ", . - ", $name),
            $($operands)*
        );
    };
}

/// Defines the global function `$name` in a `global_asm!` block: the
/// symbol directives of the target's object format around `$line`s, which
/// may refer to `$operands` (`const` operands only).
///
/// Mach-O: C symbols carry a leading underscore (Rust's `extern "C"`
/// declaration of `egret_enter_wasm` refers to `_egret_enter_wasm`),
/// `.private_extern` is ELF's `.hidden`, and there is no `.type` or
/// `.size`. Numeric local labels stay assembler-temporary, so they do not
/// split the function into separate atoms under `.subsections_via_symbols`.
#[cfg(target_vendor = "apple")]
macro_rules! asm_function {
    ($name:literal, [$($line:literal),* $(,)?], $($operands:tt)*) => {
        core::arch::global_asm!(
            ".text",
            ".p2align 4",
            concat!(".globl _", $name),
            concat!(".private_extern _", $name),
            concat!("_", $name, ":"),
            $($line,)*
            $($operands)*
        );
    };
}

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(target_arch = "aarch64")]
pub(super) use aarch64::{egret_enter_wasm as enter_wasm, strip_pointer_authentication};
#[cfg(target_arch = "x86_64")]
mod x86_64;
#[cfg(target_arch = "x86_64")]
pub(super) use x86_64::enter_wasm;

unsafe extern "C" {
    /// The `throw_ref` builtin (see the per-architecture module), called by
    /// generated code with Cranelift's `tail` convention: passes the
    /// exception and the caller's frame record to `throw::throw_from_wasm`.
    pub(super) fn egret_throw_ref(vmctx: *mut u8, exn: u32);

    /// Continues at `pc` with stack pointer `sp` and frame pointer `fp`,
    /// `payload` in the first exception payload register.
    pub(super) fn egret_resume(pc: usize, sp: usize, fp: usize, payload: usize) -> !;

    /// Exit stubs (see the per-architecture module): each records its
    /// frame as the store context's `last_exit_fp`, then calls the builtin
    /// of the same name in `libcalls` with the same arguments. Only their
    /// addresses are taken; the signature is the builtin's.
    pub(super) fn egret_exit_gc_alloc();
    pub(super) fn egret_exit_array_new_data();
    pub(super) fn egret_exit_array_new_elem();
    pub(super) fn egret_exit_exn_new();
    pub(super) fn egret_exit_epoch_deadline_reached();
}
