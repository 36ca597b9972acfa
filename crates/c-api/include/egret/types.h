/*
 * The C types of Egret's API (written by hand; `egret.h` includes this
 * file and declares the functions). They have the names, layouts and
 * constant values of Wasmtime 50's C API: the ABI check
 * (`crates/c-api/src/abi_check.rs`) compiles the same size, alignment,
 * offset and value assertions, taken from the Rust definitions, against
 * this header and against Wasmtime's.
 *
 * Types used only through pointers are declared by `egret.h` as
 * incomplete structs.
 */
#ifndef EGRET_TYPES_H
#define EGRET_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Element types of the vectors below (incomplete: used by pointer). */
typedef struct wasm_valtype_t wasm_valtype_t;
typedef struct wasm_functype_t wasm_functype_t;
typedef struct wasm_globaltype_t wasm_globaltype_t;
typedef struct wasm_tabletype_t wasm_tabletype_t;
typedef struct wasm_memorytype_t wasm_memorytype_t;
typedef struct wasm_externtype_t wasm_externtype_t;
typedef struct wasm_importtype_t wasm_importtype_t;
typedef struct wasm_exporttype_t wasm_exporttype_t;
typedef struct wasm_tagtype_t wasm_tagtype_t;
typedef struct wasm_frame_t wasm_frame_t;
typedef struct wasm_extern_t wasm_extern_t;
typedef struct wasm_ref_t wasm_ref_t;
typedef struct wasm_trap_t wasm_trap_t;
typedef struct wasmtime_error wasmtime_error_t;
typedef struct wasmtime_context wasmtime_context_t;
typedef struct wasmtime_caller wasmtime_caller_t;
typedef struct wasmtime_array_type wasmtime_array_type_t;
typedef struct wasmtime_struct_type wasmtime_struct_type_t;
typedef struct wasmtime_exn_type wasmtime_exn_type_t;

/* A byte of a byte vector: `char`, as in `wasm.h`. */
typedef char wasm_byte_t;

/* `wasm.h`'s small enumerations, stored in one byte. */
typedef uint8_t wasm_mutability_t;
enum { WASM_CONST = 0, WASM_VAR = 1 };

typedef uint8_t wasm_valkind_t;
enum {
  WASM_I32 = 0,
  WASM_I64 = 1,
  WASM_F32 = 2,
  WASM_F64 = 3,
  WASM_V128 = 4,
  WASM_EXTERNREF = 128,
  WASM_FUNCREF = 129,
};

typedef uint8_t wasm_externkind_t;
enum {
  WASM_EXTERN_FUNC = 0,
  WASM_EXTERN_GLOBAL = 1,
  WASM_EXTERN_TABLE = 2,
  WASM_EXTERN_MEMORY = 3,
  WASM_EXTERN_TAG = 4,
};

typedef uint32_t wasm_table_size_t;
typedef uint32_t wasm_memory_pages_t;

/* A table's or memory's size limits; `max` 0xffffffff is "none". */
typedef struct wasm_limits_t {
  uint32_t min;
  uint32_t max;
} wasm_limits_t;

/* Vectors: `size` elements at `data`, owned by whoever holds the vector
 * (vectors of pointers own what they point to). */
typedef struct wasm_byte_vec_t {
  size_t size;
  wasm_byte_t *data;
} wasm_byte_vec_t;
typedef wasm_byte_vec_t wasm_name_t;
/* NUL-terminated. */
typedef wasm_byte_vec_t wasm_message_t;

typedef struct wasm_valtype_vec_t {
  size_t size;
  wasm_valtype_t **data;
} wasm_valtype_vec_t;

typedef struct wasm_functype_vec_t {
  size_t size;
  wasm_functype_t **data;
} wasm_functype_vec_t;

typedef struct wasm_globaltype_vec_t {
  size_t size;
  wasm_globaltype_t **data;
} wasm_globaltype_vec_t;

typedef struct wasm_tabletype_vec_t {
  size_t size;
  wasm_tabletype_t **data;
} wasm_tabletype_vec_t;

typedef struct wasm_memorytype_vec_t {
  size_t size;
  wasm_memorytype_t **data;
} wasm_memorytype_vec_t;

typedef struct wasm_externtype_vec_t {
  size_t size;
  wasm_externtype_t **data;
} wasm_externtype_vec_t;

typedef struct wasm_importtype_vec_t {
  size_t size;
  wasm_importtype_t **data;
} wasm_importtype_vec_t;

typedef struct wasm_exporttype_vec_t {
  size_t size;
  wasm_exporttype_t **data;
} wasm_exporttype_vec_t;

typedef struct wasm_tagtype_vec_t {
  size_t size;
  wasm_tagtype_t **data;
} wasm_tagtype_vec_t;

typedef struct wasm_frame_vec_t {
  size_t size;
  wasm_frame_t **data;
} wasm_frame_vec_t;

typedef struct wasm_extern_vec_t {
  size_t size;
  wasm_extern_t **data;
} wasm_extern_vec_t;

/* `wasm.h`'s value; a reference value owns its `wasm_ref_t`. */
typedef struct wasm_val_t {
  wasm_valkind_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    wasm_ref_t *ref;
  } of;
} wasm_val_t;

