//! Egret's error type: compile errors, link errors, traps and misuse, kept
//! apart so embedders can tell them apart.

use egret_runtime::limits::ResourceError;
use egret_runtime::trap::Trap as RuntimeTrap;
use std::fmt;

pub use egret_frontend::artifact::ArtifactError;
pub use egret_frontend::error::CompileError;
pub use egret_frontend::traps::TrapKind;
pub use egret_runtime::exception::ThrownException;
pub use egret_runtime::trap::FrameInfo;

/// The result type of Egret's API.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong.
///
/// `Debug` prints what `Display` does followed by the chain of causes, as
/// Wasmtime's and `anyhow`'s errors do, so that `fn main() -> Result<()>`
/// shows the message (and a trap's wasm backtrace) rather than a struct.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The module is malformed or invalid, or uses an unsupported feature.
    #[error("failed to compile module: {0}")]
    Compile(#[from] CompileError),
    /// A module's imports could not be satisfied.
    #[error("failed to link module: {0}")]
    Link(String),
    /// Wasm trapped (including a host function failing under wasm).
    #[error(transparent)]
    Trap(#[from] Trap),
    /// A wasm exception was thrown and not caught: it is pending in the
    /// store ([`Store::take_pending_exception`](crate::Store::take_pending_exception)).
    /// A host function returning this error (as
    /// [`Store::throw`](crate::Store::throw) makes) throws the pending
    /// exception into the wasm that called it.
    #[error(transparent)]
    Exception(#[from] ThrownException),
    /// A handle was used with a store it does not belong to.
    #[error("object used with the wrong store")]
    WrongStore,
    /// The API was called with values that do not fit (wrong types or
    /// counts, an immutable global set, an index out of range, ...).
    #[error("{0}")]
    Misuse(String),
    /// A memory or table could not be created or grown (a declared
    /// maximum, an implementation limit, the operating system, or the
    /// store's resource limiter refused), or a store's count cap of
    /// instances, memories or tables was reached.
    #[error("resource limit: {0}")]
    Resource(String),
    /// Bytes given as a precompiled module could not be loaded: not an
    /// artifact, damaged, or made by an engine with other settings.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// A compilation cache could not be set up: its configuration file
    /// could not be read or has an unknown key or a bad value, or its
    /// directory could not be created.
    #[error("compilation cache: {0}")]
    Cache(String),
    /// An error raised by host code.
    #[error(transparent)]
    Host(Box<dyn std::error::Error + Send + Sync + 'static>),
    /// An error with context added by [`Error::context`] or the
    /// [`Context`] trait: the context is the message, the error its
    /// cause.
    #[error("{context}")]
    Context {
        /// What was being done.
        context: String,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// A host error with a message, for host functions to return.
    pub fn msg(message: impl fmt::Display) -> Error {
        Error::Host(message.to_string().into())
    }

    /// A host error wrapping `error` (an `Error` stays itself).
    pub fn new<E: std::error::Error + Send + Sync + 'static>(error: E) -> Error {
        Error::from_host_error(Box::new(error))
    }

    /// This error with `context` in front: `context` becomes the message
    /// and this error its cause, as in Wasmtime and `anyhow`.
    ///
    /// ```
    /// let err = egret::Error::msg("disk full").context("saving the game");
    /// assert_eq!(err.to_string(), "saving the game");
    /// assert_eq!(format!("{err:?}"), "saving the game\n\nCaused by:\n    0: disk full");
    /// ```
    pub fn context<C: fmt::Display + Send + Sync + 'static>(self, context: C) -> Error {
        Error::Context {
            context: context.to_string(),
            source: Box::new(self),
        }
    }

    /// Whether [`Error::downcast_ref`] finds an `E`.
    pub fn is<E: std::error::Error + 'static>(&self) -> bool {
        self.downcast_ref::<E>().is_some()
    }

    /// This error, then each cause in turn (a host error as itself, not
    /// wrapped in `Error::Host`).
    pub fn chain(&self) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
        /// The host error inside an `Error::Host` (which a context's
        /// source holds boxed), else `e`.
        fn unwrapped<'e>(
            e: &'e (dyn std::error::Error + 'static),
        ) -> &'e (dyn std::error::Error + 'static) {
            let error = e
                .downcast_ref::<Error>()
                .or_else(|| e.downcast_ref::<Box<Error>>().map(|b| &**b));
            match error {
                Some(Error::Host(inner)) => unwrapped(inner.as_ref()),
                Some(error) => error,
                None => e,
            }
        }
        std::iter::successors(Some(unwrapped(self)), |e| e.source().map(unwrapped))
    }

    /// The last cause in the chain (this error if it has none).
    pub fn root_cause(&self) -> &(dyn std::error::Error + 'static) {
        self.chain().last().unwrap_or(self)
    }

    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn misuse(message: impl Into<String>) -> Error {
        Error::Misuse(message.into())
    }

    /// The error a host function hands to the runtime: its own error when
    /// it returned `Error::Host`, otherwise the whole `Error`.
    pub(crate) fn into_host_error(self) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        match self {
            Error::Host(inner) => inner,
            // As itself, so the runtime sees a thrown exception, even
            // under added context.
            Error::Exception(thrown) => Box::new(thrown),
            Error::Context { source, .. } if source.is::<ThrownException>() => {
                source.into_host_error()
            }
            other => Box::new(other),
        }
    }

    /// The inverse of `into_host_error`: an `Error` that went through the
    /// runtime as a host error comes back as itself.
    pub(crate) fn from_host_error(
        error: Box<dyn std::error::Error + Send + Sync + 'static>,
    ) -> Error {
        match error.downcast::<Error>() {
            Ok(error) => *error,
            Err(error) => match error.downcast::<ThrownException>() {
                Ok(thrown) => Error::Exception(*thrown),
                Err(error) => Error::Host(error),
            },
        }
    }

    /// The host error of type `E` behind this error: a host error returned
    /// directly, or one a host function raised under wasm (the source of a
    /// `HostFunctionFailed` trap).
    ///
    /// ```
    /// use egret::{Engine, Error, Func, Store};
    /// #[derive(Debug)]
    /// struct Exit(i32);
    /// impl std::fmt::Display for Exit {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         write!(f, "exit {}", self.0)
    ///     }
    /// }
    /// impl std::error::Error for Exit {}
    ///
    /// let engine = Engine::default();
    /// let mut store = Store::new(&engine, ());
    /// let f = Func::wrap(&mut store, || -> egret::Result<()> { Err(Error::Host(Box::new(Exit(3)))) });
    /// let err = f.call(&mut store, &[], &mut []).unwrap_err();
    /// assert_eq!(err.downcast_ref::<Exit>().unwrap().0, 3);
    /// ```
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        let host = match self {
            Error::Host(inner) => inner.as_ref(),
            Error::Trap(trap) => match (trap as &dyn std::error::Error).downcast_ref() {
                Some(trap) => return Some(trap),
                None => trap.host_error()?,
            },
            Error::Exception(thrown) => return (thrown as &dyn std::error::Error).downcast_ref(),
            Error::Context { source, .. } => return source.downcast_ref(),
            _ => return None,
        };
        // A host function that called back into wasm may pass on the
        // `Error` it got; look inside it.
        match host.downcast_ref::<Error>() {
            Some(nested) => nested.downcast_ref(),
            None => host.downcast_ref(),
        }
    }
}

