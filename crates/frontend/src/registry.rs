//! The engine-wide type registry: recursion groups of declared types,
//! canonicalised iso-recursively, so that structurally identical groups
//! from any module (or the host) get the same ids, and a subtype check is
//! a bounds check and one compare.
//!
//! A module's recursion group names types by module index. To canonicalise
//! it, references to types before the group become the engine ids those
//! types already have, and references into the group become positions
//! within it (`TypeRef::RecGroup`); the resulting list of `SubType`s is the
//! key of a hash map from groups to their ids. Two groups are the same
//! type exactly when their keys are equal, which is WebAssembly 3.0's type
//! equivalence. Registered types are stored with every reference resolved
//! to an engine id.
//!
//! Each type keeps its supertype chain, root first and itself last
//! (`supertypes`). `a` is a subtype of `b` iff `a`'s chain has `b` at
//! `b`'s depth (the length of `b`'s own chain minus one): O(1).
//!
//! Ids are never reused; the registry lives as long as the engine.

use crate::types::{FuncType, HeapType, RefType, SigId, SubType, TypeIndex, TypeRef, ValType};
use std::collections::HashMap;
use std::sync::Mutex;

/// Canonicalises recursion groups engine-wide.
#[derive(Debug, Default)]
pub struct TypeRegistry {
    inner: Mutex<TypeRegistryInner>,
}

#[derive(Debug, Default)]
struct TypeRegistryInner {
    /// Canonical group -> id of its first member (members are consecutive).
    groups: HashMap<Vec<SubType>, SigId>,
    /// Every registered type, by id.
    types: Vec<RegisteredType>,
}

#[derive(Debug)]
struct RegisteredType {
    /// The type, every reference an engine id.
    ty: SubType,
    /// Supertype chain: the root first, this type last.
    supertypes: Box<[SigId]>,
}

impl TypeRegistry {
    /// Registers one recursion group of a module whose earlier types have
    /// the ids `earlier`; `group` names types by module index, the group's
    /// own members being `earlier.len()..`. Returns the members' ids.
    pub fn register_group(&self, earlier: &[SigId], group: &[SubType]) -> Vec<SigId> {
        let start = earlier.len() as u32;
        let key: Vec<SubType> = group
            .iter()
            .map(|ty| {
                ty.map_refs(&mut |r| match r {
                    TypeRef::Module(TypeIndex(i)) if i >= start => TypeRef::RecGroup(i - start),
                    TypeRef::Module(TypeIndex(i)) => {
                        // Validation guarantees the index is in range.
                        earlier
                            .get(i as usize)
                            .map_or(TypeRef::Module(TypeIndex(i)), |id| TypeRef::Engine(*id))
                    }
                    other => other,
                })
            })
            .collect();
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(first) = inner.groups.get(&key) {
            return (0..key.len() as u32).map(|i| SigId(first.0 + i)).collect();
        }
        let first = SigId(inner.types.len() as u32);
        for ty in &key {
            let resolved = ty.map_refs(&mut |r| match r {
                TypeRef::RecGroup(i) => TypeRef::Engine(SigId(first.0 + i)),
                other => other,
            });
            let id = SigId(inner.types.len() as u32);
            let mut supertypes = match resolved.supertype {
                Some(TypeRef::Engine(s)) => inner
                    .types
                    .get(s.index())
                    .map_or_else(Vec::new, |t| t.supertypes.to_vec()),
                _ => Vec::new(),
            };
            supertypes.push(id);
            inner.types.push(RegisteredType {
                ty: resolved,
                supertypes: supertypes.into(),
            });
        }
        inner.groups.insert(key, first);
        (0..group.len() as u32)
            .map(|i| SigId(first.0 + i))
            .collect()
    }

    /// The id of a host function type: a final type without supertype, in
    /// a group of its own. Its references must be engine ids.
    pub fn intern(&self, ty: &FuncType) -> SigId {
        self.register_group(&[], &[SubType::final_func(ty.clone())])[0]
    }

