//! A task is one guest thread, driven by its own host thread: switch into the guest, handle the
//! event that comes back, repeat.

use super::signals::{sigbit, SIG_DFL, SIG_IGN};
use super::{default_action, DefaultAction, Kernel, Rlimits, SignalState};
use crate::errno::{Errno, SysResult};
use crate::mm::{BadAccess, MemoryManager};
use crate::vfs::{FdTable, FsContext};
use platform::{Context, Event, Registers};
use std::sync::Arc;

/// How a task's process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Exited(i32),
    Signaled(i32),
}

impl ExitStatus {
    /// The status a shell reports: the exit code, or 128+N for a death by signal N.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => c & 0xff,
            ExitStatus::Signaled(s) => 128 + s,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Credentials {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
}

pub struct Task {
    pub kernel: Arc<Kernel>,
    pub tid: i32,
    pub tgid: i32,
    pub ppid: i32,
    pub mm: MemoryManager,
    pub ctx: Box<dyn Context>,
    pub regs: Registers,
    pub fds: FdTable,
    pub fs: FsContext,
    pub creds: Credentials,
    pub signals: SignalState,
    pub rlimits: Rlimits,
    pub clear_child_tid: u64,
    /// The robust futex list head registered with set_robust_list(2).
    pub robust_list: u64,
    /// The thread's name (prctl PR_SET_NAME), at most 15 bytes.
    pub comm: Vec<u8>,
    /// prctl(PR_SET_PDEATHSIG) and PR_SET_DUMPABLE values.
    pub pdeath_signal: i32,
    pub dumpable: bool,
    pub no_new_privs: bool,
    /// Set when the task's process has ended; the run loop stops.
    pub exit: Option<ExitStatus>,
}

impl Task {
    /// Runs the task until its process ends.
    pub fn run(&mut self) -> ExitStatus {
        loop {
            match self.ctx.switch(self.mm.address_space(), &mut self.regs) {
                Ok(Event::Syscall) => self.syscall(),
                Ok(Event::PageFault(f)) => {
                    if let Err(bad) = self.mm.handle_fault(f.addr) {
                        let code = match bad {
                            BadAccess::Unmapped => 1,
                            BadAccess::Protection => 2,
                        };
                        self.fault_signal(libc::SIGSEGV, code, f.addr);
                    }
                }
                Ok(Event::Signal(f)) => self.fault_signal(f.signo, f.code, f.addr),
                Ok(Event::Interrupted) => {}
                Err(e) => {
                    tracing::error!(tid = self.tid, "platform failure, killing the task: {e}");
                    self.exit = Some(ExitStatus::Signaled(libc::SIGKILL));
                }
            }
            if let Some(s) = self.exit {
                return s;
            }
        }
    }

    fn syscall(&mut self) {
        let nr = self.regs.syscall_nr();
        let args = self.regs.syscall_args();
        let kernel = self.kernel.clone();
        let table = &kernel.table;
        let res = match table.get(nr) {
            Some(e) => match e.handler {
                Some(h) => match (kernel.strace, &table.strace) {
                    (true, Some(hooks)) => {
                        let call = (hooks.enter)(self, e, &args);
                        let r = h(self, &args);
                        let result = (hooks.exit)(self, e, &args, &r);
                        tracing::info!(target: "strace", "[{:>4}] {call} = {result}", self.tid);
                        r
                    }
                    _ => h(self, &args),
                },
                None => {
                    if table.first_report(nr) {
                        tracing::info!("unimplemented syscall {nr} ({}): ENOSYS", e.name);
                    }
                    if kernel.strace {
                        tracing::info!(target: "strace", "[{:>4}] {}(...) = -1 ENOSYS (unimplemented)", self.tid, e.name);
                    }
                    Err(Errno::ENOSYS)
                }
            },
            None => {
                if table.first_report(nr) {
                    tracing::info!("unknown syscall number {nr}: ENOSYS");
                }
                Err(Errno::ENOSYS)
            }
        };
        let ret = match res {
            Ok(v) => v,
            Err(e) => (-(e as i64)) as u64,
        };
        self.regs.set_return(ret);
    }

    /// A signal raised by the guest's own instruction (fault, trap). Handlers cannot run yet,
    /// and such a signal cannot be ignored, so the process dies of it.
    fn fault_signal(&mut self, sig: i32, code: i32, addr: u64) {
        let act = self.signals.actions[(sig - 1) as usize & 63];
        if act.handler != SIG_DFL && act.handler != SIG_IGN {
            tracing::warn!(
                "signal {sig} has a guest handler, but handler delivery is not implemented yet"
            );
        }
        tracing::info!(
            tid = self.tid,
            "guest killed by signal {sig} (code {code}, addr {addr:#x})"
        );
        self.exit = Some(ExitStatus::Signaled(sig));
    }

    /// Sends `sig` to this task's own process (kill/tgkill on itself).
    pub fn signal_self(&mut self, sig: i32) -> SysResult<()> {
        if !(0..=64).contains(&sig) {
            return Err(Errno::EINVAL);
        }
        if sig == 0 {
            return Ok(());
        }
        if sig == libc::SIGKILL {
            self.exit = Some(ExitStatus::Signaled(sig));
            return Ok(());
        }
        let act = self.signals.actions[(sig - 1) as usize];
        let blocked = self.signals.mask & sigbit(sig) != 0 && sig != libc::SIGSTOP;
        if act.handler == SIG_IGN && sig != libc::SIGSTOP {
            return Ok(());
        }
        if act.handler == SIG_DFL && !blocked {
            match default_action(sig) {
                DefaultAction::Terminate | DefaultAction::CoreDump => {
                    self.exit = Some(ExitStatus::Signaled(sig));
                }
                DefaultAction::Ignore | DefaultAction::Continue => {}
                DefaultAction::Stop => {
                    tracing::warn!("job-control stop by signal {sig} is not implemented; ignored")
                }
            }
            return Ok(());
        }
        tracing::warn!("signal {sig} left pending: handler delivery is not implemented yet");
        self.signals.pending |= sigbit(sig);
        Ok(())
    }

    /// The RLIMIT_NOFILE ceiling for new fds.
    pub fn fd_limit(&self) -> usize {
        self.rlimits.nofile()
    }
}
