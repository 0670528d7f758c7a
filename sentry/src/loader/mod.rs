//! Loading a program into a fresh address space: ELF64 executables (static, static-PIE, and
//! dynamic with their interpreter) and the initial stack with argv, envp and auxv.

mod elf;
mod stack;

pub use elf::{ElfError, ElfInfo};
pub use stack::{build_stack, AuxCreds, StackInfo};

use crate::errno::{Errno, SysResult};
use crate::memory::{page_down, page_up};
use crate::mm::{Backing, MapSource, MemoryManager, Vma};
use platform::Prot;
use std::sync::Arc;

/// Where a position-independent main executable is placed (Linux's ELF_ET_DYN_BASE without
/// randomization).
const PIE_BASE: u64 = 0x5555_5555_4000;
/// Stack size reserved for the initial thread.
pub const STACK_SIZE: u64 = 8 << 20;

/// An executable file the loader can read.
pub struct Executable {
    pub source: Arc<dyn MapSource>,
    pub size: u64,
}

impl Executable {
    pub fn read_exact(&self, off: u64, len: usize) -> SysResult<Vec<u8>> {
        let mut buf = vec![0u8; len];
        let mut done = 0;
        while done < len {
            let n = self.source.read_at(off + done as u64, &mut buf[done..])?;
            if n == 0 {
                return Err(Errno::ENOEXEC);
            }
            done += n;
        }
        Ok(buf)
    }
}

/// The result of loading: where to start and what the auxv must say.
pub struct Loaded {
    pub entry: u64,
    pub phdr: u64,
    pub phnum: u64,
    pub phent: u64,
    /// Load bias of the interpreter, 0 for static programs.
    pub interp_base: u64,
    pub prog_entry: u64,
    pub brk: u64,
}

/// Maps the PT_LOAD segments of `exe` at `bias`; returns the end of the highest segment.
fn map_segments(
    mm: &mut MemoryManager,
    exe: &Executable,
    info: &ElfInfo,
    bias: u64,
) -> SysResult<u64> {
    let mut top = 0;
    for seg in &info.loads {
        let vaddr = seg.vaddr.checked_add(bias).ok_or(Errno::ENOEXEC)?;
        let start = page_down(vaddr);
        let file_start = page_down(seg.offset);
        let file_end = seg.offset + seg.filesz;
        let mem_end = vaddr.checked_add(seg.memsz).ok_or(Errno::ENOEXEC)?;
        let map_end = page_up(mem_end).ok_or(Errno::ENOEXEC)?;
        if map_end > mm.max_addr() || start < crate::mm::MIN_ADDR {
            return Err(Errno::ENOEXEC);
        }
        let prot = seg.prot;
        // File-backed part, up to the page holding the last file byte; bytes past filesz in
        // that page read as zero (the start of .bss).
        let file_map_end = page_up(vaddr + seg.filesz)
            .ok_or(Errno::ENOEXEC)?
            .min(map_end);
        if seg.filesz > 0 {
            let vma = Vma {
                end: file_map_end,
                prot,
                max_prot: Prot(7),
                shared: false,
                backing: Backing::File {
                    source: exe.source.clone(),
                    offset: file_start,
                    limit: file_end.min(exe.size),
                },
            };
            mm.insert_vma(start, vma)?;
        }
        let anon_start = if seg.filesz > 0 { file_map_end } else { start };
        if map_end > anon_start {
            mm.insert_vma(anon_start, Vma::anon(map_end, prot, false))?;
        }
        top = top.max(mem_end);
    }
    Ok(top)
}

/// Loads `exe` (and `interp`, when the program names one and the caller found it).
pub fn load(
    mm: &mut MemoryManager,
    exe: &Executable,
    info: &ElfInfo,
    interp: Option<(&Executable, &ElfInfo)>,
) -> SysResult<Loaded> {
    let bias = if info.is_dyn { PIE_BASE } else { 0 };
    let top = map_segments(mm, exe, info, bias)?;
    let brk = page_up(top).ok_or(Errno::ENOEXEC)?;
    mm.set_brk_start(brk);
    let prog_entry = info.entry + bias;
    let (entry, interp_base) = match interp {
        None => (prog_entry, 0),
        Some((iexe, iinfo)) => {
            let span = iinfo.span().ok_or(Errno::ENOEXEC)?;
            let base = mm
                .reserve_top_down(page_up(span).ok_or(Errno::ENOEXEC)?)
                .ok_or(Errno::ENOMEM)?;
            let ibias = base - page_down(iinfo.loads.first().map_or(0, |l| l.vaddr));
            map_segments(mm, iexe, iinfo, ibias)?;
            (iinfo.entry + ibias, ibias)
        }
    };
    let phdr = info.phdr_vaddr.ok_or(Errno::ENOEXEC)? + bias;
    Ok(Loaded {
        entry,
        phdr,
        phnum: info.phnum as u64,
        phent: info.phentsize as u64,
        interp_base,
        prog_entry,
        brk,
    })
}
