//! The linker: named definitions (host functions, memories, globals,
//! tables, other instances' exports) that satisfy modules' imports by
//! module and item name, and [`InstancePre`], a module whose imports it
//! resolved ahead of instantiation.

use crate::func::HostFnDef;
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::{
    Caller, Context, Engine, Error, Extern, Func, FuncType, Instance, IntoFunc, Module, Result, Val,
};
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
    allow_unknown_exports: bool,
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Linker {
            engine: self.engine.clone(),
            definitions: self.definitions.clone(),
            allow_shadowing: self.allow_shadowing,
            allow_unknown_exports: self.allow_unknown_exports,
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
            allow_unknown_exports: false,
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

    /// Whether [`Linker::module`] accepts a command (a module exporting
    /// `_start`) that exports something other than functions and the
    /// items toolchains commonly add (a memory named `memory`, a table
    /// named `table` or `__indirect_function_table`, the globals
    /// `__data_end`, `__heap_base`, `__dso_handle` and `__rtti_base`). Off
    /// by default: such a command is an error, as in Wasmtime.
    pub fn allow_unknown_exports(&mut self, allow: bool) -> &mut Self {
        self.allow_unknown_exports = allow;
        self
    }

    /// Defines every function import of `module` that this linker cannot
    /// satisfy as a function that fails when called, with the error that
    /// instantiating would have given (a host error, not a trap), as
    /// Wasmtime's. Other imports are left undefined.
    ///
    /// ```
    /// use egret::{Engine, Linker, Module, Store};
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, r#"(module
    ///     (import "env" "missing" (func $m))
    ///     (func (export "run") (call $m)))"#)?;
    /// let mut linker = Linker::new(&engine);
    /// linker.define_unknown_imports_as_traps(&module)?;
    /// let mut store = Store::new(&engine, ());
    /// let instance = linker.instantiate(&mut store, &module)?;
    /// let run = instance.get_typed_func::<(), ()>(&mut store, "run")?;
    /// let error = run.call(&mut store, ()).unwrap_err();
    /// assert_eq!(
    ///     error.root_cause().to_string(),
    ///     "unknown import: `env::missing` has not been defined"
    /// );
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn define_unknown_imports_as_traps(&mut self, module: &Module) -> Result<()> {
        for import in module.imports() {
            let key = (import.module().to_string(), import.name().to_string());
            if self.definitions.contains_key(&key) {
                continue;
            }
            if let crate::ExternType::Func(ty) = import.ty() {
                let message = unknown_import_message(import.module(), import.name());
                self.func_new(import.module(), import.name(), ty, move |_, _, _| {
                    Err(Error::msg(message.clone()))
                })?;
            }
        }
        Ok(())
    }

    /// Defines every import of `module` that this linker cannot satisfy as
    /// its type's default, created in `store`, as Wasmtime's: a function
    /// returning zeros and nulls, a global holding zero or null, a table of
    /// nulls and a zeroed memory of the declared minimum size, a fresh tag.
    /// An import whose type has no default (a function returning a
    /// non-nullable reference, ...) is an error.
    pub fn define_unknown_imports_as_default_values(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<()> {
        for import in module.imports() {
            let key = (import.module().to_string(), import.name().to_string());
            if self.definitions.contains_key(&key) {
                continue;
            }
            let ty = import.ty();
            let value = ty.default_value(&mut store).with_context(|| {
                format!(
                    "no default value exists for `{}::{}` with type `{ty:?}`",
                    import.module(),
                    import.name()
                )
            })?;
            self.define(&store, import.module(), import.name(), value)?;
        }
        Ok(())
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
        for export in instance.try_exports(&store)? {
            let name = export.name().to_string();
            self.insert(module, &name, Definition::Extern(export.into_extern()))?;
        }
        Ok(self)
    }

    /// Defines the exports of `module` under `name`, as Wasmtime does:
    ///
    /// - a *command* (a module exporting `_start`) is not instantiated now:
    ///   each exported function is defined as a host function that, on
    ///   every call, instantiates the module afresh with this linker's
    ///   current definitions, runs `_initialize` if exported, and calls
    ///   the export; its other exports are not defined;
    /// - a *reactor* (any other module) is instantiated once, its
    ///   `_initialize` run if exported, and all its exports defined.
    pub fn module(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        name: &str,
        module: &Module,
    ) -> Result<&mut Self> {
        if module.exports().any(|e| e.name() == "_start") {
            return self.command(name, module);
        }
        let instance = self.instantiate(&mut store, module)?;
        if let Some(init) = instance.get_func(&mut store, "_initialize") {
            init.typed::<(), ()>(&store)?.call(&mut store, ())?;
        }
        self.instance(&store, name, instance)
    }

    /// [`Linker::module`] for a command.
    fn command(&mut self, name: &str, module: &Module) -> Result<&mut Self> {
        let pre = self.instantiate_pre(module)?;
        for export in module.exports() {
            let crate::ExternType::Func(ty) = export.ty() else {
                if !self.allow_unknown_exports && !is_toolchain_export(export.name(), &export.ty())
                {
                    return Err(Error::Link(format!(
                        "command export '{}' is not a function",
                        export.name()
                    )));
                }
                continue;
            };
            let export_name = export.name().to_string();
            let pre = pre.clone();
            let run = move |mut caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                let instance = pre.instantiate(&mut caller)?;
                if let Some(init) = instance.get_func(&mut caller, "_initialize") {
                    init.call(&mut caller, &[], &mut [])?;
                }
                instance
                    .try_get_func(&mut caller, &export_name)?
                    .call(&mut caller, params, results)
            };
            let definition = Definition::HostFunc(crate::func::dynamic_host_fn(ty, run));
            self.insert(name, export.name(), definition)?;
        }
        Ok(self)
    }

    /// The definition that satisfies `import`, created in `store` if it is
    /// a host function; `None` if there is none.
    pub fn get_by_import(
        &self,
        store: impl AsContextMut<Data = T>,
        import: &crate::ImportType,
    ) -> Option<Extern> {
        self.get(store, import.module(), import.name()).ok()
    }

    /// The definition of `module::name`, created in `store` if it is a host
    /// function; an error if there is none, as Wasmtime's.
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Result<Extern> {
        let definition = self
            .definitions
            .get(&(module.to_string(), name.to_string()))
            .ok_or_else(|| Error::Link(format!("missing definition for `{module}::{name}`")))?;
        materialise(store.as_context_mut().0, definition)
    }

    /// Instantiates `module`, resolving each import by name.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        instantiate_with(store.as_context_mut().0, module, self.resolve(module)?)
    }

    /// Resolves `module`'s imports by name now, checking their types, so
    /// that [`InstancePre::instantiate`] only creates the host functions
    /// and instantiates. Definitions of store items (memories, tables,
    /// globals, other instances' exports) bind the result to that store.
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<T>> {
        let definitions: Vec<Definition<T>> = self.resolve(module)?.into_iter().cloned().collect();
        Ok(InstancePre {
            module: module.clone(),
            definitions: definitions.into(),
        })
    }

    /// The definition of each import of `module`, in order, checked
    /// against its type where that can be done without a store.
    fn resolve(&self, module: &Module) -> Result<Vec<&Definition<T>>> {
        let info = module.info();
        let mut definitions = Vec::with_capacity(info.imports.len());
        for (import, entity) in module.imports().zip(&info.imports) {
            let key = (import.module().to_string(), import.name().to_string());
            let definition = self.definitions.get(&key).ok_or_else(|| {
                Error::Link(unknown_import_message(import.module(), import.name()))
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
            definitions.push(definition);
        }
        Ok(definitions)
    }

    /// Defines `as_module::as_name` as whatever `module::name` is.
    pub fn alias(
        &mut self,
        module: &str,
        name: &str,
        as_module: &str,
        as_name: &str,
    ) -> Result<&mut Self> {
        let definition = self
            .definitions
            .get(&(module.to_string(), name.to_string()))
            .cloned()
            .ok_or_else(|| Error::Link(format!("`{module}::{name}` has not been defined")))?;
        self.insert(as_module, as_name, definition)
    }

    /// Defines every `module::name` again as `as_module::name`.
    pub fn alias_module(&mut self, module: &str, as_module: &str) -> Result<&mut Self> {
        let items: Vec<(String, Definition<T>)> = self
            .definitions
            .iter()
            .filter(|((m, _), _)| m == module)
            .map(|((_, name), definition)| (name.clone(), definition.clone()))
            .collect();
        for (name, definition) in items {
            self.insert(as_module, &name, definition)?;
        }
        Ok(self)
    }

    /// The default function of the module defined as `module`: its export
    /// named `""`, else its `_start`, else a function that does nothing
    /// (Wasmtime's rule for running a command or reactor by name).
    pub fn get_default(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
    ) -> Result<Func> {
        let store = store.as_context_mut().0;
        for name in ["", "_start"] {
            if let Some(definition) = self
                .definitions
                .get(&(module.to_string(), name.to_string()))
            {
                return materialise(store, definition)?
                    .into_func()
                    .ok_or_else(|| Error::Link(format!("`{module}::{name}` is not a function")));
            }
        }
        Func::try_wrap(crate::StoreContextMut(store), || {})
    }
}

/// What instantiating says of an import no definition satisfies, as
/// Wasmtime's.
fn unknown_import_message(module: &str, name: &str) -> String {
    format!("unknown import: `{module}::{name}` has not been defined")
}

/// Whether a command's export `name` of type `ty`, not a function, is one
/// that toolchains add and [`Linker::module`] accepts, as Wasmtime does.
fn is_toolchain_export(name: &str, ty: &crate::ExternType) -> bool {
    use crate::ExternType::{Global, Memory, Table};
    matches!(
        (name, ty),
        ("memory", Memory(_))
            | ("table" | "__indirect_function_table", Table(_))
            | (
                "__data_end" | "__heap_base" | "__dso_handle" | "__rtti_base",
                Global(_)
            )
    )
}

/// A module with its imports resolved by a [`Linker`]
/// ([`Linker::instantiate_pre`]), ready to be instantiated, in any store
/// of its engine if it imports only host functions.
///
/// ```
/// use egret::{Engine, Linker, Module, Store};
/// let engine = Engine::default();
/// let mut linker = Linker::new(&engine);
/// linker.func_wrap("env", "seven", || 7).unwrap();
/// let module = Module::new(&engine, r#"(module
///     (import "env" "seven" (func $s (result i32)))
///     (func (export "run") (result i32) (call $s)))"#).unwrap();
/// let pre = linker.instantiate_pre(&module).unwrap();
/// for _ in 0..2 {
///     let mut store = Store::new(&engine, ());
///     let instance = pre.instantiate(&mut store).unwrap();
///     let run = instance.get_typed_func::<(), i32>(&mut store, "run").unwrap();
///     assert_eq!(run.call(&mut store, ()).unwrap(), 7);
/// }
/// ```
pub struct InstancePre<T> {
    module: Module,
    // One per import, in order.
    definitions: std::sync::Arc<[Definition<T>]>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        InstancePre {
            module: self.module.clone(),
            definitions: self.definitions.clone(),
        }
    }
}

impl<T: 'static> InstancePre<T> {
    /// The module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiates the module in `store`, creating its host functions
    /// there.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        instantiate_with(
            store.as_context_mut().0,
            &self.module,
            self.definitions.iter(),
        )
    }
}

/// Instantiates `module` in `store` with `definitions`, one per import.
fn instantiate_with<'d, T: 'static>(
    store: &mut StoreInner<T>,
    module: &Module,
    definitions: impl IntoIterator<Item = &'d Definition<T>>,
) -> Result<Instance> {
    let imports = definitions
        .into_iter()
        .map(|definition| materialise(store, definition))
        .collect::<Result<Vec<_>>>()?;
    Instance::new(crate::StoreContextMut(store), module, &imports)
}

/// What a definition is in `store`: itself, or a host function created
/// there.
fn materialise<T: 'static>(
    store: &mut StoreInner<T>,
    definition: &Definition<T>,
) -> Result<Extern> {
    Ok(match definition {
        Definition::Extern(e) => *e,
        Definition::HostFunc(f) => Extern::Func(f.clone().into_func(store)?),
    })
}
