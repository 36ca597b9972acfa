//! Structs from the host: [`StructRef`] (made with a [`StructRefPre`],
//! read and written field by field) in Wasmtime's shapes.
//!
//! The host allocates in the store's GC heap as wasm does (a collection
//! may run first: the values being stored are rooted by their handles),
//! and every access goes through the heap's checked accessors, by the
//! layout the object's type gives (`gc_layout::StructLayout`).

use crate::field_values::{decode, encode};
use crate::rooting::{self, GcRef, GcRefImpl, GcRoot};
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::types::engine_form::{CompositeType, FieldType as EngineField};
use crate::{AnyRef, Engine, Error, Result, Rooted, StructType, Val};
use egret_frontend::gc_layout::{self, StructLayout};
use egret_frontend::types::SigId;
use egret_runtime::gc_heap::ObjectKind;
use egret_runtime::store::{MayCollect, StoreId, VMStore};

/// What [`StructRef::new`] allocates with: structs of one type in one
/// store.
#[derive(Clone, Debug)]
pub struct StructRefPre {
    store: StoreId,
    ty: StructType,
}

impl StructRefPre {
    /// An allocator of structs of type `ty` in `store`.
    pub fn new(mut store: impl AsContextMut, ty: StructType) -> StructRefPre {
        StructRefPre {
            store: store.as_context_mut().0.id(),
            ty,
        }
    }
}

/// A reference to a struct, held through a [`Rooted`] or
/// [`OwnedRooted`](crate::OwnedRooted) handle.
///
/// ```
/// use egret::*;
/// let mut config = Config::new();
/// config.wasm_gc(true);
/// let engine = Engine::new(&config).unwrap();
/// let mut store = Store::new(&engine, ());
/// let ty = StructType::new(&engine, [
///     FieldType::new(Mutability::Var, StorageType::ValType(ValType::I32)),
/// ]).unwrap();
/// let pre = StructRefPre::new(&mut store, ty);
/// let point = StructRef::new(&mut store, &pre, &[Val::I32(3)]).unwrap();
/// point.set_field(&mut store, 0, Val::I32(4)).unwrap();
/// assert_eq!(point.field(&mut store, 0).unwrap().i32(), Some(4));
/// ```
#[derive(Copy, Clone, Debug)]
pub struct StructRef {
    root: GcRoot,
}

impl GcRefImpl for StructRef {
    fn root(&self) -> &GcRoot {
        &self.root
    }
    fn from_root(root: GcRoot) -> Self {
        StructRef { root }
    }
    fn rooted_as(raw: u64) -> u64 {
        gc_layout::ANY_IN_EXTERN | u64::from(raw as u32)
    }
}

impl GcRef for StructRef {}

impl StructRef {
    /// A new struct of `allocator`'s type holding `fields`, which must
    /// match the type's fields in number and type. Fails with
    /// `GcHeapOutOfMemory` if the heap cannot hold it.
    pub fn new(
        mut store: impl AsContextMut,
        allocator: &StructRefPre,
        fields: &[Val],
    ) -> Result<Rooted<StructRef>> {
        let store = store.as_context_mut().0;
        store.check(allocator.store)?;
        let ty = &allocator.ty;
        if !Engine::same(ty.engine(), &store.engine) {
            return Err(Error::misuse("the struct type belongs to another engine"));
        }
        let declared: Vec<EngineField> = ty.fields().map(|f| f.to_engine()).collect();
        if fields.len() != declared.len() {
            return Err(Error::misuse(format!(
                "a struct of {} fields given {} values",
                declared.len(),
                fields.len()
            )));
        }
        let encoded = fields
            .iter()
            .zip(&declared)
            .map(|(value, field)| encode(store, *field, value))
            .collect::<Result<Vec<_>>>()?;
        let layout = StructLayout::new(&declared);
        let composite = CompositeType::Struct(declared.into());
        let vm: &mut dyn VMStore = store;
        let object = vm
            .gc_allocate(
                ty.id().0,
                &composite,
                u64::from(layout.size),
                0,
                MayCollect::Yes,
            )
            .map_err(Error::from_host_error)?;
        let heap = store
            .opaque
            .gc_heap_mut()
            .ok_or_else(|| Error::misuse("no GC heap after an allocation"))?;
        for (bytes, offset) in encoded.iter().zip(&layout.offsets) {
            heap.write_field(object, *offset, bytes);
        }
        Ok(rooting::root(&store.opaque, u64::from(object)))
    }

