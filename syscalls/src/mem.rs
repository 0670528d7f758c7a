//! Memory-management syscalls: argument checks, then the memory manager.

use crate::util::fd;
use platform::Prot;
use sentry::errno::{Errno, SysResult};
use sentry::kernel::Task;
use sentry::mm::MmapRequest;

pub fn mmap(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let (addr, len, prot, flags, off) = (a[0], a[1], Prot(a[2] as u32), a[3] as i32, a[5]);
    let mut req = MmapRequest {
        addr,
        len,
        prot,
        flags,
        file: None,
        file_size: 0,
        max_prot: Prot(7),
    };
    if flags & libc::MAP_ANONYMOUS == 0 {
        let f = t.fds.get(fd(a[4]))?;
        if f.is_path_only() {
            return Err(Errno::EBADF);
        }
        if !f.readable() {
            return Err(Errno::EACCES);
        }
        let src = f.ops.map_source().ok_or(Errno::ENODEV)?;
        req.file_size = f.ops.stat()?.size.max(0) as u64;
        req.file = Some((src, off));
        req.max_prot = if f.writable() { Prot(7) } else { Prot(5) };
    }
    t.mm.mmap(req)
}

pub fn munmap(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    t.mm.munmap(a[0], a[1]).map(|_| 0)
}

pub fn mprotect(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    t.mm.mprotect(a[0], a[1], Prot(a[2] as u32)).map(|_| 0)
}

pub fn brk(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    Ok(t.mm.brk(a[0]))
}

pub fn mremap(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    t.mm.mremap(a[0], a[1], a[2], a[3] as i32, a[4])
}

pub fn madvise(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    t.mm.madvise(a[0], a[1], a[2] as i32).map(|_| 0)
}
