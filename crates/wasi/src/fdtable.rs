//! The guest's descriptor table: numbers to open streams, files and
//! directories, allocated lowest-free first like POSIX.

use crate::errno::{Errno, WasiResult};
use crate::stdio::Stream;
use std::collections::BTreeMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// At most this many descriptors are open at once (`EMFILE` past it).
const MAX_FDS: usize = 4096;

/// A host file (or device) opened by `path_open`.
pub(crate) struct File {
    pub(crate) fd: OwnedFd,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
}

/// A host directory: a preopen or one opened by `path_open`. It is the
/// root of everything reached through it.
pub(crate) struct Dir {
    pub(crate) fd: OwnedFd,
    /// The guest's name for a preopened directory.
    pub(crate) preopen: Option<String>,
}

/// What a descriptor number stands for.
pub(crate) enum Descriptor {
    Stream(Stream),
    File(File),
    Dir(Dir),
}

/// Descriptor numbers to descriptors.
#[derive(Default)]
pub(crate) struct FdTable {
    entries: BTreeMap<u32, Descriptor>,
}

impl FdTable {
    pub(crate) fn get(&self, fd: u32) -> WasiResult<&Descriptor> {
        self.entries.get(&fd).ok_or(Errno::Badf)
    }

    pub(crate) fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Descriptor> {
        self.entries.get_mut(&fd).ok_or(Errno::Badf)
    }

    /// The directory `fd` (`ENOTDIR` if it is something else).
    pub(crate) fn dir(&self, fd: u32) -> WasiResult<&Dir> {
        match self.get(fd)? {
            Descriptor::Dir(d) => Ok(d),
            _ => Err(Errno::NotDir),
        }
    }

    /// The host file or directory `fd` (`EBADF` for a stream, which has
    /// no file behind it).
    pub(crate) fn file_fd(&self, fd: u32) -> WasiResult<BorrowedFd<'_>> {
        match self.get(fd)? {
            Descriptor::File(f) => Ok(f.fd.as_fd()),
            Descriptor::Dir(d) => Ok(d.fd.as_fd()),
            Descriptor::Stream(_) => Err(Errno::Badf),
        }
    }

    /// Adds `descriptor` under the lowest free number.
    pub(crate) fn push(&mut self, descriptor: Descriptor) -> WasiResult<u32> {
        if self.entries.len() >= MAX_FDS {
            return Err(Errno::Mfile);
        }
        let mut fd = 0;
        for &used in self.entries.keys() {
            if used != fd {
                break;
            }
            fd += 1;
        }
        self.entries.insert(fd, descriptor);
        Ok(fd)
    }

    pub(crate) fn remove(&mut self, fd: u32) -> WasiResult<Descriptor> {
        self.entries.remove(&fd).ok_or(Errno::Badf)
    }

    /// Moves `from` to `to`, closing what `to` was; both must be open.
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> WasiResult<()> {
        if !self.entries.contains_key(&to) {
            return Err(Errno::Badf);
        }
        let descriptor = self.remove(from)?;
        self.entries.insert(to, descriptor);
        Ok(())
    }
}
