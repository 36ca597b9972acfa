//! Egret's error type: compile errors, link errors, traps and misuse, kept
//! apart so embedders can tell them apart; and, as in Wasmtime, the
//! [`Trap`] and [`WasmBacktrace`] a failed call into wasm carries, found
//! with [`Error::downcast_ref`].

use crate::GcHeapOutOfMemory;
use egret_runtime::gc_heap::HeapExhausted;
use egret_runtime::limits::ResourceError;
use egret_runtime::trap::{Failure, FailureCause};
use std::fmt;

pub use egret_frontend::artifact::ArtifactError;
pub use egret_frontend::error::CompileError;
pub use egret_frontend::traps::Trap;
pub use egret_runtime::exception::ThrownException;
pub use egret_runtime::trap::FrameInfo;

/// The macros, also here as in Wasmtime's `error` module.
pub use crate::{bail, ensure, format_err};

/// The result type of Egret's API.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong.
///
/// As Wasmtime's error, it is not itself a [`std::error::Error`] (it
/// dereferences to one): that leaves room for `?` to turn any standard
/// error into it, and for `?` to turn it into an `anyhow::Error`.
///
/// `Debug` prints what `Display` does followed by the chain of causes, as
/// Wasmtime's and `anyhow`'s errors do, so that `fn main() -> Result<()>`
/// shows the message (and a trap's wasm backtrace) rather than a struct;
/// `{:#}` prints the chain on one line.
///
/// As in Wasmtime, an error raised while wasm ran (a trap, or the error of
/// a host function wasm called) comes with the wasm frames it was raised
/// in as context ([`Error::WasmBacktrace`]): its message is the backtrace,
/// its cause the trap or host error. Find either with
/// [`downcast_ref`](Error::downcast_ref):
///
/// ```
/// use egret::{Engine, Instance, Module, Store, Trap, WasmBacktrace};
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"(module $m (func (export "f") unreachable))"#).unwrap();
/// let mut store = Store::new(&engine, ());
/// let instance = Instance::new(&mut store, &module, &[]).unwrap();
/// let f = instance.get_typed_func::<(), ()>(&mut store, "f").unwrap();
/// let err = f.call(&mut store, ()).unwrap_err();
/// assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached));
/// assert!(err.root_cause().is::<Trap>());
/// let frames = err.downcast_ref::<WasmBacktrace>().unwrap().frames();
/// assert_eq!(frames[0].module_name(), Some("m"));
/// assert_eq!(
///     format!("{err:?}"),
///     "error while executing at wasm backtrace:\n    0:     0x1e - m!<wasm function 0>\n\n\
///      Caused by:\n    wasm trap: wasm `unreachable` instruction executed\n"
/// );
/// ```
#[non_exhaustive]
pub enum Error {
    /// The module is malformed or invalid, or uses an unsupported feature.
    Compile(CompileError),
    /// A module's imports could not be satisfied.
    Link(String),
    /// Wasm trapped. A call into wasm returns it under its
    /// [`Error::WasmBacktrace`] when wasm frames were on the stack.
    Trap(Trap),
    /// An error raised while wasm ran (a trap, or the error of a host
    /// function wasm called), with the wasm frames it was raised in as
    /// context: the backtrace is the message, the error its cause.
    WasmBacktrace {
        /// The wasm frames, innermost first.
        backtrace: WasmBacktrace,
        /// What went wrong.
        source: Box<Error>,
    },
    /// A wasm exception was thrown and not caught: it is pending in the
    /// store ([`Store::take_pending_exception`](crate::Store::take_pending_exception)).
    /// A host function returning this error (as
    /// [`Store::throw`](crate::Store::throw) makes) throws the pending
    /// exception into the wasm that called it.
    Exception(ThrownException),
    /// A handle was used with a store it does not belong to.
    WrongStore,
    /// The API was called with values that do not fit (wrong types or
    /// counts, an immutable global set, an index out of range, ...).
    Misuse(String),
    /// A memory or table could not be created or grown (a declared
    /// maximum, an implementation limit, the operating system, or the
    /// store's resource limiter refused), or a store's count cap of
    /// instances, memories or tables was reached.
    Resource(String),
    /// Bytes given as a precompiled module could not be loaded: not an
    /// artifact, damaged, or made by an engine with other settings.
    Artifact(ArtifactError),
    /// A compilation cache could not be set up: its configuration file
    /// could not be read or has an unknown key or a bad value, or its
    /// directory could not be created.
    Cache(String),
    /// An error raised by host code. Not a trap, also when a host function
    /// that wasm called returned it: the call into wasm then returns it
    /// under its [`Error::WasmBacktrace`].
    Host(Box<dyn std::error::Error + Send + Sync + 'static>),
    /// An error with context added by [`Error::context`] or the
    /// [`Context`] trait: the context is the message, the error its
    /// cause.
    Context {
        /// What was being done.
        context: String,
        /// What went wrong.
        source: Box<Error>,
    },
}

/// An [`Error`] seen as a [`std::error::Error`]: what [`Error::chain`]
/// yields for Egret's own links, what `Deref` gives, and what carries an
/// `Error` through the runtime (which holds host errors as boxed standard
/// errors).
#[repr(transparent)]
struct StdError(Error);

impl StdError {
    /// `error` seen as a standard error.
    fn of(error: &Error) -> &StdError {
        // SAFETY: `StdError` is `#[repr(transparent)]` over `Error`, so both
        // have the same layout and validity, and the reference keeps
        // `error`'s lifetime.
        unsafe { &*(error as *const Error).cast::<StdError>() }
    }
}

impl fmt::Display for StdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_message(f)
    }
}

