//! Guest address spaces: VMAs, which memory-file pages back each guest page, and the platform
//! address space those pages are mapped into. Pages are populated on first touch, by a guest
//! fault or by the Sentry copying to or from guest memory.

mod io;
mod syscalls;

pub use syscalls::MmapRequest;
mod vma;

pub use io::IoBuf;
pub use vma::{Backing, MapSource, Vma};

use crate::errno::{Errno, SysResult};
use crate::memory::{page_down, page_up, MemoryFile, PAGE_SIZE};
use platform::{AddressSpace, Prot};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Lowest address a guest may map (the kernel's default `mmap_min_addr`).
pub const MIN_ADDR: u64 = 0x10000;
/// Pages populated together around a faulting page, to cut the number of faults.
const FAULT_WINDOW: u64 = 16 * PAGE_SIZE;

/// A guest fault the guest must see as a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadAccess {
    /// No mapping at the address (SEGV_MAPERR).
    Unmapped,
    /// A mapping is there but forbids the access (SEGV_ACCERR).
    Protection,
}

pub struct MemoryManager {
    mf: Arc<MemoryFile>,
    aspace: Box<dyn AddressSpace>,
    vmas: BTreeMap<u64, Vma>,
    /// Guest page address -> memory-file offset of the page backing it.
    pages: BTreeMap<u64, u64>,
    /// Exclusive upper bound of guest addresses.
    max_addr: u64,
    /// Top-down placement of mappings without a fixed address starts below this.
    mmap_base: u64,
    brk_start: u64,
    brk: u64,
}

impl MemoryManager {
    pub fn new(mf: Arc<MemoryFile>, aspace: Box<dyn AddressSpace>, max_addr: u64) -> Self {
        let max_addr = page_down(max_addr);
        MemoryManager {
            mf,
            aspace,
            vmas: BTreeMap::new(),
            pages: BTreeMap::new(),
            max_addr,
            mmap_base: max_addr,
            brk_start: 0,
            brk: 0,
        }
    }

    pub fn address_space(&self) -> &dyn AddressSpace {
        self.aspace.as_ref()
    }

    pub fn max_addr(&self) -> u64 {
        self.max_addr
    }

    pub fn set_mmap_base(&mut self, base: u64) {
        self.mmap_base = page_down(base.min(self.max_addr));
    }

    pub fn set_brk_start(&mut self, start: u64) {
        self.brk_start = start;
        self.brk = start;
    }

    fn host_err(&self, e: platform::Error) -> Errno {
        tracing::error!("platform address space operation failed: {e}");
        Errno::ENOMEM
    }

    /// The VMA containing `addr`, as (start, vma).
    pub fn vma_at(&self, addr: u64) -> Option<(u64, &Vma)> {
        let (&s, v) = self.vmas.range(..=addr).next_back()?;
        (addr < v.end).then_some((s, v))
    }

    fn range_is_free(&self, start: u64, end: u64) -> bool {
        if start < MIN_ADDR || end > self.max_addr || start >= end {
            return false;
        }
        match self.vmas.range(..end).next_back() {
            Some((_, v)) => v.end <= start,
            None => true,
        }
    }

    /// A free range of `len` bytes, at `hint` if that is free, else the highest below the
    /// mmap base.
    fn find_free(&self, hint: u64, len: u64) -> Option<u64> {
        if hint != 0 {
            let h = page_down(hint);
            if let Some(end) = h.checked_add(len) {
                if self.range_is_free(h, end) {
                    return Some(h);
                }
            }
        }
        let mut top = self.mmap_base;
        for (&start, v) in self.vmas.range(..self.mmap_base).rev() {
            if v.end <= top && top - v.end >= len {
                return Some(top - len);
            }
            top = top.min(start);
        }
        (top >= MIN_ADDR + len).then(|| top - len)
    }

    /// A free range of `len` bytes below the mmap base, for the loader's interpreter.
    pub fn reserve_top_down(&self, len: u64) -> Option<u64> {
        self.find_free(0, len)
    }

    /// Makes sure a VMA boundary falls at `addr`.
    fn split_at(&mut self, addr: u64) {
        let Some((start, v)) = self.vma_at(addr) else {
            return;
        };
        if start == addr {
            return;
        }
        let mut tail = v.clone();
        tail.advance_backing(addr - start);
        if let Some(head) = self.vmas.get_mut(&start) {
            head.end = addr;
        }
        self.vmas.insert(addr, tail);
    }

