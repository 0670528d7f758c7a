//! Files backed by a host fd the Sentry holds: files donated by the Gofer, and the guest's
//! stdin/stdout/stderr. I/O goes straight between the host fd and guest memory.

use super::{FileOps, Stat};
use crate::errno::{Errno, SysResult};
use crate::mm::{IoBuf, MapSource, MemoryManager};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;

pub struct HostFile {
    fd: OwnedFd,
    /// Read and written at the host fd's own offset (stdio), not at the guest file offset.
    stream: bool,
}

fn retry<F: FnMut() -> isize>(mut f: F) -> SysResult<usize> {
    loop {
        let n = f();
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = Errno::last();
        if e != Errno::EINTR {
            return Err(e);
        }
    }
}

impl HostFile {
    /// A seekable file (a regular file the Gofer opened).
    pub fn new(fd: OwnedFd) -> Arc<HostFile> {
        Arc::new(HostFile { fd, stream: false })
    }

    /// One of the guest's standard streams.
    pub fn stdio(fd: OwnedFd) -> Arc<HostFile> {
        Arc::new(HostFile { fd, stream: true })
    }

    fn pread(&self, buf: &mut IoBuf, offset: u64) -> SysResult<usize> {
        let iov = buf.iovecs();
        let cnt = iov.len().min(1024) as i32;
        // SAFETY: the iovecs point at guest pages held by the memory manager (or a Sentry
        // buffer) for the duration of the call.
        retry(|| unsafe { libc::preadv(self.fd.as_raw_fd(), iov.as_ptr(), cnt, offset as i64) })
    }
}

impl FileOps for HostFile {
    fn read(&self, buf: &mut IoBuf, offset: u64, _flags: i32) -> SysResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if !self.stream {
            return self.pread(buf, offset);
        }
        let iov = buf.iovecs();
        let cnt = iov.len().min(1024) as i32;
        // SAFETY: as in pread.
        retry(|| unsafe { libc::readv(self.fd.as_raw_fd(), iov.as_ptr(), cnt) })
    }

    fn write(&self, buf: &IoBuf, offset: u64, _flags: i32) -> SysResult<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let iov = buf.iovecs();
        let cnt = iov.len().min(1024) as i32;
        if self.stream {
            // SAFETY: the iovecs point at live memory for the call.
            return retry(|| unsafe { libc::writev(self.fd.as_raw_fd(), iov.as_ptr(), cnt) });
        }
        // SAFETY: as above.
        retry(|| unsafe { libc::pwritev(self.fd.as_raw_fd(), iov.as_ptr(), cnt, offset as i64) })
    }

    fn is_stream(&self) -> bool {
        self.stream
    }

    fn fsync(&self) -> SysResult<()> {
        // SAFETY: fsync on our own fd.
        if unsafe { libc::fsync(self.fd.as_raw_fd()) } < 0 {
            let e = Errno::last();
            // Terminals and pipes cannot be synced; Linux says EINVAL.
            return Err(if e == Errno::EROFS { Errno::EINVAL } else { e });
        }
        Ok(())
    }

    fn truncate(&self, len: u64) -> SysResult<()> {
        if self.stream {
            return Err(Errno::EINVAL);
        }
        // SAFETY: ftruncate on our own fd.
        if unsafe { libc::ftruncate(self.fd.as_raw_fd(), len as i64) } < 0 {
            return Err(Errno::last());
        }
        Ok(())
    }

    fn stat(&self) -> SysResult<Stat> {
        // SAFETY: plain integers, filled in by fstat.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: st is a valid out pointer; the fd is ours.
        if unsafe { libc::fstat(self.fd.as_raw_fd(), &mut st) } < 0 {
            return Err(Errno::last());
        }
        Ok(Stat::from_host(&st))
    }

    fn ioctl(&self, mm: &mut MemoryManager, cmd: u64, arg: u64) -> SysResult<u64> {
        let fd = self.fd.as_raw_fd();
        match cmd {
            libc::TCGETS => {
                // SAFETY: plain integers, filled in by the kernel.
                let mut t: libc::termios = unsafe { std::mem::zeroed() };
                // SAFETY: t is a valid termios out pointer.
                if unsafe { libc::ioctl(fd, libc::TCGETS, &mut t) } < 0 {
                    return Err(Errno::last());
                }
                mm.copy_out(arg, as_bytes(&t))?;
                Ok(0)
            }
            libc::TIOCGWINSZ => {
                // SAFETY: plain integers, filled in by the kernel.
                let mut w: libc::winsize = unsafe { std::mem::zeroed() };
                // SAFETY: w is a valid winsize out pointer.
                if unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut w) } < 0 {
                    return Err(Errno::last());
                }
                mm.copy_out(arg, as_bytes(&w))?;
                Ok(0)
            }
            libc::FIONREAD => {
                let mut n: libc::c_int = 0;
                // SAFETY: n is a valid int out pointer.
                if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) } < 0 {
                    return Err(Errno::last());
                }
                mm.copy_out(arg, &n.to_ne_bytes())?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    fn readiness(&self, events: i16) -> i16 {
        if !self.stream {
            return events & (libc::POLLIN | libc::POLLOUT | libc::POLLRDNORM | libc::POLLWRNORM);
        }
        let mut p = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events,
            revents: 0,
        };
        // SAFETY: p is one valid pollfd; a zero timeout never blocks.
        if unsafe { libc::poll(&mut p, 1, 0) } < 0 {
            return libc::POLLERR;
        }
        p.revents
    }

    fn map_source(&self) -> Option<Arc<dyn MapSource>> {
        if self.stream {
            return None;
        }
        let fd = self.fd.try_clone().ok()?;
        Some(Arc::new(HostFile { fd, stream: false }))
    }
}

impl MapSource for HostFile {
    fn read_at(&self, offset: u64, dst: &mut [u8]) -> SysResult<usize> {
        // SAFETY: dst is writable for its length.
        retry(|| unsafe {
            libc::pread(
                self.fd.as_raw_fd(),
                dst.as_mut_ptr().cast(),
                dst.len(),
                offset as i64,
            )
        })
    }
}

/// The bytes of a plain-data kernel struct, to copy to the guest.
pub(crate) fn as_bytes<T: Copy>(v: &T) -> &[u8] {
    // SAFETY: T is a Copy plain-data struct from libc; reading its bytes is always valid.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }
}
