//! The conformance runner: compiles every `progs/*.c` statically and dynamically, runs each
//! build natively and under a runtime (`runsc do` by default), and holds the result to the
//! ratchet in `expected-pass`: every build must pass natively, every listed build must pass in
//! the sandbox, and no unlisted one may (so the list stays exact). Its last line is the score.

mod environment;
mod outcome;
mod program;
mod report;

use anyhow::{Context, Result};
use clap::Parser;
use outcome::Outcome;
use program::Program;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Run the syscall conformance suite natively and under a runtime")]
struct Args {
    /// Runtime command; `do BINARY` is appended (e.g. "runsc --network=none").
    #[arg(long)]
    runtime: Option<String>,
    /// A second runtime to run every build under as well, for a side-by-side comparison
    /// (never held to the ratchet); adds a column per build and per area.
    #[arg(long)]
    compare: Option<String>,
    /// Folder of the C programs.
    #[arg(long)]
    progs: Option<PathBuf>,
    /// The ratchet file; without it no ratchet is applied (comparison runs).
    #[arg(long)]
    expected: Option<PathBuf>,
    /// Do not apply the ratchet even if an expected file exists.
    #[arg(long)]
    no_ratchet: bool,
    /// Run our runtime with --strace and list which programs touch each syscall.
    #[arg(long)]
    tally: bool,
    /// Print the per-area summary as a markdown table.
    #[arg(long)]
    areas: bool,
    /// Only programs whose name contains this.
    #[arg(long)]
    filter: Option<String>,
    /// Builds run at the same time.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Seconds each native run may take.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Seconds each sandboxed run may take (a guest blocked forever on a missing feature is
    /// a failure, not a hang of the suite).
    #[arg(long, default_value_t = 10)]
    sandbox_timeout: u64,
}

/// One build (static or dynamic) of one program, run natively and in the sandbox(es).
pub struct BuildResult {
    pub id: String,
    /// Index into the program list.
    pub program: usize,
    pub native: Outcome,
    pub sandbox: Outcome,
    pub other: Option<Outcome>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn split_command(cmd: &str) -> Vec<String> {
    cmd.split_whitespace().map(String::from).collect()
}

struct Runner<'a> {
    args: &'a Args,
    build_dir: PathBuf,
    workdir: PathBuf,
    runtime: Vec<String>,
    other: Option<Vec<String>>,
}

impl Runner<'_> {
    fn sandboxed(&self, runtime: &[String], bin: &Path, strace: bool) -> Result<Outcome> {
        let mut cmd = Command::new(&runtime[0]);
        if strace {
            cmd.arg("--strace");
        }
        cmd.args(&runtime[1..]).arg("do").arg(bin);
        outcome::run(
            cmd,
            &self.workdir,
            Duration::from_secs(self.args.sandbox_timeout),
        )
    }

    fn build(&self, programs: &[Program], index: usize, is_static: bool) -> Result<BuildResult> {
        let p = &programs[index];
        let kind = if is_static { "static" } else { "dynamic" };
        let bin = self.build_dir.join(format!("{}.{kind}", p.name));
        p.compile(&bin, is_static)?;
        let native = outcome::run(
            Command::new(&bin),
            &self.workdir,
            Duration::from_secs(self.args.timeout),
        )?;
        let mut sandbox = self.sandboxed(&self.runtime, &bin, self.args.tally)?;
        sandbox.require_native_coverage(&native);
        let other = match &self.other {
            Some(o) => {
                let mut other = self.sandboxed(o, &bin, false)?;
                other.require_native_coverage(&native);
                Some(other)
            }
            None => None,
        };
        Ok(BuildResult {
            id: format!("{kind}/{}", p.name),
            program: index,
            native,
            sandbox,
            other,
        })
    }
}

