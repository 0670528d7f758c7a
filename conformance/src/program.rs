//! A conformance program: its source file, the area it covers and the syscalls it declares in
//! its header comment, and how it is compiled.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Program {
    pub name: String,
    pub source: PathBuf,
    /// From the `/* area: KEY */` header line.
    pub area: String,
    /// From the `/* syscalls: a, b */` header line: what the program calls natively.
    pub declared: Vec<String>,
}

/// The header is the comment block at the top of the file, before the first `#include`.
fn parse_header(src: &str) -> (Option<String>, Vec<String>) {
    let mut area = None;
    let mut declared = Vec::new();
    // Inside a `syscalls:` comment that goes on past its first line.
    let mut in_list = false;
    for line in src.lines().take_while(|l| !l.starts_with("#include")) {
        let closes = line.trim_end().ends_with("*/");
        let body = line
            .trim()
            .trim_start_matches("/*")
            .trim_start_matches('*')
            .trim_end_matches("*/")
            .trim();
        let list = if in_list {
            Some(body)
        } else if let Some(a) = body.strip_prefix("area:") {
            area = Some(a.trim().to_string());
            None
        } else {
            body.strip_prefix("syscalls:")
        };
        if let Some(list) = list {
            declared.extend(
                list.split(',')
                    .map(|s| s.trim().trim_end_matches('.').to_string())
                    .filter(|s| !s.is_empty()),
            );
            in_list = !closes;
        }
    }
    (area, declared)
}

/// Every `*.c` in `dir` whose name contains `filter`, sorted by name. A program without an
/// area, or declaring a name that is not a linux/amd64 syscall, is an error in the suite.
pub fn discover(dir: &Path, filter: Option<&str>) -> Result<Vec<Program>> {
    let mut programs = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_none_or(|x| x != "c") {
            continue;
        }
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let (area, declared) = parse_header(&text);
        let Some(area) = area else {
            bail!("{}: no `/* area: ... */` header line", path.display());
        };
        if let Some(bad) = declared
            .iter()
            .find(|d| !syscalls::NAMES.iter().any(|&(_, n)| n == d.as_str()))
        {
            bail!(
                "{}: `{bad}` in the syscalls header is not a linux/amd64 syscall",
                path.display()
            );
        }
        programs.push(Program {
            name,
            source: path,
            area,
            declared,
        });
    }
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(programs)
}

impl Program {
    pub fn compile(&self, out: &Path, static_link: bool) -> Result<()> {
        let mut cmd = Command::new("cc");
        cmd.args(["-O1", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(out)
            .arg(&self.source);
        let tag = if static_link { "static" } else { "dynamic" };
        cmd.arg(format!("-DCONF_TAG=\".{tag}\""));
        if static_link {
            cmd.arg("-static");
        }
        let o = cmd.output().context("running cc")?;
        if !o.status.success() {
            bail!(
                "cc {}: {}",
                self.source.display(),
                String::from_utf8_lossy(&o.stderr)
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_header;

    #[test]
    fn header_lines() {
        let src = "/* x: y */\n/* syscalls: read, write,\n   openat */\n/* area: file-io */\n#include \"check.h\"\n/* area: later */\n";
        let (area, declared) = parse_header(src);
        assert_eq!(area.as_deref(), Some("file-io"));
        assert_eq!(declared, ["read", "write", "openat"]);
    }
}
