//! Running a module on Egret for the oracles: engine settings, dummy
//! imports, and conversions to the engine-neutral values and exceptions
//! of `values.rs`.

use crate::values::{AnyValue, DUMMY_REFUSED, Exception, Outcome, TrapClass, ValKind, Value};
use egret::{
    AnyRef, Engine, Error, Extern, ExternType, Func, GcHeapOutOfMemory, Global, HeapType, Instance,
    Memory, Module, Ref, Rooted, Store, Table, Tag, Trap, Val, ValType,
};

/// The engine the oracles use: the default features
/// (`generators::features`), Cranelift's verifier on (a verifier error is
/// a bug worth finding), and serial compilation (fuzzing runs one case
/// per core instead).
pub fn engine() -> Engine {
    Engine::new(&config()).expect("the host CPU is supported")
}

fn config() -> egret::Config {
    let mut config = egret::Config::new();
    config
        .cranelift_debug_verifier(true)
        .parallel_compilation(false);
    config
}

/// The engine compared with Wasmtime: [`engine`] with custom page sizes
/// on (`generators::wasmtime_features`) and relaxed SIMD deterministic,
/// as Wasmtime is configured.
#[cfg(feature = "wasmtime")]
pub fn wasmtime_peer_engine() -> Engine {
    let mut config = config();
    config
        .wasm_custom_page_sizes(true)
        .relaxed_simd_deterministic(true);
    Engine::new(&config).expect("the host CPU is supported")
}

fn trap_class(trap: Trap) -> TrapClass {
    match trap {
        Trap::StackOverflow => TrapClass::StackExhausted,
        Trap::MemoryOutOfBounds => TrapClass::MemoryOutOfBounds,
        Trap::TableOutOfBounds => TrapClass::TableOutOfBounds,
        Trap::IndirectCallToNull => TrapClass::IndirectCallToNull,
        Trap::BadSignature => TrapClass::BadSignature,
        Trap::IntegerOverflow => TrapClass::IntegerOverflow,
        Trap::IntegerDivisionByZero => TrapClass::IntegerDivisionByZero,
        Trap::BadConversionToInteger => TrapClass::BadConversionToInteger,
        Trap::UnreachableCodeReached => TrapClass::Unreachable,
        Trap::NullReference => TrapClass::NullReference,
        Trap::ArrayOutOfBounds => TrapClass::ArrayOutOfBounds,
        Trap::CastFailure => TrapClass::CastFailure,
        Trap::AllocationTooLarge => TrapClass::AllocationTooLarge,
        other => TrapClass::Other(format!("{other:?}")),
    }
}

/// How Egret's message for a GC allocation that does not fit begins.
const GC_HEAP_FULL: &str = "GC heap out of memory";

/// The outcome of `error`, which left `store`; an uncaught exception is
/// taken from the store (so none stays pending) and its tag looked up
/// among `tags`, the instance's exported tags.
fn failure(store: &mut Store<()>, tags: &[(String, Tag)], error: Error) -> Outcome {
    if matches!(error, Error::Exception(_)) {
        return uncaught(store, tags);
    }
    if let Some(trap) = error.downcast_ref::<Trap>() {
        return Outcome::Trapped(trap_class(*trap));
    }
    // A call's allocation that does not fit fails with
    // `GcHeapOutOfMemory<()>`, as in Wasmtime; a constant expression's,
    // during instantiation, with a resource-limit error saying so.
    let gc_heap_full = match &error {
        Error::Resource(message) => message.starts_with(GC_HEAP_FULL),
        _ => error.is::<GcHeapOutOfMemory<()>>(),
    };
    if gc_heap_full {
        return Outcome::Trapped(TrapClass::GcHeapExhausted);
    }
    // A host function's error comes back as it is, with the wasm
    // backtrace as context (as in Wasmtime): `{:?}` shows the whole chain.
    let text = format!("{error:?}");
    if text.contains(DUMMY_REFUSED) {
        Outcome::Trapped(TrapClass::HostFunctionFailed)
    } else {
        Outcome::Failed(text)
    }
}

