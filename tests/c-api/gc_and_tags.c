// i31 references and tags made from C, used by wasm with the GC and
// exception proposals switched on; an exception wasm did not catch taken
// by the host and thrown back from a host function.
#include "check.h"

// The exception wasm threw and nobody caught, taken by the host.
static wasmtime_exnref_t saved;

// Throws `saved` into the wasm that called.
static wasm_trap_t *rethrow(void *env, wasmtime_caller_t *caller,
                            const wasmtime_val_t *args, size_t nargs,
                            wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)args, (void)nargs, (void)results, (void)nresults;
  wasm_trap_t *trap = wasmtime_context_set_exception(wasmtime_caller_context(caller), &saved);
  CHECK(trap != NULL);
  return trap;
}

int main(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_gc_set(config, true);
  wasmtime_config_wasm_function_references_set(config, true);
  wasmtime_config_wasm_exceptions_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);

  // i31: made in C, read in C and in wasm.
  wasmtime_val_t small = {.kind = WASMTIME_ANYREF};
  wasmtime_anyref_from_i31(context, 0x7fffffff, &small.of.anyref);
  CHECK(wasmtime_anyref_is_i31(context, &small.of.anyref));
  CHECK(wasmtime_anyref_is_eqref(context, &small.of.anyref));
  CHECK(!wasmtime_anyref_is_struct(context, &small.of.anyref));
  uint32_t unsigned_value;
  int32_t signed_value;
  CHECK(wasmtime_anyref_i31_get_u(context, &small.of.anyref, &unsigned_value) && unsigned_value == 0x7fffffff);
  CHECK(wasmtime_anyref_i31_get_s(context, &small.of.anyref, &signed_value) && signed_value == -1);

  wasmtime_module_t *module = compile(engine,
      "(module"
      "  (import \"host\" \"oops\" (tag $oops (param i32)))"
      "  (import \"host\" \"rethrow\" (func $rethrow))"
      "  (func (export \"throw\") (throw $oops (i32.const 7)))"
      "  (func (export \"catch_host\") (result i32)"
      "    (block $caught (result i32)"
      "      (try_table (catch $oops $caught) (call $rethrow))"
      "      (i32.const 0)))"
      "  (func (export \"low\") (param anyref) (result i32)"
      "    (i31.get_u (ref.cast (ref i31) (local.get 0))))"
      "  (func (export \"catch\") (result i32)"
      "    (block $caught (result i32)"
      "      (try_table (catch $oops $caught) (throw $oops (i32.const 42)))"
      "      (i32.const 0))))");

  // A tag made in C, imported by the module.
  wasm_valtype_vec_t params, results;
  wasm_valtype_t *p[1] = {wasm_valtype_new_i32()};
  wasm_valtype_vec_new(&params, 1, p);
  wasm_valtype_vec_new_empty(&results);
  wasm_tagtype_t *tag_type = wasm_tagtype_new(wasm_functype_new(&params, &results));
  wasmtime_extern_t tag = {.kind = WASMTIME_EXTERN_TAG};
  CHECK_OK(wasmtime_tag_new(context, tag_type, &tag.of.tag));
  wasm_tagtype_delete(tag_type);
  wasm_tagtype_t *read_back = wasmtime_tag_type(context, &tag.of.tag);
  CHECK(wasm_functype_params(wasm_tagtype_functype(read_back))->size == 1);
  wasm_tagtype_delete(read_back);
  CHECK(wasmtime_tag_eq(context, &tag.of.tag, &tag.of.tag));
  wasmtime_tag_t other_tag;
  tag_type = wasm_tagtype_new(wasm_functype_new(&results, &results));
  CHECK_OK(wasmtime_tag_new(context, tag_type, &other_tag));
  wasm_tagtype_delete(tag_type);
  CHECK(!wasmtime_tag_eq(context, &tag.of.tag, &other_tag));

  wasm_functype_t *nothing = wasm_functype_new(&results, &results);
  wasmtime_extern_t imports[2] = {tag, {.kind = WASMTIME_EXTERN_FUNC}};
  wasmtime_func_new(context, nothing, rethrow, NULL, NULL, &imports[1].of.func);
  wasm_functype_delete(nothing);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_instance_new(context, module, imports, 2, &instance, &trap));
  wasmtime_func_t low = export_of(context, &instance, "low", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t result;
  CHECK_OK(wasmtime_func_call(context, &low, &small, 1, &result, 1, &trap));
  CHECK(trap == NULL && result.of.i32 == 0x7fffffff);
  wasmtime_func_t catcher = export_of(context, &instance, "catch", WASMTIME_EXTERN_FUNC).of.func;
  CHECK(call_i32(context, &catcher) == 42);

  // An uncaught exception is a trap, and stays pending for the host.
  CHECK(!wasmtime_context_has_exception(context));
  wasmtime_func_t thrower = export_of(context, &instance, "throw", WASMTIME_EXTERN_FUNC).of.func;
  CHECK_OK(wasmtime_func_call(context, &thrower, NULL, 0, NULL, 0, &trap));
  CHECK(trap != NULL);
  wasm_trap_delete(trap);
  trap = NULL;
  CHECK(wasmtime_context_has_exception(context));
  CHECK(wasmtime_context_take_exception(context, &saved));
  CHECK(!wasmtime_context_has_exception(context));
  wasmtime_exnref_t none;
  CHECK(!wasmtime_context_take_exception(context, &none));

  // A host callback throws it back into wasm, which catches it.
  wasmtime_func_t catch_host = export_of(context, &instance, "catch_host", WASMTIME_EXTERN_FUNC).of.func;
  CHECK(call_i32(context, &catch_host) == 7);
  wasmtime_exnref_unroot(&saved);
  wasmtime_val_unroot(&small);

  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
