//! Trap handling end to end: small functions compiled with Cranelift,
//! loaded as a `CodeImage` by `CodeMemory::load`, registered in the code
//! registry and entered through `invoke_wasm`. They use the frontend's ABI
//! and trap codes, which exist only with the `compiler` feature.
#![cfg(feature = "compiler")]

use egret_frontend::abi::{WASM_CALL_CONV, array_call_signature};
use egret_frontend::code::{CodeKind, CodeMap};
use egret_frontend::cranelift::codegen::ir::immediates::Offset32;
use egret_frontend::cranelift::codegen::ir::{
    AbiParam, ArgumentPurpose, GlobalValueData, InstBuilder, MemFlagsData, Signature, TrapCode,
    Value, types,
};
use egret_frontend::cranelift::codegen::isa::{CallConv, OwnedTargetIsa};
use egret_frontend::cranelift::codegen::{
    Context, control::ControlPlane, settings, settings::Configurable,
};
use egret_frontend::cranelift::frontend::{FunctionBuilder, FunctionBuilderContext};
use egret_frontend::cranelift::native;
use egret_frontend::image::CodeImage;
use egret_frontend::link::CompiledFunction;
use egret_frontend::traps::{Trap, TrapReason};
use egret_frontend::types::FuncIndex;
use egret_frontend::vmoffsets::{VMOffsets, store_ctx};
use egret_runtime::code_memory::CodeMemory;
use egret_runtime::code_registry::{self, CodeRegistration};
use egret_runtime::traphandlers::{MAX_TRAP_FRAMES, TrapRecord, invoke_wasm};
use egret_runtime::vmcontext::VMStoreContext;
use std::cell::{Cell, RefCell};
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// Wasm stack allowed per call; far below the 2 MiB of a test thread.
const MAX_WASM_STACK: usize = 256 * 1024;

/// The test vmctx: generated code only reads the store context pointer.
#[repr(C)]
struct TestVmctx {
    store: *mut VMStoreContext,
}

/// The addresses of the functions that test code calls, filled in once the
/// code is loaded: calls go through this table, so that the code needs no
/// relocations.
static CALLEES: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
/// `CALLEES` index of `unreachable`.
const CALLEE_UNREACHABLE: usize = 0;
/// `CALLEES` index of `recurse`.
const CALLEE_RECURSE: usize = 1;

/// The compiled test functions. Each has the wasm signature
/// `(vmctx, caller_vmctx, a: i64, b: i64) -> i64`.
struct Jit {
    /// `a + b`.
    add: usize,
    /// Traps with `UnreachableCodeReached`.
    unreachable: usize,
    /// Calls `unreachable`.
    calls_unreachable: usize,
    /// Loads an i64 from address `a`.
    load: usize,
    /// `a / b`, unsigned.
    udiv: usize,
    /// `a / b`, signed.
    sdiv: usize,
    /// `if a == 0 { b } else { recurse(a - 1, b) + 1 }`, with a stack limit.
    recurse: usize,
    /// `b / host_reenter(vmctx, a)`, unsigned.
    calls_host: usize,
    /// The array-call trampoline for the signature above.
    trampoline: usize,
    map: Arc<CodeMap>,
    _registration: CodeRegistration,
    _code: CodeMemory,
}

fn jit() -> &'static Jit {
    static JIT: OnceLock<Jit> = OnceLock::new();
    JIT.get_or_init(compile)
}

