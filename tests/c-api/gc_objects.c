// GC objects made and read from C: struct and array types, structs and
// arrays made with their allocators, fields and elements read and written
// (packed ones too), casts between anyref, eqref, structref and arrayref,
// the heap types of objects,
// objects crossing into wasm and back, and collections keeping what C
// still holds. (That they free what C unrooted is checked in Rust, where
// the heap's size can be seen: `src/gc.rs`.)
#include "check.h"

static int finalized = 0;
static void finalize(void *data) { finalized += *(int *)data; }

static wasmtime_field_type_t field(bool mutable_, wasmtime_storage_type_kind_t kind,
                                   wasm_valkind_t valkind) {
  wasmtime_field_type_t made = {.mutable_ = mutable_, .storage = {.kind = kind}};
  if (kind == WASMTIME_STORAGE_TYPE_KIND_VALTYPE)
    made.storage.valtype = wasm_valtype_new(valkind);
  return made;
}

int main(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_gc_set(config, true);
  wasmtime_config_wasm_function_references_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);

  // Types: (struct (field (mut i32)) (field i64) (field (mut externref)))
  // and (array (mut i8)).
  wasmtime_field_type_t fields[3] = {
      field(true, WASMTIME_STORAGE_TYPE_KIND_VALTYPE, WASM_I32),
      field(false, WASMTIME_STORAGE_TYPE_KIND_VALTYPE, WASM_I64),
      field(true, WASMTIME_STORAGE_TYPE_KIND_VALTYPE, WASM_EXTERNREF),
  };
  wasmtime_struct_type_t *struct_type = wasmtime_struct_type_new(engine, fields, 3);
  CHECK(struct_type != NULL);
  for (int i = 0; i < 3; i++)
    wasmtime_field_type_delete(&fields[i]);
  CHECK(wasmtime_struct_type_num_fields(struct_type) == 3);
  wasmtime_field_type_t read_field;
  CHECK(wasmtime_struct_type_field(struct_type, 1, &read_field));
  CHECK(!read_field.mutable_ && read_field.storage.kind == WASMTIME_STORAGE_TYPE_KIND_VALTYPE);
  CHECK(wasm_valtype_kind(read_field.storage.valtype) == WASM_I64);
  wasmtime_field_type_t copied_field;
  wasmtime_field_type_clone(&read_field, &copied_field);
  CHECK(copied_field.storage.valtype != read_field.storage.valtype);
  CHECK(wasm_valtype_kind(copied_field.storage.valtype) == WASM_I64);
  wasmtime_field_type_delete(&copied_field);
  wasmtime_field_type_delete(&read_field);
  CHECK(!wasmtime_struct_type_field(struct_type, 3, &read_field));

  wasmtime_field_type_t byte = field(true, WASMTIME_STORAGE_TYPE_KIND_I8, 0);
  wasmtime_array_type_t *array_type = wasmtime_array_type_new(engine, &byte);
  CHECK(array_type != NULL);
  wasmtime_array_type_t *array_type_copy = wasmtime_array_type_copy(array_type);
  wasmtime_array_type_element(array_type_copy, &read_field);
  CHECK(read_field.mutable_ && read_field.storage.kind == WASMTIME_STORAGE_TYPE_KIND_I8);
  wasmtime_field_type_delete(&read_field);
  wasmtime_array_type_delete(array_type_copy);

  // A struct holding an externref whose finalizer tells when it goes.
  static int payload = 5;
  wasmtime_val_t host = {.kind = WASMTIME_EXTERNREF};
  CHECK(wasmtime_externref_new(context, &payload, finalize, &host.of.externref));
  wasmtime_struct_ref_pre_t *struct_pre = wasmtime_struct_ref_pre_new(context, struct_type);
  wasmtime_val_t init[3] = {
      {.kind = WASMTIME_I32, .of.i32 = 11},
      {.kind = WASMTIME_I64, .of.i64 = -3},
      host,
  };
  wasmtime_structref_t object;
  CHECK_OK(wasmtime_structref_new(context, struct_pre, init, 3, &object));
  wasmtime_val_unroot(&host);
  CHECK_ERROR(wasmtime_structref_new(context, struct_pre, init, 2, &object), "a struct of 3 fields given 2 values");

  wasmtime_val_t value;
  CHECK_OK(wasmtime_structref_field(context, &object, 0, &value));
  CHECK(value.kind == WASMTIME_I32 && value.of.i32 == 11);
  CHECK_OK(wasmtime_structref_field(context, &object, 1, &value));
  CHECK(value.kind == WASMTIME_I64 && value.of.i64 == -3);
  CHECK_OK(wasmtime_structref_field(context, &object, 2, &value));
  CHECK(value.kind == WASMTIME_EXTERNREF);
  CHECK(wasmtime_externref_data(context, &value.of.externref) == &payload);
  wasmtime_val_unroot(&value);
  wasmtime_val_t twelve = {.kind = WASMTIME_I32, .of.i32 = 12};
  CHECK_OK(wasmtime_structref_set_field(context, &object, 0, &twelve));
  CHECK_OK(wasmtime_structref_field(context, &object, 0, &value));
  CHECK(value.of.i32 == 12);
  wasmtime_val_t wide = {.kind = WASMTIME_I64, .of.i64 = 1};
  CHECK_ERROR(wasmtime_structref_set_field(context, &object, 1, &wide), "field 1 is immutable");
  CHECK_ERROR(wasmtime_structref_set_field(context, &object, 0, &wide), "cannot hold a value of type i64");
  CHECK_ERROR(wasmtime_structref_field(context, &object, 3, &value), "field 3 of a struct with 3 fields");
  wasmtime_struct_type_t *object_type = wasmtime_structref_type(context, &object);
  CHECK(object_type != NULL && wasmtime_struct_type_num_fields(object_type) == 3);
  wasmtime_struct_type_delete(object_type);

  // Casts.
  wasmtime_val_t any = {.kind = WASMTIME_ANYREF};
  wasmtime_structref_to_anyref(&object, &any.of.anyref);
  CHECK(wasmtime_anyref_is_struct(context, &any.of.anyref));
  CHECK(!wasmtime_anyref_is_array(context, &any.of.anyref));
  wasmtime_eqref_t eq;
  CHECK(wasmtime_anyref_as_eqref(context, &any.of.anyref, &eq));
  CHECK(wasmtime_eqref_is_struct(context, &eq) && !wasmtime_eqref_is_i31(context, &eq));
  wasmtime_structref_t again;
  CHECK(wasmtime_eqref_as_struct(context, &eq, &again));
  CHECK_OK(wasmtime_structref_field(context, &again, 0, &value));
  CHECK(value.of.i32 == 12);
  wasmtime_arrayref_t not_array;
  CHECK(!wasmtime_anyref_as_array(context, &any.of.anyref, &not_array));
  CHECK(wasmtime_arrayref_is_null(&not_array));
  wasmtime_heaptype_t heap;
  CHECK(wasmtime_anyref_type(context, &any.of.anyref, &heap));
  CHECK(heap.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT);
  CHECK(wasmtime_struct_type_num_fields(heap.of.concrete_struct) == 3);
  wasmtime_heaptype_t heap_copy;
  wasmtime_heaptype_clone(&heap, &heap_copy);
  CHECK(heap_copy.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT);
  CHECK(heap_copy.of.concrete_struct != heap.of.concrete_struct);
  wasmtime_heaptype_delete(&heap);
  CHECK(wasmtime_struct_type_num_fields(heap_copy.of.concrete_struct) == 3);
  wasmtime_heaptype_delete(&heap_copy);
  wasmtime_structref_unroot(&again);
  wasmtime_eqref_unroot(&eq);
  wasmtime_eqref_from_i31(context, 0x40000000, &eq);
  int32_t small;
  CHECK(wasmtime_eqref_is_i31(context, &eq) && !wasmtime_eqref_is_struct(context, &eq));
  CHECK(wasmtime_eqref_i31_get_s(context, &eq, &small) && small == -0x40000000);
  CHECK(wasmtime_eqref_type(context, &eq, &heap) && heap.kind == WASMTIME_HEAPTYPE_KIND_I31);
  wasmtime_heaptype_delete(&heap);
  wasmtime_eqref_unroot(&eq);

  // Arrays of packed bytes.
  wasmtime_array_ref_pre_t *array_pre = wasmtime_array_ref_pre_new(context, array_type);
  wasmtime_val_t fill = {.kind = WASMTIME_I32, .of.i32 = 0x1ff};
  wasmtime_arrayref_t bytes;
  CHECK_OK(wasmtime_arrayref_new(context, array_pre, &fill, 4, &bytes));
  uint32_t len = 0;
  CHECK_OK(wasmtime_arrayref_len(context, &bytes, &len));
  CHECK(len == 4);
  CHECK_OK(wasmtime_arrayref_get(context, &bytes, 3, &value));
  CHECK(value.kind == WASMTIME_I32 && value.of.i32 == 0xff);
  wasmtime_val_t seven = {.kind = WASMTIME_I32, .of.i32 = 7};
  CHECK_OK(wasmtime_arrayref_set(context, &bytes, 2, &seven));
  CHECK_OK(wasmtime_arrayref_get(context, &bytes, 2, &value));
  CHECK(value.of.i32 == 7);
  CHECK_ERROR(wasmtime_arrayref_get(context, &bytes, 4, &value), "element 4 of an array of 4");
  wasmtime_array_type_t *bytes_type = wasmtime_arrayref_type(context, &bytes);
  CHECK(bytes_type != NULL);
  wasmtime_array_type_delete(bytes_type);
  wasmtime_val_t bytes_any = {.kind = WASMTIME_ANYREF};
  wasmtime_arrayref_to_anyref(&bytes, &bytes_any.of.anyref);
  CHECK(wasmtime_anyref_is_array(context, &bytes_any.of.anyref));
  CHECK(wasmtime_anyref_type(context, &bytes_any.of.anyref, &heap));
  CHECK(heap.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_ARRAY);
  wasmtime_array_type_element(heap.of.concrete_array, &read_field);
  CHECK(read_field.storage.kind == WASMTIME_STORAGE_TYPE_KIND_I8);
  wasmtime_field_type_delete(&read_field);
  wasmtime_heaptype_delete(&heap);
  wasmtime_arrayref_unroot(&bytes);

  // Into wasm and back: wasm reads the struct's first field and sums the
  // array; it makes a struct of its own, which C reads.
  wasmtime_module_t *module = compile(engine,
      "(module"
      "  (type $s (struct (field (mut i32)) (field i64) (field (mut externref))))"
      "  (type $a (array (mut i8)))"
      "  (func (export \"first\") (param anyref) (result i32)"
      "    (struct.get $s 0 (ref.cast (ref $s) (local.get 0))))"
      "  (func (export \"sum\") (param anyref) (result i32)"
      "    (local $arr (ref $a)) (local $i i32) (local $total i32)"
      "    (local.set $arr (ref.cast (ref $a) (local.get 0)))"
      "    (block $done (loop $next"
      "      (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $arr))))"
      "      (local.set $total (i32.add (local.get $total)"
      "        (array.get_u $a (local.get $arr) (local.get $i))))"
      "      (local.set $i (i32.add (local.get $i) (i32.const 1)))"
      "      (br $next)))"
      "    (local.get $total))"
      "  (func (export \"make\") (result anyref)"
      "    (struct.new $s (i32.const 99) (i64.const 5) (ref.null extern))))");
  wasmtime_instance_t instance = instantiate(context, module);
  wasmtime_func_t first = export_of(context, &instance, "first", WASMTIME_EXTERN_FUNC).of.func;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_func_call(context, &first, &any, 1, &value, 1, &trap));
  CHECK(trap == NULL && value.of.i32 == 12);
  wasmtime_func_t sum = export_of(context, &instance, "sum", WASMTIME_EXTERN_FUNC).of.func;
  CHECK_OK(wasmtime_func_call(context, &sum, &bytes_any, 1, &value, 1, &trap));
  CHECK(trap == NULL && value.of.i32 == 0xff * 3 + 7);
  wasmtime_val_unroot(&bytes_any);
  wasmtime_func_t make = export_of(context, &instance, "make", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t made;
  CHECK_OK(wasmtime_func_call(context, &make, NULL, 0, &made, 1, &trap));
  CHECK(made.kind == WASMTIME_ANYREF);
  wasmtime_structref_t from_wasm;
  CHECK(wasmtime_anyref_as_struct(context, &made.of.anyref, &from_wasm));
  CHECK_OK(wasmtime_structref_field(context, &from_wasm, 0, &value));
  CHECK(value.of.i32 == 99);
  wasmtime_structref_unroot(&from_wasm);
  wasmtime_val_unroot(&made);

  // Collections: the struct (and the externref in it) stays while C
  // holds a reference to it.
  CHECK_OK(wasmtime_context_gc(context));
  wasmtime_structref_unroot(&object);
  CHECK_OK(wasmtime_context_gc(context));
  wasmtime_structref_t last;
  CHECK(wasmtime_anyref_as_struct(context, &any.of.anyref, &last));
  wasmtime_val_unroot(&any);
  CHECK_OK(wasmtime_context_gc(context));
  CHECK_OK(wasmtime_structref_field(context, &last, 0, &value));
  CHECK(value.of.i32 == 12);
  CHECK_OK(wasmtime_structref_field(context, &last, 2, &value));
  CHECK(wasmtime_externref_data(context, &value.of.externref) == &payload);
  CHECK(finalized == 0);
  wasmtime_val_unroot(&value);
  wasmtime_structref_unroot(&last);
  // Nothing holds the struct any more: the collection frees it and the
  // externref's value in it.
  CHECK_OK(wasmtime_context_gc(context));
  CHECK(finalized == 5);

  wasmtime_struct_ref_pre_delete(struct_pre);
  wasmtime_array_ref_pre_delete(array_pre);
  wasmtime_struct_type_delete(struct_type);
  wasmtime_array_type_delete(array_type);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  CHECK(finalized == 5);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
