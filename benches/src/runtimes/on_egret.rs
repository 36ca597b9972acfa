//! Egret with its default configuration (`Engine::default()`: optimised
//! code, parallel compilation).

use super::{CallsInstance, KernelInstance, Precompiling, Runtime, Wasm3};
use egret::{Config, Engine, Func, Instance, Linker, Module, Store, TypedFunc};
use std::hint::black_box;

/// Egret, the runtime under test.
pub struct Egret {
    engine: Engine,
}

/// A kernel instance on Egret.
pub struct EgretKernel {
    store: Store<()>,
    run: TypedFunc<i32, i32>,
}

/// The calls module on Egret.
pub struct EgretCalls {
    store: Store<()>,
    empty: TypedFunc<(), ()>,
    add: TypedFunc<(i32, i32), i32>,
    host_loop: TypedFunc<i32, i32>,
}

impl Runtime for Egret {
    const NAME: &'static str = "Egret";
    type Module = Module;
    type Kernel = EgretKernel;
    type Calls = EgretCalls;

    fn new() -> Egret {
        Egret {
            engine: Engine::default(),
        }
    }

    fn compile(&self, wasm: &[u8]) -> Module {
        Module::from_binary(&self.engine, wasm).expect("Egret compiles the module")
    }

    fn instantiate(&self, module: &Module) {
        let mut store = Store::new(&self.engine, ());
        let instance = Instance::new(&mut store, module, &[]).expect("Egret instantiates");
        black_box(instance);
    }

    fn export(&self, wasm: &[u8], name: &str) -> EgretKernel {
        let module = self.compile(wasm);
        let mut store = Store::new(&self.engine, ());
        // The wasi-libc kernels' WASI imports (never called) trap.
        let mut linker = Linker::new(&self.engine);
        linker
            .define_unknown_imports_as_traps(&module)
            .expect("Egret defines the imports");
        let instance = linker
            .instantiate(&mut store, &module)
            .expect("Egret instantiates");
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ()).expect("the reactor initialises");
        }
        let run = instance
            .get_typed_func(&mut store, name)
            .unwrap_or_else(|e| panic!("the module exports `{name}: (i32) -> i32`: {e}"));
        EgretKernel { store, run }
    }

    fn calls(&self) -> EgretCalls {
        let module = self.compile(&crate::modules::calls_module());
        let mut store = Store::new(&self.engine, ());
        let inc = Func::wrap(&mut store, |x: i32| x.wrapping_add(1));
        let instance =
            Instance::new(&mut store, &module, &[inc.into()]).expect("Egret instantiates");
        let empty = instance.get_typed_func(&mut store, "empty").expect("empty");
        let add = instance.get_typed_func(&mut store, "add").expect("add");
        let host_loop = instance
            .get_typed_func(&mut store, "host_loop")
            .expect("host_loop");
        EgretCalls {
            store,
            empty,
            add,
            host_loop,
        }
    }
}

impl KernelInstance for EgretKernel {
    fn run(&mut self, n: u32) -> u32 {
        self.run
            .call(&mut self.store, n as i32)
            .expect("the kernel runs") as u32
    }
}

impl CallsInstance for EgretCalls {
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

impl Wasm3 for Egret {
    fn with_wasm3() -> Egret {
        let mut config = Config::new();
        config
            .wasm_function_references(true)
            .wasm_gc(true)
            .wasm_memory64(true)
            .wasm_exceptions(true);
        Egret {
            engine: Engine::new(&config).expect("Egret supports this host"),
        }
    }
}

impl Precompiling for Egret {
    fn serialize(&self, module: &Module) -> Vec<u8> {
        module.serialize().expect("Egret serializes the module")
    }

    fn deserialize(&self, bytes: &[u8]) -> Module {
        // SAFETY: the bytes come from `serialize` on the same engine.
        unsafe { Module::deserialize(&self.engine, bytes) }.expect("Egret loads its artifact")
    }
}
