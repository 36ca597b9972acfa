//! `V128`: the value of a wasm `v128`, as Wasmtime has it (what
//! [`Val::V128`](crate::Val::V128) holds and typed functions take and
//! return for `v128`).

use std::fmt;

/// A 128-bit wasm SIMD value. Kept as bytes in native order, so that it
/// has the alignment of a byte and does not widen [`Val`](crate::Val).
///
/// ```
/// use egret::V128;
/// let v = V128::from(0x0102_u128);
/// assert_eq!(v.as_u128(), 0x0102);
/// assert_eq!(u128::from(v), 0x0102);
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct V128([u8; 16]);

impl V128 {
    /// The value as an integer.
    pub fn as_u128(&self) -> u128 {
        u128::from_ne_bytes(self.0)
    }
}

impl From<u128> for V128 {
    fn from(value: u128) -> V128 {
        V128(value.to_ne_bytes())
    }
}

impl From<V128> for u128 {
    fn from(value: V128) -> u128 {
        value.as_u128()
    }
}

impl fmt::Debug for V128 {
    /// As the integer.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_u128(), f)
    }
}

impl PartialOrd for V128 {
    fn partial_cmp(&self, other: &V128) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for V128 {
    /// As the integers compare.
    fn cmp(&self, other: &V128) -> std::cmp::Ordering {
        self.as_u128().cmp(&other.as_u128())
    }
}
