//! The file server. It runs single-threaded in the Gofer process, answering one request at a
//! time; every node it hands out is an `O_PATH` fd opened relative to its parent without
//! following symlinks, so no walk can leave the root.

use crate::proto::{op, DirEntry, Request, Response, Stat, VERSION};
use crate::transport::{self, MAX_FRAME};
use crate::ProtoError;
use nix::errno::Errno;
use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::rc::Rc;

/// What the server serves and how.
pub struct ServerConfig {
    /// An `O_PATH` (or any) fd of the root directory.
    pub root: OwnedFd,
    /// Refuse every change (EROFS).
    pub read_only: bool,
}

struct Node {
    fd: Rc<OwnedFd>,
    /// The parent directory and the name in it; `None` for the root.
    parent: Option<(Rc<OwnedFd>, CString)>,
    /// A directory listing taken when a read of it started at index 0.
    listing: Option<Vec<DirEntry>>,
}

struct Server {
    nodes: HashMap<u64, Node>,
    next_fid: u64,
    root: Rc<OwnedFd>,
    read_only: bool,
}

/// Serves requests on `sock` until the peer closes it.
pub fn serve(sock: OwnedFd, config: ServerConfig) -> Result<(), ProtoError> {
    let mut s = Server {
        nodes: HashMap::new(),
        next_fid: 1,
        root: Rc::new(config.root),
        read_only: config.read_only,
    };
    let mut buf = vec![0u8; MAX_FRAME];
    loop {
        let (n, _fd) = match transport::recv(sock.as_raw_fd(), &mut buf) {
            Err(ProtoError::Closed) => return Ok(()),
            Err(ProtoError::TooLarge(n)) => {
                tracing::warn!("dropping an oversized request of {n} bytes");
                let r = Response::Error {
                    errno: Errno::EINVAL as i32,
                };
                transport::send(sock.as_raw_fd(), &r.encode(op::ERROR), None)?;
                continue;
            }
            Err(e) => return Err(e),
            Ok(x) => x,
        };
        let (resp, req_op, fd) = match Request::decode(&buf[..n]) {
            Err(e) => {
                tracing::warn!("bad request: {e}");
                let r = Response::Error {
                    errno: Errno::EINVAL as i32,
                };
                (r, op::ERROR, None)
            }
            Ok(req) => {
                let req_op = req.op();
                tracing::trace!(?req, "gofer request");
                match s.handle(req) {
                    Ok((r, fd)) => (r, req_op, fd),
                    Err(e) => (Response::Error { errno: e as i32 }, req_op, None),
                }
            }
        };
        transport::send(sock.as_raw_fd(), &resp.encode(req_op), fd.as_ref())?;
    }
}

fn cstr(name: &[u8]) -> Result<CString, Errno> {
    CString::new(name).map_err(|_| Errno::EINVAL)
}

/// A name the server accepts as one path component.
fn component(name: &[u8]) -> Result<CString, Errno> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
        return Err(Errno::EINVAL);
    }
    if name.len() > 255 {
        return Err(Errno::ENAMETOOLONG);
    }
    cstr(name)
}

fn check(r: libc::c_int) -> Result<libc::c_int, Errno> {
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r)
    }
}

fn openat(dir: RawFd, name: &CString, flags: i32, mode: u32) -> Result<OwnedFd, Errno> {
    // SAFETY: name is a valid NUL-terminated string; the fd returned is ours alone.
    let fd = check(unsafe { libc::openat(dir, name.as_ptr(), flags | libc::O_CLOEXEC, mode) })?;
    // SAFETY: fd was just returned by openat and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn fstat(fd: RawFd) -> Result<Stat, Errno> {
    // SAFETY: plain integers; filled by the kernel.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: st is a valid out pointer.
    check(unsafe { libc::fstat(fd, &mut st) })?;
    Ok(Stat::from_host(&st))
}

fn dot() -> CString {
    CString::from(c".")
}

