//! eventfd: a 64-bit counter that reads drain (or decrement, in semaphore mode) and writes add to.

use super::{FileOps, Stat};
use crate::errno::{Errno, SysResult};
use crate::mm::IoBuf;
use std::sync::{Arc, Condvar, Mutex};

const MAX: u64 = u64::MAX - 1;

struct EventFd {
    count: Mutex<u64>,
    changed: Condvar,
    semaphore: bool,
}

/// A new eventfd with `initval`; `semaphore` is EFD_SEMAPHORE.
pub fn new_eventfd(initval: u64, semaphore: bool) -> Arc<dyn FileOps> {
    Arc::new(EventFd {
        count: Mutex::new(initval),
        changed: Condvar::new(),
        semaphore,
    })
}

impl FileOps for EventFd {
    fn read(&self, buf: &mut IoBuf, _offset: u64, flags: i32) -> SysResult<usize> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let mut c = self.count.lock().unwrap_or_else(|p| p.into_inner());
        while *c == 0 {
            if flags & libc::O_NONBLOCK != 0 {
                return Err(Errno::EAGAIN);
            }
            c = self.changed.wait(c).unwrap_or_else(|p| p.into_inner());
        }
        let v = if self.semaphore { 1 } else { *c };
        *c -= v;
        self.changed.notify_all();
        buf.write_at(0, &v.to_ne_bytes());
        Ok(8)
    }

    fn write(&self, buf: &IoBuf, _offset: u64, flags: i32) -> SysResult<usize> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL);
        }
        let mut b = [0u8; 8];
        buf.read_at(0, &mut b);
        let v = u64::from_ne_bytes(b);
        if v == u64::MAX {
            return Err(Errno::EINVAL);
        }
        let mut c = self.count.lock().unwrap_or_else(|p| p.into_inner());
        while MAX - *c < v {
            if flags & libc::O_NONBLOCK != 0 {
                return Err(Errno::EAGAIN);
            }
            c = self.changed.wait(c).unwrap_or_else(|p| p.into_inner());
        }
        *c += v;
        self.changed.notify_all();
        Ok(8)
    }

    fn is_stream(&self) -> bool {
        true
    }

    fn stat(&self) -> SysResult<Stat> {
        Ok(Stat {
            mode: 0o600,
            nlink: 1,
            blksize: 4096,
            ..Stat::default()
        })
    }

    fn readiness(&self, events: i16) -> i16 {
        let c = *self.count.lock().unwrap_or_else(|p| p.into_inner());
        let mut r = 0;
        if c > 0 {
            r |= events & (libc::POLLIN | libc::POLLRDNORM);
        }
        if c < MAX {
            r |= events & (libc::POLLOUT | libc::POLLWRNORM);
        }
        r
    }
}
