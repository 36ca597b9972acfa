// Seed section "isolated state": two instances of one module in one store
// have their own globals and memories.
#include "check.h"

static const char *COUNTER =
    "(module"
    "  (memory (export \"memory\") 1)"
    "  (global $n (mut i32) (i32.const 0))"
    "  (func (export \"bump\") (result i32)"
    "    (global.set $n (i32.add (global.get $n) (i32.const 1)))"
    "    (i32.store (i32.const 0) (global.get $n))"
    "    (global.get $n)))";

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_module_t *module = compile(engine, COUNTER);

  wasmtime_instance_t a = instantiate(context, module);
  wasmtime_instance_t b = instantiate(context, module);
  wasmtime_func_t bump_a = export_of(context, &a, "bump", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_func_t bump_b = export_of(context, &b, "bump", WASMTIME_EXTERN_FUNC).of.func;

  CHECK(call_i32(context, &bump_a) == 1);
  CHECK(call_i32(context, &bump_a) == 2);
  CHECK(call_i32(context, &bump_a) == 3);
  CHECK(call_i32(context, &bump_b) == 1);

  // Each instance's memory holds its own counter.
  wasmtime_memory_t memory_a = export_of(context, &a, "memory", WASMTIME_EXTERN_MEMORY).of.memory;
  wasmtime_memory_t memory_b = export_of(context, &b, "memory", WASMTIME_EXTERN_MEMORY).of.memory;
  int32_t value_a, value_b;
  memcpy(&value_a, wasmtime_memory_data(context, &memory_a), 4);
  memcpy(&value_b, wasmtime_memory_data(context, &memory_b), 4);
  CHECK(value_a == 3 && value_b == 1);
  CHECK(wasmtime_memory_data(context, &memory_a) != wasmtime_memory_data(context, &memory_b));

  // The same export asked for twice is the same handle.
  wasmtime_func_t again = export_of(context, &a, "bump", WASMTIME_EXTERN_FUNC).of.func;
  CHECK(again.store_id == bump_a.store_id && again.__private == bump_a.__private);

  // A second store starts from scratch.
  wasmtime_store_t *other = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *other_context = wasmtime_store_context(other);
  wasmtime_instance_t c = instantiate(other_context, module);
  wasmtime_func_t bump_c = export_of(other_context, &c, "bump", WASMTIME_EXTERN_FUNC).of.func;
  CHECK(bump_c.store_id != bump_a.store_id);
  CHECK(call_i32(other_context, &bump_c) == 1);

  wasmtime_store_delete(other);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
