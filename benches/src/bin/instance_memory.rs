//! Resident memory per live instance (issue #19): 10,000 instances of the
//! instantiate figure's module (`modules::instantiate_module`: a 1-page
//! memory with a data segment, a 100-element table, a global, 100
//! functions) kept alive, all in one store and each in a store of its own,
//! on Egret and (with `--features compare`) Wasmtime 48, both with their
//! default configuration. Prints a Markdown table with the ratio.
//!
//! ```sh
//! cargo run --release -p egret-benches --features compare --bin instance_memory [-- --count N]
//! ```
//!
//! Every measurement runs in a fresh child process (this binary started
//! again with `--child RUNTIME LAYOUT COUNT`) so that one runtime's heap
//! and mappings never count against another's. The child compiles the
//! module, reads `VmRSS` from `/proc/self/status`, creates the instances,
//! reads it again and prints both; the figure is the difference divided
//! by the count. Instances are created, not run: what a mostly idle
//! instance costs (pages the data segment's copy-on-write image or a run
//! touch come on top).

use std::process::Command;

/// How many instances, unless `--count N` says otherwise.
const DEFAULT_COUNT: usize = 10_000;

/// Where the instances live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// All instances in one store.
    OneStore,
    /// Each instance in a store of its own.
    StorePerInstance,
}

impl Layout {
    const ALL: [Layout; 2] = [Layout::OneStore, Layout::StorePerInstance];

    fn arg(self) -> &'static str {
        match self {
            Layout::OneStore => "one-store",
            Layout::StorePerInstance => "store-per-instance",
        }
    }

    fn parse(arg: &str) -> Layout {
        Layout::ALL
            .into_iter()
            .find(|l| l.arg() == arg)
            .unwrap_or_else(|| usage(&format!("unknown layout `{arg}`")))
    }

    fn label(self, count: usize) -> String {
        match self {
            Layout::OneStore => format!("{count} instances in one store"),
            Layout::StorePerInstance => format!("{count} instances, one store each"),
        }
    }
}

/// The runtimes this build can measure.
fn runtimes() -> &'static [&'static str] {
    if cfg!(feature = "compare") {
        &["Egret", "Wasmtime"]
    } else {
        &["Egret"]
    }
}

/// The process's resident set size in bytes (`VmRSS`).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS in /proc/self/status");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("VmRSS in kB");
    kib * 1024
}

/// Creates `count` instances on Egret and returns the resident memory
/// before and after, with the instances still alive.
fn on_egret(wasm: &[u8], layout: Layout, count: usize) -> (u64, u64) {
    use egret::{Engine, Instance, Module, Store};
    let engine = Engine::default();
    let module = Module::from_binary(&engine, wasm).expect("Egret compiles");
    let before = resident_bytes();
    let mut stores = Vec::new();
    let mut instances = Vec::with_capacity(count);
    match layout {
        Layout::OneStore => {
            let mut store = Store::new(&engine, ());
            for _ in 0..count {
                instances.push(Instance::new(&mut store, &module, &[]).expect("instantiates"));
            }
            stores.push(store);
        }
        Layout::StorePerInstance => {
            for _ in 0..count {
                let mut store = Store::new(&engine, ());
                instances.push(Instance::new(&mut store, &module, &[]).expect("instantiates"));
                stores.push(store);
            }
        }
    }
    let after = resident_bytes();
    std::hint::black_box((&stores, &instances));
    (before, after)
}

/// Creates `count` instances on Wasmtime and returns the resident memory
/// before and after, with the instances still alive.
#[cfg(feature = "compare")]
fn on_wasmtime(wasm: &[u8], layout: Layout, count: usize) -> (u64, u64) {
    use wasmtime::{Config, Engine, Instance, Module, Store, StoreLimits, StoreLimitsBuilder};
    let engine = Engine::new(&Config::new()).expect("Wasmtime supports this host");
    let module = Module::from_binary(&engine, wasm).expect("Wasmtime compiles");
    // A store allows 10,000 instances, memories and tables by default; lift
    // that so one store can hold them all (no other limit changes).
    let limits = || {
        StoreLimitsBuilder::new()
            .instances(count + 1)
            .memories(count + 1)
            .tables(count + 1)
            .build()
    };
    let new_store = || {
        let mut store: Store<StoreLimits> = Store::new(&engine, limits());
        store.limiter(|limits| limits);
        store
    };
    let before = resident_bytes();
    let mut stores = Vec::new();
    let mut instances = Vec::with_capacity(count);
    match layout {
        Layout::OneStore => {
            let mut store = new_store();
            for _ in 0..count {
                instances.push(Instance::new(&mut store, &module, &[]).expect("instantiates"));
            }
            stores.push(store);
        }
        Layout::StorePerInstance => {
            for _ in 0..count {
                let mut store = new_store();
                instances.push(Instance::new(&mut store, &module, &[]).expect("instantiates"));
                stores.push(store);
            }
        }
    }
    let after = resident_bytes();
    std::hint::black_box((&stores, &instances));
    (before, after)
}

fn child(runtime: &str, layout: Layout, count: usize) {
    let wasm = egret_benches::modules::instantiate_module();
    let (before, after) = match runtime {
        "Egret" => on_egret(&wasm, layout, count),
        #[cfg(feature = "compare")]
        "Wasmtime" => on_wasmtime(&wasm, layout, count),
        other => usage(&format!("runtime `{other}` is not built in")),
    };
    println!("{before} {after}");
}

/// Runs one measurement in a child process: the resident bytes it added.
fn measure(runtime: &str, layout: Layout, count: usize) -> u64 {
    let exe = std::env::current_exe().expect("own executable");
    let output = Command::new(exe)
        .args(["--child", runtime, layout.arg(), &count.to_string()])
        .output()
        .expect("runs the child");
    assert!(
        output.status.success(),
        "{runtime} {}: {}",
        layout.arg(),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let numbers: Vec<u64> = text
        .split_whitespace()
        .map(|n| n.parse().expect("a number"))
        .collect();
    numbers[1].saturating_sub(numbers[0])
}

fn usage(problem: &str) -> ! {
    eprintln!("instance_memory: {problem}\nusage: instance_memory [--count N]");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let [_, runtime, layout, count] = &args[..] else {
            usage("--child RUNTIME LAYOUT COUNT");
        };
        let count = count.parse().unwrap_or_else(|_| usage("COUNT is a number"));
        child(runtime, Layout::parse(layout), count);
        return;
    }
    let count = match &args[..] {
        [] => DEFAULT_COUNT,
        [flag, n] if flag == "--count" => n.parse().unwrap_or_else(|_| usage("N is a number")),
        _ => usage("unknown arguments"),
    };
    let names = runtimes();
    print!("| live instances |");
    for name in names {
        print!(" {name} RSS added | {name} per instance |");
    }
    for name in &names[1..] {
        print!(" {}/{name} |", names[0]);
    }
    println!();
    println!("|---|{}", "---:|".repeat(3 * names.len() - 1));
    for layout in Layout::ALL {
        let bytes: Vec<u64> = names
            .iter()
            .map(|name| measure(name, layout, count))
            .collect();
        print!("| {} |", layout.label(count));
        for b in &bytes {
            print!(
                " {:.1} MiB | {:.1} KiB |",
                *b as f64 / (1024.0 * 1024.0),
                *b as f64 / 1024.0 / count as f64
            );
        }
        for b in &bytes[1..] {
            print!(" {:.2}× |", bytes[0] as f64 / (*b).max(1) as f64);
        }
        println!();
    }
}
