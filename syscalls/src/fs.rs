//! Path-based file system calls.

use crate::util::{fd, path, start_dir};
use sentry::errno::{Errno, SysResult};
use sentry::kernel::Task;
use sentry::vfs::{file_type, serialize_dirents, Dentry, DirEntry, FileOps, OpenFile, Stat};
use std::sync::Arc;

/// The kernel always reports O_LARGEFILE for files opened on 64-bit.
const O_LARGEFILE: i32 = 0o100000;

/// What an O_PATH descriptor is: a handle to a place, with no I/O.
struct PathOnly(Arc<Dentry>);

impl FileOps for PathOnly {
    fn stat(&self) -> SysResult<Stat> {
        self.0.inode.stat()
    }
}

fn do_open(t: &mut Task, dirfd: i32, p: u64, flags: i32, mode: u32) -> SysResult<u64> {
    let p = path(t, p)?;
    if flags & libc::O_TMPFILE == libc::O_TMPFILE {
        tracing::warn!("O_TMPFILE is not implemented");
        return Err(Errno::EOPNOTSUPP);
    }
    let start = start_dir(t, dirfd, &p)?;
    let vfs = t.kernel.vfs.clone();
    let acc = flags & libc::O_ACCMODE;
    let cloexec = flags & libc::O_CLOEXEC != 0;
    let lim = t.fd_limit();
    let follow = flags & libc::O_NOFOLLOW == 0;
    let dentry = if flags & libc::O_CREAT != 0 && flags & libc::O_PATH == 0 {
        let (dir, name) = vfs.resolve_parent(&t.fs, &start, &p)?;
        let Some(name) = name else {
            return Err(Errno::EISDIR);
        };
        match vfs.lookup(&dir, &name) {
            Ok(d) => {
                if flags & libc::O_EXCL != 0 {
                    return Err(Errno::EEXIST);
                }
                if file_type(d.inode.mode()) == libc::S_IFLNK {
                    if !follow {
                        return Err(Errno::ELOOP);
                    }
                    vfs.resolve(&t.fs, &dir, &name, true)?
                } else {
                    d
                }
            }
            Err(Errno::ENOENT) => {
                if p.ends_with(b"/") {
                    return Err(Errno::EISDIR);
                }
                dir.writable()?;
                let mode = mode & 0o7777 & !t.fs.umask;
                let (inode, ops) = dir.inode.create(&name, flags, mode)?;
                let d = Arc::new(Dentry {
                    inode,
                    parent: Some(dir.clone()),
                    name,
                    mount: dir.mount.clone(),
                });
                let f = OpenFile::new(ops, Some(d), flags | O_LARGEFILE);
                return t.fds.insert(f, cloexec, lim).map(|n| n as u64);
            }
            Err(e) => return Err(e),
        }
    } else {
        vfs.resolve(&t.fs, &start, &p, follow)?
    };
    let kind = file_type(dentry.inode.mode());
    if flags & libc::O_PATH != 0 {
        let keep = libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        if flags & libc::O_DIRECTORY != 0 && kind != libc::S_IFDIR {
            return Err(Errno::ENOTDIR);
        }
        let f = OpenFile::new(
            Arc::new(PathOnly(dentry.clone())),
            Some(dentry),
            flags & keep,
        );
        return t.fds.insert(f, cloexec, lim).map(|n| n as u64);
    }
    if kind == libc::S_IFLNK {
        return Err(Errno::ELOOP);
    }
    if flags & libc::O_DIRECTORY != 0 && kind != libc::S_IFDIR {
        return Err(Errno::ENOTDIR);
    }
    let wants_write = acc != libc::O_RDONLY || flags & libc::O_TRUNC != 0;
    if kind == libc::S_IFDIR && (acc != libc::O_RDONLY || flags & libc::O_CREAT != 0) {
        return Err(Errno::EISDIR);
    }
    if acc == libc::O_ACCMODE {
        return Err(Errno::EINVAL);
    }
    if wants_write && (kind == libc::S_IFREG || kind == libc::S_IFDIR) {
        dentry.writable()?;
    }
    let ops = dentry.inode.clone().open(flags)?;
    let f = OpenFile::new(ops, Some(dentry), flags | O_LARGEFILE);
    t.fds.insert(f, cloexec, lim).map(|n| n as u64)
}

