use super::{Dentry, DirEntry, Stat};
use crate::errno::{Errno, SysResult};
use crate::mm::{IoBuf, MapSource, MemoryManager};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

/// What an open file does. `offset` is ignored by stream files; `flags` are the file's status
/// flags (O_NONBLOCK matters to blocking files).
pub trait FileOps: Send + Sync {
    fn read(&self, _buf: &mut IoBuf, _offset: u64, _flags: i32) -> SysResult<usize> {
        Err(Errno::EINVAL)
    }
    fn write(&self, _buf: &IoBuf, _offset: u64, _flags: i32) -> SysResult<usize> {
        Err(Errno::EINVAL)
    }
    /// Stream files (pipes, terminals) have no offset: lseek/pread give ESPIPE.
    fn is_stream(&self) -> bool {
        false
    }
    fn stat(&self) -> SysResult<Stat>;
    fn ioctl(&self, _mm: &mut MemoryManager, _cmd: u64, _arg: u64) -> SysResult<u64> {
        Err(Errno::ENOTTY)
    }
    /// The bytes a private mapping of this file copies; `None` means it cannot be mapped.
    fn map_source(&self) -> Option<Arc<dyn MapSource>> {
        None
    }
    /// Entries of an open directory, without `.` and `..`.
    fn readdir(&self) -> SysResult<Vec<DirEntry>> {
        Err(Errno::ENOTDIR)
    }
    /// fsync(2)/fdatasync(2).
    fn fsync(&self) -> SysResult<()> {
        Ok(())
    }
    /// Sets the size of a regular file.
    fn truncate(&self, _len: u64) -> SysResult<()> {
        Err(Errno::EINVAL)
    }
    /// A seek the file answers itself (devices whose position is always 0); `None` for the
    /// usual offset arithmetic.
    fn fixed_seek(&self) -> Option<u64> {
        None
    }
    /// Which of the poll(2) `events` the file is ready for now. Regular files always are.
    fn readiness(&self, events: i16) -> i16 {
        events & (libc::POLLIN | libc::POLLOUT | libc::POLLRDNORM | libc::POLLWRNORM)
    }
}

/// An open file description: shared by dup'ed fds and across fork.
pub struct OpenFile {
    pub ops: Arc<dyn FileOps>,
    /// The path it was opened by (`None` for pipes and host stdio).
    pub dentry: Option<Arc<Dentry>>,
    /// Access mode and status flags (O_APPEND, O_NONBLOCK, ...).
    flags: AtomicI32,
    pub offset: Mutex<u64>,
    /// A directory's entries, taken when reading starts at offset 0.
    pub dir_cache: Mutex<Option<Vec<DirEntry>>>,
}

/// Flags F_SETFL may change.
const SETFL_MASK: i32 =
    libc::O_APPEND | libc::O_NONBLOCK | libc::O_ASYNC | libc::O_DIRECT | libc::O_NOATIME;

impl OpenFile {
    pub fn new(ops: Arc<dyn FileOps>, dentry: Option<Arc<Dentry>>, flags: i32) -> Arc<OpenFile> {
        // Creation-only flags are not status flags.
        let keep =
            !(libc::O_CREAT | libc::O_EXCL | libc::O_NOCTTY | libc::O_TRUNC | libc::O_CLOEXEC);
        Arc::new(OpenFile {
            ops,
            dentry,
            flags: AtomicI32::new(flags & keep),
            offset: Mutex::new(0),
            dir_cache: Mutex::new(None),
        })
    }

    pub fn flags(&self) -> i32 {
        self.flags.load(Ordering::Relaxed)
    }

    pub fn set_status_flags(&self, f: i32) {
        let old = self.flags();
        self.flags
            .store((old & !SETFL_MASK) | (f & SETFL_MASK), Ordering::Relaxed);
    }

    pub fn readable(&self) -> bool {
        let acc = self.flags() & libc::O_ACCMODE;
        self.flags() & libc::O_PATH == 0 && (acc == libc::O_RDONLY || acc == libc::O_RDWR)
    }

    pub fn writable(&self) -> bool {
        let acc = self.flags() & libc::O_ACCMODE;
        self.flags() & libc::O_PATH == 0 && (acc == libc::O_WRONLY || acc == libc::O_RDWR)
    }

    pub fn is_path_only(&self) -> bool {
        self.flags() & libc::O_PATH != 0
    }

    fn lock_offset(&self) -> std::sync::MutexGuard<'_, u64> {
        self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// read(2)/readv(2): at the file offset, which advances.
    pub fn read(&self, buf: &mut IoBuf) -> SysResult<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        if self.ops.is_stream() {
            return self.ops.read(buf, 0, self.flags());
        }
        let mut off = self.lock_offset();
        let n = self.ops.read(buf, *off, self.flags())?;
        *off += n as u64;
        Ok(n)
    }

    /// pread(2): at `offset`, leaving the file offset alone.
    pub fn pread(&self, buf: &mut IoBuf, offset: u64) -> SysResult<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        if self.ops.is_stream() {
            return Err(Errno::ESPIPE);
        }
        self.ops.read(buf, offset, self.flags())
    }

    pub fn write(&self, buf: &IoBuf) -> SysResult<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        if self.ops.is_stream() {
            return self.ops.write(buf, 0, self.flags());
        }
        let mut off = self.lock_offset();
        if self.flags() & libc::O_APPEND != 0 {
            *off = self.ops.stat()?.size as u64;
        }
        let n = self.ops.write(buf, *off, self.flags())?;
        *off += n as u64;
        Ok(n)
    }

    pub fn pwrite(&self, buf: &IoBuf, offset: u64) -> SysResult<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        if self.ops.is_stream() {
            return Err(Errno::ESPIPE);
        }
        self.ops.write(buf, offset, self.flags())
    }

    pub fn seek(&self, offset: i64, whence: i32) -> SysResult<u64> {
        if self.ops.is_stream() {
            return Err(Errno::ESPIPE);
        }
        if let Some(pos) = self.ops.fixed_seek() {
            return Ok(pos);
        }
        let mut off = self.lock_offset();
        let base = match whence {
            libc::SEEK_SET => 0,
            libc::SEEK_CUR => *off as i64,
            libc::SEEK_END => self.ops.stat()?.size,
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).ok_or(Errno::EOVERFLOW)?;
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        // Seeking a directory back to 0 restarts its listing.
        if new == 0 {
            *self.dir_cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
        *off = new as u64;
        Ok(new as u64)
    }
}
