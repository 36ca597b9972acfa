//! The generated modules of the compile, instantiate and call figures.
//!
//! Everything here is deterministic: the same call returns the same bytes
//! on every machine, so compile throughput is comparable across runs.

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, ElementSection, Elements, ExportKind,
    ExportSection, Function, FunctionSection, GlobalSection, GlobalType, InstructionSink, MemArg,
    MemArgTarget, MemorySection, MemoryType, Module, TableSection, TableType, TypeSection, ValType,
};

/// The number of functions in [`large_module`]'s default size.
pub const LARGE_MODULE_FUNCS: u32 = 2_500;

/// A deterministic pseudo-random sequence (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `0..n`.
    fn below(&mut self, n: u32) -> u32 {
        ((self.next() >> 32) % u64::from(n)) as u32
    }

    fn i32(&mut self) -> i32 {
        (self.next() >> 32) as i32
    }
}

fn memarg(offset: u64, align: u32) -> MemArg {
    MemArg {
        offset,
        align,
        target: MemArgTarget::Memory(0),
        ordering: None,
    }
}

// Locals of every generated function: params 0 and 1, then i32 locals 2..6,
// i64 locals 6..8 and f64 locals 8..10.
const I32_LOCALS: u32 = 6;
const I64_LOCAL: u32 = 6;
const F64_LOCAL: u32 = 8;

/// The shape of every function in [`large_module`]: `(i32, i32) -> i32`.
const FUNC_TYPE: u32 = 0;

/// A module of `funcs` functions of varied, realistic code (arithmetic on
/// all four number types, loads and stores, loops, `if`s, `br_table`
/// switches, direct and indirect calls, a global), about 750 bytes of code
/// each, for the compile figure. It has a 1-page memory and a table
/// holding every function; nothing is meant to run it.
pub fn large_module(funcs: u32) -> Vec<u8> {
    let mut rng = Rng(0x00e9_7e70_0000_0006);
    let mut types = TypeSection::new();
    types
        .ty()
        .function([ValType::I32, ValType::I32], [ValType::I32]);
    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    for index in 0..funcs {
        functions.function(FUNC_TYPE);
        code.function(&generated_function(&mut rng, index, funcs));
    }
    let mut module = Module::new();
    module.section(&types).section(&functions);
    module.section(&table_section(funcs));
    module.section(&memory_section());
    module.section(&global_section());
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    for index in (0..funcs).step_by(97) {
        exports.export(&format!("f{index}"), ExportKind::Func, index);
    }
    module.section(&exports);
    module.section(&element_section(funcs));
    module.section(&code);
    module.finish()
}

fn table_section(size: u32) -> TableSection {
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: u64::from(size),
        maximum: Some(u64::from(size)),
        shared: false,
    });
    tables
}

fn memory_section() -> MemorySection {
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    memories
}

fn global_section() -> GlobalSection {
    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(0),
    );
    globals
}

fn element_section(funcs: u32) -> ElementSection {
    let mut elements = ElementSection::new();
    let all: Vec<u32> = (0..funcs).collect();
    elements.active(
        None,
        &ConstExpr::i32_const(0),
        Elements::Functions(all.into()),
    );
    elements
}

fn generated_function(rng: &mut Rng, index: u32, funcs: u32) -> Function {
    let mut f = Function::new([
        (I32_LOCALS - 2, ValType::I32),
        (2, ValType::I64),
        (2, ValType::F64),
    ]);
    let snippets = 24 + rng.below(40);
    {
        let mut sink = f.instructions();
        for _ in 0..snippets {
            snippet(&mut sink, rng, index, funcs, 0);
        }
        sink.local_get(2).local_get(3).i32_xor().end();
    }
    f
}

/// Some i32 local.
fn any_i32(rng: &mut Rng) -> u32 {
    rng.below(I32_LOCALS)
}

/// An i32 local to assign (never the parameters, so loops can count on
/// them).
fn dest_i32(rng: &mut Rng) -> u32 {
    2 + rng.below(I32_LOCALS - 3)
}

