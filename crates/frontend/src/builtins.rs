//! Runtime functions ("builtins") that generated code calls for work it
//! does not inline: growing memories and tables, bulk memory and table
//! operations, dropping segments, creating, reading and throwing
//! exceptions, allocating and filling GC objects.
//!
//! Generated code finds them through the table whose address sits at
//! `VMOffsets::BUILTINS` in every vmctx, so compiled code needs no
//! relocations to the runtime. Each is an `extern "C"` function (the host's
//! default calling convention) taking the caller's vmctx first, except
//! `throw_ref`, an assembly stub with wasm's own convention. The runtime
//! provides the table, in this order, in `egret_runtime::libcalls`.
//!
//! Conventions: indices and lengths are passed widened to `i64` so one
//! signature serves 32- and 64-bit memories; the bulk operations return an
//! `i32` that is nonzero to mean "trap" (the generated code raises the trap
//! kind implied by the operation: memory out of bounds for memory
//! operations, table out of bounds for table operations). Dropping a
//! segment cannot fail and returns nothing. The grow builtins return the
//! old size, [`GROW_FAILED`] when the memory or table cannot grow (wasm
//! sees -1), or [`GROW_TRAP`] when the embedder's resource limiter failed:
//! the runtime has then recorded the limiter's error, and the generated
//! code traps with `HostFunctionFailed`.

#[cfg(feature = "compiler")]
use cranelift_codegen::ir::types::{I32, I64};
#[cfg(feature = "compiler")]
use cranelift_codegen::ir::{AbiParam, Signature, Type};
#[cfg(feature = "compiler")]
use cranelift_codegen::isa::CallConv;

/// What a grow builtin returns when the memory or table cannot grow.
pub const GROW_FAILED: i64 = -1;

/// What a grow builtin returns when the embedder's resource limiter
/// failed: the generated code raises `TrapReason::HostFailed`.
pub const GROW_TRAP: i64 = -2;

/// What `array_new_data` and `array_new_elem` return when the segment
/// is too short: odd, so never a reference to an array (wasm traps
/// `MemoryOutOfBounds` for data, `TableOutOfBounds` for elements).
pub const ARRAY_NEW_OUT_OF_BOUNDS: u32 = 1;

/// What `array_init_data` and `array_init_elem` return when they copied.
pub const SEGMENT_OK: u32 = 0;

/// What `array_init_data` and `array_init_elem` return when the range
/// exceeds the array (wasm traps `ArrayOutOfBounds`).
pub const ARRAY_OUT_OF_BOUNDS: u32 = 1;

/// What `array_init_data` and `array_init_elem` return when the range
/// exceeds the segment (wasm traps `MemoryOutOfBounds` for data,
/// `TableOutOfBounds` for elements, as the specification says).
pub const SEGMENT_OUT_OF_BOUNDS: u32 = 2;

/// What `epoch_deadline_reached` returns to let wasm go on.
pub const EPOCH_CONTINUE: i32 = 0;

/// What `epoch_deadline_reached` returns to make wasm trap `Interrupt`.
pub const EPOCH_INTERRUPT: i32 = 1;

/// What `epoch_deadline_reached` returns when the store's callback failed:
/// wasm traps `HostFunctionFailed`.
pub const EPOCH_FAILED: i32 = 2;

