//! The per-program WASI state (`WasiCtx`: arguments, environment,
//! descriptors) and the builder that sets it up.

use crate::fdtable::{Descriptor, Dir, FdTable};
use crate::stdio::Stream;
use rustix::fs::{Mode, OFlags};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What one WASI program sees of the world: its arguments, its
/// environment, and its open descriptors (stdin, stdout, stderr, then the
/// preopened directories from 3 on). Keep it in the store's data and give
/// [`add_to_linker`](crate::add_to_linker) a way to reach it.
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    /// `KEY=value` strings.
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) fds: FdTable,
}

impl WasiCtx {
    /// A builder with no arguments, no environment, empty stdin, discarded
    /// stdout and stderr, and no directories.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }

    /// Nothing at all; stands in while a host call has the real context.
    pub(crate) fn empty() -> WasiCtx {
        WasiCtx {
            args: Vec::new(),
            env: Vec::new(),
            fds: FdTable::default(),
        }
    }
}

/// Builds a [`WasiCtx`].
///
/// ```
/// use egret_wasi::{WasiCtxBuilder, WritePipe};
/// let stdout = WritePipe::new();
/// let ctx = WasiCtxBuilder::new()
///     .args(["prog", "--flag"])
///     .env("HOME", "/")
///     .stdin(std::io::Cursor::new(b"input".to_vec()))
///     .stdout(stdout.clone())
///     .preopen_dir(std::env::temp_dir(), "/tmp")
///     .build()
///     .unwrap();
/// # drop(ctx);
/// ```
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Stream,
    stdout: Stream,
    stderr: Stream,
    preopens: Vec<(PathBuf, String)>,
}

impl Default for WasiCtxBuilder {
    fn default() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }
}

impl WasiCtxBuilder {
    /// A builder with no arguments, no environment, empty stdin, discarded
    /// stdout and stderr, and no directories.
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: Stream::Input(Box::new(std::io::empty())),
            stdout: Stream::Output(Box::new(std::io::sink())),
            stderr: Stream::Output(Box::new(std::io::sink())),
            preopens: Vec::new(),
        }
    }

    /// Appends one argument (the first is conventionally the program name).
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().to_string());
        self
    }

    /// Appends arguments.
    pub fn args<S: AsRef<str>>(&mut self, args: impl IntoIterator<Item = S>) -> &mut Self {
        for arg in args {
            self.arg(arg);
        }
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        self.env
            .push((key.as_ref().to_string(), value.as_ref().to_string()));
        self
    }

    /// The guest's stdin reads from `reader`.
    pub fn stdin(&mut self, reader: impl Read + Send + 'static) -> &mut Self {
        self.stdin = Stream::Input(Box::new(reader));
        self
    }

    /// The guest's stdout writes to `writer`.
    pub fn stdout(&mut self, writer: impl Write + Send + 'static) -> &mut Self {
        self.stdout = Stream::Output(Box::new(writer));
        self
    }

    /// The guest's stderr writes to `writer`.
    pub fn stderr(&mut self, writer: impl Write + Send + 'static) -> &mut Self {
        self.stderr = Stream::Output(Box::new(writer));
        self
    }

    /// The guest's stdin is the host process's stdin.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin = Stream::host_stdin();
        self
    }

    /// The guest's stdout is the host process's stdout.
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout = Stream::host_stdout();
        self
    }

    /// The guest's stderr is the host process's stderr.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr = Stream::host_stderr();
        self
    }

    /// stdin, stdout and stderr are the host process's.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Gives the guest the host directory `host_path` under the name
    /// `guest_path` (such as `/data` or `.`). The guest reaches nothing
    /// outside its preopened directories.
    pub fn preopen_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl Into<String>,
    ) -> &mut Self {
        self.preopens
            .push((host_path.as_ref().to_path_buf(), guest_path.into()));
        self
    }

    /// Opens the preopened directories and builds the context. Fails if an
    /// argument or environment variable holds a NUL byte, a variable name
    /// holds `=`, or a directory cannot be opened. The streams move into
    /// the context (the builder is left with the defaults).
    pub fn build(&mut self) -> egret::Result<WasiCtx> {
        let args = self
            .args
            .iter()
            .map(|a| nul_free(a, "argument"))
            .collect::<egret::Result<_>>()?;
        let env = self
            .env
            .iter()
            .map(|(key, value)| {
                if key.contains('=') {
                    return Err(egret::Error::msg(format!(
                        "environment variable name `{key}` contains `=`"
                    )));
                }
                nul_free(&format!("{key}={value}"), "environment variable")
            })
            .collect::<egret::Result<_>>()?;
        let mut dirs = Vec::with_capacity(self.preopens.len());
        for (host, guest) in &self.preopens {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd = rustix::fs::open(host, flags, Mode::empty()).map_err(|e| {
                egret::Error::msg(format!("cannot preopen directory {}: {e}", host.display()))
            })?;
            dirs.push(Descriptor::Dir(Dir {
                fd,
                preopen: Some(guest.clone()),
            }));
        }
        let WasiCtxBuilder {
            stdin,
            stdout,
            stderr,
            ..
        } = WasiCtxBuilder::new();
        let streams = [
            std::mem::replace(&mut self.stdin, stdin),
            std::mem::replace(&mut self.stdout, stdout),
            std::mem::replace(&mut self.stderr, stderr),
        ];
        let mut fds = FdTable::default();
        for descriptor in streams.into_iter().map(Descriptor::Stream).chain(dirs) {
            fds.push(descriptor).map_err(egret::Error::msg)?;
        }
        Ok(WasiCtx { args, env, fds })
    }
}

fn nul_free(s: &str, what: &str) -> egret::Result<Vec<u8>> {
    if s.contains('\0') {
        return Err(egret::Error::msg(format!(
            "{what} {s:?} contains a NUL byte"
        )));
    }
    Ok(s.as_bytes().to_vec())
}
