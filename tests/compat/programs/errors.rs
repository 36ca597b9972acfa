//! Wasmtime's error handling: `wasmtime::Error` and `wasmtime::Result`,
//! `Error::msg`, context, downcasting, the `bail!`/`ensure!`/`format_err!`
//! macros, conversions from standard errors and to and from `anyhow`, the
//! `Debug` output with its chain of causes, `Trap`s and host errors
//! travelling through wasm.

use std::fmt;
use wasmtime::error::Context;
use wasmtime::{
    Caller, Engine, Error, Func, Instance, Linker, Module, Result, Store, Trap, bail, ensure,
    format_err,
};

/// An error of the embedder's own.
#[derive(Debug, PartialEq)]
struct Exit(i32);

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit with status {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// `?` turns any standard error into a `wasmtime::Error`.
fn parse_number(text: &str) -> Result<i32> {
    let n: i32 = text.trim().parse()?;
    ensure!(n >= 0, "{n} is negative");
    if n > 1000 {
        bail!("{n} is too large");
    }
    Ok(n)
}

/// Context on a `Result` and on an `Option`.
fn read_setting(settings: &[(&str, &str)], key: &str) -> Result<i32> {
    let (_, value) = settings
        .iter()
        .find(|(k, _)| *k == key)
        .with_context(|| format!("no setting `{key}`"))?;
    parse_number(value).context(format!("setting `{key}`"))
}

/// A function returning `anyhow::Result` uses `?` on Wasmtime's results.
fn with_anyhow(engine: &Engine) -> anyhow::Result<()> {
    Module::new(
        engine,
        "(module (func (export \"f\") (result i32) i64.const 1))",
    )?;
    Ok(())
}

fn main() -> Result<()> {
    // Messages, macros and `?` on standard errors.
    println!("{:?}", parse_number("12"));
    for text in ["x", "-3", "5000"] {
        let error = parse_number(text).unwrap_err();
        println!("parse {text:?}: {error}");
    }
    let parse_error = parse_number("x").unwrap_err();
    println!(
        "is ParseIntError: {}",
        parse_error.is::<std::num::ParseIntError>()
    );
    let formatted = format_err!("code {}", 7);
    println!("format_err: {formatted}");

    // Context: `Display` shows the outermost message, `{:#}` the chain,
    // `Debug` the chain one cause a line.
    let settings = [("width", "80"), ("height", "tall")];
    println!("width = {}", read_setting(&settings, "width")?);
    let missing = read_setting(&settings, "depth").unwrap_err();
    println!("missing: {missing}");
    let bad = read_setting(&settings, "height").unwrap_err();
    println!("bad: {bad}");
    println!("bad (alternate): {bad:#}");
    println!("bad (debug):\n{bad:?}");
    println!("chain length: {}", bad.chain().count());
    println!("root cause: {}", bad.root_cause());
    let layered = Error::msg("disk full")
        .context("writing the save file")
        .context("saving the game");
    println!("layered (debug):\n{layered:?}");

    // Downcasting to the embedder's error, by reference and by value.
    let exit = Error::new(Exit(3)).context("running the program");
    println!("downcast_ref: {:?}", exit.downcast_ref::<Exit>());
    println!("is Exit: {}", exit.is::<Exit>());
    match Error::new(Exit(4)).downcast::<Exit>() {
        Ok(exit) => println!("downcast: {exit:?}"),
        Err(error) => println!("not an Exit: {error}"),
    }
    match Error::msg("plain").downcast::<Exit>() {
        Ok(exit) => println!("unexpected: {exit:?}"),
        Err(error) => println!("downcast gives the error back: {error}"),
    }

    // `anyhow` in both directions.
    let engine = Engine::default();
    let into_anyhow = with_anyhow(&engine).unwrap_err();
    println!(
        "into anyhow keeps a message: {}",
        !into_anyhow.to_string().is_empty()
    );
    let from_anyhow = Error::from_anyhow(anyhow::anyhow!("from anyhow"));
    println!("from_anyhow: {from_anyhow}");

    // Traps, with Wasmtime's variants and messages.
    let module = Module::new(
        &engine,
        r#"(module
             (memory 1)
             (func (export "unreachable") unreachable)
             (func (export "divide") (param i32 i32) (result i32)
               (i32.div_s (local.get 0) (local.get 1)))
             (func (export "load") (param i32) (result i32)
               (i32.load (local.get 0)))
             (func (export "convert") (param f32) (result i32)
               (i32.trunc_f32_s (local.get 0)))
             (func $forever (export "recurse") (call $forever)))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let unreachable = instance.get_typed_func::<(), ()>(&mut store, "unreachable")?;
    let divide = instance.get_typed_func::<(i32, i32), i32>(&mut store, "divide")?;
    let load = instance.get_typed_func::<i32, i32>(&mut store, "load")?;
    let convert = instance.get_typed_func::<f32, i32>(&mut store, "convert")?;
    let recurse = instance.get_typed_func::<(), ()>(&mut store, "recurse")?;
    let traps = [
        unreachable.call(&mut store, ()).unwrap_err(),
        divide.call(&mut store, (1, 0)).unwrap_err(),
        divide.call(&mut store, (i32::MIN, -1)).unwrap_err(),
        load.call(&mut store, 65536).unwrap_err(),
        convert.call(&mut store, f32::NAN).unwrap_err(),
        recurse.call(&mut store, ()).unwrap_err(),
    ];
    for error in &traps {
        let trap = error.downcast_ref::<Trap>().copied();
        println!("{trap:?}: {}", error.root_cause());
    }
    // `{:?}` prints the backtrace with each frame's offset in the module.
    println!("{:?}", traps[1]);
    println!(
        "matches a variant: {}",
        traps[1].downcast_ref::<Trap>() == Some(&Trap::IntegerDivisionByZero)
    );
    let trap = traps[0].downcast_ref::<Trap>().copied().expect("a trap");
    let mut by_value = traps.into_iter().next().expect("six traps");
    by_value = by_value.context("calling `unreachable`");
    println!("with context, still a trap: {}", by_value.is::<Trap>());
    println!("the same trap: {}", by_value.downcast::<Trap>()? == trap);

    // A host function's error reaches the caller of the wasm as itself,
    // not as a trap.
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "exit", |code: i32| -> Result<()> {
        Err(Error::new(Exit(code)))
    })?;
    linker.func_wrap("host", "fail", |_caller: Caller<'_, ()>| -> Result<()> {
        bail!("the host gave up")
    })?;
    let calls_host = Module::new(
        &engine,
        r#"(module
             (import "host" "exit" (func $exit (param i32)))
             (import "host" "fail" (func $fail))
             (func (export "exit") (call $exit (i32.const 9)))
             (func (export "fail") (call $fail)))"#,
    )?;
    let instance = linker.instantiate(&mut store, &calls_host)?;
    let exit = instance.get_typed_func::<(), ()>(&mut store, "exit")?;
    let error = exit.call(&mut store, ()).unwrap_err();
    println!(
        "host error: {:?}, is a trap: {}",
        error.downcast_ref::<Exit>(),
        error.is::<Trap>()
    );
    let fail = instance.get_func(&mut store, "fail").expect("exported");
    let error = fail.call(&mut store, &[], &mut []).unwrap_err();
    println!("host message: {}", error.root_cause());

    // A `Func::wrap` closure may return any `Result<_, wasmtime::Error>`.
    let checked = Func::wrap(&mut store, |x: i32| -> Result<i32> {
        ensure!(x != 0, "zero is not allowed");
        Ok(100 / x)
    });
    let checked = checked.typed::<i32, i32>(&store)?;
    println!("checked(4) = {}", checked.call(&mut store, 4)?);
    println!(
        "checked(0): {}",
        checked.call(&mut store, 0).unwrap_err().root_cause()
    );
    Ok(())
}