fn wasm_sig() -> Signature {
    let mut sig = Signature::new(WASM_CALL_CONV);
    sig.params
        .push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
    sig.params.extend([AbiParam::new(types::I64); 3]);
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// Compiles functions one by one, then links them into one code image.
struct Compiler {
    isa: OwnedTargetIsa,
    ctx: Context,
    fctx: FunctionBuilderContext,
    functions: Vec<CompiledFunction>,
}

impl Compiler {
    fn new() -> Compiler {
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").unwrap();
        flags.set("preserve_frame_pointers", "true").unwrap();
        flags.set("unwind_info", "false").unwrap();
        let isa = native::builder()
            .unwrap()
            .finish(settings::Flags::new(flags))
            .unwrap();
        Compiler {
            isa,
            ctx: Context::new(),
            fctx: FunctionBuilderContext::new(),
            functions: Vec::new(),
        }
    }

    /// Compiles a function built by `body(builder, params)`; its index in
    /// the batch.
    fn define(
        &mut self,
        sig: Signature,
        kind: CodeKind,
        body: impl FnOnce(&mut FunctionBuilder, &[Value]),
    ) -> usize {
        self.ctx.clear();
        self.ctx.func.signature = sig;
        let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let params = b.block_params(entry).to_vec();
        body(&mut b, &params);
        b.seal_all_blocks();
        b.finalize(self.isa.frontend_config());

        let compiled = self
            .ctx
            .compile(&*self.isa, &mut ControlPlane::default())
            .unwrap();
        assert!(
            compiled.buffer.relocs().is_empty(),
            "test code calls through CALLEES"
        );
        let function = CompiledFunction::from_context(&self.ctx, kind, None).unwrap();
        self.functions.push(function);
        self.functions.len() - 1
    }

    /// Lays the functions out in one image, as the frontend's linker does
    /// for a module.
    fn finish(&self) -> CodeImage {
        CodeImage::link(&*self.isa, &self.functions).unwrap()
    }

    /// Defines a wasm function `(vmctx, caller, a, b) -> body(a, b)`.
    fn wasm(&mut self, index: u32, body: impl FnOnce(&mut FunctionBuilder, [Value; 4])) -> usize {
        self.define(wasm_sig(), CodeKind::Function(FuncIndex(index)), |b, p| {
            body(b, [p[0], p[1], p[2], p[3]])
        })
    }
}

fn ret(b: &mut FunctionBuilder, v: Value) {
    b.ins().return_(&[v]);
}

/// Calls the function at `CALLEES[callee]` with the wasm signature.
fn call_callee(b: &mut FunctionBuilder, callee: usize, args: &[Value]) -> Value {
    let sig = b.import_signature(wasm_sig());
    let table = b.ins().iconst(types::I64, CALLEES.as_ptr().addr() as i64);
    let offset = i32::try_from(callee * size_of::<usize>()).unwrap();
    let code = b
        .ins()
        .load(types::I64, MemFlagsData::trusted(), table, offset);
    let call = b.ins().call_indirect(sig, code, args);
    b.inst_results(call)[0]
}

fn compile() -> Jit {
    let mut c = Compiler::new();
    let add = c.wasm(0, |b, [_, _, a, x]| {
        let v = b.ins().iadd(a, x);
        ret(b, v);
    });
    let unreachable = c.wasm(1, |b, _| {
        b.ins()
            .trap(TrapReason::Wasm(Trap::UnreachableCodeReached).code());
    });
    let calls_unreachable = c.wasm(2, |b, [vmctx, _, a, x]| {
        let v = call_callee(b, CALLEE_UNREACHABLE, &[vmctx, vmctx, a, x]);
        ret(b, v);
    });
    let load = c.wasm(3, |b, [_, _, a, _]| {
        let heap = MemFlagsData::new().with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS));
        let v = b.ins().load(types::I64, heap, a, 0);
        ret(b, v);
    });
    let udiv = c.wasm(4, |b, [_, _, a, x]| {
        let v = b.ins().udiv(a, x);
        ret(b, v);
    });
    let sdiv = c.wasm(5, |b, [_, _, a, x]| {
        let v = b.ins().sdiv(a, x);
        ret(b, v);
    });
    let recurse = c.wasm(6, |b, [vmctx, _, a, x]| {
        // The stack limit: vmctx -> store context -> stack_limit.
        let trusted = b
            .func
            .dfg
            .mem_flags
            .insert_unchecked(MemFlagsData::trusted());
        let vmctx_gv = b.create_global_value(GlobalValueData::VMContext);
        let store_gv = b.create_global_value(GlobalValueData::Load {
            base: vmctx_gv,
            offset: Offset32::new(VMOffsets::STORE_CTX as i32),
            global_type: types::I64,
            flags: trusted,
        });
        let limit_gv = b.create_global_value(GlobalValueData::Load {
            base: store_gv,
            offset: Offset32::new(store_ctx::STACK_LIMIT as i32),
            global_type: types::I64,
            flags: trusted,
        });
        b.func.stack_limit = Some(limit_gv);

        let (base, step) = (b.create_block(), b.create_block());
        b.ins().brif(a, step, &[], base, &[]);
        b.switch_to_block(base);
        ret(b, x);
        b.switch_to_block(step);
        let next = b.ins().iadd_imm_s(a, -1);
        let r = call_callee(b, CALLEE_RECURSE, &[vmctx, vmctx, next, x]);
        let v = b.ins().iadd_imm_s(r, 1);
        ret(b, v);
    });
    let calls_host = c.wasm(7, |b, [vmctx, _, a, x]| {
        let mut host_sig = Signature::new(CallConv::SystemV);
        host_sig.params.extend([AbiParam::new(types::I64); 2]);
        host_sig.returns.push(AbiParam::new(types::I64));
        let host_sig = b.import_signature(host_sig);
        let host: extern "C" fn(*mut TestVmctx, i64) -> i64 = host_reenter;
        let host = b.ins().iconst(types::I64, host as usize as i64);
        let call = b.ins().call_indirect(host_sig, host, &[vmctx, a]);
        let divisor = b.inst_results(call)[0];
        let v = b.ins().udiv(x, divisor);
        ret(b, v);
    });
    let trampoline = c.define(
        array_call_signature(CallConv::SystemV),
        CodeKind::Trampoline,
        |b, p| {
            let &[callee_vmctx, caller_vmctx, wasm_call, values] = p else {
                unreachable!()
            };
            let sig = b.import_signature(wasm_sig());
            let a = b.ins().load(types::I64, MemFlagsData::trusted(), values, 0);
            let x = b
                .ins()
                .load(types::I64, MemFlagsData::trusted(), values, 16);
            let call = b
                .ins()
                .call_indirect(sig, wasm_call, &[callee_vmctx, caller_vmctx, a, x]);
            let r = b.inst_results(call)[0];
            b.ins().store(MemFlagsData::trusted(), r, values, 0);
            b.ins().return_(&[]);
        },
    );

    let code = CodeMemory::load(&c.finish()).unwrap();
    let addr = |i| code.address(i);
    CALLEES[CALLEE_UNREACHABLE].store(addr(unreachable), Ordering::Relaxed);
    CALLEES[CALLEE_RECURSE].store(addr(recurse), Ordering::Relaxed);
    let map = Arc::clone(code.code_map());
    Jit {
        add: addr(add),
        unreachable: addr(unreachable),
        calls_unreachable: addr(calls_unreachable),
        load: addr(load),
        udiv: addr(udiv),
        sdiv: addr(sdiv),
        recurse: addr(recurse),
        calls_host: addr(calls_host),
        trampoline: addr(trampoline),
        // SAFETY: the map describes the functions just loaded, which keep
        // frame pointers and live as long as the registration (both are
        // in this value, which lives for the rest of the process).
        _registration: unsafe { code_registry::register(Arc::clone(&map)) },
        map,
        _code: code,
    }
}

