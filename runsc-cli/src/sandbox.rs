//! Starting the Gofer and the sandbox processes, and confining them.

use crate::cli::Cli;
use anyhow::Context;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};

/// The fd number a child finds its connection at.
pub const CHILD_FD: i32 = 3;

/// A connected pair of SOCK_SEQPACKET sockets.
pub fn socketpair() -> anyhow::Result<(OwnedFd, OwnedFd)> {
    use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
    socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .context("socketpair")
}

/// The flags every runsc child inherits from its parent.
fn global_args(cli: &Cli) -> Vec<String> {
    let mut a = Vec::new();
    if cli.debug {
        a.push("--debug".into());
    }
    if let Some(p) = &cli.debug_log {
        a.push(format!("--debug-log={}", p.display()));
    }
    if let Some(p) = &cli.log {
        a.push(format!("--log={}", p.display()));
    }
    if cli.strace {
        a.push("--strace".into());
    }
    a.push(format!("--log-format={:?}", cli.log_format).to_lowercase());
    a
}

/// The CPU the sandbox's processes share: Sentry and Gofer (and the stubs) talk in round trips,
/// and on this kind of machine a wakeup across CPUs costs ten times one on the same CPU. Only
/// single-threaded guests exist so far, so one CPU loses nothing yet.
pub fn sandbox_cpu() -> Option<usize> {
    // SAFETY: sched_getcpu has no preconditions.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).ok()
}

/// Runs `runsc <args>` with `fd` at CHILD_FD, on `cpu` when given.
pub fn spawn_self(
    cli: &Cli,
    args: &[String],
    fd: &OwnedFd,
    cpu: Option<usize>,
) -> anyhow::Result<Child> {
    let exe = std::env::current_exe().context("finding the runsc binary")?;
    let raw = fd.as_raw_fd();
    let mut cmd = Command::new(exe);
    cmd.args(global_args(cli)).args(args);
    // SAFETY: the closure runs in the forked child before exec and only calls prctl,
    // sched_setaffinity, dup2 and fcntl, which are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            // The sandbox must not outlive the runsc that started it.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if let Some(c) = cpu.filter(|&c| c < libc::CPU_SETSIZE as usize) {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(c, &mut set);
                // Best effort: a cgroup may forbid that CPU.
                libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
            }
            if raw == CHILD_FD {
                let fl = libc::fcntl(raw, libc::F_GETFD);
                if fl < 0 || libc::fcntl(raw, libc::F_SETFD, fl & !libc::FD_CLOEXEC) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(raw, CHILD_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().context("starting a runsc child process")
}

fn check(r: libc::c_int, what: &str) -> anyhow::Result<()> {
    if r < 0 {
        Err(std::io::Error::last_os_error()).with_context(|| what.to_string())
    } else {
        Ok(())
    }
}

/// Confines the sandbox process: own mount, UTS and IPC namespaces, and a root that is an empty
/// tmpfs, so that nothing of the host's filesystem is reachable from the Sentry.
pub fn confine_sentry() -> anyhow::Result<()> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        tracing::warn!("not root: the Sentry runs without namespace and chroot confinement");
        return Ok(());
    }
    // SAFETY: each call below changes only this process's own namespaces, mounts and root;
    // the string arguments are NUL-terminated literals.
    unsafe {
        check(
            libc::unshare(libc::CLONE_NEWNS | libc::CLONE_NEWUTS | libc::CLONE_NEWIPC),
            "unshare",
        )?;
        check(
            libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ),
            "making mounts private",
        )?;
        check(
            libc::mount(
                c"none".as_ptr(),
                c"/proc".as_ptr(),
                c"tmpfs".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                c"size=4k,mode=0555".as_ptr().cast(),
            ),
            "mounting the empty root",
        )?;
        check(libc::chroot(c"/proc".as_ptr()), "chroot")?;
        check(libc::chdir(c"/".as_ptr()), "chdir")?;
        check(
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
            "no_new_privs",
        )?;
    }
    drop_capabilities()
}

/// Drops every capability, bounding set included: the Sentry traces only its own children and
/// uses only fds it already holds, which needs none. Capabilities are per thread, so this must
/// run before the task threads start.
fn drop_capabilities() -> anyhow::Result<()> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Default, Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
    for cap in 0..64 {
        // SAFETY: PR_CAPBSET_DROP only changes this process; unknown caps fail with EINVAL.
        unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) };
    }
    let mut h = Header {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let d = [Data::default(); 2];
    // SAFETY: h and d are the header and two data words capset(2) expects for version 3.
    let r = unsafe { libc::syscall(libc::SYS_capset, &mut h as *mut Header, d.as_ptr()) };
    check(r as libc::c_int, "dropping capabilities")
}

/// Confines the Gofer to the directory it serves.
pub fn confine_gofer(root: &std::path::Path) -> anyhow::Result<()> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        tracing::warn!("not root: the Gofer runs without chroot");
        return Ok(());
    }
    let c = std::ffi::CString::new(root.as_os_str().as_encoded_bytes())
        .context("root path contains NUL")?;
    // SAFETY: c is NUL-terminated; the calls change only this process.
    unsafe {
        check(
            libc::unshare(libc::CLONE_NEWNS | libc::CLONE_NEWNET | libc::CLONE_NEWIPC),
            "unshare",
        )?;
        check(libc::chroot(c.as_ptr()), "chroot")?;
        check(libc::chdir(c"/".as_ptr()), "chdir")?;
        check(
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
            "no_new_privs",
        )?;
    }
    Ok(())
}
