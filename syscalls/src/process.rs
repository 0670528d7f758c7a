//! Identity, exit, limits, signals dispositions and other per-process calls.

use crate::util::{read_struct, write_struct};
use sentry::errno::{Errno, SysResult};
use sentry::kernel::{ExitStatus, Rlimit, SigAction, Task};

const ARCH_SET_GS: u64 = 0x1001;
const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;
const ARCH_GET_GS: u64 = 0x1004;
/// Highest canonical user address + 1.
const USER_LIMIT: u64 = 0x8000_0000_0000;

pub fn exit(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    // One thread per process so far: exit ends the process too.
    t.exit = Some(ExitStatus::Exited(a[0] as i32 & 0xff));
    Ok(0)
}

pub fn exit_group(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    t.exit = Some(ExitStatus::Exited(a[0] as i32 & 0xff));
    Ok(0)
}

pub fn getpid(t: &mut Task, _: &[u64; 6]) -> SysResult<u64> {
    Ok(t.tgid as u64)
}
pub fn gettid(t: &mut Task, _: &[u64; 6]) -> SysResult<u64> {
    Ok(t.tid as u64)
}
pub fn getppid(t: &mut Task, _: &[u64; 6]) -> SysResult<u64> {
    Ok(t.ppid as u64)
}
pub fn getuid(t: &mut Task, _: &[u64; 6]) -> SysResult<u64> {
    Ok(t.creds.uid as u64)
}
pub fn geteuid(t: &mut Task, _: &[u64; 6]) -> SysResult<u64> {
    Ok(t.creds.euid as u64)
}
pub fn getgid(t: &mut Task, _: &[u64; 6]) -> SysResult<u64> {
    Ok(t.creds.gid as u64)
}
pub fn getegid(t: &mut Task, _: &[u64; 6]) -> SysResult<u64> {
    Ok(t.creds.egid as u64)
}

pub fn set_tid_address(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    t.clear_child_tid = a[0];
    Ok(t.tid as u64)
}

pub fn arch_prctl(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    match a[0] {
        ARCH_SET_FS | ARCH_SET_GS => {
            if a[1] >= USER_LIMIT {
                return Err(Errno::EPERM);
            }
            if a[0] == ARCH_SET_FS {
                t.regs.0.fs_base = a[1];
            } else {
                t.regs.0.gs_base = a[1];
            }
            Ok(0)
        }
        ARCH_GET_FS | ARCH_GET_GS => {
            let v = if a[0] == ARCH_GET_FS {
                t.regs.0.fs_base
            } else {
                t.regs.0.gs_base
            };
            t.mm.copy_out(a[1], &v.to_ne_bytes()).map(|_| 0)
        }
        _ => Err(Errno::EINVAL),
    }
}

fn field(s: &str) -> [u8; 65] {
    let mut f = [0u8; 65];
    let b = s.as_bytes();
    let n = b.len().min(64);
    f[..n].copy_from_slice(&b[..n]);
    f
}

pub fn uname(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let u = &t.kernel.uts;
    let mut out = Vec::with_capacity(65 * 6);
    for s in [
        &u.sysname,
        &u.nodename,
        &u.release,
        &u.version,
        &u.machine,
        &u.domainname,
    ] {
        out.extend_from_slice(&field(s));
    }
    t.mm.copy_out(a[0], &out).map(|_| 0)
}

pub fn sysinfo(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    // SAFETY: plain integers; all-zero is valid.
    let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
    let up = t.kernel.boot.elapsed();
    si.uptime = up.as_secs() as i64 + i64::from(up.subsec_nanos() > 0);
    si.totalram = t.kernel.total_ram;
    let used = (t.mm.resident_pages() as u64) * 4096;
    si.freeram = t.kernel.total_ram.saturating_sub(used);
    si.procs = 1;
    si.mem_unit = 1;
    write_struct(t, a[0], &si).map(|_| 0)
}

fn check_self(t: &Task, pid: i32) -> SysResult<()> {
    if pid == 0 || pid == t.tgid {
        Ok(())
    } else if pid < 0 {
        Err(Errno::EINVAL)
    } else {
        Err(Errno::ESRCH)
    }
}

fn rlimit_index(r: u64) -> SysResult<usize> {
    let i = r as usize;
    if i >= sentry::kernel::Rlimits::default().0.len() {
        return Err(Errno::EINVAL);
    }
    Ok(i)
}

pub fn prlimit64(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    check_self(t, a[0] as i32)?;
    let i = rlimit_index(a[1])?;
    let new = if a[2] != 0 {
        let l: libc::rlimit64 = read_struct(t, a[2])?;
        if l.rlim_cur > l.rlim_max {
            return Err(Errno::EINVAL);
        }
        Some(Rlimit {
            cur: l.rlim_cur,
            max: l.rlim_max,
        })
    } else {
        None
    };
    if a[3] != 0 {
        let cur = t.rlimits.0[i];
        let out = libc::rlimit64 {
            rlim_cur: cur.cur,
            rlim_max: cur.max,
        };
        write_struct(t, a[3], &out)?;
    }
    if let Some(n) = new {
        if i == libc::RLIMIT_NOFILE as usize && n.max > sentry::vfs::MAX_FDS as u64 {
            return Err(Errno::EPERM);
        }
        t.rlimits.0[i] = n;
    }
    Ok(0)
}

