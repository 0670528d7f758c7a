//! The Gofer: the only process of a sandbox that opens container files on the host. This crate
//! holds the wire protocol both ends speak, the server (run by `runsc gofer`, chrooted into the
//! root it serves), and the client the Sentry's gofer-backed filesystem uses.
//!
//! The server never follows a symlink and never walks `..`: every component is opened with
//! `openat(parent, name, O_PATH|O_NOFOLLOW)`, so nothing outside the served root is reachable.
//! Symlinks are resolved by the Sentry, against the sandbox's own root.

mod client;
mod error;
mod proto;
mod server;
mod transport;
mod wire;

pub use client::{Client, Fid};
pub use error::ProtoError;
pub use proto::{DirEntry, Stat, VERSION};
pub use server::{serve, ServerConfig};
