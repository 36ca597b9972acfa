// Fuel and epochs: a configured engine, fuel set and read, running out
// of fuel traps; an epoch deadline interrupts; a store limiter refuses
// growth.
#include "check.h"

// An epoch deadline callback that continues twice with the deadline at
// the current epoch (so it is reached again at once), then stops wasm
// with an error.
struct ticks {
  int calls;
  int finalized;
};

static wasmtime_error_t *on_deadline(const wasmtime_context_t *context, void *data,
                                     uint64_t *delta, wasmtime_update_deadline_kind_t *kind) {
  struct ticks *ticks = data;
  CHECK(wasmtime_context_get_data(context) == ticks);
  ticks->calls++;
  if (ticks->calls == 3) {
    return wasmtime_error_new("enough spinning");
  }
  *delta = 0;
  *kind = WASMTIME_UPDATE_DEADLINE_CONTINUE;
  return NULL;
}

static wasmtime_error_t *yield(const wasmtime_context_t *context, void *data,
                               uint64_t *delta, wasmtime_update_deadline_kind_t *kind) {
  (void)context, (void)data;
  *delta = 1;
  *kind = WASMTIME_UPDATE_DEADLINE_YIELD;
  return NULL;
}

static void finalize_ticks(void *data) { ((struct ticks *)data)->finalized++; }

static const char *LOOP =
    "(module"
    "  (func (export \"spin\") (loop (br 0)))"
    "  (func (export \"count\") (param i32) (result i32)"
    "    (local i32)"
    "    (loop"
    "      (local.set 1 (i32.add (local.get 1) (i32.const 1)))"
    "      (br_if 0 (i32.lt_u (local.get 1) (local.get 0))))"
    "    (local.get 1)))";

int main(void) {
  // Fuel.
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_consume_fuel_set(config, true);
  wasmtime_config_cranelift_opt_level_set(config, WASMTIME_OPT_LEVEL_SPEED_AND_SIZE);
  wasmtime_config_max_wasm_stack_set(config, 1 << 20);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_module_t *module = compile(engine, LOOP);
  uint64_t fuel = 1;
  CHECK_OK(wasmtime_context_get_fuel(context, &fuel));
  CHECK(fuel == 0);
  CHECK_OK(wasmtime_context_set_fuel(context, 100000));
  wasmtime_instance_t instance = instantiate(context, module);

  wasmtime_func_t count = export_of(context, &instance, "count", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = 100};
  wasmtime_val_t result;
  wasm_trap_t *trap = NULL;
  CHECK_OK(wasmtime_func_call(context, &count, &arg, 1, &result, 1, &trap));
  CHECK(trap == NULL && result.of.i32 == 100);
  CHECK_OK(wasmtime_context_get_fuel(context, &fuel));
  CHECK(fuel < 100000 && fuel > 0);

  wasmtime_func_t spin = export_of(context, &instance, "spin", WASMTIME_EXTERN_FUNC).of.func;
  CHECK_OK(wasmtime_func_call(context, &spin, NULL, 0, NULL, 0, &trap));
  wasmtime_trap_code_t code;
  CHECK(trap != NULL && wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_OUT_OF_FUEL);
  wasm_trap_delete(trap);
  CHECK_OK(wasmtime_context_get_fuel(context, &fuel));
  CHECK(fuel == 0);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);

  // Without fuel configured, fuel is an error.
  engine = wasm_engine_new();
  store = wasmtime_store_new(engine, NULL, NULL);
  CHECK_ERROR(wasmtime_context_set_fuel(wasmtime_store_context(store), 10), "fuel");
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);

  // Epochs: a deadline of one tick, reached before the call.
  config = wasm_config_new();
  wasmtime_config_epoch_interruption_set(config, true);
  engine = wasm_engine_new_with_config(config);
  store = wasmtime_store_new(engine, NULL, NULL);
  context = wasmtime_store_context(store);
  module = compile(engine, LOOP);
  instance = instantiate(context, module);
  spin = export_of(context, &instance, "spin", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_context_set_epoch_deadline(context, 1);
  wasmtime_engine_increment_epoch(engine);
  CHECK_OK(wasmtime_func_call(context, &spin, NULL, 0, NULL, 0, &trap));
  CHECK(trap != NULL && wasmtime_trap_code(trap, &code) && code == WASMTIME_TRAP_CODE_INTERRUPT);
  wasm_trap_delete(trap);
  wasmtime_store_delete(store);

  // An epoch deadline callback instead of the trap.
  struct ticks ticks = {.calls = 0, .finalized = 0};
  store = wasmtime_store_new(engine, &ticks, NULL);
  context = wasmtime_store_context(store);
  wasmtime_store_epoch_deadline_callback(store, on_deadline, &ticks, finalize_ticks);
  instance = instantiate(context, module);
  spin = export_of(context, &instance, "spin", WASMTIME_EXTERN_FUNC).of.func;
  wasmtime_context_set_epoch_deadline(context, 1);
  wasmtime_engine_increment_epoch(engine);
  trap = NULL;
  CHECK_ERROR(wasmtime_func_call(context, &spin, NULL, 0, NULL, 0, &trap), "enough spinning");
  CHECK(trap == NULL && ticks.calls == 3);
  wasmtime_store_epoch_deadline_callback(store, yield, NULL, NULL);
  CHECK(ticks.finalized == 1);
  wasmtime_context_set_epoch_deadline(context, 1);
  wasmtime_engine_increment_epoch(engine);
  CHECK_ERROR(wasmtime_func_call(context, &spin, NULL, 0, NULL, 0, &trap), "yield");

  wasm_engine_t *clone = wasmtime_engine_clone(engine);
  CHECK(!wasmtime_engine_is_pulley(clone));
  wasm_engine_delete(clone);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);

  // A limiter: memories of at most two pages.
  engine = wasm_engine_new();
  store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_store_limiter(store, 2 * 65536, -1, -1, -1, -1);
  context = wasmtime_store_context(store);
  module = compile(engine, "(module (memory (export \"m\") 1))");
  instance = instantiate(context, module);
  wasmtime_memory_t memory = export_of(context, &instance, "m", WASMTIME_EXTERN_MEMORY).of.memory;
  uint64_t previous;
  CHECK_OK(wasmtime_memory_grow(context, &memory, 1, &previous));
  CHECK_ERROR(wasmtime_memory_grow(context, &memory, 1, &previous), "");
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);

  // A configuration no engine can have.
  config = wasm_config_new();
  wasmtime_config_max_wasm_stack_set(config, 0);
  CHECK(wasm_engine_new_with_config(config) == NULL);
  config = wasm_config_new();
  CHECK_ERROR(wasmtime_config_target_set(config, "not-a-target!"), "");
  wasm_config_delete(config);

  printf("ok\n");
  return 0;
}
