//! Instances: the vmctx allocation of one instantiated module and the ids
//! of the store-owned memories, tables and globals it uses.
//!
//! Subtle: the vmctx is written at the offsets `VMOffsets` gives, and
//! generated code trusts every field. Instantiation (`store.rs`) is the one
//! place that fills it; `const_eval` is the one place that reads globals
//! and function references out of it on the host side. Generated code
//! writes it too (defined globals), so it is owned through a [`VmBox`] and
//! only ever accessed through that box's pointer.

use crate::module::ModuleCode;
use crate::store::{GlobalId, MemoryId, TableId, TagId};
use crate::store::{MayCollect, VMStore};
use crate::trap::HostError;
use crate::vm_box::VmBox;
use crate::vmcontext::{VMFuncRef, VMGlobalDefinition};
use egret_frontend::gc_layout::{
    ARRAY_ELEMENTS, StructLayout, any_from_extern, extern_from_any, field_size,
};
use egret_frontend::module_info::{ConstExpr, ConstOp, ModuleInfo};
use egret_frontend::types::{CompositeType, DefinedFuncIndex, FuncIndex, GlobalIndex};
use egret_frontend::vmoffsets::VMOffsets;
use std::sync::Arc;

/// An instance's id in its store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct InstanceId(pub u32);

/// An instance's vmctx: zeroed, 16-byte aligned, never moved.
pub struct VmCtx {
    words: VmBox<[u128]>,
    len: usize,
}

impl VmCtx {
    /// A zeroed vmctx of `size` bytes (a multiple of 16).
    pub(crate) fn new(size: u32) -> VmCtx {
        let words = vec![0u128; size as usize / 16].into_boxed_slice();
        VmCtx {
            len: words.len() * 16,
            words: VmBox::from_box(words),
        }
    }

    /// The address generated code receives, valid for reads and writes
    /// for as long as the instance lives.
    pub fn as_ptr(&self) -> *mut u8 {
        self.words.as_ptr().cast()
    }

    /// Writes `value` at byte `offset`.
    pub(crate) fn write<T: Copy>(&mut self, offset: u32, value: T) {
        let end = offset as usize + size_of::<T>();
        assert!(end <= self.len && (offset as usize).is_multiple_of(align_of::<T>()));
        // SAFETY: in bounds and aligned (checked above); the allocation is
        // plain memory owned by `self`.
        unsafe { self.as_ptr().add(offset as usize).cast::<T>().write(value) }
    }

    /// The `count` function references stored from byte `offset` on.
    pub(crate) fn func_refs_mut(&mut self, offset: u32, count: u32) -> &mut [VMFuncRef] {
        let end = offset as usize + count as usize * size_of::<VMFuncRef>();
        assert!(end <= self.len && (offset as usize).is_multiple_of(align_of::<VMFuncRef>()));
        // SAFETY: in bounds and aligned (checked above); `VMFuncRef` is
        // plain data for which any bytes (zeroed at allocation) are valid,
        // and `&mut self` makes the borrow exclusive.
        unsafe {
            std::slice::from_raw_parts_mut(
                self.as_ptr().add(offset as usize).cast::<VMFuncRef>(),
                count as usize,
            )
        }
    }

    /// Reads a `T` at byte `offset`.
    pub(crate) fn read<T: Copy>(&self, offset: u32) -> T {
        let end = offset as usize + size_of::<T>();
        assert!(end <= self.len && (offset as usize).is_multiple_of(align_of::<T>()));
        // SAFETY: in bounds and aligned (checked above); every field was
        // initialised (zeroed at allocation).
        unsafe { self.as_ptr().add(offset as usize).cast::<T>().read() }
    }
}

