//! The engine-wide function type registry: equal types get equal ids, the
//! small integers `call_indirect` compares.

use crate::types::{FuncType, SigId};
use std::collections::HashMap;
use std::sync::Mutex;

/// Interns function types engine-wide: equal types get equal `SigId`s.
/// Ids are never reused; the registry lives as long as the engine.
#[derive(Debug, Default)]
pub struct TypeRegistry {
    inner: Mutex<TypeRegistryInner>,
}

#[derive(Debug, Default)]
struct TypeRegistryInner {
    ids: HashMap<FuncType, SigId>,
    types: Vec<FuncType>,
}

impl TypeRegistry {
    /// The id of `ty`, registering it on first sight.
    pub fn intern(&self, ty: &FuncType) -> SigId {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = inner.ids.get(ty) {
            return *id;
        }
        let id = SigId(inner.types.len() as u32);
        inner.types.push(ty.clone());
        inner.ids.insert(ty.clone(), id);
        id
    }

    /// The type with id `id`.
    pub fn get(&self, id: SigId) -> Option<FuncType> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.types.get(id.index()).cloned()
    }
}
