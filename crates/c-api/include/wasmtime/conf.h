/*
 * Egret's `wasmtime/conf.h`: the build features `libegret` provides, for
 * compiling against Wasmtime 50's C headers (whose own `conf.h` is
 * written by Wasmtime's CMake build from `conf.h.in`). Put this directory
 * on the include path after Wasmtime's `include/`. A test checks that
 * every feature named here is one of Wasmtime's.
 *
 * WASMTIME_FEATURE_GC matters to the ABI: it adds the 24-byte reference
 * structs to `wasmtime_valunion_t`, making `wasmtime_val_t` 32 bytes, as
 * in Wasmtime's default build and in `libegret`.
 */
#ifndef WASMTIME_CONF_H
#define WASMTIME_CONF_H

#define WASMTIME_FEATURE_WAT
#define WASMTIME_FEATURE_CACHE
#define WASMTIME_FEATURE_PARALLEL_COMPILATION
#define WASMTIME_FEATURE_WASI
#define WASMTIME_FEATURE_GC
#define WASMTIME_FEATURE_CRANELIFT

/* Derived as in Wasmtime's own conf.h. */
#if defined(WASMTIME_FEATURE_CRANELIFT) || defined(WASMTIME_FEATURE_WINCH)
#define WASMTIME_FEATURE_COMPILER
#endif

#endif /* WASMTIME_CONF_H */
