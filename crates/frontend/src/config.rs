//! What an engine's compiler is asked to do: optimisation level, accepted
//! WebAssembly features and code-shaping tunables. Kept apart from the
//! compiler so a runtime without it can still compare these settings with
//! those a precompiled module was made with.

use crate::tunables::Tunables;
use wasmparser::WasmFeatures;

/// How much Cranelift optimises.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum OptLevel {
    /// No optimisation: fastest compile.
    None,
    /// Optimise for speed (the default).
    #[default]
    Speed,
    /// Optimise for speed and code size.
    SpeedAndSize,
}

/// Which calls the compiler may replace with the callee's body (Wasmtime
/// 48's `Inlining`, the same variants). Egret compiles one core module at
/// a time, so there is nothing inter-module to inline: only the
/// intra-module part of each mode matters, and only direct `call`s of
/// small functions defined in the same module are inlined (see
/// `inlining`). Backtraces omit inlined frames, as Wasmtime's do.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Inlining {
    /// All inlining is enabled wherever possible: in Egret, within every
    /// module.
    Yes,
    /// Inter-module inlining, and intra-module inlining only in modules
    /// that use GC (declare struct or array types).
    InterModuleAndIntraGc,
    /// Inter-module inlining only: in Egret, none.
    InterModule,
    /// Only the runtime's own intrinsics: in Egret, which has none to
    /// inline, none.
    Intrinsics,
    /// No inlining (the default, as in Wasmtime 48).
    #[default]
    No,
}

impl std::str::FromStr for Inlining {
    type Err = String;

    /// The spellings Wasmtime 48 accepts: `y`/`yes`/`true`, `n`/`no`/
    /// `false`, `gc`, `inter-module` and `intrinsics`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "y" | "yes" | "true" => Inlining::Yes,
            "n" | "no" | "false" => Inlining::No,
            // Wasmtime 48 reads `inter-module` as `gc` too.
            "gc" | "inter-module" => Inlining::InterModuleAndIntraGc,
            "intrinsics" => Inlining::Intrinsics,
            _ => {
                return Err(format!(
                    "invalid intra-module inlining option string: `{s}`, \
                     only yes,no,gc,inter-module,intrinsics accepted"
                ));
            }
        })
    }
}

impl std::fmt::Display for Inlining {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Inlining::Yes => "yes",
            Inlining::InterModuleAndIntraGc => "gc",
            Inlining::InterModule => "inter-module",
            Inlining::Intrinsics => "intrinsics",
            Inlining::No => "no",
        })
    }
}

/// Settings for a `Compiler`.
#[derive(Clone, Debug)]
pub struct CompilerConfig {
    /// Cranelift optimisation level.
    pub opt_level: OptLevel,
    /// Compile function bodies on all cores.
    pub parallel: bool,
    /// Run Cranelift's IR verifier on every function (slower; for tests).
    pub verify: bool,
    /// Replace every NaN a float operation produces with the canonical
    /// one (Cranelift's `enable_nan_canonicalization`), for deterministic
    /// results across machines. Off by default.
    pub nan_canonicalization: bool,
    /// WebAssembly features accepted. Default: WebAssembly 2.0 plus, as
    /// Wasmtime 48 enables them by default, the 3.0 features Egret
    /// implements completely (extended constant expressions, tail calls,
    /// typed function references, multi-memory, 64-bit memories and
    /// tables, relaxed SIMD, exception handling, garbage collection) and
    /// wide arithmetic.
    pub features: WasmFeatures,
    /// Code-shaping settings.
    pub tunables: Tunables,
    /// Which calls may be inlined.
    pub inlining: Inlining,
}

impl Default for CompilerConfig {
    fn default() -> Self {
        CompilerConfig {
            opt_level: OptLevel::Speed,
            parallel: true,
            verify: cfg!(debug_assertions),
            nan_canonicalization: false,
            features: WasmFeatures::WASM2
                .union(WasmFeatures::EXTENDED_CONST)
                .union(WasmFeatures::TAIL_CALL)
                .union(WasmFeatures::FUNCTION_REFERENCES)
                .union(WasmFeatures::WIDE_ARITHMETIC)
                .union(WasmFeatures::MULTI_MEMORY)
                .union(WasmFeatures::MEMORY64)
                .union(WasmFeatures::RELAXED_SIMD)
                .union(WasmFeatures::EXCEPTIONS)
                .union(WasmFeatures::GC),
            tunables: Tunables::default(),
            inlining: Inlining::default(),
        }
    }
}

impl CompilerConfig {
    /// Whether compiled code records where references live in its frames
    /// (Cranelift stack maps), which collections need: with the GC
    /// proposal on.
    pub fn has_stack_maps(&self) -> bool {
        self.features.contains(WasmFeatures::GC)
    }

    /// The settings that change generated code apart from Cranelift's,
    /// as `name=value` each, for a precompiled module's fingerprint.
    pub fn code_settings(&self) -> Vec<String> {
        let Tunables {
            memory_reservation,
            consume_fuel,
            epoch_interruption,
            relaxed_simd_deterministic,
        } = &self.tunables;
        vec![
            format!("features={:?}", self.features),
            format!("memory_reservation={memory_reservation}"),
            format!("consume_fuel={consume_fuel}"),
            format!("epoch_interruption={epoch_interruption}"),
            format!("relaxed_simd_deterministic={relaxed_simd_deterministic}"),
            format!("inlining={}", self.inlining),
        ]
    }
}
