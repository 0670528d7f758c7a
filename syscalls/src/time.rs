//! Clocks and sleeping.

use crate::util::{read_timespec, write_struct};
use sentry::errno::{Errno, SysResult};
use sentry::kernel::Task;
use std::time::Duration;

fn host_clock(id: libc::clockid_t) -> SysResult<libc::timespec> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out pointer.
    if unsafe { libc::clock_gettime(id, &mut ts) } != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(ts)
}

/// The guest's reading of clock `id`.
fn read_clock(t: &Task, id: i64) -> SysResult<libc::timespec> {
    match id as i32 {
        libc::CLOCK_PROCESS_CPUTIME_ID | libc::CLOCK_THREAD_CPUTIME_ID if id >= 0 => {
            let ns = t.mm.address_space().cpu_time_ns();
            Ok(libc::timespec {
                tv_sec: (ns / 1_000_000_000) as i64,
                tv_nsec: (ns % 1_000_000_000) as i64,
            })
        }
        c @ (libc::CLOCK_REALTIME
        | libc::CLOCK_MONOTONIC
        | libc::CLOCK_MONOTONIC_RAW
        | libc::CLOCK_REALTIME_COARSE
        | libc::CLOCK_MONOTONIC_COARSE
        | libc::CLOCK_BOOTTIME
        | libc::CLOCK_TAI)
            if id >= 0 =>
        {
            host_clock(c)
        }
        c @ (libc::CLOCK_REALTIME_ALARM | libc::CLOCK_BOOTTIME_ALARM) if id >= 0 => {
            host_clock(if c == libc::CLOCK_REALTIME_ALARM {
                libc::CLOCK_REALTIME
            } else {
                libc::CLOCK_BOOTTIME
            })
        }
        _ => Err(Errno::EINVAL),
    }
}

pub fn clock_gettime(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let ts = read_clock(t, a[0] as i32 as i64)?;
    write_struct(t, a[1], &ts).map(|_| 0)
}

pub fn clock_getres(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let id = a[0] as i32;
    read_clock(t, id as i64)?;
    let coarse = id == libc::CLOCK_REALTIME_COARSE || id == libc::CLOCK_MONOTONIC_COARSE;
    let res = libc::timespec {
        tv_sec: 0,
        tv_nsec: if coarse { 4_000_000 } else { 1 },
    };
    if a[1] != 0 {
        write_struct(t, a[1], &res)?;
    }
    Ok(0)
}

pub fn gettimeofday(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    if a[0] != 0 {
        let ts = host_clock(libc::CLOCK_REALTIME)?;
        let tv = libc::timeval {
            tv_sec: ts.tv_sec,
            tv_usec: ts.tv_nsec / 1000,
        };
        write_struct(t, a[0], &tv)?;
    }
    if a[1] != 0 {
        write_struct(t, a[1], &[0i32; 2])?;
    }
    Ok(0)
}

pub fn time(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let s = host_clock(libc::CLOCK_REALTIME)?.tv_sec;
    if a[0] != 0 {
        write_struct(t, a[0], &s)?;
    }
    Ok(s as u64)
}

fn to_duration(ts: &libc::timespec) -> Duration {
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

pub fn nanosleep(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let req = read_timespec(t, a[0])?;
    std::thread::sleep(to_duration(&req));
    Ok(0)
}

pub fn clock_nanosleep(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let (id, flags) = (a[0] as i32, a[1] as i32);
    match id {
        libc::CLOCK_REALTIME | libc::CLOCK_MONOTONIC | libc::CLOCK_BOOTTIME | libc::CLOCK_TAI => {}
        libc::CLOCK_THREAD_CPUTIME_ID => return Err(Errno::EINVAL),
        _ if read_clock(t, id as i64).is_ok() => return Err(Errno::ENOTSUP),
        _ => return Err(Errno::EINVAL),
    }
    let req = read_timespec(t, a[2])?;
    let mut d = to_duration(&req);
    if flags & libc::TIMER_ABSTIME != 0 {
        let now = to_duration(&read_clock(t, id as i64)?);
        d = d.saturating_sub(now);
    }
    std::thread::sleep(d);
    Ok(0)
}
