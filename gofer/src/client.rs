//! The Sentry's end of the protocol: synchronous calls, one in flight at a time.

use crate::proto::{DirEntry, Request, Response, Stat, VERSION};
use crate::transport::{self, MAX_FRAME};
use nix::errno::Errno;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Mutex;

/// A node handle on the server.
pub type Fid = u64;

pub struct Client {
    sock: OwnedFd,
    buf: Mutex<Vec<u8>>,
}

impl Client {
    pub fn new(sock: OwnedFd) -> Client {
        Client {
            sock,
            buf: Mutex::new(vec![0u8; MAX_FRAME]),
        }
    }

    fn call(&self, req: Request) -> Result<(Response, Option<OwnedFd>), Errno> {
        let op = req.op();
        let frame = req.encode();
        let mut buf = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        let fail = |e: crate::ProtoError| {
            tracing::error!("gofer call {op} failed: {e}");
            Errno::EIO
        };
        transport::send(self.sock.as_raw_fd(), &frame, None).map_err(fail)?;
        let (n, fd) = transport::recv(self.sock.as_raw_fd(), &mut buf).map_err(fail)?;
        match Response::decode(&buf[..n], op).map_err(fail)? {
            Response::Error { errno } => Err(Errno::from_raw(errno)),
            r => Ok((r, fd)),
        }
    }

    fn bad<T>(&self, what: &str) -> Result<T, Errno> {
        tracing::error!("gofer answered {what} with the wrong shape");
        Err(Errno::EIO)
    }

    pub fn attach(&self) -> Result<(Fid, Stat), Errno> {
        match self.call(Request::Attach { version: VERSION })? {
            (Response::Attach { fid, stat }, _) => Ok((fid, stat)),
            _ => self.bad("attach"),
        }
    }

    /// Walks `names` from `fid`; returns the nodes reached (possibly fewer than asked).
    pub fn walk(&self, fid: Fid, names: &[&[u8]]) -> Result<Vec<(Fid, Stat)>, Errno> {
        let names = names.iter().map(|n| n.to_vec()).collect();
        match self.call(Request::Walk { fid, names })? {
            (Response::Walk { nodes }, _) => Ok(nodes),
            _ => self.bad("walk"),
        }
    }

    pub fn stat(&self, fid: Fid) -> Result<Stat, Errno> {
        match self.call(Request::Stat { fid })? {
            (Response::Stat { stat }, _) => Ok(stat),
            _ => self.bad("stat"),
        }
    }

    /// Opens the node and returns the host fd the Gofer donated.
    pub fn open(&self, fid: Fid, flags: i32) -> Result<OwnedFd, Errno> {
        match self.call(Request::Open {
            fid,
            flags: flags as u32,
        })? {
            (Response::Open, Some(fd)) => Ok(fd),
            _ => self.bad("open"),
        }
    }

    pub fn create(
        &self,
        dir: Fid,
        name: &[u8],
        flags: i32,
        mode: u32,
    ) -> Result<(Fid, Stat, OwnedFd), Errno> {
        let req = Request::Create {
            dir,
            name: name.to_vec(),
            flags: flags as u32,
            mode,
        };
        match self.call(req)? {
            (Response::Create { fid, stat }, Some(fd)) => Ok((fid, stat, fd)),
            _ => self.bad("create"),
        }
    }

    pub fn mkdir(&self, dir: Fid, name: &[u8], mode: u32) -> Result<(Fid, Stat), Errno> {
        let req = Request::Mkdir {
            dir,
            name: name.to_vec(),
            mode,
        };
        match self.call(req)? {
            (Response::Mkdir { fid, stat }, _) => Ok((fid, stat)),
            _ => self.bad("mkdir"),
        }
    }

    pub fn unlink(&self, dir: Fid, name: &[u8], flags: i32) -> Result<(), Errno> {
        let req = Request::Unlink {
            dir,
            name: name.to_vec(),
            flags: flags as u32,
        };
        self.call(req).map(drop)
    }

    pub fn rename(&self, old_dir: Fid, old: &[u8], new_dir: Fid, new: &[u8]) -> Result<(), Errno> {
        let req = Request::Rename {
            old_dir,
            old_name: old.to_vec(),
            new_dir,
            new_name: new.to_vec(),
        };
        self.call(req).map(drop)
    }

    pub fn readlink(&self, fid: Fid) -> Result<Vec<u8>, Errno> {
        match self.call(Request::Readlink { fid })? {
            (Response::Readlink { target }, _) => Ok(target),
            _ => self.bad("readlink"),
        }
    }

    /// Reads the whole listing of a directory node.
    pub fn getdents(&self, fid: Fid) -> Result<Vec<DirEntry>, Errno> {
        let mut all = Vec::new();
        loop {
            let req = Request::Getdents {
                fid,
                index: all.len() as u64,
                max: MAX_FRAME as u32 / 2,
            };
            match self.call(req)? {
                (Response::Getdents { entries }, _) if entries.is_empty() => return Ok(all),
                (Response::Getdents { entries }, _) => all.extend(entries),
                _ => return self.bad("getdents"),
            }
        }
    }

    pub fn close(&self, fid: Fid) {
        if let Err(e) = self.call(Request::Close { fid }) {
            tracing::debug!("gofer close of fid {fid}: {e}");
        }
    }
}