fn binop(sink: &mut InstructionSink<'_>, which: u32) {
    match which % 9 {
        0 => sink.i32_add(),
        1 => sink.i32_sub(),
        2 => sink.i32_mul(),
        3 => sink.i32_xor(),
        4 => sink.i32_and(),
        5 => sink.i32_or(),
        6 => sink.i32_shl(),
        7 => sink.i32_shr_u(),
        _ => sink.i32_rotl(),
    };
}

/// Emits one stack-neutral piece of code using the function's locals.
/// `depth` bounds the nesting of `if`s and switches.
fn snippet(sink: &mut InstructionSink<'_>, rng: &mut Rng, index: u32, funcs: u32, depth: u32) {
    let kinds = if depth < 2 { 11 } else { 6 };
    match rng.below(kinds) {
        // Arithmetic chain.
        0 | 1 => {
            let (a, b, d) = (any_i32(rng), any_i32(rng), dest_i32(rng));
            sink.local_get(a).local_get(b);
            binop(sink, rng.below(9));
            sink.i32_const(rng.i32());
            binop(sink, rng.below(9));
            sink.local_set(d);
        }
        // Load, combine, store back.
        2 => {
            let (a, b, d) = (any_i32(rng), any_i32(rng), dest_i32(rng));
            let offset = u64::from(rng.below(64) * 4);
            sink.local_get(a)
                .i32_const(0xfff0)
                .i32_and()
                .i32_load(memarg(offset, 2))
                .local_get(b)
                .i32_add()
                .local_set(d);
            sink.local_get(b)
                .i32_const(0xfff0)
                .i32_and()
                .local_get(d)
                .i32_store(memarg(offset, 2));
        }
        // 64-bit arithmetic.
        3 => {
            let (a, d) = (any_i32(rng), dest_i32(rng));
            let l = I64_LOCAL + rng.below(2);
            sink.local_get(a)
                .i64_extend_i32_u()
                .local_get(l)
                .i64_mul()
                .i64_const(i64::from(rng.i32()))
                .i64_add()
                .local_set(l)
                .local_get(l)
                .i64_const(17)
                .i64_shr_u()
                .i32_wrap_i64()
                .local_set(d);
        }
        // Float arithmetic.
        4 => {
            let (a, d) = (any_i32(rng), dest_i32(rng));
            let l = F64_LOCAL + rng.below(2);
            let c = f64::from(rng.below(1000)) / 7.0;
            sink.local_get(a)
                .f64_convert_i32_s()
                .local_get(l)
                .f64_mul()
                .f64_const(c.into())
                .f64_add()
                .f64_sqrt()
                .local_set(l)
                .local_get(l)
                .i32_trunc_sat_f64_s()
                .local_set(d);
        }
        // A global.
        5 => {
            let a = any_i32(rng);
            sink.global_get(0).local_get(a).i32_add().global_set(0);
        }
        // A counted loop.
        6 => {
            let d = dest_i32(rng);
            let counter = I32_LOCALS - 1;
            sink.i32_const(1 + rng.below(16) as i32)
                .local_set(counter)
                .block(BlockType::Empty)
                .loop_(BlockType::Empty)
                .local_get(counter)
                .i32_eqz()
                .br_if(1)
                .local_get(d)
                .local_get(counter)
                .i32_mul()
                .i32_const(rng.i32())
                .i32_xor()
                .local_set(d)
                .local_get(counter)
                .i32_const(1)
                .i32_sub()
                .local_set(counter)
                .br(0)
                .end()
                .end();
        }
        // if/else.
        7 => {
            let a = any_i32(rng);
            sink.local_get(a)
                .i32_const(rng.i32())
                .i32_lt_s()
                .if_(BlockType::Empty);
            snippet(sink, rng, index, funcs, depth + 1);
            sink.else_();
            snippet(sink, rng, index, funcs, depth + 1);
            sink.end();
        }
        // A four-way switch.
        8 => {
            let a = any_i32(rng);
            for _ in 0..5 {
                sink.block(BlockType::Empty);
            }
            sink.local_get(a)
                .i32_const(3)
                .i32_and()
                .br_table([0, 1, 2], 3);
            for arm in 0..4 {
                sink.end();
                snippet(sink, rng, index, funcs, depth + 1);
                sink.br(3 - arm);
            }
            sink.end();
        }
        // A direct call of an earlier function.
        9 if index > 0 => {
            let (a, b, d) = (any_i32(rng), any_i32(rng), dest_i32(rng));
            sink.local_get(a)
                .local_get(b)
                .call(rng.below(index))
                .local_set(d);
        }
        // An indirect call through the table.
        _ => {
            let (a, b, c, d) = (any_i32(rng), any_i32(rng), any_i32(rng), dest_i32(rng));
            sink.local_get(a)
                .local_get(b)
                .local_get(c)
                .i32_const(funcs as i32)
                .i32_rem_u()
                .call_indirect(0, FUNC_TYPE)
                .local_set(d);
        }
    }
}