pub fn open(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_open(t, libc::AT_FDCWD, a[0], a[1] as i32, a[2] as u32)
}

pub fn openat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_open(t, fd(a[0]), a[1], a[2] as i32, a[3] as u32)
}

pub fn creat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let flags = libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC;
    do_open(t, libc::AT_FDCWD, a[0], flags, a[1] as u32)
}

pub fn getdents64(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    let d = match &f.dentry {
        Some(d) if d.is_dir() && !f.is_path_only() => d.clone(),
        Some(_) if f.is_path_only() => return Err(Errno::EBADF),
        _ => return Err(Errno::ENOTDIR),
    };
    let count = (a[2] as usize).min(crate::util::MAX_RW);
    let mut cache = f.dir_cache.lock().unwrap_or_else(|p| p.into_inner());
    if cache.is_none() {
        let parent_ino = d.parent.as_ref().map_or(d.inode.ino(), |p| p.inode.ino());
        let mut ents = vec![
            DirEntry {
                ino: d.inode.ino(),
                kind: libc::DT_DIR,
                name: b".".to_vec(),
            },
            DirEntry {
                ino: parent_ino,
                kind: libc::DT_DIR,
                name: b"..".to_vec(),
            },
        ];
        ents.extend(f.ops.readdir()?);
        *cache = Some(ents);
    }
    let ents = cache.as_deref().unwrap_or(&[]);
    let mut off = f.offset.lock().unwrap_or_else(|p| p.into_inner());
    let start = *off as usize;
    let mut out = Vec::new();
    let n = serialize_dirents(ents, start, count, &mut out);
    if n == 0 && start < ents.len() {
        return Err(Errno::EINVAL);
    }
    t.mm.copy_out(a[1], &out)?;
    *off += n as u64;
    Ok(out.len() as u64)
}

fn do_access(t: &mut Task, dirfd: i32, p: u64, mode: i32, flags: i32) -> SysResult<u64> {
    if mode & !7 != 0
        || flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EACCESS | libc::AT_EMPTY_PATH) != 0
    {
        return Err(Errno::EINVAL);
    }
    let p = path(t, p)?;
    let d = if p.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
        match t.fds.get(dirfd)?.dentry.clone() {
            Some(d) => d,
            None => return Ok(0),
        }
    } else {
        let start = start_dir(t, dirfd, &p)?;
        t.kernel
            .vfs
            .resolve(&t.fs, &start, &p, flags & libc::AT_SYMLINK_NOFOLLOW == 0)?
    };
    let m = d.inode.mode();
    let kind = file_type(m);
    if mode & libc::W_OK != 0 && matches!(kind, libc::S_IFREG | libc::S_IFDIR | libc::S_IFLNK) {
        d.writable()?;
    }
    // The guest runs as root: reading and writing are always allowed, executing needs an x bit.
    if mode & libc::X_OK != 0 && kind != libc::S_IFDIR && m & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    Ok(0)
}

pub fn access(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_access(t, libc::AT_FDCWD, a[0], a[1] as i32, 0)
}

pub fn faccessat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_access(t, fd(a[0]), a[1], a[2] as i32, 0)
}

pub fn faccessat2(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_access(t, fd(a[0]), a[1], a[2] as i32, a[3] as i32)
}

fn do_readlink(t: &mut Task, dirfd: i32, p: u64, buf: u64, size: u64) -> SysResult<u64> {
    let p = path(t, p)?;
    if (size as i64) <= 0 {
        return Err(Errno::EINVAL);
    }
    let start = start_dir(t, dirfd, &p)?;
    let d = t.kernel.vfs.resolve(&t.fs, &start, &p, false)?;
    let target = d.inode.readlink()?;
    let n = target.len().min(size as usize);
    t.mm.copy_out(buf, &target[..n])?;
    Ok(n as u64)
}

pub fn readlink(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_readlink(t, libc::AT_FDCWD, a[0], a[1], a[2])
}

