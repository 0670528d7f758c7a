//! Host syscall allowlists, installed with seccompiler once a process has finished setting up.

use anyhow::Context;
use seccompiler::{apply_filter, BpfProgram, SeccompAction, SeccompFilter, TargetArch};
use std::collections::BTreeMap;

/// What the Gofer needs to serve files: its socket, the *at family on fds it holds, and the
/// memory, thread and signal basics of the Rust runtime. No open(2), no exec, no network.
const GOFER: &[i64] = &[
    libc::SYS_recvmsg,
    libc::SYS_sendmsg,
    libc::SYS_openat,
    libc::SYS_close,
    libc::SYS_fstat,
    libc::SYS_newfstatat,
    libc::SYS_statx,
    libc::SYS_getdents64,
    libc::SYS_readlinkat,
    libc::SYS_mkdirat,
    libc::SYS_unlinkat,
    libc::SYS_renameat,
    libc::SYS_renameat2,
    libc::SYS_fcntl,
    libc::SYS_lseek,
    libc::SYS_write,
    libc::SYS_writev,
    libc::SYS_mmap,
    libc::SYS_munmap,
    libc::SYS_mremap,
    libc::SYS_madvise,
    libc::SYS_mprotect,
    libc::SYS_brk,
    libc::SYS_futex,
    libc::SYS_getrandom,
    libc::SYS_sigaltstack,
    libc::SYS_rt_sigprocmask,
    libc::SYS_rt_sigreturn,
    libc::SYS_sched_yield,
    libc::SYS_clock_gettime,
    libc::SYS_gettid,
    libc::SYS_getpid,
    libc::SYS_exit,
    libc::SYS_exit_group,
];

/// What the Sentry itself needs: I/O on fds it holds, memory, threads, time, tracing its stub
/// processes, and what the stubs run when the Sentry injects into them (the filter is inherited
/// by every stub). Guest syscalls never reach it: PTRACE_SYSEMU stops them before seccomp runs.
const SENTRY: &[i64] = &[
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_readv,
    libc::SYS_writev,
    libc::SYS_pread64,
    libc::SYS_pwrite64,
    libc::SYS_preadv,
    libc::SYS_pwritev,
    libc::SYS_close,
    libc::SYS_close_range,
    libc::SYS_fstat,
    libc::SYS_newfstatat,
    libc::SYS_statx,
    libc::SYS_lseek,
    libc::SYS_fcntl,
    libc::SYS_ioctl,
    libc::SYS_poll,
    libc::SYS_ppoll,
    libc::SYS_sendmsg,
    libc::SYS_recvmsg,
    libc::SYS_mmap,
    libc::SYS_munmap,
    libc::SYS_mprotect,
    libc::SYS_mremap,
    libc::SYS_madvise,
    libc::SYS_brk,
    libc::SYS_ftruncate,
    libc::SYS_fallocate,
    libc::SYS_futex,
    libc::SYS_getrandom,
    libc::SYS_clock_gettime,
    libc::SYS_clock_nanosleep,
    libc::SYS_nanosleep,
    libc::SYS_sched_yield,
    libc::SYS_sched_getaffinity,
    libc::SYS_sched_setaffinity,
    libc::SYS_getcpu,
    libc::SYS_rt_sigaction,
    libc::SYS_rt_sigprocmask,
    libc::SYS_rt_sigreturn,
    libc::SYS_sigaltstack,
    libc::SYS_clone,
    libc::SYS_clone3,
    libc::SYS_set_robust_list,
    libc::SYS_rseq,
    libc::SYS_prlimit64,
    libc::SYS_gettid,
    libc::SYS_getpid,
    libc::SYS_getppid,
    libc::SYS_kill,
    libc::SYS_tgkill,
    libc::SYS_wait4,
    libc::SYS_waitid,
    libc::SYS_ptrace,
    libc::SYS_prctl,
    libc::SYS_exit,
    libc::SYS_exit_group,
    // Let through here only to be refused by the second filter (see install_sentry_filter).
    libc::SYS_openat,
];

fn install(list: &[i64], mismatch: SeccompAction, who: &str) -> anyhow::Result<()> {
    install_with(list, mismatch, SeccompAction::Allow, who)
}

fn install_with(
    list: &[i64],
    mismatch: SeccompAction,
    matched: SeccompAction,
    who: &str,
) -> anyhow::Result<()> {
    let rules = list
        .iter()
        .map(|&nr| (nr, vec![]))
        .collect::<BTreeMap<_, _>>();
    let filter = SeccompFilter::new(rules, mismatch, matched, TargetArch::x86_64)
        .with_context(|| format!("building the {who} seccomp filter"))?;
    let prog: BpfProgram = filter
        .try_into()
        .with_context(|| format!("compiling the {who} seccomp filter"))?;
    apply_filter(&prog).with_context(|| format!("installing the {who} seccomp filter"))
}

/// Installs the Gofer's filter; any other syscall kills the Gofer.
pub fn install_gofer_filter() -> anyhow::Result<()> {
    install(GOFER, SeccompAction::KillProcess, "Gofer")
}

/// Installs the Sentry's filter. Any other host syscall raises SIGSYS, whose handler names the
/// syscall on stderr and ends the sandbox: a missing entry must be explainable, not silent.
pub fn install_sentry_filter() -> anyhow::Result<()> {
    // SAFETY: installs a handler that only makes async-signal-safe calls; sa is fully set.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigsys as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(libc::SIGSYS, &sa, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error()).context("SIGSYS handler");
        }
    }
    // glibc opens /proc/sys/vm/overcommit_memory when it shrinks a thread's malloc arena; the
    // Sentry opens no host file, so openat fails quietly (ENOENT) instead of ending the sandbox.
    // Stacked filters take the strictest verdict, so this one refines the allowlist installed
    // after it (which must come last: it forbids seccomp(2) itself).
    install_with(
        &[libc::SYS_openat],
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOENT as u32),
        "Sentry openat",
    )?;
    install(SENTRY, SeccompAction::Trap, "Sentry")
}

extern "C" fn on_sigsys(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // For SIGSYS the kernel puts si_syscall (an int) at byte 24 of siginfo, after si_call_addr.
    // SAFETY: the kernel passes a valid siginfo to SA_SIGINFO handlers.
    let nr = unsafe { *(info as *const u8).add(24).cast::<i32>() };
    let mut msg =
        *b"runsc: the Sentry made a host syscall outside its seccomp allowlist: 0000000\n";
    let mut v = nr.unsigned_abs();
    let last = msg.len() - 2;
    for i in 0..7 {
        msg[last - i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    // SAFETY: write and _exit are async-signal-safe; msg is a live buffer.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::_exit(1);
    }
}