typedef struct wasm_val_vec_t {
  size_t size;
  wasm_val_t *data;
} wasm_val_vec_t;

typedef wasm_trap_t *(*wasm_func_callback_t)(const wasm_val_vec_t *args,
                                             wasm_val_vec_t *results);
typedef wasm_trap_t *(*wasm_func_callback_with_env_t)(
    void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results);

/* Store items: the store's id and Egret's position of the item. */
typedef struct wasmtime_func {
  uint64_t store_id;
  size_t __private;
} wasmtime_func_t;

typedef struct wasmtime_table {
  struct {
    uint64_t store_id;
    uint32_t __private1;
  };
  uint32_t __private2;
} wasmtime_table_t;

typedef struct wasmtime_memory {
  struct {
    uint64_t store_id;
    uint32_t __private1;
  };
  uint32_t __private2;
} wasmtime_memory_t;

typedef struct wasmtime_tag {
  struct {
    uint64_t store_id;
    uint32_t __private1;
  };
  uint32_t __private2;
} wasmtime_tag_t;

typedef struct wasmtime_global {
  uint64_t store_id;
  uint32_t __private1;
  uint32_t __private2;
  uint32_t __private3;
} wasmtime_global_t;

typedef struct wasmtime_instance {
  uint64_t store_id;
  size_t __private;
} wasmtime_instance_t;

typedef uint8_t wasmtime_extern_kind_t;
#define WASMTIME_EXTERN_FUNC 0
#define WASMTIME_EXTERN_GLOBAL 1
#define WASMTIME_EXTERN_TABLE 2
#define WASMTIME_EXTERN_MEMORY 3
#define WASMTIME_EXTERN_SHAREDMEMORY 4
#define WASMTIME_EXTERN_TAG 5

typedef union wasmtime_extern_union {
  wasmtime_func_t func;
  wasmtime_global_t global;
  wasmtime_table_t table;
  wasmtime_memory_t memory;
  /* Never made by Egret (no shared memories). */
  void *sharedmemory;
  wasmtime_tag_t tag;
} wasmtime_extern_union_t;

typedef struct wasmtime_extern {
  wasmtime_extern_kind_t kind;
  wasmtime_extern_union_t of;
} wasmtime_extern_t;

/* GC references: the store's id and a handle the struct owns until a
 * `wasmtime_*_unroot` (store id 0 is null). */
typedef struct wasmtime_anyref {
  uint64_t store_id;
  uint32_t __private1;
  uint32_t __private2;
  void *__private3;
} wasmtime_anyref_t;

typedef struct wasmtime_externref {
  uint64_t store_id;
  uint32_t __private1;
  uint32_t __private2;
  void *__private3;
} wasmtime_externref_t;

typedef struct wasmtime_exnref {
  uint64_t store_id;
  uint32_t __private1;
  uint32_t __private2;
  void *__private3;
} wasmtime_exnref_t;

typedef struct wasmtime_eqref {
  uint64_t store_id;
  uint32_t __private1;
  uint32_t __private2;
  void *__private3;
} wasmtime_eqref_t;

typedef struct wasmtime_structref {
  uint64_t store_id;
  uint32_t __private1;
  uint32_t __private2;
  void *__private3;
} wasmtime_structref_t;

typedef struct wasmtime_arrayref {
  uint64_t store_id;
  uint32_t __private1;
  uint32_t __private2;
  void *__private3;
} wasmtime_arrayref_t;

typedef uint8_t wasmtime_valkind_t;
#define WASMTIME_I32 0
#define WASMTIME_I64 1
#define WASMTIME_F32 2
#define WASMTIME_F64 3
#define WASMTIME_V128 4
#define WASMTIME_FUNCREF 5
#define WASMTIME_EXTERNREF 6
#define WASMTIME_ANYREF 7
#define WASMTIME_EXNREF 8

typedef uint8_t wasmtime_v128[16];

typedef union wasmtime_valunion {
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
  wasmtime_anyref_t anyref;
  wasmtime_externref_t externref;
  wasmtime_exnref_t exnref;
  wasmtime_func_t funcref;
  wasmtime_v128 v128;
} wasmtime_valunion_t;

typedef struct wasmtime_val {
  wasmtime_valkind_t kind;
  wasmtime_valunion_t of;
} wasmtime_val_t;

/* A raw slot: references are Egret's store-local numbers (0 is null). */
typedef union wasmtime_val_raw {
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
  wasmtime_v128 v128;
  uint32_t anyref;
  uint32_t externref;
  uint32_t exnref;
  void *funcref;
} wasmtime_val_raw_t;

typedef wasm_trap_t *(*wasmtime_func_callback_t)(
    void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
    size_t nargs, wasmtime_val_t *results, size_t nresults);
typedef wasm_trap_t *(*wasmtime_func_unchecked_callback_t)(
    void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args_and_results,
    size_t num_args_and_results);

typedef uint8_t wasmtime_update_deadline_kind_t;
#define WASMTIME_UPDATE_DEADLINE_CONTINUE 0
#define WASMTIME_UPDATE_DEADLINE_YIELD 1