    /// The function type with id `id`, its references engine ids.
    pub fn get(&self, id: SigId) -> Option<FuncType> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .types
            .get(id.index())
            .and_then(|t| t.ty.as_func().cloned())
    }

    /// The declared type with id `id`, its references engine ids.
    pub fn sub_type(&self, id: SigId) -> Option<SubType> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.types.get(id.index()).map(|t| t.ty.clone())
    }

    /// Whether the type `id` is final (no type can be its proper subtype).
    pub fn is_final(&self, id: SigId) -> bool {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.types.get(id.index()).is_some_and(|t| t.ty.is_final)
    }

    /// Whether `sub` is `sup` or declared (transitively) as its subtype.
    pub fn is_subtype(&self, sub: SigId, sup: SigId) -> bool {
        if sub == sup {
            return true;
        }
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.is_subtype(sub, sup)
    }

    /// Whether values of `sub` are values of `sup`; both in engine form.
    pub fn is_val_subtype(&self, sub: ValType, sup: ValType) -> bool {
        match (sub, sup) {
            (ValType::Ref(a), ValType::Ref(b)) => self.is_ref_subtype(a, b),
            (a, b) => a == b,
        }
    }

    /// Whether references of `sub` are references of `sup`; both in
    /// engine form.
    pub fn is_ref_subtype(&self, sub: RefType, sup: RefType) -> bool {
        if sub.nullable && !sup.nullable {
            return false;
        }
        self.is_heap_subtype(sub.heap, sup.heap)
    }

    /// Whether `sub` is `sup` or below it in the same hierarchy: the
    /// bottom is below everything, everything below the top; `i31`,
    /// structs and arrays below `eq`; a declared type below its declared
    /// supertypes and its kind's abstract type.
    pub fn is_heap_subtype(&self, sub: HeapType, sup: HeapType) -> bool {
        use HeapType as H;
        if sub == sup {
            return true;
        }
        if sub.top() != sup.top() {
            return false;
        }
        if sub.is_bottom() || sup == sup.top() {
            return true;
        }
        match (sub, sup) {
            (H::ConcreteFunc(TypeRef::Engine(a)), H::ConcreteFunc(TypeRef::Engine(b)))
            | (H::ConcreteStruct(TypeRef::Engine(a)), H::ConcreteStruct(TypeRef::Engine(b)))
            | (H::ConcreteArray(TypeRef::Engine(a)), H::ConcreteArray(TypeRef::Engine(b))) => {
                self.is_subtype(a, b)
            }
            (H::ConcreteStruct(_), H::Struct) | (H::ConcreteArray(_), H::Array) => true,
            (H::I31 | H::Struct | H::Array | H::ConcreteStruct(_) | H::ConcreteArray(_), H::Eq) => {
                true
            }
            _ => false,
        }
    }
}