/// Declares the builtin list once: name, parameters after the vmctx, and
/// the result if there is one.
macro_rules! builtins {
    (@result) => { None };
    (@result $ret:ident) => { Some($ret) };
    ($($(#[$doc:meta])* $name:ident ( $($param:ident),* ) $(-> $ret:ident)?;)*) => {
        /// A runtime function callable from generated code.
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        #[allow(non_camel_case_types)]
        pub enum Builtin {
            $($(#[$doc])* $name,)*
        }

        impl Builtin {
            /// Every builtin, in table order.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$name,)*];

            /// Parameter types after the leading vmctx pointer.
            #[cfg(feature = "compiler")]
            pub fn params(self) -> &'static [Type] {
                match self {
                    $(Builtin::$name => &[$($param),*],)*
                }
            }

            /// The result type, if the builtin returns a value.
            #[cfg(feature = "compiler")]
            pub fn result(self) -> Option<Type> {
                match self {
                    $(Builtin::$name => builtins!(@result $($ret)?),)*
                }
            }
        }
    };
}

builtins! {
    /// `(memory, delta_pages) -> old_pages`, `GROW_FAILED` or `GROW_TRAP`.
    memory_grow(I32, I64) -> I64;
    /// `(memory, dst, byte, len) -> trap?`
    memory_fill(I32, I64, I32, I64) -> I32;
    /// `(dst_memory, dst, src_memory, src, len) -> trap?`
    memory_copy(I32, I64, I32, I64, I64) -> I32;
    /// `(memory, data_segment, dst, src, len) -> trap?`
    memory_init(I32, I32, I64, I32, I32) -> I32;
    /// `(data_segment)`
    data_drop(I32);
    /// `(table, delta, init_ref) -> old_size`, `GROW_FAILED` or `GROW_TRAP`.
    table_grow(I32, I64, I64) -> I64;
    /// `(table, dst, ref, len) -> trap?`
    table_fill(I32, I64, I64, I64) -> I32;
    /// `(dst_table, dst, src_table, src, len) -> trap?`
    table_copy(I32, I64, I32, I64, I64) -> I32;
    /// `(table, elem_segment, dst, src, len) -> trap?`
    table_init(I32, I32, I64, I32, I32) -> I32;
    /// `(elem_segment)`
    elem_drop(I32);
    /// `(actual_type_id, expected_type_id) -> is_subtype`: 1 when the
    /// first engine type is the second or declared as its subtype.
    is_subtype(I32, I32) -> I32;
    /// `(tag, fields, count) -> exnref`: a new exception of the caller's
    /// tag `tag` (a tag index of its module), its `count` fields (as many
    /// as the tag's type has parameters) read from an array of 16-byte
    /// value slots. Null (0) when the store cannot hold another one: the
    /// reason is recorded and the generated code traps
    /// `HostFunctionFailed`.
    exn_new(I32, I64, I32) -> I32;
    /// `(exnref, fields, count)`: writes the exception's `count` fields to
    /// an array of 16-byte value slots (nothing if it has another count).
    exn_fields(I32, I64, I32);
    /// `(type, size, length) -> reference`: a new object of the caller's
    /// struct or array type `type` (a type index of its module), `size`
    /// bytes with its header, an array's `length` set, zero elsewhere.
    /// Null (0) when the GC heap cannot hold it: the reason is recorded
    /// and the generated code traps `HostFunctionFailed`.
    gc_alloc(I32, I64, I32) -> I32;
    /// `(array, index, count, value, element_size) -> trap?`: sets `count`
    /// elements from `index` to the `element_size` bytes at `value`.
    array_fill(I32, I32, I32, I64, I32) -> I32;
    /// `(type, data_segment, offset, length) -> array`: a new array of the
    /// caller's array type `type` holding `length` elements read from the
    /// data segment at byte `offset`; [`ARRAY_NEW_OUT_OF_BOUNDS`] if the
    /// segment is too short, 0 if the heap cannot hold the array (recorded;
    /// wasm traps `HostFunctionFailed`).
    array_new_data(I32, I32, I32, I32) -> I32;
    /// `(type, elem_segment, offset, length) -> array`: likewise with
    /// items of an element segment.
    array_new_elem(I32, I32, I32, I32) -> I32;
    /// `(array, index, data_segment, offset, count, element_size) ->
    /// status`: copies `count` elements of `element_size` bytes from the
    /// data segment at byte `offset` into the array from `index`:
    /// [`SEGMENT_OK`], [`ARRAY_OUT_OF_BOUNDS`] or
    /// [`SEGMENT_OUT_OF_BOUNDS`] (checked in that order).
    array_init_data(I32, I32, I32, I32, I32, I32) -> I32;
    /// `(array, index, elem_segment, offset, count, element_size) ->
    /// status`: likewise from an element segment's items.
    array_init_elem(I32, I32, I32, I32, I32, I32) -> I32;
    /// `(dst_array, dst, src_array, src, count, element_size) -> trap?`:
    /// copies `count` elements between arrays (the ranges may overlap).
    array_copy(I32, I32, I32, I32, I32, I32) -> I32;
    /// `() -> what next`: the epoch deadline was reached; the store's
    /// callback, if any, decides: [`EPOCH_CONTINUE`] (it moved the
    /// deadline), [`EPOCH_INTERRUPT`] (trap `Interrupt`) or
    /// [`EPOCH_FAILED`] (trap `HostFunctionFailed`; the error is recorded).
    epoch_deadline_reached() -> I32;
    /// `(exnref)`: throws the (non-null) exception. Never returns: it
    /// resumes at the handler that catches it, or at the host's entry into
    /// wasm. The one builtin with the `Tail` convention (see
    /// [`Builtin::call_conv`]).
    throw_ref(I32);
}

impl Builtin {
    /// Position in the builtins table.
    pub fn index(self) -> usize {
        Builtin::ALL
            .iter()
            .position(|b| *b == self)
            .expect("every builtin is in ALL")
    }

    /// Byte offset of this builtin's pointer in the builtins table.
    pub fn table_offset(self) -> i32 {
        (self.index() * 8) as i32
    }

    /// The calling convention of the builtin, given the host's. `throw_ref`
    /// is an assembly stub with wasm's `Tail` convention: it is called with
    /// `try_call` inside `try_table`, and a `try_call` to a `Tail` callee
    /// assumes every register clobbered on the exceptional edge, which is
    /// what resuming at a handler (without restoring any register) needs.
    #[cfg(feature = "compiler")]
    pub fn call_conv(self, host: CallConv) -> CallConv {
        match self {
            Builtin::throw_ref => CallConv::Tail,
            _ => host,
        }
    }

    /// The Cranelift signature: vmctx, then `params()`, returning
    /// `result()`, in the builtin's convention given the host's.
    #[cfg(feature = "compiler")]
    pub fn signature(self, host: CallConv) -> Signature {
        let mut sig = Signature::new(self.call_conv(host));
        sig.params.push(AbiParam::new(I64));
        sig.params
            .extend(self.params().iter().map(|t| AbiParam::new(*t)));
        sig.returns.extend(self.result().map(AbiParam::new));
        sig
    }
}
