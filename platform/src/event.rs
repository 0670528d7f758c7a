/// Why the guest stopped running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The guest executed `syscall`; the number is in `orig_rax`, nothing ran on the host.
    Syscall,
    /// The guest touched memory it has no mapping for, or violated a mapping's protection.
    PageFault(FaultInfo),
    /// A synchronous signal other than a page fault (SIGILL, SIGFPE, SIGTRAP, SIGBUS...).
    Signal(FaultInfo),
    /// The guest was stopped from outside (e.g. to deliver a signal or shut down).
    Interrupted,
}

/// The siginfo fields that describe a synchronous guest fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultInfo {
    pub signo: i32,
    pub code: i32,
    pub addr: u64,
}
