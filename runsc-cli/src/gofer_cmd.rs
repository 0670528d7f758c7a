//! `runsc gofer`: serve one directory to the Sentry.

use crate::cli::GoferArgs;
use crate::sandbox;
use anyhow::Context;
use std::os::fd::{FromRawFd, OwnedFd};

pub fn run(g: &GoferArgs) -> anyhow::Result<i32> {
    // SAFETY: the parent put the connection at this fd for us; nothing else owns it.
    let sock = unsafe { OwnedFd::from_raw_fd(g.io_fd) };
    let meta = std::fs::metadata(&g.serve).with_context(|| format!("{}", g.serve.display()))?;
    anyhow::ensure!(meta.is_dir(), "{} is not a directory", g.serve.display());
    sandbox::confine_gofer(&g.serve)?;
    let root = nix::fcntl::open(
        "/",
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .context("opening the served root")?;
    // SAFETY: open just returned this fd; we own it.
    let root = unsafe { OwnedFd::from_raw_fd(root) };
    crate::seccomp::install_gofer_filter()?;
    gofer::serve(
        sock,
        gofer::ServerConfig {
            root,
            read_only: g.read_only,
        },
    )
    .context("serving files")?;
    Ok(0)
}
