//! The sandbox's path resolver: turns a guest path, relative to a directory
//! descriptor, into a directory handle and one final name, such that the
//! kernel is never asked to follow a symlink or a `..` and nothing outside
//! the starting directory can be reached.
//!
//! The walk goes component by component. Each directory component is
//! opened with `openat(O_PATH | O_DIRECTORY | O_NOFOLLOW)` (`O_RDONLY` in
//! place of `O_PATH` on macOS, which has none: `sys::DIR_HANDLE`)
//! relative to the directory before it, and the opened directories are
//! kept on a stack: `.` does nothing, `..` pops the stack (popping past
//! the starting directory is an escape), and a symlink is read with
//! `readlinkat` and its contents are walked the same way in its place (an
//! absolute target is an escape; more than [`MAX_SYMLINK_EXPANSIONS`]
//! expansions is `ELOOP`).
//! The final component is only expanded when the caller follows symlinks
//! (or the path ends in `/`); the operation on it must then itself not
//! follow symlinks (`O_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`), so a symlink
//! swapped in after resolution makes it fail instead of escape.
//!
//! Escapes fail with [`Errno::NotCapable`].
//!
//! ```
//! use egret_wasi::{Errno, path::resolve};
//! let root = std::fs::File::open(std::env::temp_dir()).unwrap();
//! assert_eq!(resolve(&root, "../etc", false).err(), Some(Errno::NotCapable));
//! assert_eq!(resolve(&root, "/etc", false).err(), Some(Errno::NotCapable));
//! assert_eq!(resolve(&root, ".", false).unwrap().name(), ".");
//! ```

use crate::errno::{Errno, WasiResult};
use crate::sys;
use rustix::fs::{AtFlags, FileType, Mode, openat, readlinkat, statat};
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// How many symlinks one resolution may expand (Linux's own limit).
pub const MAX_SYMLINK_EXPANSIONS: usize = 40;

/// Where a path ends up: a directory inside the sandbox and a final
/// component in it (a plain name, or `.` for the directory itself; never
/// `..`, never containing `/`).
#[derive(Debug)]
pub struct Resolved<'a> {
    dir: DirHandle<'a>,
    name: OsString,
}

#[derive(Debug)]
enum DirHandle<'a> {
    Start(BorrowedFd<'a>),
    Opened(OwnedFd),
}

impl Resolved<'_> {
    /// The directory that holds the final component.
    pub fn dir(&self) -> BorrowedFd<'_> {
        match &self.dir {
            DirHandle::Start(fd) => *fd,
            DirHandle::Opened(fd) => fd.as_fd(),
        }
    }

    /// The final component.
    pub fn name(&self) -> &OsStr {
        &self.name
    }
}

/// Resolves `path` relative to the directory `start`, which is the root of
/// what the path may reach. With `follow_final`, a symlink in the last
/// component is expanded too. A trailing `/` requires the last component
/// to be a directory (or not to exist yet) and expands it if it is a
/// symlink.
pub fn resolve<'a, Fd: AsFd>(
    start: &'a Fd,
    path: &str,
    follow_final: bool,
) -> WasiResult<Resolved<'a>> {
    if path.is_empty() {
        return Err(Errno::NoEnt);
    }
    if path.contains('\0') {
        return Err(Errno::Inval);
    }
    if path.starts_with('/') {
        return Err(Errno::NotCapable);
    }
    let mut walk = Walk {
        start: start.as_fd(),
        opened: Vec::new(),
        pending: Vec::new(),
        expansions: 0,
        must_be_dir: path.ends_with('/'),
    };
    walk.push_components(path.as_bytes());
    walk.run(follow_final)
}

/// The state of one resolution.
struct Walk<'a> {
    start: BorrowedFd<'a>,
    /// Directories opened below `start`, innermost last.
    opened: Vec<OwnedFd>,
    /// Components still to walk, the next one last.
    pending: Vec<OsString>,
    expansions: usize,
    /// The path (or the symlink that ends it) ends in `/`.
    must_be_dir: bool,
}

impl<'a> Walk<'a> {
    fn current(&self) -> BorrowedFd<'_> {
        self.opened.last().map_or(self.start, |fd| fd.as_fd())
    }

    fn push_components(&mut self, path: &[u8]) {
        let components = path.split(|&b| b == b'/').filter(|c| !c.is_empty());
        let components: Vec<OsString> =
            components.map(|c| OsString::from_vec(c.to_vec())).collect();
        self.pending.extend(components.into_iter().rev());
    }

    /// Walks every pending component.
    fn run(mut self, follow_final: bool) -> WasiResult<Resolved<'a>> {
        while let Some(component) = self.pending.pop() {
            let last = self.pending.is_empty();
            match component.as_bytes() {
                b"." => {}
                b".." => {
                    if self.opened.pop().is_none() {
                        return Err(Errno::NotCapable);
                    }
                }
                _ if last => {
                    if (follow_final || self.must_be_dir)
                        && self.expand_symlink(&component, true)?
                    {
                        continue;
                    }
                    return self.finish(component);
                }
                _ => self.enter(&component)?,
            }
        }
        // The path ended in `.` or `..`: the result is a directory itself.
        self.finish(OsString::from("."))
    }

    /// Opens directory `name` in the current directory and makes it
    /// current; expands it instead if it is a symlink.
    fn enter(&mut self, name: &OsStr) -> WasiResult<()> {
        match openat(self.current(), name, sys::DIR_HANDLE, Mode::empty()) {
            Ok(fd) => {
                self.opened.push(fd);
                Ok(())
            }
            Err(e @ (rustix::io::Errno::NOTDIR | rustix::io::Errno::LOOP)) => {
                if self.expand_symlink(name, false)? {
                    Ok(())
                } else {
                    Err(e.into())
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// If `name` in the current directory is a symlink, queues its
    /// contents in its place and returns true. A name that is not a
    /// symlink (or, for the final component, does not exist) gives false.
    fn expand_symlink(&mut self, name: &OsStr, last: bool) -> WasiResult<bool> {
        let target = match readlinkat(self.current(), name, Vec::new()) {
            Ok(target) => target.into_bytes(),
            Err(rustix::io::Errno::INVAL) => return Ok(false),
            Err(rustix::io::Errno::NOENT) if last => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        self.expansions += 1;
        if self.expansions > MAX_SYMLINK_EXPANSIONS {
            return Err(Errno::Loop);
        }
        if target.first() == Some(&b'/') {
            return Err(Errno::NotCapable);
        }
        if target.is_empty() {
            return Err(Errno::NoEnt);
        }
        if last && target.ends_with(b"/") {
            self.must_be_dir = true;
        }
        self.push_components(&target);
        Ok(true)
    }

    fn finish(mut self, name: OsString) -> WasiResult<Resolved<'a>> {
        if self.must_be_dir && name != "." {
            match statat(self.current(), &name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) if FileType::from_raw_mode(st.st_mode) != FileType::Directory => {
                    return Err(Errno::NotDir);
                }
                Ok(_) | Err(rustix::io::Errno::NOENT) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let dir = match self.opened.pop() {
            Some(fd) => DirHandle::Opened(fd),
            None => DirHandle::Start(self.start),
        };
        Ok(Resolved { dir, name })
    }
}
