//! GC objects: the struct and array operators, the casts (`ref.test`,
//! `ref.cast`, `br_on_cast`, `br_on_cast_fail`) over every reference
//! hierarchy, and the conversions between `any` and `extern`.
//!
//! Objects live in the store's GC heap as `gc_layout` describes. An
//! object is allocated by the `gc_alloc` builtin (which writes its header
//! and an array's length, the rest being zero) and its fields are then
//! written inline. Every access adds the 32-bit reference (and, for an
//! array element, `16 + index * element size` computed in 32 bits) to the
//! heap's base: whatever the reference, the access stays inside the heap's
//! reservation (see `gc_layout`). Null references trap before any access;
//! array indices are checked against the length in the object.
//!
//! A cast looks at the reference's bits first: null, an `i31` (odd), a
//! host reference converted into the `any` hierarchy (tagged, see
//! `gc_layout`), or an object, whose header gives its kind and its type's
//! engine id. A
//! concrete target type matches when the ids are equal, or else, unless
//! the target is final (and so has no subtypes), when the `is_subtype`
//! builtin says the object's type is declared below it.

use super::Translation;
use super::abi;
use crate::builtins::Builtin;
use crate::error::CompileError;
use crate::gc_layout::{
    self, ANY_IN_EXTERN, ARRAY_ELEMENTS, ARRAY_LENGTH, HOST_IN_ANY_TAG, KIND, KIND_ARRAY,
    KIND_STRUCT, StructLayout, TYPE_ID,
};
use crate::traps::{Trap, TrapReason};
use crate::types::{CompositeType, FieldType, HeapType, RefType, StorageType, TypeIndex, TypeRef};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, StackSlotData, StackSlotKind, Value};

/// How a packed field is widened to `i32` when read.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Extend {
    Signed,
    Unsigned,
}

