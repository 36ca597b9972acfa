//! Traps as the host sees them: the kind, the wasm backtrace resolved to
//! function indices and names, and the host error behind a failed host call.

use crate::code_registry;
use egret_frontend::traps::TrapKind;
use egret_frontend::types::FuncIndex;
use std::fmt;

/// An error returned by a host function.
pub type HostError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// One wasm frame of a trap's backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// The module's name, if its name section gives one.
    pub module_name: Option<String>,
    /// The function's index in its module.
    pub func_index: FuncIndex,
    /// The function's name, if its name section gives one.
    pub func_name: Option<String>,
}

impl fmt::Display for FrameInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let module = self.module_name.as_deref().unwrap_or("<module>");
        write!(f, "{module}!")?;
        match &self.func_name {
            Some(name) => write!(f, "{name}"),
            None => write!(f, "<wasm function {}>", self.func_index.0),
        }
    }
}

/// A trap: why wasm stopped, and where.
#[derive(Debug)]
pub struct Trap {
    /// Why.
    pub kind: TrapKind,
    /// Wasm frames, innermost first.
    pub backtrace: Vec<FrameInfo>,
    /// The host error when `kind` is `HostFunctionFailed`.
    pub source: Option<HostError>,
}

impl Trap {
    /// Resolves raw frame addresses (the faulting pc first, then return
    /// addresses) to wasm frames; trampolines and unknown addresses are
    /// skipped.
    pub fn new(kind: TrapKind, pcs: &[usize], source: Option<HostError>) -> Trap {
        let backtrace = pcs
            .iter()
            .enumerate()
            .filter_map(|(i, pc)| {
                // A return address points after its call; look up the call.
                let pc = if i == 0 { *pc } else { pc.wrapping_sub(1) };
                let map = code_registry::lookup(pc)?;
                let func_index = map.func_at(pc)?;
                Some(FrameInfo {
                    module_name: map.module_name().map(str::to_string),
                    func_index,
                    func_name: map.func_name(func_index).map(str::to_string),
                })
            })
            .collect();
        Trap {
            kind,
            backtrace,
            source,
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {source}", self.kind)?,
            None => write!(f, "wasm trap: {}", self.kind)?,
        }
        if !self.backtrace.is_empty() {
            write!(f, "\nwasm backtrace:")?;
            for (i, frame) in self.backtrace.iter().enumerate() {
                write!(f, "\n  {i:>3}: {frame}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Trap {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
