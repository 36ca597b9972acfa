//! The comparison report: every figure on every runtime built in (and
//! native code for the kernels), timed with [`timing::per_iteration`], as
//! Markdown tables. Used by the `report` binary.

use crate::kernels::{KERNELS, Kernel};
use crate::modules::{self, HOST_CALLS_PER_LOOP};
use crate::timing::{self, Timing, format_ratio, format_seconds, geomean};
use crate::{CallsInstance, KernelInstance, Runtime};
use std::collections::HashMap;
use std::fmt::Write;
use std::hint::black_box;
use std::rc::Rc;

/// One measured quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Figure {
    /// One `run(n)` of the kernel with this index in [`KERNELS`].
    Execution(usize),
    /// One compile of [`modules::large_module`].
    CompileLarge,
    /// Compiling all the kernels, one after the other.
    CompileKernels,
    /// A new store and an instance of [`modules::instantiate_module`].
    Instantiate,
    /// One host→wasm call of `() -> ()`.
    CallEmpty,
    /// One host→wasm call of `(i32, i32) -> i32`.
    CallAdd,
    /// One wasm→host call (a `host_loop` call divided by its call count).
    HostCall,
}

/// A figure ready to measure: `run(k)` does `k` iterations.
pub struct Fixture {
    /// What it measures.
    pub figure: Figure,
    /// Runs `k` iterations.
    pub run: Box<dyn FnMut(u64)>,
}

/// Everything measured on one runtime (or natively).
pub struct Column {
    /// The runtime's name.
    pub name: &'static str,
    /// Its figures.
    pub fixtures: Vec<Fixture>,
}

/// The inputs shared by all columns.
pub struct Inputs {
    /// The large module of the compile figure.
    pub large: Rc<Vec<u8>>,
    /// The instantiate figure's module.
    pub instantiate: Rc<Vec<u8>>,
}

impl Inputs {
    /// Generates the modules.
    pub fn new() -> Inputs {
        Inputs {
            large: Rc::new(modules::large_module(modules::LARGE_MODULE_FUNCS)),
            instantiate: Rc::new(modules::instantiate_module()),
        }
    }
}

impl Default for Inputs {
    fn default() -> Inputs {
        Inputs::new()
    }
}

/// The native kernels.
pub fn native_column() -> Column {
    let fixtures = KERNELS
        .iter()
        .enumerate()
        .map(|(index, kernel)| Fixture {
            figure: Figure::Execution(index),
            run: Box::new(move |iters| {
                for _ in 0..iters {
                    black_box(kernel.run_native(black_box(kernel.n)));
                }
            }),
        })
        .collect();
    Column {
        name: "native",
        fixtures,
    }
}

