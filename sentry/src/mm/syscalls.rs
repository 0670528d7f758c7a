//! The memory-management system calls, as operations on a MemoryManager.

use super::{Backing, MapSource, MemoryManager, Vma, MIN_ADDR};
use crate::errno::{Errno, SysResult};
use crate::memory::{page_down, page_up, PAGE_SIZE};
use platform::Prot;
use std::sync::Arc;

/// What a mmap(2) call asks for, decoded.
pub struct MmapRequest {
    pub addr: u64,
    pub len: u64,
    pub prot: Prot,
    pub flags: i32,
    /// The file and offset for a file mapping; `None` for anonymous memory.
    pub file: Option<(Arc<dyn MapSource>, u64)>,
    /// The file's size, so that pages past its end read as zero.
    pub file_size: u64,
    /// The most protection the file's open mode allows for a shared mapping.
    pub max_prot: Prot,
}

const PROT_ALL: u32 = (libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC) as u32;

impl MemoryManager {
    pub fn mmap(&mut self, req: MmapRequest) -> SysResult<u64> {
        let flags = req.flags;
        let kind = flags & libc::MAP_TYPE;
        let shared = match kind {
            libc::MAP_PRIVATE => false,
            libc::MAP_SHARED | libc::MAP_SHARED_VALIDATE => true,
            _ => return Err(Errno::EINVAL),
        };
        if req.len == 0 || req.prot.0 & !PROT_ALL != 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(req.len).ok_or(Errno::ENOMEM)?;
        let fixed = flags & (libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE) != 0;
        if fixed && !req.addr.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        let backing = match &req.file {
            None => Backing::Anon,
            Some((src, off)) => {
                if off % PAGE_SIZE != 0 {
                    return Err(Errno::EINVAL);
                }
                if shared && req.prot.writable() {
                    if !req.max_prot.writable() {
                        return Err(Errno::EACCES);
                    }
                    // Writing a shared file mapping back needs the page cache; until then it
                    // is refused rather than silently turned private.
                    tracing::warn!("unsupported: writable MAP_SHARED file mapping");
                    return Err(Errno::ENODEV);
                }
                Backing::File {
                    source: src.clone(),
                    offset: *off,
                    limit: req.file_size,
                }
            }
        };
        let addr = if fixed {
            let end = req.addr.checked_add(len).ok_or(Errno::ENOMEM)?;
            if req.addr < MIN_ADDR || end > self.max_addr {
                return Err(if flags & libc::MAP_FIXED_NOREPLACE != 0 {
                    Errno::EEXIST
                } else {
                    Errno::EPERM
                });
            }
            if flags & libc::MAP_FIXED == 0 && !self.range_is_free(req.addr, end) {
                return Err(Errno::EEXIST);
            }
            req.addr
        } else {
            self.find_free(req.addr, len).ok_or(Errno::ENOMEM)?
        };
        let max_prot = if shared && req.file.is_some() {
            req.max_prot
        } else {
            Prot(PROT_ALL)
        };
        let vma = Vma {
            end: addr + len,
            prot: req.prot,
            max_prot,
            shared,
            backing,
        };
        self.insert_vma(addr, vma)?;
        if flags & libc::MAP_POPULATE != 0 && req.prot != Prot::NONE {
            self.populate(addr, addr, addr + len)?;
        }
        Ok(addr)
    }

