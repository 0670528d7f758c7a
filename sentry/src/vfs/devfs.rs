//! /dev: a tmpfs directory holding the Sentry's own character devices.

use super::{FileOps, Inode, Stat, Tmpfs};
use crate::errno::{Errno, SysResult};
use crate::mm::{IoBuf, MapSource};
use std::any::Any;
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Null,
    Zero,
    Full,
    Random,
}

/// A character device node (numbers as on Linux: 1:3 null, 1:5 zero, 1:7 full, 1:8/1:9 random).
struct Device {
    kind: Kind,
    ino: u64,
    minor: u64,
}

/// Builds the /dev tree.
pub fn new_devfs() -> SysResult<Arc<dyn Inode>> {
    let root = Tmpfs::new_root(0o755);
    let nodes = [
        ("null", Kind::Null, 3),
        ("zero", Kind::Zero, 5),
        ("full", Kind::Full, 7),
        ("random", Kind::Random, 8),
        ("urandom", Kind::Random, 9),
    ];
    for (i, (name, kind, minor)) in nodes.into_iter().enumerate() {
        let dev = Arc::new(Device {
            kind,
            ino: 1000 + i as u64,
            minor,
        });
        root.insert(name.as_bytes(), dev)?;
    }
    Ok(root)
}

/// Fills `buf` with random bytes from the host's entropy pool.
fn fill_random(buf: &mut IoBuf) -> SysResult<usize> {
    let mut tmp = vec![0u8; buf.len().min(1 << 20)];
    crate::random::fill(&mut tmp)?;
    Ok(buf.write_at(0, &tmp))
}

impl Inode for Device {
    fn ino(&self) -> u64 {
        self.ino
    }
    fn mode(&self) -> u32 {
        libc::S_IFCHR | 0o666
    }
    fn stat(&self) -> SysResult<Stat> {
        Ok(Stat {
            dev: 6,
            ino: self.ino,
            mode: self.mode(),
            nlink: 1,
            rdev: libc::makedev(1, self.minor as u32),
            blksize: 4096,
            ..Stat::default()
        })
    }
    fn open(self: Arc<Self>, _flags: i32) -> SysResult<Arc<dyn FileOps>> {
        Ok(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl FileOps for Device {
    fn read(&self, buf: &mut IoBuf, _offset: u64, _flags: i32) -> SysResult<usize> {
        match self.kind {
            Kind::Null => Ok(0),
            Kind::Zero | Kind::Full => {
                let zeros = vec![0u8; buf.len().min(1 << 20)];
                Ok(buf.write_at(0, &zeros))
            }
            Kind::Random => fill_random(buf),
        }
    }
    fn write(&self, buf: &IoBuf, _offset: u64, _flags: i32) -> SysResult<usize> {
        match self.kind {
            Kind::Full => Err(Errno::ENOSPC),
            _ => Ok(buf.len()),
        }
    }
    fn stat(&self) -> SysResult<Stat> {
        Inode::stat(self)
    }
    fn fixed_seek(&self) -> Option<u64> {
        Some(0)
    }
    fn map_source(&self) -> Option<Arc<dyn MapSource>> {
        // Private mappings of /dev/zero are anonymous memory.
        (self.kind == Kind::Zero).then(|| Arc::new(ZeroSource) as Arc<dyn MapSource>)
    }
}

struct ZeroSource;

impl MapSource for ZeroSource {
    fn read_at(&self, _offset: u64, dst: &mut [u8]) -> SysResult<usize> {
        dst.fill(0);
        Ok(dst.len())
    }
}
