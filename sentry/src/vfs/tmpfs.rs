//! tmpfs: files and directories that live in Sentry memory.

use super::{dtype, file_type, now, DirEntry, FileOps, Inode, Stat};
use crate::errno::{Errno, SysResult};
use crate::mm::{IoBuf, MapSource};
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Largest tmpfs file.
const MAX_FILE: u64 = 1 << 34;

/// One tmpfs instance.
pub struct Tmpfs {
    dev: u64,
    next_ino: AtomicU64,
}

static NEXT_DEV: AtomicU64 = AtomicU64::new(0x100);

impl Tmpfs {
    /// A new tmpfs and its root directory.
    pub fn new_root(mode: u32) -> Arc<TmpInode> {
        let fs = Arc::new(Tmpfs {
            dev: NEXT_DEV.fetch_add(1, Ordering::Relaxed),
            next_ino: AtomicU64::new(1),
        });
        TmpInode::new(
            &fs,
            libc::S_IFDIR | (mode & 0o7777),
            Data::Dir(BTreeMap::new()),
        )
    }
}

enum Data {
    File(Vec<u8>),
    Dir(BTreeMap<Vec<u8>, Arc<dyn Inode>>),
    Symlink(Vec<u8>),
}

struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u64,
    atime: (i64, i64),
    mtime: (i64, i64),
    ctime: (i64, i64),
    data: Data,
}

impl Meta {
    fn kind_is_reg(&self) -> bool {
        file_type(self.mode) == libc::S_IFREG
    }
}

pub struct TmpInode {
    fs: Arc<Tmpfs>,
    ino: u64,
    kind: u32,
    meta: Mutex<Meta>,
}