impl TypeRegistryInner {
    fn is_subtype(&self, sub: SigId, sup: SigId) -> bool {
        let (Some(sub), Some(sup)) = (self.types.get(sub.index()), self.types.get(sup.index()))
        else {
            return false;
        };
        let depth = sup.supertypes.len() - 1;
        sub.supertypes.get(depth) == sup.supertypes.last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::CompositeType;

    fn func(params: &[ValType]) -> FuncType {
        FuncType::new(params.iter().copied(), [])
    }

    fn module_ref(i: u32) -> ValType {
        ValType::Ref(RefType {
            nullable: true,
            heap: HeapType::ConcreteFunc(TypeRef::Module(TypeIndex(i))),
        })
    }

    fn sub(is_final: bool, supertype: Option<u32>, ty: FuncType) -> SubType {
        SubType {
            is_final,
            supertype: supertype.map(|i| TypeRef::Module(TypeIndex(i))),
            composite: CompositeType::Func(ty),
        }
    }

    #[test]
    fn identical_groups_from_different_modules_share_ids() {
        let registry = TypeRegistry::default();
        // Module A: (type (func)) (rec (type $r (func (param (ref null $r))))).
        let a0 = registry.register_group(&[], &[SubType::final_func(func(&[]))]);
        let a1 = registry.register_group(&a0, &[SubType::final_func(func(&[module_ref(1)]))]);
        // Module B has the recursive type first: a different index, the
        // same type.
        let b0 = registry.register_group(&[], &[SubType::final_func(func(&[module_ref(0)]))]);
        assert_eq!(a1, b0);
        assert_ne!(a0, b0);
        // A group of two differs from either member alone.
        let pair = registry.register_group(
            &[],
            &[
                SubType::final_func(func(&[module_ref(0)])),
                SubType::final_func(func(&[])),
            ],
        );
        assert_ne!(pair[0], b0[0]);
        assert_ne!(pair[1], a0[0]);
    }

    #[test]
    fn subtype_checks_follow_declared_supertypes() {
        let registry = TypeRegistry::default();
        let root = registry.register_group(&[], &[sub(false, None, func(&[]))]);
        let mid = registry.register_group(&root, &[sub(false, Some(0), func(&[]))]);
        let ids = [root[0], mid[0]];
        let leaf = registry.register_group(&ids, &[sub(true, Some(1), func(&[]))]);
        assert!(registry.is_subtype(leaf[0], root[0]));
        assert!(registry.is_subtype(leaf[0], mid[0]));
        assert!(registry.is_subtype(mid[0], root[0]));
        assert!(!registry.is_subtype(root[0], mid[0]));
        assert!(!registry.is_subtype(mid[0], leaf[0]));
        // A final type without supertype is a different type from the
        // open one of the same structure.
        let closed = registry.intern(&func(&[]));
        assert_ne!(closed, root[0]);
        assert!(!registry.is_subtype(closed, root[0]));
        assert!(registry.is_final(closed));
        assert!(!registry.is_final(root[0]));
    }

    #[test]
    fn reference_subtyping() {
        let registry = TypeRegistry::default();
        let t = registry.intern(&func(&[]));
        let concrete = |nullable| RefType {
            nullable,
            heap: HeapType::ConcreteFunc(TypeRef::Engine(t)),
        };
        assert!(registry.is_ref_subtype(concrete(false), RefType::FUNCREF));
        assert!(registry.is_ref_subtype(concrete(false), concrete(true)));
        assert!(!registry.is_ref_subtype(concrete(true), concrete(false)));
        assert!(!registry.is_ref_subtype(RefType::FUNCREF, concrete(true)));
        assert!(!registry.is_ref_subtype(RefType::EXTERNREF, RefType::FUNCREF));
    }

    #[test]
    fn struct_types_canonicalise_and_sit_below_eq() {
        use crate::types::{ConcreteKind, FieldType, StorageType};
        let registry = TypeRegistry::default();
        let field = |storage| FieldType {
            storage,
            mutable: true,
        };
        let point = || SubType {
            is_final: true,
            supertype: None,
            composite: CompositeType::Struct(
                [
                    field(StorageType::I16),
                    field(StorageType::Val(ValType::I32)),
                ]
                .into(),
            ),
        };
        let a = registry.register_group(&[], &[point()]);
        let b = registry.register_group(&[], &[point()]);
        assert_eq!(a, b, "identical struct types are one type");
        let packed_differently = SubType {
            composite: CompositeType::Struct(
                [
                    field(StorageType::I8),
                    field(StorageType::Val(ValType::I32)),
                ]
                .into(),
            ),
            ..point()
        };
        assert_ne!(registry.register_group(&[], &[packed_differently]), a);
        assert_eq!(point().composite.kind(), ConcreteKind::Struct);

        let s = HeapType::ConcreteStruct(TypeRef::Engine(a[0]));
        for above in [HeapType::Struct, HeapType::Eq, HeapType::Any] {
            assert!(registry.is_heap_subtype(s, above), "{s} <: {above}");
            assert!(registry.is_heap_subtype(HeapType::None, above));
        }
        assert!(registry.is_heap_subtype(HeapType::I31, HeapType::Eq));
        assert!(!registry.is_heap_subtype(s, HeapType::Array));
        assert!(!registry.is_heap_subtype(HeapType::Eq, HeapType::I31));
        assert!(!registry.is_heap_subtype(HeapType::Any, HeapType::Func));
        assert!(registry.is_heap_subtype(HeapType::NoExn, HeapType::Exn));
        assert!(!registry.is_heap_subtype(HeapType::NoExn, HeapType::Extern));
    }
}
