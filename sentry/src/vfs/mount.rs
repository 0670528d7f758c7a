use super::Inode;
use crate::errno::{Errno, SysResult};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// A filesystem attached to the tree.
pub struct Mount {
    pub id: u64,
    pub root: Arc<dyn Inode>,
    /// Where it is attached; `None` for the root mount.
    pub mountpoint: Option<Arc<Dentry>>,
    pub read_only: bool,
    pub fs_type: &'static str,
}

/// An inode reached along a path: its name, its parent, and its mount.
pub struct Dentry {
    pub inode: Arc<dyn Inode>,
    /// `None` for the root of a mount.
    pub parent: Option<Arc<Dentry>>,
    pub name: Vec<u8>,
    pub mount: Arc<Mount>,
}

impl Dentry {
    pub fn is_dir(&self) -> bool {
        super::file_type(self.inode.mode()) == libc::S_IFDIR
    }

    /// The root dentry of a mount.
    pub fn mount_root(mount: &Arc<Mount>) -> Arc<Dentry> {
        Arc::new(Dentry {
            inode: mount.root.clone(),
            parent: None,
            name: Vec::new(),
            mount: mount.clone(),
        })
    }

    /// Fails with EROFS when the dentry is on a read-only mount.
    pub fn writable(&self) -> SysResult<()> {
        if self.mount.read_only {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }
}

/// The mount tree.
pub struct Vfs {
    root: Arc<Dentry>,
    mounts: RwLock<Vec<Arc<Mount>>>,
    next_id: AtomicU64,
}

impl Vfs {
    pub fn new(root: Arc<dyn Inode>, read_only: bool, fs_type: &'static str) -> Vfs {
        let m = Arc::new(Mount {
            id: 1,
            root,
            mountpoint: None,
            read_only,
            fs_type,
        });
        Vfs {
            root: Dentry::mount_root(&m),
            mounts: RwLock::new(vec![m]),
            next_id: AtomicU64::new(2),
        }
    }

    pub fn root(&self) -> Arc<Dentry> {
        self.root.clone()
    }

    /// Attaches `root` over the directory `at`.
    pub fn mount(
        &self,
        at: Arc<Dentry>,
        root: Arc<dyn Inode>,
        read_only: bool,
        fs_type: &'static str,
    ) -> SysResult<()> {
        if !at.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let m = Arc::new(Mount {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            root,
            mountpoint: Some(at),
            read_only,
            fs_type,
        });
        self.mounts
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(m);
        Ok(())
    }

    /// The mount attached at `d`, if any (the latest wins).
    pub(crate) fn mounted_at(&self, d: &Dentry) -> Option<Arc<Mount>> {
        let ino = d.inode.ino();
        let mounts = self.mounts.read().unwrap_or_else(|p| p.into_inner());
        mounts
            .iter()
            .rev()
            .find(|m| {
                m.mountpoint
                    .as_ref()
                    .is_some_and(|mp| mp.mount.id == d.mount.id && mp.inode.ino() == ino)
            })
            .cloned()
    }
}
