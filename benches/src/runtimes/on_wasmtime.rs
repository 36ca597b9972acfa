//! Wasmtime with its default `Config` (Cranelift at `opt_level=speed`,
//! parallel compilation, signal-based bounds checks with guard pages,
//! copy-on-write memory initialisation, on-demand instance allocation).

use super::{CallsInstance, KernelInstance, Precompiling, Runtime, Wasm3};
use std::hint::black_box;
use wasmtime::{Config, Engine, Func, Instance, Linker, Module, Store, TypedFunc};

/// Wasmtime, the JIT Egret's API is modelled on.
pub struct Wasmtime {
    engine: Engine,
}

/// A kernel instance on Wasmtime.
pub struct WasmtimeKernel {
    store: Store<()>,
    run: TypedFunc<i32, i32>,
}

/// The calls module on Wasmtime.
pub struct WasmtimeCalls {
    store: Store<()>,
    empty: TypedFunc<(), ()>,
    add: TypedFunc<(i32, i32), i32>,
    host_loop: TypedFunc<i32, i32>,
}

impl Runtime for Wasmtime {
    const NAME: &'static str = "Wasmtime";
    type Module = Module;
    type Kernel = WasmtimeKernel;
    type Calls = WasmtimeCalls;

    fn new() -> Wasmtime {
        let engine = Engine::new(&Config::new()).expect("Wasmtime supports this host");
        Wasmtime { engine }
    }

    fn compile(&self, wasm: &[u8]) -> Module {
        Module::from_binary(&self.engine, wasm).expect("Wasmtime compiles the module")
    }

    fn instantiate(&self, module: &Module) {
        let mut store = Store::new(&self.engine, ());
        let instance = Instance::new(&mut store, module, &[]).expect("Wasmtime instantiates");
        black_box(instance);
    }

    fn export(&self, wasm: &[u8], name: &str) -> WasmtimeKernel {
        let module = self.compile(wasm);
        let mut store = Store::new(&self.engine, ());
        // The wasi-libc kernels' WASI imports (never called) trap.
        let mut linker = Linker::new(&self.engine);
        linker
            .define_unknown_imports_as_traps(&module)
            .expect("Wasmtime defines the imports");
        let instance = linker
            .instantiate(&mut store, &module)
            .expect("Wasmtime instantiates");
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ()).expect("the reactor initialises");
        }
        let run = instance
            .get_typed_func(&mut store, name)
            .unwrap_or_else(|e| panic!("the module exports `{name}: (i32) -> i32`: {e}"));
        WasmtimeKernel { store, run }
    }

    fn calls(&self) -> WasmtimeCalls {
        let module = self.compile(&crate::modules::calls_module());
        let mut store = Store::new(&self.engine, ());
        let inc = Func::wrap(&mut store, |x: i32| x.wrapping_add(1));
        let instance =
            Instance::new(&mut store, &module, &[inc.into()]).expect("Wasmtime instantiates");
        let empty = instance.get_typed_func(&mut store, "empty").expect("empty");
        let add = instance.get_typed_func(&mut store, "add").expect("add");
        let host_loop = instance
            .get_typed_func(&mut store, "host_loop")
            .expect("host_loop");
        WasmtimeCalls {
            store,
            empty,
            add,
            host_loop,
        }
    }
}

impl KernelInstance for WasmtimeKernel {
    fn run(&mut self, n: u32) -> u32 {
        self.run
            .call(&mut self.store, n as i32)
            .expect("the kernel runs") as u32
    }
}

impl CallsInstance for WasmtimeCalls {
    fn empty(&mut self) {
        self.empty.call(&mut self.store, ()).expect("empty runs");
    }

    fn add(&mut self, a: i32, b: i32) -> i32 {
        self.add.call(&mut self.store, (a, b)).expect("add runs")
    }

    fn host_loop(&mut self, n: i32) -> i32 {
        self.host_loop
            .call(&mut self.store, n)
            .expect("host_loop runs")
    }
}

impl Wasm3 for Wasmtime {
    fn with_wasm3() -> Wasmtime {
        let mut config = Config::new();
        config
            .wasm_function_references(true)
            .wasm_gc(true)
            .wasm_memory64(true)
            .wasm_exceptions(true);
        let engine = Engine::new(&config).expect("Wasmtime supports this host");
        Wasmtime { engine }
    }
}

impl Precompiling for Wasmtime {
    fn serialize(&self, module: &Module) -> Vec<u8> {
        module.serialize().expect("Wasmtime serializes the module")
    }

    fn deserialize(&self, bytes: &[u8]) -> Module {
        // SAFETY: the bytes come from `serialize` on the same engine.
        unsafe { Module::deserialize(&self.engine, bytes) }.expect("Wasmtime loads its artifact")
    }
}