/// A store context for one test; boxed so its address is stable.
fn new_store() -> Box<VMStoreContext> {
    Box::default()
}

/// Calls `func(a, b)` through the trampoline.
fn call(store: &mut VMStoreContext, func: usize, a: i64, b: i64) -> Result<i64, Box<TrapRecord>> {
    let store: *mut VMStoreContext = store;
    let mut vmctx = TestVmctx { store };
    let vmctx: *mut u8 = (&raw mut vmctx).cast();
    let mut values = [a as u64 as u128, b as u64 as u128];
    // SAFETY: the trampoline and `func` have the test signature, the
    // values array holds both parameters and the result, and the vmctx
    // points to a live store context.
    unsafe {
        invoke_wasm(
            store,
            MAX_WASM_STACK,
            jit().trampoline as *const u8,
            vmctx,
            vmctx,
            func as *const u8,
            values.as_mut_ptr(),
        )
    }?;
    Ok(values[0] as u64 as i64)
}

/// The function containing each frame; `None` for the trampoline.
fn frame_funcs(trap: &TrapRecord) -> Vec<Option<u32>> {
    let map = &jit().map;
    trap.frames
        .iter()
        .map(
            |&pc| match map.range_at(pc).expect("a frame in generated code").kind {
                CodeKind::Function(f) => Some(f.0),
                CodeKind::Trampoline => None,
            },
        )
        .collect()
}

