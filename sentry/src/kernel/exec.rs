//! Starting a program: finding it, loading it into a new address space, building its stack.

use super::{Credentials, Kernel, Rlimits, SignalState, Task};
use crate::errno::Errno;
use crate::loader::{self, AuxCreds, ElfError, ElfInfo, Executable};
use crate::memory::{page_down, PAGE_SIZE};
use crate::mm::MemoryManager;
use crate::vfs::{file_type, Dentry, FdTable, FsContext};
use platform::{Prot, Registers};
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ExecError {
    #[error("{path}: {errno}")]
    Lookup { path: String, errno: Errno },
    #[error("{path}: {source}")]
    Elf {
        path: String,
        #[source]
        source: ElfError,
    },
    #[error("loading {path}: {errno}")]
    Load { path: String, errno: Errno },
    #[error("platform: {0}")]
    Platform(#[from] platform::Error),
}

const DEFAULT_PATH: &[u8] = b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn show(p: &[u8]) -> String {
    String::from_utf8_lossy(p).into_owned()
}

/// Finds a program the way execvp does: a name without `/` is searched in PATH.
pub(crate) fn find_program(
    kernel: &Kernel,
    fs: &FsContext,
    name: &[u8],
    envp: &[Vec<u8>],
) -> Result<(Arc<Dentry>, Vec<u8>), ExecError> {
    let lookup = |p: &[u8]| kernel.vfs.resolve(fs, &fs.cwd, p, true);
    if name.contains(&b'/') {
        return lookup(name)
            .map(|d| (d, name.to_vec()))
            .map_err(|errno| ExecError::Lookup {
                path: show(name),
                errno,
            });
    }
    let path = envp
        .iter()
        .find_map(|e| e.strip_prefix(b"PATH="))
        .unwrap_or(DEFAULT_PATH);
    for dir in path.split(|&b| b == b':').filter(|d| !d.is_empty()) {
        let mut full = dir.to_vec();
        full.push(b'/');
        full.extend_from_slice(name);
        if let Ok(d) = lookup(&full) {
            if file_type(d.inode.mode()) == libc::S_IFREG {
                return Ok((d, full));
            }
        }
    }
    Err(ExecError::Lookup {
        path: show(name),
        errno: Errno::ENOENT,
    })
}

/// Opens a resolved file as an executable and parses its ELF headers.
fn open_exe(d: &Arc<Dentry>, path: &[u8]) -> Result<(Executable, ElfInfo), ExecError> {
    let load_err = |errno| ExecError::Load {
        path: show(path),
        errno,
    };
    if file_type(d.inode.mode()) != libc::S_IFREG {
        return Err(load_err(Errno::EACCES));
    }
    let ops = d.inode.clone().open(libc::O_RDONLY).map_err(load_err)?;
    let size = ops.stat().map_err(load_err)?.size as u64;
    let source = ops.map_source().ok_or_else(|| load_err(Errno::EACCES))?;
    let exe = Executable { source, size };
    let elf_err = |source| ExecError::Elf {
        path: show(path),
        source,
    };
    let hdr = exe
        .read_exact(0, 64)
        .map_err(|_| elf_err(ElfError::NotElf))?;
    let mut info = ElfInfo::parse_header(&hdr).map_err(elf_err)?;
    let ph = exe
        .read_exact(info.phoff, info.phdrs_len())
        .map_err(|_| elf_err(ElfError::BadPhdrs))?;
    info.parse_phdrs(&ph, |off, len| exe.read_exact(off, len as usize).ok())
        .map_err(elf_err)?;
    Ok((exe, info))
}

/// The task name execve gives: the last path component, cut to 15 bytes.
fn comm_of(path: &[u8]) -> Vec<u8> {
    let base = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    base[..base.len().min(15)].to_vec()
}

/// What the first process of a sandbox starts as.
pub struct InitSpec {
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    pub fds: FdTable,
    pub fs: FsContext,
    pub creds: Credentials,
}

impl Task {
    /// Creates the sandbox's init process (pid 1) running `argv[0]`. Must be called on the
    /// host thread that will run the task: the platform ties the address space to it.
    pub fn new_init(kernel: Arc<Kernel>, spec: InitSpec) -> Result<Task, ExecError> {
        let name = spec.argv.first().cloned().unwrap_or_default();
        let (dentry, path) = find_program(&kernel, &spec.fs, &name, &spec.envp)?;
        let (exe, info) = open_exe(&dentry, &path)?;
        let interp = match &info.interp {
            Some(ip) => {
                let d = kernel
                    .vfs
                    .resolve(&spec.fs, &spec.fs.root, ip, true)
                    .map_err(|errno| ExecError::Lookup {
                        path: show(ip),
                        errno,
                    })?;
                let (iexe, iinfo) = open_exe(&d, ip)?;
                if iinfo.interp.is_some() {
                    return Err(ExecError::Elf {
                        path: show(ip),
                        source: ElfError::BadPhdrs,
                    });
                }
                Some((iexe, iinfo))
            }
            None => None,
        };

        let aspace = kernel.platform.new_address_space()?;
        let mut mm = MemoryManager::new(
            kernel.memory.clone(),
            aspace,
            kernel.platform.max_user_address(),
        );
        let load_err = |errno| ExecError::Load {
            path: show(&path),
            errno,
        };
        let stack_top = page_down(mm.max_addr()) - 16 * PAGE_SIZE;
        let stack_lo = stack_top - loader::STACK_SIZE;
        mm.map_anon_fixed(stack_lo, loader::STACK_SIZE, Prot(3))
            .map_err(load_err)?;
        mm.set_mmap_base(stack_lo - (128 << 20));
        let loaded = loader::load(&mut mm, &exe, &info, interp.as_ref().map(|(e, i)| (e, i)))
            .map_err(load_err)?;
        let c = &spec.creds;
        let aux = AuxCreds {
            uid: c.uid,
            euid: c.euid,
            gid: c.gid,
            egid: c.egid,
        };
        let stack = loader::build_stack(
            &mut mm, stack_top, &spec.argv, &spec.envp, &path, &loaded, &aux,
        )
        .map_err(load_err)?;
        let ctx = kernel.platform.new_context()?;
        tracing::debug!(
            entry = loaded.entry,
            sp = stack.sp,
            "starting {}",
            show(&path)
        );
        Ok(Task {
            kernel,
            tid: 1,
            tgid: 1,
            ppid: 0,
            mm,
            ctx,
            regs: Registers::new_user(loaded.entry, stack.sp),
            fds: spec.fds,
            fs: spec.fs,
            creds: spec.creds,
            signals: SignalState::default(),
            rlimits: Rlimits::default(),
            clear_child_tid: 0,
            robust_list: 0,
            comm: comm_of(&path),
            pdeath_signal: 0,
            dumpable: true,
            no_new_privs: false,
            exit: None,
        })
    }
}
