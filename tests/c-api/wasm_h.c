// wasm.h's own store and object API, in the style of the wasm-c-api
// examples: hello (a host callback), memory, global, table, a trap with
// its frames, and modules (validate, imports and exports, serialize and
// deserialize, share and obtain), references, values and host info.
#include "check.h"

// Compiles wat text with wasm.h's own module API.
static wasm_module_t *wasm_h_module(wasm_store_t *store, const char *wat) {
  wasm_byte_vec_t binary;
  CHECK_OK(wasmtime_wat2wasm(wat, strlen(wat), &binary));
  CHECK(wasm_module_validate(store, &binary));
  wasm_module_t *module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  wasm_byte_vec_delete(&binary);
  return module;
}

static int hello_calls = 0;
// A global of the store the callback reads while wasm is running, once
// set (wasm.h gives a callback no caller: it uses the store's objects).
static const wasm_global_t *observed = NULL;

static wasm_trap_t *hello_callback(const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  CHECK(args->size == 1 && args->data[0].kind == WASM_I32);
  CHECK(results->size == 1);
  hello_calls++;
  int32_t extra = 0;
  if (observed != NULL) {
    wasm_val_t value;
    wasm_global_get(observed, &value);
    CHECK(value.kind == WASM_I32);
    extra = value.of.i32;
  }
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * 2 + extra;
  return NULL;
}

static int env_finalized = 0;
static void finalize_env(void *env) { env_finalized += *(int *)env; }

static wasm_store_t *the_store;

static wasm_trap_t *env_callback(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  (void)args, (void)results;
  CHECK(*(int *)env == 3);
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "refused by the host");
  wasm_trap_t *trap = wasm_trap_new(the_store, &message);
  wasm_name_delete(&message);
  return trap;
}

static int host_info_finalized = 0;
static void finalize_host_info(void *info) { host_info_finalized += *(int *)info; }