impl fmt::Debug for StdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::error::Error for StdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.first_cause()
    }
}

/// An `anyhow::Error` held as a host error (see [`Error::from_anyhow`]).
struct AnyhowError(anyhow::Error);

impl fmt::Display for AnyhowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for AnyhowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::error::Error for AnyhowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Error {
    /// A host error with a message, for host functions to return.
    pub fn msg(message: impl fmt::Display) -> Error {
        Error::Host(message.to_string().into())
    }

    /// A host error wrapping `error`.
    pub fn new<E: std::error::Error + Send + Sync + 'static>(error: E) -> Error {
        Error::from_host_error(Box::new(error))
    }

    /// A host error wrapping a boxed standard error, as Wasmtime's
    /// `Error::from_boxed`.
    pub fn from_boxed(error: Box<dyn std::error::Error + Send + Sync + 'static>) -> Error {
        Error::from_host_error(error)
    }

    /// An `anyhow::Error` as an `Error`, as Wasmtime's `Error::from_anyhow`
    /// (a blanket `From` would overlap the one for standard errors): its
    /// message and chain of causes stay, and [`Error::downcast_ref`] finds
    /// its errors.
    ///
    /// ```
    /// let err = egret::Error::from_anyhow(anyhow::anyhow!("disk full").context("saving"));
    /// assert_eq!(format!("{err:#}"), "saving: disk full");
    /// ```
    pub fn from_anyhow(error: anyhow::Error) -> Error {
        // An `Error` that became this `anyhow::Error` (with no context
        // added there) comes back as itself.
        let top_is_error = error.chain().next().is_some_and(|top| top.is::<StdError>());
        let recovered = if top_is_error {
            error.downcast::<StdError>()
        } else {
            Err(error)
        };
        match recovered {
            Ok(view) => view.0,
            Err(error) => Error::Host(Box::new(AnyhowError(error))),
        }
    }

    /// This error with `context` in front: `context` becomes the message
    /// and this error its cause, as in Wasmtime and `anyhow`.
    ///
    /// ```
    /// let err = egret::Error::msg("disk full").context("saving the game");
    /// assert_eq!(err.to_string(), "saving the game");
    /// assert_eq!(format!("{err:?}"), "saving the game\n\nCaused by:\n    disk full\n");
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

    /// The message of this error alone, without its causes.
    fn fmt_message(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Compile(e) => write!(f, "failed to compile module: {e}"),
            Error::Link(message) | Error::Misuse(message) => f.write_str(message),
            Error::Trap(trap) => write!(f, "{trap}"),
            Error::WasmBacktrace { backtrace, .. } => write!(f, "{backtrace}"),
            Error::Exception(thrown) => write!(f, "{thrown}"),
            Error::WrongStore => f.write_str("object used with the wrong store"),
            Error::Resource(message) => write!(f, "resource limit: {message}"),
            Error::Artifact(e) => write!(f, "{e}"),
            Error::Cache(message) => write!(f, "compilation cache: {message}"),
            Error::Host(e) => write!(f, "{e}"),
            Error::Context { context, .. } => f.write_str(context),
        }
    }

    /// This error as the standard error it holds: a trap or a host error
    /// as itself (so that a standard error's chain shows it, as
    /// [`Error::chain`] does), anything else whole.
    fn as_std_error(&self) -> &(dyn std::error::Error + 'static) {
        match self {
            Error::Trap(trap) => trap,
            Error::Host(inner) => inner.as_ref(),
            other => StdError::of(other),
        }
    }

    /// The cause of this error, if it has one.
    fn first_cause(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::WasmBacktrace { source, .. } | Error::Context { source, .. } => {
                Some(source.as_std_error())
            }
            Error::Host(e) => e.source(),
            Error::Compile(e) => std::error::Error::source(e),
            Error::Artifact(e) => std::error::Error::source(e),
            _ => None,
        }
    }

    /// This error, then each cause in turn (a host error or a trap as
    /// itself, not wrapped in `Error::Host` or `Error::Trap`).
    pub fn chain(&self) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
        std::iter::successors(Some(self.as_std_error()), |e| e.source())
    }

    /// The last cause in the chain (this error if it has none).
    pub fn root_cause(&self) -> &(dyn std::error::Error + 'static) {
        let this: &(dyn std::error::Error + 'static) = StdError::of(self);
        self.chain().last().unwrap_or(this)
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
            other => Box::new(StdError(other)),
        }
    }

    /// A boxed standard error (from a host function, the runtime or `?`)
    /// as an `Error`: the inverse of `into_host_error` (an `Error` that
    /// went through the runtime comes back as itself), and Egret's own
    /// errors as their variants.
    pub(crate) fn from_host_error(
        error: Box<dyn std::error::Error + Send + Sync + 'static>,
    ) -> Error {
        /// `error` as an `Error` made by `make` if it is an `E`, else
        /// itself back.
        fn as_variant<E: std::error::Error + 'static>(
            error: Result<Error, Box<dyn std::error::Error + Send + Sync + 'static>>,
            make: impl FnOnce(E) -> Error,
        ) -> Result<Error, Box<dyn std::error::Error + Send + Sync + 'static>> {
            error.or_else(|error| error.downcast::<E>().map(|e| make(*e)))
        }
        let error = as_variant(Err(error), |view: StdError| view.0);
        let error = as_variant(error, Error::Exception);
        let error = as_variant(error, Error::Trap);
        let error = as_variant(error, Error::Compile);
        let error = as_variant(error, Error::Artifact);
        let error = as_variant(error, |e: ResourceError| match e {
            ResourceError::Refused(message) => Error::Resource(message),
            ResourceError::Limiter(error) => Error::from_host_error(error),
        });
        // The runtime's "GC heap exhausted" is Wasmtime's
        // `GcHeapOutOfMemory<()>`.
        let error = as_variant(error, |full: HeapExhausted| {
            Error::Host(Box::new(GcHeapOutOfMemory::new((), full.bytes_needed)))
        });
        error.unwrap_or_else(Error::Host)
    }

    /// The error of type `E` in this error or behind it: a [`Trap`], a
    /// [`WasmBacktrace`], a [`ThrownException`], or a host error (returned
    /// directly, or raised by a host function under wasm), looking through
    /// added context.
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
    /// let f = Func::wrap(&mut store, || -> egret::Result<()> { Err(Error::new(Exit(3))) });
    /// let err = f.call(&mut store, &[], &mut []).unwrap_err();
    /// assert_eq!(err.downcast_ref::<Exit>().unwrap().0, 3);
    /// ```
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        let host = match self {
            Error::Host(inner) => inner.as_ref(),
            Error::Trap(trap) => return (trap as &dyn std::error::Error).downcast_ref(),
            Error::WasmBacktrace { backtrace, source } => {
                return (backtrace as &dyn std::error::Error)
                    .downcast_ref()
                    .or_else(|| source.downcast_ref());
            }
            Error::Exception(thrown) => return (thrown as &dyn std::error::Error).downcast_ref(),
            Error::Context { source, .. } => return source.downcast_ref(),
            _ => return None,
        };
        // A host function that called back into wasm may pass on the
        // `Error` it got; an `anyhow::Error` has its own downcasting.
        if let Some(nested) = host.downcast_ref::<StdError>() {
            return nested.0.downcast_ref();
        }
        if let Some(AnyhowError(error)) = host.downcast_ref::<AnyhowError>() {
            return error.chain().find_map(|cause| cause.downcast_ref());
        }
        host.downcast_ref()
    }

    /// The error of type `E` in this error or behind it (as
    /// [`Error::downcast_ref`] finds it), taken out; this error back if
    /// there is none, as Wasmtime's `Error::downcast`. An `E` held inside
    /// an `anyhow::Error` ([`Error::from_anyhow`]) is found by
    /// `downcast_ref` but not taken out: this error comes back.
    ///
    /// ```
    /// use egret::{Error, Trap};
    /// let err = Error::from(Trap::StackOverflow).context("running");
    /// assert_eq!(err.downcast::<Trap>().unwrap(), Trap::StackOverflow);
    /// let err = Error::msg("no trap");
    /// assert_eq!(err.downcast::<Trap>().unwrap_err().to_string(), "no trap");
    /// ```
    pub fn downcast<E: std::error::Error + Send + Sync + 'static>(self) -> Result<E, Error> {
        /// `value` as an `E` if it is one, else itself back.
        fn take<E: 'static, V: 'static>(value: V) -> Result<E, V> {
            let mut slot = Some(value);
            let taken = (&mut slot as &mut dyn std::any::Any)
                .downcast_mut::<Option<E>>()
                .and_then(Option::take);
            match (taken, slot) {
                (Some(found), _) => Ok(found),
                (None, Some(value)) => Err(value),
                (None, None) => unreachable!("only a found `E` is taken"),
            }
        }
        match self {
            Error::Trap(trap) => take(trap).map_err(Error::Trap),
            Error::Exception(thrown) => take(thrown).map_err(Error::Exception),
            Error::WasmBacktrace { backtrace, source } => match take(backtrace) {
                Ok(found) => Ok(found),
                Err(backtrace) => (*source).downcast().map_err(|source| Error::WasmBacktrace {
                    backtrace,
                    source: Box::new(source),
                }),
            },
            Error::Context { context, source } => {
                (*source).downcast().map_err(|source| Error::Context {
                    context,
                    source: Box::new(source),
                })
            }
            Error::Host(inner) => match inner.downcast::<E>() {
                Ok(found) => Ok(*found),
                Err(inner) => match inner.downcast::<StdError>() {
                    Ok(nested) => nested
                        .0
                        .downcast()
                        .map_err(|nested| Error::Host(Box::new(StdError(nested)))),
                    Err(inner) => Err(Error::Host(inner)),
                },
            },
            other => Err(other),
        }
    }
}