/// Syscall names in our runtime's `--strace` lines (`[pid] name(args) = result`).
fn strace_names(stderr: &str) -> impl Iterator<Item = &str> {
    stderr.lines().filter_map(|line| {
        let call = line.split("] ").nth(1)?;
        let sys = call.split('(').next()?;
        (!sys.is_empty() && sys.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(sys)
    })
}

fn read_expected(path: &Path) -> Result<BTreeSet<String>> {
    Ok(std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let progs = args.progs.clone().unwrap_or_else(|| root().join("progs"));
    let build_dir = root().join("../target/conformance");
    let workdir = build_dir.join("work");
    std::fs::create_dir_all(&workdir).with_context(|| format!("creating {}", workdir.display()))?;
    let runtime = match &args.runtime {
        Some(r) => split_command(r),
        None => vec![root()
            .join("../target/release/runsc")
            .to_string_lossy()
            .into_owned()],
    };
    anyhow::ensure!(!runtime.is_empty(), "--runtime is empty");
    let other = args.compare.as_deref().map(split_command);
    anyhow::ensure!(
        other.as_ref().is_none_or(|o| !o.is_empty()),
        "--compare is empty"
    );
    let expected_path = args.expected.clone().or_else(|| {
        let p = root().join("expected-pass");
        (args.runtime.is_none() && p.exists()).then_some(p)
    });
    let expected = match (&expected_path, args.no_ratchet) {
        (Some(p), false) => Some(read_expected(p)?),
        _ => None,
    };
    let programs = program::discover(&progs, args.filter.as_deref())?;
    println!("environment: {}", environment::describe());

    let runner = Runner {
        args: &args,
        build_dir,
        workdir,
        runtime,
        other,
    };
    let jobs: Vec<(usize, bool)> = (0..programs.len())
        .flat_map(|i| [(i, true), (i, false)])
        .collect();
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<BuildResult>>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..args.jobs.max(1) {
            s.spawn(|| loop {
                let j = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(index, is_static)) = jobs.get(j) else {
                    break;
                };
                let r = runner.build(&programs, index, is_static);
                if let Ok(mut slot) = slots[j].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    let mut results = Vec::new();
    for slot in slots {
        let r = slot
            .into_inner()
            .map_err(|_| anyhow::anyhow!("a worker panicked"))?
            .context("a build was not run")??;
        results.push(r);
    }

    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if args.tally {
        for r in &results {
            for sys in strace_names(&r.sandbox.stderr) {
                seen.entry(sys.to_string())
                    .or_default()
                    .insert(programs[r.program].name.clone());
            }
        }
    }
    let other_name = args.compare.as_deref().map(|c| {
        Path::new(c.split_whitespace().next().unwrap_or(c))
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| c.to_string())
    });
    report::builds(&results, other_name.as_deref());
    report::tally(&programs, &seen, args.tally);
    if args.areas || args.compare.is_some() {
        report::areas(&programs, &results, other_name.as_deref());
    }

    let mut ok = true;
    let native_fail: Vec<String> = results
        .iter()
        .filter(|r| !r.native.pass)
        .map(|r| format!("  {}: {}", r.id, r.native.why))
        .collect();
    if !native_fail.is_empty() {
        println!(
            "\nfailing natively (the test is wrong):\n{}",
            native_fail.join("\n")
        );
        ok = false;
    }
    let passed: BTreeSet<&str> = results
        .iter()
        .filter(|r| r.sandbox.pass)
        .map(|r| r.id.as_str())
        .collect();
    if let Some(exp) = &expected {
        let ran: BTreeSet<&str> = results.iter().map(|r| r.id.as_str()).collect();
        let missing: Vec<&str> = exp
            .iter()
            .map(String::as_str)
            .filter(|e| ran.contains(e) && !passed.contains(e))
            .collect();
        let unlisted: Vec<&str> = passed
            .iter()
            .copied()
            .filter(|p| !exp.contains(*p))
            .collect();
        if !missing.is_empty() {
            println!(
                "\nlisted in expected-pass but failing under the sandbox: {}",
                missing.join(" ")
            );
            ok = false;
        }
        if !unlisted.is_empty() {
            println!(
                "\npassing but not listed in expected-pass (add them): {}",
                unlisted.join(" ")
            );
            ok = false;
        }
    }
    let total_checks: usize = results.iter().map(|r| r.native.checks).sum();
    println!(
        "\n{} programs ({} builds), {} checks natively",
        programs.len(),
        results.len(),
        total_checks
    );
    println!(
        "conformance: {} passed, {} failed",
        passed.len(),
        results.len() - passed.len()
    );
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}
