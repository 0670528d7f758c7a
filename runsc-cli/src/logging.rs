//! Log set-up: `--debug-log` (file or directory), else `--log`, else stderr; `--strace` turns on
//! the `strace` target.

use crate::cli::{Cli, LogFormat};
use anyhow::Context;
use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

static TO_FILE: AtomicBool = AtomicBool::new(false);

/// Whether logs go to a file (so errors must also be printed to stderr).
pub fn to_file() -> bool {
    TO_FILE.load(Ordering::Relaxed)
}

pub fn init(cli: &Cli, process: &str) -> anyhow::Result<()> {
    let level = if cli.debug { "debug" } else { "warn" };
    let filter = if cli.strace {
        format!("{level},strace=info")
    } else {
        level.to_string()
    };
    let target: Option<PathBuf> = match (&cli.debug_log, &cli.log) {
        (Some(p), _) if p.as_os_str().to_string_lossy().ends_with('/') || p.is_dir() => {
            std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
            Some(p.join(format!("runsc.{process}.{}.log", std::process::id())))
        }
        (Some(p), _) => Some(p.clone()),
        (None, Some(p)) => Some(p.clone()),
        (None, None) => None,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_target(false);
    let json = cli.log_format == LogFormat::Json;
    match target {
        Some(path) => {
            TO_FILE.store(true, Ordering::Relaxed);
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("opening log file {}", path.display()))?;
            let w = Mutex::new(f);
            if json {
                builder.json().with_writer(w).init();
            } else {
                builder.with_ansi(false).with_writer(w).init();
            }
        }
        None => {
            if json {
                builder.json().with_writer(std::io::stderr).init();
            } else {
                builder.with_writer(std::io::stderr).init();
            }
        }
    }
    Ok(())
}
