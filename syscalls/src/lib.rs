//! The linux/amd64 system call table of the Sentry: every number with its name, and for the
//! implemented ones their handler, support level and strace argument kinds.

mod fs;
mod io;
mod mem;
mod misc;
mod names;
mod poll;
mod process;
mod stat;
mod strace;
mod time;
mod util;

pub use names::NAMES;

use sentry::kernel::ArgKind::{self, *};
use sentry::kernel::{Handler, Support, SyscallEntry, SyscallTable};
use std::collections::HashMap;

type Impl = (
    &'static str,
    Handler,
    Support,
    &'static str,
    &'static [ArgKind],
);

const F: Support = Support::Full;
const P: Support = Support::Partial;

/// The implemented syscalls.
const IMPLEMENTED: &[Impl] = &[
    ("read", io::read, F, "", &[Fd, OutBuf, Int]),
    ("write", io::write, F, "", &[Fd, InBuf(2), Int]),
    ("readv", io::readv, F, "", &[Fd, Ptr, Int]),
    ("writev", io::writev, F, "", &[Fd, Ptr, Int]),
    ("pread64", io::pread64, F, "", &[Fd, OutBuf, Int, Int]),
    ("pwrite64", io::pwrite64, F, "", &[Fd, InBuf(2), Int, Int]),
    ("open", fs::open, P, "no O_TMPFILE", &[Path, OpenFlags, Hex]),
    (
        "openat",
        fs::openat,
        P,
        "no O_TMPFILE",
        &[Fd, Path, OpenFlags, Hex],
    ),
    ("creat", fs::creat, F, "", &[Path, Hex]),
    ("close", io::close, F, "", &[Fd]),
    (
        "lseek",
        io::lseek,
        P,
        "no SEEK_DATA/SEEK_HOLE",
        &[Fd, Int, Int],
    ),
    ("stat", stat::stat, F, "", &[Path, Ptr]),
    ("fstat", stat::fstat, F, "", &[Fd, Ptr]),
    ("lstat", stat::lstat, F, "", &[Path, Ptr]),
    ("newfstatat", stat::newfstatat, F, "", &[Fd, Path, Ptr, Hex]),
    (
        "statx",
        stat::statx,
        P,
        "basic fields only",
        &[Fd, Path, Hex, Hex, Ptr],
    ),
    ("getdents64", fs::getdents64, F, "", &[Fd, Ptr, Int]),
    (
        "access",
        fs::access,
        P,
        "guest is root: only W_OK on read-only mounts and X_OK are refused",
        &[Path, Int],
    ),
    ("faccessat", fs::faccessat, P, "as access", &[Fd, Path, Int]),
    (
        "faccessat2",
        fs::faccessat2,
        P,
        "as access",
        &[Fd, Path, Int, Hex],
    ),
    ("readlink", fs::readlink, F, "", &[Path, OutBuf, Int]),
    (
        "readlinkat",
        fs::readlinkat,
        F,
        "",
        &[Fd, Path, OutBuf, Int],
    ),
    ("getcwd", fs::getcwd, F, "", &[OutBuf, Int]),
    ("chdir", fs::chdir, F, "", &[Path]),
    ("fchdir", fs::fchdir, F, "", &[Fd]),
    ("mkdir", fs::mkdir, F, "", &[Path, Hex]),
    ("mkdirat", fs::mkdirat, F, "", &[Fd, Path, Hex]),
    ("unlink", fs::unlink, F, "", &[Path]),
    ("unlinkat", fs::unlinkat, F, "", &[Fd, Path, Hex]),
    ("rmdir", fs::rmdir, F, "", &[Path]),
    ("rename", fs::rename, F, "", &[Path, Path]),
    ("renameat", fs::renameat, F, "", &[Fd, Path, Fd, Path]),
    (
        "renameat2",
        fs::renameat2,
        P,
        "no RENAME_EXCHANGE/WHITEOUT",
        &[Fd, Path, Fd, Path, Hex],
    ),
    ("symlink", fs::symlink, P, "tmpfs only", &[Path, Path]),
    (
        "symlinkat",
        fs::symlinkat,
        P,
        "tmpfs only",
        &[Path, Fd, Path],
    ),
    ("umask", fs::umask, F, "", &[Hex]),
    ("dup", io::dup, F, "", &[Fd]),
    ("dup2", io::dup2, F, "", &[Fd, Fd]),
    ("dup3", io::dup3, F, "", &[Fd, Fd, Hex]),
    (
        "fcntl",
        io::fcntl,
        P,
        "F_DUPFD*, F_GETFD/SETFD, F_GETFL/SETFL only; no locks",
        &[Fd, Int, Hex],
    ),
    (
        "ioctl",
        io::ioctl,
        P,
        "TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO, FIOCLEX",
        &[Fd, Hex, Hex],
    ),
    ("pipe", io::pipe, F, "", &[Ptr]),
    ("pipe2", io::pipe2, F, "", &[Ptr, Hex]),
    (
        "mmap",
        mem::mmap,
        P,
        "no writable MAP_SHARED file mappings",
        &[Hex, Hex, Hex, Hex, Fd, Hex],
    ),
    ("munmap", mem::munmap, F, "", &[Hex, Hex]),
    ("mprotect", mem::mprotect, F, "", &[Hex, Hex, Hex]),
    (
        "mremap",
        mem::mremap,
        P,
        "no MREMAP_DONTUNMAP",
        &[Hex, Hex, Hex, Hex, Hex],
    ),
    ("brk", mem::brk, F, "", &[Hex]),
    (
        "madvise",
        mem::madvise,
        P,
        "DONTNEED frees; other advice is accepted and ignored",
        &[Hex, Hex, Int],
    ),
    (
        "arch_prctl",
        process::arch_prctl,
        P,
        "FS/GS base only",
        &[Hex, Hex],
    ),
    ("set_tid_address", process::set_tid_address, F, "", &[Ptr]),
    (
        "exit",
        process::exit,
        P,
        "single-threaded processes",
        &[Int],
    ),
    ("exit_group", process::exit_group, F, "", &[Int]),
    ("getpid", process::getpid, F, "", &[]),
    ("gettid", process::gettid, F, "", &[]),
    ("getppid", process::getppid, F, "", &[]),
    ("getuid", process::getuid, F, "", &[]),
    ("geteuid", process::geteuid, F, "", &[]),
    ("getgid", process::getgid, F, "", &[]),
    ("getegid", process::getegid, F, "", &[]),
    ("uname", process::uname, F, "", &[Ptr]),
    (
        "sysinfo",
        process::sysinfo,
        P,
        "memory and uptime of the sandbox",
        &[Ptr],
    ),
    (
        "prlimit64",
        process::prlimit64,
        P,
        "own process only; limits recorded, NOFILE enforced",
        &[Int, Int, Ptr, Ptr],
    ),
    (
        "getrlimit",
        process::getrlimit,
        P,
        "as prlimit64",
        &[Int, Ptr],
    ),
    (
        "setrlimit",
        process::setrlimit,
        P,
        "as prlimit64",
        &[Int, Ptr],
    ),
    (
        "rt_sigaction",
        process::rt_sigaction,
        P,
        "recorded; handlers are not run yet",
        &[Int, Ptr, Ptr, Int],
    ),
    (
        "rt_sigprocmask",
        process::rt_sigprocmask,
        P,
        "recorded",
        &[Int, Ptr, Ptr, Int],
    ),
    (
        "kill",
        process::kill,
        P,
        "own process only; default actions",
        &[Int, Int],
    ),
    (
        "tgkill",
        process::tgkill,
        P,
        "own thread only; default actions",
        &[Int, Int, Int],
    ),
    ("tkill", process::tkill, P, "as tgkill", &[Int, Int]),
    (
        "clock_gettime",
        time::clock_gettime,
        P,
        "no per-pid CPU clocks",
        &[Int, Ptr],
    ),
    (
        "clock_getres",
        time::clock_getres,
        P,
        "as clock_gettime",
        &[Int, Ptr],
    ),
    ("gettimeofday", time::gettimeofday, F, "", &[Ptr, Ptr]),
    ("time", time::time, F, "", &[Ptr]),
    (
        "nanosleep",
        time::nanosleep,
        P,
        "not interruptible by signals yet",
        &[Ptr, Ptr],
    ),
    (
        "clock_nanosleep",
        time::clock_nanosleep,
        P,
        "as nanosleep",
        &[Int, Hex, Ptr, Ptr],
    ),
    (
        "poll",
        poll::poll,
        P,
        "readiness is re-sampled while waiting; not interruptible yet",
        &[Ptr, Int, Int],
    ),
    (
        "ppoll",
        poll::ppoll,
        P,
        "as poll; the signal mask argument is not applied",
        &[Ptr, Int, Ptr, Ptr, Int],
    ),
    (
        "set_robust_list",
        process::set_robust_list,
        P,
        "recorded; lists are not walked at exit yet",
        &[Ptr, Int],
    ),
    ("getresuid", process::getresuid, F, "", &[Ptr, Ptr, Ptr]),
    ("getresgid", process::getresgid, F, "", &[Ptr, Ptr, Ptr]),
    (
        "getgroups",
        process::getgroups,
        P,
        "no supplementary groups",
        &[Int, Ptr],
    ),
    ("getpgid", process::getpgid, P, "own process only", &[Int]),
    ("getpgrp", process::getpgrp, F, "", &[]),
    ("getsid", process::getsid, P, "own process only", &[Int]),
    (
        "setsid",
        process::setsid,
        P,
        "every process leads its group so far: EPERM",
        &[],
    ),
    (
        "setpgid",
        process::setpgid,
        P,
        "own group only",
        &[Int, Int],
    ),
    (
        "prctl",
        process::prctl,
        P,
        "NAME, PDEATHSIG, DUMPABLE, NO_NEW_PRIVS",
        &[Int, Hex, Hex, Hex, Hex],
    ),
    (
        "getrusage",
        process::getrusage,
        P,
        "user time and maxrss of self",
        &[Int, Ptr],
    ),
    ("times", process::times, P, "user time of self", &[Ptr]),
    (
        "sched_getscheduler",
        misc::sched_getscheduler,
        P,
        "always SCHED_OTHER",
        &[Int],
    ),
    (
        "sched_getparam",
        misc::sched_getparam,
        P,
        "always priority 0",
        &[Int, Ptr],
    ),
    (
        "sched_get_priority_max",
        misc::sched_get_priority_max,
        F,
        "",
        &[Int],
    ),
    (
        "sched_get_priority_min",
        misc::sched_get_priority_min,
        F,
        "",
        &[Int],
    ),
    ("getcpu", misc::getcpu, F, "", &[Ptr, Ptr, Ptr]),
    ("fsync", io::fsync, F, "", &[Fd]),
    ("fdatasync", io::fsync, F, "", &[Fd]),
    ("ftruncate", io::ftruncate, F, "", &[Fd, Int]),
    ("truncate", fs::truncate, F, "", &[Path, Int]),
    (
        "eventfd",
        io::eventfd,
        P,
        "waits not interruptible yet",
        &[Int],
    ),
    (
        "eventfd2",
        io::eventfd2,
        P,
        "waits not interruptible yet",
        &[Int, Hex],
    ),
    (
        "memfd_create",
        io::memfd_create,
        P,
        "no sealing, no hugetlb",
        &[Path, Hex],
    ),
    ("chmod", fs::chmod, P, "tmpfs only", &[Path, Hex]),
    ("fchmod", fs::fchmod, P, "tmpfs only", &[Fd, Hex]),
    ("fchmodat", fs::fchmodat, P, "tmpfs only", &[Fd, Path, Hex]),
    ("chown", fs::chown, P, "tmpfs only", &[Path, Int, Int]),
    ("fchown", fs::fchown, P, "tmpfs only", &[Fd, Int, Int]),
    ("lchown", fs::lchown, P, "tmpfs only", &[Path, Int, Int]),
    (
        "fchownat",
        fs::fchownat,
        P,
        "tmpfs only",
        &[Fd, Path, Int, Int, Hex],
    ),
    ("link", fs::link, P, "tmpfs only", &[Path, Path]),
    (
        "linkat",
        fs::linkat,
        P,
        "tmpfs only",
        &[Fd, Path, Fd, Path, Hex],
    ),
    (
        "sigaltstack",
        process::sigaltstack,
        P,
        "recorded; handlers are not run yet",
        &[Ptr, Ptr],
    ),
    (
        "statfs",
        stat::statfs,
        P,
        "type, block size, name length and read-only flag; no usage figures",
        &[Path, Ptr],
    ),
    ("fstatfs", stat::fstatfs, P, "as statfs", &[Fd, Ptr]),
    (
        "utimensat",
        fs::utimensat,
        P,
        "tmpfs only",
        &[Fd, Path, Ptr, Hex],
    ),
    ("getrandom", misc::getrandom, F, "", &[Ptr, Int, Hex]),
    (
        "sched_getaffinity",
        misc::sched_getaffinity,
        P,
        "own thread only",
        &[Int, Int, Ptr],
    ),
    ("sched_yield", misc::sched_yield, F, "", &[]),
];

