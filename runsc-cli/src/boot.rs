//! `runsc boot`: the sandbox process. Builds the kernel (memory file, platform, mount tree,
//! syscall table), confines itself, and runs the container's init task.

use crate::cli::{BootArgs, Cli, PlatformKind};
use crate::sandbox;
use anyhow::{anyhow, Context};
use platform::ptrace::PtracePlatform;
use platform::MemoryFileFd;
use sentry::kernel::{Credentials, InitSpec, Kernel, Task, Utsname};
use sentry::memory::MemoryFile;
use sentry::vfs::{new_devfs, FdTable, FsContext, GoferFs, HostFile, OpenFile, Tmpfs, Vfs};
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Instant;

/// Builds the mount tree: the Gofer's root, a tmpfs at /tmp, devfs at /dev.
fn build_vfs(root: Arc<dyn sentry::vfs::Inode>, read_only: bool) -> anyhow::Result<Arc<Vfs>> {
    let vfs = Arc::new(Vfs::new(root, read_only, "gofer"));
    let ctx = FsContext {
        root: vfs.root(),
        cwd: vfs.root(),
        umask: 0o022,
    };
    let mounts: [(&str, Arc<dyn sentry::vfs::Inode>, &'static str); 2] = [
        ("/tmp", Tmpfs::new_root(0o1777), "tmpfs"),
        (
            "/dev",
            new_devfs().map_err(|e| anyhow!("building /dev: {e}"))?,
            "devfs",
        ),
    ];
    for (path, fs, kind) in mounts {
        let at = vfs
            .resolve(&ctx, &ctx.root, path.as_bytes(), true)
            .map_err(|e| anyhow!("mount point {path} in the root filesystem: {e}"))?;
        vfs.mount(at, fs, false, kind)
            .map_err(|e| anyhow!("mounting {kind} at {path}: {e}"))?;
    }
    Ok(vfs)
}

/// The guest's fds 0-2: the sandbox process's own stdio.
fn stdio_fds() -> FdTable {
    let mut fds = FdTable::default();
    for n in 0..3 {
        // SAFETY: F_GETFL on a possibly closed fd is harmless.
        let fl = unsafe { libc::fcntl(n, libc::F_GETFL) };
        if fl < 0 {
            continue;
        }
        // SAFETY: dup of an open fd; the new fd is owned below.
        let d = unsafe { libc::fcntl(n, libc::F_DUPFD_CLOEXEC, 3) };
        if d < 0 {
            continue;
        }
        // SAFETY: d was just created for us.
        let owned = unsafe { OwnedFd::from_raw_fd(d) };
        let f = OpenFile::new(HostFile::stdio(owned), None, fl & libc::O_ACCMODE);
        let _ = fds.insert_at(n, f, false, 3);
    }
    fds
}

fn host_total_ram() -> u64 {
    // SAFETY: plain integers; filled by sysinfo.
    let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: si is a valid out pointer.
    if unsafe { libc::sysinfo(&mut si) } != 0 {
        return 1 << 30;
    }
    si.totalram * si.mem_unit as u64
}

/// Pins the calling thread to the CPU it runs on, so the stubs it forks (which inherit the
/// affinity) wake on the same CPU: a cross-CPU wakeup costs tens of microseconds here.
fn pin_to_current_cpu() {
    // SAFETY: sched_getcpu has no preconditions.
    let cpu = unsafe { libc::sched_getcpu() };
    if cpu < 0 {
        return;
    }
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET stays within it for cpu < 1024.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu as usize, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

pub fn run(cli: &Cli, b: &BootArgs) -> anyhow::Result<i32> {
    if cli.platform != PlatformKind::Ptrace {
        anyhow::bail!("the kvm platform is not implemented yet");
    }
    let boot = Instant::now();
    // SAFETY: the parent put the Gofer connection at this fd for us.
    let sock = unsafe { OwnedFd::from_raw_fd(b.gofer_fd) };
    let client = Arc::new(gofer::Client::new(sock));
    let root =
        GoferFs::attach(client, b.read_only).map_err(|e| anyhow!("attaching to the Gofer: {e}"))?;
    let vfs = build_vfs(root, b.read_only)?;
    let memory = Arc::new(MemoryFile::new().context("creating the memory file")?);
    let platform = PtracePlatform::new(MemoryFileFd(memory.fd())).context("ptrace platform")?;
    let fds = stdio_fds();
    sandbox::confine_sentry()?;

    let ncpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let kernel = Arc::new(Kernel {
        platform: Box::new(platform),
        memory,
        vfs: vfs.clone(),
        table: syscalls::table(),
        uts: Utsname::default(),
        strace: cli.strace,
        boot,
        ncpus,
        total_ram: host_total_ram(),
    });
    crate::seccomp::install_sentry_filter()?;
    let root = vfs.root();
    let cwd = vfs
        .resolve(
            &FsContext {
                root: root.clone(),
                cwd: root.clone(),
                umask: 0o022,
            },
            &root,
            b.cwd.as_bytes(),
            true,
        )
        .map_err(|e| anyhow!("working directory {}: {e}", b.cwd))?;
    let spec = InitSpec {
        argv: b.command.iter().map(|s| s.as_bytes().to_vec()).collect(),
        envp: b.env.iter().map(|s| s.as_bytes().to_vec()).collect(),
        fds,
        fs: FsContext {
            root,
            cwd,
            umask: 0o022,
        },
        creds: Credentials::default(),
    };
    let task_thread = std::thread::Builder::new()
        .name("task-1".into())
        .spawn(move || -> anyhow::Result<i32> {
            pin_to_current_cpu();
            let mut task = Task::new_init(kernel, spec).map_err(|e| anyhow!("{e}"))?;
            let status = task.run();
            tracing::debug!(?status, "init exited");
            Ok(status.code())
        })
        .context("starting the task thread")?;
    task_thread
        .join()
        .map_err(|_| anyhow!("the task thread panicked"))?
}
