// Host functions: a C callback called from wasm with its caller (the
// caller's memory export, store data), a callback returning a trap,
// linker-defined callbacks, raw-slot callbacks and calls, and the
// finalizers of store data and callback environments.
#include "check.h"

static int finalized = 0;
static void finalize(void *data) { finalized += *(int *)data; }

// log(ptr, len): appends the bytes of the caller's memory at ptr to the
// buffer that is the store's data; returns len.
static wasm_trap_t *host_log(void *env, wasmtime_caller_t *caller,
                             const wasmtime_val_t *args, size_t nargs,
                             wasmtime_val_t *results, size_t nresults) {
  CHECK(*(int *)env == 10 && nargs == 2 && nresults == 1);
  wasmtime_extern_t memory;
  if (!wasmtime_caller_export_get(caller, "memory", 6, &memory)) {
    return wasmtime_trap_new("no calling instance", 19);
  }
  CHECK(memory.kind == WASMTIME_EXTERN_MEMORY);
  wasmtime_context_t *context = wasmtime_caller_context(caller);
  const uint8_t *data = wasmtime_memory_data(context, &memory.of.memory);
  char *buffer = wasmtime_context_get_data(context);
  strncat(buffer, (const char *)data + args[0].of.i32, (size_t)args[1].of.i32);
  CHECK(!wasmtime_caller_export_get(caller, "nothing", 7, &memory));
  results[0].kind = WASMTIME_I32;
  results[0].of.i32 = args[1].of.i32;
  return NULL;
}

static wasm_trap_t *host_fail(void *env, wasmtime_caller_t *caller,
                              const wasmtime_val_t *args, size_t nargs,
                              wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)caller, (void)nargs, (void)results, (void)nresults;
  if (args[0].of.i32 == 1) {
    return wasmtime_trap_new_code(WASMTIME_TRAP_CODE_INTEGER_OVERFLOW);
  }
  return wasmtime_trap_new("refused by the host", 19);
}

// double(x) over raw slots.
static wasm_trap_t *host_double_raw(void *env, wasmtime_caller_t *caller,
                                    wasmtime_val_raw_t *slots, size_t len) {
  (void)env, (void)caller;
  CHECK(len == 1);
  slots[0].i32 = slots[0].i32 * 2;
  return NULL;
}

