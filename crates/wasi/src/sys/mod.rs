//! Everything that differs between the hosts egret-wasi runs on, Linux
//! and macOS, and nothing else: each host has a small module of functions
//! and constants with the same names, and the rest of the crate calls them
//! through `crate::sys`. `docs/wasi.md` ("Hosts") explains each
//! difference.
//!
//! | what | Linux | macOS |
//! |---|---|---|
//! | directory handles in the resolver ([`DIR_HANDLE`]) | `O_PATH \| O_DIRECTORY \| O_NOFOLLOW` | `O_RDONLY \| O_DIRECTORY \| O_NOFOLLOW` (no `O_PATH`) |
//! | `RSYNC` ([`RSYNC`]) | `O_RSYNC` (which is `O_SYNC`) | `O_SYNC` (no `O_RSYNC`) |
//! | `fd_advise` ([`advise`]) | `posix_fadvise` | checks, then succeeds (advice is a hint) |
//! | `fd_allocate` ([`allocate`]) | `fallocate` | `F_PREALLOCATE` (where the filesystem takes it), then `ftruncate` to grow |
//! | `fd_sync` / `fd_datasync` ([`sync`], [`datasync`]) | `fsync` / `fdatasync` | `F_FULLFSYNC` (falling back to `fsync`) |
//! | `random_get` ([`fill_random`]) | `getrandom` | `getentropy` |
//! | `path_unlink_file` on a directory ([`unlink_file`]) | `EISDIR` | `EPERM` turned into `EISDIR` |
//! | errno aliases ([`canonical_errno`]) | none | `EOPNOTSUPP` is `ENOTSUP` |
//! | `poll` on devices ([`poll_unsupported`]) | supported | `POLLNVAL` on an open descriptor: ready |

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub(crate) use linux::*;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub(crate) use macos::*;

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
compile_error!("egret-wasi runs on Linux and macOS hosts only (see docs/wasi.md)");