impl fmt::Display for Error {
    /// The message; with `{:#}`, followed by each cause after `: `, as
    /// Wasmtime's and `anyhow`'s errors print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_message(f)?;
        if f.alternate() {
            for cause in self.chain().skip(1) {
                write!(f, ": {cause}")?;
            }
        }
        Ok(())
    }
}

impl std::ops::Deref for Error {
    type Target = dyn std::error::Error + Send + Sync + 'static;

    /// This error as a standard error, as Wasmtime's error dereferences.
    fn deref(&self) -> &Self::Target {
        StdError::of(self)
    }
}

impl AsRef<dyn std::error::Error + Send + Sync> for Error {
    fn as_ref(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        StdError::of(self)
    }
}

impl AsRef<dyn std::error::Error> for Error {
    fn as_ref(&self) -> &(dyn std::error::Error + 'static) {
        StdError::of(self)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    /// Any standard error as a host error, so that `?` converts it (as in
    /// Wasmtime). Egret's own errors ([`Trap`], [`CompileError`], ...)
    /// become their variants.
    fn from(error: E) -> Error {
        Error::from_host_error(Box::new(error))
    }
}

impl From<Error> for Box<dyn std::error::Error + Send + Sync + 'static> {
    fn from(error: Error) -> Self {
        Box::new(StdError(error))
    }
}

