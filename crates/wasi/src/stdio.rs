//! Standard streams: the host process's own stdin/stdout/stderr, or
//! embedder-supplied readers and writers (such as [`WritePipe`], an
//! in-memory output the embedder can read back).

use crate::abi::{Filestat, Filetype, rights};
use crate::errno::{Errno, WasiResult};
use rustix::fs::{FileType, fstat};
use std::io::{Read, Write};
use std::os::fd::BorrowedFd;
use std::sync::{Arc, Mutex, PoisonError};

/// An in-memory output stream that can be cloned: give one clone to
/// [`WasiCtxBuilder::stdout`](crate::WasiCtxBuilder::stdout) and read what
/// the guest wrote from another.
///
/// ```
/// use std::io::Write;
/// let pipe = egret_wasi::WritePipe::new();
/// pipe.clone().write_all(b"hello").unwrap();
/// assert_eq!(pipe.contents(), b"hello");
/// ```
#[derive(Clone, Debug, Default)]
pub struct WritePipe(Arc<Mutex<Vec<u8>>>);

impl WritePipe {
    /// An empty pipe.
    pub fn new() -> WritePipe {
        WritePipe::default()
    }

    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Write for WritePipe {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A stream descriptor.
pub(crate) enum Stream {
    /// The host process's stdin (0), stdout (1) or stderr (2).
    Host {
        fd: BorrowedFd<'static>,
        output: bool,
    },
    /// An embedder-supplied input.
    Input(Box<dyn Read + Send>),
    /// An embedder-supplied output.
    Output(Box<dyn Write + Send>),
}

impl Stream {
    pub(crate) fn host_stdin() -> Stream {
        Stream::Host {
            fd: rustix::stdio::stdin(),
            output: false,
        }
    }

    pub(crate) fn host_stdout() -> Stream {
        Stream::Host {
            fd: rustix::stdio::stdout(),
            output: true,
        }
    }

    pub(crate) fn host_stderr() -> Stream {
        Stream::Host {
            fd: rustix::stdio::stderr(),
            output: true,
        }
    }

    /// The host descriptor behind the stream, if there is one to poll.
    pub(crate) fn host_fd(&self) -> Option<BorrowedFd<'static>> {
        match self {
            Stream::Host { fd, .. } => Some(*fd),
            _ => None,
        }
    }

    fn is_output(&self) -> bool {
        match self {
            Stream::Host { output, .. } => *output,
            Stream::Input(_) => false,
            Stream::Output(_) => true,
        }
    }

    /// One read: at most `buf.len()` bytes, 0 at end of input.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> WasiResult<usize> {
        loop {
            let result = match self {
                Stream::Host { fd, output: false } => {
                    rustix::io::read(*fd, &mut *buf).map_err(Errno::from)
                }
                Stream::Input(reader) => reader.read(buf).map_err(Errno::from),
                _ => return Err(Errno::Badf),
            };
            if result != Err(Errno::Intr) {
                return result;
            }
        }
    }

    /// Writes all of `buf`.
    pub(crate) fn write(&mut self, mut buf: &[u8]) -> WasiResult<()> {
        match self {
            Stream::Host { fd, output: true } => {
                while !buf.is_empty() {
                    match rustix::io::write(*fd, buf) {
                        Ok(n) => buf = &buf[n..],
                        Err(rustix::io::Errno::INTR) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(())
            }
            Stream::Output(writer) => {
                writer.write_all(buf)?;
                writer.flush()?;
                Ok(())
            }
            _ => Err(Errno::Badf),
        }
    }

    /// Pushes out anything an embedder's writer buffers.
    pub(crate) fn flush(&mut self) -> WasiResult<()> {
        match self {
            Stream::Output(writer) => Ok(writer.flush()?),
            _ => Ok(()),
        }
    }

    pub(crate) fn filestat(&self) -> WasiResult<Filestat> {
        match self {
            Stream::Host { fd, .. } => Ok(Filestat::from_stat(&fstat(*fd)?)),
            _ => Ok(Filestat::empty(Filetype::Unknown)),
        }
    }

    pub(crate) fn filetype(&self) -> Filetype {
        match self {
            Stream::Host { fd, .. } => fstat(*fd).map_or(Filetype::Unknown, |st| {
                FileType::from_raw_mode(st.st_mode).into()
            }),
            _ => Filetype::Unknown,
        }
    }

    pub(crate) fn rights(&self) -> u64 {
        let access = if self.is_output() {
            rights::FD_WRITE
        } else {
            rights::FD_READ
        };
        access | rights::FD_FILESTAT_GET | rights::POLL_FD_READWRITE
    }
}
