//! The conformance runner: compiles every `progs/*.c` statically and dynamically, runs each
//! build natively and under a runtime (`runsc do` by default), and holds the result to the
//! ratchet in `expected-pass`: every build must pass natively, every listed build must pass in
//! the sandbox, and no unlisted one may (so the list stays exact). Its last line is the score.

use anyhow::{bail, Context, Result};
use clap::Parser;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Parser)]
#[command(about = "Run the syscall conformance suite natively and under a runtime")]
struct Args {
    /// Runtime command; `do BINARY` is appended (e.g. "runsc --network=none").
    #[arg(long)]
    runtime: Option<String>,
    /// Folder of the C programs.
    #[arg(long)]
    progs: Option<PathBuf>,
    /// The ratchet file; without it no ratchet is applied (comparison runs).
    #[arg(long)]
    expected: Option<PathBuf>,
    /// Do not apply the ratchet even if an expected file exists.
    #[arg(long)]
    no_ratchet: bool,
    /// Collect the syscalls each program makes from our runtime's --strace.
    #[arg(long)]
    tally: bool,
    /// Only programs whose name contains this.
    #[arg(long)]
    filter: Option<String>,
    /// Seconds each native run may take.
    #[arg(long, default_value_t = 60)]
    timeout: u32,
    /// Seconds each sandboxed run may take (a guest blocked forever on a missing feature is
    /// a failure, not a hang of the suite).
    #[arg(long, default_value_t = 10)]
    sandbox_timeout: u32,
}

struct Outcome {
    pass: bool,
    checks: usize,
    failed_checks: usize,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn compile(src: &Path, out: &Path, static_link: bool) -> Result<()> {
    let mut cmd = Command::new("cc");
    cmd.args(["-O1", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(out)
        .arg(src);
    if static_link {
        cmd.arg("-static");
    }
    let o = cmd.output().context("running cc")?;
    if !o.status.success() {
        bail!(
            "cc {}: {}",
            src.display(),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    Ok(())
}

fn run(cmd: &mut Command, workdir: &Path) -> Result<(Outcome, String)> {
    let o = cmd
        .current_dir(workdir)
        .stdin(Stdio::null())
        .output()
        .context("running a conformance program")?;
    let out = String::from_utf8_lossy(&o.stdout);
    let checks = out
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .count();
    let failed = out.lines().filter(|l| l.starts_with("not ok ")).count();
    let plan = out.lines().any(|l| l.starts_with("1.."));
    let pass = o.status.success() && failed == 0 && plan && checks > 0;
    let detail = if pass {
        String::new()
    } else {
        let mut d: Vec<String> = out
            .lines()
            .filter(|l| l.starts_with("not ok"))
            .take(3)
            .map(String::from)
            .collect();
        if !o.status.success() {
            d.push(format!("exit {:?}", o.status));
        }
        d.join("; ")
    };
    Ok((
        Outcome {
            pass,
            checks,
            failed_checks: failed,
        },
        (detail + "\n" + &String::from_utf8_lossy(&o.stderr)).to_string(),
    ))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let progs = args.progs.clone().unwrap_or_else(|| root().join("progs"));
    let build = root().join("../target/conformance");
    std::fs::create_dir_all(&build)?;
    let workdir = build.join("work");
    std::fs::create_dir_all(&workdir)?;
    let runtime: Vec<String> = match &args.runtime {
        Some(r) => r.split_whitespace().map(String::from).collect(),
        None => vec![root()
            .join("../target/release/runsc")
            .to_string_lossy()
            .into_owned()],
    };
    let expected_path = args.expected.clone().or_else(|| {
        let p = root().join("expected-pass");
        (args.runtime.is_none() && p.exists()).then_some(p)
    });
    let expected: Option<BTreeSet<String>> = match (&expected_path, args.no_ratchet) {
        (Some(p), false) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("reading {}", p.display()))?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from)
                .collect(),
        ),
        _ => None,
    };

    let mut sources: Vec<PathBuf> = std::fs::read_dir(&progs)
        .with_context(|| format!("listing {}", progs.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .filter(|p| {
            args.filter
                .as_ref()
                .is_none_or(|f| p.to_string_lossy().contains(f.as_str()))
        })
        .collect();
    sources.sort();

    let mut native_fail = Vec::new();
    let mut passed = BTreeSet::new();
    let mut ran = BTreeSet::new();
    let mut total_checks = 0;
    let mut rows = Vec::new();
    let mut tally: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let timeout = args.timeout.to_string();
    let sandbox_timeout = args.sandbox_timeout.to_string();
    for src in &sources {
        let name = src
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (kind, is_static) in [("static", true), ("dynamic", false)] {
            let id = format!("{kind}/{name}");
            ran.insert(id.clone());
            let bin = build.join(format!("{name}.{kind}"));
            compile(src, &bin, is_static)?;
            let (native, native_why) =
                run(Command::new("timeout").arg(&timeout).arg(&bin), &workdir)?;
            let mut cmd = Command::new("timeout");
            cmd.args(["-s", "KILL"])
                .arg(&sandbox_timeout)
                .arg(&runtime[0]);
            if args.tally {
                cmd.arg("--strace");
            }
            cmd.args(&runtime[1..]).arg("do").arg(&bin);
            let (sandbox, err) = run(&mut cmd, &workdir)?;
            if args.tally {
                for line in err.lines() {
                    if let Some(call) = line.split("] ").nth(1) {
                        if let Some(sys) = call.split('(').next() {
                            if !sys.is_empty()
                                && sys.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                            {
                                tally
                                    .entry(sys.to_string())
                                    .or_default()
                                    .insert(name.clone());
                            }
                        }
                    }
                }
            }
            total_checks += native.checks;
            if !native.pass {
                native_fail.push(format!(
                    "  {id}: {}",
                    native_why.lines().next().unwrap_or("")
                ));
            }
            if sandbox.pass {
                passed.insert(id.clone());
            }
            let why = err
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(90)
                .collect::<String>();
            rows.push(format!(
                "{:<28} {:<8} {:<8} {:>3}/{:<3} {}",
                id,
                if native.pass { "pass" } else { "FAIL" },
                if sandbox.pass { "pass" } else { "fail" },
                sandbox.checks - sandbox.failed_checks,
                native.checks,
                if sandbox.pass { "" } else { why.as_str() }
            ));
        }
    }
    println!(
        "{:<28} {:<8} {:<8} {:<7} first failure",
        "program", "native", "sandbox", "checks"
    );
    for r in &rows {
        println!("{r}");
    }
    if args.tally {
        println!("\nsyscalls exercised under the sandbox ({}):", tally.len());
        for (sys, users) in &tally {
            println!(
                "  {sys:<20} {}",
                users.iter().cloned().collect::<Vec<_>>().join(" ")
            );
        }
    }
    let mut ok = true;
    if !native_fail.is_empty() {
        println!(
            "\nfailing natively (the test is wrong):\n{}",
            native_fail.join("\n")
        );
        ok = false;
    }
    if let Some(exp) = &expected {
        let missing: Vec<_> = exp
            .iter()
            .filter(|e| ran.contains(*e) && !passed.contains(*e))
            .cloned()
            .collect();
        let unlisted: Vec<_> = passed
            .iter()
            .filter(|p| !exp.contains(*p))
            .cloned()
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
    let n = sources.len() * 2;
    println!("\n{} programs, {} checks natively", n, total_checks);
    println!(
        "conformance: {} passed, {} failed",
        passed.len(),
        n - passed.len()
    );
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}