fn uncaught(store: &mut Store<()>, tags: &[(String, Tag)]) -> Outcome {
    let Some(exn) = store.take_pending_exception() else {
        return Outcome::Failed("an uncaught exception, but none is pending".into());
    };
    let described = exn.tag(&*store).and_then(|tag| {
        let fields = exn
            .fields(&*store)?
            .map(|v| from_val(&*store, &v))
            .collect();
        let tag = tags
            .iter()
            .find(|(_, exported)| Tag::eq(exported, &tag, &*store))
            .map(|(name, _)| name.clone());
        Ok(Exception { tag, fields })
    });
    match described {
        Ok(exception) => Outcome::Uncaught(exception),
        Err(e) => Outcome::Failed(format!("reading the uncaught exception: {e}")),
    }
}

fn to_val(value: &Value) -> Val {
    match *value {
        Value::I32(v) => Val::I32(v),
        Value::I64(v) => Val::I64(v),
        Value::F32(v) => Val::F32(v),
        Value::F64(v) => Val::F64(v),
        Value::V128(v) => Val::from(v),
        // The host only ever passes null references.
        Value::FuncRef { .. } => Val::FuncRef(None),
        Value::ExternRef { .. } => Val::ExternRef(None),
        Value::ExnRef { .. } => Val::ExnRef(None),
        Value::AnyRef(_) => Val::AnyRef(None),
    }
}

/// What the host sees of `r` (see [`AnyValue`]).
fn any_value(store: &Store<()>, r: &Option<Rooted<AnyRef>>) -> AnyValue {
    let Some(r) = r else {
        return AnyValue::Null;
    };
    // A reference just returned by a call of this store is valid in it.
    match r.ty(store).expect("a rooted reference of this store") {
        HeapType::I31 => AnyValue::I31(
            r.unwrap_i31(store)
                .expect("an i31 reference holds one")
                .get_u32(),
        ),
        HeapType::ConcreteStruct(_) | HeapType::Struct => AnyValue::Struct,
        HeapType::ConcreteArray(_) | HeapType::Array => AnyValue::Array,
        _ => AnyValue::Host,
    }
}

fn from_val(store: &Store<()>, value: &Val) -> Value {
    match value {
        Val::I32(v) => Value::I32(*v),
        Val::I64(v) => Value::I64(*v),
        Val::F32(v) => Value::F32(*v),
        Val::F64(v) => Value::F64(*v),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_none() },
        Val::ExternRef(r) => Value::ExternRef { null: r.is_none() },
        Val::ExnRef(r) => Value::ExnRef { null: r.is_none() },
        Val::AnyRef(r) => Value::AnyRef(any_value(store, r)),
    }
}

fn val_type(kind: ValKind) -> ValType {
    match kind {
        ValKind::I32 => ValType::I32,
        ValKind::I64 => ValType::I64,
        ValKind::F32 => ValType::F32,
        ValKind::F64 => ValType::F64,
        ValKind::V128 => ValType::V128,
        ValKind::FuncRef => ValType::FUNCREF,
        ValKind::ExternRef => ValType::EXTERNREF,
        ValKind::ExnRef => ValType::EXNREF,
        ValKind::AnyRef => ValType::ANYREF,
        // Only for result slots, which a call overwrites.
        ValKind::NonNullRef => ValType::FUNCREF,
    }
}

/// An instance of a module in its own store.
pub struct EgretRun {
    store: Store<()>,
    instance: Instance,
    /// The exported tags with their names, in export order.
    tags: Vec<(String, Tag)>,
}

