use super::Task;
use crate::errno::SysResult;
use std::sync::atomic::{AtomicU64, Ordering};

/// A syscall implementation: the task and the six raw arguments.
pub type Handler = fn(&mut Task, &[u64; 6]) -> SysResult<u64>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Implemented with Linux's semantics.
    Full,
    /// Implemented for the common cases; the note says what is missing.
    Partial,
    /// Not implemented: the guest gets ENOSYS.
    Unimplemented,
}

impl Support {
    pub fn as_str(self) -> &'static str {
        match self {
            Support::Full => "full",
            Support::Partial => "partial",
            Support::Unimplemented => "unimplemented",
        }
    }
}

/// How strace shows an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    Int,
    Hex,
    Fd,
    /// A NUL-terminated path in guest memory.
    Path,
    /// A buffer the guest passes in; its length is argument `n`.
    InBuf(u8),
    /// A buffer the syscall fills; its length is the return value.
    OutBuf,
    /// open(2)-style flags.
    OpenFlags,
    Ptr,
}

pub struct SyscallEntry {
    pub nr: u32,
    pub name: &'static str,
    pub handler: Option<Handler>,
    pub support: Support,
    pub note: &'static str,
    pub args: &'static [ArgKind],
}

/// Formats a syscall for strace: on entry (arguments) and on exit (arguments, result).
pub struct StraceHooks {
    pub enter: fn(&mut Task, &SyscallEntry, &[u64; 6]) -> String,
    pub exit: fn(&mut Task, &SyscallEntry, &[u64; 6], &SysResult<u64>) -> String,
}

pub struct SyscallTable {
    entries: Vec<Option<SyscallEntry>>,
    pub strace: Option<StraceHooks>,
    /// One bit per syscall number already reported as unimplemented.
    reported: Vec<AtomicU64>,
}

impl SyscallTable {
    pub fn new(entries: Vec<SyscallEntry>, strace: Option<StraceHooks>) -> SyscallTable {
        let max = entries.iter().map(|e| e.nr as usize).max().unwrap_or(0);
        let mut v: Vec<Option<SyscallEntry>> = (0..=max).map(|_| None).collect();
        for e in entries {
            let i = e.nr as usize;
            v[i] = Some(e);
        }
        let words = v.len().div_ceil(64);
        SyscallTable {
            entries: v,
            strace,
            reported: (0..words).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    pub fn get(&self, nr: u64) -> Option<&SyscallEntry> {
        self.entries.get(usize::try_from(nr).ok()?)?.as_ref()
    }

    pub fn entries(&self) -> impl Iterator<Item = &SyscallEntry> {
        self.entries.iter().flatten()
    }

    /// True the first time it is asked about `nr`.
    pub fn first_report(&self, nr: u64) -> bool {
        let Some(w) = self.reported.get((nr / 64) as usize) else {
            return true;
        };
        let bit = 1u64 << (nr % 64);
        w.fetch_or(bit, Ordering::Relaxed) & bit == 0
    }
}