#[test]
fn normal_calls_return_results() {
    let mut store = new_store();
    assert_eq!(call(&mut store, jit().add, 40, 2).unwrap(), 42);
    assert_eq!(call(&mut store, jit().recurse, 1000, 5).unwrap(), 1005);
    assert_eq!(store.stack_limit, 0);
}

#[test]
fn unreachable_is_caught_with_a_backtrace() {
    let mut store = new_store();
    let trap = call(&mut store, jit().unreachable, 0, 0).unwrap_err();
    assert_eq!(trap.kind, TrapReason::Wasm(Trap::UnreachableCodeReached));
    assert_eq!(trap.frames[0], trap.pc);
    assert_eq!(code_registry::trap_at(trap.pc), Some(trap.kind));
    assert_eq!(trap.fault_address, None);
    assert_eq!(frame_funcs(&trap), [Some(1), None]);
    assert!(!trap.truncated);

    let trap = call(&mut store, jit().calls_unreachable, 0, 0).unwrap_err();
    assert_eq!(trap.kind, TrapReason::Wasm(Trap::UnreachableCodeReached));
    assert_eq!(frame_funcs(&trap), [Some(1), Some(2), None]);
    assert!(!trap.truncated);
    assert_eq!(store.stack_limit, 0);
    assert_eq!(call(&mut store, jit().add, 1, 2).unwrap(), 3);
}

#[test]
fn bad_loads_are_out_of_bounds_with_the_fault_address() {
    let mut store = new_store();
    let trap = call(&mut store, jit().load, 0x18, 0).unwrap_err();
    assert_eq!(trap.kind, TrapReason::Wasm(Trap::MemoryOutOfBounds));
    assert_eq!(trap.fault_address, Some(0x18));
    assert_eq!(frame_funcs(&trap), [Some(3), None]);

    let page = region::page::size();
    let guard = region::alloc(page, region::Protection::NONE).unwrap();
    let address = guard.as_ptr::<u8>().addr() + 8;
    let trap = call(&mut store, jit().load, address as i64, 0).unwrap_err();
    assert_eq!(trap.kind, TrapReason::Wasm(Trap::MemoryOutOfBounds));
    assert_eq!(trap.fault_address, Some(address));

    let value = 0x1234_5678_9abc_def0_u64;
    let readable = (&raw const value).addr() as i64;
    assert_eq!(
        call(&mut store, jit().load, readable, 0).unwrap() as u64,
        value
    );
}

#[test]
fn division_traps_have_their_kinds() {
    let mut store = new_store();
    assert_eq!(call(&mut store, jit().udiv, 84, 2).unwrap(), 42);
    let trap = call(&mut store, jit().udiv, 1, 0).unwrap_err();
    assert_eq!(trap.kind, TrapReason::Wasm(Trap::IntegerDivisionByZero));
    assert_eq!(trap.fault_address, None);
    let trap = call(&mut store, jit().sdiv, 1, 0).unwrap_err();
    assert_eq!(trap.kind, TrapReason::Wasm(Trap::IntegerDivisionByZero));
    let trap = call(&mut store, jit().sdiv, i64::MIN, -1).unwrap_err();
    assert_eq!(trap.kind, TrapReason::Wasm(Trap::IntegerOverflow));
    assert_eq!(call(&mut store, jit().sdiv, -84, 2).unwrap(), -42);
}