pub fn getrlimit(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    prlimit64(t, &[0, a[0], 0, a[1], 0, 0])
}

pub fn setrlimit(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    if a[1] == 0 {
        return Err(Errno::EFAULT);
    }
    prlimit64(t, &[0, a[0], a[1], 0, 0, 0])
}

pub fn rt_sigaction(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let sig = a[0] as i32;
    if a[3] != 8 {
        return Err(Errno::EINVAL);
    }
    if !(1..=64).contains(&sig) || (a[1] != 0 && (sig == libc::SIGKILL || sig == libc::SIGSTOP)) {
        return Err(Errno::EINVAL);
    }
    let i = (sig - 1) as usize;
    let new = if a[1] != 0 {
        let w: [u64; 4] = read_struct(t, a[1])?;
        Some(SigAction {
            handler: w[0],
            flags: w[1],
            restorer: w[2],
            mask: w[3],
        })
    } else {
        None
    };
    if a[2] != 0 {
        let o = t.signals.actions[i];
        write_struct(t, a[2], &[o.handler, o.flags, o.restorer, o.mask])?;
    }
    if let Some(n) = new {
        t.signals.actions[i] = n;
    }
    Ok(0)
}

pub fn rt_sigprocmask(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    if a[3] != 8 {
        return Err(Errno::EINVAL);
    }
    let how = a[0] as i32;
    let new = if a[1] != 0 {
        if !matches!(how, libc::SIG_BLOCK | libc::SIG_UNBLOCK | libc::SIG_SETMASK) {
            return Err(Errno::EINVAL);
        }
        Some(read_struct::<u64>(t, a[1])?)
    } else {
        None
    };
    if a[2] != 0 {
        let m = t.signals.mask;
        write_struct(t, a[2], &m)?;
    }
    if let Some(set) = new {
        let unblockable = (1u64 << (libc::SIGKILL - 1)) | (1u64 << (libc::SIGSTOP - 1));
        let m = &mut t.signals.mask;
        *m = match how {
            libc::SIG_BLOCK => *m | set,
            libc::SIG_UNBLOCK => *m & !set,
            _ => set,
        } & !unblockable;
    }
    Ok(0)
}

pub fn kill(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let (pid, sig) = (a[0] as i32, a[1] as i32);
    if !(0..=64).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    // The caller is the only process: -1 (everyone but itself and init) reaches nobody.
    if pid == -1 {
        return Err(Errno::ESRCH);
    }
    // Process group ids equal the leader's pid; each process leads its own group so far.
    if pid == 0 || pid == t.tgid || pid == -t.tgid {
        t.signal_self(sig).map(|_| 0)
    } else {
        Err(Errno::ESRCH)
    }
}

pub fn tgkill(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let (tgid, tid, sig) = (a[0] as i32, a[1] as i32, a[2] as i32);
    if tgid <= 0 || tid <= 0 || !(0..=64).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    if tgid != t.tgid || tid != t.tid {
        return Err(Errno::ESRCH);
    }
    t.signal_self(sig).map(|_| 0)
}

pub fn tkill(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let tgid = t.tgid as u64;
    tgkill(t, &[tgid, a[0], a[1], 0, 0, 0])
}

pub fn set_robust_list(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    // struct robust_list_head is three words.
    if a[1] != 24 {
        return Err(Errno::EINVAL);
    }
    t.robust_list = a[0];
    Ok(0)
}

pub fn getresuid(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let c = t.creds;
    for (addr, v) in [(a[0], c.uid), (a[1], c.euid), (a[2], c.suid)] {
        write_struct(t, addr, &v)?;
    }
    Ok(0)
}

pub fn getresgid(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let c = t.creds;
    for (addr, v) in [(a[0], c.gid), (a[1], c.egid), (a[2], c.sgid)] {
        write_struct(t, addr, &v)?;
    }
    Ok(0)
}

