//! Position-independent machine code: each compiled function's bytes, and
//! [`CodeImage`], one batch of them (a module's functions and trampolines,
//! or one host trampoline) linked into a single text section.
//!
//! Linking happens when the batch is compiled (`link.rs`), not when the
//! code is loaded: calls between the batch's functions are PC-relative and
//! resolved then. What is left for the loader are the relocations against
//! [`HostSymbol`]s (the few math functions Cranelift may call), and every
//! other fact about the code (function ranges, trap sites, exception handlers) is an offset
//! into the text. So the same image can be loaded at any address, now or
//! after being written to disk.

use crate::address_map::AddressMap;
use crate::code::CodeKind;
use crate::traps::TrapReason;
use serde::{Deserialize, Serialize};

/// A host function generated code may call directly: scalar math that
/// Cranelift lowers to a call on targets without the matching instruction
/// (rounding without SSE4.1, fused multiply-add). The loader supplies each.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HostSymbol {
    /// `f32::ceil`.
    CeilF32,
    /// `f64::ceil`.
    CeilF64,
    /// `f32::floor`.
    FloorF32,
    /// `f64::floor`.
    FloorF64,
    /// `f32::trunc`.
    TruncF32,
    /// `f64::trunc`.
    TruncF64,
    /// `f32::round_ties_even`.
    NearestF32,
    /// `f64::round_ties_even`.
    NearestF64,
    /// `f32::mul_add`.
    FmaF32,
    /// `f64::mul_add`.
    FmaF64,
}

/// A function's place in a [`CodeImage`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionLoc {
    /// What the code is.
    pub kind: CodeKind,
    /// Offset of its first byte in the text.
    pub start: u32,
    /// Its length in bytes.
    pub len: u32,
}

/// How the loader patches the text for a host symbol.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HostRelocKind {
    /// Write the symbol's absolute address plus the addend, 8 bytes,
    /// little-endian.
    Abs8,
}

/// A relocation the loader applies: `text[offset..]` gets the address of
/// `symbol` plus `addend`, as `kind` says.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostReloc {
    /// Offset in the text.
    pub offset: u32,
    /// How to patch.
    pub kind: HostRelocKind,
    /// What to point at.
    pub symbol: HostSymbol,
    /// Added to the symbol's address.
    pub addend: i64,
}

/// A call made inside `try_table` (including a `throw`'s call of the
/// `throw_ref` builtin): where the unwinder finds the caller's state and
/// handlers when an exception comes back through it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlerSite {
    /// Offset in the text of the call's return address.
    pub ret_addr: u32,
    /// The caller's frame pointer minus its stack pointer at the call: a
    /// handler runs with the stack pointer restored to that.
    pub frame_offset: u32,
    /// Where the caller's vmctx is saved, as an offset from its stack
    /// pointer at the call: the instance whose tags the handlers name.
    pub vmctx_offset: u32,
    /// The handlers, in the order they are tried.
    pub handlers: Vec<Handler>,
}

/// One handler of a [`HandlerSite`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handler {
    /// The tag it catches, as a tag index of the caller's module; `None`
    /// catches every exception (`catch_all`, `catch_all_ref`).
    pub tag: Option<u32>,
    /// Offset in the text of the handler's first instruction.
    pub offset: u32,
}

/// Where the references that may point into the GC heap lie in a frame
/// suspended at one call (a safepoint), from Cranelift's user stack maps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackMap {
    /// Offset in the text of the call's return address.
    pub ret_addr: u32,
    /// The caller's frame pointer minus its stack pointer at the call.
    pub frame_size: u32,
    /// Offsets from that stack pointer of 32-bit `anyref` slots.
    pub any_slots: Vec<u32>,
    /// Offsets from that stack pointer of 64-bit `externref` slots.
    pub extern_slots: Vec<u32>,
}

/// A batch of functions linked into one position-independent text section.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CodeImage {
    /// The machine code of every function, at its offset. Encoded as one
    /// byte string (not a sequence of numbers), so reading an artifact
    /// copies it in one go.
    #[serde(with = "serde_bytes")]
    pub text: Vec<u8>,
    /// Each function's place, in batch order.
    pub functions: Vec<FunctionLoc>,
    /// Trap sites as (offset in the text, kind), sorted by offset.
    pub traps: Vec<(u32, TrapReason)>,
    /// Relocations against host symbols, for the loader.
    pub host_relocs: Vec<HostReloc>,
    /// Calls with exception handlers, sorted by return address.
    pub handler_sites: Vec<HandlerSite>,
    /// Calls at which a frame holds GC references, sorted by return
    /// address.
    pub stack_maps: Vec<StackMap>,
    /// The wasm instruction each byte of the text came from.
    pub addresses: AddressMap,
}

impl CodeImage {
    /// The place of batch member `i`.
    pub fn function(&self, i: usize) -> FunctionLoc {
        self.functions[i]
    }
}
