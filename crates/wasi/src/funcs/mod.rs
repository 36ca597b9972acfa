//! The WASI functions, one module per family. Each takes the context and
//! the caller's memory and returns `Ok` or the errno for the guest.

pub(crate) mod args;
pub(crate) mod clock;
pub(crate) mod fd_attrs;
pub(crate) mod fd_io;
pub(crate) mod fd_manage;
pub(crate) mod path_open;
pub(crate) mod path_ops;
pub(crate) mod poll;
pub(crate) mod proc;
pub(crate) mod random;
pub(crate) mod readdir;
pub(crate) mod unsupported;
