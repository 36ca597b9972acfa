//! wasmi, an interpreter, with its default `Config` except for eager
//! compilation: by default wasmi translates each function on its first
//! call, which would make the compile figure measure validation only.

use super::{CallsInstance, KernelInstance, Runtime};
use std::hint::black_box;
use wasmi::{
    CompilationMode, Config, Engine, ExternType, Func, Instance, Linker, Module, Store, TypedFunc,
};

/// wasmi, the interpreter: what a JIT must beat by a wide margin.
pub struct Wasmi {
    engine: Engine,
}

/// A kernel instance on wasmi.
pub struct WasmiKernel {
    store: Store<()>,
    run: TypedFunc<i32, i32>,
}

/// The calls module on wasmi.
pub struct WasmiCalls {
    store: Store<()>,
    empty: TypedFunc<(), ()>,
    add: TypedFunc<(i32, i32), i32>,
    host_loop: TypedFunc<i32, i32>,
}

impl Runtime for Wasmi {
    const NAME: &'static str = "wasmi";
    // wasmi's default dispatch chains its instruction handlers by tail
    // calls, which LLVM leaves as ordinary calls when debug assertions are
    // on (even at opt-level 3, as this workspace builds dependencies for
    // `cargo test`): the native stack then grows with every executed
    // instruction and a kernel overflows it. Release builds (`cargo bench`,
    // `cargo test --release`) are unaffected.
    const RUNS_KERNELS_WITH_DEBUG_ASSERTIONS: bool = false;
    type Module = Module;
    type Kernel = WasmiKernel;
    type Calls = WasmiCalls;

    fn new() -> Wasmi {
        let mut config = Config::default();
        config.compilation_mode(CompilationMode::Eager);
        Wasmi {
            engine: Engine::new(&config),
        }
    }

    fn compile(&self, wasm: &[u8]) -> Module {
        Module::new(&self.engine, wasm).expect("wasmi compiles the module")
    }

    fn instantiate(&self, module: &Module) {
        let mut store = Store::new(&self.engine, ());
        let instance = Instance::new(&mut store, module, &[]).expect("wasmi instantiates");
        black_box(instance);
    }

    fn export(&self, wasm: &[u8], name: &str) -> WasmiKernel {
        let module = self.compile(wasm);
        let mut store = Store::new(&self.engine, ());
        // The wasi-libc kernels' WASI imports (never called) trap, as
        // `define_unknown_imports_as_traps` makes them on Egret and Wasmtime.
        let mut linker = Linker::new(&self.engine);
        for import in module.imports() {
            if let ExternType::Func(ty) = import.ty() {
                let message = format!("{}::{} is not provided", import.module(), import.name());
                linker
                    .func_new(
                        import.module(),
                        import.name(),
                        ty.clone(),
                        move |_, _, _| Err(wasmi::Error::new(message.clone())),
                    )
                    .expect("wasmi defines the import");
            }
        }
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .expect("wasmi instantiates");
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ()).expect("the reactor initialises");
        }
        let run = instance
            .get_typed_func(&mut store, name)
            .unwrap_or_else(|e| panic!("the module exports `{name}: (i32) -> i32`: {e}"));
        WasmiKernel { store, run }
    }

    fn calls(&self) -> WasmiCalls {
        let module = self.compile(&crate::modules::calls_module());
        let mut store = Store::new(&self.engine, ());
        let inc = Func::wrap(&mut store, |x: i32| x.wrapping_add(1));
        let instance =
            Instance::new(&mut store, &module, &[inc.into()]).expect("wasmi instantiates");
        let empty = instance.get_typed_func(&mut store, "empty").expect("empty");
        let add = instance.get_typed_func(&mut store, "add").expect("add");
        let host_loop = instance
            .get_typed_func(&mut store, "host_loop")
            .expect("host_loop");
        WasmiCalls {
            store,
            empty,
            add,
            host_loop,
        }
    }
}

impl KernelInstance for WasmiKernel {
    fn run(&mut self, n: u32) -> u32 {
        self.run
            .call(&mut self.store, n as i32)
            .expect("the kernel runs") as u32
    }
}

impl CallsInstance for WasmiCalls {
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
