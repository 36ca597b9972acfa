//! The functions of Wasmtime 50's C API that Egret cannot back yet, still
//! exported so that a program or binding that loads every function (the
//! `wasmtime` Python package binds all 762 when imported) starts, and
//! fails clearly only if it calls one. Grouped by what is missing, each
//! behaves by what it returns:
//!
//! - `wasmtime_error_t *`: the error "not supported by Egret: <what>
//!   (<function>)";
//! - a pointer: NULL; `bool`: false; a number: 0;
//! - nothing (`void`): does nothing, and writes no out-parameter (the
//!   objects they would act on can never be made: their constructors
//!   return NULL or an error).
//!
//! Each is defined without parameters and so ignores its caller's
//! arguments. That is sound in the C calling conventions `libegret` is
//! built for (System V x86-64, AAPCS64): the caller passes its arguments
//! and cleans them up, and none of these functions returns a struct (the
//! ABI check would not see a hidden return pointer). `docs/c-api.md` lists
//! them by area; `tests/symbols.rs` checks that each is declared by
//! Wasmtime's headers.

use crate::error::wasmtime_error_t;
use egret_api::Error;
use std::ffi::c_void;

/// The error of an unsupported function.
fn not_supported(what: &str, function: &str) -> Option<Box<wasmtime_error_t>> {
    let error = Error::msg(format!("not supported by Egret: {what} ({function})"));
    Some(Box::new(wasmtime_error_t::from(error)))
}

/// Defines the unsupported functions of each group, by return kind.
macro_rules! unsupported {
    ($($what:literal {
        error: [$($error:ident,)*],
        null: [$($null:ident,)*],
        false: [$($false_:ident,)*],
        zero: [$($zero:ident,)*],
        ignored: [$($ignored:ident,)*],
    })*) => {$(
        $(
            #[doc = concat!("Not supported by Egret (", $what, "): returns an error.")]
            #[unsafe(no_mangle)]
            pub extern "C" fn $error() -> Option<Box<wasmtime_error_t>> {
                not_supported($what, stringify!($error))
            }
        )*
        $(
            #[doc = concat!("Not supported by Egret (", $what, "): returns NULL.")]
            #[unsafe(no_mangle)]
            pub extern "C" fn $null() -> *mut c_void {
                std::ptr::null_mut()
            }
        )*
        $(
            #[doc = concat!("Not supported by Egret (", $what, "): returns false.")]
            #[unsafe(no_mangle)]
            pub extern "C" fn $false_() -> bool {
                false
            }
        )*
        $(
            #[doc = concat!("Not supported by Egret (", $what, "): returns 0.")]
            #[unsafe(no_mangle)]
            pub extern "C" fn $zero() -> u64 {
                0
            }
        )*
        $(
            #[doc = concat!("Not supported by Egret (", $what, "): does nothing.")]
            #[unsafe(no_mangle)]
            pub extern "C" fn $ignored() {}
        )*
    )*};
}

