use super::thread::StubThread;
use crate::{AddressSpace, Error, MemoryFileFd, Prot, Result};
use std::any::Any;

/// Top of the x86-64 user address space (47-bit, one guard page short of 2^47).
const TASK_SIZE: u64 = 0x7fff_ffff_f000;
const PAGE: u64 = 4096;

/// The one page of code a stub keeps: `syscall; int3`. The Sentry points a stopped stub thread
/// at it to make the stub execute an injected syscall and stop again right after.
pub(crate) struct StubCode {
    addr: u64,
}

impl StubCode {
    pub(crate) fn new() -> Result<StubCode> {
        // SAFETY: a fresh anonymous mapping chosen by the kernel; it overlaps nothing of ours.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                PAGE as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(Error::last("mmap stub code"));
        }
        let code: [u8; 3] = [0x0f, 0x05, 0xcc];
        // SAFETY: p is a writable page we just mapped and own; 3 bytes fit in it.
        unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), p as *mut u8, code.len()) };
        // SAFETY: p is page aligned and mapped; making our own page read+exec.
        if unsafe { libc::mprotect(p, PAGE as usize, libc::PROT_READ | libc::PROT_EXEC) } != 0 {
            return Err(Error::last("mprotect stub code"));
        }
        Ok(StubCode { addr: p as u64 })
    }

    /// Address of the `syscall` instruction; also the guest's address ceiling.
    pub(crate) fn addr(&self) -> u64 {
        self.addr
    }
}

/// An address space of the ptrace platform: one stub process.
pub struct PtraceAddressSpace {
    pub(crate) thread: StubThread,
    memfd: MemoryFileFd,
}

impl PtraceAddressSpace {
    pub(crate) fn new(code: &StubCode, memfd: MemoryFileFd) -> Result<PtraceAddressSpace> {
        let thread = StubThread::spawn(code.addr(), memfd)?;
        thread.unregister_rseq()?;
        // Drop everything the stub inherited from the Sentry except the stub code page.
        thread.inject(libc::SYS_munmap, [0, code.addr(), 0, 0, 0, 0], "munmap")?;
        let above = code.addr() + PAGE;
        thread.inject(
            libc::SYS_munmap,
            [above, TASK_SIZE - above, 0, 0, 0, 0],
            "munmap",
        )?;
        Ok(PtraceAddressSpace { thread, memfd })
    }

    /// Host pid of the stub process.
    pub fn pid(&self) -> i32 {
        self.thread.tid()
    }
}

impl AddressSpace for PtraceAddressSpace {
    fn map(&self, addr: u64, len: u64, file_offset: u64, prot: Prot) -> Result<()> {
        let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
        let args = [
            addr,
            len,
            prot.0 as u64,
            flags,
            self.memfd.0 as u64,
            file_offset,
        ];
        let got = self.thread.inject(libc::SYS_mmap, args, "mmap")?;
        if got != addr {
            return Err(Error::Injected {
                name: "mmap",
                errno: 0,
            });
        }
        Ok(())
    }

    fn unmap(&self, addr: u64, len: u64) -> Result<()> {
        self.thread
            .inject(libc::SYS_munmap, [addr, len, 0, 0, 0, 0], "munmap")
            .map(drop)
    }

    fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<()> {
        let args = [addr, len, prot.0 as u64, 0, 0, 0];
        self.thread
            .inject(libc::SYS_mprotect, args, "mprotect")
            .map(drop)
    }

    fn cpu_time_ns(&self) -> u64 {
        // The process CPU clock of the stub: MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED).
        let clock = ((!self.pid()) << 3) | 2;
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: ts is a valid out pointer.
        if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
            return 0;
        }
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
