//! The virtual filesystem: inodes of several filesystems joined into one mount tree, path
//! walking over it, and open file descriptions.

mod devfs;
mod dirent;
mod eventfd;
mod fdtable;
mod file;
mod goferfs;
mod hostfile;
mod inode;
mod mount;
mod pipe;
mod tmpfs;
mod walk;

pub use devfs::new_devfs;
pub use dirent::serialize_dirents;
pub use eventfd::new_eventfd;
pub use fdtable::{FdTable, MAX_FDS};
pub use file::{FileOps, OpenFile};
pub use goferfs::GoferFs;
pub use hostfile::HostFile;
pub use inode::{DirEntry, Inode, Stat};
pub use mount::{Dentry, Mount, Vfs};
pub use pipe::new_pipe;
pub use tmpfs::{TmpInode, Tmpfs};
pub use walk::FsContext;

/// Longest path a syscall accepts, NUL excluded.
pub const PATH_MAX: usize = 4095;
/// Longest single name.
pub const NAME_MAX: usize = 255;
/// Most symlinks followed in one walk.
pub const MAX_SYMLINKS: u32 = 40;

/// File-type bits of a mode.
pub fn file_type(mode: u32) -> u32 {
    mode & libc::S_IFMT
}

/// `DT_*` value of a mode's file type.
pub fn dtype(mode: u32) -> u8 {
    match file_type(mode) {
        libc::S_IFREG => libc::DT_REG,
        libc::S_IFDIR => libc::DT_DIR,
        libc::S_IFLNK => libc::DT_LNK,
        libc::S_IFCHR => libc::DT_CHR,
        libc::S_IFBLK => libc::DT_BLK,
        libc::S_IFIFO => libc::DT_FIFO,
        libc::S_IFSOCK => libc::DT_SOCK,
        _ => libc::DT_UNKNOWN,
    }
}

/// Current realtime as (seconds, nanoseconds), for inode timestamps.
pub fn now() -> (i64, i64) {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, d.subsec_nanos() as i64)
}
