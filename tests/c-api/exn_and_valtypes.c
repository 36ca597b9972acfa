// Wasmtime's full value types from C (`wasmtime_valtype_t` of every
// kind, to `wasm_valtype_t` and back), exception types, and exceptions
// made and read by the host: one thrown into wasm by a host callback and
// caught there, one wasm threw and nobody caught read by the host; NULL,
// null and foreign arguments.
#include "check.h"

// The tag the host throws with, and how many externrefs were finalized.
static wasmtime_tag_t host_tag;
static int finalized = 0;

static void count_finalized(void *data) {
  (void)data;
  finalized++;
}

// Converts `ty` to a `wasm_valtype_t` and back, clones it, and checks
// the kinds and the types agree; frees everything it made (not `ty`).
static void check_round_trip(wasm_engine_t *engine, const wasmtime_valtype_t *ty) {
  wasm_valtype_t *wasm = wasmtime_valtype_to_wasm(engine, ty);
  CHECK(wasm != NULL);
  wasmtime_valtype_t back;
  wasmtime_valtype_new(wasm, &back);
  CHECK(back.kind == ty->kind);
  if (ty->kind == WASMTIME_VALTYPE_KIND_REF) {
    CHECK(back.reftype.nullable == ty->reftype.nullable);
    CHECK(back.reftype.heaptype.kind == ty->reftype.heaptype.kind);
  }
  wasmtime_valtype_t copy;
  wasmtime_valtype_clone(&back, &copy);
  wasmtime_valtype_delete(&back);
  wasm_valtype_t *again = wasmtime_valtype_to_wasm(engine, &copy);
  CHECK(again != NULL && wasmtime_wasm_valtype_equal(wasm, again));
  wasmtime_valtype_delete(&copy);
  wasm_valtype_delete(again);
  wasm_valtype_delete(wasm);
}

// A reference value type of heap type `kind` (abstract).
static wasmtime_valtype_t ref_type(bool nullable, wasmtime_heaptype_kind_t kind) {
  wasmtime_valtype_t ty;
  memset(&ty, 0, sizeof ty);
  ty.kind = WASMTIME_VALTYPE_KIND_REF;
  ty.reftype.nullable = nullable;
  ty.reftype.heaptype.kind = kind;
  return ty;
}