/// The size of a module's code section (function bodies): what compile
/// throughput is measured against. Walks the section headers (an id byte
/// and a LEB128 size each).
pub fn code_section_size(wasm: &[u8]) -> usize {
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let (size, len) = read_leb(&wasm[at..]);
        at += len;
        if id == 10 {
            return size;
        }
        at += size;
    }
    0
}

fn read_leb(bytes: &[u8]) -> (usize, usize) {
    let mut value = 0usize;
    for (i, byte) in bytes.iter().enumerate() {
        value |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    (value, bytes.len())
}

/// The number of functions in [`instantiate_module`].
pub const INSTANTIATE_FUNCS: u32 = 100;

/// The instantiate figure's module: a 1-page memory with a small data
/// segment, a 100-element table filled by an element segment with all 100
/// functions, a mutable global, and 100 small functions of which 10 are
/// exported (with the memory and the table). No imports, no start
/// function.
pub fn instantiate_module() -> Vec<u8> {
    let mut rng = Rng(0x00e9_7e70_0000_0100);
    let mut types = TypeSection::new();
    types
        .ty()
        .function([ValType::I32, ValType::I32], [ValType::I32]);
    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    for _ in 0..INSTANTIATE_FUNCS {
        functions.function(FUNC_TYPE);
        let mut f = Function::new([]);
        f.instructions()
            .local_get(0)
            .local_get(1)
            .i32_add()
            .i32_const(rng.i32())
            .i32_xor()
            .global_get(0)
            .i32_add()
            .end();
        code.function(&f);
    }
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("table", ExportKind::Table, 0);
    for index in (0..INSTANTIATE_FUNCS).step_by(10) {
        exports.export(&format!("f{index}"), ExportKind::Func, index);
    }
    let mut data = DataSection::new();
    data.active(
        0,
        &ConstExpr::i32_const(1024),
        (0u8..64).collect::<Vec<u8>>(),
    );
    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&table_section(INSTANTIATE_FUNCS))
        .section(&memory_section())
        .section(&global_section())
        .section(&exports)
        .section(&element_section(INSTANTIATE_FUNCS))
        .section(&code)
        .section(&data);
    module.finish()
}

/// The call figures' module. Imports `host.inc: (i32) -> i32` and exports
/// `empty: () -> ()`, `add: (i32, i32) -> i32` and `host_loop: (n) -> i32`,
/// which calls `host.inc` n times threading an accumulator through it
/// (so with `inc(x) = x + 1` it returns n).
pub fn calls_module() -> Vec<u8> {
    wat::parse_str(
        r#"(module
          (import "host" "inc" (func $inc (param i32) (result i32)))
          (func (export "empty"))
          (func (export "add") (param i32 i32) (result i32)
            (i32.add (local.get 0) (local.get 1)))
          (func (export "host_loop") (param $n i32) (result i32)
            (local $acc i32)
            (block $done
              (loop $next
                (br_if $done (i32.eqz (local.get $n)))
                (local.set $acc (call $inc (local.get $acc)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $next)))
            (local.get $acc)))"#,
    )
    .expect("the calls module is valid text")
}

/// How many host calls one `host_loop` call makes in the benchmarks.
pub const HOST_CALLS_PER_LOOP: u32 = 10_000;
