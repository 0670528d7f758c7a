//! poll(2) and ppoll(2). Readiness is sampled from each file; a wait that is not satisfied at
//! once re-checks with a short sleep until the timeout (files do not signal changes yet).

use crate::util::{read_struct, read_timespec};
use sentry::errno::{Errno, SysResult};
use sentry::kernel::Task;
use std::time::{Duration, Instant};

const POLL_MAX_FDS: u64 = 1 << 20;

fn do_poll(t: &mut Task, addr: u64, nfds: u64, timeout: Option<Duration>) -> SysResult<u64> {
    if nfds > POLL_MAX_FDS || nfds as usize > t.fd_limit() {
        return Err(Errno::EINVAL);
    }
    let mut fds: Vec<libc::pollfd> = Vec::with_capacity(nfds as usize);
    for i in 0..nfds {
        fds.push(read_struct(t, addr + i * 8)?);
    }
    let deadline = timeout.map(|d| Instant::now() + d);
    let mut nap = Duration::from_micros(100);
    loop {
        let mut ready = 0;
        for p in &mut fds {
            p.revents = 0;
            if p.fd < 0 {
                continue;
            }
            p.revents = match t.fds.get(p.fd) {
                Ok(f) => f.ops.readiness(p.events | libc::POLLERR | libc::POLLHUP),
                Err(_) => libc::POLLNVAL,
            };
            if p.revents != 0 {
                ready += 1;
            }
        }
        let expired = deadline.is_some_and(|d| Instant::now() >= d);
        if ready > 0 || expired {
            for (i, p) in fds.iter().enumerate() {
                t.mm.copy_out(addr + i as u64 * 8 + 6, &p.revents.to_ne_bytes())?;
            }
            return Ok(ready);
        }
        let mut sleep = nap;
        if let Some(d) = deadline {
            sleep = sleep.min(d.saturating_duration_since(Instant::now()));
        }
        std::thread::sleep(sleep);
        nap = (nap * 2).min(Duration::from_millis(10));
    }
}

pub fn poll(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let ms = a[2] as i32;
    let timeout = (ms >= 0).then(|| Duration::from_millis(ms as u64));
    do_poll(t, a[0], a[1], timeout)
}

pub fn ppoll(t: &mut Task, a: &[u64; 6]) -> SysResult<u64> {
    let timeout = if a[2] != 0 {
        let ts = read_timespec(t, a[2])?;
        Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    } else {
        None
    };
    if a[3] != 0 && a[4] != 8 {
        return Err(Errno::EINVAL);
    }
    do_poll(t, a[0], a[1], timeout)
}
