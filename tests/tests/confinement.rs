//! The sandbox's own processes are confined: seccomp filters on the Sentry and the Gofer, no
//! capabilities left in the Sentry, and no_new_privs on both.

use integration_tests::runsc;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Pids whose command line holds both `role` and `marker`.
fn find(role: &str, marker: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").expect("reading /proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let args: Vec<String> = cmd
            .split(|&b| b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.iter().any(|a| a == role) && args.iter().any(|a| a.contains(marker)) {
            out.push(pid);
        }
    }
    out
}

fn status_field(pid: u32, field: &str) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field).map(|v| v.trim().to_string()))
        .unwrap_or_default()
}

#[test]
fn sentry_and_gofer_run_confined() {
    let marker = format!("CONFINEMENT_TEST={}", std::process::id());
    let mut child = Command::new(runsc())
        .args(["do", "-e", &marker, "/bin/busybox", "sleep", "3"])
        .current_dir("/")
        .stdin(Stdio::null())
        .spawn()
        .expect("starting runsc");
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut boot = Vec::new();
    while boot.is_empty() && Instant::now() < deadline {
        boot = find("boot", &marker);
        std::thread::sleep(Duration::from_millis(50));
    }
    // The sandbox needs a moment to confine itself after it starts.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(boot.len(), 1, "sandbox process not found");
    let b = boot[0];
    let seccomp = status_field(b, "Seccomp:");
    let caps = status_field(b, "CapEff:");
    let bnd = status_field(b, "CapBnd:");
    let nnp = status_field(b, "NoNewPrivs:");
    let root = std::fs::read_link(format!("/proc/{b}/root")).expect("root link");
    let do_pid = child.id().to_string();
    let gofer: Vec<u32> = find("gofer", "--serve")
        .into_iter()
        .filter(|&p| status_field(p, "PPid:") == do_pid)
        .collect();
    let gofer_seccomp = gofer.first().map(|&g| status_field(g, "Seccomp:"));
    let gofer_nnp = gofer.first().map(|&g| status_field(g, "NoNewPrivs:"));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(seccomp, "2", "Sentry seccomp mode");
    assert_eq!(caps, "0000000000000000");
    assert_eq!(bnd, "0000000000000000");
    assert_eq!(nnp, "1");
    assert_ne!(
        root,
        std::path::PathBuf::from("/"),
        "Sentry still sees the host root"
    );
    assert_eq!(gofer_seccomp.as_deref(), Some("2"), "Gofer seccomp mode");
    assert_eq!(gofer_nnp.as_deref(), Some("1"));
}

#[test]
fn killing_runsc_ends_the_sandbox() {
    let marker = format!("ORPHAN_TEST={}", std::process::id());
    let mut child = Command::new(runsc())
        .args(["do", "-e", &marker, "/bin/busybox", "sleep", "30"])
        .current_dir("/")
        .stdin(Stdio::null())
        .spawn()
        .expect("starting runsc");
    let deadline = Instant::now() + Duration::from_secs(2);
    while find("boot", &marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!find("boot", &marker).is_empty(), "sandbox never started");
    child.kill().expect("killing runsc");
    child.wait().expect("reaping runsc");
    let deadline = Instant::now() + Duration::from_secs(2);
    while !find("boot", &marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        find("boot", &marker).is_empty(),
        "the sandbox outlived runsc"
    );
}