pub fn getgroups(_t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    // No supplementary groups.
    if (a[0] as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

/// Every process is its own session and group leader so far, with ids equal to its pid.
pub fn getpgid(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    check_self(t, a[0] as i32)?;
    Ok(t.tgid as u64)
}

pub fn getpgrp(t: &mut Task, _a: &[u64; 6]) -> SysResult<u64> {
    Ok(t.tgid as u64)
}

pub fn getsid(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    check_self(t, a[0] as i32)?;
    Ok(t.tgid as u64)
}

pub fn setsid(_t: &mut Task, _a: &[u64; 6]) -> SysResult<u64> {
    // A process group leader cannot start a new session.
    Err(Errno::EPERM)
}

pub fn setpgid(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let (pid, pgid) = (a[0] as i32, a[1] as i32);
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    check_self(t, pid)?;
    // A session leader cannot change its group; joining its own group is a no-op.
    if pgid == 0 || pgid == t.tgid {
        Ok(0)
    } else {
        Err(Errno::EPERM)
    }
}

const PR_SET_PDEATHSIG: i32 = 1;
const PR_GET_PDEATHSIG: i32 = 2;
const PR_GET_DUMPABLE: i32 = 3;
const PR_SET_DUMPABLE: i32 = 4;
const PR_SET_NAME: i32 = 15;
const PR_GET_NAME: i32 = 16;
const PR_SET_NO_NEW_PRIVS: i32 = 38;
const PR_GET_NO_NEW_PRIVS: i32 = 39;

pub fn prctl(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    match a[0] as i32 {
        PR_SET_PDEATHSIG => {
            let sig = a[1] as i32;
            if !(0..=64).contains(&sig) {
                return Err(Errno::EINVAL);
            }
            t.pdeath_signal = sig;
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            let s = t.pdeath_signal;
            write_struct(t, a[1], &s).map(|_| 0)
        }
        PR_GET_DUMPABLE => Ok(t.dumpable as u64),
        PR_SET_DUMPABLE => match a[1] {
            0 | 1 => {
                t.dumpable = a[1] == 1;
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        },
        PR_SET_NAME => {
            let mut name = [0u8; 16];
            // The name is at most 16 bytes with its NUL; read what is mapped of them.
            t.mm.copy_in(a[1], &mut name[..1])?;
            for (i, b) in name.iter_mut().enumerate().skip(1) {
                let mut one = [0u8; 1];
                if t.mm.copy_in(a[1] + i as u64, &mut one).is_err() {
                    break;
                }
                *b = one[0];
            }
            let n = name.iter().position(|&b| b == 0).unwrap_or(15).min(15);
            t.comm = name[..n].to_vec();
            Ok(0)
        }
        PR_GET_NAME => {
            let mut out = [0u8; 16];
            out[..t.comm.len().min(15)].copy_from_slice(&t.comm[..t.comm.len().min(15)]);
            t.mm.copy_out(a[1], &out).map(|_| 0)
        }
        PR_SET_NO_NEW_PRIVS => {
            if a[1] != 1 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
                return Err(Errno::EINVAL);
            }
            t.no_new_privs = true;
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => Ok(t.no_new_privs as u64),
        op => {
            tracing::info!("prctl option {op} is not implemented");
            Err(Errno::EINVAL)
        }
    }
}

pub fn getrusage(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    // SAFETY: plain integers; all-zero is valid.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    match a[0] as i32 {
        libc::RUSAGE_SELF | libc::RUSAGE_THREAD => {
            let ns = t.mm.address_space().cpu_time_ns();
            ru.ru_utime.tv_sec = (ns / 1_000_000_000) as i64;
            ru.ru_utime.tv_usec = ((ns % 1_000_000_000) / 1000) as i64;
            ru.ru_maxrss = (t.mm.resident_pages() * 4) as i64;
        }
        libc::RUSAGE_CHILDREN => {}
        _ => return Err(Errno::EINVAL),
    }
    write_struct(t, a[1], &ru).map(|_| 0)
}

pub fn times(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    // Clock ticks are 1/100 s (AT_CLKTCK).
    let ticks = (t.mm.address_space().cpu_time_ns() / 10_000_000) as i64;
    if a[0] != 0 {
        let tms = libc::tms {
            tms_utime: ticks,
            tms_stime: 0,
            tms_cutime: 0,
            tms_cstime: 0,
        };
        write_struct(t, a[0], &tms)?;
    }
    let up = t.kernel.boot.elapsed();
    Ok((up.as_millis() / 10) as u64)
}

const SS_AUTODISARM: i32 = 1 << 31;

/// The smallest alternate stack Linux accepts on x86-64.
const MINSIGSTKSZ: u64 = 2048;

pub fn sigaltstack(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let new = if a[0] != 0 {
        let ss: libc::stack_t = read_struct(t, a[0])?;
        Some(ss)
    } else {
        None
    };
    if a[1] != 0 {
        let (sp, size, flags) = t.signals.altstack;
        let old = libc::stack_t {
            ss_sp: sp as *mut libc::c_void,
            ss_flags: flags,
            ss_size: size as usize,
        };
        write_struct(t, a[1], &old)?;
    }
    if let Some(ss) = new {
        // Handlers do not run yet, so the guest is never on its alternate stack (no EPERM).
        let flags = ss.ss_flags & !SS_AUTODISARM;
        if flags == libc::SS_DISABLE {
            t.signals.altstack = (0, 0, libc::SS_DISABLE);
        } else if flags == 0 || flags == libc::SS_ONSTACK {
            if (ss.ss_size as u64) < MINSIGSTKSZ {
                return Err(Errno::ENOMEM);
            }
            t.signals.altstack = (
                ss.ss_sp as u64,
                ss.ss_size as u64,
                ss.ss_flags & SS_AUTODISARM,
            );
        } else {
            return Err(Errno::EINVAL);
        }
    }
    Ok(0)
}
