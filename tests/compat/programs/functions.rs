//! Host and wasm functions as Wasmtime has them: `Func::wrap` closures of
//! many shapes (with or without `Caller`, results as values, tuples or
//! `Result`), `Func::new` with a `FuncType`, `Caller::get_export`, dynamic
//! calls with `Val`s (`Val::V128` holding a `V128`), typed calls, generic
//! helpers bounded by `WasmParams`/`WasmResults`/`WasmTy`/`IntoFunc`, and
//! raw calls with `ValRaw`.

use wasmtime::{
    AsContextMut, Caller, Engine, Extern, Func, FuncType, Instance, IntoFunc, Module, Store,
    TypedFunc, V128, Val, ValRaw, ValType, WasmParams, WasmResults, WasmTy,
};

const MODULE: &str = r#"
(module
  (import "host" "greet" (func $greet (param i32 i32)))
  (import "host" "divmod" (func $divmod (param i32 i32) (result i32 i32)))
  (import "host" "mix" (func $mix (param i64 f32 f64) (result f64)))
  (memory (export "memory") 1)
  (data (i32.const 8) "wasm")
  (func (export "hello") (call $greet (i32.const 8) (i32.const 4)))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (call $divmod (local.get 0) (local.get 1)))
  (func (export "mix") (result f64)
    (call $mix (i64.const 40) (f32.const 1.5) (f64.const 0.25)))
  (func (export "swap") (param i64 i32) (result i32 i64)
    (local.get 1) (local.get 0))
  (func (export "lanes") (param v128) (result v128)
    (i32x4.add (local.get 0) (v128.const i32x4 1 2 3 4)))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))
"#;

/// Calls a typed export by name, for any parameter and result types.
fn call_export<Params: WasmParams, Results: WasmResults>(
    mut store: impl AsContextMut,
    instance: &Instance,
    name: &str,
    params: Params,
) -> wasmtime::Result<Results> {
    let func: TypedFunc<Params, Results> = instance.get_typed_func(&mut store, name)?;
    func.call(&mut store, params)
}

/// The wasm type of a Rust type that crosses into wasm.
fn wasm_type_of<T: WasmTy>(_value: T) -> &'static str {
    std::any::type_name::<T>()
}

/// Makes a host function from any closure `Func::wrap` accepts.
fn host_function<Params, Results>(
    store: &mut Store<Vec<String>>,
    func: impl IntoFunc<Vec<String>, Params, Results>,
) -> Func {
    Func::wrap(store, func)
}

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Vec::<String>::new());

    // `Caller` reaches the calling instance's exports and the store data.
    let greet = Func::wrap(
        &mut store,
        |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| -> wasmtime::Result<()> {
            let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
                wasmtime::bail!("no exported memory");
            };
            let bytes = memory
                .data(&caller)
                .get(ptr as usize..(ptr + len) as usize)
                .ok_or_else(|| wasmtime::format_err!("out of bounds"))?;
            let text = std::str::from_utf8(bytes)?.to_string();
            caller.data_mut().push(format!("hello from {text}"));
            println!(
                "caller.get_export(\"missing\") is none: {}",
                caller.get_export("missing").is_none()
            );
            Ok(())
        },
    );
    // Several results as a tuple.
    let divmod = host_function(&mut store, |a: i32, b: i32| (a / b, a % b));
    // A dynamic host function of a declared type.
    let mix_ty = FuncType::new(
        &engine,
        [ValType::I64, ValType::F32, ValType::F64],
        [ValType::F64],
    );
    let mix = Func::new(&mut store, mix_ty.clone(), |_caller, params, results| {
        let total = params[0].unwrap_i64() as f64
            + f64::from(params[1].unwrap_f32())
            + params[2].unwrap_f64();
        results[0] = Val::F64(total.to_bits());
        Ok(())
    });
    println!(
        "mix's type matches: {}",
        mix.ty(&store).params().len() == mix_ty.params().len()
    );

    let module = Module::new(&engine, MODULE)?;
    let instance = Instance::new(
        &mut store,
        &module,
        &[greet.into(), divmod.into(), mix.into()],
    )?;

    call_export::<(), ()>(&mut store, &instance, "hello", ())?;
    println!("store data: {:?}", store.data());
    let (quotient, remainder) =
        call_export::<(i32, i32), (i32, i32)>(&mut store, &instance, "divmod", (17, 5))?;
    println!("divmod(17, 5) = ({quotient}, {remainder})");
    let mixed: f64 = call_export(&mut store, &instance, "mix", ())?;
    println!("mix() = {mixed}");
    let (a, b): (i32, i64) = call_export(&mut store, &instance, "swap", (1_i64 << 40, 7))?;
    println!("swap = ({a}, {b})");
    println!("wasm type of 1u32: {}", wasm_type_of(1_u32));

    // Dynamic calls with `Val`s, including a v128.
    let swap = instance.get_func(&mut store, "swap").expect("exported");
    let mut results = [Val::I32(0), Val::I64(0)];
    swap.call(&mut store, &[Val::I64(-5), Val::I32(9)], &mut results)?;
    println!(
        "dynamic swap = ({:?}, {:?})",
        results[0].i32(),
        results[1].i64()
    );
    let wrong = swap.call(&mut store, &[Val::I32(1), Val::I32(9)], &mut results);
    println!("wrong argument type refused: {}", wrong.is_err());
    let lanes = instance.get_func(&mut store, "lanes").expect("exported");
    let input = V128::from(0x0000_0004_0000_0003_0000_0002_0000_0001_u128);
    let mut out = [Val::V128(V128::from(0))];
    lanes.call(&mut store, &[Val::V128(input)], &mut out)?;
    match out[0] {
        Val::V128(v) => println!("lanes = {:#034x}", v.as_u128()),
        ref other => println!("unexpected: {other:?}"),
    }
    println!("v128 value type: {:?}", out[0].ty(&store)?.is_v128());
    let typed_lanes = lanes.typed::<V128, V128>(&store)?;
    let doubled = typed_lanes.call(&mut store, V128::from(u128::from(u32::MAX)))?;
    println!("typed lanes = {:#034x}", u128::from(doubled));

    // Typed functions check their signature.
    println!(
        "add as (i32, i32) -> i32: {}",
        instance
            .get_typed_func::<(i32, i32), i32>(&mut store, "add")
            .is_ok()
    );
    println!(
        "add as i64 -> i64: {}",
        instance
            .get_typed_func::<i64, i64>(&mut store, "add")
            .is_ok()
    );

    // Raw calls: arguments in, results out, in one buffer of `ValRaw`s.
    let add = instance.get_func(&mut store, "add").expect("exported");
    let mut buffer = [ValRaw::i32(20), ValRaw::i32(22)];
    // SAFETY: `add` takes two i32s and returns one i32, and the buffer
    // holds two values of those types.
    unsafe {
        add.call_unchecked(&mut store, &mut buffer)?;
    }
    println!("raw add = {}", buffer[0].get_i32());
    let mut buffer = [ValRaw::i64(1 << 40), ValRaw::i32(3)];
    // SAFETY: `swap` takes (i64, i32) and returns (i32, i64): two slots.
    unsafe {
        swap.call_unchecked(&mut store, &mut buffer)?;
    }
    println!(
        "raw swap = ({}, {})",
        buffer[0].get_i32(),
        buffer[1].get_i64()
    );
    Ok(())
}
