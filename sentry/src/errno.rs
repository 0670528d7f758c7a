//! Guest-visible failures are Linux errno values, defined once: nix's `Errno` (the host is
//! Linux on x86-64, so its values are the guest ABI's).

pub use nix::errno::Errno;

/// The result of a guest-facing operation.
pub type SysResult<T = u64> = Result<T, Errno>;
