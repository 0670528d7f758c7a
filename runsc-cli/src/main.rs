//! runsc: an OCI runtime that runs containers on the Sentry, a kernel in user space.

mod boot;
mod cli;
mod do_cmd;
mod gofer_cmd;
mod help;
mod logging;
mod sandbox;
mod seccomp;

use clap::Parser;
use cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("runsc: {e:#}");
            if logging::to_file() {
                tracing::error!("{e:#}");
            }
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match &cli.command {
        Command::Help(h) => help::run(h),
        Command::Do(d) => {
            logging::init(&cli, "do")?;
            do_cmd::run(&cli, d)
        }
        Command::Boot(b) => {
            logging::init(&cli, "boot")?;
            boot::run(&cli, b)
        }
        Command::Gofer(g) => {
            logging::init(&cli, "gofer")?;
            gofer_cmd::run(g)
        }
    }
}