pub fn readlinkat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_readlink(t, fd(a[0]), a[1], a[2], a[3])
}

pub fn getcwd(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let mut p = t.kernel.vfs.path_of(&t.fs, &t.fs.cwd);
    p.push(0);
    if (a[1] as usize) < p.len() {
        return Err(Errno::ERANGE);
    }
    t.mm.copy_out(a[0], &p)?;
    Ok(p.len() as u64)
}

pub fn chdir(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let p = path(t, a[0])?;
    let d = t.kernel.vfs.resolve(&t.fs, &t.fs.cwd, &p, true)?;
    if !d.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    t.fs.cwd = d;
    Ok(0)
}

pub fn fchdir(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let f = t.fds.get(fd(a[0]))?;
    match &f.dentry {
        Some(d) if d.is_dir() => {
            t.fs.cwd = d.clone();
            Ok(0)
        }
        _ => Err(Errno::ENOTDIR),
    }
}

/// The directory and name for something `path` is to create: EEXIST if the name is taken,
/// EROFS on a read-only mount (in that order, as Linux checks them).
fn new_entry(t: &Task, dirfd: i32, p: &[u8]) -> SysResult<(Arc<Dentry>, Vec<u8>)> {
    let start = start_dir(t, dirfd, p)?;
    let vfs = t.kernel.vfs.clone();
    let (dir, name) = vfs.resolve_parent(&t.fs, &start, p)?;
    let Some(name) = name else {
        return Err(Errno::EEXIST);
    };
    match vfs.lookup(&dir, &name) {
        Ok(_) => return Err(Errno::EEXIST),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(e),
    }
    dir.writable()?;
    Ok((dir, name))
}

fn do_mkdir(t: &mut Task, dirfd: i32, p: u64, mode: u32) -> SysResult<u64> {
    let p = path(t, p)?;
    let (dir, name) = new_entry(t, dirfd, &p)?;
    dir.inode
        .mkdir(&name, mode & 0o7777 & !t.fs.umask)
        .map(|_| 0)
}

pub fn mkdir(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_mkdir(t, libc::AT_FDCWD, a[0], a[1] as u32)
}

pub fn mkdirat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_mkdir(t, fd(a[0]), a[1], a[2] as u32)
}

fn do_unlink(t: &mut Task, dirfd: i32, p: u64, flags: i32) -> SysResult<u64> {
    if flags & !libc::AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let rmdir = flags & libc::AT_REMOVEDIR != 0;
    let p = path(t, p)?;
    let start = start_dir(t, dirfd, &p)?;
    let vfs = t.kernel.vfs.clone();
    let (dir, name) = vfs.resolve_parent(&t.fs, &start, &p)?;
    let Some(name) = name else {
        let last = p.split(|&b| b == b'/').rfind(|c| !c.is_empty());
        return Err(match (rmdir, last) {
            (true, Some(b".")) => Errno::EINVAL,
            (true, Some(b"..")) => Errno::ENOTEMPTY,
            (true, _) => Errno::EBUSY,
            (false, _) => Errno::EISDIR,
        });
    };
    dir.writable()?;
    let child = vfs.lookup(&dir, &name)?;
    if child.parent.is_none() {
        return Err(Errno::EBUSY);
    }
    if !rmdir && p.ends_with(b"/") {
        return Err(if child.is_dir() {
            Errno::EISDIR
        } else {
            Errno::ENOTDIR
        });
    }
    dir.inode.unlink(&name, rmdir).map(|_| 0)
}

pub fn unlink(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_unlink(t, libc::AT_FDCWD, a[0], 0)
}

pub fn rmdir(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_unlink(t, libc::AT_FDCWD, a[0], libc::AT_REMOVEDIR)
}

pub fn unlinkat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_unlink(t, fd(a[0]), a[1], a[2] as i32)
}

