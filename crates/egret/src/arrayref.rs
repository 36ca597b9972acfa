//! Arrays from the host: [`ArrayRef`] (made with an [`ArrayRefPre`],
//! filled or from a list, read and written by index) in Wasmtime's
//! shapes. Allocation and access work as for structs (`structref.rs`).

use crate::field_values::{decode, encode};
use crate::rooting::{self, GcRef, GcRefImpl, GcRoot};
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::types::engine_form::{CompositeType, FieldType as EngineField};
use crate::{AnyRef, ArrayType, Engine, Error, Result, Rooted, Val};
use egret_frontend::gc_layout::{self, ARRAY_ELEMENTS};
use egret_frontend::types::SigId;
use egret_runtime::gc_heap::ObjectKind;
use egret_runtime::store::{MayCollect, StoreId, VMStore};

/// What [`ArrayRef::new`] allocates with: arrays of one type in one store.
#[derive(Clone, Debug)]
pub struct ArrayRefPre {
    store: StoreId,
    ty: ArrayType,
}

impl ArrayRefPre {
    /// An allocator of arrays of type `ty` in `store`.
    pub fn new(mut store: impl AsContextMut, ty: ArrayType) -> ArrayRefPre {
        ArrayRefPre {
            store: store.as_context_mut().0.id(),
            ty,
        }
    }
}

/// A reference to an array, held through a [`Rooted`] or
/// [`OwnedRooted`](crate::OwnedRooted) handle.
///
/// ```
/// use egret::*;
/// let mut config = Config::new();
/// config.wasm_gc(true);
/// let engine = Engine::new(&config).unwrap();
/// let mut store = Store::new(&engine, ());
/// let ty = ArrayType::new(&engine, FieldType::new(Mutability::Var, StorageType::I8));
/// let pre = ArrayRefPre::new(&mut store, ty);
/// let bytes = ArrayRef::new(&mut store, &pre, &Val::I32(0x1ff), 3).unwrap();
/// assert_eq!(bytes.len(&store).unwrap(), 3);
/// assert_eq!(bytes.get(&mut store, 2).unwrap().i32(), Some(0xff));
/// ```
#[derive(Copy, Clone, Debug)]
pub struct ArrayRef {
    root: GcRoot,
}

impl GcRefImpl for ArrayRef {
    fn root(&self) -> &GcRoot {
        &self.root
    }
    fn from_root(root: GcRoot) -> Self {
        ArrayRef { root }
    }
    fn rooted_as(raw: u64) -> u64 {
        gc_layout::ANY_IN_EXTERN | u64::from(raw as u32)
    }
}

impl GcRef for ArrayRef {}

impl ArrayRef {
    /// A new array of `allocator`'s type with `len` elements, each `elem`.
    /// Fails with `GcHeapOutOfMemory` if the heap cannot hold it.
    pub fn new(
        mut store: impl AsContextMut,
        allocator: &ArrayRefPre,
        elem: &Val,
        len: u32,
    ) -> Result<Rooted<ArrayRef>> {
        let store = store.as_context_mut().0;
        let field = element_field(store, allocator)?;
        let bytes = encode(store, field, elem)?;
        let array = allocate(store, allocator, field, len)?;
        let heap = store.opaque.gc_heap_mut();
        if !heap.is_some_and(|heap| heap.fill_array(array, 0, len, &bytes)) {
            return Err(Error::misuse("the new array is outside the heap"));
        }
        Ok(rooting::root(&store.opaque, u64::from(array)))
    }

    /// A new array of `allocator`'s type holding `elems`.
    pub fn new_fixed(
        mut store: impl AsContextMut,
        allocator: &ArrayRefPre,
        elems: &[Val],
    ) -> Result<Rooted<ArrayRef>> {
        let store = store.as_context_mut().0;
        let field = element_field(store, allocator)?;
        let mut bytes = Vec::new();
        for elem in elems {
            bytes.extend(encode(store, field, elem)?);
        }
        let len = u32::try_from(elems.len())
            .map_err(|_| Error::misuse("an array of more than 2^32 - 1 elements"))?;
        let array = allocate(store, allocator, field, len)?;
        let size = gc_layout::field_size(field.storage);
        let heap = store.opaque.gc_heap_mut();
        if !heap.is_some_and(|heap| heap.init_array(array, 0, &bytes, size)) {
            return Err(Error::misuse("the new array is outside the heap"));
        }
        Ok(rooting::root(&store.opaque, u64::from(array)))
    }

    /// The array's heap offset and engine type id, if the handle is valid
    /// in `store`.
    fn object<T>(&self, store: &StoreInner<T>) -> Result<(u32, SigId)> {
        let raw = self.root.raw(&store.opaque)? as u32;
        match store.opaque.gc_heap().and_then(|heap| heap.header(raw)) {
            Some((ObjectKind::Array, type_id)) => Ok((raw, SigId(type_id))),
            _ => Err(Error::misuse("the reference is not to an array")),
        }
    }

