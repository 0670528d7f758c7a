//! Signal dispositions. Handlers are recorded; running them (frames, sigreturn) is not done yet,
//! so a signal that has a handler stays pending.

/// A sigaction as the guest set it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    CoreDump,
    Ignore,
    Stop,
    Continue,
}

/// What a signal does when its disposition is SIG_DFL.
pub fn default_action(sig: i32) -> DefaultAction {
    match sig {
        libc::SIGCHLD | libc::SIGURG | libc::SIGWINCH => DefaultAction::Ignore,
        libc::SIGCONT => DefaultAction::Continue,
        libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU => DefaultAction::Stop,
        libc::SIGQUIT
        | libc::SIGILL
        | libc::SIGTRAP
        | libc::SIGABRT
        | libc::SIGBUS
        | libc::SIGFPE
        | libc::SIGSEGV
        | libc::SIGXCPU
        | libc::SIGXFSZ
        | libc::SIGSYS => DefaultAction::CoreDump,
        _ => DefaultAction::Terminate,
    }
}

/// Per-process dispositions and per-thread mask and pending set.
#[derive(Clone, Debug)]
pub struct SignalState {
    pub actions: [SigAction; 64],
    pub mask: u64,
    pub pending: u64,
    /// The alternate signal stack (sigaltstack): base, size, flags.
    pub altstack: (u64, u64, i32),
}

impl Default for SignalState {
    fn default() -> Self {
        SignalState {
            actions: [SigAction::default(); 64],
            mask: 0,
            pending: 0,
            altstack: (0, 0, libc::SS_DISABLE),
        }
    }
}

/// Bit of signal `sig` in a sigset.
pub fn sigbit(sig: i32) -> u64 {
    1u64 << ((sig - 1) as u64 & 63)
}
