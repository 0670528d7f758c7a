//! `runsc do` end to end: the foundation's acceptance behaviour.

use integration_tests::{cc, run, scratch, stderr, stdout};

const BB: &str = "/bin/busybox";

#[test]
fn echo_prints_and_exit_status_propagates() {
    let o = run(&["do", BB, "echo", "hello"]);
    assert_eq!(stdout(&o), "hello\n", "stderr: {}", stderr(&o));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(run(&["do", BB, "false"]).status.code(), Some(1));
    assert_eq!(
        run(&["do", BB, "sh", "-c", "exit 42"]).status.code(),
        Some(42)
    );
}

#[test]
fn host_files_read_through_the_gofer() {
    let o = run(&["do", BB, "cat", "/etc/os-release"]);
    let host = std::fs::read_to_string("/etc/os-release").expect("host os-release");
    assert_eq!(stdout(&o), host);

    let o = run(&["do", BB, "sha256sum", BB]);
    let host = std::process::Command::new("sha256sum")
        .arg(BB)
        .output()
        .expect("sha256sum");
    assert_eq!(stdout(&o), String::from_utf8_lossy(&host.stdout));

    let o = run(&["do", BB, "ls", "-a", "/usr"]);
    let mut got: Vec<String> = stdout(&o).split_whitespace().map(String::from).collect();
    let mut want: Vec<String> = std::fs::read_dir("/usr")
        .expect("listing /usr")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .chain([".".to_string(), "..".to_string()])
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn tmp_is_private_memory() {
    let name = format!("/tmp/runsc-test-{}", std::process::id());
    let script = format!("echo data > {name}; read l < {name}; echo $l");
    let o = run(&["do", BB, "sh", "-c", &script]);
    assert_eq!(stdout(&o), "data\n", "stderr: {}", stderr(&o));
    assert!(
        !std::path::Path::new(&name).exists(),
        "the write reached the host"
    );
}

#[test]
fn root_is_read_only() {
    let o = run(&["do", BB, "sh", "-c", "echo x > /etc/runsc-must-not-exist"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("Read-only file system"),
        "stderr: {}",
        stderr(&o)
    );
    assert!(!std::path::Path::new("/etc/runsc-must-not-exist").exists());
}

#[test]
fn identity_is_the_sandbox_own() {
    assert_eq!(stdout(&run(&["do", BB, "sh", "-c", "echo $$"])), "1\n");
    let o = run(&["do", BB, "uname", "-r"]);
    let host = std::process::Command::new("uname")
        .arg("-r")
        .output()
        .expect("uname");
    assert_eq!(stdout(&o), "6.1.0-sentry\n");
    assert_ne!(o.stdout, host.stdout);
    // The host's /proc is not visible: there is none.
    assert_ne!(run(&["do", BB, "ls", "/proc/1"]).status.code(), Some(0));
}

const MISC: &str = r#"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
    long r = syscall(4242);
    printf("nosys %ld %d\n", r, errno);
    r = syscall(SYS_reboot, 0xfee1dead, 672274793, 0x01234567, 0);
    printf("reboot %ld %d\n", r, errno);
    r = kill(-1, SIGKILL);
    printf("kill %ld %d\n", r, errno);
    return 0;
}
"#;

#[test]
fn unimplemented_and_dangerous_syscalls_stay_inside() {
    let dir = scratch();
    let bin = cc(dir.path(), "misc", MISC);
    let o = run(&["do", bin.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "nosys -1 38\nreboot -1 38\nkill -1 3\n");
}

#[test]
fn null_dereference_kills_only_the_guest() {
    let dir = scratch();
    let src = "int main(void){ volatile int *p = 0; return *p; }";
    let bin = cc(dir.path(), "segv", src);
    let o = run(&["do", bin.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(139));
    assert!(!stderr(&o).contains("panicked"), "stderr: {}", stderr(&o));
}

#[test]
fn abort_is_a_signal_death() {
    let dir = scratch();
    let bin = cc(
        dir.path(),
        "abrt",
        "#include <stdlib.h>\nint main(void){ abort(); }",
    );
    assert_eq!(
        run(&["do", bin.to_str().expect("utf-8 path")])
            .status
            .code(),
        Some(134)
    );
}

#[test]
fn malformed_executables_are_enoexec() {
    let dir = scratch();
    let bad = dir.path().join("bad");
    let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
    elf.resize(200, 0xff);
    std::fs::write(&bad, &elf).expect("writing");
    let o = run(&["do", bad.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("runsc:"), "stderr: {}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
    let o = run(&["do", "/no/such/program"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("ENOENT"), "stderr: {}", stderr(&o));
}

#[test]
fn strace_logs_calls_with_arguments_and_results() {
    let o = run(&["--strace", "do", BB, "echo", "hi"]);
    let e = stderr(&o);
    assert!(e.contains(r#"write(1, "hi\n", 3) = 3"#), "stderr: {e}");
    assert!(e.contains("exit_group(0)"), "stderr: {e}");

    let dir = scratch();
    let log = dir.path().join("strace.log");
    let flag = format!("--debug-log={}", log.display());
    let o = run(&["--strace", &flag, "do", BB, "true"]);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(&log).expect("debug log written");
    assert!(text.contains("exit_group(0)"), "log: {text}");
    assert!(!stderr(&o).contains("exit_group"));
}

#[test]
fn help_syscalls_lists_the_table() {
    let o = run(&["help", "syscalls", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert!(rows.len() >= 360, "{} rows", rows.len());
    assert!(rows.contains(&"39,getpid,full,"));
    assert!(rows
        .iter()
        .any(|r| r.starts_with("169,reboot,unimplemented")));
    let text = stdout(&run(&["help", "syscalls"]));
    assert!(text.contains("unimplemented"));
}

#[test]
fn bad_flags_are_clear_errors() {
    let o = run(&["do"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["--platform=kvm", "do", BB, "true"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("kvm"));
    let o = run(&["--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
}
