use super::FileOps;
use crate::errno::{Errno, SysResult};
use std::any::Any;
use std::sync::Arc;

pub use gofer::{DirEntry, Stat};

/// A file or directory of some filesystem. Every method has the errno Linux gives when the
/// operation does not apply to this kind of file.
pub trait Inode: Send + Sync {
    /// Inode number, unique within its filesystem.
    fn ino(&self) -> u64;
    /// `mode` (type and permission bits).
    fn mode(&self) -> u32;
    fn stat(&self) -> SysResult<Stat>;

    fn lookup(&self, _name: &[u8]) -> SysResult<Arc<dyn Inode>> {
        Err(Errno::ENOTDIR)
    }
    fn readlink(&self) -> SysResult<Vec<u8>> {
        Err(Errno::EINVAL)
    }
    /// Opens the file; `flags` are open(2) flags.
    fn open(self: Arc<Self>, flags: i32) -> SysResult<Arc<dyn FileOps>>;
    /// Creates and opens a regular file `name` in this directory.
    fn create(
        &self,
        _name: &[u8],
        _flags: i32,
        _mode: u32,
    ) -> SysResult<(Arc<dyn Inode>, Arc<dyn FileOps>)> {
        Err(Errno::ENOTDIR)
    }
    fn mkdir(&self, _name: &[u8], _mode: u32) -> SysResult<()> {
        Err(Errno::ENOTDIR)
    }
    fn symlink(&self, _name: &[u8], _target: &[u8]) -> SysResult<()> {
        Err(Errno::EPERM)
    }
    /// Adds `name` in this directory as another link to `target` (same filesystem).
    fn link(&self, _name: &[u8], _target: &Arc<dyn Inode>) -> SysResult<()> {
        Err(Errno::EPERM)
    }
    /// chmod: the permission bits (07777) of `mode`.
    fn set_mode(&self, _mode: u32) -> SysResult<()> {
        Err(Errno::EPERM)
    }
    /// utimensat: `None` leaves that time alone.
    fn set_times(&self, _atime: Option<(i64, i64)>, _mtime: Option<(i64, i64)>) -> SysResult<()> {
        Err(Errno::EPERM)
    }
    /// chown: `None` leaves that id alone.
    fn set_owner(&self, _uid: Option<u32>, _gid: Option<u32>) -> SysResult<()> {
        Err(Errno::EPERM)
    }
    /// Removes `name`: a directory if `dir`, anything else otherwise.
    fn unlink(&self, _name: &[u8], _dir: bool) -> SysResult<()> {
        Err(Errno::ENOTDIR)
    }
    /// Moves `old` of this directory to `new` in `new_dir`, of the same filesystem.
    fn rename(&self, _old: &[u8], _new_dir: &dyn Inode, _new: &[u8]) -> SysResult<()> {
        Err(Errno::ENOTDIR)
    }
    /// Entries of a directory, without `.` and `..`.
    fn readdir(&self) -> SysResult<Vec<DirEntry>> {
        Err(Errno::ENOTDIR)
    }
    fn as_any(&self) -> &dyn Any;
}
