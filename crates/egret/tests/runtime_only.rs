//! Egret built without the `compiler` feature: no Cranelift, and only
//! precompiled modules run. `.ci/runtime-only` (called by `.ci/run`)
//! compiles `runtime_only/program.wat` with the CLI, then runs this test
//! with `cargo test -p egret --no-default-features --test runtime_only`,
//! passing the artifact's path in `EGRET_RUNTIME_ONLY_ARTIFACT`. In the
//! default build (with the compiler) this file has no tests: the same
//! behaviour is covered there by `precompiled.rs`.
#![cfg(not(feature = "compiler"))]

use egret::{Engine, Error, Func, FuncType, Linker, Module, Store, Trap, ValType, WasmBacktrace};

fn artifact() -> std::path::PathBuf {
    std::env::var_os("EGRET_RUNTIME_ONLY_ARTIFACT")
        .expect(
            "EGRET_RUNTIME_ONLY_ARTIFACT names the precompiled program.wat; \
             run this test through .ci/runtime-only",
        )
        .into()
}

fn load(engine: &Engine) -> Module {
    // SAFETY: the artifact was made by this revision's `egret compile`
    // just before the test ran.
    unsafe { Module::deserialize_file(engine, artifact()) }.expect("the artifact loads")
}

#[test]
fn compiling_is_refused_with_a_clear_error() {
    let engine = Engine::default();
    let error = Module::new(&engine, "(module)").unwrap_err();
    assert!(matches!(error, Error::Compile(_)), "{error}");
    assert!(
        error.to_string().contains("without the `compiler` feature"),
        "{error}"
    );
    let error = engine.precompile_module(b"(module)").unwrap_err();
    assert!(
        error.to_string().contains("without the `compiler` feature"),
        "{error}"
    );
}

#[test]
fn precompiled_modules_instantiate_and_run() {
    let engine = Engine::default();
    let module = load(&engine);
    let mut store = Store::new(&engine, 0u32);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "triple",
            |mut caller: egret::Caller<'_, u32>, x: i32| {
                *caller.data_mut() += 1;
                x * 3
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();

    let triple_plus_one = instance
        .get_typed_func::<i32, i32>(&mut store, "triple_plus_one")
        .unwrap();
    assert_eq!(triple_plus_one.call(&mut store, 14).unwrap(), 43);
    assert_eq!(*store.data(), 1);

    let apply = instance
        .get_typed_func::<(i32, i64, i64), i64>(&mut store, "apply")
        .unwrap();
    assert_eq!(apply.call(&mut store, (0, 40, 2)).unwrap(), 42);
    assert_eq!(apply.call(&mut store, (1, 40, 2)).unwrap(), 38);
    let error = apply.call(&mut store, (2, 0, 0)).unwrap_err();
    assert_eq!(error.downcast_ref(), Some(&Trap::TableOutOfBounds));

    let memory = instance.get_memory(&mut store, "memory").unwrap();
    assert_eq!(&memory.data(&store)[8..13], b"egret");

    // Serialized again, the module still loads here.
    let again = module.serialize().unwrap();
    // SAFETY: made by `serialize` just above.
    unsafe { Module::deserialize(&engine, again) }.unwrap();
}

#[test]
fn traps_are_traps_with_a_wasm_backtrace() {
    let engine = Engine::default();
    let module = load(&engine);
    let mut store = Store::new(&engine, 0u32);
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "triple", |x: i32| x * 3).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let divide = instance
        .get_typed_func::<i32, i32>(&mut store, "divide")
        .unwrap();
    assert_eq!(divide.call(&mut store, 1).unwrap(), 1);
    let error = divide.call(&mut store, 0).unwrap_err();
    assert_eq!(error.downcast_ref(), Some(&Trap::IntegerDivisionByZero));
    assert!(error.is::<Trap>());
    let names: Vec<_> = error
        .downcast_ref::<WasmBacktrace>()
        .expect("a wasm backtrace")
        .frames()
        .iter()
        .map(|f| f.func_name().unwrap_or_default())
        .collect();
    assert_eq!(names, ["inner", "outer"]);
    // The store is still usable.
    assert_eq!(divide.call(&mut store, 1).unwrap(), 1);
}

#[test]
fn host_functions_need_a_loaded_module_with_their_type() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let f64_to_f64 = FuncType::new(&engine, [ValType::F64], [ValType::F64]);
    let no_module_has_it = Func::try_new(&mut store, f64_to_f64.clone(), |_, _, _| Ok(()));
    let error = no_module_has_it.unwrap_err();
    assert!(error.to_string().contains("without a compiler"), "{error}");

    // With the module loaded, its types are available.
    let _module = load(&engine);
    let i32_to_i32 = FuncType::new(&engine, [ValType::I32], [ValType::I32]);
    let double = Func::new(&mut store, i32_to_i32, |_, args, results| {
        results[0] = egret::Val::I32(args[0].i32().unwrap() * 2);
        Ok(())
    });
    let mut results = [egret::Val::I32(0)];
    double
        .call(&mut store, &[egret::Val::I32(21)], &mut results)
        .unwrap();
    assert_eq!(results[0].i32().unwrap(), 42);
}
