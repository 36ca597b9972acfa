//! `egret run`: compile a module, link it with WASI (sandboxed to the
//! directories given with `--dir`), and call `_start` or the export named by
//! `--invoke` with command-line arguments.

use anyhow::{Context, anyhow, bail};
use egret::{Engine, Linker, Module, Store, Val, ValType};
use egret_wasi::{WasiCtx, WasiCtxBuilder};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `egret run`.
#[derive(clap::Args)]
pub(crate) struct RunOptions {
    /// Call this export with ARGS instead of running `_start`.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// Give the program a host directory: `HOST` (seen by the guest under
    /// the same name) or `HOST::GUEST`. It sees nothing else of the host's
    /// file system.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Set an environment variable for the program: `NAME=VALUE`, or
    /// `NAME` to pass on the host's value.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    envs: Vec<String>,
    /// The module: a `.wasm` binary or `.wat` text file.
    file: PathBuf,
    /// The program's arguments, or with `--invoke` the function's
    /// arguments, read as its parameter types (i32, i64, f32, f64).
    #[arg(allow_hyphen_values = true, trailing_var_arg = true)]
    args: Vec<String>,
}

/// How a run ended.
enum Outcome {
    /// Finished; results of an invoked function, one per line.
    Results(Vec<String>),
    /// The program called `proc_exit`.
    Exit(i32),
}

/// Runs the command: results on stdout, errors on stderr. The exit code is
/// the program's `proc_exit` code, 1 if wasm trapped, 2 on other errors.
pub(crate) fn run(options: &RunOptions) -> ExitCode {
    match run_module(options) {
        Ok(Outcome::Results(results)) => {
            for result in results {
                println!("{result}");
            }
            ExitCode::SUCCESS
        }
        Ok(Outcome::Exit(code)) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            let trapped = e
                .downcast_ref::<egret::Error>()
                .is_some_and(|e| e.as_trap().is_some());
            ExitCode::from(if trapped { 1 } else { 2 })
        }
    }
}

/// The WASI context the options describe.
fn wasi_context(options: &RunOptions) -> anyhow::Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    if options.invoke.is_none() {
        builder.arg(options.file.display().to_string());
        builder.args(&options.args);
    }
    for env in &options.envs {
        match env.split_once('=') {
            Some((name, value)) => builder.env(name, value),
            None => {
                let value = std::env::var(env)
                    .with_context(|| format!("--env {env}: not set in the host environment"))?;
                builder.env(env, value)
            }
        };
    }
    for dir in &options.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        builder.preopen_dir(host, guest);
    }
    Ok(builder.build()?)
}

fn run_module(options: &RunOptions) -> anyhow::Result<Outcome> {
    let engine = Engine::default();
    let module = Module::from_file(&engine, &options.file)?;
    let mut linker = Linker::new(&engine);
    egret_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx)?;
    let mut store = Store::new(&engine, wasi_context(options)?);
    let instance = linker.instantiate(&mut store, &module)?;

    let name = match options.invoke.as_deref() {
        Some(name) => name,
        None if module.exports().any(|e| e.name() == "_start") => "_start",
        None => return Ok(Outcome::Results(Vec::new())),
    };
    let func = instance.get_func(&store, name)?;
    let ty = func.ty(&store)?;
    let args: &[String] = if options.invoke.is_some() {
        &options.args
    } else {
        &[]
    };
    if args.len() != ty.params().len() {
        bail!(
            "`{name}` has type {ty}: it takes {} arguments, got {}",
            ty.params().len(),
            args.len()
        );
    }
    let params = ty
        .params()
        .iter()
        .zip(args)
        .map(|(ty, arg)| parse_arg(*ty, arg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    match func.call(&mut store, &params, &mut results) {
        Ok(()) => Ok(Outcome::Results(results.iter().map(show).collect())),
        Err(e) => match egret_wasi::exit_code(&e) {
            Some(code) => Ok(Outcome::Exit(code)),
            None => Err(e.into()),
        },
    }
}

/// Reads a command-line argument as a value of type `ty`. Integers may be
/// given signed or unsigned.
fn parse_arg(ty: ValType, arg: &str) -> anyhow::Result<Val> {
    let invalid = || anyhow!("`{arg}` is not a valid {ty}");
    Ok(match ty {
        ValType::I32 => Val::I32(
            arg.parse::<i32>()
                .or_else(|_| arg.parse::<u32>().map(|v| v as i32))
                .map_err(|_| invalid())?,
        ),
        ValType::I64 => Val::I64(
            arg.parse::<i64>()
                .or_else(|_| arg.parse::<u64>().map(|v| v as i64))
                .map_err(|_| invalid())?,
        ),
        ValType::F32 => Val::from(arg.parse::<f32>().map_err(|_| invalid())?),
        ValType::F64 => Val::from(arg.parse::<f64>().map_err(|_| invalid())?),
        other => bail!("parameters of type {other} cannot be given on the command line"),
    })
}

/// A result as printed: the number for numeric types.
fn show(value: &Val) -> String {
    match value {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(v) => format!("{v:#034x}"),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(_)) => "ref.func".into(),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExternRef(Some(_)) => "ref.extern".into(),
    }
}