/// The value of `result`, for the methods whose Wasmtime signature has no
/// room for an error (the handle was used with a store it does not belong
/// to): panics naming `method` and the error, as Wasmtime's do. Each such
/// method has a `try_` twin returning the error.
pub(crate) fn or_panic<T>(result: Result<T>, method: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("{method}: {error}"),
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        let mut cause = std::error::Error::source(self);
        if cause.is_some() {
            f.write_str("\n\nCaused by:")?;
        }
        let mut i = 0;
        while let Some(error) = cause {
            write!(f, "\n    {i}: {error}")?;
            i += 1;
            cause = error.source();
        }
        Ok(())
    }
}

/// Adds context to the error of a `Result`, or makes an error of a `None`,
/// as Wasmtime's (and `anyhow`'s) `Context` trait does.
///
/// ```
/// use egret::Context;
/// fn parse(text: &str) -> egret::Result<u32> {
///     let first = text.split(',').next().context("empty input")?;
///     first.parse::<u32>().map_err(egret::Error::new).with_context(|| format!("parsing {first:?}"))
/// }
/// assert_eq!(parse("7,8").unwrap(), 7);
/// assert_eq!(parse("x").unwrap_err().to_string(), "parsing \"x\"");
/// ```
pub trait Context<T, E> {
    /// The error, if any, with `context` in front.
    fn context<C: fmt::Display + Send + Sync + 'static>(self, context: C) -> Result<T>;

    /// The error, if any, with the context `f` makes in front (`f` runs
    /// only on error).
    fn with_context<C, F>(self, f: F) -> Result<T>
    where
        C: fmt::Display + Send + Sync + 'static,
        F: FnOnce() -> C;
}

impl<T, E: Into<Error>> Context<T, E> for std::result::Result<T, E> {
    fn context<C: fmt::Display + Send + Sync + 'static>(self, context: C) -> Result<T> {
        self.map_err(|e| e.into().context(context))
    }

    fn with_context<C, F>(self, f: F) -> Result<T>
    where
        C: fmt::Display + Send + Sync + 'static,
        F: FnOnce() -> C,
    {
        self.map_err(|e| e.into().context(f()))
    }
}

impl<T> Context<T, std::convert::Infallible> for Option<T> {
    fn context<C: fmt::Display + Send + Sync + 'static>(self, context: C) -> Result<T> {
        self.ok_or_else(|| Error::msg(context))
    }

    fn with_context<C, F>(self, f: F) -> Result<T>
    where
        C: fmt::Display + Send + Sync + 'static,
        F: FnOnce() -> C,
    {
        self.ok_or_else(|| Error::msg(f()))
    }
}

