// Seed section "error handling": NULL engines, stores, modules, linkers
// and instances are errors naming the argument (or NULL/false where a
// function has no error path); traps carry a code, a message and frames;
// failed links, invalid modules and bad text are errors.
#include "check.h"

static void null_arguments(wasm_engine_t *engine, wasmtime_context_t *context,
                           wasmtime_module_t *module, wasmtime_linker_t *linker,
                           wasmtime_instance_t *instance) {
  wasm_trap_t *trap = NULL;
  wasmtime_instance_t out;
  wasmtime_module_t *made = NULL;
  const uint8_t wasm[] = {0, 'a', 's', 'm', 1, 0, 0, 0};

  // The seed's two cases: a NULL store, a NULL module.
  CHECK_ERROR(wasmtime_instance_new(NULL, module, NULL, 0, &out, &trap), "invalid store: null pointer");
  CHECK_ERROR(wasmtime_instance_new(context, NULL, NULL, 0, &out, &trap), "invalid module: null pointer");
  CHECK(trap == NULL);

  // Engines.
  CHECK_ERROR(wasmtime_module_new(NULL, wasm, sizeof wasm, &made), "invalid engine: null pointer");
  CHECK_ERROR(wasmtime_module_validate(NULL, wasm, sizeof wasm), "invalid engine: null pointer");
  CHECK_ERROR(wasmtime_module_deserialize(NULL, wasm, sizeof wasm, &made), "invalid engine: null pointer");
  CHECK(made == NULL);
  CHECK(wasmtime_store_new(NULL, NULL, NULL) == NULL);
  CHECK(wasmtime_linker_new(NULL) == NULL);
  CHECK(wasmtime_engine_clone(NULL) == NULL);
  CHECK(wasm_engine_new_with_config(NULL) == NULL);
  wasmtime_engine_increment_epoch(NULL);

  // Modules.
  CHECK_ERROR(wasmtime_module_new(engine, NULL, 8, &made), "invalid wasm: null pointer");
  wasm_byte_vec_t bytes;
  CHECK_ERROR(wasmtime_module_serialize(NULL, &bytes), "invalid module: null pointer");
  CHECK(wasmtime_module_clone(NULL) == NULL);
  wasmtime_module_delete(NULL);

  // Stores and contexts.
  CHECK(wasmtime_store_context(NULL) == NULL);
  wasmtime_store_delete(NULL);
  CHECK(wasmtime_context_get_data(NULL) == NULL);
  CHECK_ERROR(wasmtime_context_set_fuel(NULL, 1), "invalid store: null pointer");
  uint64_t fuel;
  CHECK_ERROR(wasmtime_context_get_fuel(NULL, &fuel), "invalid store: null pointer");

  // Linkers.
  CHECK_ERROR(wasmtime_linker_instantiate(NULL, context, module, &out, &trap), "invalid linker: null pointer");
  CHECK_ERROR(wasmtime_linker_instantiate(linker, NULL, module, &out, &trap), "invalid store: null pointer");
  CHECK_ERROR(wasmtime_linker_instantiate(linker, context, NULL, &out, &trap), "invalid module: null pointer");
  CHECK_ERROR(wasmtime_linker_module(NULL, context, "m", 1, module), "invalid linker: null pointer");
  CHECK_ERROR(wasmtime_linker_define_instance(linker, context, "i", 1, NULL), "invalid instance: null pointer");
  CHECK_ERROR(wasmtime_linker_define_instance(NULL, context, "i", 1, instance), "invalid linker: null pointer");
  wasmtime_func_t func;
  CHECK_ERROR(wasmtime_linker_get_default(linker, NULL, "m", 1, &func), "invalid store: null pointer");
  CHECK_ERROR(wasmtime_linker_define_func(NULL, "m", 1, "f", 1, NULL, NULL, NULL, NULL), "invalid linker: null pointer");
  wasmtime_extern_t item;
  CHECK(!wasmtime_linker_get(NULL, context, "m", 1, "f", 1, &item));
  wasmtime_instance_pre_t *pre = NULL;
  CHECK_ERROR(wasmtime_linker_instantiate_pre(linker, NULL, &pre), "invalid module: null pointer");
  CHECK_ERROR(wasmtime_instance_pre_instantiate(NULL, context, &out, &trap), "invalid instance_pre: null pointer");

  // Instances and functions.
  CHECK(!wasmtime_instance_export_get(context, NULL, "f", 1, &item));
  CHECK(!wasmtime_instance_export_get(NULL, instance, "f", 1, &item));
  CHECK_ERROR(wasmtime_func_call(NULL, &func, NULL, 0, NULL, 0, &trap), "invalid store: null pointer");
  CHECK_ERROR(wasmtime_func_call(context, NULL, NULL, 0, NULL, 0, &trap), "invalid func: null pointer");
  CHECK(wasmtime_func_type(NULL, &func) == NULL);

  // Items.
  wasmtime_memory_t memory;
  CHECK_ERROR(wasmtime_memory_new(NULL, NULL, &memory), "invalid store: null pointer");
  CHECK_ERROR(wasmtime_memory_new(context, NULL, &memory), "invalid memory type: null pointer");
  CHECK(wasmtime_memory_data(NULL, &memory) == NULL);
  CHECK_ERROR(wasmtime_global_set(NULL, NULL, NULL), "invalid store: null pointer");
  CHECK_ERROR(wasmtime_table_grow(context, NULL, 1, NULL, NULL), "invalid table: null pointer");

  // Errors and traps themselves.
  wasmtime_error_message(NULL, &bytes);
  wasmtime_error_delete(NULL);
  wasm_trap_delete(NULL);
  CHECK(!wasmtime_trap_code(NULL, NULL));
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasmtime_module_t *module = compile(engine,
      "(module $m"
      "  (func $divide (export \"divide\") (param i32 i32) (result i32)"
      "    (i32.div_s (local.get 0) (local.get 1)))"
      "  (func $crash (export \"crash\") (unreachable))"
      "  (func (export \"outer\") (call $crash)))");
  wasmtime_instance_t instance = instantiate(context, module);

  null_arguments(engine, context, module, linker, &instance);

  // A trap: code, message (NUL-terminated), frames with names.
  wasmtime_func_t outer = export_of(context, &instance, "outer", WASMTIME_EXTERN_FUNC).of.func;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_func_call(context, &outer, NULL, 0, NULL, 0, &trap));
  CHECK(trap != NULL);
  wasmtime_trap_code_t code;
  CHECK(wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED);
  char *message = trap_message(trap);
  CHECK(strstr(message, "wasm `unreachable` instruction executed") != NULL);
  free(message);
  wasm_frame_vec_t frames;
  wasm_trap_trace(trap, &frames);
  CHECK(frames.size == 2);
  CHECK(wasm_frame_func_index(frames.data[0]) == 1);
  const wasm_name_t *func_name = wasmtime_frame_func_name(frames.data[0]);
  CHECK(func_name != NULL && func_name->size == 5 && memcmp(func_name->data, "crash", 5) == 0);
  const wasm_name_t *module_name = wasmtime_frame_module_name(frames.data[0]);
  CHECK(module_name != NULL && module_name->size == 1 && module_name->data[0] == 'm');
  wasm_frame_t *origin = wasm_trap_origin(trap);
  CHECK(origin != NULL && wasm_frame_func_index(origin) == 1);
  wasm_frame_delete(origin);
  wasm_frame_vec_delete(&frames);
  wasm_trap_delete(trap);

  // Division by zero; the store stays usable.
  wasmtime_func_t divide = export_of(context, &instance, "divide", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 7}, {.kind = WASMTIME_I32, .of.i32 = 0}};
  wasmtime_val_t result;
  trap = NULL;
  CHECK_OK(wasmtime_func_call(context, &divide, args, 2, &result, 1, &trap));
  CHECK(trap != NULL && wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO);
  wasm_trap_delete(trap);
  args[1].of.i32 = 2;
  trap = NULL;
  CHECK_OK(wasmtime_func_call(context, &divide, args, 2, &result, 1, &trap));
  CHECK(trap == NULL && result.of.i32 == 3);

  // Wrong argument count and type are errors, not traps.
  CHECK_ERROR(wasmtime_func_call(context, &divide, args, 1, &result, 1, &trap), "arguments");
  args[0].kind = WASMTIME_I64;
  CHECK_ERROR(wasmtime_func_call(context, &divide, args, 2, &result, 1, &trap), "argument of type i64");
  CHECK(trap == NULL);

  // A failed link: a missing import.
  wasmtime_module_t *needy = compile(engine,
      "(module (import \"host\" \"missing\" (func)))");
  wasmtime_instance_t out;
  CHECK_ERROR(wasmtime_linker_instantiate(linker, context, needy, &out, &trap), "missing");
  CHECK_ERROR(wasmtime_instance_new(context, needy, NULL, 0, &out, &trap), "import");
  CHECK(trap == NULL);
  wasmtime_module_delete(needy);

  // Unknown imports defined as traps, or as default values, link.
  wasmtime_module_t *lacking = compile(engine,
      "(module (import \"absent\" \"f\" (func $f (result i32)))"
      "  (import \"absent\" \"g\" (global $g i32))"
      "  (func (export \"call_f\") (result i32) (call $f))"
      "  (func (export \"read_g\") (result i32) (global.get $g)))");
  wasmtime_linker_t *filler = wasmtime_linker_new(engine);
  CHECK_ERROR(wasmtime_linker_define_unknown_imports_as_traps(NULL, lacking), "invalid linker: null pointer");
  CHECK_ERROR(wasmtime_linker_define_unknown_imports_as_default_values(filler, NULL, lacking), "invalid store: null pointer");
  CHECK_OK(wasmtime_linker_define_unknown_imports_as_default_values(filler, context, lacking));
  CHECK_OK(wasmtime_linker_instantiate(filler, context, lacking, &out, &trap));
  wasmtime_extern_t read_g = export_of(context, &out, "read_g", WASMTIME_EXTERN_FUNC);
  CHECK(call_i32(context, &read_g.of.func) == 0);
  wasmtime_extern_t call_f = export_of(context, &out, "call_f", WASMTIME_EXTERN_FUNC);
  CHECK(call_i32(context, &call_f.of.func) == 0);
  wasmtime_linker_delete(filler);
  wasmtime_module_t *lacking_func = compile(engine,
      "(module (import \"absent\" \"f\" (func $f))"
      "  (func (export \"call_f\") (call $f)))");
  filler = wasmtime_linker_new(engine);
  CHECK_OK(wasmtime_linker_define_unknown_imports_as_traps(filler, lacking_func));
  CHECK_OK(wasmtime_linker_instantiate(filler, context, lacking_func, &out, &trap));
  call_f = export_of(context, &out, "call_f", WASMTIME_EXTERN_FUNC);
  wasmtime_error_t *called = wasmtime_func_call(context, &call_f.of.func, NULL, 0, NULL, 0, &trap);
  CHECK(called != NULL || trap != NULL);
  if (called != NULL) wasmtime_error_delete(called);
  if (trap != NULL) wasm_trap_delete(trap);
  trap = NULL;
  wasmtime_linker_delete(filler);
  wasmtime_module_delete(lacking_func);
  wasmtime_module_delete(lacking);

  // A start function that traps is a trap of instantiation.
  wasmtime_module_t *starter = compile(engine,
      "(module (func $s unreachable) (start $s))");
  CHECK_OK(wasmtime_instance_new(context, starter, NULL, 0, &out, &trap));
  CHECK(trap != NULL && wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED);
  wasm_trap_delete(trap);
  wasmtime_module_delete(starter);

  // Invalid modules and text.
  const uint8_t garbage[] = {1, 2, 3, 4};
  wasmtime_module_t *made = NULL;
  CHECK_ERROR(wasmtime_module_new(engine, garbage, sizeof garbage, &made), "failed to compile module");
  CHECK_ERROR(wasmtime_module_validate(engine, garbage, sizeof garbage), "failed to compile module");
  wasm_byte_vec_t wasm;
  CHECK_ERROR(wasmtime_wat2wasm("(module (func (i32.nope)))", 25, &wasm), "nope");

  // Errors and traps made by C.
  CHECK_ERROR(wasmtime_error_new("made in C"), "made in C");
  int status;
  wasmtime_error_t *plain = wasmtime_error_new("no exit");
  CHECK(!wasmtime_error_exit_status(plain, &status));
  wasm_frame_vec_t none;
  wasmtime_error_wasm_trace(plain, &none);
  CHECK(none.size == 0);
  wasm_frame_vec_delete(&none);
  wasmtime_error_delete(plain);
  wasm_trap_t *made_trap = wasmtime_trap_new("host says no", 12);
  CHECK(!wasmtime_trap_code(made_trap, &code));
  message = trap_message(made_trap);
  CHECK(strcmp(message, "host says no") == 0);
  free(message);
  wasm_trap_delete(made_trap);
  made_trap = wasmtime_trap_new_code(WASMTIME_TRAP_CODE_OUT_OF_FUEL);
  CHECK(wasmtime_trap_code(made_trap, &code) && code == WASMTIME_TRAP_CODE_OUT_OF_FUEL);
  wasm_trap_delete(made_trap);
  CHECK(wasmtime_trap_new_code(WASMTIME_TRAP_CODE_CANNOT_ENTER_COMPONENT) == NULL);

  wasmtime_module_delete(module);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