    /// The array's type.
    pub fn ty(&self, store: impl AsContext) -> Result<ArrayType> {
        let store = store.as_context().0;
        let (_, id) = self.object(store)?;
        ArrayType::from_engine(&store.engine, id)
            .ok_or_else(|| Error::misuse("the array's type is not an array type"))
    }

    /// Whether the array is of type `ty` (or a subtype).
    pub fn matches_ty(&self, store: impl AsContext, ty: &ArrayType) -> Result<bool> {
        Ok(self.ty(store)?.matches(ty))
    }

    /// The number of elements.
    pub fn len(&self, store: impl AsContext) -> Result<u32> {
        let store = store.as_context().0;
        let (array, _) = self.object(store)?;
        store
            .opaque
            .gc_heap()
            .and_then(|heap| heap.array_len(array))
            .ok_or_else(|| Error::misuse("the reference is not to an array"))
    }

    /// Element `index`'s offset in the array and its type; an error past
    /// the end.
    fn element_place<T>(
        &self,
        store: &StoreInner<T>,
        index: u32,
    ) -> Result<(u32, EngineField, u32)> {
        let (array, _) = self.object(store)?;
        let field = self.ty(crate::StoreContext(store))?.engine_field();
        let len = self.len(crate::StoreContext(store))?;
        if index >= len {
            return Err(Error::misuse(format!(
                "element {index} of an array of {len}"
            )));
        }
        let offset = u64::from(ARRAY_ELEMENTS)
            + u64::from(index) * u64::from(gc_layout::field_size(field.storage));
        let offset = u32::try_from(offset).map_err(|_| Error::misuse("an element past 4 GiB"))?;
        Ok((array, field, offset))
    }

    /// Element `index`.
    pub fn get(&self, mut store: impl AsContextMut, index: u32) -> Result<Val> {
        let store = store.as_context_mut().0;
        let (array, field, offset) = self.element_place(store, index)?;
        let mut bytes = vec![0; gc_layout::field_size(field.storage) as usize];
        let heap = store.opaque.gc_heap();
        if !heap.is_some_and(|heap| heap.read_field(array, offset, &mut bytes)) {
            return Err(Error::misuse("the array's element is outside the heap"));
        }
        Ok(decode(&store.opaque, field, &bytes))
    }

    /// Sets element `index` (of a mutable array) to `value`.
    pub fn set(&self, mut store: impl AsContextMut, index: u32, value: Val) -> Result<()> {
        let store = store.as_context_mut().0;
        let (array, field, offset) = self.element_place(store, index)?;
        if !field.mutable {
            return Err(Error::misuse("the array is immutable"));
        }
        let bytes = encode(store, field, &value)?;
        let written = store
            .opaque
            .gc_heap_mut()
            .is_some_and(|heap| heap.write_field(array, offset, &bytes));
        if written {
            Ok(())
        } else {
            Err(Error::misuse("the array's element is outside the heap"))
        }
    }

    /// Every element, in order.
    pub fn elems(
        &self,
        mut store: impl AsContextMut,
    ) -> Result<impl ExactSizeIterator<Item = Val>> {
        let mut store = store.as_context_mut();
        let len = self.len(&store)?;
        let values = (0..len)
            .map(|i| self.get(&mut store, i))
            .collect::<Result<Vec<_>>>()?;
        Ok(values.into_iter())
    }
}

/// The element type of `allocator`'s arrays, checked to be usable in
/// `store`.
fn element_field<T>(store: &StoreInner<T>, allocator: &ArrayRefPre) -> Result<EngineField> {
    store.check(allocator.store)?;
    if !Engine::same(allocator.ty.engine(), &store.engine) {
        return Err(Error::misuse("the array type belongs to another engine"));
    }
    Ok(allocator.ty.engine_field())
}

/// A new zeroed array of `allocator`'s type and `len` elements of type
/// `field`.
fn allocate<T>(
    store: &mut StoreInner<T>,
    allocator: &ArrayRefPre,
    field: EngineField,
    len: u32,
) -> Result<u32> {
    let size = u64::from(ARRAY_ELEMENTS)
        + u64::from(len) * u64::from(gc_layout::field_size(field.storage));
    let vm: &mut dyn VMStore = store;
    vm.gc_allocate(
        allocator.ty.id().0,
        &CompositeType::Array(field),
        size,
        len,
        MayCollect::Yes,
    )
    .map_err(Error::from_host_error)
}

impl AnyRef {
    /// The array the reference refers to, if it is one.
    pub fn as_array(&self, store: impl AsContext) -> Result<Option<Rooted<ArrayRef>>> {
        let store = store.as_context();
        Ok(self
            .is_array(&store)?
            .then(|| rooting::rooted_as_kind(&store.0.opaque, *self.root())))
    }

    /// The array the reference refers to; an error if it is not one.
    pub fn unwrap_array(&self, store: impl AsContext) -> Result<Rooted<ArrayRef>> {
        self.as_array(store)?
            .ok_or_else(|| Error::misuse("the anyref is not an array"))
    }
}