/// Every figure on runtime `R`. Runs each kernel once first and panics if
/// its checksum differs from the native build's: a runtime that computes
/// something else is not worth timing.
pub fn column<R: Runtime>(inputs: &Inputs) -> Column {
    let rt = Rc::new(R::new());
    let mut fixtures = Vec::new();
    for (index, kernel) in KERNELS.iter().enumerate() {
        let mut instance = rt.kernel(kernel.wasm);
        check_kernel(R::NAME, kernel, &mut instance);
        fixtures.push(Fixture {
            figure: Figure::Execution(index),
            run: Box::new(move |iters| {
                for _ in 0..iters {
                    black_box(instance.run(black_box(kernel.n)));
                }
            }),
        });
    }
    let (large, rt2) = (inputs.large.clone(), rt.clone());
    fixtures.push(Fixture {
        figure: Figure::CompileLarge,
        run: Box::new(move |iters| {
            for _ in 0..iters {
                black_box(rt2.compile(&large));
            }
        }),
    });
    let rt2 = rt.clone();
    fixtures.push(Fixture {
        figure: Figure::CompileKernels,
        run: Box::new(move |iters| {
            for _ in 0..iters {
                for kernel in KERNELS {
                    black_box(rt2.compile(kernel.wasm));
                }
            }
        }),
    });
    let module = rt.compile(&inputs.instantiate);
    let rt2 = rt.clone();
    fixtures.push(Fixture {
        figure: Figure::Instantiate,
        run: Box::new(move |iters| {
            for _ in 0..iters {
                rt2.instantiate(&module);
            }
        }),
    });
    let mut calls = rt.calls();
    assert_eq!(calls.add(2, 3), 5, "{}: add", R::NAME);
    assert_eq!(calls.host_loop(7), 7, "{}: host_loop", R::NAME);
    let calls = Rc::new(std::cell::RefCell::new(calls));
    let c = calls.clone();
    fixtures.push(Fixture {
        figure: Figure::CallEmpty,
        run: Box::new(move |iters| {
            let mut calls = c.borrow_mut();
            for _ in 0..iters {
                calls.empty();
            }
        }),
    });
    let c = calls.clone();
    fixtures.push(Fixture {
        figure: Figure::CallAdd,
        run: Box::new(move |iters| {
            let mut calls = c.borrow_mut();
            for i in 0..iters {
                black_box(calls.add(black_box(i as i32), 1));
            }
        }),
    });
    fixtures.push(Fixture {
        figure: Figure::HostCall,
        run: Box::new(move |iters| {
            let mut calls = calls.borrow_mut();
            for _ in 0..iters {
                black_box(calls.host_loop(black_box(HOST_CALLS_PER_LOOP as i32)));
            }
        }),
    });
    Column {
        name: R::NAME,
        fixtures,
    }
}

/// Panics unless `instance` computes the native checksum for the kernel's
/// benchmark size.
pub fn check_kernel(runtime: &str, kernel: &Kernel, instance: &mut impl KernelInstance) {
    let expected = kernel.run_native(kernel.n);
    let got = instance.run(kernel.n);
    assert_eq!(
        got, expected,
        "{runtime} computes {got:#010x} for {}({}), native code {expected:#010x}",
        kernel.name, kernel.n
    );
}

/// Every figure, in table order.
pub fn figures() -> Vec<Figure> {
    let mut all: Vec<Figure> = (0..KERNELS.len()).map(Figure::Execution).collect();
    all.extend([
        Figure::CompileLarge,
        Figure::CompileKernels,
        Figure::Instantiate,
        Figure::CallEmpty,
        Figure::CallAdd,
        Figure::HostCall,
    ]);
    all
}

