//! How host values are stored in the fields of GC objects and read back:
//! packed integers keep their low 8 or 16 bits and read back
//! zero-extended, other values are stored in their field's width
//! (`gc_layout::field_size`), as generated code stores them.

use crate::store::StoreInner;
use crate::types::engine_form::{FieldType, StorageType};
use crate::{Error, Result, Val};
use egret_frontend::gc_layout::field_size;
use egret_runtime::store::StoreOpaque;

/// The bytes that store `value` in a field of type `field`; an error if
/// the value does not fit the field's type (or is of another store).
pub(crate) fn encode<T>(store: &StoreInner<T>, field: FieldType, value: &Val) -> Result<Vec<u8>> {
    let size = field_size(field.storage) as usize;
    let raw = match field.storage {
        StorageType::I8 | StorageType::I16 => match value {
            Val::I32(v) => u128::from(*v as u32),
            other => {
                return Err(Error::misuse(format!(
                    "a packed field holds i32 values, not {}",
                    other.kind()
                )));
            }
        },
        StorageType::Val(ty) => {
            if !value.matches(store, ty)? {
                return Err(Error::misuse(format!(
                    "a field of type {ty} cannot hold a value of type {}",
                    value.kind()
                )));
            }
            value.to_raw(store)?
        }
    };
    Ok(raw.to_le_bytes()[..size].to_vec())
}

/// The value `bytes` (a field of type `field`) hold.
pub(crate) fn decode(store: &StoreOpaque, field: FieldType, bytes: &[u8]) -> Val {
    let mut raw = [0u8; 16];
    raw[..bytes.len()].copy_from_slice(bytes);
    let raw = u128::from_le_bytes(raw);
    match field.storage {
        StorageType::I8 | StorageType::I16 => Val::I32(raw as u32 as i32),
        StorageType::Val(ty) => Val::from_raw(raw, ty, store),
    }
}
