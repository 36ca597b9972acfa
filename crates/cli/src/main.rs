//! The `egret` command: run WebAssembly modules and spec scripts.

// The one exception: loading a precompiled module the user vouched for
// (`run::load_module`, `--allow-precompiled`).
#![deny(unsafe_code)]

mod codegen;
mod run;
mod wasm_options;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Egret, a WebAssembly runtime.
#[derive(Parser)]
#[command(name = "egret", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a WASI program (its `_start` export), or call the export given
    /// with `--invoke` and print its results.
    ///
    /// The program gets WASI preview1, sandboxed to the directories given
    /// with `--dir`. Exits with the program's exit code, 1 if wasm traps
    /// (the trap and its wasm backtrace go to stderr), 2 on any other
    /// error.
    Run(run::RunOptions),
    /// Compile a module ahead of time: write it as a precompiled module
    /// (`-o FILE.cwasm`, which `egret run --allow-precompiled` runs), or
    /// report the machine code size of each function and trampoline
    /// (`--report`, the default without `-o`).
    Compile {
        /// The target: `host`, `x86_64-baseline` (x86-64-v2), or a triple
        /// such as `aarch64-unknown-linux-gnu`.
        #[arg(long, default_value = "host")]
        target: String,
        /// Where to write the precompiled module.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Print the size report (also when writing with `-o`).
        #[arg(long)]
        report: bool,
        /// WebAssembly options that shape the code: `fuel=N`,
        /// `epoch-interruption`, proposals (more with --help). Give the
        /// same to `egret run` when running the output.
        #[arg(short = 'W', value_name = "KEY[=VALUE]", long_help = wasm_options::HELP)]
        wasm: Vec<String>,
        /// The module: a `.wasm` binary or `.wat` text file.
        file: PathBuf,
    },
    /// Run WebAssembly spec scripts (`.wast`): one line per file, then the
    /// total. Exits with 1 if any check failed.
    Wast {
        /// WebAssembly options (`-W memory64`, `-W simd=n`, ...; more with
        /// --help): the engine runs the scripts with Egret's defaults plus
        /// these.
        #[arg(short = 'W', value_name = "KEY[=VALUE]", long_help = wasm_options::HELP)]
        wasm: Vec<String>,
        /// The scripts.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run(options) => run::run(&options),
        Command::Wast { wasm, files } => wast(&wasm, &files),
        Command::Compile {
            target,
            output,
            report,
            wasm,
            file,
        } => match compile(&target, output.as_deref(), report, &wasm, &file) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}

/// Runs each script with the `-W` options `wasm`, printing its report,
/// then the assertion totals.
fn wast(wasm: &[String], files: &[PathBuf]) -> ExitCode {
    let runner = wasm_options::WasmOptions::parse(wasm).and_then(|options| {
        options.refuse_run_options("wast")?;
        let mut config = egret::Config::new();
        options.configure(&mut config);
        Ok(egret_wast::WastRunner::with_config(config)?)
    });
    let runner = match runner {
        Ok(runner) => runner,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        match runner.run_file(file) {
            Ok(report) => {
                println!("{report}");
                passed += report.passed;
                failed += report.failed.len();
            }
            Err(e) => {
                println!("FAIL {}: {e:#}", file.display());
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Compiles `file` for `target`, with the `-W` options `wasm`: writes the
/// precompiled module to `output` if given, and prints the code size of
/// every function if `report` is set or nothing is written.
fn compile(
    target: &str,
    output: Option<&std::path::Path>,
    report: bool,
    wasm: &[String],
    file: &std::path::Path,
) -> anyhow::Result<()> {
    let mut config = egret::Config::new();
    config.target(target)?;
    wasm_options::WasmOptions::parse(wasm)?.configure(&mut config);
    let engine = egret::Engine::new(&config)?;
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    if let Some(output) = output {
        let artifact = engine.precompile_module(&bytes)?;
        std::fs::write(output, artifact)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", output.display()))?;
        if !report {
            return Ok(());
        }
    }
    let report = engine.compile_report(bytes)?;
    println!("{:>10}  {:>5}  function", "bytes", "traps");
    for f in &report {
        let what = match (f.kind, &f.name) {
            (egret::CodeKind::Function(index), Some(name)) => format!("{} {name}", index.0),
            (egret::CodeKind::Function(index), None) => format!("{}", index.0),
            (egret::CodeKind::Trampoline, _) => "(trampoline)".to_string(),
        };
        println!("{:>10}  {:>5}  {what}", f.code_size, f.trap_sites);
    }
    let total: usize = report.iter().map(|f| f.code_size).sum();
    println!("{total:>10}  total for {target}");
    Ok(())
}
