//! The kernel proper: the sandbox-wide state, tasks and their run loop, and the syscall table
//! type that the `syscalls` crate fills.

mod exec;
mod limits;
mod signals;
mod table;
mod task;

pub use exec::{ExecError, InitSpec};
pub use limits::{Rlimit, Rlimits};
pub use signals::{default_action, DefaultAction, SigAction, SignalState};
pub use table::{ArgKind, Handler, StraceHooks, Support, SyscallEntry, SyscallTable};
pub use task::{Credentials, ExitStatus, Task};

use crate::memory::MemoryFile;
use crate::vfs::Vfs;
use platform::Platform;
use std::sync::Arc;
use std::time::Instant;

/// The identity the sandbox presents through uname(2).
pub struct Utsname {
    pub sysname: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
    pub domainname: String,
}

impl Default for Utsname {
    fn default() -> Self {
        Utsname {
            sysname: "Linux".into(),
            nodename: "runsc".into(),
            release: RELEASE.into(),
            version: "#1 SMP Sentry".into(),
            machine: "x86_64".into(),
            domainname: "(none)".into(),
        }
    }
}

/// The kernel release the Sentry reports: the Linux ABI level it aims at, marked as its own.
pub const RELEASE: &str = "6.1.0-sentry";

/// Sandbox-wide kernel state.
pub struct Kernel {
    pub platform: Box<dyn Platform>,
    pub memory: Arc<MemoryFile>,
    pub vfs: Arc<Vfs>,
    pub table: SyscallTable,
    pub uts: Utsname,
    /// Log every syscall (`--strace`).
    pub strace: bool,
    pub boot: Instant,
    /// CPUs the guest sees.
    pub ncpus: usize,
    /// Physical memory the guest sees, in bytes.
    pub total_ram: u64,
}
