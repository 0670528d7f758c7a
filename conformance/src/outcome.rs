//! Running one build of a program and reading its TAP output.

use anyhow::{Context, Result};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Outcome {
    pub pass: bool,
    /// `ok` and `not ok` lines seen.
    pub checks: usize,
    pub failed_checks: usize,
    /// `ok ... # SKIP` lines: checks the program could not perform where it ran.
    pub skipped_checks: usize,
    /// The first few `not ok` lines and how the process ended, when it did not pass.
    pub why: String,
    pub stderr: String,
}

impl Outcome {
    pub fn passed_checks(&self) -> usize {
        self.checks - self.failed_checks
    }

    /// A sandboxed run that skips checks the native run performed (say, on ENOSYS) has not
    /// shown the behaviour those checks test, so it does not pass.
    pub fn require_native_coverage(&mut self, native: &Outcome) {
        if self.pass && self.skipped_checks > native.skipped_checks {
            self.pass = false;
            self.why = format!(
                "{} checks skipped that run natively",
                self.skipped_checks - native.skipped_checks
            );
        }
    }
}

/// Reads a pipe to its end on a thread, so a full pipe never stalls the program.
fn drain(mut r: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// Kills the process group the program leads (its children included).
fn kill_group(pgid: u32) {
    if let Ok(pid) = i32::try_from(pgid) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Runs `cmd` in its own process group (a program that signals its group reaches only
/// itself), killing the group after `timeout`.
pub fn run(mut cmd: Command, workdir: &Path, timeout: Duration) -> Result<Outcome> {
    let mut child = cmd
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .with_context(|| format!("running {:?}", cmd.get_program()))?;
    let out_rx = child.stdout.take().map(drain);
    let err_rx = child.stderr.take().map(drain);
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if start.elapsed() > timeout {
            timed_out = true;
            kill_group(child.id());
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    // Leftover children of the program still hold its pipes open.
    kill_group(child.id());
    let collect = |rx: Option<mpsc::Receiver<Vec<u8>>>| {
        rx.and_then(|rx| rx.recv_timeout(Duration::from_secs(2)).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    let out = collect(out_rx);
    let stderr = collect(err_rx);

    let checks = out
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .count();
    let failed = out.lines().filter(|l| l.starts_with("not ok ")).count();
    let skipped = out
        .lines()
        .filter(|l| l.starts_with("ok ") && l.contains("# SKIP"))
        .count();
    let plan = out.lines().any(|l| l.starts_with("1.."));
    let pass = status.success() && !timed_out && failed == 0 && plan && checks > 0;
    let mut why: Vec<String> = Vec::new();
    if !pass {
        why.extend(
            out.lines()
                .filter(|l| l.starts_with("not ok"))
                .take(3)
                .map(String::from),
        );
        if timed_out {
            why.push(format!("killed after {} s", timeout.as_secs()));
        } else if !status.success() {
            why.push(format!("exit {status}"));
        }
    }
    Ok(Outcome {
        pass,
        checks,
        failed_checks: failed,
        skipped_checks: skipped,
        why: why.join("; "),
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::Outcome;

    fn outcome(pass: bool, skipped: usize) -> Outcome {
        Outcome {
            pass,
            checks: 10,
            failed_checks: 0,
            skipped_checks: skipped,
            why: String::new(),
            stderr: String::new(),
        }
    }

    #[test]
    fn skipping_more_than_natively_is_a_failure() {
        let native = outcome(true, 1);
        let mut same = outcome(true, 1);
        same.require_native_coverage(&native);
        assert!(same.pass);
        let mut more = outcome(true, 3);
        more.require_native_coverage(&native);
        assert!(!more.pass);
        assert_eq!(more.why, "2 checks skipped that run natively");
    }
}
