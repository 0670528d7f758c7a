//! The Gofer serves a root that symlinks cannot leave: the Sentry resolves every link against
//! the sandbox root, and the Gofer never follows one.

use integration_tests::{run, scratch, stderr, stdout};
use std::os::unix::fs::symlink;

#[test]
fn symlinks_resolve_inside_the_served_root() {
    let dir = scratch();
    let root = dir.path();
    for d in ["bin", "tmp", "dev", "etc", "sub"] {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).expect("copying busybox");
    std::fs::write(root.join("etc/shadow"), "inside-the-root\n").expect("writing");
    symlink("/../../etc/shadow", root.join("dotdot")).expect("symlink");
    symlink("/etc/shadow", root.join("absolute")).expect("symlink");
    symlink("../../../../../../etc/shadow", root.join("sub/relative")).expect("symlink");
    let rootfs = format!("--rootfs={}", root.display());
    for link in ["/dotdot", "/absolute", "/sub/relative"] {
        let o = run(&["do", &rootfs, "/bin/busybox", "cat", link]);
        assert_eq!(stdout(&o), "inside-the-root\n", "{link}: {}", stderr(&o));
    }
    let o = run(&["do", &rootfs, "/bin/busybox", "ls", "/"]);
    let listing = stdout(&o);
    let names: Vec<&str> = listing.split_whitespace().collect();
    assert!(
        names.contains(&"dotdot") && !names.contains(&"usr"),
        "{names:?}"
    );
}
