//! `egret run`: compile a module, link it with WASI (sandboxed to the
//! directories given with `--dir`), and call `_start` or the export named by
//! `--invoke` with command-line arguments, within the fuel, time, memory and
//! stack bounds given (and with `--profile perfmap`, naming its functions
//! for Linux `perf`).

use crate::codegen::{self, Codegen};
use crate::wasm_options::{self, WasmOptions, parse_duration, parse_size};
use anyhow::{Context, anyhow, bail};
use egret::{
    Config, Engine, Linker, Module, ProfilingStrategy, Store, StoreLimits, StoreLimitsBuilder,
    Trap, Val, ValType, WasmBacktrace,
};
use egret_wasi::{WasiCtx, WasiCtxBuilder};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
    /// Stop the program after it executes about N wasm instructions.
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Stop the program after this much wall-clock time, e.g. `2s`,
    /// `500ms`, `1m`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<Duration>,
    /// Most bytes of linear memory the program may have, e.g. `64MiB`.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<usize>,
    /// Most bytes of stack wasm may use, e.g. `1MiB` (default 512KiB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_wasm_stack: Option<usize>,
    /// Accept a precompiled module (from `egret compile -o`) as FILE. Its
    /// machine code runs as it is, so only run precompiled modules you
    /// made yourself or trust.
    #[arg(long)]
    allow_precompiled: bool,
    /// Code generation options: `cache[=y|n]`, `cache-config=FILE` (more
    /// with --help).
    #[arg(short = 'C', value_name = "KEY[=VALUE]", long_help = codegen::HELP)]
    codegen: Vec<String>,
    /// Use the compilation cache: the same as `-C cache=y`.
    #[arg(long)]
    cache: bool,
    /// Tell a profiler about the generated code: `perfmap` lists every
    /// function in `/tmp/perf-PID.map`, so that `perf record` and `perf
    /// report` name wasm functions. (Wasmtime's `jitdump`, `vtune` and
    /// `guest` are not supported.)
    #[arg(long, value_name = "STRATEGY", value_parser = parse_profiler)]
    profile: Option<ProfilingStrategy>,
    /// WebAssembly options: `fuel=N`, `timeout=DURATION`, proposals such
    /// as `simd=n` (more with --help).
    #[arg(short = 'W', value_name = "KEY[=VALUE]", long_help = wasm_options::HELP)]
    wasm: Vec<String>,
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

/// What the program's store holds.
struct RunState {
    wasi: WasiCtx,
    limits: StoreLimits,
}

/// Host stack beyond the wasm stack limit, for the runtime and host calls.
const HOST_STACK: usize = 4 << 20;

/// Runs the command: results on stdout, errors on stderr. The exit code is
/// the program's `proc_exit` code, 1 if wasm trapped (or a host function it
/// called failed, or it hit a limit), 2 on other errors.
pub(crate) fn run(options: &RunOptions) -> ExitCode {
    let wasm = match options.wasm_options() {
        Ok(wasm) => wasm,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    // Wasm runs on a thread whose stack fits the wasm stack limit.
    let stack = wasm
        .max_wasm_stack
        .unwrap_or(512 << 10)
        .saturating_add(HOST_STACK);
    let outcome = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("wasm".into())
            .stack_size(stack)
            .spawn_scoped(scope, || run_module(options, &wasm))
            .map_err(anyhow::Error::from)
            .and_then(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
            })
    });
    match outcome {
        Ok(Outcome::Results(results)) => {
            for result in results {
                println!("{result}");
            }
            ExitCode::SUCCESS
        }
        Ok(Outcome::Exit(code)) => ExitCode::from(code as u8),
        Err(e) => {
            // As Wasmtime's command line: the message (a failed call's wasm
            // backtrace), then its causes (the trap or host error).
            let error = egret::Error::from_anyhow(e);
            eprintln!("error: {error:?}");
            let trap = error.downcast_ref::<Trap>();
            if let Some(hint) = trap.and_then(|t| limit_hint(*t, &wasm)) {
                eprintln!("{hint}");
            }
            // The program ran and failed: it trapped, a host function it
            // called failed, or it hit a limit.
            let failed_running = error.is::<Trap>()
                || error.is::<WasmBacktrace>()
                || matches!(error, egret::Error::Resource(_));
            ExitCode::from(if failed_running { 1 } else { 2 })
        }
    }
}