    pub fn munmap(&mut self, addr: u64, len: u64) -> SysResult<()> {
        if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
            return Err(Errno::EINVAL);
        }
        let end = addr
            .checked_add(page_up(len).ok_or(Errno::EINVAL)?)
            .ok_or(Errno::EINVAL)?;
        if end > self.max_addr {
            return Err(Errno::EINVAL);
        }
        self.unmap_range(addr, end)
    }

    /// Every byte of `[start, end)` is in some VMA.
    fn fully_mapped(&self, start: u64, end: u64) -> bool {
        let mut a = start;
        while a < end {
            match self.vma_at(a) {
                Some((_, v)) => a = v.end,
                None => return false,
            }
        }
        true
    }

    pub fn mprotect(&mut self, addr: u64, len: u64, prot: Prot) -> SysResult<()> {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        // PROT_GROWSDOWN/GROWSUP are accepted and ignored (stacks do not grow yet).
        let grows = (libc::PROT_GROWSDOWN | libc::PROT_GROWSUP) as u32;
        if prot.0 & !(PROT_ALL | grows) != 0 {
            return Err(Errno::EINVAL);
        }
        let prot = Prot(prot.0 & PROT_ALL);
        let end = addr
            .checked_add(page_up(len).ok_or(Errno::ENOMEM)?)
            .ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Ok(());
        }
        if !self.fully_mapped(addr, end) {
            return Err(Errno::ENOMEM);
        }
        for (_, v) in self.vmas.range(..end) {
            if v.end > addr && !v.max_prot.contains(prot) {
                return Err(Errno::EACCES);
            }
        }
        self.split_at(addr);
        self.split_at(end);
        for (_, v) in self.vmas.range_mut(addr..end) {
            v.prot = prot;
        }
        for (a, _, l) in self.populated_runs(addr, end) {
            self.aspace
                .protect(a, l, prot)
                .map_err(|e| self.host_err(e))?;
        }
        self.merge_range(addr, end);
        Ok(())
    }

    /// brk(2): moves the program break; returns the new break, or the old one on failure.
    pub fn brk(&mut self, want: u64) -> u64 {
        if want < self.brk_start || self.brk_start == 0 {
            return self.brk;
        }
        let (Some(old_end), Some(new_end)) = (page_up(self.brk), page_up(want)) else {
            return self.brk;
        };
        if new_end > old_end {
            if !self.range_is_free(old_end, new_end) {
                return self.brk;
            }
            match self.vmas.get_mut(&self.brk_start) {
                Some(v) if v.end == old_end => v.end = new_end,
                _ => {
                    let vma = Vma::anon(new_end, Prot(PROT_ALL & !(libc::PROT_EXEC as u32)), false);
                    self.vmas.insert(old_end.max(self.brk_start), vma);
                }
            }
        } else if new_end < old_end && self.unmap_range(new_end, old_end).is_err() {
            return self.brk;
        }
        self.brk = want;
        self.brk
    }

    pub fn mremap(
        &mut self,
        old: u64,
        old_len: u64,
        new_len: u64,
        flags: i32,
        new_addr: u64,
    ) -> SysResult<u64> {
        let known = libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED | libc::MREMAP_DONTUNMAP;
        if !old.is_multiple_of(PAGE_SIZE) || flags & !known != 0 || new_len == 0 {
            return Err(Errno::EINVAL);
        }
        let may_move = flags & libc::MREMAP_MAYMOVE != 0;
        let fixed = flags & libc::MREMAP_FIXED != 0;
        if (fixed && !may_move) || flags & libc::MREMAP_DONTUNMAP != 0 {
            return Err(Errno::EINVAL);
        }
        let old_len = page_up(old_len).ok_or(Errno::EINVAL)?;
        let new_len = page_up(new_len).ok_or(Errno::ENOMEM)?;
        let old_end = old.checked_add(old_len).ok_or(Errno::EINVAL)?;
        if !fixed && old_len != 0 && new_len <= old_len {
            if self.vma_at(old).is_none() {
                return Err(Errno::EFAULT);
            }
            self.unmap_range(old + new_len, old_end)?;
            return Ok(old);
        }
        let Some((vstart, vma)) = self.vma_at(old) else {
            return Err(Errno::EFAULT);
        };
        if old_len == 0 || old_end > vma.end {
            // Duplicating a mapping (old_len 0) is only defined for shared ones.
            return Err(Errno::EFAULT);
        }
        let vma = vma.clone();
        if !fixed && old_end == vma.end && self.range_is_free(old_end, old + new_len) {
            if let Some(v) = self.vmas.get_mut(&vstart) {
                v.end = old + new_len;
            }
            return Ok(old);
        }
        if !may_move {
            return Err(Errno::ENOMEM);
        }
        let dest = if fixed {
            if !new_addr.is_multiple_of(PAGE_SIZE) {
                return Err(Errno::EINVAL);
            }
            let dend = new_addr.checked_add(new_len).ok_or(Errno::EINVAL)?;
            if new_addr < MIN_ADDR || dend > self.max_addr || (new_addr < old_end && old < dend) {
                return Err(Errno::EINVAL);
            }
            self.unmap_range(new_addr, dend)?;
            new_addr
        } else {
            self.find_free(0, new_len).ok_or(Errno::ENOMEM)?
        };
        // Move the pages that stay (the first min(old_len, new_len) bytes) to the new place.
        let keep = old_len.min(new_len);
        let moved: Vec<(u64, u64)> = self
            .pages
            .range(old..old + keep)
            .map(|(&a, &o)| (a, o))
            .collect();
        let mut nv = vma.clone();
        nv.advance_backing(old - vstart);
        nv.end = dest + new_len;
        for (a, _) in &moved {
            self.pages.remove(a);
        }
        self.aspace.unmap(old, keep).map_err(|e| self.host_err(e))?;
        // Pages beyond `keep` in the old range are released by the unmap below.
        self.unmap_range(old, old_end)?;
        self.vmas.insert(dest, nv);
        for (a, o) in moved {
            self.pages.insert(dest + (a - old), o);
        }
        for (a, o, l) in self.populated_runs(dest, dest + keep) {
            self.aspace
                .map(a, l, o, vma.prot)
                .map_err(|e| self.host_err(e))?;
        }
        Ok(dest)
    }

    pub fn madvise(&mut self, addr: u64, len: u64, advice: i32) -> SysResult<()> {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        let end = addr
            .checked_add(page_up(len).ok_or(Errno::EINVAL)?)
            .ok_or(Errno::EINVAL)?;
        match advice {
            libc::MADV_DONTNEED => {
                if !self.fully_mapped(addr, end) {
                    return Err(Errno::ENOMEM);
                }
                // The next touch refills from the backing: zeroes, or the file's bytes.
                self.drop_pages(addr, end)
            }
            libc::MADV_NORMAL
            | libc::MADV_RANDOM
            | libc::MADV_SEQUENTIAL
            | libc::MADV_WILLNEED
            | libc::MADV_FREE
            | libc::MADV_DONTFORK
            | libc::MADV_DOFORK
            | libc::MADV_MERGEABLE
            | libc::MADV_UNMERGEABLE
            | libc::MADV_HUGEPAGE
            | libc::MADV_NOHUGEPAGE
            | libc::MADV_DONTDUMP
            | libc::MADV_DODUMP => {
                if !self.fully_mapped(addr, end) {
                    return Err(Errno::ENOMEM);
                }
                Ok(())
            }
            _ => Err(Errno::EINVAL),
        }
    }

    /// Maps fresh anonymous memory at a fixed place (loader use: stacks, bss).
    pub fn map_anon_fixed(&mut self, addr: u64, len: u64, prot: Prot) -> SysResult<()> {
        let end = addr
            .checked_add(page_up(len).ok_or(Errno::ENOMEM)?)
            .ok_or(Errno::ENOMEM)?;
        if addr < MIN_ADDR || end > self.max_addr {
            return Err(Errno::ENOMEM);
        }
        self.insert_vma(page_down(addr), Vma::anon(end, prot, false))
    }
}