fn do_rename(t: &mut Task, odir: i32, op: u64, ndir: i32, np: u64, flags: u32) -> SysResult<u64> {
    if flags & !libc::RENAME_NOREPLACE != 0 {
        if flags & libc::RENAME_EXCHANGE != 0 {
            tracing::warn!("RENAME_EXCHANGE is not implemented");
        }
        return Err(Errno::EINVAL);
    }
    let (op, np) = (path(t, op)?, path(t, np)?);
    let (os, ns) = (start_dir(t, odir, &op)?, start_dir(t, ndir, &np)?);
    let vfs = t.kernel.vfs.clone();
    let (od, oname) = vfs.resolve_parent(&t.fs, &os, &op)?;
    let (nd, nname) = vfs.resolve_parent(&t.fs, &ns, &np)?;
    let (Some(oname), Some(nname)) = (oname, nname) else {
        return Err(Errno::EBUSY);
    };
    if od.mount.id != nd.mount.id {
        return Err(Errno::EXDEV);
    }
    od.writable()?;
    let moving = vfs.lookup(&od, &oname)?;
    if moving.parent.is_none() {
        return Err(Errno::EBUSY);
    }
    match vfs.lookup(&nd, &nname) {
        Ok(existing) => {
            if flags & libc::RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            if existing.parent.is_none() {
                return Err(Errno::EBUSY);
            }
        }
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(e),
    }
    od.inode
        .rename(&oname, nd.inode.as_ref(), &nname)
        .map(|_| 0)
}

pub fn rename(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_rename(t, libc::AT_FDCWD, a[0], libc::AT_FDCWD, a[1], 0)
}

pub fn renameat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_rename(t, fd(a[0]), a[1], fd(a[2]), a[3], 0)
}

pub fn renameat2(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_rename(t, fd(a[0]), a[1], fd(a[2]), a[3], a[4] as u32)
}

fn do_symlink(t: &mut Task, target: u64, dirfd: i32, p: u64) -> SysResult<u64> {
    let target = path(t, target)?;
    let p = path(t, p)?;
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let (dir, name) = new_entry(t, dirfd, &p)?;
    dir.inode.symlink(&name, &target).map(|_| 0)
}

pub fn symlink(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_symlink(t, a[0], libc::AT_FDCWD, a[1])
}

pub fn symlinkat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_symlink(t, a[0], fd(a[1]), a[2])
}

pub fn umask(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let old = t.fs.umask;
    t.fs.umask = a[0] as u32 & 0o777;
    Ok(old as u64)
}

pub fn truncate(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let p = path(t, a[0])?;
    if (a[1] as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let d = t.kernel.vfs.resolve(&t.fs, &t.fs.cwd, &p, true)?;
    match file_type(d.inode.mode()) {
        libc::S_IFDIR => return Err(Errno::EISDIR),
        libc::S_IFREG => {}
        _ => return Err(Errno::EINVAL),
    }
    d.writable()?;
    let ops = d.inode.clone().open(libc::O_WRONLY)?;
    ops.truncate(a[1]).map(|_| 0)
}

/// The dentry a chmod/chown-style call acts on: a path from `dirfd`, or the fd itself with
/// AT_EMPTY_PATH and "".
fn target(
    t: &mut Task,
    dirfd: i32,
    p: u64,
    follow: bool,
    empty_ok: bool,
) -> SysResult<Arc<Dentry>> {
    let p = path(t, p)?;
    if p.is_empty() && empty_ok {
        if dirfd == libc::AT_FDCWD {
            return Ok(t.fs.cwd.clone());
        }
        return t.fds.get(dirfd)?.dentry.clone().ok_or(Errno::EPERM);
    }
    let start = start_dir(t, dirfd, &p)?;
    t.kernel.vfs.resolve(&t.fs, &start, &p, follow)
}

fn fd_dentry(t: &Task, n: i32) -> SysResult<Arc<Dentry>> {
    let f = t.fds.get(n)?;
    if f.is_path_only() {
        return Err(Errno::EBADF);
    }
    // Pipes, eventfds and memfds have no inode attributes to change yet.
    f.dentry.clone().ok_or(Errno::EPERM)
}

fn chmod_dentry(d: &Dentry, mode: u64) -> SysResult<u64> {
    d.writable()?;
    d.inode.set_mode(mode as u32 & 0o7777).map(|_| 0)
}

fn id_arg(v: u64) -> Option<u32> {
    let v = v as u32;
    (v != u32::MAX).then_some(v)
}

fn chown_dentry(d: &Dentry, uid: u64, gid: u64) -> SysResult<u64> {
    d.writable()?;
    d.inode.set_owner(id_arg(uid), id_arg(gid)).map(|_| 0)
}

pub fn chmod(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let d = target(t, libc::AT_FDCWD, a[0], true, false)?;
    chmod_dentry(&d, a[1])
}

pub fn fchmod(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let d = fd_dentry(t, fd(a[0]))?;
    chmod_dentry(&d, a[1])
}

pub fn fchmodat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let d = target(t, fd(a[0]), a[1], true, false)?;
    chmod_dentry(&d, a[2])
}

