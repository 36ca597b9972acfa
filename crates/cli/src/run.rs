//! `egret run`: compile a module, instantiate it without imports, and call
//! `_start` or the export named by `--invoke` with command-line arguments.

use anyhow::{anyhow, bail};
use egret::{Engine, ExternType, Instance, Module, Store, Val, ValType};
use std::path::Path;
use std::process::ExitCode;

/// Runs the command, printing results to stdout and errors to stderr.
pub(crate) fn run(file: &Path, invoke: Option<&str>, args: &[String]) -> ExitCode {
    match run_module(file, invoke, args) {
        Ok(results) => {
            for result in results {
                println!("{result}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            let trapped = e
                .downcast_ref::<egret::Error>()
                .is_some_and(|e| e.as_trap().is_some());
            ExitCode::from(if trapped { 1 } else { 2 })
        }
    }
}

/// The results of the call, rendered one per line.
fn run_module(file: &Path, invoke: Option<&str>, args: &[String]) -> anyhow::Result<Vec<String>> {
    let engine = Engine::default();
    let module = Module::from_file(&engine, file)?;
    if let Some(import) = module.imports().next() {
        let kind = match import.ty() {
            ExternType::Func(_) => "function",
            ExternType::Global(_) => "global",
            ExternType::Table(_) => "table",
            ExternType::Memory(_) => "memory",
        };
        bail!(
            "{}: cannot satisfy the import `{}::{}` (a {kind}): `egret run` provides no imports yet",
            file.display(),
            import.module(),
            import.name()
        );
    }
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let name = match invoke {
        Some(name) => name,
        None if !args.is_empty() => {
            bail!("arguments need `--invoke NAME` (program arguments need WASI)")
        }
        None if module.exports().any(|e| e.name() == "_start") => "_start",
        None => return Ok(Vec::new()),
    };
    let func = instance.get_func(&store, name)?;
    let ty = func.ty(&store)?;
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
    func.call(&mut store, &params, &mut results)?;
    Ok(results.iter().map(show).collect())
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