impl From<Error> for Box<dyn std::error::Error + Send + 'static> {
    fn from(error: Error) -> Self {
        Box::new(StdError(error))
    }
}

impl From<Error> for Box<dyn std::error::Error + 'static> {
    fn from(error: Error) -> Self {
        Box::new(StdError(error))
    }
}

impl From<Error> for anyhow::Error {
    /// As Wasmtime's: the message and the chain of causes stay, and
    /// `anyhow`'s `downcast_ref` finds the error's parts (`Trap`, host
    /// errors) through [`Error::chain`]'s links.
    fn from(error: Error) -> anyhow::Error {
        anyhow::Error::new(StdError(error))
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
    /// As Wasmtime's: the message, then the causes, numbered if there are
    /// several, one a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        let Some(first) = self.first_cause() else {
            return Ok(());
        };
        f.write_str("\n\nCaused by:\n")?;
        let numbered = first.source().is_some();
        let causes = std::iter::successors(Some(first), |error| error.source());
        for (i, error) in causes.enumerate() {
            if numbered {
                write!(f, "{i:>5}: ")?;
            } else {
                f.write_str("    ")?;
            }
            writeln!(f, "{error}")?;
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

/// The wasm frames an error was raised in, innermost first: the context a
/// failed call into wasm carries (see [`Error`]), as Wasmtime's.
#[derive(Clone)]
pub struct WasmBacktrace {
    frames: Vec<FrameInfo>,
}

impl WasmBacktrace {
    /// The wasm frames of `store` on this thread's stack now, innermost
    /// first, as Wasmtime's: from a host function, the wasm that called it
    /// and the wasm below; outside wasm, none.
    ///
    /// ```
    /// use egret::{Caller, Engine, Func, Instance, Module, Store, WasmBacktrace};
    /// let engine = Engine::default();
    /// let mut store = Store::new(&engine, Vec::new());
    /// let probe = Func::wrap(&mut store, |mut caller: Caller<'_, Vec<u32>>| {
    ///     let frames = WasmBacktrace::capture(&caller).frames().iter()
    ///         .map(|frame| frame.func_index()).collect();
    ///     *caller.data_mut() = frames;
    /// });
    /// let module = Module::new(&engine, r#"(module
    ///     (import "" "probe" (func $probe))
    ///     (func $inner (call $probe))
    ///     (func (export "outer") (call $inner)))"#)?;
    /// let instance = Instance::new(&mut store, &module, &[probe.into()])?;
    /// instance.get_typed_func::<(), ()>(&mut store, "outer")?.call(&mut store, ())?;
    /// assert_eq!(store.data(), &[1, 2]);
    /// assert!(WasmBacktrace::capture(&store).frames().is_empty());
    /// # Ok::<(), egret::Error>(())
    /// ```
    pub fn capture(store: impl crate::AsContext) -> WasmBacktrace {
        WasmBacktrace {
            frames: store.as_context().0.opaque.wasm_backtrace(),
        }
    }

    /// The frames, innermost first.
    pub fn frames(&self) -> &[FrameInfo] {
        &self.frames
    }
}

impl fmt::Display for WasmBacktrace {
    /// As Wasmtime's: a heading, then one frame a line, the instruction's
    /// offset in the module and `module!function` (`<unknown>` for a
    /// module without a name, `<wasm function N>` for a function without
    /// one).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("error while executing at wasm backtrace:")?;
        for (i, frame) in self.frames.iter().enumerate() {
            write!(f, "\n  {i:>3}: ")?;
            if let Some(offset) = frame.module_offset() {
                write!(f, "{offset:#8x} - ")?;
            }
            let module = frame.module_name().unwrap_or("<unknown>");
            write!(f, "{module}!")?;
            match frame.func_name() {
                Some(name) => f.write_str(name)?,
                None => write!(f, "<wasm function {}>", frame.func_index())?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for WasmBacktrace {
    /// The frames, as `Display` prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for WasmBacktrace {}

impl Error {
    /// The trap, host error or uncaught exception a call into wasm failed
    /// with; a trap or host error under its wasm backtrace, if wasm frames
    /// were on the stack (as Wasmtime adds it).
    pub(crate) fn from_failure(failure: Failure) -> Error {
        let error = match failure.cause {
            FailureCause::Trap(trap) => Error::Trap(trap),
            FailureCause::Host(error) => Error::from_host_error(error),
            FailureCause::UncaughtException(thrown) => Error::Exception(thrown),
        };
        if failure.backtrace.is_empty() || matches!(error, Error::Exception(_)) {
            return error;
        }
        Error::WasmBacktrace {
            backtrace: WasmBacktrace {
                frames: failure.backtrace,
            },
            source: Box::new(error),
        }
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
        assert_eq!(format!("{link:?}"), "unknown import: `env::f`");
        let host = Error::from_anyhow(anyhow::Error::new(Inner).context("saving the game"));
        assert_eq!(
            format!("{host:?}"),
            "saving the game\n\nCaused by:\n    disk on fire\n"
        );
        let deeper = Error::from_anyhow(
            anyhow::Error::new(Inner)
                .context("writing a file")
                .context("saving the game"),
        );
        assert_eq!(
            format!("{deeper:?}"),
            "saving the game\n\nCaused by:\n    0: writing a file\n    1: disk on fire\n"
        );
    }

    #[test]
    fn question_mark_converts_standard_errors_and_into_anyhow() {
        fn parse(text: &str) -> Result<i32> {
            Ok(text.parse::<i32>()?)
        }
        let err = parse("x").unwrap_err();
        assert!(err.is::<std::num::ParseIntError>());
        assert_eq!(err.to_string(), "invalid digit found in string");

        fn run() -> anyhow::Result<()> {
            Err(Error::from(Trap::StackOverflow).context("running"))?;
            Ok(())
        }
        let err = run().unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "running: wasm trap: call stack exhausted"
        );
        assert_eq!(
            err.root_cause().downcast_ref::<Trap>(),
            Some(&Trap::StackOverflow)
        );
        let back = Error::from_anyhow(err);
        assert_eq!(back.downcast_ref::<Trap>(), Some(&Trap::StackOverflow));
        assert_eq!(
            format!("{back:#}"),
            "running: wasm trap: call stack exhausted"
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
    }
}
