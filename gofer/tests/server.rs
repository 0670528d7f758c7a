//! The server end to end over a socketpair: walks, reads through donated fds, and the rules
//! that keep a walk inside the root.

use gofer::{serve, Client, ServerConfig};
use nix::errno::Errno;
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::fs::symlink;

fn start(root: &std::path::Path, read_only: bool) -> (Client, std::thread::JoinHandle<()>) {
    let (a, b) = socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .expect("socketpair");
    let dir = std::fs::File::open(root).expect("open root");
    let root_fd: OwnedFd = dir.into();
    let h = std::thread::spawn(move || {
        serve(
            b,
            ServerConfig {
                root: root_fd,
                read_only,
            },
        )
        .expect("serve");
    });
    (Client::new(a), h)
}

#[test]
fn walk_open_and_list() {
    let t = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(t.path().join("d")).expect("mkdir");
    std::fs::write(t.path().join("d/f"), b"contents").expect("write");
    let (c, h) = start(t.path(), true);
    let (root, st) = c.attach().expect("attach");
    assert_eq!(st.mode & libc::S_IFMT, libc::S_IFDIR);
    let nodes = c.walk(root, &[b"d", b"f"]).expect("walk");
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[1].1.size, 8);
    let mut s = String::new();
    std::fs::File::from(c.open(nodes[1].0, libc::O_RDONLY).expect("open"))
        .read_to_string(&mut s)
        .expect("read");
    assert_eq!(s, "contents");
    let names: Vec<Vec<u8>> = c
        .getdents(nodes[0].0)
        .expect("getdents")
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(names.contains(&b"f".to_vec()));
    assert_eq!(c.walk(root, &[b"missing"]), Err(Errno::ENOENT));
    // Read-only: no writes, no changes.
    assert_eq!(c.open(nodes[1].0, libc::O_RDWR).err(), Some(Errno::EROFS));
    assert_eq!(c.mkdir(root, b"new", 0o755).err(), Some(Errno::EROFS));
    drop(c);
    h.join().expect("server thread");
}

#[test]
fn symlinks_and_dotdot_never_leave_the_root() {
    let t = tempfile::tempdir().expect("tempdir");
    symlink("/etc", t.path().join("abs")).expect("symlink");
    symlink("../../../../etc/passwd", t.path().join("rel")).expect("symlink");
    let (c, _h) = start(t.path(), false);
    let (root, _) = c.attach().expect("attach");
    // Walking a symlink returns the link itself and stops there.
    let nodes = c.walk(root, &[b"abs", b"passwd"]).expect("walk");
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].1.mode & libc::S_IFMT, libc::S_IFLNK);
    assert_eq!(c.readlink(nodes[0].0).expect("readlink"), b"/etc");
    // Opening a symlink does not follow it.
    assert_eq!(c.open(nodes[0].0, libc::O_RDONLY).err(), Some(Errno::ELOOP));
    let rel = c.walk(root, &[b"rel"]).expect("walk");
    assert_eq!(c.open(rel[0].0, libc::O_RDONLY).err(), Some(Errno::ELOOP));
    // Names with a slash, ".", ".." are refused.
    for bad in [&b".."[..], b".", b"a/b", b""] {
        assert_eq!(c.walk(root, &[bad]), Err(Errno::EINVAL), "{bad:?}");
    }
    // Creating through a symlink does not follow it either.
    assert_eq!(
        c.create(root, b"abs", libc::O_WRONLY, 0o644).err(),
        Some(Errno::ELOOP)
    );
    // An unknown fid is EBADF, not a crash.
    assert_eq!(c.stat(9999), Err(Errno::EBADF));
}