// Calls `func` with one i32 and returns its one i32 result.
static int32_t call_1(const wasm_func_t *func, int32_t arg) {
  wasm_val_t args_data[1] = {WASM_I32_VAL(arg)};
  wasm_val_t results_data[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_data);
  wasm_val_vec_t results = WASM_ARRAY_VEC(results_data);
  wasm_trap_t *trap = wasm_func_call(func, &args, &results);
  CHECK(trap == NULL);
  CHECK(results_data[0].kind == WASM_I32);
  return results_data[0].of.i32;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasm_store_t *store = wasm_store_new(engine);
  CHECK(store != NULL);
  the_store = store;

  // Hello: a host function imported and called through wasm.
  wasm_module_t *module = wasm_h_module(store,
      "(module"
      "  (import \"host\" \"hello\" (func $hello (param i32) (result i32)))"
      "  (import \"host\" \"refuse\" (func $refuse))"
      "  (func (export \"run\") (param i32) (result i32)"
      "    (i32.add (call $hello (local.get 0)) (i32.const 1)))"
      "  (func (export \"refuse\") (call $refuse))"
      "  (func $inner (unreachable))"
      "  (func (export \"trap\") (call $inner))"
      "  (memory (export \"memory\") 1 3)"
      "  (data (i32.const 16) \"\\2a\")"
      "  (global (export \"counter\") (mut i32) (i32.const 5))"
      "  (table (export \"table\") 2 funcref)"
      "  (elem (i32.const 1) $inner))");
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK(imports.size == 2);
  const wasm_name_t *import_name = wasm_importtype_name(imports.data[0]);
  CHECK(import_name->size == 5 && memcmp(import_name->data, "hello", 5) == 0);
  wasm_importtype_vec_delete(&imports);
  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  CHECK(exports.size == 6);
  wasm_exporttype_vec_delete(&exports);

  wasm_valtype_t *i32_param = wasm_valtype_new_i32();
  wasm_valtype_t *i32_result = wasm_valtype_new_i32();
  wasm_functype_t *hello_type = wasm_functype_new_1_1(i32_param, i32_result);
  wasm_func_t *hello = wasm_func_new(store, hello_type, hello_callback);
  CHECK(hello != NULL);
  CHECK(wasm_func_param_arity(hello) == 1 && wasm_func_result_arity(hello) == 1);
  wasm_functype_t *read_type = wasm_func_type(hello);
  CHECK(wasm_functype_params(read_type)->size == 1);
  wasm_functype_delete(read_type);
  wasm_functype_delete(hello_type);
  static int env_payload = 3;
  wasm_functype_t *nothing = wasm_functype_new_0_0();
  wasm_func_t *refuse =
      wasm_func_new_with_env(store, nothing, env_callback, &env_payload, finalize_env);
  wasm_functype_delete(nothing);
  CHECK(refuse != NULL);

  wasm_extern_t *import_list[2] = {wasm_func_as_extern(hello), wasm_func_as_extern(refuse)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(import_list);
  wasm_trap_t *trap = NULL;
  wasm_instance_t *instance = wasm_instance_new(store, module, &import_vec, &trap);
  CHECK(instance != NULL && trap == NULL);
  wasm_extern_vec_t instance_exports;
  wasm_instance_exports(instance, &instance_exports);
  CHECK(instance_exports.size == 6);

  const wasm_func_t *run = wasm_extern_as_func_const(instance_exports.data[0]);
  CHECK(run != NULL);
  CHECK(wasm_extern_kind(instance_exports.data[0]) == WASM_EXTERN_FUNC);
  CHECK(call_1(run, 20) == 41);
  CHECK(hello_calls == 1);
  CHECK(wasm_extern_as_memory(instance_exports.data[0]) == NULL);

  // A callback's trap, with its message.
  wasm_func_t *refuse_export = wasm_extern_as_func(instance_exports.data[1]);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  trap = wasm_func_call(refuse_export, &none, &none);
  CHECK(trap != NULL);
  char *text = trap_message(trap);
  CHECK(strstr(text, "refused by the host") != NULL);
  free(text);
  wasm_trap_delete(trap);

  // A trap in wasm, with frames: `$inner` (function 4, after two imports
  // and two functions) called by `trap` (function 5).
  wasm_func_t *trapping = wasm_extern_as_func(instance_exports.data[2]);
  trap = wasm_func_call(trapping, &none, &none);
  CHECK(trap != NULL);
  wasm_frame_t *origin = wasm_trap_origin(trap);
  CHECK(origin != NULL && wasm_frame_func_index(origin) == 4);
  wasm_frame_delete(origin);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size == 2);
  CHECK(wasm_frame_func_index(trace.data[0]) == 4 && wasm_frame_func_index(trace.data[1]) == 5);
  // Each frame's instruction (`unreachable`, `call $inner`) is the first
  // of its body, after the byte counting local declarations; `$inner`'s
  // body (00 00 0b) and the next body's size byte put the bodies 4 apart.
  CHECK(wasm_frame_func_offset(trace.data[0]) == 1 && wasm_frame_func_offset(trace.data[1]) == 1);
  CHECK(wasm_frame_module_offset(trace.data[1]) - wasm_frame_module_offset(trace.data[0]) == 4);
  CHECK(wasm_frame_instance(trace.data[0]) == NULL);
  wasm_frame_vec_delete(&trace);
  wasm_trap_delete(trap);

  // Memory: read what the data segment wrote, write, grow within the
  // maximum, refuse beyond it.
  wasm_memory_t *memory = wasm_extern_as_memory(instance_exports.data[3]);
  CHECK(memory != NULL);
  CHECK(wasm_memory_size(memory) == 1 && wasm_memory_data_size(memory) == 65536);
  CHECK(wasm_memory_data(memory)[16] == 42);
  wasm_memory_data(memory)[17] = 7;
  CHECK(wasm_memory_grow(memory, 2));
  CHECK(wasm_memory_size(memory) == 3 && wasm_memory_data(memory)[17] == 7);
  CHECK(!wasm_memory_grow(memory, 1));
  wasm_memorytype_t *memory_type = wasm_memory_type(memory);
  CHECK(wasm_memorytype_limits(memory_type)->max == 3);
  wasm_memorytype_delete(memory_type);
  wasm_limits_t two_pages = {2, 2};
  memory_type = wasm_memorytype_new(&two_pages);
  wasm_memory_t *own_memory = wasm_memory_new(store, memory_type);
  wasm_memorytype_delete(memory_type);
  CHECK(own_memory != NULL && wasm_memory_size(own_memory) == 2);
  CHECK(!wasm_memory_same(own_memory, memory));
  wasm_memory_t *memory_copy = wasm_memory_copy(memory);
  CHECK(wasm_memory_same(memory_copy, memory));
  wasm_memory_delete(memory_copy);
  wasm_memory_delete(own_memory);

  // Globals: the module's, and one made here.
  wasm_global_t *counter = wasm_extern_as_global(instance_exports.data[4]);
  wasm_val_t value;
  wasm_global_get(counter, &value);
  CHECK(value.kind == WASM_I32 && value.of.i32 == 5);
  wasm_val_t six = WASM_I32_VAL(6);
  wasm_global_set(counter, &six);
  wasm_global_get(counter, &value);
  CHECK(value.of.i32 == 6);
  observed = counter;
  CHECK(call_1(run, 20) == 47);
  observed = NULL;
  wasm_globaltype_t *global_type = wasm_global_type(counter);
  CHECK(wasm_globaltype_mutability(global_type) == WASM_VAR);
  wasm_globaltype_delete(global_type);
  global_type = wasm_globaltype_new(wasm_valtype_new_i64(), WASM_CONST);
  wasm_val_t big = WASM_I64_VAL(1LL << 40);
  wasm_global_t *constant = wasm_global_new(store, global_type, &big);
  CHECK(constant != NULL);
  wasm_val_t wrong = WASM_I32_VAL(1);
  CHECK(wasm_global_new(store, global_type, &wrong) == NULL);
  wasm_globaltype_delete(global_type);
  wasm_global_set(constant, &big);
  wasm_global_get(constant, &value);
  CHECK(value.kind == WASM_I64 && value.of.i64 == 1LL << 40);
  wasm_global_delete(constant);

  // Tables: a funcref element read, written and called; growing.
  wasm_table_t *table = wasm_extern_as_table(instance_exports.data[5]);
  CHECK(wasm_table_size(table) == 2);
  CHECK(wasm_table_get(table, 0) == NULL);
  wasm_ref_t *element = wasm_table_get(table, 1);
  CHECK(element != NULL);
  CHECK(wasm_table_get(table, 2) == NULL);
  wasm_ref_t *inner_ref = NULL;
  {
    // A funcref comes out of wasm.h's values too: a global holding one.
    wasm_globaltype_t *ref_type = wasm_globaltype_new(wasm_valtype_new_funcref(), WASM_VAR);
    wasm_val_t null_func = {.kind = WASM_FUNCREF, .of.ref = NULL};
    wasm_global_t *slot = wasm_global_new(store, ref_type, &null_func);
    wasm_globaltype_delete(ref_type);
    CHECK(slot != NULL);
    wasm_global_get(slot, &value);
    CHECK(value.kind == WASM_FUNCREF && value.of.ref == NULL);
    CHECK(wasm_table_set(table, 0, element));
    wasm_ref_t *again = wasm_table_get(table, 0);
    CHECK(wasm_ref_same(again, element));
    wasm_val_t holding = {.kind = WASM_FUNCREF, .of.ref = again};
    wasm_global_set(slot, &holding);
    wasm_global_get(slot, &value);
    CHECK(value.kind == WASM_FUNCREF && wasm_ref_same(value.of.ref, element));
    wasm_val_t copied;
    wasm_val_copy(&copied, &value);
    CHECK(copied.of.ref != value.of.ref && wasm_ref_same(copied.of.ref, element));
    wasm_val_delete(&copied);
    inner_ref = wasm_ref_copy(value.of.ref);
    wasm_val_delete(&value);
    wasm_val_delete(&holding);
    wasm_global_delete(slot);
  }
  CHECK(wasm_table_grow(table, 3, inner_ref));
  CHECK(wasm_table_size(table) == 5);
  CHECK(wasm_table_set(table, 4, NULL));
  CHECK(wasm_table_get(table, 4) == NULL);
  CHECK(!wasm_table_set(table, 5, NULL));
  wasm_tabletype_t *table_type = wasm_table_type(table);
  CHECK(wasm_tabletype_limits(table_type)->min == 5);
  wasm_tabletype_delete(table_type);
  wasm_ref_delete(inner_ref);
  wasm_ref_delete(element);
  wasm_limits_t three = {3, 10};
  table_type = wasm_tabletype_new(wasm_valtype_new_funcref(), &three);
  wasm_table_t *own_table = wasm_table_new(store, table_type, NULL);
  wasm_tabletype_delete(table_type);
  CHECK(own_table != NULL && wasm_table_size(own_table) == 3);
  wasm_table_delete(own_table);

  // Extern types and conversions.
  wasm_externtype_t *extern_type = wasm_extern_type(instance_exports.data[3]);
  CHECK(wasm_externtype_kind(extern_type) == WASM_EXTERN_MEMORY);
  wasm_externtype_delete(extern_type);
  CHECK(wasm_memory_as_extern(memory) == instance_exports.data[3]);

  // Host info belongs to the handle; its finalizer runs when the handle
  // is deleted.
  static int info = 9;
  wasm_func_set_host_info_with_finalizer(hello, &info, finalize_host_info);
  CHECK(wasm_func_get_host_info(hello) == &info);
  wasm_func_t *hello_copy = wasm_func_copy(hello);
  CHECK(wasm_func_get_host_info(hello_copy) == NULL);
  CHECK(wasm_func_same(hello_copy, hello));
  wasm_func_delete(hello_copy);
  wasm_module_set_host_info(module, &info);
  CHECK(wasm_module_get_host_info(module) == &info);

  // Modules: serialized and back, shared and obtained, each instantiated.
  wasm_byte_vec_t serialized;
  wasm_module_serialize(module, &serialized);
  CHECK(serialized.size > 0);
  wasm_module_t *deserialized = wasm_module_deserialize(store, &serialized);
  wasm_byte_vec_delete(&serialized);
  CHECK(deserialized != NULL);
  wasm_instance_t *second = wasm_instance_new(store, deserialized, &import_vec, NULL);
  CHECK(second != NULL);
  wasm_instance_delete(second);
  wasm_shared_module_t *shared = wasm_module_share(deserialized);
  wasm_module_t *obtained = wasm_module_obtain(store, shared);
  CHECK(obtained != NULL);
  wasm_shared_module_delete(shared);
  wasm_module_delete(obtained);
  wasm_module_delete(deserialized);

  // Instantiation failures are traps: a missing import.
  wasm_extern_vec_t too_few = WASM_EMPTY_VEC;
  trap = NULL;
  CHECK(wasm_instance_new(store, module, &too_few, &trap) == NULL);
  CHECK(trap != NULL);
  wasm_trap_delete(trap);

  // The objects keep the store alive after its handle is deleted.
  wasm_extern_vec_delete(&instance_exports);
  wasm_instance_delete(instance);
  wasm_store_delete(store);
  CHECK(call_1(hello, 4) == 8);
  CHECK(hello_calls == 3);
  wasm_func_delete(hello);
  CHECK(host_info_finalized == 9);
  CHECK(env_finalized == 0);
  wasm_func_delete(refuse);
  // The last object of the store is gone, and the store with it.
  CHECK(env_finalized == 3);
  wasm_module_delete(module);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
