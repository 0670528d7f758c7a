//! `--strace` formatting: each argument by its kind, buffers and paths read from guest memory.

use sentry::errno::SysResult;
use sentry::kernel::{ArgKind, StraceHooks, SyscallEntry, Task};
use std::fmt::Write;

/// Bytes of a buffer shown.
const PREVIEW: usize = 64;

pub fn hooks() -> StraceHooks {
    StraceHooks { enter, exit }
}

fn quote(b: &[u8], total: usize) -> String {
    let mut s = String::from("\"");
    for &c in b.iter().take(PREVIEW) {
        match c {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                let _ = write!(s, "\\x{c:02x}");
            }
        }
    }
    s.push('"');
    if total > PREVIEW {
        s.push_str("...");
    }
    s
}

fn open_flags(f: u64) -> String {
    let f = f as i32;
    let mut parts = vec![match f & libc::O_ACCMODE {
        libc::O_RDONLY => "O_RDONLY",
        libc::O_WRONLY => "O_WRONLY",
        _ => "O_RDWR",
    }
    .to_string()];
    for (bit, name) in [
        (libc::O_CREAT, "O_CREAT"),
        (libc::O_EXCL, "O_EXCL"),
        (libc::O_TRUNC, "O_TRUNC"),
        (libc::O_APPEND, "O_APPEND"),
        (libc::O_NONBLOCK, "O_NONBLOCK"),
        (libc::O_DIRECTORY, "O_DIRECTORY"),
        (libc::O_NOFOLLOW, "O_NOFOLLOW"),
        (libc::O_CLOEXEC, "O_CLOEXEC"),
        (libc::O_PATH, "O_PATH"),
    ] {
        if f & bit != 0 {
            parts.push(name.into());
        }
    }
    parts.join("|")
}

fn arg(t: &mut Task, kind: ArgKind, args: &[u64; 6], i: usize) -> String {
    let v = args[i];
    match kind {
        ArgKind::Int => (v as i64).to_string(),
        ArgKind::Fd => (v as i32).to_string(),
        ArgKind::Hex | ArgKind::Ptr | ArgKind::OutBuf => format!("{v:#x}"),
        ArgKind::OpenFlags => open_flags(v),
        ArgKind::Path => match t.mm.read_cstring(v, 4096) {
            Ok(p) => quote(&p, p.len()),
            Err(_) => format!("{v:#x}"),
        },
        ArgKind::InBuf(n) => {
            let len = args[n as usize] as usize;
            let mut b = vec![0u8; len.min(PREVIEW)];
            match t.mm.copy_in(v, &mut b) {
                Ok(()) => quote(&b, len),
                Err(_) => format!("{v:#x}"),
            }
        }
    }
}

fn enter(t: &mut Task, e: &SyscallEntry, args: &[u64; 6]) -> String {
    let shown: Vec<String> = e
        .args
        .iter()
        .enumerate()
        .map(|(i, &k)| arg(t, k, args, i))
        .collect();
    format!("{}({})", e.name, shown.join(", "))
}

fn exit(t: &mut Task, e: &SyscallEntry, args: &[u64; 6], r: &SysResult<u64>) -> String {
    match r {
        Err(errno) => format!("-1 {errno:?} ({})", errno.desc()),
        Ok(v) => {
            let mut s = if matches!(e.name, "mmap" | "brk" | "mremap") {
                format!("{v:#x}")
            } else {
                (*v as i64).to_string()
            };
            if let Some(i) = e.args.iter().position(|&k| k == ArgKind::OutBuf) {
                let n = (*v as usize).min(PREVIEW);
                let mut b = vec![0u8; n];
                if t.mm.copy_in(args[i], &mut b).is_ok() {
                    let _ = write!(s, " {}", quote(&b, *v as usize));
                }
            }
            s
        }
    }
}