#[test]
fn infinite_recursion_overflows_the_wasm_stack() {
    let mut store = new_store();
    for _ in 0..3 {
        let trap = call(&mut store, jit().recurse, -1, 0).unwrap_err();
        assert_eq!(trap.kind, TrapReason::Wasm(Trap::StackOverflow));
        assert!(trap.truncated);
        assert_eq!(trap.frames.len(), MAX_TRAP_FRAMES);
        assert!(frame_funcs(&trap).iter().all(|f| *f == Some(6)));
        assert_eq!(store.stack_limit, 0);
        assert_eq!(call(&mut store, jit().recurse, 100, 1).unwrap(), 101);
    }
}

/// What `host_reenter` saw, per call.
#[derive(Debug)]
struct HostCall {
    limit_before: usize,
    limit_after: usize,
    trap: Option<TrapReason>,
}

thread_local! {
    static HOST_CALLS: RefCell<Vec<HostCall>> = const { RefCell::new(Vec::new()) };
    /// Makes `host_reenter` fault outside wasm code instead (child process).
    static HOST_FAULTS: Cell<bool> = const { Cell::new(false) };
}

/// A host function called from wasm: calls back into wasm (which traps),
/// then returns `a`.
extern "C" fn host_reenter(vmctx: *mut TestVmctx, a: i64) -> i64 {
    if HOST_FAULTS.get() {
        fault_outside_wasm();
    }
    // SAFETY: wasm passes the vmctx it was called with, a live TestVmctx.
    let store = unsafe { &mut *(*vmctx).store };
    let limit_before = store.stack_limit;
    let trap = call(store, jit().calls_unreachable, 0, 0)
        .err()
        .map(|t| t.kind);
    let limit_after = store.stack_limit;
    HOST_CALLS.with_borrow_mut(|calls| {
        calls.push(HostCall {
            limit_before,
            limit_after,
            trap,
        })
    });
    a
}

#[test]
fn nested_activations_trap_independently() {
    let mut store = new_store();
    assert_eq!(call(&mut store, jit().calls_host, 5, 100).unwrap(), 20);
    // The host's inner call trapped; then the outer call traps itself.
    let trap = call(&mut store, jit().calls_host, 0, 100).unwrap_err();
    assert_eq!(trap.kind, TrapReason::Wasm(Trap::IntegerDivisionByZero));
    assert_eq!(frame_funcs(&trap), [Some(7), None]);
    assert_eq!(store.stack_limit, 0);
    assert_eq!(store.stack_limit_owner, 0, "no owner without a limit");

    let calls = HOST_CALLS.take();
    assert_eq!(calls.len(), 2);
    for host_call in calls {
        assert_eq!(
            host_call.trap,
            Some(TrapReason::Wasm(Trap::UnreachableCodeReached))
        );
        assert_ne!(host_call.limit_before, 0, "the outer call set a limit");
        assert_eq!(host_call.limit_before, host_call.limit_after);
    }
}