impl Translation<'_> {
    pub(super) fn visit_struct_new(&mut self, struct_type_index: u32) -> Result<(), CompileError> {
        let fields = self.struct_fields(struct_type_index)?;
        let layout = StructLayout::new(&fields);
        let base = self.base_of(fields.len())?;
        let object = self.allocate_struct(struct_type_index, &layout);
        for (i, field) in fields.iter().enumerate() {
            let value = self.st.stack[base + i];
            self.write_field(object, layout.offsets[i], field.storage, value);
        }
        self.truncate_stack(base);
        self.push(object);
        Ok(())
    }

    pub(super) fn visit_struct_new_default(
        &mut self,
        struct_type_index: u32,
    ) -> Result<(), CompileError> {
        let layout = StructLayout::new(&self.struct_fields(struct_type_index)?);
        // The heap hands out zeroed memory: every field is 0 or null.
        let object = self.allocate_struct(struct_type_index, &layout);
        self.push(object);
        Ok(())
    }

    pub(super) fn visit_struct_get(
        &mut self,
        struct_type_index: u32,
        field_index: u32,
    ) -> Result<(), CompileError> {
        self.struct_get(struct_type_index, field_index, Extend::Unsigned)
    }

    pub(super) fn visit_struct_get_s(
        &mut self,
        struct_type_index: u32,
        field_index: u32,
    ) -> Result<(), CompileError> {
        self.struct_get(struct_type_index, field_index, Extend::Signed)
    }

    pub(super) fn visit_struct_get_u(
        &mut self,
        struct_type_index: u32,
        field_index: u32,
    ) -> Result<(), CompileError> {
        self.struct_get(struct_type_index, field_index, Extend::Unsigned)
    }

    pub(super) fn visit_struct_set(
        &mut self,
        struct_type_index: u32,
        field_index: u32,
    ) -> Result<(), CompileError> {
        let (offset, field) = self.struct_field(struct_type_index, field_index)?;
        let (object, value) = self.pop2()?;
        self.b.ins().trapz(object, Trap::NullReference.code());
        self.write_field(object, offset, field.storage, value);
        Ok(())
    }

    pub(super) fn visit_array_new(&mut self, array_type_index: u32) -> Result<(), CompileError> {
        let element = self.array_element(array_type_index)?;
        let (value, length) = self.pop2()?;
        let array = self.allocate_array(array_type_index, element, length);
        let zero = self.i32_const(0);
        let slot = self.value_slot(value);
        self.array_fill(
            array,
            zero,
            length,
            slot,
            gc_layout::field_size(element.storage),
        );
        self.push(array);
        Ok(())
    }

    pub(super) fn visit_array_new_default(
        &mut self,
        array_type_index: u32,
    ) -> Result<(), CompileError> {
        let element = self.array_element(array_type_index)?;
        let length = self.pop()?;
        // Zeroed memory: every element is 0 or null.
        let array = self.allocate_array(array_type_index, element, length);
        self.push(array);
        Ok(())
    }

    pub(super) fn visit_array_new_fixed(
        &mut self,
        array_type_index: u32,
        array_size: u32,
    ) -> Result<(), CompileError> {
        let element = self.array_element(array_type_index)?;
        let size = gc_layout::field_size(element.storage);
        let base = self.base_of(array_size as usize)?;
        let length = self.i32_const(array_size);
        let array = self.allocate_array(array_type_index, element, length);
        for i in 0..array_size {
            let value = self.st.stack[base + i as usize];
            self.write_field(array, ARRAY_ELEMENTS + i * size, element.storage, value);
        }
        self.truncate_stack(base);
        self.push(array);
        Ok(())
    }

    pub(super) fn visit_array_get(&mut self, array_type_index: u32) -> Result<(), CompileError> {
        self.array_get(array_type_index, Extend::Unsigned)
    }

    pub(super) fn visit_array_get_s(&mut self, array_type_index: u32) -> Result<(), CompileError> {
        self.array_get(array_type_index, Extend::Signed)
    }

    pub(super) fn visit_array_get_u(&mut self, array_type_index: u32) -> Result<(), CompileError> {
        self.array_get(array_type_index, Extend::Unsigned)
    }

    pub(super) fn visit_array_set(&mut self, array_type_index: u32) -> Result<(), CompileError> {
        let element = self.array_element(array_type_index)?;
        let (array, index, value) = self.pop3()?;
        let offset = self.element_offset(array, index, element)?;
        self.write_field(offset, 0, element.storage, value);
        Ok(())
    }

    pub(super) fn visit_array_len(&mut self) -> Result<(), CompileError> {
        let array = self.pop()?;
        self.b.ins().trapz(array, Trap::NullReference.code());
        let length = self.array_length(array);
        self.push(length);
        Ok(())
    }

    pub(super) fn visit_array_fill(&mut self, array_type_index: u32) -> Result<(), CompileError> {
        let element = self.array_element(array_type_index)?;
        let count = self.pop()?;
        let (array, index, value) = self.pop3()?;
        self.b.ins().trapz(array, Trap::NullReference.code());
        let slot = self.value_slot(value);
        self.array_fill(
            array,
            index,
            count,
            slot,
            gc_layout::field_size(element.storage),
        );
        Ok(())
    }

    pub(super) fn visit_array_new_data(
        &mut self,
        array_type_index: u32,
        array_data_index: u32,
    ) -> Result<(), CompileError> {
        let (offset, length) = self.pop2()?;
        let array = self.new_array_from_segment(
            Builtin::array_new_data,
            array_type_index,
            array_data_index,
            offset,
            length,
            Trap::MemoryOutOfBounds,
        );
        self.push(array);
        Ok(())
    }

    pub(super) fn visit_array_new_elem(
        &mut self,
        array_type_index: u32,
        array_elem_index: u32,
    ) -> Result<(), CompileError> {
        let (offset, length) = self.pop2()?;
        let array = self.new_array_from_segment(
            Builtin::array_new_elem,
            array_type_index,
            array_elem_index,
            offset,
            length,
            Trap::TableOutOfBounds,
        );
        self.push(array);
        Ok(())
    }

    pub(super) fn visit_array_init_data(
        &mut self,
        array_type_index: u32,
        array_data_index: u32,
    ) -> Result<(), CompileError> {
        self.array_init(
            Builtin::array_init_data,
            array_type_index,
            array_data_index,
            Trap::MemoryOutOfBounds,
        )
    }

    pub(super) fn visit_array_init_elem(
        &mut self,
        array_type_index: u32,
        array_elem_index: u32,
    ) -> Result<(), CompileError> {
        self.array_init(
            Builtin::array_init_elem,
            array_type_index,
            array_elem_index,
            Trap::TableOutOfBounds,
        )
    }

    pub(super) fn visit_array_copy(
        &mut self,
        array_type_index_dst: u32,
        _array_type_index_src: u32,
    ) -> Result<(), CompileError> {
        let element = self.array_element(array_type_index_dst)?;
        let count = self.pop()?;
        let (src, src_index) = self.pop2()?;
        let (dst, dst_index) = self.pop2()?;
        for array in [dst, src] {
            self.b.ins().trapz(array, Trap::NullReference.code());
        }
        let size = gc_layout::field_size(element.storage);
        self.array_copy([dst, dst_index, src, src_index, count], size);
        Ok(())
    }

    pub(super) fn visit_any_convert_extern(&mut self) -> Result<(), CompileError> {
        let external = self.pop()?;
        // An `anyref` that was externalized: its own 32 bits.
        let low = self.b.ins().ireduce(I32, external);
        // A host reference: tagged (see `gc_layout`).
        let shifted = self.b.ins().ishl_imm_u(low, 2);
        let host = self.b.ins().bor_imm_u(shifted, i64::from(HOST_IN_ANY_TAG));
        let wrapped = self.b.ins().icmp_imm_u(
            IntCC::UnsignedGreaterThanOrEqual,
            external,
            ANY_IN_EXTERN as i64,
        );
        let converted = self.b.ins().select(wrapped, low, host);
        let zero = self.i32_const(0);
        let internal = self.b.ins().select(external, converted, zero);
        self.push(internal);
        Ok(())
    }

    pub(super) fn visit_extern_convert_any(&mut self) -> Result<(), CompileError> {
        let internal = self.pop()?;
        // A host reference that was internalized: its `index + 1` back.
        let unshifted = self.b.ins().ushr_imm_u(internal, 2);
        let host = self.b.ins().uextend(I64, unshifted);
        // Anything else (null stays null): wrapped.
        let wide = self.b.ins().uextend(I64, internal);
        let tagged = self.b.ins().bor_imm_u(wide, ANY_IN_EXTERN as i64);
        let zero = self.b.ins().iconst(I64, 0);
        let other = self.b.ins().select(internal, tagged, zero);
        let low_bits = self.b.ins().band_imm_u(internal, 3);
        let is_host = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, low_bits, i64::from(HOST_IN_ANY_TAG));
        let external = self.b.ins().select(is_host, host, other);
        self.push(external);
        Ok(())
    }

    pub(super) fn visit_ref_test_non_null(
        &mut self,
        hty: wasmparser::HeapType,
    ) -> Result<(), CompileError> {
        self.ref_test(false, hty)
    }

    pub(super) fn visit_ref_test_nullable(
        &mut self,
        hty: wasmparser::HeapType,
    ) -> Result<(), CompileError> {
        self.ref_test(true, hty)
    }

    pub(super) fn visit_ref_cast_non_null(
        &mut self,
        hty: wasmparser::HeapType,
    ) -> Result<(), CompileError> {
        self.ref_cast(false, hty)
    }

    pub(super) fn visit_ref_cast_nullable(
        &mut self,
        hty: wasmparser::HeapType,
    ) -> Result<(), CompileError> {
        self.ref_cast(true, hty)
    }

    pub(super) fn visit_br_on_cast(
        &mut self,
        relative_depth: u32,
        _from_ref_type: wasmparser::RefType,
        to_ref_type: wasmparser::RefType,
    ) -> Result<(), CompileError> {
        self.br_on_cast(relative_depth, to_ref_type, true)
    }

    pub(super) fn visit_br_on_cast_fail(
        &mut self,
        relative_depth: u32,
        _from_ref_type: wasmparser::RefType,
        to_ref_type: wasmparser::RefType,
    ) -> Result<(), CompileError> {
        self.br_on_cast(relative_depth, to_ref_type, false)
    }

    // Types and layouts.

    /// The declared type `type_index` of the module.
    fn composite(&self, type_index: u32) -> Result<&CompositeType, CompileError> {
        self.env
            .info
            .types
            .get(type_index as usize)
            .map(|t| &t.composite)
            .ok_or_else(|| super::bug("type index out of range"))
    }

    /// The fields of struct type `type_index`.
    fn struct_fields(&self, type_index: u32) -> Result<Vec<FieldType>, CompileError> {
        match self.composite(type_index)? {
            CompositeType::Struct(fields) => Ok(fields.to_vec()),
            _ => Err(super::bug("struct operator on a non-struct type")),
        }
    }

    /// The offset and type of field `field_index` of struct type
    /// `type_index`.
    fn struct_field(
        &self,
        type_index: u32,
        field_index: u32,
    ) -> Result<(u32, FieldType), CompileError> {
        let fields = self.struct_fields(type_index)?;
        let layout = StructLayout::new(&fields);
        let i = field_index as usize;
        match (layout.offsets.get(i), fields.get(i)) {
            (Some(offset), Some(field)) => Ok((*offset, *field)),
            _ => Err(super::bug("field index out of range")),
        }
    }

    /// The element type of array type `type_index`.
    fn array_element(&self, type_index: u32) -> Result<FieldType, CompileError> {
        match self.composite(type_index)? {
            CompositeType::Array(element) => Ok(*element),
            _ => Err(super::bug("array operator on a non-array type")),
        }
    }

    // Allocation and access.

    /// A new struct of type `type_index`; traps when the heap is full.
    fn allocate_struct(&mut self, type_index: u32, layout: &StructLayout) -> Value {
        let size = self.b.ins().iconst(I64, i64::from(layout.size));
        let no_length = self.i32_const(0);
        let object = self.gc_alloc(type_index, size, no_length);
        self.b.ins().trapz(object, TrapReason::HostFailed.code());
        object
    }

    /// A new array of type `type_index` with `length` elements; traps
    /// when the heap cannot hold it.
    fn allocate_array(&mut self, type_index: u32, element: FieldType, length: Value) -> Value {
        let size = self.array_size(element, length);
        let array = self.gc_alloc(type_index, size, length);
        self.b.ins().trapz(array, TrapReason::HostFailed.code());
        array
    }

    /// The size in bytes (an `i64`) of an array of `length` elements;
    /// traps with `AllocationTooLarge` when no GC heap could hold it.
    fn array_size(&mut self, element: FieldType, length: Value) -> Value {
        let element_size = i64::from(gc_layout::field_size(element.storage));
        // At most 2^32 * 16 + 16: no overflow in 64 bits.
        let wide = self.b.ins().uextend(I64, length);
        let bytes = self.b.ins().imul_imm_u(wide, element_size);
        let size = self.b.ins().iadd_imm_u(bytes, i64::from(ARRAY_ELEMENTS));
        let too_large = self.b.ins().icmp_imm_u(
            IntCC::UnsignedGreaterThan,
            size,
            gc_layout::MAX_OBJECT_SIZE as i64,
        );
        self.b
            .ins()
            .trapnz(too_large, Trap::AllocationTooLarge.code());
        size
    }

    /// The address of `object` (an `i32` reference) in the GC heap.
    fn object_address(&mut self, object: Value) -> Value {
        let base = self.gc_heap_base();
        let offset = self.b.ins().uextend(I64, object);
        self.b.ins().iadd(base, offset)
    }

    /// Writes `value` to the field at `offset` in `object`.
    fn write_field(&mut self, object: Value, offset: u32, storage: StorageType, value: Value) {
        let flags = self.gc;
        let addr = self.object_address(object);
        let offset = offset as i32;
        let ins = self.b.ins();
        match storage {
            StorageType::I8 => ins.istore8(flags, value, addr, offset),
            StorageType::I16 => ins.istore16(flags, value, addr, offset),
            StorageType::Val(_) => ins.store(flags, value, addr, offset),
        };
    }

    /// Reads the field at `offset` in `object`, a packed one widened as
    /// `extend` says.
    fn read_field(
        &mut self,
        object: Value,
        offset: u32,
        storage: StorageType,
        extend: Extend,
    ) -> Value {
        let flags = self.gc;
        let addr = self.object_address(object);
        let offset = offset as i32;
        let ins = self.b.ins();
        match (storage, extend) {
            (StorageType::I8, Extend::Signed) => ins.sload8(I32, flags, addr, offset),
            (StorageType::I8, Extend::Unsigned) => ins.uload8(I32, flags, addr, offset),
            (StorageType::I16, Extend::Signed) => ins.sload16(I32, flags, addr, offset),
            (StorageType::I16, Extend::Unsigned) => ins.uload16(I32, flags, addr, offset),
            (StorageType::Val(ty), _) => ins.load(abi::clif_type(ty), flags, addr, offset),
        }
    }

    fn struct_get(
        &mut self,
        type_index: u32,
        field_index: u32,
        extend: Extend,
    ) -> Result<(), CompileError> {
        let (offset, field) = self.struct_field(type_index, field_index)?;
        let object = self.pop()?;
        self.b.ins().trapz(object, Trap::NullReference.code());
        let value = self.read_field(object, offset, field.storage, extend);
        self.push(value);
        Ok(())
    }

    /// The length of `array` (non-null).
    fn array_length(&mut self, array: Value) -> Value {
        self.read_field(
            array,
            ARRAY_LENGTH,
            StorageType::Val(crate::types::ValType::I32),
            Extend::Unsigned,
        )
    }

    /// The element `index` of `array` as a reference-like `i32` offset
    /// (for `read_field`/`write_field` at offset 0), after trapping if the
    /// array is null or the index out of bounds. The offset is computed
    /// in 32 bits, so it stays inside the heap (see the module docs).
    fn element_offset(
        &mut self,
        array: Value,
        index: Value,
        element: FieldType,
    ) -> Result<Value, CompileError> {
        self.b.ins().trapz(array, Trap::NullReference.code());
        let length = self.array_length(array);
        let out = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, length);
        self.b.ins().trapnz(out, Trap::ArrayOutOfBounds.code());
        let size = gc_layout::field_size(element.storage);
        let scaled = self.b.ins().imul_imm_u(index, i64::from(size));
        let in_object = self.b.ins().iadd_imm_u(scaled, i64::from(ARRAY_ELEMENTS));
        Ok(self.b.ins().iadd(array, in_object))
    }

    fn array_get(&mut self, type_index: u32, extend: Extend) -> Result<(), CompileError> {
        let element = self.array_element(type_index)?;
        let (array, index) = self.pop2()?;
        let offset = self.element_offset(array, index, element)?;
        let value = self.read_field(offset, 0, element.storage, extend);
        self.push(value);
        Ok(())
    }

    /// `array.init_data` or `array.init_elem` (`builtin`) from `segment`.
    fn array_init(
        &mut self,
        builtin: Builtin,
        type_index: u32,
        segment: u32,
        segment_trap: Trap,
    ) -> Result<(), CompileError> {
        let element = self.array_element(type_index)?;
        let count = self.pop()?;
        let (array, index, offset) = self.pop3()?;
        self.b.ins().trapz(array, Trap::NullReference.code());
        let segment = self.i32_const(segment);
        let size = gc_layout::field_size(element.storage);
        self.init_array_from_segment(
            builtin,
            [array, index, segment, offset, count],
            size,
            segment_trap,
        );
        Ok(())
    }

    /// The address of a 16-byte stack slot holding `value`, for builtins
    /// that copy a field's bytes.
    fn value_slot(&mut self, value: Value) -> Value {
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            abi::VALUE_SLOT_SIZE,
            4,
        ));
        let addr = self.b.ins().stack_addr(I64, slot, 0);
        self.store_at(super::runtime::VALUE, value, addr, 0);
        addr
    }

    // Casts.

    /// The reference type `hty` names, nullable or not.
    fn target_type(
        &self,
        nullable: bool,
        hty: wasmparser::HeapType,
    ) -> Result<RefType, CompileError> {
        let info = self.env.info;
        wasmparser::RefType::new(nullable, hty)
            .and_then(|r| RefType::from_wasmparser(r, &|i| info.type_kind(i)))
            .ok_or_else(|| CompileError::Unsupported(format!("reference type {hty:?}")))
    }

    fn ref_test(&mut self, nullable: bool, hty: wasmparser::HeapType) -> Result<(), CompileError> {
        let target = self.target_type(nullable, hty)?;
        let value = self.pop()?;
        let matches = self.ref_matches(value, target)?;
        self.push(matches);
        Ok(())
    }

    fn ref_cast(&mut self, nullable: bool, hty: wasmparser::HeapType) -> Result<(), CompileError> {
        let target = self.target_type(nullable, hty)?;
        let value = self.pop()?;
        let matches = self.ref_matches(value, target)?;
        self.b.ins().trapz(matches, Trap::CastFailure.code());
        self.push(value);
        Ok(())
    }

    /// `br_on_cast` (`on_match`) or `br_on_cast_fail`: branches with the
    /// operands and the reference when it matches `to` (or does not),
    /// else goes on with the reference on the stack.
    fn br_on_cast(
        &mut self,
        depth: u32,
        to: wasmparser::RefType,
        on_match: bool,
    ) -> Result<(), CompileError> {
        let target = self.target_type(to.is_nullable(), to.heap_type())?;
        let value = *self
            .st
            .stack
            .last()
            .ok_or_else(|| super::bug("operand stack underflow"))?;
        let matches = self.ref_matches(value, target)?;
        let (label, n) = self.branch_target(depth)?;
        self.top_as_block_args(n)?;
        let next = self.b.create_block();
        if on_match {
            self.b
                .ins()
                .brif(matches, label, &self.st.block_args, next, &[]);
        } else {
            self.b
                .ins()
                .brif(matches, next, &[], label, &self.st.block_args);
        }
        self.b.seal_block(next);
        self.b.switch_to_block(next);
        Ok(())
    }

    /// Whether `value` is a reference of type `target` (an `i32`, 1 or 0).
    /// Validation guarantees `value` is of `target`'s hierarchy.
    fn ref_matches(&mut self, value: Value, target: RefType) -> Result<Value, CompileError> {
        use HeapType as H;
        match target.heap {
            // Every non-null reference of the hierarchy matches.
            H::Func | H::Extern | H::Any | H::Exn => {
                if target.nullable {
                    return Ok(self.i32_const(1));
                }
                let non_null = self.b.ins().icmp_imm_u(IntCC::NotEqual, value, 0);
                return Ok(self.b.ins().uextend(I32, non_null));
            }
            // Only null does.
            H::NoFunc | H::NoExtern | H::None | H::NoExn => {
                if !target.nullable {
                    return Ok(self.i32_const(0));
                }
                let null = self.b.ins().icmp_imm_u(IntCC::Equal, value, 0);
                return Ok(self.b.ins().uextend(I32, null));
            }
            _ => {}
        }
        let done = self.b.create_block();
        self.b.append_block_param(done, I32);
        let non_null = self.b.create_block();
        let if_null = self.i32_const(u32::from(target.nullable));
        self.b
            .ins()
            .brif(value, non_null, &[], done, &[if_null.into()]);
        self.b.seal_block(non_null);
        self.b.switch_to_block(non_null);
        let result = match target.heap {
            H::ConcreteFunc(ty) => {
                let actual = self.func_ref_type_id(value, Trap::CastFailure);
                self.type_id_matches(actual, type_index(ty)?)
            }
            heap => {
                // The `any` hierarchy: an `i31`, a host reference, or an
                // object.
                let is_i31 = self.b.ins().band_imm_u(value, 1);
                let not_i31 = self.b.create_block();
                let if_i31 = self.i32_const(u32::from(matches!(heap, H::Eq | H::I31)));
                self.b
                    .ins()
                    .brif(is_i31, done, &[if_i31.into()], not_i31, &[]);
                self.b.seal_block(not_i31);
                self.b.switch_to_block(not_i31);
                // A host reference in the `any` hierarchy is neither.
                let host = self.b.ins().band_imm_u(value, i64::from(HOST_IN_ANY_TAG));
                let object = self.b.create_block();
                let no = self.i32_const(0);
                self.b.ins().brif(host, done, &[no.into()], object, &[]);
                self.b.seal_block(object);
                self.b.switch_to_block(object);
                match heap {
                    H::I31 => self.i32_const(0),
                    H::Eq => self.i32_const(1),
                    H::Struct | H::Array => {
                        let kind = if heap == H::Struct {
                            KIND_STRUCT
                        } else {
                            KIND_ARRAY
                        };
                        let actual = self.read_field(value, KIND, I32_FIELD, Extend::Unsigned);
                        let is = self
                            .b
                            .ins()
                            .icmp_imm_u(IntCC::Equal, actual, i64::from(kind));
                        self.b.ins().uextend(I32, is)
                    }
                    H::ConcreteStruct(ty) | H::ConcreteArray(ty) => {
                        let actual = self.read_field(value, TYPE_ID, I32_FIELD, Extend::Unsigned);
                        self.type_id_matches(actual, type_index(ty)?)
                    }
                    _ => return Err(super::bug("cast to a heap type of no hierarchy")),
                }
            }
        };
        self.b.ins().jump(done, &[result.into()]);
        self.b.seal_block(done);
        self.b.switch_to_block(done);
        Ok(self.b.block_params(done)[0])
    }

    /// Whether engine type `actual` is the module's type `expected` or a
    /// subtype of it (an `i32`, 1 or 0): one compare when `expected` is
    /// final, else the `is_subtype` builtin when the ids differ.
    fn type_id_matches(&mut self, actual: Value, expected: TypeIndex) -> Value {
        let final_type = self.env.info.types[expected.index()].is_final;
        let expected = self.engine_type_id(expected.0);
        let same = self.b.ins().icmp(IntCC::Equal, actual, expected);
        let same = self.b.ins().uextend(I32, same);
        if final_type {
            return same;
        }
        let done = self.b.create_block();
        self.b.append_block_param(done, I32);
        let ask = self.b.create_block();
        self.b.ins().brif(same, done, &[same.into()], ask, &[]);
        self.b.seal_block(ask);
        self.b.switch_to_block(ask);
        let is_subtype = self.is_subtype(actual, expected);
        self.b.ins().jump(done, &[is_subtype.into()]);
        self.b.seal_block(done);
        self.b.switch_to_block(done);
        self.b.block_params(done)[0]
    }
}

/// An `i32` header field.
const I32_FIELD: StorageType = StorageType::Val(crate::types::ValType::I32);

/// The module type index a concrete heap type names.
fn type_index(ty: TypeRef) -> Result<TypeIndex, CompileError> {
    match ty {
        TypeRef::Module(index) => Ok(index),
        _ => Err(super::bug(
            "a concrete type in a function body is not a module type",
        )),
    }
}
