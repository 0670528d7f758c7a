//! Helpers for the end-to-end tests: find the built `runsc` and run it.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The runsc binary under test: `$RUNSC`, else the workspace's debug build.
pub fn runsc() -> PathBuf {
    if let Some(p) = std::env::var_os("RUNSC") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let p = target.join("debug/runsc");
    assert!(
        p.exists(),
        "{} is missing: run `cargo build` first",
        p.display()
    );
    p
}

/// Runs `runsc ARGS` from `/` with stdin closed.
pub fn run(args: &[&str]) -> Output {
    Command::new(runsc())
        .args(args)
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .expect("running runsc")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compiles a C program statically into `dir`.
pub fn cc(dir: &std::path::Path, name: &str, src: &str) -> PathBuf {
    let c = dir.join(format!("{name}.c"));
    std::fs::write(&c, src).expect("writing C source");
    let bin = dir.join(name);
    let st = Command::new("cc")
        .args(["-static", "-O1", "-o"])
        .arg(&bin)
        .arg(&c)
        .status()
        .expect("running cc");
    assert!(st.success(), "cc {name} failed");
    bin
}

/// A scratch directory outside /tmp (which the sandbox replaces with its own tmpfs).
pub fn scratch() -> tempfile::TempDir {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-scratch");
    std::fs::create_dir_all(&base).expect("creating scratch base");
    tempfile::tempdir_in(base).expect("creating scratch dir")
}
