//! A one-line description of the host the native runs see: a program that passes on one
//! machine and fails on another (a CI container without a capability, a pid namespace whose
//! session leader is outside it) is explained by the difference.

/// The fields of `/proc/self/status` that change what a root-run check may expect.
const STATUS_FIELDS: [&str; 5] = ["Uid", "CapEff", "NSpid", "NoNewPrivs", "Seccomp"];

fn status_fields(status: &str) -> Vec<String> {
    status
        .lines()
        .filter_map(|l| {
            let (key, value) = l.split_once(':')?;
            STATUS_FIELDS.contains(&key).then(|| {
                format!(
                    "{key} {}",
                    value.split_whitespace().collect::<Vec<_>>().join(",")
                )
            })
        })
        .collect()
}

/// The session id in a `/proc/PID/stat` line: the fourth field after the `(comm)`, which
/// may itself hold spaces and parentheses.
fn session_of(stat: &str) -> Option<&str> {
    stat.rsplit_once(')')?.1.split_whitespace().nth(3)
}

/// Kernel release, the credentials and confinement of this process, and its session id.
pub fn describe() -> String {
    let mut parts = Vec::new();
    if let Ok(r) = std::fs::read_to_string("/proc/sys/kernel/osrelease") {
        parts.push(format!("kernel {}", r.trim()));
    }
    match std::fs::read_to_string("/proc/self/status") {
        Ok(s) => parts.extend(status_fields(&s)),
        Err(e) => parts.push(format!("/proc/self/status unreadable: {e}")),
    }
    if let Some(sid) = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| session_of(&s).map(String::from))
    {
        parts.push(format!("session {sid}"));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_fields_that_matter() {
        let status =
            "Name:\tx\nUid:\t0\t0\t0\t0\nCapEff:\t000001fffeffffff\nNSpid:\t7\t1\nVmRSS:\t1 kB\n";
        assert_eq!(
            status_fields(status),
            ["Uid 0,0,0,0", "CapEff 000001fffeffffff", "NSpid 7,1"]
        );
    }

    #[test]
    fn session_after_an_odd_command_name() {
        assert_eq!(session_of("42 (a) b) S 1 42 0 0 -1"), Some("0"));
        assert_eq!(session_of("42 (x"), None);
    }
}
