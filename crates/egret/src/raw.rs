//! `ValRaw` and `Func::call_unchecked`: calls into wasm with arguments and
//! results in one untyped buffer, as Wasmtime offers them (unsafe: the
//! caller vouches for the types).

use crate::store::AsContextMut;
use crate::typed::with_value_slots;
use crate::{Error, Func, Result};
use egret_runtime::store::VMStore;
use std::fmt;

/// One untyped wasm value in the 16-byte form Egret's generated code
/// passes: an integer or float in its low bits (floats as their bit
/// patterns), a `v128` in all of them.
///
/// Egret offers the numeric constructors and getters of Wasmtime's
/// `ValRaw`; references go through [`Func::call`] and [`Val`](crate::Val).
///
/// ```
/// use egret::ValRaw;
/// assert_eq!(ValRaw::i32(-2).get_i32(), -2);
/// assert_eq!(ValRaw::i32(-1).get_u32(), u32::MAX);
/// assert_eq!(ValRaw::f64(1.5f64.to_bits()).get_f64(), 1.5f64.to_bits());
/// ```
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct ValRaw(u128);

impl ValRaw {
    /// Zero: a zero of any numeric type.
    pub fn null() -> ValRaw {
        ValRaw(0)
    }

    /// An `i32`.
    pub fn i32(value: i32) -> ValRaw {
        ValRaw::u32(value as u32)
    }

    /// An `i64`.
    pub fn i64(value: i64) -> ValRaw {
        ValRaw::u64(value as u64)
    }

    /// An `i32` given unsigned.
    pub fn u32(value: u32) -> ValRaw {
        ValRaw(u128::from(value))
    }

    /// An `i64` given unsigned.
    pub fn u64(value: u64) -> ValRaw {
        ValRaw(u128::from(value))
    }

    /// An `f32`, given as its bit pattern.
    pub fn f32(bits: u32) -> ValRaw {
        ValRaw::u32(bits)
    }

    /// An `f64`, given as its bit pattern.
    pub fn f64(bits: u64) -> ValRaw {
        ValRaw::u64(bits)
    }

    /// A `v128`.
    pub fn v128(value: u128) -> ValRaw {
        ValRaw(value)
    }

    /// The `i32` this holds.
    pub fn get_i32(&self) -> i32 {
        self.get_u32() as i32
    }

    /// The `i64` this holds.
    pub fn get_i64(&self) -> i64 {
        self.get_u64() as i64
    }

    /// The `i32` this holds, unsigned.
    pub fn get_u32(&self) -> u32 {
        self.0 as u32
    }

    /// The `i64` this holds, unsigned.
    pub fn get_u64(&self) -> u64 {
        self.0 as u64
    }

    /// The bit pattern of the `f32` this holds.
    pub fn get_f32(&self) -> u32 {
        self.get_u32()
    }

    /// The bit pattern of the `f64` this holds.
    pub fn get_f64(&self) -> u64 {
        self.get_u64()
    }

    /// The `v128` this holds.
    pub fn get_v128(&self) -> u128 {
        self.0
    }
}

impl fmt::Debug for ValRaw {
    /// The 16 bytes in hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValRaw({:#034x})", self.0)
    }
}

impl Func {
    /// Calls the function with its arguments at the start of
    /// `params_and_returns`; its results replace them, from the start.
    /// As Wasmtime's: nothing checks that the values have the function's
    /// parameter types.
    ///
    /// Egret checks the store (an error for a foreign one, where Wasmtime
    /// panics) and that the buffer has room for the parameters and the
    /// results (an error otherwise).
    ///
    /// ```
    /// use egret::{Engine, Instance, Module, Store, ValRaw};
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module
    ///     (func (export "sub") (param i32 i32) (result i32)
    ///       (i32.sub (local.get 0) (local.get 1))))"#)?;
    /// let mut store = Store::new(&engine, ());
    /// let instance = Instance::new(&mut store, &module, &[])?;
    /// let sub = instance.get_func(&mut store, "sub").unwrap();
    /// let mut buffer = [ValRaw::i32(50), ValRaw::i32(8)];
    /// // SAFETY: `sub` takes two i32s, which the buffer holds.
    /// unsafe { sub.call_unchecked(&mut store, &mut buffer)? };
    /// assert_eq!(buffer[0].get_i32(), 42);
    /// # Ok::<(), egret::Error>(())
    /// ```
    ///
    /// # Safety
    /// `params_and_returns` must be valid for reads and writes and not
    /// otherwise borrowed during the call, and its first values must be
    /// of the function's parameter types, in order.
    pub unsafe fn call_unchecked(
        &self,
        mut store: impl AsContextMut,
        params_and_returns: *mut [ValRaw],
    ) -> Result<()> {
        let store = store.as_context_mut().0;
        store.check(self.store)?;
        // SAFETY: the store check proves the funcref belongs to this live store.
        let ty = unsafe { store.opaque.func_type(self.vm_func_ref()) };
        // SAFETY: the caller vouches that the buffer is valid and unshared.
        let buffer = unsafe { &mut *params_and_returns };
        let needed = ty.params().len().max(ty.results().len());
        if buffer.len() < needed {
            return Err(Error::misuse(format!(
                "function of type {ty} called with room for {} values, not {needed}",
                buffer.len()
            )));
        }
        with_value_slots(needed.max(1), |values| {
            for (value, slot) in values.iter_mut().zip(&buffer[..needed]) {
                *value = slot.0;
            }
            // SAFETY: the funcref belongs to this store (checked above); the
            // caller vouches that the first slots hold values of its
            // parameter types.
            unsafe { store.call_typed(self.vm_func_ref(), values) }.map_err(Error::from_failure)?;
            for (slot, value) in buffer[..needed].iter_mut().zip(values) {
                slot.0 = *value;
            }
            Ok(())
        })
    }
}
