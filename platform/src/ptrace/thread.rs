use crate::{Error, MemoryFileFd, Registers, Result};
use std::cell::Cell;

/// One traced thread of a stub process, traced by the Sentry thread that created it.
pub(crate) struct StubThread {
    tid: i32,
    code: u64,
    /// The registers the kernel holds for the stopped thread right now, when known; lets a
    /// switch skip or shrink the register write.
    known: Cell<Option<libc::user_regs_struct>>,
}

// SAFETY: a StubThread is only ever used by the one Sentry thread that traces it (ptrace
// requests from any other thread fail); Send lets it be built before the task thread owns it.
unsafe impl Send for StubThread {}

impl StubThread {
    /// Forks a stub from the calling thread, which becomes its tracer.
    pub(crate) fn spawn(code: u64, memfd: MemoryFileFd) -> Result<StubThread> {
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: the child only makes async-signal-safe raw calls and never returns into Rust
        // code that could touch state another thread held at fork time.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(Error::last("fork stub"));
        }
        if pid == 0 {
            // SAFETY: in the freshly forked child; see stub_child.
            unsafe { stub_child(parent, memfd.0) }
        }
        let t = StubThread {
            tid: pid,
            code,
            known: Cell::new(None),
        };
        let status = t.wait()?;
        if !(libc::WIFSTOPPED(status) && libc::WSTOPSIG(status) == libc::SIGSTOP) {
            return Err(Error::UnexpectedStop { pid, status });
        }
        let opts = libc::PTRACE_O_EXITKILL | libc::PTRACE_O_TRACESYSGOOD;
        t.ptrace(
            libc::PTRACE_SETOPTIONS,
            0,
            opts as usize,
            "PTRACE_SETOPTIONS",
        )?;
        t.get_regs()?;
        Ok(t)
    }

    pub(crate) fn tid(&self) -> i32 {
        self.tid
    }

    pub(crate) fn ptrace(
        &self,
        req: libc::c_uint,
        addr: usize,
        data: usize,
        op: &'static str,
    ) -> Result<libc::c_long> {
        // SAFETY: requests are made on our own tracee; pointer arguments, where a request takes
        // them, point at live buffers of the right size supplied by the caller.
        let r = unsafe { libc::ptrace(req, self.tid, addr, data) };
        if r == -1 {
            return Err(Error::last(op));
        }
        Ok(r)
    }

    /// Waits for the next stop of this thread.
    pub(crate) fn wait(&self) -> Result<i32> {
        let mut status = 0;
        loop {
            // SAFETY: status is a valid out pointer.
            let r = unsafe { libc::waitpid(self.tid, &mut status, libc::__WALL) };
            if r == self.tid {
                break;
            }
            if r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(Error::last("waitpid stub"));
        }
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            return Err(Error::StubExited {
                pid: self.tid,
                status,
            });
        }
        Ok(status)
    }

    pub(crate) fn get_regs(&self) -> Result<libc::user_regs_struct> {
        // SAFETY: plain integers; overwritten by the kernel below.
        let mut r: libc::user_regs_struct = unsafe { std::mem::zeroed() };
        self.ptrace(
            libc::PTRACE_GETREGS,
            0,
            &mut r as *mut _ as usize,
            "PTRACE_GETREGS",
        )?;
        self.known.set(Some(r));
        Ok(r)
    }

    /// Makes the thread's registers equal to `regs`, writing as little as possible.
    pub(crate) fn set_regs(&self, regs: &Registers) -> Result<()> {
        if let Some(k) = self.known.get() {
            if regs.same_as(&k) {
                return Ok(());
            }
            if regs.differs_only_in_rax(&k) {
                let off = std::mem::offset_of!(libc::user_regs_struct, rax);
                self.ptrace(libc::PTRACE_POKEUSER, off, regs.0.rax as usize, "POKEUSER")?;
                self.known.set(Some(regs.0));
                return Ok(());
            }
        }
        self.ptrace(
            libc::PTRACE_SETREGS,
            0,
            &regs.0 as *const _ as usize,
            "PTRACE_SETREGS",
        )?;
        self.known.set(Some(regs.0));
        Ok(())
    }

    /// Runs one syscall in the stub (the thread must be in a ptrace stop) and returns its raw
    /// result. The guest's registers are left for the next switch to restore.
    pub(crate) fn inject(
        &self,
        nr: libc::c_long,
        args: [u64; 6],
        name: &'static str,
    ) -> Result<u64> {
        let mut r = match self.known.get() {
            Some(k) => k,
            None => self.get_regs()?,
        };
        r.rip = self.code;
        r.rax = nr as u64;
        r.orig_rax = u64::MAX;
        r.rdi = args[0];
        r.rsi = args[1];
        r.rdx = args[2];
        r.r10 = args[3];
        r.r8 = args[4];
        r.r9 = args[5];
        self.set_regs(&Registers(r))?;
        self.ptrace(libc::PTRACE_CONT, 0, 0, "PTRACE_CONT")?;
        let status = self.wait()?;
        if !(libc::WIFSTOPPED(status) && libc::WSTOPSIG(status) == libc::SIGTRAP) {
            // SAFETY: plain integers; filled in by the kernel.
            let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
            let _ = self.ptrace(
                libc::PTRACE_GETSIGINFO,
                0,
                &mut si as *mut _ as usize,
                "GETSIGINFO",
            );
            let regs = self.get_regs().ok().map(|r| (r.rip, r.rax));
            // SAFETY: si was filled by the kernel for a fault signal.
            let addr = unsafe { si.si_addr() } as u64;
            tracing::error!(
                "injected {name}: stop {status:#x} code {} addr {addr:#x} regs {regs:x?}",
                si.si_code
            );
            self.known.set(None);
            return Err(Error::UnexpectedStop {
                pid: self.tid,
                status,
            });
        }
        let after = self.get_regs()?;
        let ret = after.rax as i64;
        if (-4095..0).contains(&ret) {
            return Err(Error::Injected {
                name,
                errno: -ret as i32,
            });
        }
        Ok(after.rax)
    }

    /// The stub inherited the forking thread's rseq registration (glibc registers one per
    /// thread); once the Sentry's memory is unmapped the kernel would fault on it at every return
    /// to user mode, so it is dropped first.
    pub(crate) fn unregister_rseq(&self) -> Result<()> {
        #[repr(C)]
        #[derive(Default)]
        struct RseqConfig {
            pointer: u64,
            size: u32,
            signature: u32,
            flags: u32,
            pad: u32,
        }
        const PTRACE_GET_RSEQ_CONFIGURATION: libc::c_uint = 0x420f;
        const RSEQ_FLAG_UNREGISTER: u64 = 1;
        let mut c = RseqConfig::default();
        let size = std::mem::size_of::<RseqConfig>();
        if self
            .ptrace(
                PTRACE_GET_RSEQ_CONFIGURATION,
                size,
                &mut c as *mut _ as usize,
                "GET_RSEQ",
            )
            .is_err()
            || c.pointer == 0
        {
            return Ok(());
        }
        let args = [
            c.pointer,
            c.size as u64,
            RSEQ_FLAG_UNREGISTER,
            c.signature as u64,
            0,
            0,
        ];
        self.inject(libc::SYS_rseq, args, "rseq").map(drop)
    }

    pub(crate) fn forget_regs(&self) {
        self.known.set(None);
    }
}

impl Drop for StubThread {
    fn drop(&mut self) {
        // SAFETY: killing and reaping our own child; failures leave nothing to clean up.
        unsafe {
            libc::kill(self.tid, libc::SIGKILL);
            let mut st = 0;
            libc::waitpid(self.tid, &mut st, libc::__WALL);
        }
    }
}

/// Body of a freshly forked stub: make itself traceable, drop all other fds, stop. The tracer
/// then unmaps everything but the code page, so nothing after the stop ever runs.
///
/// # Safety
/// Must be called only in the child right after fork.
unsafe fn stub_child(parent: i32, memfd: i32) -> ! {
    // SAFETY: raw async-signal-safe syscalls on our own process.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() != parent {
            libc::_exit(1);
        }
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
        if memfd > 0 {
            libc::syscall(libc::SYS_close_range, 0u32, (memfd - 1) as u32, 0u32);
        }
        libc::syscall(libc::SYS_close_range, (memfd + 1) as u32, u32::MAX, 0u32);
        libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
        libc::kill(libc::getpid(), libc::SIGSTOP);
        libc::_exit(1)
    }
}