impl TmpInode {
    fn new(fs: &Arc<Tmpfs>, mode: u32, data: Data) -> Arc<TmpInode> {
        let t = now();
        let nlink = if file_type(mode) == libc::S_IFDIR {
            2
        } else {
            1
        };
        Arc::new(TmpInode {
            fs: fs.clone(),
            ino: fs.next_ino.fetch_add(1, Ordering::Relaxed),
            kind: file_type(mode),
            meta: Mutex::new(Meta {
                mode,
                uid: 0,
                gid: 0,
                nlink,
                atime: t,
                mtime: t,
                ctime: t,
                data,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Meta> {
        self.meta.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A regular file linked into no directory (memfd_create).
    pub fn new_anonymous_file() -> Arc<TmpInode> {
        let fs = Arc::new(Tmpfs {
            dev: NEXT_DEV.fetch_add(1, Ordering::Relaxed),
            next_ino: AtomicU64::new(1),
        });
        let f = TmpInode::new(&fs, libc::S_IFREG | 0o777, Data::File(Vec::new()));
        f.lock().nlink = 0;
        f
    }

    /// Adds a child made elsewhere (devfs puts its device nodes in a tmpfs directory).
    pub fn insert(&self, name: &[u8], child: Arc<dyn Inode>) -> SysResult<()> {
        let mut m = self.lock();
        match &mut m.data {
            Data::Dir(ents) => {
                ents.insert(name.to_vec(), child);
                Ok(())
            }
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn new_child(&self, name: &[u8], mode: u32, data: Data) -> SysResult<Arc<TmpInode>> {
        let mut m = self.lock();
        let Data::Dir(ents) = &mut m.data else {
            return Err(Errno::ENOTDIR);
        };
        if ents.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let child = TmpInode::new(&self.fs, mode, data);
        ents.insert(name.to_vec(), child.clone());
        let is_dir = file_type(mode) == libc::S_IFDIR;
        if is_dir {
            m.nlink += 1;
        }
        m.mtime = now();
        m.ctime = m.mtime;
        Ok(child)
    }

    fn is_empty_dir(&self) -> bool {
        matches!(&self.lock().data, Data::Dir(e) if e.is_empty())
    }
}

fn as_tmp(i: &dyn Inode) -> Option<&TmpInode> {
    i.as_any().downcast_ref::<TmpInode>()
}

impl Inode for TmpInode {
    fn ino(&self) -> u64 {
        self.ino
    }

    fn mode(&self) -> u32 {
        self.lock().mode
    }

    fn stat(&self) -> SysResult<Stat> {
        let m = self.lock();
        let size = match &m.data {
            Data::File(v) => v.len() as i64,
            Data::Symlink(t) => t.len() as i64,
            Data::Dir(_) => 4096,
        };
        Ok(Stat {
            dev: self.fs.dev,
            ino: self.ino,
            mode: m.mode,
            nlink: m.nlink,
            uid: m.uid,
            gid: m.gid,
            rdev: 0,
            size,
            blksize: 4096,
            blocks: (size + 511) / 512,
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
        })
    }

    fn lookup(&self, name: &[u8]) -> SysResult<Arc<dyn Inode>> {
        match &self.lock().data {
            Data::Dir(ents) => ents.get(name).cloned().ok_or(Errno::ENOENT),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn readlink(&self) -> SysResult<Vec<u8>> {
        match &self.lock().data {
            Data::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn open(self: Arc<Self>, flags: i32) -> SysResult<Arc<dyn FileOps>> {
        if flags & libc::O_TRUNC != 0 && flags & libc::O_ACCMODE != libc::O_RDONLY {
            let mut m = self.lock();
            if let Data::File(v) = &mut m.data {
                v.clear();
                m.mtime = now();
                m.ctime = m.mtime;
            }
        }
        Ok(Arc::new(TmpFile { inode: self }))
    }

    fn create(
        &self,
        name: &[u8],
        flags: i32,
        mode: u32,
    ) -> SysResult<(Arc<dyn Inode>, Arc<dyn FileOps>)> {
        let child = self.new_child(
            name,
            libc::S_IFREG | (mode & 0o7777),
            Data::File(Vec::new()),
        )?;
        let ops = child.clone().open(flags)?;
        Ok((child, ops))
    }

    fn mkdir(&self, name: &[u8], mode: u32) -> SysResult<()> {
        self.new_child(
            name,
            libc::S_IFDIR | (mode & 0o7777),
            Data::Dir(BTreeMap::new()),
        )
        .map(drop)
    }

    fn symlink(&self, name: &[u8], target: &[u8]) -> SysResult<()> {
        self.new_child(name, libc::S_IFLNK | 0o777, Data::Symlink(target.to_vec()))
            .map(drop)
    }

    fn link(&self, name: &[u8], target: &Arc<dyn Inode>) -> SysResult<()> {
        let Some(t) = as_tmp(target.as_ref()) else {
            return Err(Errno::EXDEV);
        };
        if !Arc::ptr_eq(&t.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        if t.kind == libc::S_IFDIR {
            return Err(Errno::EPERM);
        }
        let mut m = self.lock();
        let Data::Dir(ents) = &mut m.data else {
            return Err(Errno::ENOTDIR);
        };
        if ents.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        ents.insert(name.to_vec(), target.clone());
        m.mtime = now();
        m.ctime = m.mtime;
        drop(m);
        let mut tm = t.lock();
        tm.nlink += 1;
        tm.ctime = now();
        Ok(())
    }

    fn set_mode(&self, mode: u32) -> SysResult<()> {
        let mut m = self.lock();
        m.mode = (m.mode & libc::S_IFMT) | (mode & 0o7777);
        m.ctime = now();
        Ok(())
    }

    fn set_times(&self, atime: Option<(i64, i64)>, mtime: Option<(i64, i64)>) -> SysResult<()> {
        let mut m = self.lock();
        if let Some(a) = atime {
            m.atime = a;
        }
        if let Some(t) = mtime {
            m.mtime = t;
        }
        m.ctime = now();
        Ok(())
    }

    fn set_owner(&self, uid: Option<u32>, gid: Option<u32>) -> SysResult<()> {
        let mut m = self.lock();
        if let Some(u) = uid {
            m.uid = u;
        }
        if let Some(g) = gid {
            m.gid = g;
        }
        // A change of owner clears set-user-ID (and set-group-ID when group-executable).
        if m.kind_is_reg() && (uid.is_some() || gid.is_some()) {
            m.mode &= !libc::S_ISUID;
            if m.mode & libc::S_IXGRP != 0 {
                m.mode &= !libc::S_ISGID;
            }
        }
        m.ctime = now();
        Ok(())
    }

    fn unlink(&self, name: &[u8], dir: bool) -> SysResult<()> {
        let mut m = self.lock();
        let Data::Dir(ents) = &mut m.data else {
            return Err(Errno::ENOTDIR);
        };
        let child = ents.get(name).ok_or(Errno::ENOENT)?;
        let is_dir = file_type(child.mode()) == libc::S_IFDIR;
        match (dir, is_dir) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            (true, true) if !as_tmp(child.as_ref()).is_some_and(|c| c.is_empty_dir()) => {
                return Err(Errno::ENOTEMPTY)
            }
            _ => {}
        }
        if let Some(c) = as_tmp(child.as_ref()) {
            let mut cm = c.lock();
            cm.nlink = cm.nlink.saturating_sub(if is_dir { 2 } else { 1 });
            cm.ctime = now();
        }
        ents.remove(name);
        if is_dir {
            m.nlink -= 1;
        }
        m.mtime = now();
        m.ctime = m.mtime;
        Ok(())
    }

    fn rename(&self, old: &[u8], new_dir: &dyn Inode, new: &[u8]) -> SysResult<()> {
        let Some(nd) = as_tmp(new_dir) else {
            return Err(Errno::EXDEV);
        };
        if !Arc::ptr_eq(&nd.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        let moving = self.lookup(old)?;
        let moving_dir = file_type(moving.mode()) == libc::S_IFDIR;
        if let Ok(existing) = nd.lookup(new) {
            if Arc::ptr_eq(&existing, &moving) {
                return Ok(());
            }
            let existing_dir = file_type(existing.mode()) == libc::S_IFDIR;
            match (moving_dir, existing_dir) {
                (true, false) => return Err(Errno::ENOTDIR),
                (false, true) => return Err(Errno::EISDIR),
                (true, true) if !as_tmp(existing.as_ref()).is_some_and(|c| c.is_empty_dir()) => {
                    return Err(Errno::ENOTEMPTY)
                }
                _ => {}
            }
            nd.unlink(new, existing_dir)?;
        }
        if moving_dir {
            // A directory cannot move into itself or below itself.
            if let Some(mt) = as_tmp(moving.as_ref()) {
                if mt.ino == nd.ino || contains(mt, nd.ino) {
                    return Err(Errno::EINVAL);
                }
            }
        }
        let taken = {
            let mut m = self.lock();
            let Data::Dir(ents) = &mut m.data else {
                return Err(Errno::ENOTDIR);
            };
            let c = ents.remove(old).ok_or(Errno::ENOENT)?;
            if moving_dir {
                m.nlink -= 1;
            }
            m.mtime = now();
            c
        };
        let mut m = nd.lock();
        if let Data::Dir(ents) = &mut m.data {
            ents.insert(new.to_vec(), taken);
        }
        if moving_dir {
            m.nlink += 1;
        }
        m.mtime = now();
        Ok(())
    }

    fn readdir(&self) -> SysResult<Vec<DirEntry>> {
        match &self.lock().data {
            Data::Dir(ents) => Ok(ents
                .iter()
                .map(|(n, i)| DirEntry {
                    ino: i.ino(),
                    kind: dtype(i.mode()),
                    name: n.clone(),
                })
                .collect()),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Whether directory `d` holds inode `ino` anywhere below it.
fn contains(d: &TmpInode, ino: u64) -> bool {
    let kids: Vec<Arc<dyn Inode>> = match &d.lock().data {
        Data::Dir(e) => e.values().cloned().collect(),
        _ => return false,
    };
    kids.iter().any(|k| {
        k.ino() == ino
            || as_tmp(k.as_ref()).is_some_and(|t| t.kind == libc::S_IFDIR && contains(t, ino))
    })
}

/// An open tmpfs file or directory.
struct TmpFile {
    inode: Arc<TmpInode>,
}

impl FileOps for TmpFile {
    fn read(&self, buf: &mut IoBuf, offset: u64, _flags: i32) -> SysResult<usize> {
        let mut m = self.inode.lock();
        let n = match &m.data {
            Data::File(v) => {
                let start = (offset as usize).min(v.len());
                buf.write_at(0, &v[start..])
            }
            Data::Dir(_) => return Err(Errno::EISDIR),
            Data::Symlink(_) => return Err(Errno::EINVAL),
        };
        m.atime = now();
        Ok(n)
    }

    fn write(&self, buf: &IoBuf, offset: u64, _flags: i32) -> SysResult<usize> {
        let mut m = self.inode.lock();
        let Data::File(v) = &mut m.data else {
            return Err(Errno::EISDIR);
        };
        let end = offset.checked_add(buf.len() as u64).ok_or(Errno::EFBIG)?;
        if end > MAX_FILE {
            return Err(Errno::EFBIG);
        }
        if v.len() < end as usize {
            v.resize(end as usize, 0);
        }
        let n = buf.read_at(0, &mut v[offset as usize..end as usize]);
        m.mtime = now();
        m.ctime = m.mtime;
        Ok(n)
    }

    fn stat(&self) -> SysResult<Stat> {
        self.inode.stat()
    }

    fn truncate(&self, len: u64) -> SysResult<()> {
        if len > MAX_FILE {
            return Err(Errno::EFBIG);
        }
        let mut m = self.inode.lock();
        let Data::File(v) = &mut m.data else {
            return Err(Errno::EINVAL);
        };
        v.resize(len as usize, 0);
        m.mtime = now();
        m.ctime = m.mtime;
        Ok(())
    }

    fn map_source(&self) -> Option<Arc<dyn MapSource>> {
        Some(Arc::new(TmpMapSource(self.inode.clone())))
    }

    fn readdir(&self) -> SysResult<Vec<DirEntry>> {
        self.inode.readdir()
    }
}

struct TmpMapSource(Arc<TmpInode>);

impl MapSource for TmpMapSource {
    fn read_at(&self, offset: u64, dst: &mut [u8]) -> SysResult<usize> {
        match &self.0.lock().data {
            Data::File(v) => {
                let start = (offset as usize).min(v.len());
                let n = (v.len() - start).min(dst.len());
                dst[..n].copy_from_slice(&v[start..start + n]);
                Ok(n)
            }
            _ => Err(Errno::ENODEV),
        }
    }
}
