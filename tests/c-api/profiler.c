// The profiler setting: with the perf map profiler, the functions of each
// compiled module are listed in /tmp/perf-PID.map under their names (as
// Linux perf reads it); an engine with a profiler Egret lacks (jitdump) is
// refused.
#include "check.h"

#include <unistd.h>

// The process's perf map path.
static void perf_map_path(char *path, size_t size) {
  snprintf(path, size, "/tmp/perf-%ld.map", (long)getpid());
}

// Whether the process's perf map has a line ending in ` name`.
static int perf_map_names(const char *name) {
  char path[64];
  perf_map_path(path, sizeof path);
  FILE *file = fopen(path, "r");
  if (file == NULL) {
    return 0;
  }
  char line[512];
  int found = 0;
  while (!found && fgets(line, sizeof line, file) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    size_t length = strlen(line), name_length = strlen(name);
    found = length > name_length && line[length - name_length - 1] == ' ' &&
            strcmp(line + length - name_length, name) == 0;
  }
  fclose(file);
  return found;
}

int main(void) {
  // The default, set explicitly: nothing is listed (checked below, once a
  // perf map exists).
  wasm_config_t *config = wasm_config_new();
  wasmtime_config_profiler_set(config, WASMTIME_PROFILING_STRATEGY_NONE);
  wasm_engine_t *engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  wasmtime_module_t *module = compile(engine, "(module $c_api_unprofiled (func $quiet))");
  wasmtime_module_delete(module);
  wasm_engine_delete(engine);

  // The perf map names each compiled function.
  config = wasm_config_new();
  wasmtime_config_profiler_set(config, WASMTIME_PROFILING_STRATEGY_PERFMAP);
  engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  CHECK(!perf_map_names("c_api_profiled::answer"));
  module = compile(engine, "(module $c_api_profiled (func $answer (result i32) i32.const 42))");
  CHECK(perf_map_names("c_api_profiled::answer"));
  CHECK(!perf_map_names("c_api_unprofiled::quiet"));
  wasmtime_module_delete(module);
  wasm_engine_delete(engine);
  char path[64];
  perf_map_path(path, sizeof path);
  remove(path);

  // A profiler Egret lacks.
  config = wasm_config_new();
  wasmtime_config_profiler_set(config, WASMTIME_PROFILING_STRATEGY_JITDUMP);
  CHECK(wasm_engine_new_with_config(config) == NULL);

  printf("ok\n");
  return 0;
}
