//! The memory manager against a recording address space: VMA bookkeeping, population,
//! copy-in/out, and what is mapped where.

use super::*;
use crate::mm::syscalls::MmapRequest;
use std::sync::Mutex;

/// Records the platform calls; maps nothing.
#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<String>>,
}

impl AddressSpace for Recorder {
    fn map(&self, addr: u64, len: u64, off: u64, prot: Prot) -> platform::Result<()> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("map {addr:#x} {len:#x} {off:#x} {}", prot.0));
        Ok(())
    }
    fn unmap(&self, addr: u64, len: u64) -> platform::Result<()> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("unmap {addr:#x} {len:#x}"));
        Ok(())
    }
    fn protect(&self, addr: u64, len: u64, prot: Prot) -> platform::Result<()> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("protect {addr:#x} {len:#x} {}", prot.0));
        Ok(())
    }
    fn cpu_time_ns(&self) -> u64 {
        0
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

const TOP: u64 = 0x7f00_0000_0000;

fn mm() -> MemoryManager {
    let mf = Arc::new(MemoryFile::new().expect("memfd"));
    MemoryManager::new(mf, Box::new(Recorder::default()), TOP)
}

fn anon(mm: &mut MemoryManager, addr: u64, len: u64, prot: u32, fixed: bool) -> SysResult<u64> {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | if fixed { libc::MAP_FIXED } else { 0 };
    mm.mmap(MmapRequest {
        addr,
        len,
        prot: Prot(prot),
        flags,
        file: None,
        file_size: 0,
        max_prot: Prot(7),
    })
}

#[test]
fn mmap_copy_and_munmap() {
    let mut m = mm();
    let a = anon(&mut m, 0, 3 * PAGE_SIZE, 3, false).unwrap();
    assert!(a + 3 * PAGE_SIZE <= TOP && a.is_multiple_of(PAGE_SIZE));
    m.copy_out(a + PAGE_SIZE - 2, b"hello").unwrap();
    let mut buf = [0u8; 5];
    m.copy_in(a + PAGE_SIZE - 2, &mut buf).unwrap();
    assert_eq!(&buf, b"hello");
    assert_eq!(m.resident_pages(), 2, "only the touched pages get memory");
    m.munmap(a + PAGE_SIZE, PAGE_SIZE).unwrap();
    assert!(m.copy_in(a + PAGE_SIZE, &mut buf).is_err());
    assert_eq!(m.resident_pages(), 1);
    assert_eq!(m.handle_fault(a + PAGE_SIZE), Err(BadAccess::Unmapped));
    assert_eq!(m.munmap(a + 1, PAGE_SIZE), Err(Errno::EINVAL));
    assert_eq!(anon(&mut m, 0, 0, 3, false), Err(Errno::EINVAL));
}

#[test]
fn protection_is_checked_and_vmas_merge_back() {
    let mut m = mm();
    let a = anon(&mut m, 0, 4 * PAGE_SIZE, 3, false).unwrap();
    m.copy_out(a, &[1]).unwrap();
    m.mprotect(a + PAGE_SIZE, PAGE_SIZE, Prot(1)).unwrap();
    assert_eq!(m.copy_out(a + PAGE_SIZE, &[1]), Err(Errno::EFAULT));
    // A first fault on the read-only page is resolved (read access); a second one on the now
    // present page is a protection violation.
    assert_eq!(m.handle_fault(a + PAGE_SIZE), Ok(()));
    assert_eq!(m.handle_fault(a + PAGE_SIZE), Err(BadAccess::Protection));
    m.mprotect(a + PAGE_SIZE, PAGE_SIZE, Prot(3)).unwrap();
    assert_eq!(m.vmas.len(), 1, "same-protection neighbours merge");
    // A whole-range mremap now sees one mapping.
    assert_eq!(m.mremap(a, 4 * PAGE_SIZE, 2 * PAGE_SIZE, 0, 0), Ok(a));
    assert_eq!(
        m.mprotect(a + 2 * PAGE_SIZE, PAGE_SIZE, Prot(1)),
        Err(Errno::ENOMEM)
    );
}

#[test]
fn mremap_moves_contents() {
    let mut m = mm();
    let a = anon(&mut m, 0x10_0000_0000, PAGE_SIZE, 3, true).unwrap();
    // Block growth in place.
    anon(&mut m, a + PAGE_SIZE, PAGE_SIZE, 3, true).unwrap();
    m.copy_out(a, b"keep").unwrap();
    assert_eq!(
        m.mremap(a, PAGE_SIZE, 2 * PAGE_SIZE, 0, 0),
        Err(Errno::ENOMEM)
    );
    let b = m
        .mremap(a, PAGE_SIZE, 2 * PAGE_SIZE, libc::MREMAP_MAYMOVE, 0)
        .unwrap();
    assert_ne!(a, b);
    let mut buf = [0u8; 4];
    m.copy_in(b, &mut buf).unwrap();
    assert_eq!(&buf, b"keep");
    assert!(m.copy_in(a, &mut buf).is_err());
}

#[test]
fn brk_grows_and_shrinks() {
    let mut m = mm();
    m.set_brk_start(0x40_0000);
    assert_eq!(m.brk(0), 0x40_0000);
    assert_eq!(m.brk(0x40_1234), 0x40_1234);
    m.copy_out(0x40_1000, &[7]).unwrap();
    assert_eq!(m.brk(0x40_0000), 0x40_0000);
    assert!(m.copy_out(0x40_1000, &[7]).is_err());
    // Below the start is refused: the break stays.
    assert_eq!(m.brk(0x30_0000), 0x40_0000);
}

#[test]
fn dontneed_zeroes_private_anonymous_memory() {
    let mut m = mm();
    let a = anon(&mut m, 0, PAGE_SIZE, 3, false).unwrap();
    m.copy_out(a, &[9]).unwrap();
    m.madvise(a, PAGE_SIZE, libc::MADV_DONTNEED).unwrap();
    let mut b = [1u8];
    m.copy_in(a, &mut b).unwrap();
    assert_eq!(b, [0]);
    assert_eq!(m.madvise(a, PAGE_SIZE, 12345), Err(Errno::EINVAL));
}
