//! Randomness and scheduling.

use platform::Prot;
use sentry::errno::{Errno, SysResult};
use sentry::kernel::Task;

/// Most bytes one getrandom call returns, as on Linux.
const GETRANDOM_MAX: usize = (32 << 20) - 1;

pub fn getrandom(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let flags = a[2] as u32;
    let known = libc::GRND_NONBLOCK | libc::GRND_RANDOM | libc::GRND_INSECURE;
    if flags & !known != 0
        || flags & (libc::GRND_RANDOM | libc::GRND_INSECURE)
            == (libc::GRND_RANDOM | libc::GRND_INSECURE)
    {
        return Err(Errno::EINVAL);
    }
    let len = (a[1] as usize).min(GETRANDOM_MAX);
    let mut tmp = vec![0u8; len];
    sentry::random::fill(&mut tmp)?;
    let mut b = t.mm.segments(a[0], len, Prot::WRITE)?;
    b.write_at(0, &tmp);
    Ok(len as u64)
}

pub fn sched_getaffinity(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let pid = a[0] as i32;
    if pid != 0 && pid != t.tid {
        return Err(if pid < 0 { Errno::EINVAL } else { Errno::ESRCH });
    }
    let len = a[1] as usize;
    let ncpus = t.kernel.ncpus.clamp(1, 64);
    if len * 8 < ncpus || !len.is_multiple_of(8) {
        return Err(Errno::EINVAL);
    }
    let mask: u64 = if ncpus == 64 {
        u64::MAX
    } else {
        (1u64 << ncpus) - 1
    };
    t.mm.copy_out(a[2], &mask.to_ne_bytes())?;
    Ok(8)
}

pub fn sched_yield(_t: &mut Task, _a: &[u64; 6]) -> SysResult<u64> {
    std::thread::yield_now();
    Ok(0)
}

fn check_pid(t: &Task, pid: i32) -> SysResult<()> {
    match pid {
        p if p < 0 => Err(Errno::EINVAL),
        0 => Ok(()),
        p if p == t.tid => Ok(()),
        _ => Err(Errno::ESRCH),
    }
}

pub fn sched_getscheduler(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    check_pid(t, a[0] as i32)?;
    Ok(libc::SCHED_OTHER as u64)
}

pub fn sched_getparam(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    check_pid(t, a[0] as i32)?;
    if a[1] == 0 {
        return Err(Errno::EINVAL);
    }
    t.mm.copy_out(a[1], &0i32.to_ne_bytes()).map(|_| 0)
}

fn priority_range(policy: i32) -> SysResult<(u64, u64)> {
    match policy {
        libc::SCHED_OTHER | libc::SCHED_BATCH | libc::SCHED_IDLE => Ok((0, 0)),
        libc::SCHED_FIFO | libc::SCHED_RR => Ok((1, 99)),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sched_get_priority_max(_t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    priority_range(a[0] as i32).map(|r| r.1)
}

pub fn sched_get_priority_min(_t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    priority_range(a[0] as i32).map(|r| r.0)
}

pub fn getcpu(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    // SAFETY: sched_getcpu has no preconditions.
    let cpu = unsafe { libc::sched_getcpu() }.max(0) as u32 % t.kernel.ncpus.max(1) as u32;
    if a[0] != 0 {
        t.mm.copy_out(a[0], &cpu.to_ne_bytes())?;
    }
    if a[1] != 0 {
        t.mm.copy_out(a[1], &0u32.to_ne_bytes())?;
    }
    Ok(0)
}