/// Which command-line limit a trap comes from, if any.
fn limit_hint(trap: Trap, options: &WasmOptions) -> Option<String> {
    match trap {
        Trap::OutOfFuel => Some(format!(
            "the program used up its fuel (fuel={})",
            options.fuel.unwrap_or_default()
        )),
        Trap::Interrupt => options
            .timeout
            .map(|timeout| format!("the program ran longer than timeout={timeout:?}")),
        Trap::StackOverflow => Some(format!(
            "the program used more than {} bytes of wasm stack (max-wasm-stack)",
            options.max_wasm_stack.unwrap_or(512 << 10)
        )),
        _ => None,
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

/// Compiles FILE, or loads it if it is a precompiled module and
/// `--allow-precompiled` was given.
fn load_module(engine: &Engine, options: &RunOptions) -> anyhow::Result<Module> {
    let path = &options.file;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if Engine::detect_precompiled(&bytes).is_none() {
        return Ok(Module::new(engine, bytes)?);
    }
    if !options.allow_precompiled {
        anyhow::bail!(
            "{} is a precompiled module: running one trusts its machine code, \
             so pass --allow-precompiled to run it",
            path.display()
        );
    }
    // SAFETY: the user vouched for the file with --allow-precompiled;
    // bytes that are not an intact artifact of this engine's configuration
    // are refused with an error.
    #[allow(unsafe_code, reason = "--allow-precompiled: the user trusts the file")]
    let module = unsafe { Module::deserialize(engine, &bytes) }?;
    Ok(module)
}

impl RunOptions {
    /// The `-W` options, with those also spelt as flags (`--fuel`, ...)
    /// folded in; a flag wins over `-W`.
    fn wasm_options(&self) -> anyhow::Result<WasmOptions> {
        let mut wasm = WasmOptions::parse(&self.wasm)?;
        wasm.fuel = self.fuel.or(wasm.fuel);
        wasm.timeout = self.timeout.or(wasm.timeout);
        wasm.max_memory_size = self.max_memory.or(wasm.max_memory_size);
        wasm.max_wasm_stack = self.max_wasm_stack.or(wasm.max_wasm_stack);
        Ok(wasm)
    }
}

/// `--profile`'s value: the profilers Egret supports.
fn parse_profiler(value: &str) -> anyhow::Result<ProfilingStrategy> {
    match value {
        "perfmap" => Ok(ProfilingStrategy::PerfMap),
        "jitdump" | "vtune" | "pulley" => {
            bail!("the `{value}` profiler is not supported by Egret; `perfmap` is")
        }
        _ if value.starts_with("guest") => {
            bail!("guest profiling is not supported by Egret; `perfmap` is")
        }
        _ => bail!("unknown profiling strategy `{value}` (Egret supports `perfmap`)"),
    }
}

fn run_module(options: &RunOptions, wasm: &WasmOptions) -> anyhow::Result<Outcome> {
    let codegen = Codegen::parse(&options.codegen, options.cache)?;
    let mut config = Config::new();
    config.cache(codegen.cache()?);
    codegen.configure(&mut config);
    wasm.configure(&mut config);
    if let Some(profile) = options.profile {
        config.profiler(profile);
    }
    let engine = Engine::new(&config)?;
    let module = load_module(&engine, options)?;
    let mut linker = Linker::new(&engine);
    egret_wasi::add_to_linker(&mut linker, |state: &mut RunState| &mut state.wasi)?;
    let mut limits = StoreLimitsBuilder::new();
    if let Some(bytes) = wasm.max_memory_size {
        limits = limits.memory_size(bytes);
    }
    let state = RunState {
        wasi: wasi_context(options)?,
        limits: limits.build(),
    };
    let mut store = Store::new(&engine, state);
    store.limiter(|state| &mut state.limits);
    if let Some(fuel) = wasm.fuel {
        store.set_fuel(fuel)?;
    }
    if wasm.epoch_interruption && wasm.timeout.is_none() {
        // Epoch checks compiled in (for an artifact made with them) but no
        // timeout asked for: nothing interrupts the program.
        store.set_epoch_deadline(u64::MAX);
    }
    if let Some(timeout) = wasm.timeout {
        store.set_epoch_deadline(1);
        let engine = engine.clone();
        // Detached: the process ends when the program does.
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            engine.increment_epoch();
        });
    }
    let instance = linker.instantiate(&mut store, &module)?;

    let name = match options.invoke.as_deref() {
        Some(name) => name,
        None if module.exports().any(|e| e.name() == "_start") => "_start",
        None => return Ok(Outcome::Results(Vec::new())),
    };
    let func = instance.try_get_func(&store, name)?;
    let ty = func.ty(&store);
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
        .zip(args)
        .map(|(ty, arg)| parse_arg(ty, arg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut results = Vec::with_capacity(ty.results().len());
    for result in ty.results() {
        let slot = result
            .default_value()
            .ok_or_else(|| anyhow!("`{name}` returns a {result}, which `--invoke` cannot hold"))?;
        results.push(slot);
    }
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
        Val::V128(v) => format!("{:#034x}", v.as_u128()),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(_)) => "ref.func".into(),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExternRef(Some(_)) => "ref.extern".into(),
        Val::AnyRef(None) => "ref.null any".into(),
        Val::AnyRef(Some(_)) => "anyref".into(),
        Val::ExnRef(None) => "ref.null exn".into(),
        Val::ExnRef(Some(_)) => "exnref".into(),
    }
}
