// Seed section "shared store": two modules in one store share a memory
// through a linker; what one writes the other reads.
#include "check.h"

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);

  wasmtime_module_t *owner = compile(engine,
      "(module"
      "  (memory (export \"memory\") 1)"
      "  (func (export \"read\") (result i32) (i32.load (i32.const 16))))");
  wasmtime_module_t *writer = compile(engine,
      "(module"
      "  (import \"owner\" \"memory\" (memory 1))"
      "  (func (export \"write\") (param i32) (i32.store (i32.const 16) (local.get 0))))");

  wasmtime_instance_t owner_instance;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_linker_instantiate(linker, context, owner, &owner_instance, &trap));
  CHECK_OK(wasmtime_linker_define_instance(linker, context, "owner", 5, &owner_instance));
  wasmtime_instance_t writer_instance;
  CHECK_OK(wasmtime_linker_instantiate(linker, context, writer, &writer_instance, &trap));
  CHECK(trap == NULL);

  wasmtime_func_t write = export_of(context, &writer_instance, "write", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_func_t read = export_of(context, &owner_instance, "read", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = 1234};
  CHECK_OK(wasmtime_func_call(context, &write, &arg, 1, NULL, 0, &trap));
  CHECK(call_i32(context, &read) == 1234);

  // The linker's view of the shared memory is the same memory.
  wasmtime_extern_t memory;
  CHECK(wasmtime_linker_get(linker, context, "owner", 5, "memory", 6, &memory));
  CHECK(memory.kind == WASMTIME_EXTERN_MEMORY);
  int32_t seen;
  memcpy(&seen, wasmtime_memory_data(context, &memory.of.memory) + 16, 4);
  CHECK(seen == 1234);
  CHECK(!wasmtime_linker_get(linker, context, "owner", 5, "nothing", 7, &memory));

  // A module defined by name, and its default function.
  wasmtime_module_t *command = compile(engine,
      "(module (func (export \"_start\")))");
  CHECK_OK(wasmtime_linker_module(linker, context, "cmd", 3, command));
  wasmtime_func_t start;
  CHECK_OK(wasmtime_linker_get_default(linker, context, "cmd", 3, &start));
  CHECK_OK(wasmtime_func_call(context, &start, NULL, 0, NULL, 0, &trap));

  // Redefining a name is an error unless shadowing is allowed.
  CHECK_ERROR(wasmtime_linker_define(linker, context, "owner", 5, "memory", 6, &memory), "memory");
  wasmtime_linker_allow_shadowing(linker, true);
  CHECK_OK(wasmtime_linker_define(linker, context, "owner", 5, "memory", 6, &memory));

  // A cloned linker keeps the definitions; instantiate_pre resolves once.
  wasmtime_linker_t *clone = wasmtime_linker_clone(linker);
  wasmtime_instance_pre_t *pre = NULL;
  CHECK_OK(wasmtime_linker_instantiate_pre(clone, writer, &pre));
  wasmtime_instance_t second_writer;
  CHECK_OK(wasmtime_instance_pre_instantiate(pre, context, &second_writer, &trap));
  wasmtime_func_t write2 = export_of(context, &second_writer, "write", WASMTIME_EXTERN_FUNC).of.func;
  arg.of.i32 = 99;
  CHECK_OK(wasmtime_func_call(context, &write2, &arg, 1, NULL, 0, &trap));
  CHECK(call_i32(context, &read) == 99);
  wasmtime_module_t *pre_module = wasmtime_instance_pre_module(pre);
  CHECK(pre_module != NULL);
  wasmtime_module_delete(pre_module);
  wasmtime_instance_pre_delete(pre);
  wasmtime_linker_delete(clone);

  wasmtime_module_delete(command);
  wasmtime_module_delete(owner);
  wasmtime_module_delete(writer);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