    /// Joins neighbouring VMAs in and around `[start, end)` that differ only in where they
    /// start, as Linux does, so that later calls see one mapping.
    pub(crate) fn merge_range(&mut self, start: u64, end: u64) {
        let first = self
            .vma_at(start.saturating_sub(1))
            .map_or(start, |(s, _)| s);
        let keys: Vec<u64> = self.vmas.range(first..=end).map(|(&k, _)| k).collect();
        let mut cur = match keys.first() {
            Some(&k) => k,
            None => return,
        };
        for &k in &keys[1..] {
            let (Some(a), Some(b)) = (self.vmas.get(&cur), self.vmas.get(&k)) else {
                continue;
            };
            if a.end == k && a.can_merge(cur, b, k) {
                let end = b.end;
                self.vmas.remove(&k);
                if let Some(a) = self.vmas.get_mut(&cur) {
                    a.end = end;
                }
            } else {
                cur = k;
            }
        }
    }

    /// Inserts a VMA over `[start, end)`, replacing whatever was mapped there.
    pub fn insert_vma(&mut self, start: u64, vma: Vma) -> SysResult<()> {
        self.unmap_range(start, vma.end)?;
        self.vmas.insert(start, vma);
        Ok(())
    }

    /// Removes all mappings in `[start, end)`.
    pub fn unmap_range(&mut self, start: u64, end: u64) -> SysResult<()> {
        if start >= end {
            return Ok(());
        }
        self.split_at(start);
        self.split_at(end);
        let keys: Vec<u64> = self.vmas.range(start..end).map(|(&k, _)| k).collect();
        for k in keys {
            self.vmas.remove(&k);
        }
        self.drop_pages(start, end)
    }

    /// Releases the backing pages of `[start, end)` and unmaps them from the guest.
    fn drop_pages(&mut self, start: u64, end: u64) -> SysResult<()> {
        let gone: Vec<(u64, u64)> = self
            .pages
            .range(start..end)
            .map(|(&a, &o)| (a, o))
            .collect();
        if gone.is_empty() {
            return Ok(());
        }
        for (a, _) in &gone {
            self.pages.remove(a);
        }
        let mut run: Option<(u64, u64)> = None;
        for (_, off) in gone {
            run = match run {
                Some((s, l)) if s + l == off => Some((s, l + PAGE_SIZE)),
                Some((s, l)) => {
                    self.mf.decref(s, l);
                    Some((off, PAGE_SIZE))
                }
                None => Some((off, PAGE_SIZE)),
            };
        }
        if let Some((s, l)) = run {
            self.mf.decref(s, l);
        }
        self.aspace
            .unmap(start, end - start)
            .map_err(|e| self.host_err(e))
    }

    /// Runs of populated pages in `[start, end)`: (guest address, file offset, length), each
    /// contiguous in both.
    fn populated_runs(&self, start: u64, end: u64) -> Vec<(u64, u64, u64)> {
        let mut runs: Vec<(u64, u64, u64)> = Vec::new();
        for (&a, &o) in self.pages.range(start..end) {
            match runs.last_mut() {
                Some((ra, ro, rl)) if *ra + *rl == a && *ro + *rl == o => *rl += PAGE_SIZE,
                _ => runs.push((a, o, PAGE_SIZE)),
            }
        }
        runs
    }

    /// Gives pages to every unpopulated page of `[start, end)`, which lies in the VMA at
    /// `vma_start`, and maps them into the guest.
    fn populate(&mut self, vma_start: u64, start: u64, end: u64) -> SysResult<()> {
        let Some(vma) = self.vmas.get(&vma_start).cloned() else {
            return Err(Errno::EFAULT);
        };
        let mut a = start;
        while a < end {
            if self.pages.contains_key(&a) {
                a += PAGE_SIZE;
                continue;
            }
            let run_end = match self.pages.range(a..end).next() {
                Some((&next, _)) => next,
                None => end,
            };
            let len = run_end - a;
            let off = self.mf.allocate(len)?;
            if let Backing::File { .. } = vma.backing {
                // SAFETY: [off, off+len) was just allocated and is referenced by nobody else
                // yet, so this is the only view of it.
                let dst = unsafe { std::slice::from_raw_parts_mut(self.mf.ptr(off), len as usize) };
                if let Err(e) = vma.fill(a - vma_start, dst) {
                    self.mf.decref(off, len);
                    return Err(e);
                }
            }
            for i in 0..len / PAGE_SIZE {
                self.pages.insert(a + i * PAGE_SIZE, off + i * PAGE_SIZE);
            }
            self.aspace
                .map(a, len, off, vma.prot)
                .map_err(|e| self.host_err(e))?;
            a = run_end;
        }
        Ok(())
    }

