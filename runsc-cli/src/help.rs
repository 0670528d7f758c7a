//! `runsc help [TOPIC]`.

use crate::cli::{Cli, HelpArgs, TableFormat};
use clap::CommandFactory;

pub fn run(h: &HelpArgs) -> anyhow::Result<i32> {
    match h.topic.as_deref() {
        Some("syscalls") => {
            print_syscalls(h.format);
            Ok(0)
        }
        Some(sub) => {
            let mut cmd = Cli::command();
            match cmd.find_subcommand_mut(sub) {
                Some(s) => {
                    s.print_long_help()?;
                    Ok(0)
                }
                None => anyhow::bail!("no help topic or subcommand named {sub:?}"),
            }
        }
        None => {
            Cli::command().print_long_help()?;
            Ok(0)
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn print_syscalls(format: TableFormat) {
    let table = syscalls::table();
    match format {
        TableFormat::Csv => println!("number,name,support,note"),
        TableFormat::Text => println!("{:>4}  {:<24} {:<14} note", "nr", "name", "support"),
    }
    let mut counts = [0usize; 3];
    for e in table.entries() {
        counts[e.support as usize] += 1;
        match format {
            TableFormat::Csv => println!(
                "{},{},{},{}",
                e.nr,
                e.name,
                e.support.as_str(),
                csv_field(e.note)
            ),
            TableFormat::Text => {
                println!(
                    "{:>4}  {:<24} {:<14} {}",
                    e.nr,
                    e.name,
                    e.support.as_str(),
                    e.note
                )
            }
        }
    }
    if format == TableFormat::Text {
        println!(
            "\n{} syscalls: {} full, {} partial, {} unimplemented",
            counts.iter().sum::<usize>(),
            counts[0],
            counts[1],
            counts[2]
        );
    }
}
