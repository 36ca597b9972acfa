// Helpers shared by the C API tests: assertions that print where they
// failed, and the steps every test repeats (text to module, calling an
// export, reading an error's or trap's message).
#ifndef EGRET_C_API_CHECK_H
#define EGRET_C_API_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmtime.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

// Fails with the error's message if `error` is not NULL.
#define CHECK_OK(error) check_ok((error), __FILE__, __LINE__)

static void check_ok(wasmtime_error_t *error, const char *file, int line) {
  if (error != NULL) {
    wasm_name_t message;
    wasmtime_error_message(error, &message);
    fprintf(stderr, "%s:%d: unexpected error: %.*s\n", file, line,
            (int)message.size, message.data);
    exit(1);
  }
}

// The error's message as a NUL-terminated string (caller frees); the
// error is deleted.
static char *take_error_message(wasmtime_error_t *error) {
  CHECK(error != NULL);
  wasm_name_t message;
  wasmtime_error_message(error, &message);
  char *text = malloc(message.size + 1);
  memcpy(text, message.data, message.size);
  text[message.size] = 0;
  wasm_byte_vec_delete(&message);
  wasmtime_error_delete(error);
  return text;
}

// Checks that `error` is an error whose message contains `expected`.
#define CHECK_ERROR(error, expected) check_error((error), (expected), __FILE__, __LINE__)

static void check_error(wasmtime_error_t *error, const char *expected,
                        const char *file, int line) {
  if (error == NULL) {
    fprintf(stderr, "%s:%d: expected an error containing \"%s\"\n", file, line,
            expected);
    exit(1);
  }
  char *text = take_error_message(error);
  if (strstr(text, expected) == NULL) {
    fprintf(stderr, "%s:%d: error \"%s\" does not contain \"%s\"\n", file,
            line, text, expected);
    exit(1);
  }
  free(text);
}

// The trap's message as a NUL-terminated string (caller frees).
static char *trap_message(const wasm_trap_t *trap) {
  wasm_message_t message;
  wasm_trap_message(trap, &message);
  CHECK(message.size > 0 && message.data[message.size - 1] == 0);
  char *text = malloc(message.size);
  memcpy(text, message.data, message.size);
  wasm_byte_vec_delete(&message);
  return text;
}

// Compiles the text-format module `wat` for `engine`.
static wasmtime_module_t *compile(wasm_engine_t *engine, const char *wat) {
  wasm_byte_vec_t wasm;
  CHECK_OK(wasmtime_wat2wasm(wat, strlen(wat), &wasm));
  wasmtime_module_t *module = NULL;
  CHECK_OK(wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module));
  wasm_byte_vec_delete(&wasm);
  CHECK(module != NULL);
  return module;
}

// Instantiates a module without imports.
static wasmtime_instance_t instantiate(wasmtime_context_t *context,
                                       const wasmtime_module_t *module) {
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_instance_new(context, module, NULL, 0, &instance, &trap));
  CHECK(trap == NULL);
  return instance;
}

// The export `name` of `instance`, which must exist and have kind `kind`.
static wasmtime_extern_t export_of(wasmtime_context_t *context,
                                   const wasmtime_instance_t *instance,
                                   const char *name,
                                   wasmtime_extern_kind_t kind) {
  wasmtime_extern_t item;
  CHECK(wasmtime_instance_export_get(context, instance, name, strlen(name), &item));
  CHECK(item.kind == kind);
  return item;
}

// Calls `func` with no arguments and one i32 result, which must succeed.
static int32_t call_i32(wasmtime_context_t *context, const wasmtime_func_t *func) {
  wasmtime_val_t result;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_func_call(context, func, NULL, 0, &result, 1, &trap));
  CHECK(trap == NULL);
  CHECK(result.kind == WASMTIME_I32);
  return result.of.i32;
}

#endif
