// Seed section "create instances": an engine, a store, a module compiled
// from text, an instance; calling an export; the module's imports and
// exports; the instance's exports by position.
#include "check.h"

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  CHECK(engine != NULL);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  CHECK(store != NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);

  wasmtime_module_t *module = compile(engine,
      "(module"
      "  (memory (export \"memory\") 1)"
      "  (global (export \"answer\") i32 (i32.const 42))"
      "  (func (export \"add\") (param i32 i32) (result i32)"
      "    (i32.add (local.get 0) (local.get 1))))");

  // The module's exports, in order, with their types.
  wasm_exporttype_vec_t exports;
  wasmtime_module_exports(module, &exports);
  CHECK(exports.size == 3);
  const wasm_name_t *name = wasm_exporttype_name(exports.data[2]);
  CHECK(name->size == 3 && memcmp(name->data, "add", 3) == 0);
  const wasm_externtype_t *type = wasm_exporttype_type(exports.data[2]);
  CHECK(wasm_externtype_kind(type) == WASM_EXTERN_FUNC);
  const wasm_functype_t *functype = wasm_externtype_as_functype_const(type);
  CHECK(wasm_functype_params(functype)->size == 2);
  CHECK(wasm_valtype_kind(wasm_functype_params(functype)->data[0]) == WASM_I32);
  CHECK(wasm_functype_results(functype)->size == 1);
  CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[0])) == WASM_EXTERN_MEMORY);
  const wasm_limits_t *limits = wasm_memorytype_limits(
      wasm_externtype_as_memorytype_const(wasm_exporttype_type(exports.data[0])));
  CHECK(limits->min == 1 && limits->max == wasm_limits_max_default);
  wasm_exporttype_vec_delete(&exports);

  wasm_importtype_vec_t imports;
  wasmtime_module_imports(module, &imports);
  CHECK(imports.size == 0);
  wasm_importtype_vec_delete(&imports);

  wasmtime_instance_t instance = instantiate(context, module);
  wasmtime_extern_t add = export_of(context, &instance, "add", WASMTIME_EXTERN_FUNC);
  wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 2},
                            {.kind = WASMTIME_I32, .of.i32 = 3}};
  wasmtime_val_t result;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_func_call(context, &add.of.func, args, 2, &result, 1, &trap));
  CHECK(trap == NULL && result.kind == WASMTIME_I32 && result.of.i32 == 5);

  // The function's type, from the store.
  wasm_functype_t *add_type = wasmtime_func_type(context, &add.of.func);
  CHECK(add_type != NULL && wasm_functype_params(add_type)->size == 2);
  wasm_functype_delete(add_type);

  // Exports by position.
  char *export_name;
  size_t export_name_len;
  wasmtime_extern_t item;
  CHECK(wasmtime_instance_export_nth(context, &instance, 1, &export_name,
                                     &export_name_len, &item));
  CHECK(export_name_len == 6 && memcmp(export_name, "answer", 6) == 0);
  CHECK(item.kind == WASMTIME_EXTERN_GLOBAL);
  wasmtime_val_t answer;
  wasmtime_global_get(context, &item.of.global, &answer);
  CHECK(answer.kind == WASMTIME_I32 && answer.of.i32 == 42);
  CHECK(!wasmtime_instance_export_nth(context, &instance, 3, &export_name,
                                      &export_name_len, &item));
  CHECK(!wasmtime_instance_export_get(context, &instance, "missing", 7, &item));

  // A serialized module loads again.
  wasm_byte_vec_t serialized;
  CHECK_OK(wasmtime_module_serialize(module, &serialized));
  wasmtime_module_t *loaded = NULL;
  CHECK_OK(wasmtime_module_deserialize(engine, (uint8_t *)serialized.data,
                                       serialized.size, &loaded));
  wasm_byte_vec_delete(&serialized);
  wasmtime_instance_t again = instantiate(context, loaded);
  wasmtime_extern_t add_again = export_of(context, &again, "add", WASMTIME_EXTERN_FUNC);
  CHECK_OK(wasmtime_func_call(context, &add_again.of.func, args, 2, &result, 1, &trap));
  CHECK(result.of.i32 == 5);
  wasmtime_module_delete(loaded);

  wasmtime_module_t *clone = wasmtime_module_clone(module);
  wasmtime_module_delete(module);
  instantiate(context, clone);
  wasmtime_module_delete(clone);

  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
