// Egret's own header alone: compiled against `crates/c-api/include`
// only (no Wasmtime header anywhere on the include path), a module with
// a host import is compiled from text, linked, instantiated and called,
// and a trap comes back with its code.
#include <egret.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

static void check_ok(wasmtime_error_t *error) {
  if (error != NULL) {
    wasm_name_t message;
    wasmtime_error_message(error, &message);
    fprintf(stderr, "unexpected error: %.*s\n", (int)message.size,
            message.data);
    exit(1);
  }
}

// add_ten(x) = x + 10, counting its calls in `env`.
static wasm_trap_t *add_ten(void *env, wasmtime_caller_t *caller,
                            const wasmtime_val_t *args, size_t nargs,
                            wasmtime_val_t *results, size_t nresults) {
  (void)caller;
  CHECK(nargs == 1 && nresults == 1 && args[0].kind == WASMTIME_I32);
  *(int *)env += 1;
  results[0].kind = WASMTIME_I32;
  results[0].of.i32 = args[0].of.i32 + 10;
  return NULL;
}

static const char *text =
    "(module\n"
    "  (import \"host\" \"add_ten\" (func $add_ten (param i32) (result i32)))\n"
    "  (func (export \"run\") (param i32) (result i32)\n"
    "    (i32.mul (call $add_ten (local.get 0)) (i32.const 2)))\n"
    "  (func (export \"divide\") (param i32) (result i32)\n"
    "    (i32.div_s (i32.const 1) (local.get 0))))\n";

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  CHECK(engine != NULL);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);

  wasm_byte_vec_t wasm;
  check_ok(wasmtime_wat2wasm(text, strlen(text), &wasm));
  wasmtime_module_t *module = NULL;
  check_ok(wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size,
                               &module));
  wasm_byte_vec_delete(&wasm);

  wasm_valtype_vec_t params, results;
  wasm_valtype_t *param[1] = {wasm_valtype_new(WASM_I32)};
  wasm_valtype_t *result[1] = {wasm_valtype_new(WASM_I32)};
  wasm_valtype_vec_new(&params, 1, param);
  wasm_valtype_vec_new(&results, 1, result);
  wasm_functype_t *type = wasm_functype_new(&params, &results);

  int calls = 0;
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  check_ok(wasmtime_linker_define_func(linker, "host", 4, "add_ten", 7, type,
                                       add_ten, &calls, NULL));
  wasm_functype_delete(type);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  check_ok(wasmtime_linker_instantiate(linker, context, module, &instance,
                                       &trap));
  CHECK(trap == NULL);

  wasmtime_extern_t run;
  CHECK(wasmtime_instance_export_get(context, &instance, "run", 3, &run));
  CHECK(run.kind == WASMTIME_EXTERN_FUNC);
  wasmtime_val_t arg = {.kind = WASMTIME_I32, .of = {.i32 = 11}};
  wasmtime_val_t out;
  check_ok(wasmtime_func_call(context, &run.of.func, &arg, 1, &out, 1, &trap));
  CHECK(trap == NULL && out.kind == WASMTIME_I32 && out.of.i32 == 42);
  CHECK(calls == 1);

  wasmtime_extern_t divide;
  CHECK(wasmtime_instance_export_get(context, &instance, "divide", 6,
                                     &divide));
  arg.of.i32 = 0;
  check_ok(
      wasmtime_func_call(context, &divide.of.func, &arg, 1, &out, 1, &trap));
  CHECK(trap != NULL);
  wasmtime_trap_code_t code;
  CHECK(wasmtime_trap_code(trap, &code));
  CHECK(code == WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO);
  wasm_trap_delete(trap);

  wasmtime_linker_delete(linker);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
