//! The gofer-backed filesystem: the container's files, reached through the Gofer process.
//! Opening a regular file gets a host fd donated by the Gofer; reads and writes then go
//! directly to it.

use super::{file_type, DirEntry, FileOps, HostFile, Inode, Stat};
use crate::errno::{Errno, SysResult};
use gofer::{Client, Fid};
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct GoferFs {
    client: Arc<Client>,
    /// Nothing but the Gofer's own view can change a read-only root, so lookups may be cached.
    cache: bool,
}

/// Most names remembered per directory.
const CACHE_PER_DIR: usize = 4096;

impl GoferFs {
    /// Attaches to the Gofer's root.
    /// Attaches to the Gofer's root; `read_only` roots get a lookup cache.
    pub fn attach(client: Arc<Client>, read_only: bool) -> SysResult<Arc<dyn Inode>> {
        let (fid, stat) = client.attach()?;
        let fs = Arc::new(GoferFs {
            client,
            cache: read_only,
        });
        Ok(Arc::new(GoferInode::new(fs, fid, stat)))
    }
}

struct GoferInode {
    fs: Arc<GoferFs>,
    fid: Fid,
    /// Attributes when the node was walked; type and inode number never change.
    stat: Stat,
    /// Looked-up children (`None`: known not to exist), on cached filesystems.
    children: Mutex<HashMap<Vec<u8>, Option<Arc<GoferInode>>>>,
}

impl Drop for GoferInode {
    fn drop(&mut self) {
        self.fs.client.close(self.fid);
    }
}

impl GoferInode {
    fn new(fs: Arc<GoferFs>, fid: Fid, stat: Stat) -> GoferInode {
        GoferInode {
            fs,
            fid,
            stat,
            children: Mutex::new(HashMap::new()),
        }
    }

    fn node(&self, fid: Fid, stat: Stat) -> Arc<GoferInode> {
        Arc::new(GoferInode::new(self.fs.clone(), fid, stat))
    }

    fn walk_one(&self, name: &[u8]) -> SysResult<Arc<GoferInode>> {
        let nodes = self.fs.client.walk(self.fid, &[name])?;
        let (fid, stat) = nodes.into_iter().next().ok_or(Errno::ENOENT)?;
        Ok(self.node(fid, stat))
    }
}

impl Inode for GoferInode {
    fn ino(&self) -> u64 {
        self.stat.ino
    }

    fn mode(&self) -> u32 {
        self.stat.mode
    }

    fn stat(&self) -> SysResult<Stat> {
        if self.fs.cache {
            return Ok(self.stat);
        }
        self.fs.client.stat(self.fid)
    }

    fn lookup(&self, name: &[u8]) -> SysResult<Arc<dyn Inode>> {
        if file_type(self.stat.mode) != libc::S_IFDIR {
            return Err(Errno::ENOTDIR);
        }
        if !self.fs.cache {
            return Ok(self.walk_one(name)?);
        }
        let mut cache = self.children.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(hit) = cache.get(name) {
            return hit
                .clone()
                .map(|n| n as Arc<dyn Inode>)
                .ok_or(Errno::ENOENT);
        }
        let r = self.walk_one(name);
        let remember = match &r {
            Ok(n) => Some(Some(n.clone())),
            Err(Errno::ENOENT) => Some(None),
            Err(_) => None,
        };
        if let Some(entry) = remember {
            if cache.len() < CACHE_PER_DIR {
                cache.insert(name.to_vec(), entry);
            }
        }
        Ok(r?)
    }

    fn readlink(&self) -> SysResult<Vec<u8>> {
        if file_type(self.stat.mode) != libc::S_IFLNK {
            return Err(Errno::EINVAL);
        }
        self.fs.client.readlink(self.fid)
    }

    fn open(self: Arc<Self>, flags: i32) -> SysResult<Arc<dyn FileOps>> {
        match file_type(self.stat.mode) {
            libc::S_IFDIR => Ok(Arc::new(GoferDir { inode: self })),
            libc::S_IFREG => {
                let pass = libc::O_ACCMODE | libc::O_TRUNC;
                let fd = self.fs.client.open(self.fid, flags & pass)?;
                Ok(HostFile::new(fd))
            }
            // Host devices, fifos and sockets are not reachable through the Gofer.
            _ => Err(Errno::ENXIO),
        }
    }

    fn create(
        &self,
        name: &[u8],
        flags: i32,
        mode: u32,
    ) -> SysResult<(Arc<dyn Inode>, Arc<dyn FileOps>)> {
        let pass = libc::O_ACCMODE | libc::O_TRUNC | libc::O_EXCL;
        let (fid, stat, fd) = self.fs.client.create(self.fid, name, flags & pass, mode)?;
        Ok((self.node(fid, stat), HostFile::new(fd)))
    }

    fn mkdir(&self, name: &[u8], mode: u32) -> SysResult<()> {
        let (fid, stat) = self.fs.client.mkdir(self.fid, name, mode)?;
        drop(self.node(fid, stat));
        Ok(())
    }

    fn unlink(&self, name: &[u8], dir: bool) -> SysResult<()> {
        let flags = if dir { libc::AT_REMOVEDIR } else { 0 };
        self.fs.client.unlink(self.fid, name, flags)
    }

    fn rename(&self, old: &[u8], new_dir: &dyn Inode, new: &[u8]) -> SysResult<()> {
        let nd = new_dir
            .as_any()
            .downcast_ref::<GoferInode>()
            .filter(|n| Arc::ptr_eq(&n.fs, &self.fs))
            .ok_or(Errno::EXDEV)?;
        self.fs.client.rename(self.fid, old, nd.fid, new)
    }

    fn readdir(&self) -> SysResult<Vec<DirEntry>> {
        let mut ents = self.fs.client.getdents(self.fid)?;
        ents.retain(|e| e.name != b"." && e.name != b"..");
        Ok(ents)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An open gofer directory.
struct GoferDir {
    inode: Arc<GoferInode>,
}

impl FileOps for GoferDir {
    fn read(&self, _buf: &mut crate::mm::IoBuf, _offset: u64, _flags: i32) -> SysResult<usize> {
        Err(Errno::EISDIR)
    }
    fn write(&self, _buf: &crate::mm::IoBuf, _offset: u64, _flags: i32) -> SysResult<usize> {
        Err(Errno::EISDIR)
    }
    fn stat(&self) -> SysResult<Stat> {
        self.inode.stat()
    }
    fn readdir(&self) -> SysResult<Vec<DirEntry>> {
        self.inode.readdir()
    }
}
