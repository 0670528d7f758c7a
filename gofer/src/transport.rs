//! One frame per SOCK_SEQPACKET record, with at most one host fd beside it.

use crate::ProtoError;
use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Largest frame either side sends or accepts.
pub(crate) const MAX_FRAME: usize = 256 * 1024;

pub(crate) fn send(sock: RawFd, frame: &[u8], fd: Option<&OwnedFd>) -> Result<(), ProtoError> {
    let iov = [IoSlice::new(frame)];
    let fds;
    let cmsgs: &[ControlMessage] = match fd {
        Some(f) => {
            fds = [f.as_raw_fd()];
            &[ControlMessage::ScmRights(&fds)]
        }
        None => &[],
    };
    loop {
        match sendmsg::<()>(sock, &iov, cmsgs, MsgFlags::MSG_NOSIGNAL, None) {
            Err(nix::Error::EINTR) => continue,
            Err(e) => return Err(e.into()),
            Ok(_) => return Ok(()),
        }
    }
}

/// Receives one frame into `buf`; returns its length and the fd that came with it.
pub(crate) fn recv(sock: RawFd, buf: &mut [u8]) -> Result<(usize, Option<OwnedFd>), ProtoError> {
    let mut cmsg = nix::cmsg_space!([RawFd; 4]);
    loop {
        let mut iov = [IoSliceMut::new(buf)];
        let msg = match recvmsg::<()>(sock, &mut iov, Some(&mut cmsg), MsgFlags::MSG_CMSG_CLOEXEC) {
            Err(nix::Error::EINTR) => continue,
            Err(e) => return Err(e.into()),
            Ok(m) => m,
        };
        let mut fd = None;
        for c in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(fds) = c {
                for raw in fds {
                    // SAFETY: the kernel just installed this fd in our table for us; we are its
                    // only owner.
                    let owned = unsafe { OwnedFd::from_raw_fd(raw) };
                    if fd.is_none() {
                        fd = Some(owned);
                    }
                }
            }
        }
        if msg.flags.contains(MsgFlags::MSG_TRUNC) {
            return Err(ProtoError::TooLarge(msg.bytes));
        }
        if msg.bytes == 0 {
            return Err(ProtoError::Closed);
        }
        return Ok((msg.bytes, fd));
    }
}
