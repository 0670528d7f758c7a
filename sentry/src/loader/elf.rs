//! ELF64 header and program-header parsing. Everything is bounds-checked: a malformed file is
//! ENOEXEC, never a panic.

use platform::Prot;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ElfError {
    #[error("not an ELF file")]
    NotElf,
    #[error("not a 64-bit little-endian x86-64 executable")]
    WrongArch,
    #[error("ELF type {0} is not executable")]
    WrongType(u16),
    #[error("bad program headers")]
    BadPhdrs,
    #[error("no loadable segments")]
    NoLoads,
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub vaddr: u64,
    pub offset: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub prot: Prot,
}

#[derive(Debug, Clone)]
pub struct ElfInfo {
    pub is_dyn: bool,
    pub entry: u64,
    pub phoff: u64,
    pub phnum: u16,
    pub phentsize: u16,
    pub loads: Vec<Segment>,
    /// The interpreter path of PT_INTERP, if any.
    pub interp: Option<Vec<u8>>,
    /// Where the program headers are in memory (unbiased).
    pub phdr_vaddr: Option<u64>,
}

const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_PHDR: u32 = 6;
const PHDR_SIZE: usize = 56;
/// Most program headers accepted.
const MAX_PHNUM: usize = 512;

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(o..o + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(o..o + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], o: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(o..o + 8)?.try_into().ok()?))
}

impl ElfInfo {
    /// Parses the 64-byte ELF header.
    pub fn parse_header(h: &[u8]) -> Result<ElfInfo, ElfError> {
        if h.len() < 64 || &h[..4] != b"\x7fELF" {
            return Err(ElfError::NotElf);
        }
        // class 2 = 64-bit, data 1 = little endian, machine 62 = x86-64.
        if h[4] != 2 || h[5] != 1 || u16_at(h, 18) != Some(62) {
            return Err(ElfError::WrongArch);
        }
        let ty = u16_at(h, 16).ok_or(ElfError::NotElf)?;
        let is_dyn = match ty {
            2 => false,
            3 => true,
            t => return Err(ElfError::WrongType(t)),
        };
        let phentsize = u16_at(h, 54).ok_or(ElfError::BadPhdrs)?;
        let phnum = u16_at(h, 56).ok_or(ElfError::BadPhdrs)?;
        if phentsize as usize != PHDR_SIZE || phnum == 0 || phnum as usize > MAX_PHNUM {
            return Err(ElfError::BadPhdrs);
        }
        Ok(ElfInfo {
            is_dyn,
            entry: u64_at(h, 24).ok_or(ElfError::NotElf)?,
            phoff: u64_at(h, 32).ok_or(ElfError::NotElf)?,
            phnum,
            phentsize,
            loads: Vec::new(),
            interp: None,
            phdr_vaddr: None,
        })
    }

    /// Bytes of the program header table.
    pub fn phdrs_len(&self) -> usize {
        self.phnum as usize * PHDR_SIZE
    }

    /// Parses the program headers; `read_interp` fetches PT_INTERP's string from the file.
    pub fn parse_phdrs(
        &mut self,
        ph: &[u8],
        mut read_interp: impl FnMut(u64, u64) -> Option<Vec<u8>>,
    ) -> Result<(), ElfError> {
        for i in 0..self.phnum as usize {
            let o = i * PHDR_SIZE;
            let p_type = u32_at(ph, o).ok_or(ElfError::BadPhdrs)?;
            let flags = u32_at(ph, o + 4).ok_or(ElfError::BadPhdrs)?;
            let offset = u64_at(ph, o + 8).ok_or(ElfError::BadPhdrs)?;
            let vaddr = u64_at(ph, o + 16).ok_or(ElfError::BadPhdrs)?;
            let filesz = u64_at(ph, o + 32).ok_or(ElfError::BadPhdrs)?;
            let memsz = u64_at(ph, o + 40).ok_or(ElfError::BadPhdrs)?;
            match p_type {
                PT_LOAD => {
                    if filesz > memsz
                        || vaddr % 4096 != offset % 4096
                        || vaddr.checked_add(memsz).is_none()
                        || offset.checked_add(filesz).is_none()
                    {
                        return Err(ElfError::BadPhdrs);
                    }
                    // PF_X=1, PF_W=2, PF_R=4.
                    let mut prot = 0;
                    if flags & 4 != 0 {
                        prot |= libc::PROT_READ as u32;
                    }
                    if flags & 2 != 0 {
                        prot |= libc::PROT_WRITE as u32;
                    }
                    if flags & 1 != 0 {
                        prot |= libc::PROT_EXEC as u32;
                    }
                    self.loads.push(Segment {
                        vaddr,
                        offset,
                        filesz,
                        memsz,
                        prot: Prot(prot),
                    });
                }
                PT_INTERP => {
                    if !(2..=4096).contains(&filesz) {
                        return Err(ElfError::BadPhdrs);
                    }
                    let mut s = read_interp(offset, filesz).ok_or(ElfError::BadPhdrs)?;
                    while s.last() == Some(&0) {
                        s.pop();
                    }
                    self.interp = Some(s);
                }
                PT_PHDR => self.phdr_vaddr = Some(vaddr),
                _ => {}
            }
        }
        if self.loads.is_empty() {
            return Err(ElfError::NoLoads);
        }
        self.loads.sort_by_key(|l| l.vaddr);
        if self.phdr_vaddr.is_none() {
            // The headers are usually inside the first segment that maps file offset phoff.
            let phoff = self.phoff;
            self.phdr_vaddr = self
                .loads
                .iter()
                .find(|l| l.offset <= phoff && phoff < l.offset + l.filesz)
                .map(|l| l.vaddr + (phoff - l.offset));
        }
        Ok(())
    }

    /// Bytes from the lowest to the highest loaded address.
    pub fn span(&self) -> Option<u64> {
        let lo = self.loads.first()?.vaddr & !4095;
        let hi = self.loads.iter().map(|l| l.vaddr + l.memsz).max()?;
        hi.checked_sub(lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage() {
        assert_eq!(
            ElfInfo::parse_header(b"nope").unwrap_err(),
            ElfError::NotElf
        );
        let mut h = [0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        assert_eq!(ElfInfo::parse_header(&h).unwrap_err(), ElfError::WrongArch);
        h[4] = 2;
        h[5] = 1;
        h[18] = 62;
        h[16] = 1;
        assert_eq!(
            ElfInfo::parse_header(&h).unwrap_err(),
            ElfError::WrongType(1)
        );
        h[16] = 2;
        assert_eq!(ElfInfo::parse_header(&h).unwrap_err(), ElfError::BadPhdrs);
        h[54] = 56;
        h[56] = 1;
        let mut info = ElfInfo::parse_header(&h).unwrap();
        // Truncated program headers.
        assert_eq!(
            info.parse_phdrs(&[0u8; 10], |_, _| None).unwrap_err(),
            ElfError::BadPhdrs
        );
        // A header table with no PT_LOAD.
        assert_eq!(
            info.parse_phdrs(&[0u8; 56], |_, _| None).unwrap_err(),
            ElfError::NoLoads
        );
    }
}
