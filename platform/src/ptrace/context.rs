use super::stub::PtraceAddressSpace;
use crate::{AddressSpace, Error, Event, FaultInfo, Registers, Result};

/// Signal number ptrace reports for a syscall stop with `PTRACE_O_TRACESYSGOOD`.
const SYSCALL_STOP: i32 = libc::SIGTRAP | 0x80;
const NT_X86_XSTATE: usize = 0x202;
const XSAVE_MAX: usize = 16384;

/// A guest thread's context on the ptrace platform. Its registers live in the stub thread
/// between switches.
pub struct PtraceContext {
    _private: (),
}

impl PtraceContext {
    pub(crate) fn new() -> PtraceContext {
        PtraceContext { _private: () }
    }
}

fn stub(aspace: &dyn AddressSpace) -> Result<&PtraceAddressSpace> {
    aspace
        .as_any()
        .downcast_ref::<PtraceAddressSpace>()
        .ok_or(Error::ForeignAddressSpace)
}

impl crate::Context for PtraceContext {
    fn switch(&mut self, aspace: &dyn AddressSpace, regs: &mut Registers) -> Result<Event> {
        let t = &stub(aspace)?.thread;
        t.set_regs(regs)?;
        t.ptrace(libc::PTRACE_SYSEMU, 0, 0, "PTRACE_SYSEMU")?;
        let status = t.wait()?;
        if !libc::WIFSTOPPED(status) {
            return Err(Error::UnexpectedStop {
                pid: t.tid(),
                status,
            });
        }
        let sig = libc::WSTOPSIG(status);
        regs.0 = t.get_regs()?;
        if sig == SYSCALL_STOP {
            return Ok(Event::Syscall);
        }
        // SAFETY: plain integers; filled in by the kernel.
        let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
        t.ptrace(
            libc::PTRACE_GETSIGINFO,
            0,
            &mut si as *mut _ as usize,
            "PTRACE_GETSIGINFO",
        )?;
        if si.si_code <= 0 {
            // Sent by a host process, not raised by the guest's own instruction: not the
            // guest's business. Suppressed by the next resume.
            return Ok(Event::Interrupted);
        }
        // SAFETY: for the fault signals (si_code > 0) the kernel fills si_addr.
        let addr = unsafe { si.si_addr() } as u64;
        let info = FaultInfo {
            signo: sig,
            code: si.si_code,
            addr,
        };
        Ok(if sig == libc::SIGSEGV {
            Event::PageFault(info)
        } else {
            Event::Signal(info)
        })
    }

    fn fpu_state(&mut self, aspace: &dyn AddressSpace) -> Result<Vec<u8>> {
        let t = &stub(aspace)?.thread;
        let mut buf = vec![0u8; XSAVE_MAX];
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        t.ptrace(
            libc::PTRACE_GETREGSET,
            NT_X86_XSTATE,
            &mut iov as *mut _ as usize,
            "PTRACE_GETREGSET xstate",
        )?;
        buf.truncate(iov.iov_len);
        Ok(buf)
    }

    fn set_fpu_state(&mut self, aspace: &dyn AddressSpace, state: &[u8]) -> Result<()> {
        let t = &stub(aspace)?.thread;
        let mut iov = libc::iovec {
            iov_base: state.as_ptr() as *mut libc::c_void,
            iov_len: state.len(),
        };
        t.ptrace(
            libc::PTRACE_SETREGSET,
            NT_X86_XSTATE,
            &mut iov as *mut _ as usize,
            "PTRACE_SETREGSET xstate",
        )?;
        t.forget_regs();
        Ok(())
    }
}
