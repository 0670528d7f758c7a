use crate::errno::{Errno, SysResult};
use platform::Prot;
use std::sync::Arc;

/// Something whose bytes a private file mapping copies on first touch.
pub trait MapSource: Send + Sync {
    /// Reads from `offset` into `dst`; a short read means the rest is past end of file.
    fn read_at(&self, offset: u64, dst: &mut [u8]) -> SysResult<usize>;
}

#[derive(Clone)]
pub enum Backing {
    /// Zero-filled memory.
    Anon,
    /// File contents from `offset` on; bytes at or past file offset `limit` read as zero
    /// (the loader uses it to clear the bss tail of a segment's last page).
    File {
        source: Arc<dyn MapSource>,
        offset: u64,
        limit: u64,
    },
}

/// One guest mapping, `[start, end)` with the start as its key in the VMA map.
#[derive(Clone)]
pub struct Vma {
    pub end: u64,
    pub prot: Prot,
    /// The most `prot` may become via mprotect (a read-only file cannot become writable+shared).
    pub max_prot: Prot,
    pub shared: bool,
    pub backing: Backing,
}

impl Vma {
    pub fn anon(end: u64, prot: Prot, shared: bool) -> Vma {
        Vma {
            end,
            prot,
            max_prot: Prot(7),
            shared,
            backing: Backing::Anon,
        }
    }

    /// Whether `next`, starting at `next_start` right where self (starting at `start`) ends,
    /// can be joined to it.
    pub(crate) fn can_merge(&self, start: u64, next: &Vma, next_start: u64) -> bool {
        if self.prot != next.prot || self.max_prot != next.max_prot || self.shared != next.shared {
            return false;
        }
        match (&self.backing, &next.backing) {
            (Backing::Anon, Backing::Anon) => true,
            (
                Backing::File {
                    source: s1,
                    offset: o1,
                    limit: l1,
                },
                Backing::File {
                    source: s2,
                    offset: o2,
                    limit: l2,
                },
            ) => Arc::ptr_eq(s1, s2) && l1 == l2 && o1 + (next_start - start) == *o2,
            _ => false,
        }
    }

    /// Adjusts the backing for a VMA whose start moved up by `delta` bytes.
    pub(crate) fn advance_backing(&mut self, delta: u64) {
        if let Backing::File { offset, .. } = &mut self.backing {
            *offset += delta;
        }
    }

    /// Fills `dst`, the bytes at `rel` bytes into this VMA, from its backing.
    pub(crate) fn fill(&self, rel: u64, dst: &mut [u8]) -> SysResult<()> {
        let Backing::File {
            source,
            offset,
            limit,
        } = &self.backing
        else {
            return Ok(());
        };
        let at = offset.checked_add(rel).ok_or(Errno::EOVERFLOW)?;
        if at >= *limit {
            return Ok(());
        }
        let want = ((*limit - at) as usize).min(dst.len());
        let mut done = 0;
        while done < want {
            let n = source.read_at(at + done as u64, &mut dst[done..want])?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(())
    }
}
