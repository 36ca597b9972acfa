// Seed section "store association": an item belongs to the store that
// made it; using it with another store is an error, never a crash.
#include "check.h"

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store_a = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_store_t *store_b = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *a = wasmtime_store_context(store_a);
  wasmtime_context_t *b = wasmtime_store_context(store_b);
  wasmtime_module_t *module = compile(engine,
      "(module"
      "  (memory (export \"memory\") 1)"
      "  (global (export \"g\") (mut i32) (i32.const 7))"
      "  (table (export \"t\") 1 funcref)"
      "  (func (export \"f\") (result i32) (i32.const 1)))");
  wasmtime_instance_t instance = instantiate(a, module);
  wasmtime_extern_t f = export_of(a, &instance, "f", WASMTIME_EXTERN_FUNC);
  wasmtime_extern_t memory = export_of(a, &instance, "memory", WASMTIME_EXTERN_MEMORY);
  wasmtime_extern_t global = export_of(a, &instance, "g", WASMTIME_EXTERN_GLOBAL);
  wasmtime_extern_t table = export_of(a, &instance, "t", WASMTIME_EXTERN_TABLE);

  // Calling a function of store A in store B.
  wasmtime_val_t result;
  wasm_trap_t *trap = NULL;
  CHECK_ERROR(wasmtime_func_call(b, &f.of.func, NULL, 0, &result, 1, &trap), "wrong store");
  CHECK(trap == NULL);
  CHECK(wasmtime_func_type(b, &f.of.func) == NULL);

  // Its memory, global and table.
  CHECK(wasmtime_memory_data(b, &memory.of.memory) == NULL);
  CHECK(wasmtime_memory_data_size(b, &memory.of.memory) == 0);
  uint64_t previous;
  CHECK_ERROR(wasmtime_memory_grow(b, &memory.of.memory, 1, &previous), "wrong store");
  wasmtime_val_t seven = {.kind = WASMTIME_I32, .of.i32 = 8};
  CHECK_ERROR(wasmtime_global_set(b, &global.of.global, &seven), "wrong store");
  CHECK(wasmtime_table_size(b, &table.of.table) == 0);
  CHECK(wasmtime_table_size(a, &table.of.table) == 1);

  // Its instance, and an import from store A for an instance in store B.
  wasmtime_extern_t item;
  CHECK(!wasmtime_instance_export_get(b, &instance, "f", 1, &item));
  wasmtime_module_t *importer = compile(engine,
      "(module (import \"\" \"f\" (func (result i32))))");
  wasmtime_instance_t out;
  CHECK_ERROR(wasmtime_instance_new(b, importer, &f, 1, &out, &trap), "wrong store");
  CHECK(trap == NULL);

  // A funcref of store A passed as an argument in store B.
  wasmtime_module_t *taker = compile(engine,
      "(module (func (export \"take\") (param funcref)))");
  wasmtime_instance_t taker_b = instantiate(b, taker);
  wasmtime_extern_t take = export_of(b, &taker_b, "take", WASMTIME_EXTERN_FUNC);
  wasmtime_val_t arg = {.kind = WASMTIME_FUNCREF, .of.funcref = f.of.func};
  CHECK_ERROR(wasmtime_func_call(b, &take.of.func, &arg, 1, NULL, 0, &trap), "wrong store");
  // ... while a null funcref is fine anywhere.
  wasmtime_funcref_set_null(&arg.of.funcref);
  CHECK_OK(wasmtime_func_call(b, &take.of.func, &arg, 1, NULL, 0, &trap));

  // Everything still works in its own store.
  CHECK(call_i32(a, &f.of.func) == 1);

  wasmtime_module_delete(taker);
  wasmtime_module_delete(importer);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store_a);
  wasmtime_store_delete(store_b);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