unsupported! {
    "the component model" {
        error: [
            wasmtime_component_deserialize, wasmtime_component_deserialize_file,
            wasmtime_component_func_call, wasmtime_component_func_post_return,
            wasmtime_component_linker_add_wasi_http,
            wasmtime_component_linker_add_wasi_http_async,
            wasmtime_component_linker_add_wasip2,
            wasmtime_component_linker_add_wasip2_async,
            wasmtime_component_linker_define_unknown_imports_as_traps,
            wasmtime_component_linker_instance_add_func,
            wasmtime_component_linker_instance_add_func_async,
            wasmtime_component_linker_instance_add_instance,
            wasmtime_component_linker_instance_add_module,
            wasmtime_component_linker_instance_add_resource,
            wasmtime_component_linker_instantiate, wasmtime_component_new,
            wasmtime_component_resource_any_drop,
            wasmtime_component_resource_any_to_host,
            wasmtime_component_resource_host_to_any, wasmtime_component_serialize,
        ],
        null: [
            wasmtime_component_clone, wasmtime_component_enum_type_clone,
            wasmtime_component_export_index_clone, wasmtime_component_extern_clone,
            wasmtime_component_extern_external_id, wasmtime_component_extern_implements,
            wasmtime_component_flags_type_clone, wasmtime_component_func_call_async,
            wasmtime_component_func_type, wasmtime_component_func_type_clone,
            wasmtime_component_future_type_clone, wasmtime_component_get_export_index,
            wasmtime_component_instance_get_export_index,
            wasmtime_component_instance_type_clone,
            wasmtime_component_linker_instantiate_async, wasmtime_component_linker_new,
            wasmtime_component_linker_root, wasmtime_component_list_type_clone,
            wasmtime_component_map_type_clone, wasmtime_component_option_type_clone,
            wasmtime_component_record_type_clone, wasmtime_component_resource_any_clone,
            wasmtime_component_resource_any_type,
            wasmtime_component_resource_host_clone,
            wasmtime_component_resource_host_new,
            wasmtime_component_resource_type_clone,
            wasmtime_component_resource_type_new_host,
            wasmtime_component_result_type_clone, wasmtime_component_stream_type_clone,
            wasmtime_component_tuple_type_clone, wasmtime_component_type,
            wasmtime_component_type_clone, wasmtime_component_val_new,
            wasmtime_component_variant_type_clone,
        ],
        false: [
            wasmtime_component_enum_type_equal, wasmtime_component_enum_type_names_nth,
            wasmtime_component_extern_is_implements,
            wasmtime_component_flags_type_equal,
            wasmtime_component_flags_type_names_nth, wasmtime_component_func_type_async,
            wasmtime_component_func_type_param_nth, wasmtime_component_func_type_result,
            wasmtime_component_future_type_equal, wasmtime_component_future_type_ty,
            wasmtime_component_instance_get_func,
            wasmtime_component_instance_type_export_get,
            wasmtime_component_instance_type_export_nth,
            wasmtime_component_list_type_equal, wasmtime_component_map_type_equal,
            wasmtime_component_option_type_equal, wasmtime_component_record_type_equal,
            wasmtime_component_record_type_field_nth,
            wasmtime_component_resource_any_owned,
            wasmtime_component_resource_host_owned,
            wasmtime_component_resource_type_equal,
            wasmtime_component_result_type_equal, wasmtime_component_result_type_err,
            wasmtime_component_result_type_ok, wasmtime_component_stream_type_equal,
            wasmtime_component_stream_type_ty, wasmtime_component_tuple_type_equal,
            wasmtime_component_tuple_type_types_nth, wasmtime_component_type_export_get,
            wasmtime_component_type_export_nth, wasmtime_component_type_import_get,
            wasmtime_component_type_import_nth, wasmtime_component_valtype_equal,
            wasmtime_component_variant_type_case_nth,
            wasmtime_component_variant_type_equal,
        ],
        zero: [
            wasmtime_component_enum_type_names_count,
            wasmtime_component_flags_type_names_count,
            wasmtime_component_func_type_param_count,
            wasmtime_component_instance_type_export_count,
            wasmtime_component_record_type_field_count,
            wasmtime_component_resource_host_rep, wasmtime_component_resource_host_type,
            wasmtime_component_tuple_type_types_count,
            wasmtime_component_type_export_count, wasmtime_component_type_import_count,
            wasmtime_component_variant_type_case_count,
        ],
        ignored: [
            wasmtime_component_delete, wasmtime_component_enum_type_delete,
            wasmtime_component_export_index_delete, wasmtime_component_extern_delete,
            wasmtime_component_extern_type, wasmtime_component_flags_type_delete,
            wasmtime_component_func_type_delete, wasmtime_component_future_type_delete,
            wasmtime_component_instance_type_delete, wasmtime_component_item_clone,
            wasmtime_component_item_delete, wasmtime_component_linker_allow_shadowing,
            wasmtime_component_linker_delete, wasmtime_component_linker_instance_delete,
            wasmtime_component_list_type_delete, wasmtime_component_list_type_element,
            wasmtime_component_map_type_delete, wasmtime_component_map_type_key,
            wasmtime_component_map_type_value, wasmtime_component_option_type_delete,
            wasmtime_component_option_type_ty, wasmtime_component_record_type_delete,
            wasmtime_component_resource_any_delete,
            wasmtime_component_resource_host_delete,
            wasmtime_component_resource_type_delete,
            wasmtime_component_result_type_delete,
            wasmtime_component_stream_type_delete, wasmtime_component_tuple_type_delete,
            wasmtime_component_type_delete, wasmtime_component_val_clone,
            wasmtime_component_val_delete, wasmtime_component_val_free,
            wasmtime_component_valflags_copy, wasmtime_component_valflags_delete,
            wasmtime_component_valflags_new, wasmtime_component_valflags_new_empty,
            wasmtime_component_valflags_new_uninit, wasmtime_component_vallist_copy,
            wasmtime_component_vallist_delete, wasmtime_component_vallist_new,
            wasmtime_component_vallist_new_empty, wasmtime_component_vallist_new_uninit,
            wasmtime_component_valmap_copy, wasmtime_component_valmap_delete,
            wasmtime_component_valmap_new, wasmtime_component_valmap_new_empty,
            wasmtime_component_valmap_new_uninit, wasmtime_component_valrecord_copy,
            wasmtime_component_valrecord_delete, wasmtime_component_valrecord_new,
            wasmtime_component_valrecord_new_empty,
            wasmtime_component_valrecord_new_uninit, wasmtime_component_valtuple_copy,
            wasmtime_component_valtuple_delete, wasmtime_component_valtuple_new,
            wasmtime_component_valtuple_new_empty,
            wasmtime_component_valtuple_new_uninit, wasmtime_component_valtype_clone,
            wasmtime_component_valtype_delete, wasmtime_component_variant_type_delete,
            wasmtime_config_concurrency_support_set,
            wasmtime_config_wasm_component_model_accessors_set,
            wasmtime_config_wasm_component_model_async_set,
            wasmtime_config_wasm_component_model_async_stackful_set,
            wasmtime_config_wasm_component_model_canonical_names_set,
            wasmtime_config_wasm_component_model_implements_set,
            wasmtime_config_wasm_component_model_map_set,
            wasmtime_config_wasm_component_model_more_async_builtins_set,
            wasmtime_config_wasm_component_model_set,
        ],
    }
    "async execution" {
        error: [
            wasmtime_context_epoch_deadline_async_yield_and_update,
            wasmtime_context_fuel_async_yield_interval,
            wasmtime_linker_define_async_func,
        ],
        null: [
            wasmtime_func_call_async, wasmtime_instance_pre_instantiate_async,
            wasmtime_linker_instantiate_async,
        ],
        false: [
            wasmtime_call_future_poll,
        ],
        zero: [
        ],
        ignored: [
            wasmtime_call_future_delete, wasmtime_config_async_stack_size_set,
            wasmtime_pooling_allocation_config_async_stack_keep_resident_set,
        ],
    }
    "the pooling allocator" {
        error: [
        ],
        null: [
            wasmtime_pooling_allocation_config_new,
        ],
        false: [
        ],
        zero: [
        ],
        ignored: [
            wasmtime_pooling_allocation_config_decommit_batch_size_set,
            wasmtime_pooling_allocation_config_delete,
            wasmtime_pooling_allocation_config_linear_memory_keep_resident_set,
            wasmtime_pooling_allocation_config_max_component_instance_size_set,
            wasmtime_pooling_allocation_config_max_core_instance_size_set,
            wasmtime_pooling_allocation_config_max_core_instances_per_component_set,
            wasmtime_pooling_allocation_config_max_memories_per_component_set,
            wasmtime_pooling_allocation_config_max_memories_per_module_set,
            wasmtime_pooling_allocation_config_max_memory_size_set,
            wasmtime_pooling_allocation_config_max_tables_per_component_set,
            wasmtime_pooling_allocation_config_max_tables_per_module_set,
            wasmtime_pooling_allocation_config_max_unused_warm_slots_set,
            wasmtime_pooling_allocation_config_table_elements_set,
            wasmtime_pooling_allocation_config_table_keep_resident_set,
            wasmtime_pooling_allocation_config_total_component_instances_set,
            wasmtime_pooling_allocation_config_total_core_instances_set,
            wasmtime_pooling_allocation_config_total_gc_heaps_set,
            wasmtime_pooling_allocation_config_total_memories_set,
            wasmtime_pooling_allocation_config_total_stacks_set,
            wasmtime_pooling_allocation_config_total_tables_set,
            wasmtime_pooling_allocation_strategy_set,
        ],
    }
    "shared memories" {
        error: [
            wasmtime_sharedmemory_grow, wasmtime_sharedmemory_new,
        ],
        null: [
            wasmtime_sharedmemory_clone, wasmtime_sharedmemory_data,
            wasmtime_sharedmemory_type,
        ],
        false: [
        ],
        zero: [
            wasmtime_sharedmemory_data_size, wasmtime_sharedmemory_size,
        ],
        ignored: [
            wasmtime_sharedmemory_delete,
        ],
    }
    "guest profiling" {
        error: [
            wasmtime_guestprofiler_finish,
        ],
        null: [
            wasmtime_guestprofiler_new,
        ],
        false: [
        ],
        zero: [
        ],
        ignored: [
            wasmtime_guestprofiler_delete, wasmtime_guestprofiler_sample,
        ],
    }
    "this engine setting" {
        error: [
        ],
        null: [
        ],
        false: [
        ],
        zero: [
        ],
        ignored: [
            wasmtime_config_cranelift_flag_enable, wasmtime_config_cranelift_flag_set,
            wasmtime_config_cranelift_regalloc_algorithm_set,
            wasmtime_config_debug_info_set, wasmtime_config_gc_support_set,
            wasmtime_config_host_memory_creator_set,
            wasmtime_config_host_stack_creator_set,
            wasmtime_config_macos_use_mach_ports_set,
            wasmtime_config_memory_guard_size_set, wasmtime_config_memory_init_cow_set,
            wasmtime_config_memory_may_move_set,
            wasmtime_config_memory_reservation_for_growth_set,
            wasmtime_config_memory_reservation_set,
            wasmtime_config_native_unwind_info_set,
            wasmtime_config_shared_memory_set, wasmtime_config_signals_based_traps_set,
            wasmtime_config_strategy_set, wasmtime_config_wasm_branch_hinting_set,
            wasmtime_config_wasm_compact_imports_set,
            wasmtime_config_wasm_stack_switching_set, wasmtime_config_wasm_threads_set,
        ],
    }
    "wasm.h's references, foreign objects and trap identity" {
        error: [
        ],
        null: [
            wasm_extern_as_ref, wasm_extern_as_ref_const, wasm_foreign_as_ref,
            wasm_foreign_as_ref_const, wasm_foreign_copy, wasm_foreign_get_host_info,
            wasm_foreign_new, wasm_func_as_ref, wasm_func_as_ref_const,
            wasm_global_as_ref, wasm_global_as_ref_const, wasm_instance_as_ref,
            wasm_instance_as_ref_const, wasm_memory_as_ref, wasm_memory_as_ref_const,
            wasm_module_as_ref, wasm_module_as_ref_const, wasm_ref_as_extern,
            wasm_ref_as_extern_const, wasm_ref_as_foreign, wasm_ref_as_foreign_const,
            wasm_ref_as_func, wasm_ref_as_func_const, wasm_ref_as_global,
            wasm_ref_as_global_const, wasm_ref_as_instance, wasm_ref_as_instance_const,
            wasm_ref_as_memory, wasm_ref_as_memory_const, wasm_ref_as_module,
            wasm_ref_as_module_const, wasm_ref_as_table, wasm_ref_as_table_const,
            wasm_ref_as_trap, wasm_ref_as_trap_const, wasm_table_as_ref,
            wasm_table_as_ref_const, wasm_trap_as_ref, wasm_trap_as_ref_const,
            wasm_trap_copy, wasm_trap_get_host_info,
        ],
        false: [
            wasm_foreign_same, wasm_instance_same, wasm_module_same, wasm_trap_same,
        ],
        zero: [
        ],
        ignored: [
            wasm_foreign_delete, wasm_foreign_set_host_info,
            wasm_foreign_set_host_info_with_finalizer, wasm_trap_set_host_info,
            wasm_trap_set_host_info_with_finalizer,
        ],
    }
    "module types" {
        error: [
        ],
        null: [
            wasmtime_module_type_clone, wasmtime_module_type_export_nth,
            wasmtime_module_type_import_nth,
        ],
        false: [
        ],
        zero: [
            wasmtime_module_type_export_count, wasmtime_module_type_import_count,
        ],
        ignored: [
            wasmtime_module_type_delete,
        ],
    }
    "WASI HTTP" {
        error: [
        ],
        null: [
        ],
        false: [
        ],
        zero: [
        ],
        ignored: [
            wasmtime_context_set_wasi_http,
        ],
    }
}