static void value_types(wasm_engine_t *engine, wasmtime_context_t *context) {
  // Numbers and vectors.
  const wasmtime_valtype_kind_t numbers[] = {
      WASMTIME_VALTYPE_KIND_I32, WASMTIME_VALTYPE_KIND_I64, WASMTIME_VALTYPE_KIND_F32,
      WASMTIME_VALTYPE_KIND_F64, WASMTIME_VALTYPE_KIND_V128};
  for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
    wasmtime_valtype_t ty = {.kind = numbers[i]};
    check_round_trip(engine, &ty);
  }
  wasm_valtype_t *v128 = wasmtime_wasm_valtype_v128();
  wasmtime_valtype_t from_v128;
  wasmtime_valtype_new(v128, &from_v128);
  CHECK(from_v128.kind == WASMTIME_VALTYPE_KIND_V128);
  wasm_valtype_t *i32 = wasm_valtype_new_i32();
  CHECK(wasmtime_wasm_valtype_equal(v128, v128) && !wasmtime_wasm_valtype_equal(v128, i32));

  // Abstract references; funcref and externref have `wasm.h` kinds.
  const wasmtime_heaptype_kind_t abstract[] = {
      WASMTIME_HEAPTYPE_KIND_FUNC, WASMTIME_HEAPTYPE_KIND_EXTERN, WASMTIME_HEAPTYPE_KIND_ANY,
      WASMTIME_HEAPTYPE_KIND_EQ,   WASMTIME_HEAPTYPE_KIND_I31,    WASMTIME_HEAPTYPE_KIND_STRUCT,
      WASMTIME_HEAPTYPE_KIND_ARRAY, WASMTIME_HEAPTYPE_KIND_NONE,  WASMTIME_HEAPTYPE_KIND_NOFUNC,
      WASMTIME_HEAPTYPE_KIND_NOEXTERN, WASMTIME_HEAPTYPE_KIND_EXN, WASMTIME_HEAPTYPE_KIND_NOEXN};
  for (size_t i = 0; i < sizeof abstract / sizeof abstract[0]; i++) {
    wasmtime_valtype_t nullable = ref_type(true, abstract[i]);
    wasmtime_valtype_t non_null = ref_type(false, abstract[i]);
    check_round_trip(engine, &nullable);
    check_round_trip(engine, &non_null);
  }
  wasmtime_valtype_t funcref = ref_type(true, WASMTIME_HEAPTYPE_KIND_FUNC);
  wasm_valtype_t *wasm_funcref = wasmtime_valtype_to_wasm(engine, &funcref);
  CHECK(wasm_valtype_kind(wasm_funcref) == WASM_FUNCREF);
  wasmtime_valtype_t externref = ref_type(true, WASMTIME_HEAPTYPE_KIND_EXTERN);
  wasm_valtype_t *wasm_externref = wasmtime_valtype_to_wasm(engine, &externref);
  CHECK(wasm_valtype_kind(wasm_externref) == WASM_EXTERNREF);
  CHECK(!wasmtime_wasm_valtype_equal(wasm_funcref, wasm_externref));
  wasmtime_valtype_t anyref;
  wasm_valtype_t *wasm_anyref = wasmtime_valtype_to_wasm(engine, &(wasmtime_valtype_t){
      .kind = WASMTIME_VALTYPE_KIND_REF,
      .reftype = {.nullable = true, .heaptype = {.kind = WASMTIME_HEAPTYPE_KIND_ANY}}});
  wasmtime_valtype_new(wasm_anyref, &anyref);
  CHECK(anyref.kind == WASMTIME_VALTYPE_KIND_REF && anyref.reftype.nullable &&
        anyref.reftype.heaptype.kind == WASMTIME_HEAPTYPE_KIND_ANY);
  wasm_valtype_delete(wasm_funcref);
  wasm_valtype_delete(wasm_externref);
  wasm_valtype_delete(wasm_anyref);

  // A concrete struct reference: the value type owns its struct type.
  wasmtime_field_type_t fields[2] = {
      {.mutable_ = true, .storage = {.kind = WASMTIME_STORAGE_TYPE_KIND_I8}},
      {.mutable_ = false,
       .storage = {.kind = WASMTIME_STORAGE_TYPE_KIND_VALTYPE, .valtype = i32}},
  };
  wasmtime_struct_type_t *pair = wasmtime_struct_type_new(engine, fields, 2);
  CHECK(pair != NULL);
  wasmtime_valtype_t struct_ref = ref_type(true, WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT);
  struct_ref.reftype.heaptype.of.concrete_struct = wasmtime_struct_type_copy(pair);
  check_round_trip(engine, &struct_ref);
  wasm_valtype_t *wasm_struct_ref = wasmtime_valtype_to_wasm(engine, &struct_ref);
  CHECK(wasm_valtype_kind(wasm_struct_ref) == 255);
  wasmtime_valtype_t back;
  wasmtime_valtype_new(wasm_struct_ref, &back);
  CHECK(back.reftype.heaptype.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT);
  CHECK(wasmtime_struct_type_num_fields(back.reftype.heaptype.of.concrete_struct) == 2);
  wasmtime_valtype_delete(&back);
  wasmtime_valtype_delete(&back); // Owns nothing any more.
  wasmtime_valtype_delete(&struct_ref);

  // The reference part alone.
  wasmtime_reftype_t reftype;
  wasmtime_valtype_new(wasm_struct_ref, &back);
  wasmtime_reftype_clone(&back.reftype, &reftype);
  wasmtime_valtype_delete(&back);
  CHECK(reftype.heaptype.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT);
  CHECK(wasmtime_struct_type_num_fields(reftype.heaptype.of.concrete_struct) == 2);
  wasmtime_reftype_delete(&reftype);
  wasm_valtype_delete(wasm_struct_ref);

  // A concrete function reference needs an engine to register its type.
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new_empty(&params);
  wasm_valtype_vec_new_empty(&results);
  wasmtime_valtype_t func_ref = ref_type(false, WASMTIME_HEAPTYPE_KIND_CONCRETE_FUNC);
  func_ref.reftype.heaptype.of.concrete_func = wasm_functype_new(&params, &results);
  check_round_trip(engine, &func_ref);
  CHECK(wasmtime_valtype_to_wasm(NULL, &func_ref) == NULL);
  wasmtime_valtype_delete(&func_ref);

  // A concrete array reference.
  wasmtime_array_type_t *bytes = wasmtime_array_type_new(engine, &fields[0]);
  wasmtime_valtype_t array_ref = ref_type(true, WASMTIME_HEAPTYPE_KIND_CONCRETE_ARRAY);
  array_ref.reftype.heaptype.of.concrete_array = bytes;
  check_round_trip(engine, &array_ref);
  wasmtime_valtype_delete(&array_ref);

  // A concrete exception reference is copied and freed, but Egret's heap
  // types have none to convert it to.
  wasmtime_exn_type_t *exn_type = NULL;
  CHECK_OK(wasmtime_exn_type_new(engine, &params, &exn_type));
  wasmtime_valtype_t exn_ref = ref_type(true, WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN);
  exn_ref.reftype.heaptype.of.concrete_exn = exn_type;
  wasmtime_valtype_t exn_copy;
  wasmtime_valtype_clone(&exn_ref, &exn_copy);
  CHECK(exn_copy.reftype.heaptype.of.concrete_exn != exn_type);
  CHECK(wasmtime_valtype_to_wasm(engine, &exn_copy) == NULL);
  wasmtime_valtype_delete(&exn_copy);
  wasmtime_valtype_delete(&exn_ref);

  // A concrete type coming from wasm: a global's type.
  wasmtime_module_t *module = compile(engine,
      "(module"
      "  (type $point (struct (field i32) (field i32)))"
      "  (global (export \"origin\") (ref null $point) (ref.null $point)))");
  wasmtime_instance_t instance = instantiate(context, module);
  wasmtime_global_t origin =
      export_of(context, &instance, "origin", WASMTIME_EXTERN_GLOBAL).of.global;
  wasm_globaltype_t *global_type = wasmtime_global_type(context, &origin);
  wasmtime_valtype_t content;
  wasmtime_valtype_new(wasm_globaltype_content(global_type), &content);
  CHECK(content.kind == WASMTIME_VALTYPE_KIND_REF && content.reftype.nullable);
  CHECK(content.reftype.heaptype.kind == WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT);
  CHECK(wasmtime_struct_type_num_fields(content.reftype.heaptype.of.concrete_struct) == 2);
  check_round_trip(engine, &content);
  wasmtime_valtype_delete(&content);
  wasm_globaltype_delete(global_type);
  wasmtime_module_delete(module);

  // NULL arguments: nothing is written, nothing made.
  wasmtime_valtype_t untouched = {.kind = 77};
  wasmtime_valtype_new(NULL, &untouched);
  wasmtime_valtype_clone(NULL, &untouched);
  CHECK(untouched.kind == 77);
  CHECK(wasmtime_valtype_to_wasm(engine, NULL) == NULL);
  CHECK(wasmtime_valtype_to_wasm(engine, &untouched) == NULL);
  wasmtime_valtype_delete(NULL);
  wasmtime_reftype_clone(NULL, &reftype);
  wasmtime_reftype_delete(NULL);
  CHECK(!wasmtime_wasm_valtype_equal(NULL, i32) && !wasmtime_wasm_valtype_equal(i32, NULL));

  wasmtime_struct_type_delete(pair);
  wasm_valtype_delete(v128);
  // `i32` is owned by `fields[1]`.
  wasmtime_field_type_delete(&fields[1]);
}

