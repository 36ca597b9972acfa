// Reference values: an externref made by the host goes through wasm (a
// global and a table) and comes back with its data; copies, raw slots,
// null references. Every struct C is given is unrooted; an externref the
// host made keeps its data while anything reaches it, and its finalizer
// runs at the first collection after (or when the store is deleted).
#include "check.h"

static int finalized = 0;
static void finalize(void *data) { finalized += *(int *)data; }

// echo(x) = x over raw slots: the argument slot is also the result's.
static int echo_calls = 0;
static wasm_trap_t *echo_raw(void *env, wasmtime_caller_t *caller,
                             wasmtime_val_raw_t *slots, size_t len) {
  (void)env;
  (void)caller;
  (void)len;
  echo_calls++;
  CHECK(slots[0].externref != 0);
  return NULL;
}

int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_module_t *module = compile(engine,
      "(module"
      "  (global $g (export \"g\") (mut externref) (ref.null extern))"
      "  (table $t (export \"t\") 2 externref)"
      "  (func (export \"keep\") (param externref)"
      "    (global.set $g (local.get 0))"
      "    (table.set $t (i32.const 1) (local.get 0)))"
      "  (func (export \"give\") (result externref) (global.get $g))"
      "  (func (export \"is_null\") (param externref) (result i32) (ref.is_null (local.get 0))))");
  wasmtime_instance_t instance = instantiate(context, module);

  static int payload = 7;
  wasmtime_val_t host = {.kind = WASMTIME_EXTERNREF};
  CHECK(wasmtime_externref_new(context, &payload, finalize, &host.of.externref));
  CHECK(!wasmtime_externref_is_null(&host.of.externref));
  CHECK(wasmtime_externref_data(context, &host.of.externref) == &payload);

  wasm_trap_t *trap = NULL;
  wasmtime_func_t keep = export_of(context, &instance, "keep", WASMTIME_EXTERN_FUNC).of.func;
  CHECK_OK(wasmtime_func_call(context, &keep, &host, 1, NULL, 0, &trap));

  // Back from a call, a global and a table, with the same data.
  wasmtime_func_t give = export_of(context, &instance, "give", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t back;
  CHECK_OK(wasmtime_func_call(context, &give, NULL, 0, &back, 1, &trap));
  CHECK(back.kind == WASMTIME_EXTERNREF);
  CHECK(wasmtime_externref_data(context, &back.of.externref) == &payload);
  wasmtime_global_t g = export_of(context, &instance, "g", WASMTIME_EXTERN_GLOBAL).of.global;
  wasmtime_val_t from_global;
  wasmtime_global_get(context, &g, &from_global);
  CHECK(from_global.kind == WASMTIME_EXTERNREF);
  CHECK(wasmtime_externref_data(context, &from_global.of.externref) == &payload);
  wasmtime_table_t t = export_of(context, &instance, "t", WASMTIME_EXTERN_TABLE).of.table;
  wasmtime_val_t element;
  CHECK(wasmtime_table_get(context, &t, 1, &element));
  CHECK(wasmtime_externref_data(context, &element.of.externref) == &payload);
  wasmtime_val_unroot(&element);
  CHECK(wasmtime_table_get(context, &t, 0, &element));
  CHECK(element.kind == WASMTIME_EXTERNREF && wasmtime_externref_is_null(&element.of.externref));

  // Copies and raw slots.
  wasmtime_externref_t copy;
  wasmtime_externref_clone(&back.of.externref, &copy);
  CHECK(wasmtime_externref_data(context, &copy) == &payload);
  wasmtime_externref_unroot(&copy);
  uint32_t raw = wasmtime_externref_to_raw(context, &back.of.externref);
  CHECK(raw != 0);
  wasmtime_externref_t from_raw;
  wasmtime_externref_from_raw(context, raw, &from_raw);
  CHECK(wasmtime_externref_data(context, &from_raw) == &payload);
  wasmtime_externref_t none;
  wasmtime_externref_from_raw(context, 0, &none);
  CHECK(wasmtime_externref_is_null(&none));
  wasmtime_val_t cloned;
  wasmtime_val_clone(&back, &cloned);
  CHECK(wasmtime_externref_data(context, &cloned.of.externref) == &payload);
  wasmtime_val_unroot(&cloned);
  wasmtime_val_unroot(&back);

  // A null externref into wasm.
  wasmtime_val_t null_ref = {.kind = WASMTIME_EXTERNREF};
  wasmtime_externref_set_null(&null_ref.of.externref);
  wasmtime_func_t is_null = export_of(context, &instance, "is_null", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t answer;
  CHECK_OK(wasmtime_func_call(context, &is_null, &null_ref, 1, &answer, 1, &trap));
  CHECK(answer.of.i32 == 1);
  CHECK_OK(wasmtime_func_call(context, &is_null, &host, 1, &answer, 1, &trap));
  CHECK(answer.of.i32 == 0);

  // Another store's externref is refused.
  wasmtime_store_t *other = wasmtime_store_new(engine, NULL, NULL);
  CHECK(wasmtime_externref_data(wasmtime_store_context(other), &host.of.externref) == NULL);
  wasmtime_store_delete(other);

  CHECK(!wasmtime_externref_new(NULL, &payload, NULL, &copy));
  CHECK(wasmtime_externref_is_null(&copy));

  // Collections while wasm holds an externref (a global and a table) and
  // C unrooted its structs: its data stays; after wasm let it go, the
  // next collection finalizes it.
  static int short_lived = 100;
  wasmtime_val_t passing = {.kind = WASMTIME_EXTERNREF};
  CHECK(wasmtime_externref_new(context, &short_lived, finalize, &passing.of.externref));
  CHECK_OK(wasmtime_func_call(context, &keep, &passing, 1, NULL, 0, &trap));
  wasmtime_val_unroot(&passing);
  CHECK(wasmtime_externref_is_null(&passing.of.externref));
  CHECK_OK(wasmtime_context_gc(context));
  CHECK(finalized == 0);
  CHECK_OK(wasmtime_func_call(context, &give, NULL, 0, &back, 1, &trap));
  CHECK(wasmtime_externref_data(context, &back.of.externref) == &short_lived);
  wasmtime_val_unroot(&back);
  CHECK_OK(wasmtime_func_call(context, &keep, &null_ref, 1, NULL, 0, &trap));
  CHECK_OK(wasmtime_context_gc(context));
  CHECK(finalized == 100);
  CHECK_ERROR(wasmtime_context_gc(NULL), "invalid store: null pointer");

  wasmtime_val_unroot(&host);
  wasmtime_val_unroot(&from_global);
  wasmtime_externref_unroot(&from_raw);
  CHECK(wasmtime_externref_is_null(&from_raw));
  // The raw slot `wasmtime_externref_to_raw` made expires, as Wasmtime's
  // raw values do, at the next point where a collection may run.
  CHECK_OK(wasmtime_context_gc(context));
  CHECK(finalized == 107);

  // A loop of unchecked calls passing fresh externrefs through wasm to an
  // unchecked host function and back keeps none of them: the raw slots of
  // each iteration are released by the next call.
  wasmtime_module_t *echo_module = compile(engine,
      "(module"
      "  (import \"host\" \"echo\" (func $echo (param externref) (result externref)))"
      "  (func (export \"pass\") (param externref) (result externref)"
      "    (call $echo (local.get 0))))");
  wasm_functype_t *echo_type = wasm_functype_new_1_1(wasm_valtype_new(WASM_EXTERNREF),
                                                     wasm_valtype_new(WASM_EXTERNREF));
  wasmtime_extern_t echo = {.kind = WASMTIME_EXTERN_FUNC};
  wasmtime_func_new_unchecked(context, echo_type, echo_raw, NULL, NULL, &echo.of.func);
  wasm_functype_delete(echo_type);
  wasmtime_instance_t echo_instance;
  CHECK_OK(wasmtime_instance_new(context, echo_module, &echo, 1, &echo_instance, &trap));
  wasmtime_func_t pass = export_of(context, &echo_instance, "pass", WASMTIME_EXTERN_FUNC).of.func;
  static int each = 1;
  uint32_t previous = 0;
  for (int i = 0; i < 10000; i++) {
    wasmtime_externref_t fresh;
    CHECK(wasmtime_externref_new(context, &each, finalize, &fresh));
    wasmtime_val_raw_t slot = {.externref = wasmtime_externref_to_raw(context, &fresh)};
    wasmtime_externref_unroot(&fresh);
    CHECK_OK(wasmtime_func_call_unchecked(context, &pass, &slot, 1, &trap));
    wasmtime_externref_t returned;
    wasmtime_externref_from_raw(context, slot.externref, &returned);
    CHECK(wasmtime_externref_data(context, &returned) == &each);
    wasmtime_externref_unroot(&returned);
    // The previous iteration's result expired with this call; its slot
    // now holds this one's, and the stale value is refused, not confused
    // with it.
    if (previous != 0) {
      wasmtime_externref_from_raw(context, previous, &returned);
      CHECK(wasmtime_externref_is_null(&returned));
    }
    previous = slot.externref;
  }
  // The last iteration's result slot lives until a collection may run.
  CHECK_OK(wasmtime_context_gc(context));
  CHECK(finalized == 107 + 10000);
  CHECK(echo_calls == 10000);

  wasmtime_module_delete(echo_module);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  CHECK(finalized == 107 + 10000);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