/* wasmtime_config_profiler_set's strategies (Egret: NONE and PERFMAP). */
typedef uint8_t wasmtime_profiling_strategy_t;
#define WASMTIME_PROFILING_STRATEGY_NONE 0
#define WASMTIME_PROFILING_STRATEGY_JITDUMP 1
#define WASMTIME_PROFILING_STRATEGY_VTUNE 2
#define WASMTIME_PROFILING_STRATEGY_PERFMAP 3

/* GC types. */
typedef uint8_t wasmtime_storage_kind_t;
#define WASMTIME_STORAGE_TYPE_KIND_I8 0
#define WASMTIME_STORAGE_TYPE_KIND_I16 1
#define WASMTIME_STORAGE_TYPE_KIND_VALTYPE 2

typedef struct wasmtime_storage_type {
  wasmtime_storage_kind_t kind;
  /* Owned; for WASMTIME_STORAGE_TYPE_KIND_VALTYPE. */
  wasm_valtype_t *valtype;
} wasmtime_storage_type_t;

typedef struct wasmtime_field_type {
  bool mutable_;
  wasmtime_storage_type_t storage;
} wasmtime_field_type_t;

typedef uint8_t wasmtime_heaptype_kind_t;
#define WASMTIME_HEAPTYPE_KIND_EXTERN 0
#define WASMTIME_HEAPTYPE_KIND_NOEXTERN 1
#define WASMTIME_HEAPTYPE_KIND_FUNC 2
#define WASMTIME_HEAPTYPE_KIND_CONCRETE_FUNC 3
#define WASMTIME_HEAPTYPE_KIND_NOFUNC 4
#define WASMTIME_HEAPTYPE_KIND_ANY 5
#define WASMTIME_HEAPTYPE_KIND_NONE 6
#define WASMTIME_HEAPTYPE_KIND_EQ 7
#define WASMTIME_HEAPTYPE_KIND_I31 8
#define WASMTIME_HEAPTYPE_KIND_ARRAY 9
#define WASMTIME_HEAPTYPE_KIND_CONCRETE_ARRAY 10
#define WASMTIME_HEAPTYPE_KIND_STRUCT 11
#define WASMTIME_HEAPTYPE_KIND_CONCRETE_STRUCT 12
#define WASMTIME_HEAPTYPE_KIND_EXN 13
#define WASMTIME_HEAPTYPE_KIND_CONCRETE_EXN 14
#define WASMTIME_HEAPTYPE_KIND_NOEXN 15

typedef union wasmtime_heaptype_union {
  wasm_functype_t *concrete_func;
  wasmtime_array_type_t *concrete_array;
  wasmtime_struct_type_t *concrete_struct;
  /* Only built by C: Egret's heap types have no concrete exception
   * types, and convert none to a `wasm_valtype_t`. */
  wasmtime_exn_type_t *concrete_exn;
} wasmtime_heaptype_union_t;

typedef struct wasmtime_heaptype {
  wasmtime_heaptype_kind_t kind;
  wasmtime_heaptype_union_t of;
} wasmtime_heaptype_t;

typedef struct wasmtime_reftype {
  bool nullable;
  wasmtime_heaptype_t heaptype;
} wasmtime_reftype_t;

typedef uint8_t wasmtime_valtype_kind_t;
#define WASMTIME_VALTYPE_KIND_I32 0
#define WASMTIME_VALTYPE_KIND_I64 1
#define WASMTIME_VALTYPE_KIND_F32 2
#define WASMTIME_VALTYPE_KIND_F64 3
#define WASMTIME_VALTYPE_KIND_V128 4
#define WASMTIME_VALTYPE_KIND_REF 5

typedef struct wasmtime_valtype {
  wasmtime_valtype_kind_t kind;
  /* For WASMTIME_VALTYPE_KIND_REF only. */
  wasmtime_reftype_t reftype;
} wasmtime_valtype_t;

/* The trap codes Egret raises. */
typedef uint8_t wasmtime_trap_code_t;
#define WASMTIME_TRAP_CODE_STACK_OVERFLOW 0
#define WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS 1
#define WASMTIME_TRAP_CODE_TABLE_OUT_OF_BOUNDS 3
#define WASMTIME_TRAP_CODE_INDIRECT_CALL_TO_NULL 4
#define WASMTIME_TRAP_CODE_BAD_SIGNATURE 5
#define WASMTIME_TRAP_CODE_INTEGER_OVERFLOW 6
#define WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO 7
#define WASMTIME_TRAP_CODE_BAD_CONVERSION_TO_INTEGER 8
#define WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED 9
#define WASMTIME_TRAP_CODE_INTERRUPT 10
#define WASMTIME_TRAP_CODE_OUT_OF_FUEL 11
#define WASMTIME_TRAP_CODE_NULL_REFERENCE 13
#define WASMTIME_TRAP_CODE_ARRAY_OUT_OF_BOUNDS 14
#define WASMTIME_TRAP_CODE_ALLOCATION_TOO_LARGE 15
#define WASMTIME_TRAP_CODE_CAST_FAILURE 16

#endif /* EGRET_TYPES_H */
