//! Platforms: the mechanisms that run guest code in a guest address space and hand every
//! syscall, fault and signal of it back to the Sentry. The platform knows nothing of the Sentry:
//! it maps ranges of the memory file into address spaces and switches register state in and out.

mod error;
mod event;
pub mod ptrace;
mod regs;

pub use error::{Error, Result};
pub use event::{Event, FaultInfo};
pub use regs::Registers;

use std::any::Any;
use std::os::fd::RawFd;

/// Memory protection of a guest mapping, as the `PROT_*` bits of mmap(2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Prot(pub u32);

impl Prot {
    pub const NONE: Prot = Prot(0);
    pub const READ: Prot = Prot(libc::PROT_READ as u32);
    pub const WRITE: Prot = Prot(libc::PROT_WRITE as u32);
    pub const EXEC: Prot = Prot(libc::PROT_EXEC as u32);

    pub fn contains(self, other: Prot) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn readable(self) -> bool {
        self.0 & libc::PROT_READ as u32 != 0
    }
    pub fn writable(self) -> bool {
        self.0 & libc::PROT_WRITE as u32 != 0
    }
}

/// A factory of address spaces and execution contexts.
pub trait Platform: Send + Sync {
    /// Creates an empty guest address space. With ptrace the calling thread becomes the tracer
    /// of the stub process, so it must be the thread that will switch into it.
    fn new_address_space(&self) -> Result<Box<dyn AddressSpace>>;
    /// Creates an execution context for one guest thread.
    fn new_context(&self) -> Result<Box<dyn Context>>;
    /// The lowest address guest mappings may not reach (exclusive upper bound).
    fn max_user_address(&self) -> u64;
}

/// A guest address space: the places where ranges of the memory file are visible.
pub trait AddressSpace: Send {
    /// Maps `[addr, addr+len)` to `[file_offset, file_offset+len)` of the memory file.
    fn map(&self, addr: u64, len: u64, file_offset: u64, prot: Prot) -> Result<()>;
    /// Removes any mapping in `[addr, addr+len)`.
    fn unmap(&self, addr: u64, len: u64) -> Result<()>;
    /// Changes the protection of mapped pages in `[addr, addr+len)`.
    fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<()>;
    /// CPU time guest code has used in this address space, in nanoseconds.
    fn cpu_time_ns(&self) -> u64;
    fn as_any(&self) -> &dyn Any;
}

/// The execution state holder of one guest thread.
pub trait Context: Send {
    /// Runs guest code with `regs` in `aspace` until the next event; `regs` then holds the
    /// guest's registers at the event.
    fn switch(&mut self, aspace: &dyn AddressSpace, regs: &mut Registers) -> Result<Event>;
    /// Reads the guest's FPU/XSAVE state (the raw XSAVE area).
    fn fpu_state(&mut self, aspace: &dyn AddressSpace) -> Result<Vec<u8>>;
    /// Replaces the guest's FPU/XSAVE state.
    fn set_fpu_state(&mut self, aspace: &dyn AddressSpace, state: &[u8]) -> Result<()>;
}

/// What a platform needs from the Sentry's memory file.
#[derive(Clone, Copy, Debug)]
pub struct MemoryFileFd(pub RawFd);