// Throws an exception of `host_tag` holding (the argument, 1.5, null)
// into the wasm that called.
static wasm_trap_t *throw_from_host(void *env, wasmtime_caller_t *caller,
                                    const wasmtime_val_t *args, size_t nargs,
                                    wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)nargs, (void)results, (void)nresults;
  wasmtime_context_t *context = wasmtime_caller_context(caller);
  wasmtime_val_t fields[3] = {
      {.kind = WASMTIME_I32, .of.i32 = args[0].of.i32},
      {.kind = WASMTIME_F64, .of.f64 = 1.5},
      {.kind = WASMTIME_EXTERNREF},
  };
  wasmtime_externref_set_null(&fields[2].of.externref);
  wasmtime_exnref_t exn;
  CHECK_OK(wasmtime_exnref_new(context, &host_tag, fields, 3, &exn));
  wasm_trap_t *trap = wasmtime_context_set_exception(context, &exn);
  wasmtime_exnref_unroot(&exn);
  CHECK(trap != NULL);
  return trap;
}

// The parameters of a tag type.
static const wasm_valtype_vec_t *tag_params(const wasm_tagtype_t *ty) {
  return wasm_functype_params(wasm_tagtype_functype(ty));
}

static void exceptions(wasm_engine_t *engine, wasmtime_context_t *context,
                       wasmtime_context_t *other) {
  // A tag type of (i32 f64 externref), the exception type of its
  // parameters, and the tag type of that exception type.
  wasm_valtype_t *p[3] = {wasm_valtype_new_i32(), wasm_valtype_new_f64(),
                          wasm_valtype_new_externref()};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 3, p);
  wasm_valtype_vec_new_empty(&results);
  wasm_tagtype_t *tag_type = wasm_tagtype_new(wasm_functype_new(&params, &results));
  wasmtime_exn_type_t *exn_type = NULL;
  CHECK_OK(wasmtime_exn_type_new(engine, tag_params(tag_type), &exn_type));
  wasmtime_exn_type_t *exn_copy = wasmtime_exn_type_copy(exn_type);
  wasmtime_exn_type_delete(exn_type);
  wasm_tagtype_t *from_exn = wasmtime_exn_type_tag_type(exn_copy);
  wasmtime_exn_type_delete(exn_copy);
  CHECK(tag_params(from_exn)->size == 3);
  CHECK(wasm_functype_results(wasm_tagtype_functype(from_exn))->size == 0);
  for (size_t i = 0; i < 3; i++) {
    CHECK(wasmtime_wasm_valtype_equal(tag_params(from_exn)->data[i],
                                      tag_params(tag_type)->data[i]));
  }

  // A tag of that type, and an exception of it made by the host.
  CHECK_OK(wasmtime_tag_new(context, from_exn, &host_tag));
  wasm_tagtype_delete(from_exn);
  wasmtime_val_t fields[3] = {
      {.kind = WASMTIME_I32, .of.i32 = 7},
      {.kind = WASMTIME_F64, .of.f64 = 2.5},
      {.kind = WASMTIME_EXTERNREF},
  };
  static int payload;
  CHECK(wasmtime_externref_new(context, &payload, count_finalized, &fields[2].of.externref));
  wasmtime_exnref_t exn;
  CHECK_OK(wasmtime_exnref_new(context, &host_tag, fields, 3, &exn));
  wasmtime_val_unroot(&fields[2]);

  wasmtime_tag_t tag;
  CHECK_OK(wasmtime_exnref_tag(context, &exn, &tag));
  CHECK(wasmtime_tag_eq(context, &tag, &host_tag));
  CHECK(wasmtime_exnref_field_count(context, &exn) == 3);
  wasmtime_val_t field;
  CHECK_OK(wasmtime_exnref_field(context, &exn, 0, &field));
  CHECK(field.kind == WASMTIME_I32 && field.of.i32 == 7);
  CHECK_OK(wasmtime_exnref_field(context, &exn, 1, &field));
  CHECK(field.kind == WASMTIME_F64 && field.of.f64 == 2.5);
  CHECK_OK(wasmtime_exnref_field(context, &exn, 2, &field));
  CHECK(field.kind == WASMTIME_EXTERNREF);
  CHECK(wasmtime_externref_data(context, &field.of.externref) == &payload);
  wasmtime_val_unroot(&field);
  CHECK_ERROR(wasmtime_exnref_field(context, &exn, 3, &field), "field 3");
  wasmtime_exn_type_t *read_type = wasmtime_exnref_type(context, &exn);
  CHECK(read_type != NULL);
  wasm_tagtype_t *read_tag_type = wasmtime_exn_type_tag_type(read_type);
  CHECK(tag_params(read_tag_type)->size == 3);
  CHECK(wasmtime_wasm_valtype_equal(tag_params(read_tag_type)->data[1],
                                    tag_params(tag_type)->data[1]));
  wasm_tagtype_delete(read_tag_type);
  wasmtime_exn_type_delete(read_type);
  wasmtime_exnref_t exn_clone;
  wasmtime_exnref_clone(&exn, &exn_clone);
  CHECK(wasmtime_exnref_field_count(context, &exn_clone) == 3);
  wasmtime_exnref_unroot(&exn_clone);

  // Fields that do not match the tag's parameters.
  wasmtime_exnref_t bad;
  CHECK_ERROR(wasmtime_exnref_new(context, &host_tag, fields, 1, &bad), "3 fields, 1 given");
  wasmtime_val_t wrong[3] = {
      {.kind = WASMTIME_I64, .of.i64 = 7},
      {.kind = WASMTIME_F64, .of.f64 = 2.5},
      {.kind = WASMTIME_EXTERNREF},
  };
  wasmtime_externref_set_null(&wrong[2].of.externref);
  CHECK_ERROR(wasmtime_exnref_new(context, &host_tag, wrong, 3, &bad), "cannot hold");

  // NULL, null and foreign arguments.
  wasmtime_val_t nulls[3] = {
      {.kind = WASMTIME_I32, .of.i32 = 1},
      {.kind = WASMTIME_F64, .of.f64 = 1},
      {.kind = WASMTIME_EXTERNREF},
  };
  wasmtime_externref_set_null(&nulls[2].of.externref);
  CHECK_ERROR(wasmtime_exnref_new(NULL, &host_tag, nulls, 3, &bad), "invalid store: null pointer");
  CHECK_ERROR(wasmtime_exnref_new(context, NULL, nulls, 3, &bad), "invalid tag: null pointer");
  CHECK_ERROR(wasmtime_exnref_new(context, &host_tag, NULL, 3, &bad),
              "invalid fields: null pointer");
  CHECK_ERROR(wasmtime_exnref_new(context, &host_tag, nulls, 3, NULL),
              "invalid exn_ret: null pointer");
  CHECK_ERROR(wasmtime_exnref_tag(NULL, &exn, &tag), "invalid store: null pointer");
  CHECK_ERROR(wasmtime_exnref_tag(context, NULL, &tag), "invalid exnref: null pointer");
  CHECK_ERROR(wasmtime_exnref_tag(context, &exn, NULL), "invalid tag_ret: null pointer");
  wasmtime_exnref_t null_exn;
  wasmtime_exnref_set_null(&null_exn);
  CHECK_ERROR(wasmtime_exnref_tag(context, &null_exn, &tag), "invalid exnref: null handle");
  CHECK_ERROR(wasmtime_exnref_field(NULL, &exn, 0, &field), "invalid store: null pointer");
  CHECK_ERROR(wasmtime_exnref_field(context, NULL, 0, &field), "invalid exnref: null pointer");
  CHECK_ERROR(wasmtime_exnref_field(context, &exn, 0, NULL), "invalid val_ret: null pointer");
  CHECK(wasmtime_exnref_field_count(NULL, &exn) == 0);
  CHECK(wasmtime_exnref_field_count(context, NULL) == 0);
  CHECK(wasmtime_exnref_field_count(context, &null_exn) == 0);
  CHECK(wasmtime_exnref_type(NULL, &exn) == NULL);
  CHECK(wasmtime_exnref_type(context, NULL) == NULL);
  CHECK(wasmtime_exnref_type(context, &null_exn) == NULL);
  wasmtime_exn_type_t *no_type = NULL;
  CHECK_ERROR(wasmtime_exn_type_new(NULL, &params, &no_type), "invalid engine: null pointer");
  CHECK_ERROR(wasmtime_exn_type_new(engine, NULL, &no_type), "invalid params: null pointer");
  CHECK_ERROR(wasmtime_exn_type_new(engine, &params, NULL), "invalid out: null pointer");
  CHECK(no_type == NULL);
  CHECK(wasmtime_exn_type_copy(NULL) == NULL);
  CHECK(wasmtime_exn_type_tag_type(NULL) == NULL);
  wasmtime_exn_type_delete(NULL);
  // An exception, a tag or a field of one store used with another.
  CHECK_ERROR(wasmtime_exnref_tag(other, &exn, &tag), "wrong store");
  CHECK_ERROR(wasmtime_exnref_field(other, &exn, 0, &field), "wrong store");
  CHECK(wasmtime_exnref_field_count(other, &exn) == 0);
  CHECK(wasmtime_exnref_type(other, &exn) == NULL);
  CHECK_ERROR(wasmtime_exnref_new(other, &host_tag, nulls, 3, &bad), "wrong store");
  wasmtime_val_t foreign[3] = {
      {.kind = WASMTIME_I32, .of.i32 = 1},
      {.kind = WASMTIME_F64, .of.f64 = 1},
      {.kind = WASMTIME_EXTERNREF},
  };
  CHECK(wasmtime_externref_new(other, NULL, NULL, &foreign[2].of.externref));
  CHECK_ERROR(wasmtime_exnref_new(context, &host_tag, foreign, 3, &bad), "wrong store");
  wasmtime_val_unroot(&foreign[2]);
  wasmtime_exnref_unroot(&exn);
  wasm_valtype_vec_delete(&results);
  wasm_tagtype_delete(tag_type);

  // Thrown into wasm by a host callback, caught there; thrown by wasm,
  // not caught, read by the host.
  wasmtime_module_t *module = compile(engine,
      "(module"
      "  (import \"host\" \"tag\" (tag $host (param i32 f64 externref)))"
      "  (import \"host\" \"throw\" (func $throw (param i32)))"
      "  (tag $own (export \"own\") (param i64 i32))"
      "  (func (export \"catch_host\") (param i32) (result i32)"
      "    (block $caught (result i32 f64 externref)"
      "      (try_table (catch $host $caught) (call $throw (local.get 0)))"
      "      (return (i32.const -1)))"
      "    (drop) (drop))"
      "  (func (export \"throw_own\") (param i32)"
      "    (throw $own (i64.const 1234567890123) (local.get 0))))");
  wasm_valtype_t *arg[1] = {wasm_valtype_new_i32()};
  wasm_valtype_vec_new(&params, 1, arg);
  wasm_valtype_vec_new_empty(&results);
  wasm_functype_t *throw_type = wasm_functype_new(&params, &results);
  wasmtime_extern_t imports[2] = {{.kind = WASMTIME_EXTERN_TAG, .of.tag = host_tag},
                                  {.kind = WASMTIME_EXTERN_FUNC}};
  wasmtime_func_new(context, throw_type, throw_from_host, NULL, NULL, &imports[1].of.func);
  wasm_functype_delete(throw_type);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_instance_new(context, module, imports, 2, &instance, &trap));
  CHECK(trap == NULL);

  wasmtime_func_t catch_host =
      export_of(context, &instance, "catch_host", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t forty_one = {.kind = WASMTIME_I32, .of.i32 = 41};
  wasmtime_val_t result;
  CHECK_OK(wasmtime_func_call(context, &catch_host, &forty_one, 1, &result, 1, &trap));
  CHECK(trap == NULL && result.kind == WASMTIME_I32 && result.of.i32 == 41);
  CHECK(!wasmtime_context_has_exception(context));

  wasmtime_func_t throw_own =
      export_of(context, &instance, "throw_own", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t five = {.kind = WASMTIME_I32, .of.i32 = 5};
  CHECK_OK(wasmtime_func_call(context, &throw_own, &five, 1, NULL, 0, &trap));
  CHECK(trap != NULL);
  wasm_trap_delete(trap);
  wasmtime_exnref_t thrown;
  CHECK(wasmtime_context_take_exception(context, &thrown));
  wasmtime_tag_t own = export_of(context, &instance, "own", WASMTIME_EXTERN_TAG).of.tag;
  CHECK_OK(wasmtime_exnref_tag(context, &thrown, &tag));
  CHECK(wasmtime_tag_eq(context, &tag, &own) && !wasmtime_tag_eq(context, &tag, &host_tag));
  CHECK(wasmtime_exnref_field_count(context, &thrown) == 2);
  CHECK_OK(wasmtime_exnref_field(context, &thrown, 0, &field));
  CHECK(field.kind == WASMTIME_I64 && field.of.i64 == 1234567890123);
  CHECK_OK(wasmtime_exnref_field(context, &thrown, 1, &field));
  CHECK(field.kind == WASMTIME_I32 && field.of.i32 == 5);
  wasmtime_exn_type_t *thrown_type = wasmtime_exnref_type(context, &thrown);
  wasm_tagtype_t *thrown_tag_type = wasmtime_exn_type_tag_type(thrown_type);
  CHECK(tag_params(thrown_tag_type)->size == 2);
  CHECK(wasm_valtype_kind(tag_params(thrown_tag_type)->data[0]) == WASM_I64);
  wasm_tagtype_delete(thrown_tag_type);
  wasmtime_exn_type_delete(thrown_type);
  wasmtime_exnref_unroot(&thrown);
  wasmtime_module_delete(module);
}

int main(void) {
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_wasm_gc_set(config, true);
  wasmtime_config_wasm_function_references_set(config, true);
  wasmtime_config_wasm_exceptions_set(config, true);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_store_t *other_store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);

  value_types(engine, context);
  exceptions(engine, context, wasmtime_store_context(other_store));

  wasmtime_store_delete(other_store);
  wasmtime_store_delete(store);
  CHECK(finalized == 1);
  wasm_engine_delete(engine);
  printf("ok\n");
  return 0;
}