static wasm_functype_t *i32_i32_to_i32(void) {
  wasm_valtype_vec_t params, results;
  wasm_valtype_t *p[2] = {wasm_valtype_new_i32(), wasm_valtype_new_i32()};
  wasm_valtype_t *r[1] = {wasm_valtype_new_i32()};
  wasm_valtype_vec_new(&params, 2, p);
  wasm_valtype_vec_new(&results, 1, r);
  return wasm_functype_new(&params, &results);
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  static char buffer[64];
  static int store_weight = 100;
  wasmtime_store_t *store = wasmtime_store_new(engine, &store_weight, finalize);
  wasmtime_context_t *context = wasmtime_store_context(store);
  CHECK(wasmtime_context_get_data(context) == &store_weight);
  wasmtime_context_set_data(context, buffer);

  wasmtime_module_t *module = compile(engine,
      "(module"
      "  (import \"host\" \"log\" (func $log (param i32 i32) (result i32)))"
      "  (import \"host\" \"fail\" (func $fail (param i32 i32) (result i32)))"
      "  (memory (export \"memory\") 1)"
      "  (data (i32.const 8) \"hello from wasm\")"
      "  (func (export \"run\") (result i32) (call $log (i32.const 8) (i32.const 15)))"
      "  (func (export \"fail\") (result i32) (call $fail (i32.const 0) (i32.const 0)))"
      "  (func (export \"coded\") (result i32) (call $fail (i32.const 1) (i32.const 0))))");

  // Imports given in order, as functions made in the store.
  static int env = 10;
  wasm_functype_t *type = i32_i32_to_i32();
  wasmtime_extern_t imports[2];
  imports[0].kind = WASMTIME_EXTERN_FUNC;
  wasmtime_func_new(context, type, host_log, &env, finalize, &imports[0].of.func);
  imports[1].kind = WASMTIME_EXTERN_FUNC;
  wasmtime_func_new(context, type, host_fail, &env, finalize, &imports[1].of.func);
  CHECK(!wasmtime_funcref_is_null(&imports[0].of.func));

  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_instance_new(context, module, imports, 2, &instance, &trap));
  wasmtime_func_t run = export_of(context, &instance, "run", WASMTIME_EXTERN_FUNC).of.func;
  CHECK(call_i32(context, &run) == 15);
  CHECK(strcmp(buffer, "hello from wasm") == 0);

  // A callback's `wasmtime_trap_new` reaches C as an error with its
  // message and the wasm frames (Wasmtime's rule: no trap code, no trap).
  wasmtime_func_t fail = export_of(context, &instance, "fail", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t result;
  wasmtime_error_t *error = wasmtime_func_call(context, &fail, NULL, 0, &result, 1, &trap);
  CHECK(trap == NULL && error != NULL);
  wasm_frame_vec_t frames;
  wasmtime_error_wasm_trace(error, &frames);
  CHECK(frames.size == 1);
  wasm_frame_vec_delete(&frames);
  CHECK_ERROR(error, "refused by the host");

  // A callback's trap with a code is a trap.
  wasmtime_func_t coded = export_of(context, &instance, "coded", WASMTIME_EXTERN_FUNC).of.func;
  CHECK_OK(wasmtime_func_call(context, &coded, NULL, 0, &result, 1, &trap));
  wasmtime_trap_code_t code;
  CHECK(trap != NULL && wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_INTEGER_OVERFLOW);
  wasm_trap_delete(trap);
  trap = NULL;

  // Called directly from C, a host function has no calling instance.
  wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 8}, {.kind = WASMTIME_I32, .of.i32 = 5}};
  CHECK_ERROR(wasmtime_func_call(context, &imports[0].of.func, args, 2, &result, 1, &trap),
              "no calling instance");
  CHECK(trap == NULL);

  // The same through a linker.
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  CHECK_OK(wasmtime_linker_define_func(linker, "host", 4, "log", 3, type, host_log, &env, NULL));
  CHECK_OK(wasmtime_linker_define_func(linker, "host", 4, "fail", 4, type, host_fail, &env, NULL));
  wasmtime_instance_t linked;
  CHECK_OK(wasmtime_linker_instantiate(linker, context, module, &linked, &trap));
  buffer[0] = 0;
  wasmtime_func_t linked_run = export_of(context, &linked, "run", WASMTIME_EXTERN_FUNC).of.func;
  CHECK(call_i32(context, &linked_run) == 15);
  CHECK(strcmp(buffer, "hello from wasm") == 0);
  wasmtime_linker_delete(linker);

  // Raw slots: a callback and a call.
  wasm_valtype_vec_t params, results;
  wasm_valtype_t *p[1] = {wasm_valtype_new_i32()};
  wasm_valtype_t *r[1] = {wasm_valtype_new_i32()};
  wasm_valtype_vec_new(&params, 1, p);
  wasm_valtype_vec_new(&results, 1, r);
  wasm_functype_t *unary = wasm_functype_new(&params, &results);
  wasmtime_func_t doubler;
  wasmtime_func_new_unchecked(context, unary, host_double_raw, NULL, NULL, &doubler);
  wasmtime_val_raw_t slot = {.i32 = 21};
  CHECK_OK(wasmtime_func_call_unchecked(context, &doubler, &slot, 1, &trap));
  CHECK(trap == NULL && slot.i32 == 42);
  void *raw = wasmtime_func_to_raw(context, &doubler);
  CHECK(raw != NULL);
  wasmtime_func_t back;
  wasmtime_func_from_raw(context, raw, &back);
  CHECK(back.store_id == doubler.store_id && back.__private == doubler.__private);
  wasm_functype_delete(unary);

  // A NULL callback gives a null function, which calls report.
  wasmtime_func_t broken;
  wasmtime_func_new(context, type, NULL, NULL, NULL, &broken);
  CHECK(wasmtime_funcref_is_null(&broken));
  CHECK_ERROR(wasmtime_func_call(context, &broken, NULL, 0, NULL, 0, &trap), "invalid func");
  wasm_functype_delete(type);

  // Deleting the store runs the finalizers: two functions' environments
  // (10 each) and the store's data, now `buffer`, is not counted.
  wasmtime_context_set_data(context, &store_weight);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  CHECK(finalized == 120);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
