//! Running a module on Wasmtime 48, the peer of the WebAssembly 3.0
//! differential oracle: its configuration, the same dummy imports as
//! `egret_side.rs`, and conversions to the engine-neutral values and
//! exceptions of `values.rs`.

use crate::values::{AnyValue, DUMMY_REFUSED, Exception, Outcome, TrapClass, ValKind, Value};
use wasmtime::{
    AnyRef, Collector, Config, Engine, Error, Extern, ExternType, Func, GcHeapOutOfMemory, Global,
    HeapType, Instance, Memory, Module, Ref, Rooted, Store, Table, Tag, ThrownException, Trap,
    V128, Val,
};

/// The features Wasmtime gets: `generators::wasmtime_features` in the
/// wasmparser release Wasmtime 48 uses (0.254, not Egret's 0.263, so the
/// flags are named again; a test checks the two sets agree), plus
/// `GC_TYPES`, wasmparser's switch for `externref` and the other
/// references a GC heap may hold. `EXCEPTIONS` is what
/// `Config::wasm_exceptions(true)` turns on, `GC` what
/// `Config::wasm_gc(true)` does.
fn features() -> wasmtime::WasmFeatures {
    use wasmtime::WasmFeatures as F;
    F::WASM2
        .union(F::GC_TYPES)
        .union(F::EXTENDED_CONST)
        .union(F::TAIL_CALL)
        .union(F::WIDE_ARITHMETIC)
        .union(F::FUNCTION_REFERENCES)
        .union(F::MEMORY64)
        .union(F::MULTI_MEMORY)
        .union(F::RELAXED_SIMD)
        .union(F::CUSTOM_PAGE_SIZES)
        .union(F::EXCEPTIONS)
        .union(F::GC)
}