/// One instance.
pub struct Instance {
    pub(crate) module: Arc<ModuleCode>,
    pub(crate) vmctx: VmCtx,
    pub(crate) memories: Vec<MemoryId>,
    pub(crate) tables: Vec<TableId>,
    pub(crate) globals: Vec<GlobalId>,
    pub(crate) tags: Vec<TagId>,
    /// Whether each element segment has been dropped. Items of the others
    /// are evaluated when used (they only read immutable globals and
    /// function references, so the result never changes), except those
    /// of `allocated_elements`.
    pub(crate) dropped_elements: Vec<bool>,
    /// The items of each element segment that makes GC objects, evaluated
    /// once at instantiation: a segment holds the same objects every time
    /// it is used.
    pub(crate) allocated_elements: Vec<Option<Box<[u128]>>>,
    /// Whether each data segment has been dropped.
    pub(crate) dropped_data: Vec<bool>,
}

impl Instance {
    /// Drops element segment `index`: it holds nothing from now on, and
    /// the objects it made at instantiation are no longer its.
    pub(crate) fn drop_element_segment(&mut self, index: usize) {
        self.dropped_elements[index] = true;
        self.allocated_elements[index] = None;
    }

    /// The module this is an instance of.
    pub fn module(&self) -> &Arc<ModuleCode> {
        &self.module
    }

    /// The module's description.
    pub fn info(&self) -> &ModuleInfo {
        self.module.compiled().info()
    }

    fn offsets(&self) -> &VMOffsets {
        self.module.compiled().offsets()
    }

    /// The vmctx address.
    pub fn vmctx_ptr(&self) -> *mut u8 {
        self.vmctx.as_ptr()
    }

    /// The function reference of function `func`.
    pub fn func_ref(&self, func: FuncIndex) -> *const VMFuncRef {
        func_ref(&self.vmctx, self.info(), self.offsets(), func)
    }

    /// The store id of memory `index`.
    pub fn memory(&self, index: u32) -> MemoryId {
        self.memories[index as usize]
    }

    /// The store id of table `index`.
    pub fn table(&self, index: u32) -> TableId {
        self.tables[index as usize]
    }

    /// The store id of global `index`.
    pub fn global(&self, index: u32) -> GlobalId {
        self.globals[index as usize]
    }

    /// The store id of tag `index`.
    pub fn tag(&self, index: u32) -> TagId {
        self.tags[index as usize]
    }
}

/// The function reference of `func` in the instance whose vmctx is `vmctx`.
pub(crate) fn func_ref(
    vmctx: &VmCtx,
    info: &ModuleInfo,
    offsets: &VMOffsets,
    func: FuncIndex,
) -> *const VMFuncRef {
    match info.defined_func_index(func) {
        None => vmctx.read::<*const VMFuncRef>(offsets.imported_func(func)),
        Some(defined) => defined_func_ref(vmctx, offsets, defined),
    }
}

fn defined_func_ref(
    vmctx: &VmCtx,
    offsets: &VMOffsets,
    func: DefinedFuncIndex,
) -> *const VMFuncRef {
    // SAFETY: the offset lies inside the vmctx allocation (VMOffsets).
    unsafe {
        vmctx
            .as_ptr()
            .add(offsets.defined_func_ref(func) as usize)
            .cast()
    }
}

/// Where global `global` of the instance lives.
pub(crate) fn global_ptr(
    vmctx: &VmCtx,
    info: &ModuleInfo,
    offsets: &VMOffsets,
    global: GlobalIndex,
) -> *mut VMGlobalDefinition {
    match info.defined_global_index(global) {
        None => vmctx.read::<*mut VMGlobalDefinition>(offsets.imported_global(global)),
        // SAFETY: the offset lies inside the vmctx allocation (VMOffsets).
        Some(defined) => unsafe {
            vmctx
                .as_ptr()
                .add(offsets.defined_global(defined) as usize)
                .cast()
        },
    }
}

