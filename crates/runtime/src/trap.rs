//! Failed calls into wasm as the host sees them: the cause (a trap, the
//! error of host code wasm called, or an uncaught exception) and the wasm
//! backtrace resolved to function indices and names.

use crate::code_registry;
use crate::exception::ThrownException;
use egret_frontend::address_map::WasmPosition;
use egret_frontend::traps::Trap;
use egret_frontend::types::FuncIndex;

/// An error returned by a host function.
pub type HostError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// One wasm frame of a backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    module_name: Option<String>,
    func_index: FuncIndex,
    func_name: Option<String>,
    position: Option<WasmPosition>,
}

impl FrameInfo {
    /// The wasm frame whose code `pc` lies in, if it lies in wasm code
    /// (not a trampoline's).
    pub(crate) fn at(pc: usize) -> Option<FrameInfo> {
        let map = code_registry::lookup(pc)?;
        let func_index = map.func_at(pc)?;
        Some(FrameInfo {
            module_name: map.module_name().map(str::to_string),
            func_index,
            func_name: map.func_name(func_index).map(str::to_string),
            position: map.wasm_position(pc),
        })
    }

    /// The module's name, if its name section gives one.
    pub fn module_name(&self) -> Option<&str> {
        self.module_name.as_deref()
    }

    /// The function's index in its module's function index space.
    pub fn func_index(&self) -> u32 {
        self.func_index.0
    }

    /// The function's name, if its module's name section gives one.
    pub fn func_name(&self) -> Option<&str> {
        self.func_name.as_deref()
    }

    /// Offset in the module's bytes of the instruction this frame is at
    /// (the trapping one, or the call), if the code there came from one.
    pub fn module_offset(&self) -> Option<usize> {
        self.position.map(|p| p.module_offset as usize)
    }

    /// The same instruction's offset from the start of its function's
    /// body.
    pub fn func_offset(&self) -> Option<usize> {
        self.position.map(|p| p.func_offset as usize)
    }
}

/// Why a call into wasm failed.
#[derive(Debug)]
pub enum FailureCause {
    /// Wasm trapped.
    Trap(Trap),
    /// Host code failed with this error: the host function called, or
    /// host code wasm called (a host function, a resource limiter, an
    /// epoch callback, the store allocating an exception).
    Host(HostError),
    /// An exception thrown by wasm reached the host uncaught; it is
    /// pending in the store.
    UncaughtException(ThrownException),
}

/// A failed call into wasm: why, and the wasm frames it failed in.
#[derive(Debug)]
pub struct Failure {
    /// Why.
    pub cause: FailureCause,
    /// Wasm frames, innermost first.
    pub backtrace: Vec<FrameInfo>,
}

impl Failure {
    /// A failure whose frames are `pcs`, raw addresses (the faulting pc
    /// first, then return addresses) resolved to wasm frames; trampolines
    /// and unknown addresses are skipped.
    pub fn new(cause: FailureCause, pcs: &[usize]) -> Failure {
        let backtrace = pcs
            .iter()
            .enumerate()
            .filter_map(|(i, pc)| {
                // A return address points after its call; look up the call.
                let pc = if i == 0 { *pc } else { pc.wrapping_sub(1) };
                FrameInfo::at(pc)
            })
            .collect();
        Failure { cause, backtrace }
    }
}
