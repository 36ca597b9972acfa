//! Instances: a module instantiated in a store, with its own memories,
//! tables and globals, and its exports.

use crate::store::{AsContext, AsContextMut, StoreContext};
use crate::typed::{WasmParams, WasmResults};
use crate::{Error, Extern, Func, Global, Memory, Module, Result, Table, Tag, TypedFunc};
use egret_frontend::types::EntityIndex;
use egret_runtime::instance::InstanceId;
use egret_runtime::store::{InstantiationError, Resolved, StoreId};
use std::marker::PhantomData;

/// An instance of a module. A handle into its store.
///
/// ```
/// use egret::{Engine, Instance, Module, Store};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module
///     (global $n (mut i32) (i32.const 0))
///     (func (export "bump") (result i32)
///         (global.set $n (i32.add (global.get $n) (i32.const 1)))
///         (global.get $n)))"#).unwrap();
/// let mut store = Store::new(&engine, ());
/// let a = Instance::new(&mut store, &module, &[]).unwrap();
/// let b = Instance::new(&mut store, &module, &[]).unwrap();
/// let bump_a = a.get_typed_func::<(), i32>(&mut store, "bump").unwrap();
/// let bump_b = b.get_typed_func::<(), i32>(&mut store, "bump").unwrap();
/// assert_eq!(bump_a.call(&mut store, ()).unwrap(), 1);
/// assert_eq!(bump_a.call(&mut store, ()).unwrap(), 2);
/// assert_eq!(bump_b.call(&mut store, ()).unwrap(), 1); // separate state
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Instance {
    pub(crate) store: StoreId,
    pub(crate) id: InstanceId,
}

/// One export of an instance. The lifetime is Wasmtime's, whose export
/// borrows its name from the store; Egret's owns its name, so it may
/// outlive that borrow, but a program written for Wasmtime's
/// `Export<'instance>` compiles as it is.
#[derive(Clone, Debug)]
pub struct Export<'instance> {
    name: String,
    item: Extern,
    _instance: PhantomData<&'instance Instance>,
}

impl Export<'_> {
    /// The export name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The exported item.
    pub fn into_extern(self) -> Extern {
        self.item
    }
}

/// Defines, per kind of export, the getter Wasmtime has (an `Option`) and
/// its `try_` twin (a `Result` saying why there is none).
macro_rules! getters {
    ($($get:ident, $try_get:ident, $into:ident, $ty:ident, $what:literal;)*) => {$(
        #[doc = concat!("The exported ", $what, " called `name`; `None` if there is no such export, or if `store` is not the instance's ([`Instance::", stringify!($try_get), "`] says which).")]
        pub fn $get(&self, store: impl AsContext, name: &str) -> Option<$ty> {
            self.$try_get(store, name).ok()
        }

        #[doc = concat!("The exported ", $what, " called `name`, or why there is none: an unknown name, an export of another kind, or [`Error::WrongStore`].")]
        pub fn $try_get(&self, store: impl AsContext, name: &str) -> Result<$ty> {
            self.try_get_export(store, name)?
                .$into()
                .ok_or_else(|| Error::misuse(format!(concat!("export `{}` is not ", $what), name)))
        }
    )*};
}

