//! `wasm_config_t` and `wasm_engine_t`: an `egret::Config` being set up,
//! and the `egret::Engine` made from it; the `wasmtime_config_*_set`
//! setters Egret has a counterpart for, and `wasmtime_engine_*`.

use crate::boundary::{or_default, required, with_error};
use crate::error::wasmtime_error_t;
use egret_api::{Cache, Config, Engine, OptLevel, ProfilingStrategy};
use std::ffi::{CStr, c_char};
use std::path::Path;

/// An engine configuration, consumed by `wasm_engine_new_with_config`.
#[derive(Default)]
pub struct wasm_config_t {
    pub(crate) config: Config,
}

/// An engine: shared by the stores and modules made with it.
pub struct wasm_engine_t {
    pub(crate) engine: Engine,
}

/// A default configuration.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_config_new() -> Option<Box<wasm_config_t>> {
    or_default(None, || Some(Box::default()))
}

/// Frees a configuration not given to `wasm_engine_new_with_config`.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_config_delete(config: Option<Box<wasm_config_t>>) {
    or_default((), || drop(config))
}

/// An engine with the default configuration (NULL if the host is not
/// supported).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_engine_new() -> Option<Box<wasm_engine_t>> {
    or_default(None, || {
        Engine::new(&Config::new())
            .ok()
            .map(|engine| Box::new(wasm_engine_t { engine }))
    })
}

/// An engine with `config`, which it consumes; NULL for a NULL or
/// unusable configuration (`wasm.h` has no error path here).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_engine_new_with_config(
    config: Option<Box<wasm_config_t>>,
) -> Option<Box<wasm_engine_t>> {
    or_default(None, || {
        Engine::new(&config?.config)
            .ok()
            .map(|engine| Box::new(wasm_engine_t { engine }))
    })
}

/// Frees an engine; modules and stores made with it keep what they need.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_engine_delete(engine: Option<Box<wasm_engine_t>>) {
    or_default((), || drop(engine))
}

/// Another handle to the same engine.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_engine_clone(
    engine: Option<&wasm_engine_t>,
) -> Option<Box<wasm_engine_t>> {
    or_default(None, || {
        engine.map(|e| {
            Box::new(wasm_engine_t {
                engine: e.engine.clone(),
            })
        })
    })
}

/// Advances the engine's epoch by one (see `epoch_interruption`).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_engine_increment_epoch(engine: Option<&wasm_engine_t>) {
    or_default((), || {
        if let Some(e) = engine {
            e.engine.increment_epoch();
        }
    })
}

/// Whether the engine runs Pulley bytecode: never, Egret compiles to
/// native code.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_engine_is_pulley(_engine: Option<&wasm_engine_t>) -> bool {
    false
}

/// Defines `wasmtime_config_<name>_set` for boolean settings Egret has.
macro_rules! bool_settings {
    ($($c_name:ident => $method:ident;)*) => {$(
        #[doc = concat!("Sets `Config::", stringify!($method), "`; nothing for a NULL configuration.")]
        #[unsafe(no_mangle)]
        pub extern "C" fn $c_name(config: Option<&mut wasm_config_t>, enable: bool) {
            or_default((), || {
                if let Some(c) = config {
                    c.config.$method(enable);
                }
            })
        }
    )*};
}