pub fn chown(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let d = target(t, libc::AT_FDCWD, a[0], true, false)?;
    chown_dentry(&d, a[1], a[2])
}

pub fn lchown(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let d = target(t, libc::AT_FDCWD, a[0], false, false)?;
    chown_dentry(&d, a[1], a[2])
}

pub fn fchown(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let d = fd_dentry(t, fd(a[0]))?;
    chown_dentry(&d, a[1], a[2])
}

pub fn fchownat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let flags = a[4] as i32;
    if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
    let d = target(t, fd(a[0]), a[1], follow, flags & libc::AT_EMPTY_PATH != 0)?;
    chown_dentry(&d, a[2], a[3])
}

fn do_link(t: &mut Task, odir: i32, op: u64, ndir: i32, np: u64, flags: i32) -> SysResult<u64> {
    if flags & !(libc::AT_SYMLINK_FOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let old = target(
        t,
        odir,
        op,
        flags & libc::AT_SYMLINK_FOLLOW != 0,
        flags & libc::AT_EMPTY_PATH != 0,
    )?;
    if old.is_dir() {
        return Err(Errno::EPERM);
    }
    let np = path(t, np)?;
    let start = start_dir(t, ndir, &np)?;
    let vfs = t.kernel.vfs.clone();
    let (dir, name) = vfs.resolve_parent(&t.fs, &start, &np)?;
    let Some(name) = name else {
        return Err(Errno::EEXIST);
    };
    if dir.mount.id != old.mount.id {
        return Err(Errno::EXDEV);
    }
    match vfs.lookup(&dir, &name) {
        Ok(_) => return Err(Errno::EEXIST),
        Err(Errno::ENOENT) => {}
        Err(e) => return Err(e),
    }
    dir.writable()?;
    dir.inode.link(&name, &old.inode).map(|_| 0)
}

pub fn link(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_link(t, libc::AT_FDCWD, a[0], libc::AT_FDCWD, a[1], 0)
}

pub fn linkat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    do_link(t, fd(a[0]), a[1], fd(a[2]), a[3], a[4] as i32)
}

const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;

pub fn utimensat(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let flags = a[3] as i32;
    if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let times: [(i64, i64); 2] = if a[2] == 0 {
        [(0, UTIME_NOW); 2]
    } else {
        let ts: [libc::timespec; 2] = crate::util::read_struct(t, a[2])?;
        [(ts[0].tv_sec, ts[0].tv_nsec), (ts[1].tv_sec, ts[1].tv_nsec)]
    };
    for &(_, ns) in &times {
        if ns != UTIME_NOW && ns != UTIME_OMIT && !(0..1_000_000_000).contains(&ns) {
            return Err(Errno::EINVAL);
        }
    }
    let d = if a[1] == 0 {
        // futimens: the fd itself.
        fd_dentry(t, fd(a[0]))?
    } else {
        let follow = flags & libc::AT_SYMLINK_NOFOLLOW == 0;
        target(t, fd(a[0]), a[1], follow, flags & libc::AT_EMPTY_PATH != 0)?
    };
    let now = sentry::vfs::now();
    let pick = |(s, ns): (i64, i64)| match ns {
        UTIME_OMIT => None,
        UTIME_NOW => Some(now),
        _ => Some((s, ns)),
    };
    let (at, mt) = (pick(times[0]), pick(times[1]));
    if at.is_none() && mt.is_none() {
        return Ok(0);
    }
    d.writable()?;
    d.inode.set_times(at, mt).map(|_| 0)
}
