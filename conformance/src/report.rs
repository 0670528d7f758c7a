//! The runner's tables: one row per build, the per-syscall tally and the per-area summary.

use crate::program::Program;
use crate::BuildResult;
use std::collections::{BTreeMap, BTreeSet};

fn first_line(s: &str, width: usize) -> String {
    s.lines().next().unwrap_or("").chars().take(width).collect()
}

pub fn builds(results: &[BuildResult], other: Option<&str>) {
    match other {
        Some(o) => println!(
            "{:<28} {:<6} {:<8} {:<8} {:<7} {:<7} first failure (ours)",
            "program", "native", "sandbox", o, "checks", "theirs"
        ),
        None => println!(
            "{:<28} {:<6} {:<8} {:<7} first failure",
            "program", "native", "sandbox", "checks"
        ),
    }
    for r in results {
        let verdict = |p: bool| if p { "pass" } else { "fail" };
        let why = if r.sandbox.pass {
            String::new()
        } else {
            first_line(&r.sandbox.why, 90)
        };
        let native = if r.native.pass { "pass" } else { "FAIL" };
        let ours = format!("{}/{}", r.sandbox.passed_checks(), r.native.checks);
        match &r.other {
            Some(o) => println!(
                "{:<28} {:<6} {:<8} {:<8} {:<7} {:<7} {}",
                r.id,
                native,
                verdict(r.sandbox.pass),
                verdict(o.pass),
                ours,
                format!("{}/{}", o.passed_checks(), r.native.checks),
                why
            ),
            None => println!(
                "{:<28} {:<6} {:<8} {:<7} {}",
                r.id,
                native,
                verdict(r.sandbox.pass),
                ours,
                why
            ),
        }
    }
}

/// Which programs touch each syscall: the names each declares, plus (with `--tally`) the
/// names our runtime's `--strace` saw.
pub fn tally(programs: &[Program], seen: &BTreeMap<String, BTreeSet<String>>, print: bool) {
    let mut all: BTreeMap<String, BTreeSet<String>> = seen.clone();
    for p in programs {
        for d in &p.declared {
            all.entry(d.clone()).or_default().insert(p.name.clone());
        }
    }
    if print {
        println!("\nsyscalls touched, and by which programs:");
        for (sys, users) in &all {
            println!(
                "  {sys:<22} {}",
                users.iter().cloned().collect::<Vec<_>>().join(" ")
            );
        }
    }
    let declared: BTreeSet<&String> = programs.iter().flat_map(|p| &p.declared).collect();
    println!(
        "\n{} distinct syscalls touched ({} declared by the programs, {} seen under the sandbox)",
        all.len(),
        declared.len(),
        seen.len()
    );
}

#[derive(Default)]
struct AreaRow {
    programs: BTreeSet<String>,
    builds: usize,
    checks: usize,
    native: usize,
    ours: usize,
    ours_checks: usize,
    theirs: usize,
    theirs_checks: usize,
}

/// A markdown table: per area, builds passing and checks passing, ours and (if run) theirs.
pub fn areas(programs: &[Program], results: &[BuildResult], other: Option<&str>) {
    let mut rows: BTreeMap<&str, AreaRow> = BTreeMap::new();
    for r in results {
        let area = programs[r.program].area.as_str();
        let row = rows.entry(area).or_default();
        row.programs.insert(programs[r.program].name.clone());
        row.builds += 1;
        row.checks += r.native.checks;
        row.native += usize::from(r.native.pass);
        row.ours += usize::from(r.sandbox.pass);
        row.ours_checks += r.sandbox.passed_checks().min(r.native.checks);
        if let Some(o) = &r.other {
            row.theirs += usize::from(o.pass);
            row.theirs_checks += o.passed_checks().min(r.native.checks);
        }
    }
    let theirs = other.is_some();
    println!();
    if theirs {
        println!("| area | programs | builds | checks | ours: builds | ours: checks | theirs: builds | theirs: checks |");
        println!("|---|---|---|---|---|---|---|---|");
    } else {
        println!("| area | programs | builds | checks | ours: builds | ours: checks |");
        println!("|---|---|---|---|---|---|");
    }
    let mut total = AreaRow::default();
    for (area, row) in &rows {
        print_area(area, row, theirs);
        total.programs.extend(row.programs.iter().cloned());
        total.builds += row.builds;
        total.checks += row.checks;
        total.native += row.native;
        total.ours += row.ours;
        total.ours_checks += row.ours_checks;
        total.theirs += row.theirs;
        total.theirs_checks += row.theirs_checks;
    }
    print_area("**all**", &total, theirs);
}

fn print_area(area: &str, row: &AreaRow, theirs: bool) {
    let pct = |n: usize, d: usize| (n * 100).checked_div(d).unwrap_or(0);
    print!(
        "| {area} | {} | {} | {} | {} ({}%) | {} ({}%) |",
        row.programs.len(),
        row.builds,
        row.checks,
        row.ours,
        pct(row.ours, row.builds),
        row.ours_checks,
        pct(row.ours_checks, row.checks)
    );
    if theirs {
        print!(
            " {} ({}%) | {} ({}%) |",
            row.theirs,
            pct(row.theirs, row.builds),
            row.theirs_checks,
            pct(row.theirs_checks, row.checks)
        );
    }
    println!();
}
