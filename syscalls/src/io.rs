//! read/write and their vectored and positional forms, lseek, close, dup, fcntl, ioctl, pipes.

use crate::util::{fd, read_struct, MAX_RW};
use platform::Prot;
use sentry::errno::{Errno, SysResult};
use sentry::kernel::Task;
use sentry::mm::IoBuf;
use sentry::vfs::{new_pipe, OpenFile};

const IOV_MAX: u64 = 1024;

fn buf(t: &mut Task, addr: u64, len: u64, need: Prot) -> SysResult<IoBuf> {
    let len = (len as usize).min(MAX_RW);
    t.mm.segments(addr, len, need)
}

/// The guest buffers an iovec array names, as one IoBuf.
fn iovecs(t: &mut Task, addr: u64, cnt: u64, need: Prot) -> SysResult<IoBuf> {
    if cnt > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let mut all = IoBuf::default();
    let mut total: u64 = 0;
    for i in 0..cnt {
        let iov: libc::iovec = read_struct(t, addr + i * 16)?;
        let len = iov.iov_len as u64;
        if len > isize::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        let room = (MAX_RW as u64).saturating_sub(total);
        let take = len.min(room);
        total += take;
        all.extend(t.mm.segments(iov.iov_base as u64, take as usize, need)?);
    }
    Ok(all)
}

/// A write that hits a pipe with no reader raises SIGPIPE as well as failing with EPIPE.
fn epipe(t: &mut Task, r: SysResult<usize>) -> SysResult<u64> {
    if r == Err(Errno::EPIPE) {
        t.signal_self(libc::SIGPIPE)?;
    }
    r.map(|n| n as u64)
}

pub fn read(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    let mut b = buf(t, a[1], a[2], Prot::WRITE)?;
    f.read(&mut b).map(|n| n as u64)
}

pub fn write(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    let b = buf(t, a[1], a[2], Prot::READ)?;
    let r = f.write(&b);
    epipe(t, r)
}