bool_settings! {
    wasmtime_config_consume_fuel_set => consume_fuel;
    wasmtime_config_epoch_interruption_set => epoch_interruption;
    wasmtime_config_wasm_tail_call_set => wasm_tail_call;
    wasmtime_config_wasm_reference_types_set => wasm_reference_types;
    wasmtime_config_wasm_function_references_set => wasm_function_references;
    wasmtime_config_wasm_gc_set => wasm_gc;
    wasmtime_config_wasm_simd_set => wasm_simd;
    wasmtime_config_wasm_relaxed_simd_set => wasm_relaxed_simd;
    wasmtime_config_wasm_relaxed_simd_deterministic_set => relaxed_simd_deterministic;
    wasmtime_config_wasm_bulk_memory_set => wasm_bulk_memory;
    wasmtime_config_wasm_multi_value_set => wasm_multi_value;
    wasmtime_config_wasm_multi_memory_set => wasm_multi_memory;
    wasmtime_config_wasm_memory64_set => wasm_memory64;
    wasmtime_config_wasm_wide_arithmetic_set => wasm_wide_arithmetic;
    wasmtime_config_wasm_exceptions_set => wasm_exceptions;
    wasmtime_config_wasm_custom_page_sizes_set => wasm_custom_page_sizes;
    wasmtime_config_parallel_compilation_set => parallel_compilation;
    wasmtime_config_cranelift_debug_verifier_set => cranelift_debug_verifier;
    wasmtime_config_cranelift_nan_canonicalization_set => cranelift_nan_canonicalization;
}

/// Sets `Config::max_wasm_stack` (an engine refuses 0).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_config_max_wasm_stack_set(
    config: Option<&mut wasm_config_t>,
    bytes: usize,
) {
    or_default((), || {
        if let Some(c) = config {
            c.config.max_wasm_stack(bytes);
        }
    })
}

/// Sets the optimisation level from `wasmtime_opt_level_t` (0 none,
/// 1 speed, 2 speed and size); other values are ignored.
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_config_cranelift_opt_level_set(
    config: Option<&mut wasm_config_t>,
    level: u8,
) {
    or_default((), || {
        let level = match level {
            0 => OptLevel::None,
            1 => OptLevel::Speed,
            2 => OptLevel::SpeedAndSize,
            _ => return,
        };
        if let Some(c) = config {
            c.config.cranelift_opt_level(level);
        }
    })
}

/// `wasmtime_profiling_strategy_t` values.
pub(crate) mod profiling_strategy {
    pub const NONE: u8 = 0;
    pub const JITDUMP: u8 = 1;
    pub const VTUNE: u8 = 2;
    pub const PERFMAP: u8 = 3;
}

/// Sets the profiler told about generated code from a
/// `wasmtime_profiling_strategy_t`; other values are ignored. Egret
/// supports none and the perf map: an engine made with jitdump or VTune is
/// refused (NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_config_profiler_set(config: Option<&mut wasm_config_t>, strategy: u8) {
    or_default((), || {
        let strategy = match strategy {
            profiling_strategy::NONE => ProfilingStrategy::None,
            profiling_strategy::JITDUMP => ProfilingStrategy::JitDump,
            profiling_strategy::VTUNE => ProfilingStrategy::VTune,
            profiling_strategy::PERFMAP => ProfilingStrategy::PerfMap,
            _ => return,
        };
        if let Some(c) = config {
            c.config.profiler(strategy);
        }
    })
}

/// Sets the compilation target (a triple, or `host`).
///
/// # Safety
/// `target` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_config_target_set(
    config: Option<&mut wasm_config_t>,
    target: *const c_char,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let config = required(config, "config")?;
        let target = required((!target.is_null()).then_some(target), "target")?;
        // SAFETY: non-null, and the caller promises a C string.
        let target = unsafe { CStr::from_ptr(target) }.to_string_lossy();
        config.config.target(&target)?;
        Ok(())
    })
}

/// Turns on the compilation cache configured by the TOML file at `path`
/// (NULL: the default configuration file).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_config_cache_config_load(
    config: Option<&mut wasm_config_t>,
    path: *const c_char,
) -> Option<Box<wasmtime_error_t>> {
    with_error(|| {
        let config = required(config, "config")?;
        let path = (!path.is_null()).then(|| {
            // SAFETY: non-null, and the caller promises a C string.
            unsafe { CStr::from_ptr(path) }
                .to_string_lossy()
                .into_owned()
        });
        let cache = Cache::from_file(path.as_deref().map(Path::new))?;
        config.config.cache(Some(cache));
        Ok(())
    })
}
