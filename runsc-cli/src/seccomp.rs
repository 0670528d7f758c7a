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

/// Installs the Gofer's filter; any other syscall kills the Gofer.
pub fn install_gofer_filter() -> anyhow::Result<()> {
    let rules = GOFER
        .iter()
        .map(|&nr| (nr, vec![]))
        .collect::<BTreeMap<_, _>>();
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::KillProcess,
        SeccompAction::Allow,
        TargetArch::x86_64,
    )
    .context("building the Gofer's seccomp filter")?;
    let prog: BpfProgram = filter
        .try_into()
        .context("compiling the Gofer's seccomp filter")?;
    apply_filter(&prog).context("installing the Gofer's seccomp filter")
}