pub fn pread64(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    if (a[3] as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    let mut b = buf(t, a[1], a[2], Prot::WRITE)?;
    f.pread(&mut b, a[3]).map(|n| n as u64)
}

pub fn pwrite64(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    if (a[3] as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    let b = buf(t, a[1], a[2], Prot::READ)?;
    let r = f.pwrite(&b, a[3]);
    epipe(t, r)
}

pub fn readv(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    if !f.readable() {
        return Err(Errno::EBADF);
    }
    let mut b = iovecs(t, a[1], a[2], Prot::WRITE)?;
    f.read(&mut b).map(|n| n as u64)
}

pub fn writev(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    if !f.writable() {
        return Err(Errno::EBADF);
    }
    let b = iovecs(t, a[1], a[2], Prot::READ)?;
    let r = f.write(&b);
    epipe(t, r)
}

pub fn lseek(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    f.seek(a[1] as i64, a[2] as i32)
}

pub fn close(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    t.fds.remove(fd(a[0])).map(|_| 0)
}

pub fn dup(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    let lim = t.fd_limit();
    t.fds.insert(f, false, lim).map(|n| n as u64)
}

pub fn dup2(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let (old, new) = (fd(a[0]), fd(a[1]));
    let f = t.fds.get(old)?;
    if old == new {
        return Ok(new as u64);
    }
    let lim = t.fd_limit();
    t.fds.insert_at(new, f, false, lim).map(|_| new as u64)
}

pub fn dup3(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let (old, new, flags) = (fd(a[0]), fd(a[1]), a[2] as i32);
    if flags & !libc::O_CLOEXEC != 0 || old == new {
        return Err(Errno::EINVAL);
    }
    let f = t.fds.get(old)?;
    let lim = t.fd_limit();
    t.fds
        .insert_at(new, f, flags & libc::O_CLOEXEC != 0, lim)
        .map(|_| new as u64)
}

pub fn fcntl(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let n = fd(a[0]);
    let f = t.fds.get(n)?;
    let lim = t.fd_limit();
    match a[1] as i32 {
        cmd @ (libc::F_DUPFD | libc::F_DUPFD_CLOEXEC) => {
            let min = a[2] as i32;
            if min < 0 || min as usize >= lim {
                return Err(Errno::EINVAL);
            }
            t.fds
                .insert_from(min as usize, f, cmd == libc::F_DUPFD_CLOEXEC, lim)
                .map(|n| n as u64)
        }
        libc::F_GETFD => Ok(if t.fds.cloexec(n)? {
            libc::FD_CLOEXEC as u64
        } else {
            0
        }),
        libc::F_SETFD => t
            .fds
            .set_cloexec(n, a[2] as i32 & libc::FD_CLOEXEC != 0)
            .map(|_| 0),
        libc::F_GETFL => Ok(f.flags() as u64),
        libc::F_SETFL => {
            f.set_status_flags(a[2] as i32);
            Ok(0)
        }
        libc::F_GETPIPE_SZ if f.ops.is_stream() && f.dentry.is_none() => Ok(65536),
        cmd => {
            tracing::warn!("fcntl command {cmd} is not implemented");
            Err(Errno::EINVAL)
        }
    }
}

pub fn ioctl(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let n = fd(a[0]);
    let f = t.fds.get(n)?;
    match a[1] {
        libc::FIOCLEX => t.fds.set_cloexec(n, true).map(|_| 0),
        libc::FIONCLEX => t.fds.set_cloexec(n, false).map(|_| 0),
        libc::FIONBIO => {
            let mut v = [0u8; 4];
            t.mm.copy_in(a[2], &mut v)?;
            let on = i32::from_ne_bytes(v) != 0;
            let fl = f.flags();
            f.set_status_flags(if on {
                fl | libc::O_NONBLOCK
            } else {
                fl & !libc::O_NONBLOCK
            });
            Ok(0)
        }
        cmd => f.ops.ioctl(&mut t.mm, cmd, a[2]),
    }
}

pub fn pipe2(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let flags = a[1] as i32;
    if flags & !(libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (r, w) = new_pipe();
    let nb = flags & libc::O_NONBLOCK;
    let rf = OpenFile::new(r, None, libc::O_RDONLY | nb);
    let wf = OpenFile::new(w, None, libc::O_WRONLY | nb);
    let cloexec = flags & libc::O_CLOEXEC != 0;
    let lim = t.fd_limit();
    let rfd = t.fds.insert(rf, cloexec, lim)?;
    let wfd = match t.fds.insert(wf, cloexec, lim) {
        Ok(w) => w,
        Err(e) => {
            let _ = t.fds.remove(rfd);
            return Err(e);
        }
    };
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&rfd.to_ne_bytes());
    out[4..].copy_from_slice(&wfd.to_ne_bytes());
    if let Err(e) = t.mm.copy_out(a[0], &out) {
        let _ = t.fds.remove(rfd);
        let _ = t.fds.remove(wfd);
        return Err(e);
    }
    Ok(0)
}

pub fn pipe(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    pipe2(t, &[a[0], 0, 0, 0, 0, 0])
}

pub fn fsync(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    f.ops.fsync().map(|_| 0)
}

pub fn ftruncate(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    if (a[1] as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    if !f.writable() {
        return Err(Errno::EINVAL);
    }
    f.ops.truncate(a[1]).map(|_| 0)
}

pub fn eventfd2(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let flags = a[1] as i32;
    let known = libc::EFD_CLOEXEC | libc::EFD_NONBLOCK | libc::EFD_SEMAPHORE;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    let ops = sentry::vfs::new_eventfd(a[0] as u32 as u64, flags & libc::EFD_SEMAPHORE != 0);
    let f = OpenFile::new(ops, None, libc::O_RDWR | (flags & libc::O_NONBLOCK));
    let lim = t.fd_limit();
    t.fds
        .insert(f, flags & libc::EFD_CLOEXEC != 0, lim)
        .map(|n| n as u64)
}

pub fn eventfd(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    eventfd2(t, &[a[0], 0, 0, 0, 0, 0])
}

pub fn memfd_create(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let flags = a[1] as u32;
    let known = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
    if flags & !known != 0 {
        if flags & libc::MFD_HUGETLB != 0 {
            tracing::info!("memfd_create: MFD_HUGETLB is not implemented");
        }
        return Err(Errno::EINVAL);
    }
    // The name is for /proc only; it must still be a valid string of at most 249 bytes.
    let name = t.mm.read_cstring(a[0], 4096)?;
    if name.len() > 249 {
        return Err(Errno::EINVAL);
    }
    let inode = sentry::vfs::TmpInode::new_anonymous_file();
    let ops = sentry::vfs::Inode::open(inode, libc::O_RDWR)?;
    let f = OpenFile::new(ops, None, libc::O_RDWR | 0o100000);
    let lim = t.fd_limit();
    t.fds
        .insert(f, flags & libc::MFD_CLOEXEC != 0, lim)
        .map(|n| n as u64)
}
