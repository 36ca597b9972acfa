//! WASI preview1's types as they sit in guest memory: constants for flags,
//! rights and enumerations, and the byte layouts of `filestat`, `fdstat`
//! and `dirent`.

use crate::errno::{Errno, WasiResult};
use rustix::fs::{FileType, Stat};

/// The import module name of every function.
pub(crate) const MODULE: &str = "wasi_snapshot_preview1";

/// `filetype`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Filetype {
    Unknown = 0,
    BlockDevice = 1,
    CharacterDevice = 2,
    Directory = 3,
    RegularFile = 4,
    SocketStream = 6,
    SymbolicLink = 7,
}

impl From<FileType> for Filetype {
    fn from(t: FileType) -> Filetype {
        match t {
            FileType::RegularFile => Filetype::RegularFile,
            FileType::Directory => Filetype::Directory,
            FileType::Symlink => Filetype::SymbolicLink,
            FileType::CharacterDevice => Filetype::CharacterDevice,
            FileType::BlockDevice => Filetype::BlockDevice,
            FileType::Socket => Filetype::SocketStream,
            _ => Filetype::Unknown,
        }
    }
}

/// `fdflags`.
pub(crate) mod fdflags {
    pub(crate) const APPEND: u16 = 1 << 0;
    pub(crate) const DSYNC: u16 = 1 << 1;
    pub(crate) const NONBLOCK: u16 = 1 << 2;
    pub(crate) const RSYNC: u16 = 1 << 3;
    pub(crate) const SYNC: u16 = 1 << 4;
}

/// `oflags`.
pub(crate) mod oflags {
    pub(crate) const CREAT: u16 = 1 << 0;
    pub(crate) const DIRECTORY: u16 = 1 << 1;
    pub(crate) const EXCL: u16 = 1 << 2;
    pub(crate) const TRUNC: u16 = 1 << 3;
}

/// `advice`: what a program says about how it will use a file's data.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Advice {
    Normal,
    Sequential,
    Random,
    WillNeed,
    DontNeed,
    NoReuse,
}

impl Advice {
    /// The advice numbered `n` (`EINVAL` for an unknown one).
    pub(crate) fn from_wasi(n: u32) -> WasiResult<Advice> {
        Ok(match n {
            0 => Advice::Normal,
            1 => Advice::Sequential,
            2 => Advice::Random,
            3 => Advice::WillNeed,
            4 => Advice::DontNeed,
            5 => Advice::NoReuse,
            _ => return Err(Errno::Inval),
        })
    }
}

/// `lookupflags`: follow a symlink in the last component.
pub(crate) const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// `fstflags`.
pub(crate) mod fstflags {
    pub(crate) const ATIM: u16 = 1 << 0;
    pub(crate) const ATIM_NOW: u16 = 1 << 1;
    pub(crate) const MTIM: u16 = 1 << 2;
    pub(crate) const MTIM_NOW: u16 = 1 << 3;
}

/// `rights`. Egret does not enforce rights (the access a host descriptor
/// was opened with is what counts); it reports them so that guests' libcs
/// can tell read-only from write-only descriptors.
pub(crate) mod rights {
    pub(crate) const FD_DATASYNC: u64 = 1 << 0;
    pub(crate) const FD_READ: u64 = 1 << 1;
    pub(crate) const FD_SEEK: u64 = 1 << 2;
    pub(crate) const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub(crate) const FD_SYNC: u64 = 1 << 4;
    pub(crate) const FD_TELL: u64 = 1 << 5;
    pub(crate) const FD_WRITE: u64 = 1 << 6;
    pub(crate) const FD_ADVISE: u64 = 1 << 7;
    pub(crate) const FD_ALLOCATE: u64 = 1 << 8;
    pub(crate) const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub(crate) const PATH_CREATE_FILE: u64 = 1 << 10;
    pub(crate) const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub(crate) const PATH_LINK_TARGET: u64 = 1 << 12;
    pub(crate) const PATH_OPEN: u64 = 1 << 13;
    pub(crate) const FD_READDIR: u64 = 1 << 14;
    pub(crate) const PATH_READLINK: u64 = 1 << 15;
    pub(crate) const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub(crate) const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub(crate) const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub(crate) const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub(crate) const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub(crate) const FD_FILESTAT_GET: u64 = 1 << 21;
    pub(crate) const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub(crate) const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub(crate) const PATH_SYMLINK: u64 = 1 << 24;
    pub(crate) const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub(crate) const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub(crate) const POLL_FD_READWRITE: u64 = 1 << 27;

