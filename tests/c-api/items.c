// Memories (data pointer reads and writes, growth, host-made memories),
// globals and tables, from C.
#include "check.h"

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_module_t *module = compile(engine,
      "(module"
      "  (memory (export \"memory\") 1 3)"
      "  (global (export \"counter\") (mut i64) (i64.const 5))"
      "  (global (export \"pi\") f64 (f64.const 3.25))"
      "  (table (export \"table\") 2 funcref)"
      "  (func $seven (export \"seven\") (result i32) (i32.const 7))"
      "  (elem (i32.const 0) $seven)"
      "  (func (export \"load\") (param i32) (result i32) (i32.load8_u (local.get 0)))"
      "  (func (export \"size\") (result i32) (memory.size)))");
  wasmtime_instance_t instance = instantiate(context, module);

  // Memory: C writes, wasm reads, and the other way round.
  wasmtime_memory_t memory = export_of(context, &instance, "memory", WASMTIME_EXTERN_MEMORY).of.memory;
  CHECK(wasmtime_memory_size(context, &memory) == 1);
  CHECK(wasmtime_memory_data_size(context, &memory) == 65536);
  CHECK(wasmtime_memory_page_size(context, &memory) == 65536);
  CHECK(wasmtime_memory_page_size_log2(context, &memory) == 16);
  uint8_t *data = wasmtime_memory_data(context, &memory);
  data[1000] = 77;
  wasmtime_func_t load = export_of(context, &instance, "load", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = 1000};
  wasmtime_val_t result;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_func_call(context, &load, &arg, 1, &result, 1, &trap));
  CHECK(result.of.i32 == 77);

  // Growth: within the maximum, then past it.
  uint64_t previous = 0;
  CHECK_OK(wasmtime_memory_grow(context, &memory, 2, &previous));
  CHECK(previous == 1 && wasmtime_memory_size(context, &memory) == 3);
  CHECK(wasmtime_memory_data_size(context, &memory) == 3 * 65536);
  wasmtime_func_t size = export_of(context, &instance, "size", WASMTIME_EXTERN_FUNC).of.func;
  CHECK(call_i32(context, &size) == 3);
  wasmtime_memory_data(context, &memory)[3 * 65536 - 1] = 9;
  CHECK_ERROR(wasmtime_memory_grow(context, &memory, 1, &previous), "");
  wasm_memorytype_t *memory_type = wasmtime_memory_type(context, &memory);
  uint64_t maximum;
  // As in Wasmtime, a memory's type has its current size as minimum.
  CHECK(wasmtime_memorytype_minimum(memory_type) == 3);
  CHECK(wasmtime_memorytype_maximum(memory_type, &maximum) && maximum == 3);
  CHECK(!wasmtime_memorytype_is64(memory_type) && !wasmtime_memorytype_isshared(memory_type));
  wasm_memorytype_delete(memory_type);

  // A memory made by the host.
  wasm_memorytype_t *host_type = NULL;
  CHECK_OK(wasmtime_memorytype_new(2, false, 0, false, false, 16, &host_type));
  wasmtime_memory_t host_memory;
  CHECK_OK(wasmtime_memory_new(context, host_type, &host_memory));
  CHECK(wasmtime_memory_size(context, &host_memory) == 2);
  wasm_memorytype_delete(host_type);
  CHECK_ERROR(wasmtime_memorytype_new(1, false, 0, false, true, 16, &host_type), "");

  // Globals: read, write, immutability, type.
  wasmtime_global_t counter = export_of(context, &instance, "counter", WASMTIME_EXTERN_GLOBAL).of.global;
  wasmtime_val_t value;
  wasmtime_global_get(context, &counter, &value);
  CHECK(value.kind == WASMTIME_I64 && value.of.i64 == 5);
  value.of.i64 = 1LL << 40;
  CHECK_OK(wasmtime_global_set(context, &counter, &value));
  wasmtime_global_get(context, &counter, &value);
  CHECK(value.of.i64 == 1LL << 40);
  wasmtime_val_t wrong = {.kind = WASMTIME_I32, .of.i32 = 1};
  CHECK_ERROR(wasmtime_global_set(context, &counter, &wrong), "");
  wasmtime_global_t pi = export_of(context, &instance, "pi", WASMTIME_EXTERN_GLOBAL).of.global;
  wasmtime_global_get(context, &pi, &value);
  CHECK(value.kind == WASMTIME_F64 && value.of.f64 == 3.25);
  CHECK_ERROR(wasmtime_global_set(context, &pi, &value), "");
  wasm_globaltype_t *pi_type = wasmtime_global_type(context, &pi);
  CHECK(wasm_globaltype_mutability(pi_type) == WASM_CONST);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(pi_type)) == WASM_F64);
  wasm_globaltype_delete(pi_type);

  // A global made by the host.
  wasm_globaltype_t *f32_var = wasm_globaltype_new(wasm_valtype_new_f32(), WASM_VAR);
  wasmtime_val_t half = {.kind = WASMTIME_F32, .of.f32 = 0.5f};
  wasmtime_global_t host_global;
  CHECK_OK(wasmtime_global_new(context, f32_var, &half, &host_global));
  wasmtime_global_get(context, &host_global, &value);
  CHECK(value.kind == WASMTIME_F32 && value.of.f32 == 0.5f);
  wasm_globaltype_delete(f32_var);

  // Tables: a funcref element called from C, set, grow.
  wasmtime_table_t table = export_of(context, &instance, "table", WASMTIME_EXTERN_TABLE).of.table;
  CHECK(wasmtime_table_size(context, &table) == 2);
  wasmtime_val_t element;
  CHECK(wasmtime_table_get(context, &table, 0, &element));
  CHECK(element.kind == WASMTIME_FUNCREF && !wasmtime_funcref_is_null(&element.of.funcref));
  CHECK(call_i32(context, &element.of.funcref) == 7);
  CHECK(wasmtime_table_get(context, &table, 1, &element));
  CHECK(wasmtime_funcref_is_null(&element.of.funcref));
  CHECK(!wasmtime_table_get(context, &table, 2, &element));
  wasmtime_val_t seven = {.kind = WASMTIME_FUNCREF,
                          .of.funcref = export_of(context, &instance, "seven", WASMTIME_EXTERN_FUNC).of.func};
  CHECK_OK(wasmtime_table_set(context, &table, 1, &seven));
  CHECK(wasmtime_table_get(context, &table, 1, &element));
  CHECK(call_i32(context, &element.of.funcref) == 7);
  CHECK_ERROR(wasmtime_table_set(context, &table, 5, &seven), "");
  CHECK_ERROR(wasmtime_table_set(context, &table, 0, &wrong), "reference");
  CHECK_OK(wasmtime_table_grow(context, &table, 3, &seven, &previous));
  CHECK(previous == 2 && wasmtime_table_size(context, &table) == 5);
  wasm_tabletype_t *table_type = wasmtime_table_type(context, &table);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(table_type)) == WASM_FUNCREF);
  CHECK(wasm_tabletype_limits(table_type)->min == 5);
  wasm_tabletype_delete(table_type);

  // A table made by the host, and the extern type of an item.
  wasm_limits_t limits = {.min = 1, .max = 4};
  wasm_tabletype_t *funcs = wasm_tabletype_new(wasm_valtype_new_funcref(), &limits);
  wasmtime_val_t null_func = {.kind = WASMTIME_FUNCREF};
  wasmtime_funcref_set_null(&null_func.of.funcref);
  wasmtime_table_t host_table;
  CHECK_OK(wasmtime_table_new(context, funcs, &null_func, &host_table));
  CHECK(wasmtime_table_size(context, &host_table) == 1);
  wasm_tabletype_delete(funcs);
  wasmtime_extern_t as_extern = {.kind = WASMTIME_EXTERN_TABLE, .of.table = host_table};
  wasm_externtype_t *extern_type = wasmtime_extern_type(context, &as_extern);
  CHECK(wasm_externtype_kind(extern_type) == WASM_EXTERN_TABLE);
  CHECK(wasm_tabletype_limits(wasm_externtype_as_tabletype(extern_type))->max == 4);
  wasm_externtype_delete(extern_type);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
