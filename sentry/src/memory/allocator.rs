//! Page-range allocation over the memory file: first fit over free extents, with a reference
//! count per page so that pages can be shared (copy-on-write, shared mappings).

use std::collections::BTreeMap;

/// Offsets and lengths here are in pages.
#[derive(Default)]
pub(crate) struct Allocator {
    /// Free extents: start page -> page count. Adjacent extents are always merged.
    free: BTreeMap<u64, u64>,
    refs: Vec<u32>,
    /// Pages the file holds.
    pub(crate) size: u64,
}

impl Allocator {
    /// Finds `n` contiguous free pages; `None` means the file must grow first.
    pub(crate) fn alloc(&mut self, n: u64) -> Option<u64> {
        let (&start, &len) = self.free.iter().find(|(_, &len)| len >= n)?;
        self.free.remove(&start);
        if len > n {
            self.free.insert(start + n, len - n);
        }
        for r in &mut self.refs[start as usize..(start + n) as usize] {
            *r = 1;
        }
        Some(start)
    }

    /// Adds pages `[size, new_size)` to the free pool.
    pub(crate) fn grow(&mut self, new_size: u64) {
        let old = self.size;
        self.refs.resize(new_size as usize, 0);
        self.size = new_size;
        self.release(old, new_size - old);
    }

    pub(crate) fn incref(&mut self, start: u64, n: u64) {
        for r in &mut self.refs[start as usize..(start + n) as usize] {
            *r += 1;
        }
    }

    /// Drops one reference from each page; returns the runs of pages that became free.
    pub(crate) fn decref(&mut self, start: u64, n: u64) -> Vec<(u64, u64)> {
        let mut freed: Vec<(u64, u64)> = Vec::new();
        for p in start..start + n {
            let r = &mut self.refs[p as usize];
            debug_assert!(*r > 0, "page {p} freed twice");
            *r = r.saturating_sub(1);
            if *r == 0 {
                match freed.last_mut() {
                    Some((s, l)) if *s + *l == p => *l += 1,
                    _ => freed.push((p, 1)),
                }
            }
        }
        for &(s, l) in &freed {
            self.release(s, l);
        }
        freed
    }

    fn release(&mut self, mut start: u64, mut n: u64) {
        if n == 0 {
            return;
        }
        if let Some((&ps, &pl)) = self.free.range(..start).next_back() {
            if ps + pl == start {
                self.free.remove(&ps);
                start = ps;
                n += pl;
            }
        }
        if let Some(&nl) = self.free.get(&(start + n)) {
            self.free.remove(&(start + n));
            n += nl;
        }
        self.free.insert(start, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alloc_free_merge() {
        let mut a = Allocator::default();
        assert_eq!(a.alloc(1), None);
        a.grow(8);
        assert_eq!(a.alloc(3), Some(0));
        assert_eq!(a.alloc(3), Some(3));
        assert_eq!(a.alloc(3), None);
        a.incref(0, 3);
        assert!(a.decref(0, 3).is_empty());
        assert_eq!(a.decref(0, 3), vec![(0, 3)]);
        assert_eq!(a.decref(3, 3), vec![(3, 3)]);
        // Everything merged back into one extent.
        assert_eq!(a.alloc(8), Some(0));
    }
}
