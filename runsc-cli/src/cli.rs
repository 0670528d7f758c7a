use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "runsc",
    version,
    about = "Run containers on the Sentry, a user-space kernel",
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Directory holding container state.
    #[arg(long, global = true, default_value = "/var/run/runsc")]
    pub root: PathBuf,
    /// Log at debug level.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Where debug logs go: a file, or a directory (ending in /) for one file per process.
    #[arg(long, global = true)]
    pub debug_log: Option<PathBuf>,
    /// Runtime log file (what containerd's shim reads).
    #[arg(long, global = true)]
    pub log: Option<PathBuf>,
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// How guest syscalls are intercepted.
    #[arg(long, global = true, value_enum, default_value_t = PlatformKind::Ptrace)]
    pub platform: PlatformKind,
    /// Log every guest syscall with its arguments and result.
    #[arg(long, global = true)]
    pub strace: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlatformKind {
    Ptrace,
    Kvm,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a command in a new sandbox whose root is the host's / (read-only) with a fresh /tmp.
    Do(DoArgs),
    /// Show help: `runsc help syscalls` lists the syscall table.
    Help(HelpArgs),
    /// (internal) The sandbox process: the Sentry.
    #[command(hide = true)]
    Boot(BootArgs),
    /// (internal) The file server of one container.
    #[command(hide = true)]
    Gofer(GoferArgs),
}

#[derive(Args, Debug)]
pub struct DoArgs {
    /// Working directory inside the sandbox (default: the current directory).
    #[arg(long)]
    pub cwd: Option<String>,
    /// Set an environment variable (KEY=VALUE), may repeat.
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
    /// Serve this host directory as the root instead of / (read-only).
    #[arg(long)]
    pub rootfs: Option<PathBuf>,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, required = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct HelpArgs {
    /// A topic (`syscalls`) or a subcommand name.
    pub topic: Option<String>,
    /// Output format of `help syscalls`.
    #[arg(long, value_enum, default_value_t = TableFormat::Text)]
    pub format: TableFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Text,
    Csv,
}

#[derive(Args, Debug)]
pub struct BootArgs {
    /// fd of the connection to the root filesystem's Gofer.
    #[arg(long)]
    pub gofer_fd: i32,
    /// The root filesystem is read-only.
    #[arg(long)]
    pub read_only: bool,
    #[arg(long, default_value = "/")]
    pub cwd: String,
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
    #[arg(trailing_var_arg = true, required = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct GoferArgs {
    /// Host directory to serve.
    #[arg(long)]
    pub serve: PathBuf,
    /// fd of the connection to the Sentry.
    #[arg(long)]
    pub io_fd: i32,
    #[arg(long)]
    pub read_only: bool,
}
