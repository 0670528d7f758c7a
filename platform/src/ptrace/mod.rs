//! The ptrace platform. An address space is a *stub process* forked from the Sentry that keeps
//! nothing of the Sentry's memory but one code page (`syscall; int3`); guest memory appears in it
//! as `MAP_SHARED` mappings of the memory file, made by injecting `mmap` into the stub. Guest
//! threads run in the stub under `PTRACE_SYSEMU`, so no guest syscall ever executes on the host.

mod context;
mod stub;
mod thread;

pub use context::PtraceContext;
pub use stub::PtraceAddressSpace;

use crate::{AddressSpace, Context, MemoryFileFd, Platform, Result};
use stub::StubCode;

/// The ptrace platform. Create it once per sandbox, before any address space.
pub struct PtracePlatform {
    code: StubCode,
    memfd: MemoryFileFd,
}

impl PtracePlatform {
    /// `memfd` is the memory file every stub inherits and maps guest memory from.
    pub fn new(memfd: MemoryFileFd) -> Result<PtracePlatform> {
        Ok(PtracePlatform {
            code: StubCode::new()?,
            memfd,
        })
    }
}

impl Platform for PtracePlatform {
    fn new_address_space(&self) -> Result<Box<dyn AddressSpace>> {
        Ok(Box::new(PtraceAddressSpace::new(&self.code, self.memfd)?))
    }

    fn new_context(&self) -> Result<Box<dyn Context>> {
        Ok(Box::new(PtraceContext::new()))
    }

    fn max_user_address(&self) -> u64 {
        self.code.addr()
    }
}