impl Server {
    fn node(&self, fid: u64) -> Result<&Node, Errno> {
        self.nodes.get(&fid).ok_or(Errno::EBADF)
    }

    fn add(&mut self, node: Node) -> u64 {
        let fid = self.next_fid;
        self.next_fid += 1;
        self.nodes.insert(fid, node);
        fid
    }

    /// Opens the node itself with `flags`: relative to its parent, never following a symlink.
    fn reopen(&self, node: &Node, flags: i32, mode: u32) -> Result<OwnedFd, Errno> {
        match &node.parent {
            Some((dir, name)) => openat(dir.as_raw_fd(), name, flags | libc::O_NOFOLLOW, mode),
            None => openat(node.fd.as_raw_fd(), &dot(), flags, mode),
        }
    }

    fn writable(&self) -> Result<(), Errno> {
        if self.read_only {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }

    fn child(&mut self, dir: u64, name: &CString) -> Result<(u64, Stat), Errno> {
        let dfd = self.node(dir)?.fd.clone();
        let fd = openat(dfd.as_raw_fd(), name, libc::O_PATH | libc::O_NOFOLLOW, 0)?;
        let stat = fstat(fd.as_raw_fd())?;
        let fid = self.add(Node {
            fd: Rc::new(fd),
            parent: Some((dfd, name.clone())),
            listing: None,
        });
        Ok((fid, stat))
    }

    fn handle(&mut self, req: Request) -> Result<(Response, Option<OwnedFd>), Errno> {
        let r = match req {
            Request::Attach { version } => {
                if version != VERSION {
                    return Err(Errno::EPROTO);
                }
                let stat = fstat(self.root.as_raw_fd())?;
                let fid = self.add(Node {
                    fd: self.root.clone(),
                    parent: None,
                    listing: None,
                });
                Response::Attach { fid, stat }
            }
            Request::Walk { fid, names } => {
                let mut cur = fid;
                let mut nodes = Vec::new();
                for name in &names {
                    let name = component(name)?;
                    match self.child(cur, &name) {
                        Ok((f, st)) => {
                            nodes.push((f, st));
                            cur = f;
                            if st.file_type() != libc::S_IFDIR {
                                break;
                            }
                        }
                        Err(e) if nodes.is_empty() => return Err(e),
                        Err(_) => break,
                    }
                }
                Response::Walk { nodes }
            }
            Request::Stat { fid } => Response::Stat {
                stat: fstat(self.node(fid)?.fd.as_raw_fd())?,
            },
            Request::Open { fid, flags } => {
                let flags = flags as i32;
                let acc = flags & libc::O_ACCMODE;
                if self.read_only && (acc != libc::O_RDONLY || flags & libc::O_TRUNC != 0) {
                    return Err(Errno::EROFS);
                }
                let allowed = libc::O_ACCMODE | libc::O_TRUNC | libc::O_DIRECTORY;
                let node = self.node(fid)?;
                let fd = self.reopen(node, (flags & allowed) | libc::O_NOCTTY, 0)?;
                return Ok((Response::Open, Some(fd)));
            }
            Request::Create {
                dir,
                name,
                flags,
                mode,
            } => {
                self.writable()?;
                let name = component(&name)?;
                let dfd = self.node(dir)?.fd.clone();
                let allowed = libc::O_ACCMODE | libc::O_TRUNC | libc::O_EXCL;
                let flags = (flags as i32 & allowed) | libc::O_CREAT | libc::O_NOFOLLOW;
                let fd = openat(
                    dfd.as_raw_fd(),
                    &name,
                    flags | libc::O_NOCTTY,
                    mode & 0o7777,
                )?;
                let (fid, stat) = self.child(dir, &name)?;
                return Ok((Response::Create { fid, stat }, Some(fd)));
            }
            Request::Mkdir { dir, name, mode } => {
                self.writable()?;
                let name = component(&name)?;
                let dfd = self.node(dir)?.fd.as_raw_fd();
                // SAFETY: name is NUL-terminated; dfd is a live directory fd.
                check(unsafe { libc::mkdirat(dfd, name.as_ptr(), mode & 0o7777) })?;
                let (fid, stat) = self.child(dir, &name)?;
                Response::Mkdir { fid, stat }
            }
            Request::Unlink { dir, name, flags } => {
                self.writable()?;
                let name = component(&name)?;
                let dfd = self.node(dir)?.fd.as_raw_fd();
                let flags = flags as i32 & libc::AT_REMOVEDIR;
                // SAFETY: as above.
                check(unsafe { libc::unlinkat(dfd, name.as_ptr(), flags) })?;
                Response::Unlink
            }
            Request::Rename {
                old_dir,
                old_name,
                new_dir,
                new_name,
            } => {
                self.writable()?;
                let (on, nn) = (component(&old_name)?, component(&new_name)?);
                let ofd = self.node(old_dir)?.fd.as_raw_fd();
                let nfd = self.node(new_dir)?.fd.as_raw_fd();
                // SAFETY: both names NUL-terminated, both fds live directories.
                check(unsafe { libc::renameat(ofd, on.as_ptr(), nfd, nn.as_ptr()) })?;
                Response::Rename
            }
            Request::Readlink { fid } => {
                let fd = self.node(fid)?.fd.as_raw_fd();
                let mut buf = vec![0u8; libc::PATH_MAX as usize];
                // SAFETY: buf is writable for its length; "" with an O_PATH symlink fd reads
                // that link itself.
                let n = unsafe {
                    libc::readlinkat(fd, c"".as_ptr(), buf.as_mut_ptr().cast(), buf.len())
                };
                if n < 0 {
                    let e = Errno::last();
                    return Err(if e == Errno::ENOENT { Errno::EINVAL } else { e });
                }
                buf.truncate(n as usize);
                Response::Readlink { target: buf }
            }
            Request::Getdents { fid, index, max } => {
                if index == 0 || self.node(fid)?.listing.is_none() {
                    let node = self.node(fid)?;
                    let listing =
                        read_dir(self.reopen(node, libc::O_RDONLY | libc::O_DIRECTORY, 0)?)?;
                    if let Some(n) = self.nodes.get_mut(&fid) {
                        n.listing = Some(listing);
                    }
                }
                let listing = self.node(fid)?.listing.as_deref().unwrap_or(&[]);
                let budget = (max as usize).min(MAX_FRAME - 64);
                let mut used = 8;
                let mut entries = Vec::new();
                for e in listing.iter().skip(index as usize) {
                    used += 16 + e.name.len();
                    if used > budget && !entries.is_empty() {
                        break;
                    }
                    entries.push(e.clone());
                }
                Response::Getdents { entries }
            }
            Request::Close { fid } => {
                self.nodes.remove(&fid).ok_or(Errno::EBADF)?;
                Response::Close
            }
        };
        Ok((r, None))
    }
}

/// Reads a whole directory, `.` and `..` included, in the host's order.
fn read_dir(fd: OwnedFd) -> Result<Vec<DirEntry>, Errno> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        // SAFETY: buf is writable for its length; fd is an open directory.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                fd.as_raw_fd(),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        if n < 0 {
            return Err(Errno::last());
        }
        if n == 0 {
            return Ok(out);
        }
        let mut off = 0usize;
        while off + 19 <= n as usize {
            let rec = &buf[off..n as usize];
            let ino = u64::from_ne_bytes(rec[0..8].try_into().map_err(|_| Errno::EIO)?);
            let reclen = u16::from_ne_bytes([rec[16], rec[17]]) as usize;
            if reclen < 19 || reclen > rec.len() {
                return Err(Errno::EIO);
            }
            let kind = rec[18];
            let name = &rec[19..reclen];
            let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            out.push(DirEntry {
                ino,
                kind,
                name: name[..len].to_vec(),
            });
            off += reclen;
        }
    }
}