/// Returns early with an error made from a message, as Wasmtime's
/// `bail!`: `bail!("bad value {x}")` is `return Err(format_err!(...))`.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return ::core::result::Result::Err($crate::format_err!($($arg)*))
    };
}

/// Returns early with an error unless a condition holds, as Wasmtime's
/// `ensure!`.
///
/// ```
/// fn check(n: i32) -> egret::Result<()> {
///     egret::ensure!(n > 0, "{n} is not positive");
///     Ok(())
/// }
/// assert_eq!(check(-1).unwrap_err().to_string(), "-1 is not positive");
/// assert!(check(1).is_ok());
/// ```
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::bail!($($arg)*);
        }
    };
}

/// An [`Error`] made from a format string, as Wasmtime's `format_err!`.
#[macro_export]
macro_rules! format_err {
    ($($arg:tt)*) => {
        $crate::Error::msg(::std::format!($($arg)*))
    };
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Host(Box::new(e))
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Error {
        Error::Host(e.into())
    }
}

/// Wasm stopped abnormally: why, and the wasm frames it stopped in.
///
/// ```
/// let engine = egret::Engine::default();
/// let module = egret::Module::new(&engine, r#"(module (func (export "f") unreachable))"#).unwrap();
/// let mut store = egret::Store::new(&engine, ());
/// let instance = egret::Instance::new(&mut store, &module, &[]).unwrap();
/// let f = instance.get_typed_func::<(), ()>(&mut store, "f").unwrap();
/// let err = f.call(&mut store, ()).unwrap_err();
/// assert_eq!(err.as_trap().unwrap().kind(), egret::TrapKind::UnreachableCodeReached);
/// ```
#[derive(Debug)]
pub struct Trap(pub(crate) RuntimeTrap);

impl Trap {
    /// Why wasm stopped.
    pub fn kind(&self) -> TrapKind {
        self.0.kind
    }

    /// The wasm frames, innermost first.
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.0.backtrace
    }

    /// The error a host function returned, when `kind()` is
    /// `HostFunctionFailed`.
    pub fn host_error(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.0.source.as_deref()
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Trap {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.0)
    }
}

impl From<ResourceError> for Error {
    fn from(e: ResourceError) -> Error {
        match e {
            ResourceError::Refused(message) => Error::Resource(message),
            ResourceError::Limiter(error) => Error::from_host_error(error),
        }
    }
}

impl From<RuntimeTrap> for Error {
    /// A trap, or the uncaught exception (or the exception a host function
    /// called from the host threw) it stands for.
    fn from(mut t: RuntimeTrap) -> Error {
        if t.source.as_ref().is_some_and(|s| s.is::<ThrownException>())
            && let Some(Ok(thrown)) = t.source.take().map(|s| s.downcast::<ThrownException>())
        {
            return Error::Exception(*thrown);
        }
        Error::Trap(Trap(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_the_message_and_its_causes() {
        #[derive(Debug)]
        struct Inner;
        impl fmt::Display for Inner {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("disk on fire")
            }
        }
        impl std::error::Error for Inner {}
        let link = Error::Link("unknown import: `env::f`".into());
        assert_eq!(
            format!("{link:?}"),
            "failed to link module: unknown import: `env::f`"
        );
        let host = Error::from(anyhow::Error::new(Inner).context("saving the game"));
        assert_eq!(
            format!("{host:?}"),
            "saving the game\n\nCaused by:\n    0: disk on fire"
        );
    }

    #[test]
    fn errors_are_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
        assert!(std::mem::size_of::<Error>() <= 64);
    }

    #[test]
    fn context_chain_downcast_and_macros_work_as_in_wasmtime() {
        fn read(path: &str) -> Result<Vec<u8>> {
            let bytes = std::fs::read(path).with_context(|| format!("reading {path}"))?;
            ensure!(!bytes.is_empty(), "{path} is empty");
            Ok(bytes)
        }
        let err = read("/nonexistent/egret").unwrap_err();
        assert_eq!(err.to_string(), "reading /nonexistent/egret");
        assert!(err.is::<std::io::Error>());
        assert_eq!(err.chain().count(), 2);
        assert!(err.root_cause().downcast_ref::<std::io::Error>().is_some());

        fn fail(n: i32) -> Result<()> {
            if n < 0 {
                bail!("negative: {n}");
            }
            Err(format_err!("n = {}", n))
        }
        assert_eq!(fail(-2).unwrap_err().to_string(), "negative: -2");
        assert_eq!(fail(3).unwrap_err().to_string(), "n = 3");
        let wrapped = Error::new(Error::msg("inner"));
        assert_eq!(wrapped.to_string(), "inner");
        assert!(!wrapped.is::<std::io::Error>());
    }
}