    /// Resolves a guest page fault at `addr`: populates the pages around it, or says why the
    /// guest must get a signal.
    pub fn handle_fault(&mut self, addr: u64) -> Result<(), BadAccess> {
        let (vstart, vend, prot) = match self.vma_at(addr) {
            Some((s, v)) => (s, v.end, v.prot),
            None => return Err(BadAccess::Unmapped),
        };
        let page = page_down(addr);
        if prot == Prot::NONE || self.pages.contains_key(&page) {
            return Err(BadAccess::Protection);
        }
        let wstart = page_down(addr & !(FAULT_WINDOW - 1)).max(vstart);
        let wend = ((addr | (FAULT_WINDOW - 1)) + 1).min(vend);
        // Only the unpopulated stretch that holds the faulting page.
        let lo = match self.pages.range(wstart..page).next_back() {
            Some((&p, _)) => p + PAGE_SIZE,
            None => wstart,
        };
        let hi = match self.pages.range(page..wend).next() {
            Some((&p, _)) => p,
            None => wend,
        };
        self.populate(vstart, lo, hi).map_err(|e| {
            tracing::warn!("populating {lo:#x}..{hi:#x} failed: {e}");
            BadAccess::Unmapped
        })
    }

    /// Checks `[addr, addr+len)` is mapped with `need`, populates it, and returns the
    /// Sentry-side segments that hold it.
    pub fn segments(&mut self, addr: u64, len: usize, need: Prot) -> SysResult<IoBuf> {
        let mut buf = IoBuf::default();
        if len == 0 {
            return Ok(buf);
        }
        let end = addr.checked_add(len as u64).ok_or(Errno::EFAULT)?;
        if end > self.max_addr {
            return Err(Errno::EFAULT);
        }
        let mut a = addr;
        while a < end {
            let (vstart, vend, prot) = match self.vma_at(a) {
                Some((s, v)) => (s, v.end, v.prot),
                None => return Err(Errno::EFAULT),
            };
            if !prot.contains(need) || prot == Prot::NONE {
                return Err(Errno::EFAULT);
            }
            let stop = vend.min(end);
            let pend = page_up(stop).ok_or(Errno::EFAULT)?.min(vend);
            self.populate(vstart, page_down(a), pend)?;
            while a < stop {
                let page = page_down(a);
                let off = *self.pages.get(&page).ok_or(Errno::EFAULT)?;
                let n = (page + PAGE_SIZE).min(stop) - a;
                buf.push(self.mf.ptr(off + (a - page)), n as usize);
                a += n;
            }
        }
        Ok(buf)
    }

    pub fn copy_out(&mut self, addr: u64, data: &[u8]) -> SysResult<()> {
        let mut b = self.segments(addr, data.len(), Prot::WRITE)?;
        b.write_at(0, data);
        Ok(())
    }

    pub fn copy_in(&mut self, addr: u64, out: &mut [u8]) -> SysResult<()> {
        let b = self.segments(addr, out.len(), Prot::READ)?;
        b.read_at(0, out);
        Ok(())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (ENAMETOOLONG beyond).
    pub fn read_cstring(&mut self, addr: u64, max: usize) -> SysResult<Vec<u8>> {
        let mut out = Vec::new();
        let mut a = addr;
        loop {
            // Read up to the end of the current page, so an unmapped next page is only
            // touched when the string really runs into it.
            let chunk = (PAGE_SIZE - (a % PAGE_SIZE)) as usize;
            let mut tmp = vec![0u8; chunk];
            self.copy_in(a, &mut tmp)?;
            if let Some(n) = tmp.iter().position(|&b| b == 0) {
                out.extend_from_slice(&tmp[..n]);
                if out.len() > max {
                    return Err(Errno::ENAMETOOLONG);
                }
                return Ok(out);
            }
            out.extend_from_slice(&tmp);
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
            a += chunk as u64;
        }
    }

    pub fn read_u64(&mut self, addr: u64) -> SysResult<u64> {
        let mut b = [0u8; 8];
        self.copy_in(addr, &mut b)?;
        Ok(u64::from_ne_bytes(b))
    }

    /// Number of guest pages that have memory behind them.
    pub fn resident_pages(&self) -> usize {
        self.pages.len()
    }
}

impl Drop for MemoryManager {
    fn drop(&mut self) {
        let runs = self.populated_runs(0, u64::MAX);
        for (_, off, len) in runs {
            self.mf.decref(off, len);
        }
    }
}

#[cfg(test)]
mod tests;
