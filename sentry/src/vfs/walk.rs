//! Path resolution: components, `.` and `..`, mount crossings and symlinks, all resolved by the
//! Sentry against the sandbox's own root.

use super::{file_type, Dentry, Vfs, MAX_SYMLINKS, NAME_MAX};
use crate::errno::{Errno, SysResult};
use std::sync::Arc;

/// A task's filesystem view.
#[derive(Clone)]
pub struct FsContext {
    pub root: Arc<Dentry>,
    pub cwd: Arc<Dentry>,
    pub umask: u32,
}

fn is_symlink(d: &Dentry) -> bool {
    file_type(d.inode.mode()) == libc::S_IFLNK
}

impl Vfs {
    /// The parent of `d` as `..` sees it: never above the task's root, across mount roots.
    fn parent_of(&self, ctx: &FsContext, d: &Arc<Dentry>) -> Arc<Dentry> {
        let mut d = d.clone();
        loop {
            if Arc::ptr_eq(&d, &ctx.root) || same(&d, &ctx.root) {
                return d;
            }
            match (&d.parent, &d.mount.mountpoint) {
                (Some(p), _) => return p.clone(),
                (None, Some(mp)) => d = mp.clone(),
                (None, None) => return d,
            }
        }
    }

    /// Looks `name` up in directory `dir`, stepping into a mount attached there.
    fn child(&self, dir: &Arc<Dentry>, name: &[u8]) -> SysResult<Arc<Dentry>> {
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let inode = dir.inode.lookup(name)?;
        let d = Arc::new(Dentry {
            inode,
            parent: Some(dir.clone()),
            name: name.to_vec(),
            mount: dir.mount.clone(),
        });
        Ok(self.cross_mounts(d))
    }

    fn cross_mounts(&self, mut d: Arc<Dentry>) -> Arc<Dentry> {
        while let Some(m) = self.mounted_at(&d) {
            d = Dentry::mount_root(&m);
        }
        d
    }

    /// Resolves `path` from `start` (used for relative paths). `follow` says whether a symlink
    /// in the last component is followed.
    pub fn resolve(
        &self,
        ctx: &FsContext,
        start: &Arc<Dentry>,
        path: &[u8],
        follow: bool,
    ) -> SysResult<Arc<Dentry>> {
        let mut links = 0;
        self.walk(ctx, start, path, follow, &mut links)
    }

    fn walk(
        &self,
        ctx: &FsContext,
        start: &Arc<Dentry>,
        path: &[u8],
        follow: bool,
        links: &mut u32,
    ) -> SysResult<Arc<Dentry>> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let mut cur = if path[0] == b'/' {
            ctx.root.clone()
        } else {
            start.clone()
        };
        let must_be_dir = path.ends_with(b"/");
        let comps: Vec<&[u8]> = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .collect();
        for (i, c) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            if !cur.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            match *c {
                b"." => continue,
                b".." => {
                    cur = self.parent_of(ctx, &cur);
                    continue;
                }
                _ => {}
            }
            let next = self.child(&cur, c)?;
            if is_symlink(&next) && (!last || follow || must_be_dir) {
                *links += 1;
                if *links > MAX_SYMLINKS {
                    return Err(Errno::ELOOP);
                }
                let target = next.inode.readlink()?;
                cur = self.walk(ctx, &cur, &target, true, links)?;
                continue;
            }
            cur = next;
        }
        if must_be_dir && !cur.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(cur)
    }

    /// Resolves all but the last component of `path`; returns the directory and the last name.
    /// A path whose last component is `.` or `..` (or that is `/`) yields `None` as the name.
    pub fn resolve_parent(
        &self,
        ctx: &FsContext,
        start: &Arc<Dentry>,
        path: &[u8],
    ) -> SysResult<(Arc<Dentry>, Option<Vec<u8>>)> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let trimmed = {
            let mut p = path;
            while p.len() > 1 && p.ends_with(b"/") {
                p = &p[..p.len() - 1];
            }
            p
        };
        let (dir_part, name) = match trimmed.iter().rposition(|&b| b == b'/') {
            Some(i) => (&trimmed[..i + 1], &trimmed[i + 1..]),
            None => (&b""[..], trimmed),
        };
        let dir = if dir_part.is_empty() {
            start.clone()
        } else {
            self.resolve(ctx, start, dir_part, true)?
        };
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if name.is_empty() || name == b"." || name == b".." {
            return Ok((dir, None));
        }
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        Ok((dir, Some(name.to_vec())))
    }

    /// Looks up one name in a resolved directory (no symlink following).
    pub fn lookup(&self, dir: &Arc<Dentry>, name: &[u8]) -> SysResult<Arc<Dentry>> {
        self.child(dir, name)
    }

    /// The path of `d` as seen from `ctx.root`.
    pub fn path_of(&self, ctx: &FsContext, d: &Arc<Dentry>) -> Vec<u8> {
        let mut names: Vec<&[u8]> = Vec::new();
        let mut cur = d;
        let mut guard = 0;
        loop {
            guard += 1;
            if Arc::ptr_eq(cur, &ctx.root) || same(cur, &ctx.root) || guard > 4096 {
                break;
            }
            match (&cur.parent, &cur.mount.mountpoint) {
                (Some(p), _) => {
                    names.push(&cur.name);
                    cur = p;
                }
                (None, Some(mp)) => cur = mp,
                (None, None) => break,
            }
        }
        if names.is_empty() {
            return b"/".to_vec();
        }
        let mut out = Vec::new();
        for n in names.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(n);
        }
        out
    }
}

/// Two dentries name the same place (same mount, same inode).
fn same(a: &Dentry, b: &Dentry) -> bool {
    a.mount.id == b.mount.id && a.inode.ino() == b.inode.ino()
}
