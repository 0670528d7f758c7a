/// A guest buffer as segments of the Sentry's view of the memory file (or of a Sentry buffer),
/// so that files can read and write guest memory with one `preadv`/`pwritev` and no bounce copy.
#[derive(Default)]
pub struct IoBuf {
    segs: Vec<libc::iovec>,
    len: usize,
}

impl IoBuf {
    /// A view of a Sentry-owned buffer.
    pub fn from_slice(buf: &mut [u8]) -> IoBuf {
        let mut b = IoBuf::default();
        b.push(buf.as_mut_ptr(), buf.len());
        b
    }

    pub(crate) fn push(&mut self, ptr: *mut u8, len: usize) {
        if len == 0 {
            return;
        }
        if let Some(last) = self.segs.last_mut() {
            if (last.iov_base as usize) + last.iov_len == ptr as usize {
                last.iov_len += len;
                self.len += len;
                return;
            }
        }
        self.segs.push(libc::iovec {
            iov_base: ptr.cast(),
            iov_len: len,
        });
        self.len += len;
    }

    /// Appends all of `other`'s segments.
    pub fn extend(&mut self, other: IoBuf) {
        for s in other.segs {
            self.push(s.iov_base.cast(), s.iov_len);
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The segments, for vectored host I/O.
    pub fn iovecs(&self) -> &[libc::iovec] {
        &self.segs
    }

    /// Copies `src` into the buffer starting `at` bytes in; returns how much fit.
    pub fn write_at(&mut self, at: usize, src: &[u8]) -> usize {
        let mut skip = at;
        let mut done = 0;
        for s in &self.segs {
            if done == src.len() {
                break;
            }
            if skip >= s.iov_len {
                skip -= s.iov_len;
                continue;
            }
            let n = (s.iov_len - skip).min(src.len() - done);
            // SAFETY: the segment points at live memory of at least iov_len bytes (guest pages
            // held by the memory manager, or a Sentry buffer) and src does not overlap it.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    src.as_ptr().add(done),
                    (s.iov_base as *mut u8).add(skip),
                    n,
                )
            };
            done += n;
            skip = 0;
        }
        done
    }

    /// Copies out of the buffer, starting `at` bytes in, into `dst`; returns how much.
    pub fn read_at(&self, at: usize, dst: &mut [u8]) -> usize {
        let mut skip = at;
        let mut done = 0;
        for s in &self.segs {
            if done == dst.len() {
                break;
            }
            if skip >= s.iov_len {
                skip -= s.iov_len;
                continue;
            }
            let n = (s.iov_len - skip).min(dst.len() - done);
            // SAFETY: as in write_at, with the roles swapped.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    (s.iov_base as *const u8).add(skip),
                    dst.as_mut_ptr().add(done),
                    n,
                )
            };
            done += n;
            skip = 0;
        }
        done
    }

    /// All bytes, copied out (for small buffers such as strace previews).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0u8; self.len];
        self.read_at(0, &mut v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_merge_and_copy() {
        let mut backing = [0u8; 8];
        let p = backing.as_mut_ptr();
        let mut b = IoBuf::default();
        b.push(p, 3);
        // SAFETY: p+3 is inside `backing`.
        b.push(unsafe { p.add(3) }, 5);
        assert_eq!(b.iovecs().len(), 1);
        assert_eq!(b.write_at(6, b"xyz"), 2);
        let mut out = [0u8; 2];
        assert_eq!(b.read_at(6, &mut out), 2);
        assert_eq!(&out, b"xy");
        assert_eq!(b.len(), 8);
    }
}
