//! Argument decoding shared by the handlers.

use sentry::errno::{Errno, SysResult};
use sentry::kernel::Task;
use sentry::vfs::{Dentry, PATH_MAX};
use std::sync::Arc;

/// Largest byte count one read or write moves, as on Linux.
pub const MAX_RW: usize = 0x7fff_f000;

pub fn fd(a: u64) -> i32 {
    a as i32
}

/// A path argument.
pub fn path(t: &mut Task, addr: u64) -> SysResult<Vec<u8>> {
    if addr == 0 {
        return Err(Errno::EFAULT);
    }
    t.mm.read_cstring(addr, PATH_MAX)
}

/// Where a relative path given with `dirfd` starts.
pub fn start_dir(t: &Task, dirfd: i32, path: &[u8]) -> SysResult<Arc<Dentry>> {
    if path.first() == Some(&b'/') || dirfd == libc::AT_FDCWD {
        return Ok(t.fs.cwd.clone());
    }
    let f = t.fds.get(dirfd)?;
    match &f.dentry {
        Some(d) if d.is_dir() => Ok(d.clone()),
        _ => Err(Errno::ENOTDIR),
    }
}

/// Reads a plain-data struct from guest memory.
pub fn read_struct<T: Copy>(t: &mut Task, addr: u64) -> SysResult<T> {
    let mut buf = vec![0u8; std::mem::size_of::<T>()];
    t.mm.copy_in(addr, &mut buf)?;
    // SAFETY: buf holds size_of::<T>() bytes and T is a plain-data libc struct for which any
    // bit pattern is valid; read_unaligned copes with the Vec's alignment.
    Ok(unsafe { std::ptr::read_unaligned(buf.as_ptr() as *const T) })
}

/// Writes a plain-data struct to guest memory.
pub fn write_struct<T: Copy>(t: &mut Task, addr: u64, v: &T) -> SysResult<()> {
    // SAFETY: T is a plain-data struct; viewing its bytes is valid.
    let b =
        unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) };
    t.mm.copy_out(addr, b)
}

/// Reads a timespec and checks it the way nanosleep(2) does.
pub fn read_timespec(t: &mut Task, addr: u64) -> SysResult<libc::timespec> {
    let ts: libc::timespec = read_struct(t, addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(ts)
}
