// WASI hello world: a program writes to its standard output (captured by
// a callback), reads an argument and exits with a status; without
// WASI set up in the store its functions fail.
#include "check.h"

static char captured[256];
static size_t captured_len = 0;
static int finalized = 0;

static ptrdiff_t capture(void *data, const unsigned char *bytes, size_t len) {
  CHECK(data == captured);
  CHECK(captured_len + len < sizeof captured);
  memcpy(captured + captured_len, bytes, len);
  captured_len += len;
  return (ptrdiff_t)len;
}

static void finalize(void *data) {
  (void)data;
  finalized++;
}

// Prints "hello, world\n", then its argument count as a digit, then exits
// with status 3.
static const char *HELLO =
    "(module"
    "  (import \"wasi_snapshot_preview1\" \"fd_write\""
    "    (func $fd_write (param i32 i32 i32 i32) (result i32)))"
    "  (import \"wasi_snapshot_preview1\" \"args_sizes_get\""
    "    (func $args_sizes_get (param i32 i32) (result i32)))"
    "  (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32)))"
    "  (memory (export \"memory\") 1)"
    "  (data (i32.const 16) \"hello, world\\n\")"
    "  (func (export \"_start\")"
    "    (i32.store (i32.const 0) (i32.const 16))"
    "    (i32.store (i32.const 4) (i32.const 13))"
    "    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))"
    "    (drop (call $args_sizes_get (i32.const 32) (i32.const 36)))"
    "    (i32.store8 (i32.const 40) (i32.add (i32.const 48) (i32.load (i32.const 32))))"
    "    (i32.store (i32.const 0) (i32.const 40))"
    "    (i32.store (i32.const 4) (i32.const 1))"
    "    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))"
    "    (call $exit (i32.const 3))))";

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  CHECK_OK(wasmtime_linker_define_wasi(linker));
  wasmtime_module_t *module = compile(engine, HELLO);

  // Without a WASI context the program's first call fails.
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_linker_instantiate(linker, context, module, &instance, &trap));
  wasmtime_func_t start = export_of(context, &instance, "_start", WASMTIME_EXTERN_FUNC).of.func;
  CHECK_ERROR(wasmtime_func_call(context, &start, NULL, 0, NULL, 0, &trap), "wasmtime_context_set_wasi");

  wasi_config_t *wasi = wasi_config_new();
  const char *argv[] = {"hello", "--loud"};
  CHECK(wasi_config_set_argv(wasi, 2, argv));
  wasi_config_set_stdout_custom(wasi, capture, captured, finalize);
  CHECK(!wasi_config_preopen_dir(wasi, ".", ".", false));
  CHECK_OK(wasmtime_context_set_wasi(context, wasi));

  wasmtime_error_t *error = wasmtime_func_call(context, &start, NULL, 0, NULL, 0, &trap);
  CHECK(trap == NULL && error != NULL);
  int status = 0;
  CHECK(wasmtime_error_exit_status(error, &status) && status == 3);
  wasmtime_error_delete(error);
  captured[captured_len] = 0;
  CHECK(strcmp(captured, "hello, world\n2") == 0);

  CHECK_ERROR(wasmtime_context_set_wasi(context, NULL), "invalid wasi config: null pointer");
  CHECK_ERROR(wasmtime_linker_define_wasi(NULL), "invalid linker: null pointer");

  wasmtime_module_delete(module);
  wasmtime_linker_delete(linker);
  wasmtime_store_delete(store);
  CHECK(finalized == 1);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