/// A Wasmtime engine accepting exactly the features the generated
/// modules use ([`features`]), with relaxed SIMD deterministic like
/// Egret's peer engine. NaNs need no engine setting: the generator
/// canonicalises them in the module.
///
/// The collector is the deferred reference-counting one, named here
/// although it is what `Collector::Auto` picks in this build (Wasmtime
/// 48's `Auto` takes the copying collector only when its `gc-copying`
/// feature is on, which is unfinished and off here, then `gc-drc`).
pub fn engine() -> Engine {
    let mut config = Config::new();
    // Start from nothing, then allow exactly the generator's features.
    config.wasm_features(wasmtime::WasmFeatures::all(), false);
    config.wasm_features(features(), true);
    config
        .collector(Collector::DeferredReferenceCounting)
        .relaxed_simd_deterministic(true)
        .cranelift_debug_verifier(true)
        // Like Egret's: 512 KiB of wasm stack (exhausting it is
        // inconclusive either way, see `oracles::differential`).
        .max_wasm_stack(512 << 10);
    Engine::new(&config).expect("Wasmtime supports the generator's features on this host")
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

/// The outcome of `error`, which left `store`; an uncaught exception is
/// taken from the store (so none stays pending) and its tag looked up
/// among `tags`, the instance's exported tags.
fn failure(store: &mut Store<()>, tags: &[(String, Tag)], error: Error) -> Outcome {
    if error.is::<ThrownException>() {
        return uncaught(store, tags);
    }
    if let Some(trap) = error.downcast_ref::<Trap>() {
        return Outcome::Trapped(trap_class(*trap));
    }
    if error.is::<GcHeapOutOfMemory<()>>() {
        return Outcome::Trapped(TrapClass::GcHeapExhausted);
    }
    // A host function's error comes back as it is, with Wasmtime's
    // backtrace as context: `{:?}` shows the whole chain.
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
    let described = exn.tag(&mut *store).and_then(|tag| {
        let fields: Vec<Val> = exn.fields(&mut *store)?.collect();
        let fields = fields.iter().map(|v| from_val(&*store, v)).collect();
        let tag = tags
            .iter()
            .find(|(_, exported)| Tag::eq(exported, &tag, &*store))
            .map(|(name, _)| name.clone());
        Ok(Exception { tag, fields })
    });
    match described {
        Ok(exception) => Outcome::Uncaught(exception),
        Err(e) => Outcome::Failed(format!("reading the uncaught exception: {e:?}")),
    }
}

fn to_val(value: &Value) -> Val {
    match *value {
        Value::I32(v) => Val::I32(v),
        Value::I64(v) => Val::I64(v),
        Value::F32(v) => Val::F32(v),
        Value::F64(v) => Val::F64(v),
        Value::V128(v) => Val::V128(V128::from(v)),
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
        // Without stack switching no module makes these; compare them by
        // nullness like the others.
        Val::ContRef(r) => Value::ExternRef { null: r.is_none() },
    }
}

/// A placeholder result slot; the call overwrites it.
fn slot(kind: ValKind) -> Val {
    match kind {
        ValKind::I32 => Val::I32(0),
        ValKind::I64 => Val::I64(0),
        ValKind::F32 => Val::F32(0),
        ValKind::F64 => Val::F64(0),
        ValKind::V128 => Val::V128(V128::from(0)),
        ValKind::FuncRef | ValKind::NonNullRef => Val::FuncRef(None),
        ValKind::ExternRef => Val::ExternRef(None),
        ValKind::ExnRef => Val::ExnRef(None),
        ValKind::AnyRef => Val::AnyRef(None),
    }
}

/// An instance of a module in its own store.
pub struct WasmtimeRun {
    store: Store<()>,
    instance: Instance,
    /// The exported tags with their names, in export order.
    tags: Vec<(String, Tag)>,
}

/// The same dummies as Egret gets: zero-returning functions (failing with
/// [`DUMMY_REFUSED`] when a result is a non-nullable reference), zero
/// globals, fresh memories and tables with the import's limits, fresh
/// tags of the import's type.
fn dummy_import(store: &mut Store<()>, ty: &ExternType) -> Result<Extern, Error> {
    Ok(match ty {
        ExternType::Func(ft) => {
            let results: Option<Vec<Val>> = ft.results().map(|t| Val::default_for_ty(&t)).collect();
            Func::new(&mut *store, ft.clone(), move |_, _, out| {
                let Some(results) = &results else {
                    return Err(Error::msg(DUMMY_REFUSED));
                };
                out.clone_from_slice(results);
                Ok(())
            })
            .into()
        }
        ExternType::Global(gt) => {
            let zero = Val::default_for_ty(gt.content())
                .ok_or_else(|| Error::msg("no default for a non-nullable global"))?;
            Global::new(&mut *store, gt.clone(), zero)?.into()
        }
        ExternType::Memory(mt) => Memory::new(&mut *store, mt.clone())?.into(),
        ExternType::Table(tt) => {
            let null = Ref::null(tt.element().heap_type());
            Table::new(&mut *store, tt.clone(), null)?.into()
        }
        ExternType::Tag(tt) => Tag::new(&mut *store, tt)?.into(),
    })
}

impl WasmtimeRun {
    /// Instantiates `module` in a new store with dummy imports, running
    /// its start function. A failure (link error, trap in a segment,
    /// trap or uncaught exception in the start function) as an
    /// [`Outcome`].
    pub fn new(engine: &Engine, module: &Module) -> Result<WasmtimeRun, Outcome> {
        let mut store = Store::new(engine, ());
        let imports = match module
            .imports()
            .map(|import| dummy_import(&mut store, &import.ty()))
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
            .exports(&mut store)
            .filter_map(|export| {
                let name = export.name().to_string();
                Some((name, export.into_tag()?))
            })
            .collect();
        Ok(WasmtimeRun {
            store,
            instance,
            tags,
        })
    }

    /// Calls the exported function `name`.
    pub fn call(&mut self, name: &str, args: &[Value], results: &[ValKind]) -> Outcome {
        let Some(func) = self.instance.get_func(&mut self.store, name) else {
            return Outcome::Failed(format!("no exported function `{name}`"));
        };
        let args: Vec<Val> = args.iter().map(to_val).collect();
        let mut out: Vec<Val> = results.iter().map(|k| slot(*k)).collect();
        match func.call(&mut self.store, &args, &mut out) {
            Ok(()) => Outcome::Returned(out.iter().map(|v| from_val(&self.store, v)).collect()),
            Err(e) => failure(&mut self.store, &self.tags, e),
        }
    }

    /// The bytes of the exported memory `name`.
    pub fn memory(&mut self, name: &str) -> Result<&[u8], String> {
        let memory = self
            .instance
            .get_memory(&mut self.store, name)
            .ok_or_else(|| format!("no exported memory `{name}`"))?;
        Ok(memory.data(&self.store))
    }

    /// The value of the exported global `name`.
    pub fn global(&mut self, name: &str) -> Result<Value, String> {
        let global = self
            .instance
            .get_global(&mut self.store, name)
            .ok_or_else(|| format!("no exported global `{name}`"))?;
        let value = global.get(&mut self.store);
        Ok(from_val(&self.store, &value))
    }

    /// Which elements of the exported table `name` are null.
    pub fn table(&mut self, name: &str) -> Result<Vec<bool>, String> {
        let table = self
            .instance
            .get_table(&mut self.store, name)
            .ok_or_else(|| format!("no exported table `{name}`"))?;
        (0..table.size(&self.store))
            .map(|i| {
                table
                    .get(&mut self.store, i)
                    .map(|r| r.is_null())
                    .ok_or_else(|| format!("table `{name}` has no element {i}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasmtime_gets_the_generators_features() {
        let names = |flags: Vec<&str>| {
            let mut flags: Vec<String> = flags.into_iter().map(str::to_string).collect();
            flags.sort();
            flags
        };
        let generated = names(
            crate::generators::wasmtime_features()
                .iter_names()
                .map(|(name, _)| name)
                .collect(),
        );
        // wasmparser 0.263's `WASM2` has `GC_TYPES`, 0.254's does not.
        let wasmtime = names(features().iter_names().map(|(name, _)| name).collect());
        assert_eq!(generated, wasmtime);
        engine();
    }
}