/// A dummy for an import: functions return zeros (or fail with
/// [`DUMMY_REFUSED`] when they would have to return a non-null
/// reference), globals hold zero, memories and tables are fresh with the
/// import's limits, tags are fresh tags of the import's type.
fn dummy_import(store: &mut Store<()>, ty: ExternType) -> Result<Extern, Error> {
    let zero = |ty: ValType| {
        ty.default_value()
            .ok_or_else(|| Error::msg(format!("no default value of type {ty}")))
    };
    Ok(match ty {
        ExternType::Func(ft) => {
            let refuses = ft.results().any(|t| t.default_value().is_none());
            // `Func::new` hands the closure zeroed results.
            Func::new(&mut *store, ft, move |_, _, _| {
                if refuses {
                    Err(Error::msg(DUMMY_REFUSED))
                } else {
                    Ok(())
                }
            })
            .into()
        }
        ExternType::Global(gt) => {
            let value = zero(gt.content().clone())?;
            Global::new(&mut *store, gt, value)?.into()
        }
        ExternType::Memory(mt) => Memory::new(&mut *store, mt)?.into(),
        ExternType::Table(tt) => {
            let null = Ref::null(tt.element().heap_type());
            Table::new(&mut *store, tt, null)?.into()
        }
        ExternType::Tag(tt) => Tag::new(&mut *store, &tt)?.into(),
    })
}

impl EgretRun {
    /// Instantiates `module` in a new store with dummy imports. A failure
    /// (link error, trap in a segment, trap or uncaught exception in the
    /// start function) as an [`Outcome`].
    pub fn new(module: &Module) -> Result<EgretRun, Outcome> {
        let mut store = Store::new(module.engine(), ());
        let imports = match module
            .imports()
            .map(|import| dummy_import(&mut store, import.ty()))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(imports) => imports,
            Err(e) => return Err(failure(&mut store, &[], e)),
        };
        let instance = match Instance::new(&mut store, module, &imports) {
            Ok(instance) => instance,
            Err(e) => return Err(failure(&mut store, &[], e)),
        };
        let tags = instance
            .try_exports(&store)
            .map_err(|e| Outcome::Failed(e.to_string()))?
            .into_iter()
            .filter_map(|export| {
                let name = export.name().to_string();
                Some((name, export.into_extern().into_tag()?))
            })
            .collect();
        Ok(EgretRun {
            store,
            instance,
            tags,
        })
    }

    /// Calls the exported function `name`.
    pub fn call(&mut self, name: &str, args: &[Value], results: &[ValKind]) -> Outcome {
        let func = match self.instance.try_get_func(&self.store, name) {
            Ok(func) => func,
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        let args: Vec<Val> = args.iter().map(to_val).collect();
        let mut out: Vec<Val> = results
            .iter()
            .map(|k| val_type(*k).default_value().unwrap_or(Val::I32(0)))
            .collect();
        match func.call(&mut self.store, &args, &mut out) {
            Ok(()) => Outcome::Returned(out.iter().map(|v| from_val(&self.store, v)).collect()),
            Err(e) => failure(&mut self.store, &self.tags, e),
        }
    }

    /// The bytes of the exported memory `name`.
    pub fn memory(&self, name: &str) -> Result<&[u8], String> {
        let memory = self
            .instance
            .try_get_memory(&self.store, name)
            .map_err(|e| e.to_string())?;
        memory.try_data(&self.store).map_err(|e| e.to_string())
    }

    /// The value of the exported global `name`.
    pub fn global(&mut self, name: &str) -> Result<Value, String> {
        let global = self
            .instance
            .try_get_global(&self.store, name)
            .map_err(|e| e.to_string())?;
        global
            .try_get(&mut self.store)
            .map(|v| from_val(&self.store, &v))
            .map_err(|e| e.to_string())
    }

    /// Which elements of the exported table `name` are null.
    pub fn table(&mut self, name: &str) -> Result<Vec<bool>, String> {
        let table = self
            .instance
            .try_get_table(&self.store, name)
            .map_err(|e| e.to_string())?;
        let size = table.try_size(&self.store).map_err(|e| e.to_string())?;
        (0..size)
            .map(|i| match table.try_get(&mut self.store, i) {
                Ok(r) => Ok(r.is_null()),
                Err(e) => Err(e.to_string()),
            })
            .collect()
    }
}
