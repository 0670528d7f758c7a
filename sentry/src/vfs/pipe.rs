//! Pipes: a bounded byte queue with a read end and a write end.

use super::{FileOps, Stat};
use crate::errno::{Errno, SysResult};
use crate::mm::{IoBuf, MemoryManager};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Default pipe capacity, as on Linux.
const CAPACITY: usize = 65536;
/// Writes up to this size are atomic.
const PIPE_BUF: usize = 4096;

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

struct State {
    buf: VecDeque<u8>,
    readers: usize,
    writers: usize,
}

struct Pipe {
    ino: u64,
    state: Mutex<State>,
    changed: Condvar,
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn wait<'a>(&self, g: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.changed.wait(g).unwrap_or_else(|p| p.into_inner())
    }
}

struct PipeEnd {
    pipe: Arc<Pipe>,
    write: bool,
}

/// A new pipe: (read end, write end).
pub fn new_pipe() -> (Arc<dyn FileOps>, Arc<dyn FileOps>) {
    let pipe = Arc::new(Pipe {
        ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
        state: Mutex::new(State {
            buf: VecDeque::new(),
            readers: 1,
            writers: 1,
        }),
        changed: Condvar::new(),
    });
    let r = Arc::new(PipeEnd {
        pipe: pipe.clone(),
        write: false,
    });
    let w = Arc::new(PipeEnd { pipe, write: true });
    (r, w)
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut s = self.pipe.lock();
        if self.write {
            s.writers -= 1;
        } else {
            s.readers -= 1;
        }
        self.pipe.changed.notify_all();
    }
}

impl FileOps for PipeEnd {
    fn read(&self, buf: &mut IoBuf, _offset: u64, flags: i32) -> SysResult<usize> {
        if self.write {
            return Err(Errno::EBADF);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let mut s = self.pipe.lock();
        loop {
            if !s.buf.is_empty() {
                let n = buf.len().min(s.buf.len());
                let (a, b) = s.buf.as_slices();
                let first = buf.write_at(0, &a[..n.min(a.len())]);
                let second = if n > a.len() {
                    buf.write_at(first, &b[..n - a.len()])
                } else {
                    0
                };
                s.buf.drain(..first + second);
                self.pipe.changed.notify_all();
                return Ok(first + second);
            }
            if s.writers == 0 {
                return Ok(0);
            }
            if flags & libc::O_NONBLOCK != 0 {
                return Err(Errno::EAGAIN);
            }
            s = self.pipe.wait(s);
        }
    }

    fn write(&self, buf: &IoBuf, _offset: u64, flags: i32) -> SysResult<usize> {
        if !self.write {
            return Err(Errno::EBADF);
        }
        let data = buf.to_vec();
        let mut done = 0;
        let mut s = self.pipe.lock();
        while done < data.len() {
            if s.readers == 0 {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EPIPE)
                };
            }
            let room = CAPACITY - s.buf.len();
            let left = data.len() - done;
            // Small writes go in whole or not at all.
            if room > 0 && (left > PIPE_BUF || room >= left) {
                let n = room.min(left);
                s.buf.extend(&data[done..done + n]);
                done += n;
                self.pipe.changed.notify_all();
                continue;
            }
            if flags & libc::O_NONBLOCK != 0 {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            s = self.pipe.wait(s);
        }
        Ok(done)
    }

    fn is_stream(&self) -> bool {
        true
    }

    fn fsync(&self) -> SysResult<()> {
        Err(Errno::EINVAL)
    }

    fn readiness(&self, events: i16) -> i16 {
        let s = self.pipe.lock();
        let mut r = 0;
        if self.write {
            if s.readers == 0 {
                r |= libc::POLLERR;
            } else if CAPACITY - s.buf.len() >= PIPE_BUF {
                r |= events & (libc::POLLOUT | libc::POLLWRNORM);
            }
        } else {
            if !s.buf.is_empty() {
                r |= events & (libc::POLLIN | libc::POLLRDNORM);
            }
            if s.writers == 0 {
                r |= libc::POLLHUP;
            }
        }
        r
    }

    fn stat(&self) -> SysResult<Stat> {
        Ok(Stat {
            dev: 9,
            ino: self.pipe.ino,
            mode: libc::S_IFIFO | 0o600,
            nlink: 1,
            blksize: 4096,
            ..Stat::default()
        })
    }

    fn ioctl(&self, mm: &mut MemoryManager, cmd: u64, arg: u64) -> SysResult<u64> {
        match cmd {
            libc::FIONREAD => {
                let n = self.pipe.lock().buf.len() as i32;
                mm.copy_out(arg, &n.to_ne_bytes())?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }
}