/// Measured seconds per iteration, per (figure, column name).
pub type Results = HashMap<(Figure, &'static str), f64>;

/// Times every figure of every column, one figure at a time across the
/// columns, their samples interleaved ([`timing::per_iteration_each`]), so
/// a change in machine load skews all runtimes alike. `progress` is told
/// each figure's name as it starts.
pub fn measure(columns: &mut [Column], timing: Timing, mut progress: impl FnMut(&str)) -> Results {
    let mut results = Results::new();
    for figure in figures() {
        progress(&figure_name(figure));
        let (names, mut runs): (Vec<&'static str>, Vec<&mut dyn FnMut(u64)>) = columns
            .iter_mut()
            .filter_map(|column| {
                let fixture = column.fixtures.iter_mut().find(|f| f.figure == figure)?;
                Some((column.name, &mut *fixture.run as &mut dyn FnMut(u64)))
            })
            .unzip();
        let times = timing::per_iteration_each(timing, &mut runs);
        for (name, mut time) in names.into_iter().zip(times) {
            if figure == Figure::HostCall {
                time /= f64::from(HOST_CALLS_PER_LOOP);
            }
            results.insert((figure, name), time);
        }
    }
    results
}

fn figure_name(figure: Figure) -> String {
    match figure {
        Figure::Execution(i) => KERNELS[i].name.to_string(),
        Figure::CompileLarge => "compile large module".into(),
        Figure::CompileKernels => "compile kernels".into(),
        Figure::Instantiate => "instantiate".into(),
        Figure::CallEmpty => "call empty".into(),
        Figure::CallAdd => "call add".into(),
        Figure::HostCall => "host call".into(),
    }
}

/// The Markdown tables of `results`. `runtimes` are the wasm columns'
/// names, Egret first.
pub fn markdown(results: &Results, runtimes: &[&'static str], inputs: &Inputs) -> String {
    let mut out = String::new();
    let get = |figure, name| results.get(&(figure, name)).copied();
    let others = &runtimes[1..];
    let mut compared: Vec<&'static str> = others.to_vec();
    compared.push("native");

    // Execution.
    out.push_str("### Execution (one `run(n)`, median)\n\n| kernel | n |");
    for name in runtimes.iter().chain(["native"].iter()) {
        let _ = write!(out, " {name} |");
    }
    for name in &compared {
        let _ = write!(out, " Egret/{name} |");
    }
    out.push_str("\n|---|---:|");
    out.push_str(&"---:|".repeat(runtimes.len() + 1 + compared.len()));
    out.push('\n');
    let mut ratios: HashMap<&str, Vec<f64>> = HashMap::new();
    for (index, kernel) in KERNELS.iter().enumerate() {
        let figure = Figure::Execution(index);
        let _ = write!(out, "| {} | {} |", kernel.name, kernel.n);
        for name in runtimes.iter().chain(["native"].iter()) {
            let cell = get(figure, *name).map_or("–".into(), format_seconds);
            let _ = write!(out, " {cell} |");
        }
        let egret = get(figure, runtimes[0]);
        for name in &compared {
            match (egret, get(figure, name)) {
                (Some(e), Some(o)) => {
                    ratios.entry(name).or_default().push(e / o);
                    let _ = write!(out, " {} |", format_ratio(e, o));
                }
                _ => out.push_str(" – |"),
            }
        }
        out.push('\n');
    }
    let _ = write!(out, "| **geomean** | |");
    out.push_str(&" |".repeat(runtimes.len() + 1));
    for name in &compared {
        let cell = ratios
            .get(name)
            .map_or("–".into(), |r| format!("**{:.2}×**", geomean(r)));
        let _ = write!(out, " {cell} |");
    }
    out.push_str("\n\n");

    // Everything else.
    let code = modules::code_section_size(&inputs.large);
    let kernels_code: usize = KERNELS
        .iter()
        .map(|k| modules::code_section_size(k.wasm))
        .sum();
    out.push_str("### Compilation, instantiation, calls (median)\n\n| figure |");
    for name in runtimes {
        let _ = write!(out, " {name} |");
    }
    for name in others {
        let _ = write!(out, " Egret/{name} |");
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(runtimes.len() + others.len()));
    out.push('\n');
    let rows = [
        (
            Figure::CompileLarge,
            format!(
                "compile large module ({:.2} MB of code, {} functions)",
                code as f64 / 1e6,
                modules::LARGE_MODULE_FUNCS
            ),
        ),
        (
            Figure::CompileKernels,
            format!("compile the {} kernels, one after another", KERNELS.len()),
        ),
        (
            Figure::Instantiate,
            "instantiate (new store + instance, 100 functions)".into(),
        ),
        (Figure::CallEmpty, "host→wasm call `() -> ()`".into()),
        (Figure::CallAdd, "host→wasm call `(i32, i32) -> i32`".into()),
        (Figure::HostCall, "wasm→host call `(i32) -> i32`".into()),
    ];
    for (figure, label) in rows {
        let _ = write!(out, "| {label} |");
        for name in runtimes {
            let cell = get(figure, name).map_or("–".into(), |d| {
                let mut cell = format_seconds(d);
                let bytes = match figure {
                    Figure::CompileLarge => code,
                    Figure::CompileKernels => kernels_code,
                    _ => 0,
                };
                if bytes > 0 {
                    let _ = write!(cell, " ({:.2} MB/s)", bytes as f64 / d / 1e6);
                }
                cell
            });
            let _ = write!(out, " {cell} |");
        }
        for name in others {
            let cell = match (get(figure, runtimes[0]), get(figure, name)) {
                (Some(e), Some(o)) => format_ratio(e, o),
                _ => "–".into(),
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out
}