#[test]
fn threads_trap_concurrently() {
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let mut store = new_store();
                for i in 0..200_i64 {
                    assert_eq!(call(&mut store, jit().add, t, i).unwrap(), t + i);
                    let trap = call(&mut store, jit().calls_unreachable, 0, 0).unwrap_err();
                    assert_eq!(frame_funcs(&trap), [Some(1), Some(2), None]);
                    let trap = call(&mut store, jit().load, 8 * i, 0).unwrap_err();
                    assert_eq!(trap.fault_address, Some(8 * i as usize));
                    let trap = call(&mut store, jit().udiv, i, 0).unwrap_err();
                    assert_eq!(trap.kind, TrapReason::Wasm(Trap::IntegerDivisionByZero));
                    if i % 50 == 0 {
                        let trap = call(&mut store, jit().recurse, -1, 0).unwrap_err();
                        assert_eq!(trap.kind, TrapReason::Wasm(Trap::StackOverflow));
                    }
                }
                assert_eq!(store.stack_limit, 0);
                assert_eq!(store.stack_limit_owner, 0);
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

/// Reads an inaccessible page from Rust code (not a trap site).
fn fault_outside_wasm() -> ! {
    let page = region::alloc(region::page::size(), region::Protection::NONE).unwrap();
    // SAFETY: not safe at all: the read faults, and the test expects the
    // process to die of it.
    unsafe { std::ptr::read_volatile(page.as_ptr::<u8>()) };
    unreachable!("the read of an inaccessible page returned");
}

const CHILD_ENV: &str = "EGRET_TRAPS_TEST_CHILD";

/// The signal that reading an inaccessible page raises: SIGBUS on macOS,
/// where only unmapped addresses give SIGSEGV.
const INACCESSIBLE_PAGE_SIGNAL: i32 = if cfg!(target_vendor = "apple") {
    libc::SIGBUS
} else {
    libc::SIGSEGV
};

/// Runs this test binary again, running only `test`, with `CHILD_ENV` set
/// to `mode`.
///
/// Cargo runs a test binary through the runner configured for its target,
/// if any, such as qemu-user for a cross-compiled test, and the child must
/// run under it too: the kernel may not be able to execute the binary
/// itself. A runner given in the environment as
/// `CARGO_TARGET_<TRIPLE>_RUNNER` (a program and its arguments, separated
/// by spaces, as Cargo reads it) is used; one given only in a Cargo
/// configuration file is not visible here.
fn run_self(test: &str, mode: &str) -> std::process::Output {
    let exe = std::env::current_exe().unwrap();
    let runner = std::env::var(runner_variable()).unwrap_or_default();
    let mut runner = runner.split_whitespace();
    let mut command = match runner.next() {
        Some(program) => {
            let mut command = Command::new(program);
            command.args(runner).arg(exe);
            command
        }
        None => Command::new(exe),
    };
    command
        .args(["--exact", test, "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .output()
        .unwrap()
}

/// `CARGO_TARGET_<TRIPLE>_RUNNER` for the target this test was built for,
/// among the targets Egret supports (Linux and macOS).
fn runner_variable() -> String {
    let rest = if cfg!(target_vendor = "apple") {
        "apple-darwin"
    } else if cfg!(target_env = "musl") {
        "unknown-linux-musl"
    } else {
        "unknown-linux-gnu"
    };
    let triple = format!("{}-{rest}", std::env::consts::ARCH);
    format!(
        "CARGO_TARGET_{}_RUNNER",
        triple.to_uppercase().replace('-', "_")
    )
}

/// Faults outside wasm code go to the previous handler (here Rust's own,
/// which restores the default action): the process dies of the signal
/// (SIGSEGV, or SIGBUS on macOS), both with no wasm running and from a host
/// function called by wasm.
#[test]
fn faults_outside_wasm_kill_the_process() {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        let mut store = new_store();
        assert_eq!(call(&mut store, jit().add, 1, 1).unwrap(), 2);
        match mode.as_str() {
            "host" => fault_outside_wasm(),
            "from-wasm" => {
                HOST_FAULTS.set(true);
                let _ = call(&mut store, jit().calls_host, 1, 1);
                unreachable!("the host function returned");
            }
            _ => panic!("unknown mode {mode}"),
        }
    }
    for mode in ["host", "from-wasm"] {
        let output = run_self("faults_outside_wasm_kill_the_process", mode);
        assert_eq!(
            output.status.signal(),
            Some(INACCESSIBLE_PAGE_SIGNAL),
            "{mode}: {output:?}"
        );
    }
}
