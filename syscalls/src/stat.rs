//! stat(2), statx(2) and their struct layouts.

use crate::util::{fd, path, start_dir, write_struct};
use sentry::errno::{Errno, SysResult};
use sentry::kernel::Task;
use sentry::vfs::Stat;

fn host_stat(s: &Stat) -> libc::stat {
    // SAFETY: plain integers; all-zero is valid.
    let mut h: libc::stat = unsafe { std::mem::zeroed() };
    h.st_dev = s.dev;
    h.st_ino = s.ino;
    h.st_mode = s.mode;
    h.st_nlink = s.nlink;
    h.st_uid = s.uid;
    h.st_gid = s.gid;
    h.st_rdev = s.rdev;
    h.st_size = s.size;
    h.st_blksize = s.blksize;
    h.st_blocks = s.blocks;
    (h.st_atime, h.st_atime_nsec) = s.atime;
    (h.st_mtime, h.st_mtime_nsec) = s.mtime;
    (h.st_ctime, h.st_ctime_nsec) = s.ctime;
    h
}

/// Resolves `path` for the stat family; AT_EMPTY_PATH with "" means the fd itself.
fn stat_at(t: &mut Task, dirfd: i32, p: u64, flags: i32) -> SysResult<Stat> {
    let known = libc::AT_SYMLINK_NOFOLLOW
        | libc::AT_EMPTY_PATH
        | libc::AT_NO_AUTOMOUNT
        | libc::AT_STATX_SYNC_TYPE;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    let p = path(t, p)?;
    if p.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
        if dirfd == libc::AT_FDCWD {
            return t.fs.cwd.inode.stat();
        }
        return t.fds.get(dirfd)?.ops.stat();
    }
    let start = start_dir(t, dirfd, &p)?;
    let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
    let d = t.kernel.vfs.resolve(&t.fs, &start, &p, follow)?;
    d.inode.stat()
}

pub fn stat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let s = stat_at(t, libc::AT_FDCWD, a[0], 0)?;
    write_struct(t, a[1], &host_stat(&s)).map(|_| 0)
}

pub fn lstat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let s = stat_at(t, libc::AT_FDCWD, a[0], libc::AT_SYMLINK_NOFOLLOW)?;
    write_struct(t, a[1], &host_stat(&s)).map(|_| 0)
}

pub fn fstat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let s = t.fds.get(fd(a[0]))?.ops.stat()?;
    write_struct(t, a[1], &host_stat(&s)).map(|_| 0)
}

pub fn newfstatat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let s = stat_at(t, fd(a[0]), a[1], a[3] as i32)?;
    write_struct(t, a[2], &host_stat(&s)).map(|_| 0)
}

pub fn statx(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let mask = a[3] as u32;
    if mask & libc::STATX__RESERVED as u32 != 0 {
        return Err(Errno::EINVAL);
    }
    let flags = a[2] as i32;
    if flags & libc::AT_STATX_SYNC_TYPE == libc::AT_STATX_SYNC_TYPE {
        return Err(Errno::EINVAL);
    }
    let s = stat_at(t, fd(a[0]), a[1], flags)?;
    // SAFETY: plain integers; all-zero is valid.
    let mut x: libc::statx = unsafe { std::mem::zeroed() };
    x.stx_mask = libc::STATX_BASIC_STATS;
    x.stx_blksize = s.blksize as u32;
    x.stx_nlink = s.nlink as u32;
    x.stx_uid = s.uid;
    x.stx_gid = s.gid;
    x.stx_mode = s.mode as u16;
    x.stx_ino = s.ino;
    x.stx_size = s.size as u64;
    x.stx_blocks = s.blocks as u64;
    let ts = |(sec, ns): (i64, i64)| {
        // SAFETY: plain integers; all-zero is valid.
        let mut x: libc::statx_timestamp = unsafe { std::mem::zeroed() };
        x.tv_sec = sec;
        x.tv_nsec = ns as u32;
        x
    };
    x.stx_atime = ts(s.atime);
    x.stx_mtime = ts(s.mtime);
    x.stx_ctime = ts(s.ctime);
    x.stx_rdev_major = libc::major(s.rdev);
    x.stx_rdev_minor = libc::minor(s.rdev);
    x.stx_dev_major = libc::major(s.dev);
    x.stx_dev_minor = libc::minor(s.dev);
    write_struct(t, a[4], &x).map(|_| 0)
}

const TMPFS_MAGIC: i64 = 0x0102_1994;
/// What gVisor reports for gofer-backed files, too.
const V9FS_MAGIC: i64 = 0x0102_1997;

/// The kernel's `struct statfs` on x86-64 (libc's hides `f_flags`).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct KStatfs {
    f_type: i64,
    f_bsize: i64,
    f_blocks: u64,
    f_bfree: u64,
    f_bavail: u64,
    f_files: u64,
    f_ffree: u64,
    f_fsid: [i32; 2],
    f_namelen: i64,
    f_frsize: i64,
    f_flags: i64,
    f_spare: [i64; 4],
}

fn statfs_of(d: &sentry::vfs::Dentry) -> KStatfs {
    KStatfs {
        f_type: match d.mount.fs_type {
            "gofer" => V9FS_MAGIC,
            _ => TMPFS_MAGIC,
        },
        f_bsize: 4096,
        f_frsize: 4096,
        f_namelen: 255,
        f_flags: if d.mount.read_only {
            libc::ST_RDONLY as i64
        } else {
            0
        },
        ..KStatfs::default()
    }
}

pub fn statfs(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let p = path(t, a[0])?;
    let d = t.kernel.vfs.resolve(&t.fs, &t.fs.cwd, &p, true)?;
    write_struct(t, a[1], &statfs_of(&d)).map(|_| 0)
}

pub fn fstatfs(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    let s = match &f.dentry {
        Some(d) => statfs_of(d),
        // Pipes, eventfds and memfds live on internal filesystems (PIPEFS_MAGIC).
        None => KStatfs {
            f_type: 0x5049_5045,
            f_bsize: 4096,
            f_frsize: 4096,
            f_namelen: 255,
            ..KStatfs::default()
        },
    };
    write_struct(t, a[1], &s).map(|_| 0)
}
