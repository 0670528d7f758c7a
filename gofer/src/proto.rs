//! The messages of the Gofer protocol. A frame is `op: u16, flags: u16` followed by the
//! operation's fields; responses reuse the request's op, or `ERROR` with an errno. Host fds
//! travel beside a frame as SCM_RIGHTS (open and create donate one).

use crate::wire::{Decoder, Encoder};
use crate::ProtoError;

/// Protocol version, checked by `Attach`.
pub const VERSION: u32 = 1;

pub(crate) mod op {
    pub const ERROR: u16 = 0;
    pub const ATTACH: u16 = 1;
    pub const WALK: u16 = 2;
    pub const STAT: u16 = 3;
    pub const OPEN: u16 = 4;
    pub const CREATE: u16 = 5;
    pub const MKDIR: u16 = 6;
    pub const UNLINK: u16 = 7;
    pub const RENAME: u16 = 8;
    pub const READLINK: u16 = 9;
    pub const GETDENTS: u16 = 10;
    pub const CLOSE: u16 = 11;
}

/// File attributes as the host reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub nlink: u64,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub size: i64,
    pub blksize: i64,
    pub blocks: i64,
    pub atime: (i64, i64),
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
}

impl Stat {
    pub fn from_host(s: &libc::stat) -> Stat {
        Stat {
            dev: s.st_dev,
            ino: s.st_ino,
            mode: s.st_mode,
            nlink: s.st_nlink,
            uid: s.st_uid,
            gid: s.st_gid,
            rdev: s.st_rdev,
            size: s.st_size,
            blksize: s.st_blksize,
            blocks: s.st_blocks,
            atime: (s.st_atime, s.st_atime_nsec),
            mtime: (s.st_mtime, s.st_mtime_nsec),
            ctime: (s.st_ctime, s.st_ctime_nsec),
        }
    }

    pub fn file_type(&self) -> u32 {
        self.mode & libc::S_IFMT
    }

    fn encode(&self, e: &mut Encoder) {
        e.u64(self.dev).u64(self.ino).u32(self.mode).u64(self.nlink);
        e.u32(self.uid).u32(self.gid).u64(self.rdev);
        e.i64(self.size).i64(self.blksize).i64(self.blocks);
        for (s, ns) in [self.atime, self.mtime, self.ctime] {
            e.i64(s).i64(ns);
        }
    }

    fn decode(d: &mut Decoder) -> Result<Stat, ProtoError> {
        Ok(Stat {
            dev: d.u64()?,
            ino: d.u64()?,
            mode: d.u32()?,
            nlink: d.u64()?,
            uid: d.u32()?,
            gid: d.u32()?,
            rdev: d.u64()?,
            size: d.i64()?,
            blksize: d.i64()?,
            blocks: d.i64()?,
            atime: (d.i64()?, d.i64()?),
            mtime: (d.i64()?, d.i64()?),
            ctime: (d.i64()?, d.i64()?),
        })
    }
}