/// Where constant expressions allocate GC objects (`struct.new`,
/// `array.new`, ...): the store (its heap, grown as its limiter allows,
/// never collected meanwhile), the module's engine type ids for the
/// objects' headers, and why the last allocation failed.
pub(crate) struct ConstAllocator<'a> {
    pub(crate) store: &'a mut dyn VMStore,
    pub(crate) type_ids: &'a [u32],
    pub(crate) failure: Option<HostError>,
}

/// Evaluates a constant expression in the context of a (partly
/// initialised) instance: globals it reads are already set, and function
/// references are addresses in the vmctx. Returns the raw value, or
/// `None` when the GC heap cannot hold an object the expression makes
/// (or one would be made without an allocator, which validation rules out
/// for segment offsets, the only expressions evaluated without one).
pub(crate) fn const_eval(
    vmctx: &VmCtx,
    info: &ModuleInfo,
    offsets: &VMOffsets,
    expr: &ConstExpr,
    mut allocator: Option<&mut ConstAllocator<'_>>,
) -> Option<u128> {
    // Almost every expression is one constant, reference or global read.
    if let [op] = expr.0.as_slice()
        && let Some(value) = eval_leaf(vmctx, info, offsets, op)
    {
        return Some(value);
    }
    // Extended constant expressions: a small stack machine.
    let mut stack: Vec<u128> = Vec::with_capacity(4);
    let pop = |stack: &mut Vec<u128>| stack.pop().unwrap_or(0);
    for op in &expr.0 {
        let value = match op {
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let b = pop(&mut stack) as u32;
                let a = pop(&mut stack) as u32;
                u128::from(match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let b = pop(&mut stack) as u64;
                let a = pop(&mut stack) as u64;
                u128::from(match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            // As generated code makes it (`translate/i31.rs`).
            ConstOp::RefI31 => u128::from(((pop(&mut stack) as u32) << 1) | 1),
            ConstOp::AnyConvertExtern => u128::from(any_from_extern(pop(&mut stack) as u64)),
            ConstOp::ExternConvertAny => u128::from(extern_from_any(pop(&mut stack) as u32)),
            ConstOp::StructNew(_)
            | ConstOp::StructNewDefault(_)
            | ConstOp::ArrayNew(_)
            | ConstOp::ArrayNewDefault(_)
            | ConstOp::ArrayNewFixed(..) => {
                let allocator = allocator.as_deref_mut()?;
                u128::from(allocate(allocator, info, op, &mut stack)?)
            }
            leaf => eval_leaf(vmctx, info, offsets, leaf).unwrap_or(0),
        };
        stack.push(value);
    }
    Some(stack.pop().unwrap_or(0))
}

/// Makes the object an allocating constant operator `op` asks for, taking
/// its operands from `stack`; `None` if the heap cannot hold it.
fn allocate(
    allocator: &mut ConstAllocator<'_>,
    info: &ModuleInfo,
    op: &ConstOp,
    stack: &mut Vec<u128>,
) -> Option<u32> {
    let (ConstOp::StructNew(ty)
    | ConstOp::StructNewDefault(ty)
    | ConstOp::ArrayNew(ty)
    | ConstOp::ArrayNewDefault(ty)
    | ConstOp::ArrayNewFixed(ty, _)) = op
    else {
        return None;
    };
    let type_id = *allocator.type_ids.get(ty.index())?;
    let composite = &info.types.get(ty.index())?.composite;
    let mut new_object = |size: u64, length: u32| {
        let object = allocator
            .store
            .gc_allocate(type_id, composite, size, length, MayCollect::No);
        object.map_err(|e| allocator.failure = Some(e)).ok()
    };
    /// The operands `stack` ends with, `n` of them, in push order.
    fn operands(stack: &mut Vec<u128>, n: usize) -> Vec<u128> {
        stack.split_off(stack.len().saturating_sub(n))
    }
    match (op, composite) {
        (ConstOp::StructNew(_) | ConstOp::StructNewDefault(_), CompositeType::Struct(fields)) => {
            let layout = StructLayout::new(fields);
            let object = new_object(u64::from(layout.size), 0)?;
            let heap = allocator.store.opaque_mut().gc_heap_mut()?;
            if matches!(op, ConstOp::StructNew(_)) {
                let values = operands(stack, fields.len());
                for ((field, offset), value) in fields.iter().zip(&layout.offsets).zip(values) {
                    let size = field_size(field.storage) as usize;
                    heap.write_field(object, *offset, &value.to_le_bytes()[..size]);
                }
            }
            Some(object)
        }
        (_, CompositeType::Array(element)) => {
            let size = field_size(element.storage);
            let (values, fill) = match op {
                ConstOp::ArrayNewFixed(_, n) => (operands(stack, *n as usize), None),
                ConstOp::ArrayNew(_) => {
                    let length = stack.pop().unwrap_or(0) as u32;
                    let value = stack.pop().unwrap_or(0);
                    (Vec::new(), Some((value, length)))
                }
                _ => {
                    // `array.new_default`: the heap's memory is zero.
                    let length = stack.pop().unwrap_or(0) as u32;
                    (Vec::new(), Some((0, length)))
                }
            };
            let length = fill.map_or(values.len() as u32, |(_, length)| length);
            let fill = fill.filter(|(value, _)| *value != 0);
            let bytes = u64::from(ARRAY_ELEMENTS) + u64::from(length) * u64::from(size);
            let array = new_object(bytes, length)?;
            let heap = allocator.store.opaque_mut().gc_heap_mut()?;
            for (i, value) in values.iter().enumerate() {
                let offset = ARRAY_ELEMENTS + i as u32 * size;
                heap.write_field(array, offset, &value.to_le_bytes()[..size as usize]);
            }
            if let Some((value, length)) = fill {
                heap.fill_array(array, 0, length, &value.to_le_bytes()[..size as usize]);
            }
            Some(array)
        }
        _ => None,
    }
}

/// The value of an operator that takes no operands; `None` for arithmetic.
#[inline]
fn eval_leaf(vmctx: &VmCtx, info: &ModuleInfo, offsets: &VMOffsets, op: &ConstOp) -> Option<u128> {
    Some(match op {
        ConstOp::I32(v) => u128::from(*v as u32),
        ConstOp::I64(v) => u128::from(*v as u64),
        ConstOp::F32(bits) => u128::from(*bits),
        ConstOp::F64(bits) => u128::from(*bits),
        ConstOp::V128(bits) => *bits,
        ConstOp::RefNull(_) => 0,
        ConstOp::RefFunc(f) => func_ref(vmctx, info, offsets, *f) as usize as u128,
        ConstOp::GlobalGet(g) => {
            let ptr = global_ptr(vmctx, info, offsets, *g);
            // SAFETY: imported globals point to live store-owned storage
            // and defined ones into this vmctx.
            u128::from_le_bytes(unsafe { (*ptr).bytes })
        }
        ConstOp::RefI31
        | ConstOp::AnyConvertExtern
        | ConstOp::ExternConvertAny
        | ConstOp::StructNew(_)
        | ConstOp::StructNewDefault(_)
        | ConstOp::ArrayNew(_)
        | ConstOp::ArrayNewDefault(_)
        | ConstOp::ArrayNewFixed(..)
        | ConstOp::I32Add
        | ConstOp::I32Sub
        | ConstOp::I32Mul
        | ConstOp::I64Add
        | ConstOp::I64Sub
        | ConstOp::I64Mul => return None,
    })
}

/// The id of the instance whose vmctx is `vmctx`.
///
/// # Safety
/// `vmctx` must be the vmctx of a live instance.
pub unsafe fn instance_id_of(vmctx: *mut u8) -> InstanceId {
    // SAFETY: per the contract; the id sits at a fixed offset (VMOffsets).
    let id = unsafe {
        vmctx
            .add(VMOffsets::INSTANCE_ID as usize)
            .cast::<u64>()
            .read()
    };
    InstanceId(id as u32)
}