impl Instance {
    /// Instantiates `module` with `imports`, given in the order of
    /// [`Module::imports`]. Runs the start function, if any.
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        let store = store.as_context_mut().0;
        if !crate::Engine::same(&store.engine, module.engine()) {
            return Err(Error::misuse(
                "module and store come from different engines",
            ));
        }
        let resolved = imports
            .iter()
            .map(|item| item.resolve(store.id()))
            .collect::<Result<Vec<_>>>()?;
        // SAFETY: `resolve` checked that every import belongs to this store.
        let id =
            unsafe { store.vm().instantiate(&module.code, &resolved) }.map_err(|e| match e {
                InstantiationError::Link(m) => Error::Link(m),
                InstantiationError::Resource(m) => Error::Resource(m),
                InstantiationError::Limiter(e) => Error::from_host_error(e),
                InstantiationError::Trap(t) => Error::from_failure(t),
            })?;
        Ok(Instance {
            store: store.id(),
            id,
        })
    }

    fn export_item<T>(&self, store: StoreContext<'_, T>, index: EntityIndex) -> Extern {
        let opaque = &store.0.opaque;
        let instance = opaque.instance(self.id);
        match index {
            EntityIndex::Function(f) => Extern::Func(Func {
                store: self.store,
                func_ref: instance.func_ref(f) as usize,
            }),
            EntityIndex::Memory(m) => Extern::Memory(Memory {
                store: self.store,
                id: instance.memory(m.0),
            }),
            EntityIndex::Table(t) => Extern::Table(Table {
                store: self.store,
                id: instance.table(t.0),
            }),
            EntityIndex::Global(g) => Extern::Global(Global {
                store: self.store,
                id: instance.global(g.0),
            }),
            EntityIndex::Tag(t) => Extern::Tag(Tag {
                store: self.store,
                id: instance.tag(t.0),
            }),
        }
    }

    /// The export called `name`; `None` if there is none, or if `store`
    /// is not the instance's ([`Instance::try_get_export`] says which).
    pub fn get_export(&self, store: impl AsContext, name: &str) -> Option<Extern> {
        self.try_get_export(store, name).ok()
    }

    /// The export called `name`, or why there is none: an unknown name, or
    /// [`Error::WrongStore`].
    pub fn try_get_export(&self, store: impl AsContext, name: &str) -> Result<Extern> {
        let store = store.as_context();
        store.0.check(self.store)?;
        let info = store.0.opaque.instance(self.id).info();
        let index = info
            .exports
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.index)
            .ok_or_else(|| Error::misuse(format!("unknown export `{name}`")))?;
        Ok(self.export_item(store, index))
    }

    /// All exports, in the module's order.
    ///
    /// # Panics
    /// If `store` is not the instance's, as Wasmtime's;
    /// [`Instance::try_exports`] returns [`Error::WrongStore`] instead.
    pub fn exports<'a>(
        &'a self,
        store: impl AsContext,
    ) -> impl ExactSizeIterator<Item = Export<'a>> {
        crate::error::or_panic(self.try_exports(store), "Instance::exports").into_iter()
    }

    /// [`Instance::exports`], with a foreign store as an error.
    pub fn try_exports<'a>(&'a self, store: impl AsContext) -> Result<Vec<Export<'a>>> {
        let store = store.as_context();
        store.0.check(self.store)?;
        let info = store.0.opaque.instance(self.id).info();
        Ok(info
            .exports
            .iter()
            .map(|e| Export {
                name: e.name.clone(),
                item: self.export_item(StoreContext(store.0), e.index),
                _instance: PhantomData,
            })
            .collect())
    }

    /// The exported function called `name`, with a static signature. Fails
    /// if there is none, if its type is not `P -> R`, or if `store` is not
    /// the instance's.
    pub fn get_typed_func<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<TypedFunc<P, R>> {
        let store = store.as_context();
        self.try_get_func(StoreContext(store.0), name)?.typed(store)
    }

    getters! {
        get_func, try_get_func, into_func, Func, "a function";
        get_memory, try_get_memory, into_memory, Memory, "a memory";
        get_global, try_get_global, into_global, Global, "a global";
        get_table, try_get_table, into_table, Table, "a table";
        get_tag, try_get_tag, into_tag, Tag, "a tag";
    }
}

impl Extern {
    /// What the runtime needs to import this item into an instance.
    pub(crate) fn resolve(&self, store: StoreId) -> Result<Resolved> {
        let (owner, resolved) = match self {
            Extern::Func(f) => (f.store, Resolved::Func(f.vm_func_ref())),
            Extern::Memory(m) => (m.store, Resolved::Memory(m.id)),
            Extern::Table(t) => (t.store, Resolved::Table(t.id)),
            Extern::Global(g) => (g.store, Resolved::Global(g.id)),
            Extern::Tag(t) => (t.store, Resolved::Tag(t.id)),
        };
        if owner == store {
            Ok(resolved)
        } else {
            Err(Error::WrongStore)
        }
    }
}