    /// The rights that ask for a writable descriptor: the ones `wasi-libc`
    /// leaves out of a read-only `open`.
    pub(crate) const WRITE_FAMILY: u64 =
        FD_WRITE | FD_DATASYNC | FD_ALLOCATE | FD_FILESTAT_SET_SIZE;

    /// Every right of a regular file other than reading and writing.
    pub(crate) const FILE_BASE: u64 = FD_SEEK
        | FD_TELL
        | FD_SYNC
        | FD_ADVISE
        | FD_FDSTAT_SET_FLAGS
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;

    /// Every right of a directory.
    pub(crate) const DIRECTORY: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_DATASYNC
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;

    /// What a directory passes on to what is opened through it.
    pub(crate) const INHERITED: u64 = DIRECTORY | FD_READ | WRITE_FAMILY | FILE_BASE;
}

/// `fdstat`: 24 bytes.
pub(crate) struct Fdstat {
    pub(crate) filetype: Filetype,
    pub(crate) flags: u16,
    pub(crate) rights_base: u64,
    pub(crate) rights_inheriting: u64,
}

impl Fdstat {
    pub(crate) fn encode(&self) -> [u8; 24] {
        let mut out = [0; 24];
        out[0] = self.filetype as u8;
        out[2..4].copy_from_slice(&self.flags.to_le_bytes());
        out[8..16].copy_from_slice(&self.rights_base.to_le_bytes());
        out[16..24].copy_from_slice(&self.rights_inheriting.to_le_bytes());
        out
    }
}

/// `filestat`: 64 bytes.
pub(crate) struct Filestat {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) filetype: Filetype,
    pub(crate) nlink: u64,
    pub(crate) size: u64,
    pub(crate) atim: u64,
    pub(crate) mtim: u64,
    pub(crate) ctim: u64,
}

/// Nanoseconds since the epoch, clamped to WASI's unsigned `timestamp`.
fn timestamp(secs: i64, nsecs: u64) -> u64 {
    u64::try_from(secs)
        .unwrap_or(0)
        .saturating_mul(1_000_000_000)
        .saturating_add(nsecs)
}

impl Filestat {
    // `stat`'s field types differ between targets (`st_nlink` is a u32 on
    // aarch64, a u64 on x86_64), so some casts are no-ops on some targets.
    #[allow(clippy::unnecessary_cast)]
    pub(crate) fn from_stat(st: &Stat) -> Filestat {
        Filestat {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            filetype: FileType::from_raw_mode(st.st_mode as _).into(),
            nlink: st.st_nlink as u64,
            size: st.st_size as u64,
            atim: timestamp(st.st_atime as i64, st.st_atime_nsec as u64),
            mtim: timestamp(st.st_mtime as i64, st.st_mtime_nsec as u64),
            ctim: timestamp(st.st_ctime as i64, st.st_ctime_nsec as u64),
        }
    }

    /// The stat of something with no host file behind it (an in-memory
    /// stream).
    pub(crate) fn empty(filetype: Filetype) -> Filestat {
        Filestat {
            dev: 0,
            ino: 0,
            filetype,
            nlink: 0,
            size: 0,
            atim: 0,
            mtim: 0,
            ctim: 0,
        }
    }

    pub(crate) fn encode(&self) -> [u8; 64] {
        let mut out = [0; 64];
        out[0..8].copy_from_slice(&self.dev.to_le_bytes());
        out[8..16].copy_from_slice(&self.ino.to_le_bytes());
        out[16] = self.filetype as u8;
        out[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        out[32..40].copy_from_slice(&self.size.to_le_bytes());
        out[40..48].copy_from_slice(&self.atim.to_le_bytes());
        out[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        out[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        out
    }
}

/// A `dirent` header (24 bytes); the name follows it, unterminated.
pub(crate) fn dirent_header(next: u64, ino: u64, name_len: u32, filetype: Filetype) -> [u8; 24] {
    let mut out = [0; 24];
    out[0..8].copy_from_slice(&next.to_le_bytes());
    out[8..16].copy_from_slice(&ino.to_le_bytes());
    out[16..20].copy_from_slice(&name_len.to_le_bytes());
    out[20] = filetype as u8;
    out
}
