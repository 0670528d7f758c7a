//! `runsc do CMD`: run a command in a fresh sandbox over the host's root, read-only.

use crate::cli::{Cli, DoArgs, PlatformKind};
use crate::sandbox;
use anyhow::Context;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;

pub fn run(cli: &Cli, d: &DoArgs) -> anyhow::Result<i32> {
    if cli.platform == PlatformKind::Kvm {
        anyhow::bail!("the kvm platform is not implemented yet; use --platform=ptrace");
    }
    let rootfs = d.rootfs.clone().unwrap_or_else(|| PathBuf::from("/"));
    let cwd = match &d.cwd {
        Some(c) => c.clone(),
        None if d.rootfs.is_none() => std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "/".into()),
        None => "/".into(),
    };
    let (gofer_end, sentry_end) = sandbox::socketpair()?;
    let mut gofer_args = vec![
        "gofer".to_string(),
        format!("--serve={}", rootfs.display()),
        format!("--io-fd={}", sandbox::CHILD_FD),
        "--read-only".into(),
    ];
    let cpu = sandbox::sandbox_cpu();
    let mut gofer = sandbox::spawn_self(cli, &gofer_args, &gofer_end, cpu)?;
    drop(gofer_end);
    gofer_args.clear();

    let mut boot_args = vec![
        "boot".to_string(),
        format!("--gofer-fd={}", sandbox::CHILD_FD),
        "--read-only".into(),
        format!("--cwd={cwd}"),
    ];
    let mut env: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    for e in &d.env {
        anyhow::ensure!(e.contains('='), "--env {e:?}: expected KEY=VALUE");
        let key = e.split('=').next().unwrap_or_default();
        env.retain(|x| x.split('=').next() != Some(key));
        env.push(e.clone());
    }
    for e in env {
        boot_args.push(format!("--env={e}"));
    }
    boot_args.push("--".into());
    boot_args.extend(d.command.iter().cloned());
    let mut boot = sandbox::spawn_self(cli, &boot_args, &sentry_end, cpu)?;
    drop(sentry_end);
    let status = boot.wait().context("waiting for the sandbox")?;
    // The Gofer ends when the Sentry's end of its socket closes.
    let _ = gofer.wait();
    Ok(match (status.code(), status.signal()) {
        (Some(c), _) => c,
        (None, Some(s)) => 128 + s,
        _ => 1,
    })
}
