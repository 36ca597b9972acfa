//! The linker: named definitions (host functions, memories, globals,
//! tables, other instances' exports) that satisfy modules' imports by
//! module and item name.

use crate::func::HostFnDef;
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::{Caller, Engine, Error, Extern, FuncType, Instance, IntoFunc, Module, Result, Val};
use egret_frontend::types::EntityIndex;
use std::collections::HashMap;

enum Definition<T> {
    Extern(Extern),
    // Host functions are defined once and created in each store that
    // instantiates through the linker.
    HostFunc(HostFnDef<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(f) => Definition::HostFunc(f.clone()),
        }
    }
}

/// Resolves imports by name.
///
/// ```
/// use egret::{Engine, Linker, Module, Store};
/// let engine = Engine::default();
/// let mut linker = Linker::new(&engine);
/// linker.func_wrap("env", "double", |x: i32| x * 2).unwrap();
/// let module = Module::new(&engine, r#"(module
///     (import "env" "double" (func $d (param i32) (result i32)))
///     (func (export "run") (result i32) (call $d (i32.const 4))))"#).unwrap();
/// let mut store = Store::new(&engine, ());
/// let instance = linker.instantiate(&mut store, &module).unwrap();
/// let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
/// assert_eq!(run.call(&mut store, ()).unwrap(), 8);
/// ```
pub struct Linker<T> {
    engine: Engine,
    definitions: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Linker {
            engine: self.engine.clone(),
            definitions: self.definitions.clone(),
            allow_shadowing: self.allow_shadowing,
        }
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker for modules of `engine`.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            definitions: HashMap::new(),
            allow_shadowing: false,
        }
    }

    /// The engine this linker serves.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition may replace an earlier one of the same
    /// name (off by default: redefining is an error).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, definition: Definition<T>) -> Result<&mut Self> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.definitions.contains_key(&key) {
            return Err(Error::Link(format!(
                "`{module}::{name}` is already defined"
            )));
        }
        self.definitions.insert(key, definition);
        Ok(self)
    }

    /// Defines `module::name` as `item` (which belongs to `store`).
    pub fn define(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        let item = item.into();
        item.resolve(store.as_context().0.id())?;
        self.insert(module, name, Definition::Extern(item))
    }

    /// Defines `module::name` as a host function written as a Rust
    /// closure (see [`Func::wrap`](crate::Func::wrap)).
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::HostFunc(func.into_host_fn()))
    }

    /// Defines `module::name` as a host function of a dynamic type (see
    /// [`Func::new`](crate::Func::new)).
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        let f = crate::func::dynamic_host_fn(ty, func);
        self.insert(module, name, Definition::HostFunc(f))
    }

    /// Defines every export of `instance` under the module name `module`.
    pub fn instance(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        let store = store.as_context();
        for export in instance.exports(&store)? {
            let name = export.name().to_string();
            self.insert(module, &name, Definition::Extern(export.into_extern()))?;
        }
        Ok(self)
    }

    /// Instantiates `module` and defines its exports under `name`.
    pub fn module(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        name: &str,
        module: &Module,
    ) -> Result<&mut Self> {
        let instance = self.instantiate(&mut store, module)?;
        self.instance(&store, name, instance)
    }

    /// The definition of `module::name`, created in `store` if it is a host
    /// function.
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let definition = self
            .definitions
            .get(&(module.to_string(), name.to_string()))?;
        self.materialise(store.as_context_mut().0, definition).ok()
    }

    fn materialise(&self, store: &mut StoreInner<T>, definition: &Definition<T>) -> Result<Extern> {
        Ok(match definition {
            Definition::Extern(e) => *e,
            Definition::HostFunc(f) => Extern::Func(f.clone().into_func(store)?),
        })
    }

    /// Instantiates `module`, resolving each import by name.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        let store = store.as_context_mut().0;
        let mut imports = Vec::with_capacity(module.info().imports.len());
        let info = module.info();
        for (import, entity) in module.imports().zip(&info.imports) {
            let key = (import.module().to_string(), import.name().to_string());
            let definition = self.definitions.get(&key).ok_or_else(|| {
                Error::Link(format!(
                    "unknown import: `{}::{}` has not been defined",
                    import.module(),
                    import.name()
                ))
            })?;
            // A host function is checked before it is created (creating
            // one of a type no module has may itself fail without the
            // compiler, which is not what a mismatch should report), with
            // the same engine-wide subtype check instantiation makes.
            if let Definition::HostFunc(f) = definition
                && !match entity.index {
                    EntityIndex::Function(func) => module
                        .engine()
                        .inner
                        .types()
                        .is_subtype(f.sig_id(module.engine())?, info.func_sig_id(func)),
                    _ => false,
                }
            {
                return Err(Error::Link(format!(
                    "incompatible import type for `{}::{}`",
                    import.module(),
                    import.name()
                )));
            }
            imports.push(self.materialise(store, definition)?);
        }
        Instance::new(crate::StoreContextMut(store), module, &imports)
    }
}
