/// General registers of a guest thread, in the layout of `struct user_regs_struct` (which
/// includes the FS and GS bases). FPU state travels separately, see `Context::fpu_state`.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct Registers(pub libc::user_regs_struct);

impl std::fmt::Debug for Registers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.0;
        write!(
            f,
            "rip={:#x} rsp={:#x} rax={:#x} orig_rax={:#x} rdi={:#x} rsi={:#x} rdx={:#x} fs_base={:#x}",
            r.rip, r.rsp, r.rax, r.orig_rax, r.rdi, r.rsi, r.rdx, r.fs_base
        )
    }
}

/// User code and stack selectors of x86-64 Linux.
pub const USER_CS: u64 = 0x33;
pub const USER_SS: u64 = 0x2b;
/// RFLAGS with interrupts enabled and the reserved bit set.
pub const INITIAL_RFLAGS: u64 = 0x202;

impl Registers {
    /// Registers of a fresh user thread that starts at `rip` with stack `rsp`.
    pub fn new_user(rip: u64, rsp: u64) -> Registers {
        // SAFETY: user_regs_struct is plain integers; all-zero is a valid value.
        let mut r: libc::user_regs_struct = unsafe { std::mem::zeroed() };
        r.rip = rip;
        r.rsp = rsp;
        r.cs = USER_CS;
        r.ss = USER_SS;
        r.eflags = INITIAL_RFLAGS;
        Registers(r)
    }

    /// The syscall number of a syscall stop.
    pub fn syscall_nr(&self) -> u64 {
        self.0.orig_rax
    }

    /// The six syscall arguments in ABI order.
    pub fn syscall_args(&self) -> [u64; 6] {
        let r = &self.0;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]
    }

    pub fn set_return(&mut self, v: u64) {
        self.0.rax = v;
    }

    pub(crate) fn same_as(&self, other: &libc::user_regs_struct) -> bool {
        let a = words(&self.0);
        let b = words(other);
        a == b
    }

    pub(crate) fn differs_only_in_rax(&self, other: &libc::user_regs_struct) -> bool {
        let mut a = self.0;
        a.rax = other.rax;
        words(&a) == words(other)
    }
}

fn words(r: &libc::user_regs_struct) -> &[u64; 27] {
    const _: () = assert!(std::mem::size_of::<libc::user_regs_struct>() == 27 * 8);
    // SAFETY: user_regs_struct is 27 consecutive u64 fields (checked above), so it has the
    // size and alignment of [u64; 27].
    unsafe { &*(r as *const libc::user_regs_struct as *const [u64; 27]) }
}