    /// The struct's heap offset and engine type id, if the handle is
    /// valid in `store`.
    fn object<T>(&self, store: &StoreInner<T>) -> Result<(u32, SigId)> {
        let raw = self.root.raw(&store.opaque)? as u32;
        match store.opaque.gc_heap().and_then(|heap| heap.header(raw)) {
            Some((ObjectKind::Struct, type_id)) => Ok((raw, SigId(type_id))),
            _ => Err(Error::misuse("the reference is not to a struct")),
        }
    }

    /// The struct's type.
    pub fn ty(&self, store: impl AsContext) -> Result<StructType> {
        let store = store.as_context().0;
        let (_, id) = self.object(store)?;
        StructType::from_engine(&store.engine, id)
            .ok_or_else(|| Error::misuse("the struct's type is not a struct type"))
    }

    /// Whether the struct is of type `ty` (or a subtype).
    pub fn matches_ty(&self, store: impl AsContext, ty: &StructType) -> Result<bool> {
        Ok(self.ty(store)?.matches(ty))
    }

    /// Field `index`, its type and its offset.
    fn field_place<T>(
        &self,
        store: &StoreInner<T>,
        index: usize,
    ) -> Result<(u32, EngineField, u32)> {
        let (object, _) = self.object(store)?;
        let ty = self.ty(crate::StoreContext(store))?;
        let declared: Vec<EngineField> = ty.fields().map(|f| f.to_engine()).collect();
        let Some(&field) = declared.get(index) else {
            return Err(Error::misuse(format!(
                "field {index} of a struct with {} fields",
                declared.len()
            )));
        };
        Ok((object, field, StructLayout::new(&declared).offsets[index]))
    }

    /// The value of field `index`.
    pub fn field(&self, mut store: impl AsContextMut, index: usize) -> Result<Val> {
        let store = store.as_context_mut().0;
        let (object, field, offset) = self.field_place(store, index)?;
        let mut bytes = vec![0; gc_layout::field_size(field.storage) as usize];
        let heap = store.opaque.gc_heap();
        if !heap.is_some_and(|heap| heap.read_field(object, offset, &mut bytes)) {
            return Err(Error::misuse("the struct's field is outside the heap"));
        }
        Ok(decode(&store.opaque, field, &bytes))
    }

    /// Sets field `index`, which must be mutable, to `value`.
    pub fn set_field(&self, mut store: impl AsContextMut, index: usize, value: Val) -> Result<()> {
        let store = store.as_context_mut().0;
        let (object, field, offset) = self.field_place(store, index)?;
        if !field.mutable {
            return Err(Error::misuse(format!("field {index} is immutable")));
        }
        let bytes = encode(store, field, &value)?;
        let written = store
            .opaque
            .gc_heap_mut()
            .is_some_and(|heap| heap.write_field(object, offset, &bytes));
        if written {
            Ok(())
        } else {
            Err(Error::misuse("the struct's field is outside the heap"))
        }
    }

    /// The values of all fields, in order.
    pub fn fields(
        &self,
        mut store: impl AsContextMut,
    ) -> Result<impl ExactSizeIterator<Item = Val>> {
        let mut store = store.as_context_mut();
        let count = self.ty(&store)?.fields().len();
        let values = (0..count)
            .map(|i| self.field(&mut store, i))
            .collect::<Result<Vec<_>>>()?;
        Ok(values.into_iter())
    }
}

impl AnyRef {
    /// The struct the reference refers to, if it is one.
    pub fn as_struct(&self, store: impl AsContext) -> Result<Option<Rooted<StructRef>>> {
        let store = store.as_context();
        Ok(self
            .is_struct(&store)?
            .then(|| rooting::rooted_as_kind(&store.0.opaque, *self.root())))
    }

    /// The struct the reference refers to; an error if it is not one.
    pub fn unwrap_struct(&self, store: impl AsContext) -> Result<Rooted<StructRef>> {
        self.as_struct(store)?
            .ok_or_else(|| Error::misuse("the anyref is not a struct"))
    }
}