/// The whole table: every linux/amd64 number, the implemented ones with handlers.
pub fn table() -> SyscallTable {
    let by_name: HashMap<&str, &Impl> = IMPLEMENTED.iter().map(|i| (i.0, i)).collect();
    let entries = NAMES
        .iter()
        .map(|&(nr, name)| match by_name.get(name) {
            Some(&&(_, handler, support, note, args)) => SyscallEntry {
                nr,
                name,
                handler: Some(handler),
                support,
                note,
                args,
            },
            None => SyscallEntry {
                nr,
                name,
                handler: None,
                support: Support::Unimplemented,
                note: "",
                args: &[],
            },
        })
        .collect();
    SyscallTable::new(entries, Some(strace::hooks()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_implemented_name_is_a_real_syscall() {
        for i in IMPLEMENTED {
            assert!(
                NAMES.iter().any(|&(_, n)| n == i.0),
                "{} is not a syscall",
                i.0
            );
        }
    }

    #[test]
    fn table_covers_every_number() {
        let t = table();
        assert_eq!(t.entries().count(), NAMES.len());
        assert_eq!(t.get(39).map(|e| e.name), Some("getpid"));
        assert!(t.get(39).is_some_and(|e| e.handler.is_some()));
        assert!(t.get(169).is_some_and(|e| e.handler.is_none())); // reboot
        assert!(t.get(100_000).is_none());
    }
}
