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
use crate::vm_box::VmBox;
use crate::vmcontext::{VMFuncRef, VMGlobalDefinition};
use egret_frontend::module_info::{ConstExpr, ConstOp, ModuleInfo};
use egret_frontend::types::{DefinedFuncIndex, FuncIndex, GlobalIndex};
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
    /// function references, so the result never changes).
    pub(crate) dropped_elements: Vec<bool>,
    /// Whether each data segment has been dropped.
    pub(crate) dropped_data: Vec<bool>,
}

impl Instance {
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

/// Evaluates a constant expression in the context of a (partly
/// initialised) instance: globals it reads are already set, and function
/// references are addresses in the vmctx. Returns the raw value.
pub(crate) fn const_eval(
    vmctx: &VmCtx,
    info: &ModuleInfo,
    offsets: &VMOffsets,
    expr: &ConstExpr,
) -> u128 {
    // Almost every expression is one constant, reference or global read.
    if let [op] = expr.0.as_slice()
        && let Some(value) = eval_leaf(vmctx, info, offsets, op)
    {
        return value;
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
            leaf => eval_leaf(vmctx, info, offsets, leaf).unwrap_or(0),
        };
        stack.push(value);
    }
    stack.pop().unwrap_or(0)
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
