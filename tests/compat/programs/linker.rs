//! Wasmtime's `Linker`: host functions by closure (`func_wrap`) and by type
//! (`func_new`), definitions of store items, aliases, instances and
//! modules (command and reactor semantics), `get_default`, `InstancePre`,
//! and the two ways to stub unknown imports.

use wasmtime::{
    Caller, Engine, Func, FuncType, Global, GlobalType, Linker, Module, Mutability, Store, Trap,
    Val, ValType,
};

/// What the host keeps per store.
#[derive(Default)]
struct Host {
    log: Vec<String>,
}

const APP: &str = r#"
(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "base" (global $base i32))
  (func (export "run") (result i32)
    (call $log (global.get $base))
    (call $add (global.get $base) (i32.const 5))))
"#;

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Host::default());
    let mut linker: Linker<Host> = Linker::new(&engine);

    linker.func_wrap("env", "log", |mut caller: Caller<'_, Host>, n: i32| {
        caller.data_mut().log.push(format!("log {n}"));
    })?;
    let add_ty = FuncType::new(&engine, [ValType::I32, ValType::I32], [ValType::I32]);
    linker.func_new("env", "add", add_ty, |_caller, params, results| {
        let (a, b) = (params[0].unwrap_i32(), params[1].unwrap_i32());
        results[0] = Val::I32(a + b);
        Ok(())
    })?;
    let base = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(37),
    )?;
    linker.define(&store, "env", "base", base)?;

    let app = Module::new(&engine, APP)?;
    let instance = linker.instantiate(&mut store, &app)?;
    let run = instance.get_typed_func::<(), i32>(&mut store, "run")?;
    println!("run() = {}", run.call(&mut store, ())?);
    println!("log: {:?}", store.data().log);

    // Redefining is an error unless shadowing is allowed.
    println!(
        "redefining refused: {}",
        linker.func_wrap("env", "log", |_: i32| {}).is_err()
    );
    linker.allow_shadowing(true);
    linker.func_wrap("env", "log", |mut caller: Caller<'_, Host>, n: i32| {
        caller.data_mut().log.push(format!("shadowed {n}"));
    })?;
    linker.allow_shadowing(false);

    // Aliases.
    linker.alias("env", "add", "math", "plus")?;
    linker.alias_module("env", "environment")?;
    let plus = linker
        .get(&mut store, "math", "plus")?
        .into_func()
        .expect("`math::plus` is defined");
    let plus = plus.typed::<(i32, i32), i32>(&store)?;
    println!("math::plus(2, 3) = {}", plus.call(&mut store, (2, 3))?);
    println!(
        "environment::base is defined: {}",
        linker.get(&mut store, "environment", "base").is_ok()
    );
    match linker.get(&mut store, "nothing", "here") {
        Ok(_) => println!("nothing::here is defined"),
        Err(error) => println!("nothing::here: {error}"),
    }

    // InstancePre: resolve once, instantiate in many stores.
    let pre = linker.instantiate_pre(&app)?;
    println!("pre's module exports: {}", pre.module().exports().len());
    let mut other = Store::new(&engine, Host::default());
    // `env::base` belongs to `store`: give `other` a linker of its own.
    let mut other_linker: Linker<Host> = Linker::new(&engine);
    other_linker.func_wrap("env", "log", |mut caller: Caller<'_, Host>, n: i32| {
        caller.data_mut().log.push(format!("other {n}"));
    })?;
    other_linker.func_wrap("env", "add", |a: i32, b: i32| a * b)?;
    let base2 = Global::new(
        &mut other,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(6),
    )?;
    other_linker.define(&other, "env", "base", base2)?;
    let other_pre = other_linker.instantiate_pre(&app)?;
    for _ in 0..2 {
        let instance = other_pre.instantiate(&mut other)?;
        let run = instance.get_typed_func::<(), i32>(&mut other, "run")?;
        println!("other run() = {}", run.call(&mut other, ())?);
    }
    println!("other log: {:?}", other.data().log);
    let again = pre.instantiate(&mut store)?;
    let run = again.get_typed_func::<(), i32>(&mut store, "run")?;
    println!("pre run() = {}", run.call(&mut store, ())?);
    println!("log: {:?}", store.data().log);

    // A reactor is instantiated once: its state persists across calls.
    let reactor = Module::new(
        &engine,
        r#"(module
             (global $n (mut i32) (i32.const 0))
             (func (export "_initialize") (global.set $n (i32.const 100)))
             (func (export "next") (result i32)
               (global.set $n (i32.add (global.get $n) (i32.const 1)))
               (global.get $n)))"#,
    )?;
    linker.module(&mut store, "counter", &reactor)?;
    let next = linker
        .get(&mut store, "counter", "next")?
        .into_func()
        .expect("`counter::next` is defined");
    let next = next.typed::<(), i32>(&store)?;
    let first = next.call(&mut store, ())?;
    let second = next.call(&mut store, ())?;
    println!("reactor next() twice: {first} {second}");
    // Its default function does nothing.
    let default = linker.get_default(&mut store, "counter")?;
    default.call(&mut store, &[], &mut [])?;
    println!(
        "reactor's default function takes {} params",
        default.ty(&store).params().len()
    );

    // A command is instantiated afresh for every call.
    let command = Module::new(
        &engine,
        r#"(module
             (global $n (mut i32) (i32.const 0))
             (func (export "_start"))
             (func (export "next") (result i32)
               (global.set $n (i32.add (global.get $n) (i32.const 1)))
               (global.get $n)))"#,
    )?;
    linker.module(&mut store, "tool", &command)?;
    let next = linker
        .get(&mut store, "tool", "next")?
        .into_func()
        .expect("`tool::next` is defined");
    let next = next.typed::<(), i32>(&store)?;
    let first = next.call(&mut store, ())?;
    let second = next.call(&mut store, ())?;
    println!("command next() twice: {first} {second}");
    let start = linker.get_default(&mut store, "tool")?;
    start.call(&mut store, &[], &mut [])?;
    println!("command's default function ran");

    // An instance's exports under a module name.
    let provider = Module::new(
        &engine,
        r#"(module (func (export "seven") (result i32) i32.const 7))"#,
    )?;
    let provider = linker.instantiate(&mut store, &provider)?;
    linker.instance(&mut store, "provider", provider)?;
    let user = Module::new(
        &engine,
        r#"(module
             (import "provider" "seven" (func $seven (result i32)))
             (func (export "fourteen") (result i32)
               (i32.add (call $seven) (call $seven))))"#,
    )?;
    let user = linker.instantiate(&mut store, &user)?;
    let fourteen = user.get_typed_func::<(), i32>(&mut store, "fourteen")?;
    println!("fourteen() = {}", fourteen.call(&mut store, ())?);

    // Unknown imports: an error by default, stubs on request.
    let unknown = Module::new(
        &engine,
        r#"(module
             (import "missing" "f" (func $f (result i32)))
             (import "missing" "g" (global $g i64))
             (import "missing" "m" (memory 1))
             (func (export "call_f") (result i32) (call $f))
             (func (export "get_g") (result i64) (global.get $g))
             (func (export "size") (result i32) (memory.size)))"#,
    )?;
    match linker.instantiate(&mut store, &unknown) {
        Err(error) => println!("unknown imports: {error}"),
        Ok(_) => println!("unexpected success"),
    }
    let mut trapping = linker.clone();
    trapping.define_unknown_imports_as_traps(&unknown)?;
    let mut defaults = linker.clone();
    defaults.define_unknown_imports_as_default_values(&mut store, &unknown)?;
    // Only functions are stubbed by `define_unknown_imports_as_traps`.
    println!(
        "traps cover the global too: {}",
        trapping.instantiate(&mut store, &unknown).is_ok()
    );
    let with_defaults = defaults.instantiate(&mut store, &unknown)?;
    let get_g = with_defaults.get_typed_func::<(), i64>(&mut store, "get_g")?;
    let size = with_defaults.get_typed_func::<(), i32>(&mut store, "size")?;
    let call_f = with_defaults.get_typed_func::<(), i32>(&mut store, "call_f")?;
    println!(
        "defaults: g = {}, memory pages = {}, f() = {}",
        get_g.call(&mut store, ())?,
        size.call(&mut store, ())?,
        call_f.call(&mut store, ())?
    );
    let only_f = Module::new(
        &engine,
        r#"(module
             (import "missing" "f" (func $f (result i32)))
             (func (export "call_f") (result i32) (call $f)))"#,
    )?;
    let mut trapping = linker.clone();
    trapping.define_unknown_imports_as_traps(&only_f)?;
    let with_traps = trapping.instantiate(&mut store, &only_f)?;
    let call_f = with_traps.get_typed_func::<(), i32>(&mut store, "call_f")?;
    let error = call_f.call(&mut store, ()).unwrap_err();
    println!(
        "stub call fails: {} (a trap: {})",
        error.root_cause(),
        error.is::<Trap>()
    );

    // A function made outside the linker can be defined in it too.
    let square = Func::wrap(&mut store, |x: i32| x * x);
    linker.define(&store, "math", "square", square)?;
    let square = linker
        .get(&mut store, "math", "square")?
        .into_func()
        .expect("`math::square` is defined");
    println!(
        "math::square(9) = {}",
        square.typed::<i32, i32>(&store)?.call(&mut store, 9)?
    );
    Ok(())
}