/// One directory entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: u64,
    /// `DT_*` type.
    pub kind: u8,
    pub name: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Request {
    Attach {
        version: u32,
    },
    Walk {
        fid: u64,
        names: Vec<Vec<u8>>,
    },
    Stat {
        fid: u64,
    },
    Open {
        fid: u64,
        flags: u32,
    },
    Create {
        dir: u64,
        name: Vec<u8>,
        flags: u32,
        mode: u32,
    },
    Mkdir {
        dir: u64,
        name: Vec<u8>,
        mode: u32,
    },
    Unlink {
        dir: u64,
        name: Vec<u8>,
        flags: u32,
    },
    Rename {
        old_dir: u64,
        old_name: Vec<u8>,
        new_dir: u64,
        new_name: Vec<u8>,
    },
    Readlink {
        fid: u64,
    },
    Getdents {
        fid: u64,
        index: u64,
        max: u32,
    },
    Close {
        fid: u64,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Response {
    Error {
        errno: i32,
    },
    Attach {
        fid: u64,
        stat: Stat,
    },
    /// The nodes walked, in order; fewer than asked when the walk stopped early.
    Walk {
        nodes: Vec<(u64, Stat)>,
    },
    Stat {
        stat: Stat,
    },
    /// The opened host fd travels as SCM_RIGHTS.
    Open,
    Create {
        fid: u64,
        stat: Stat,
    },
    Mkdir {
        fid: u64,
        stat: Stat,
    },
    Unlink,
    Rename,
    Readlink {
        target: Vec<u8>,
    },
    Getdents {
        entries: Vec<DirEntry>,
    },
    Close,
}

fn header(e: &mut Encoder, op: u16) {
    e.u16(op).u16(0);
}

impl Request {
    pub(crate) fn op(&self) -> u16 {
        match self {
            Request::Attach { .. } => op::ATTACH,
            Request::Walk { .. } => op::WALK,
            Request::Stat { .. } => op::STAT,
            Request::Open { .. } => op::OPEN,
            Request::Create { .. } => op::CREATE,
            Request::Mkdir { .. } => op::MKDIR,
            Request::Unlink { .. } => op::UNLINK,
            Request::Rename { .. } => op::RENAME,
            Request::Readlink { .. } => op::READLINK,
            Request::Getdents { .. } => op::GETDENTS,
            Request::Close { .. } => op::CLOSE,
        }
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::default();
        header(&mut e, self.op());
        match self {
            Request::Attach { version } => {
                e.u32(*version);
            }
            Request::Walk { fid, names } => {
                e.u64(*fid).u32(names.len() as u32);
                for n in names {
                    e.bytes(n);
                }
            }
            Request::Stat { fid } | Request::Readlink { fid } | Request::Close { fid } => {
                e.u64(*fid);
            }
            Request::Open { fid, flags } => {
                e.u64(*fid).u32(*flags);
            }
            Request::Create {
                dir,
                name,
                flags,
                mode,
            } => {
                e.u64(*dir).bytes(name).u32(*flags).u32(*mode);
            }
            Request::Mkdir { dir, name, mode } => {
                e.u64(*dir).bytes(name).u32(*mode);
            }
            Request::Unlink { dir, name, flags } => {
                e.u64(*dir).bytes(name).u32(*flags);
            }
            Request::Rename {
                old_dir,
                old_name,
                new_dir,
                new_name,
            } => {
                e.u64(*old_dir)
                    .bytes(old_name)
                    .u64(*new_dir)
                    .bytes(new_name);
            }
            Request::Getdents { fid, index, max } => {
                e.u64(*fid).u64(*index).u32(*max);
            }
        }
        e.buf
    }

    pub(crate) fn decode(buf: &[u8]) -> Result<Request, ProtoError> {
        let mut d = Decoder::new(buf);
        let op = d.u16()?;
        let _flags = d.u16()?;
        Ok(match op {
            op::ATTACH => Request::Attach { version: d.u32()? },
            op::WALK => {
                let fid = d.u64()?;
                let n = d.u32()?;
                if n > 4096 {
                    return Err(ProtoError::TooLarge(n as usize));
                }
                let names = (0..n).map(|_| d.bytes()).collect::<Result<_, _>>()?;
                Request::Walk { fid, names }
            }
            op::STAT => Request::Stat { fid: d.u64()? },
            op::OPEN => Request::Open {
                fid: d.u64()?,
                flags: d.u32()?,
            },
            op::CREATE => Request::Create {
                dir: d.u64()?,
                name: d.bytes()?,
                flags: d.u32()?,
                mode: d.u32()?,
            },
            op::MKDIR => Request::Mkdir {
                dir: d.u64()?,
                name: d.bytes()?,
                mode: d.u32()?,
            },
            op::UNLINK => Request::Unlink {
                dir: d.u64()?,
                name: d.bytes()?,
                flags: d.u32()?,
            },
            op::RENAME => Request::Rename {
                old_dir: d.u64()?,
                old_name: d.bytes()?,
                new_dir: d.u64()?,
                new_name: d.bytes()?,
            },
            op::READLINK => Request::Readlink { fid: d.u64()? },
            op::GETDENTS => Request::Getdents {
                fid: d.u64()?,
                index: d.u64()?,
                max: d.u32()?,
            },
            op::CLOSE => Request::Close { fid: d.u64()? },
            other => return Err(ProtoError::UnknownOp(other)),
        })
    }
}

impl Response {
    pub(crate) fn encode(&self, req_op: u16) -> Vec<u8> {
        let mut e = Encoder::default();
        match self {
            Response::Error { errno } => {
                header(&mut e, op::ERROR);
                e.u32(*errno as u32);
                return e.buf;
            }
            _ => header(&mut e, req_op),
        }
        match self {
            Response::Error { .. }
            | Response::Open
            | Response::Unlink
            | Response::Rename
            | Response::Close => {}
            Response::Attach { fid, stat }
            | Response::Create { fid, stat }
            | Response::Mkdir { fid, stat } => {
                e.u64(*fid);
                stat.encode(&mut e);
            }
            Response::Walk { nodes } => {
                e.u32(nodes.len() as u32);
                for (fid, stat) in nodes {
                    e.u64(*fid);
                    stat.encode(&mut e);
                }
            }
            Response::Stat { stat } => stat.encode(&mut e),
            Response::Readlink { target } => {
                e.bytes(target);
            }
            Response::Getdents { entries } => {
                e.u32(entries.len() as u32);
                for ent in entries {
                    e.u64(ent.ino).u16(ent.kind as u16).bytes(&ent.name);
                }
            }
        }
        e.buf
    }

    pub(crate) fn decode(buf: &[u8], req_op: u16) -> Result<Response, ProtoError> {
        let mut d = Decoder::new(buf);
        let got = d.u16()?;
        let _flags = d.u16()?;
        if got == op::ERROR {
            return Ok(Response::Error {
                errno: d.u32()? as i32,
            });
        }
        if got != req_op {
            return Err(ProtoError::Mismatch { got, want: req_op });
        }
        Ok(match got {
            op::ATTACH => Response::Attach {
                fid: d.u64()?,
                stat: Stat::decode(&mut d)?,
            },
            op::CREATE => Response::Create {
                fid: d.u64()?,
                stat: Stat::decode(&mut d)?,
            },
            op::MKDIR => Response::Mkdir {
                fid: d.u64()?,
                stat: Stat::decode(&mut d)?,
            },
            op::WALK => {
                let n = d.u32()?;
                let mut nodes = Vec::new();
                for _ in 0..n {
                    nodes.push((d.u64()?, Stat::decode(&mut d)?));
                }
                Response::Walk { nodes }
            }
            op::STAT => Response::Stat {
                stat: Stat::decode(&mut d)?,
            },
            op::OPEN => Response::Open,
            op::UNLINK => Response::Unlink,
            op::RENAME => Response::Rename,
            op::CLOSE => Response::Close,
            op::READLINK => Response::Readlink { target: d.bytes()? },
            op::GETDENTS => {
                let n = d.u32()?;
                let mut entries = Vec::new();
                for _ in 0..n {
                    entries.push(DirEntry {
                        ino: d.u64()?,
                        kind: d.u16()? as u8,
                        name: d.bytes()?,
                    });
                }
                Response::Getdents { entries }
            }
            other => return Err(ProtoError::UnknownOp(other)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip() {
        let reqs = [
            Request::Attach { version: VERSION },
            Request::Walk {
                fid: 3,
                names: vec![b"usr".to_vec(), b"bin".to_vec()],
            },
            Request::Rename {
                old_dir: 1,
                old_name: b"a".to_vec(),
                new_dir: 2,
                new_name: b"b".to_vec(),
            },
            Request::Getdents {
                fid: 9,
                index: 4,
                max: 100,
            },
        ];
        for r in reqs {
            assert_eq!(Request::decode(&r.encode()).unwrap(), r);
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(Request::decode(&[]).is_err());
        assert!(Request::decode(&[0xff, 0xff, 0, 0]).is_err());
        assert!(Request::decode(&[op::WALK as u8, 0, 0, 0, 1, 0]).is_err());
        let walk = Response::Walk {
            nodes: vec![(1, Stat::default())],
        };
        let buf = walk.encode(op::WALK);
        assert!(Response::decode(&buf[..buf.len() - 1], op::WALK).is_err());
        assert!(Response::decode(&buf, op::STAT).is_err());
    }
}
