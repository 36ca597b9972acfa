//! Which machine code is generated for: the host (with the CPU features it
//! has), the lowest x86_64 level Egret supports, or any other triple
//! Cranelift knows (compile-only, for checking code generation).
//!
//! The minimum x86_64 level is x86-64-v2 (SSE3, SSSE3, SSE4.1, SSE4.2,
//! POPCNT; every x86_64 CPU since about 2009). Below it, Cranelift lowers
//! wasm's float rounding to libm calls and byte shuffles to a
//! `__cranelift_x86_pshufb` helper we would have to supply; requiring v2
//! keeps both out of generated code.

use crate::error::CompileError;
#[cfg(feature = "compiler")]
use cranelift_codegen::isa;
#[cfg(feature = "compiler")]
use cranelift_codegen::settings::Configurable;
use std::str::FromStr;
use target_lexicon::Triple;

/// A code generation target.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Target {
    /// The machine Egret runs on, with all the CPU features it has.
    #[default]
    Host,
    /// x86_64 Linux with only the features Egret requires (x86-64-v2).
    X86_64Baseline,
    /// Any target triple Cranelift supports, with its baseline features.
    Triple(String),
}

/// The x86_64 ISA flags Egret requires.
#[cfg(feature = "compiler")]
const X86_64_REQUIRED: &[&str] = &[
    "has_sse3",
    "has_ssse3",
    "has_sse41",
    "has_sse42",
    "has_popcnt",
];

#[cfg(feature = "compiler")]
fn setting_error(e: impl std::fmt::Display) -> CompileError {
    CompileError::Unsupported(format!("cannot configure the target: {e}"))
}

impl Target {
    /// Parses `host`, `x86_64-baseline`, or a target triple.
    pub fn parse(name: &str) -> Result<Target, CompileError> {
        match name {
            "host" => Ok(Target::Host),
            "x86_64-baseline" => Ok(Target::X86_64Baseline),
            triple => {
                Triple::from_str(triple).map_err(|e| {
                    CompileError::Unsupported(format!("unknown target `{triple}`: {e}"))
                })?;
                Ok(Target::Triple(triple.to_string()))
            }
        }
    }

    /// Whether code for this target runs here.
    pub fn is_host(&self) -> bool {
        matches!(self, Target::Host)
    }

    /// A Cranelift ISA builder for this target.
    #[cfg(feature = "compiler")]
    pub fn isa_builder(&self) -> Result<isa::Builder, CompileError> {
        match self {
            Target::Host => {
                check_host_features()?;
                cranelift_native::builder().map_err(setting_error)
            }
            Target::X86_64Baseline => {
                let mut builder = lookup("x86_64-unknown-linux-gnu")?;
                for flag in X86_64_REQUIRED {
                    builder.enable(flag).map_err(setting_error)?;
                }
                Ok(builder)
            }
            Target::Triple(triple) => lookup(triple),
        }
    }
}

#[cfg(feature = "compiler")]
fn lookup(triple: &str) -> Result<isa::Builder, CompileError> {
    let parsed = Triple::from_str(triple)
        .map_err(|e| CompileError::Unsupported(format!("unknown target `{triple}`: {e}")))?;
    isa::lookup(parsed).map_err(|e| CompileError::Unsupported(format!("target `{triple}`: {e}")))
}

#[cfg(all(feature = "compiler", target_arch = "x86_64"))]
fn check_host_features() -> Result<(), CompileError> {
    let present = [
        std::arch::is_x86_feature_detected!("sse3"),
        std::arch::is_x86_feature_detected!("ssse3"),
        std::arch::is_x86_feature_detected!("sse4.1"),
        std::arch::is_x86_feature_detected!("sse4.2"),
        std::arch::is_x86_feature_detected!("popcnt"),
    ];
    if present.iter().all(|p| *p) {
        Ok(())
    } else {
        Err(CompileError::Unsupported(
            "this CPU lacks x86-64-v2 features (SSSE3, SSE4.1, SSE4.2, POPCNT) that Egret requires"
                .into(),
        ))
    }
}

#[cfg(all(feature = "compiler", not(target_arch = "x86_64")))]
fn check_host_features() -> Result<(), CompileError> {
    Ok(())
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_build() {
        assert_eq!(Target::parse("host").unwrap(), Target::Host);
        assert!(Target::parse("not a triple!").is_err());
        for name in [
            "host",
            "x86_64-baseline",
            "aarch64-unknown-linux-gnu",
            "x86_64-unknown-linux-gnu",
        ] {
            Target::parse(name).unwrap().isa_builder().unwrap();
        }
        assert!(
            Target::parse("riscv64gc-unknown-linux-gnu")
                .unwrap()
                .isa_builder()
                .is_err()
        );
    }
}
