//! The initial stack of a new program: argc, argv, envp, auxv, and the strings they point to.

use super::Loaded;
use crate::errno::{Errno, SysResult};
use crate::mm::MemoryManager;

pub struct StackInfo {
    pub sp: u64,
}

const AT_NULL: u64 = 0;
const AT_PHDR: u64 = 3;
const AT_PHENT: u64 = 4;
const AT_PHNUM: u64 = 5;
const AT_PAGESZ: u64 = 6;
const AT_BASE: u64 = 7;
const AT_FLAGS: u64 = 8;
const AT_ENTRY: u64 = 9;
const AT_UID: u64 = 11;
const AT_EUID: u64 = 12;
const AT_GID: u64 = 13;
const AT_EGID: u64 = 14;
const AT_PLATFORM: u64 = 15;
const AT_HWCAP: u64 = 16;
const AT_CLKTCK: u64 = 17;
const AT_SECURE: u64 = 23;
const AT_RANDOM: u64 = 25;
const AT_HWCAP2: u64 = 26;
const AT_EXECFN: u64 = 31;

/// The credentials auxv reports.
pub struct AuxCreds {
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
}

/// Lays out the stack below `top` and returns the initial stack pointer.
pub fn build_stack(
    mm: &mut MemoryManager,
    top: u64,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    loaded: &Loaded,
    creds: &AuxCreds,
) -> SysResult<StackInfo> {
    let mut sp = top;
    let push_bytes = |mm: &mut MemoryManager, sp: &mut u64, b: &[u8]| -> SysResult<u64> {
        *sp = sp.checked_sub(b.len() as u64).ok_or(Errno::E2BIG)?;
        mm.copy_out(*sp, b)?;
        Ok(*sp)
    };
    let cstr = |s: &[u8]| {
        let mut v = s.to_vec();
        v.push(0);
        v
    };
    let execfn_ptr = push_bytes(mm, &mut sp, &cstr(execfn))?;
    let mut env_ptrs = Vec::with_capacity(envp.len());
    for e in envp.iter().rev() {
        env_ptrs.push(push_bytes(mm, &mut sp, &cstr(e))?);
    }
    env_ptrs.reverse();
    let mut arg_ptrs = Vec::with_capacity(argv.len());
    for a in argv.iter().rev() {
        arg_ptrs.push(push_bytes(mm, &mut sp, &cstr(a))?);
    }
    arg_ptrs.reverse();
    let platform_ptr = push_bytes(mm, &mut sp, b"x86_64\0")?;
    let mut random = [0u8; 16];
    crate::random::fill(&mut random)?;
    let random_ptr = push_bytes(mm, &mut sp, &random)?;

    let auxv: [(u64, u64); 19] = [
        (AT_PHDR, loaded.phdr),
        (AT_PHENT, loaded.phent),
        (AT_PHNUM, loaded.phnum),
        (AT_PAGESZ, 4096),
        (AT_BASE, loaded.interp_base),
        (AT_FLAGS, 0),
        (AT_ENTRY, loaded.prog_entry),
        (AT_UID, creds.uid as u64),
        (AT_EUID, creds.euid as u64),
        (AT_GID, creds.gid as u64),
        (AT_EGID, creds.egid as u64),
        (AT_SECURE, 0),
        (AT_RANDOM, random_ptr),
        (AT_HWCAP, hwcap()),
        (AT_HWCAP2, 0),
        (AT_CLKTCK, 100),
        (AT_PLATFORM, platform_ptr),
        (AT_EXECFN, execfn_ptr),
        (AT_NULL, 0),
    ];
    let words = 1 + arg_ptrs.len() + 1 + env_ptrs.len() + 1 + auxv.len() * 2;
    sp &= !15;
    if words % 2 == 1 {
        sp -= 8;
    }
    let mut table: Vec<u64> = Vec::with_capacity(words);
    table.push(argv.len() as u64);
    table.extend(&arg_ptrs);
    table.push(0);
    table.extend(&env_ptrs);
    table.push(0);
    for (k, v) in auxv {
        table.push(k);
        table.push(v);
    }
    let bytes: Vec<u8> = table.iter().flat_map(|w| w.to_ne_bytes()).collect();
    sp = sp.checked_sub(bytes.len() as u64).ok_or(Errno::E2BIG)?;
    mm.copy_out(sp, &bytes)?;
    Ok(StackInfo { sp })
}

/// CPUID.1:EDX, what Linux reports as AT_HWCAP on x86-64.
fn hwcap() -> u64 {
    let r = std::arch::x86_64::__cpuid(1);
    r.edx as u64
}
