use super::allocator::Allocator;
use super::PAGE_SIZE;
use crate::errno::Errno;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Mutex;

/// Virtual address space reserved in the Sentry for its view of the memory file.
const RESERVE: u64 = 1 << 38;
/// The file grows in steps of this many bytes.
const GROW_STEP: u64 = 64 << 20;

pub struct MemoryFile {
    fd: OwnedFd,
    base: *mut u8,
    alloc: Mutex<Allocator>,
}

// SAFETY: `base` is a fixed mapping owned by the MemoryFile for its whole life; every mutation of
// shared state goes through the allocator mutex.
unsafe impl Send for MemoryFile {}
// SAFETY: as above.
unsafe impl Sync for MemoryFile {}

impl MemoryFile {
    pub fn new() -> std::io::Result<MemoryFile> {
        // SAFETY: the name is a valid C string; the returned fd is owned below.
        let fd = unsafe { libc::memfd_create(c"runsc-memory".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: a fresh fd that nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: reserving fresh address space; nothing is overwritten.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                RESERVE as usize,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(MemoryFile {
            fd,
            base: base.cast(),
            alloc: Mutex::new(Allocator::default()),
        })
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Allocator> {
        self.alloc.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Allocates `len` bytes (a page multiple) of zeroed, contiguous memory; returns the offset.
    pub fn allocate(&self, len: u64) -> Result<u64, Errno> {
        let pages = len / PAGE_SIZE;
        let mut a = self.lock();
        if let Some(p) = a.alloc(pages) {
            return Ok(p * PAGE_SIZE);
        }
        let old = a.size * PAGE_SIZE;
        let new = (old + len).div_ceil(GROW_STEP) * GROW_STEP;
        if new > RESERVE {
            return Err(Errno::ENOMEM);
        }
        // SAFETY: growing our own memfd.
        if unsafe { libc::ftruncate(self.fd.as_raw_fd(), new as i64) } != 0 {
            return Err(Errno::ENOMEM);
        }
        // SAFETY: [base+old, base+new) lies inside our PROT_NONE reservation; replacing it with
        // the file's new range is what the reservation is for.
        let p = unsafe {
            libc::mmap(
                self.base.add(old as usize).cast(),
                (new - old) as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_FIXED,
                self.fd.as_raw_fd(),
                old as i64,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(Errno::ENOMEM);
        }
        a.grow(new / PAGE_SIZE);
        let p = a.alloc(pages).ok_or(Errno::ENOMEM)?;
        Ok(p * PAGE_SIZE)
    }

    /// Adds a reference to each page of `[off, off+len)`.
    pub fn incref(&self, off: u64, len: u64) {
        self.lock().incref(off / PAGE_SIZE, len / PAGE_SIZE);
    }

    /// Drops a reference from each page of `[off, off+len)`; pages nobody references are
    /// returned to the host (hole-punched, so they read as zero when reused).
    pub fn decref(&self, off: u64, len: u64) {
        let freed = self.lock().decref(off / PAGE_SIZE, len / PAGE_SIZE);
        for (p, n) in freed {
            // SAFETY: punching a hole in our own memfd; no pointer is involved.
            unsafe {
                libc::fallocate(
                    self.fd.as_raw_fd(),
                    libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                    (p * PAGE_SIZE) as i64,
                    (n * PAGE_SIZE) as i64,
                );
            }
        }
    }

    /// Pointer to byte `off` of the file in the Sentry's view. The range up to `off+len` must
    /// have been allocated.
    pub fn ptr(&self, off: u64) -> *mut u8 {
        debug_assert!(off < RESERVE);
        // SAFETY: off is inside the reservation, so the sum stays inside one allocation.
        unsafe { self.base.add(off as usize) }
    }
}

impl Drop for MemoryFile {
    fn drop(&mut self) {
        // SAFETY: unmapping our own reservation; no reference into it outlives self.
        unsafe { libc::munmap(self.base.cast(), RESERVE as usize) };
    }
}
