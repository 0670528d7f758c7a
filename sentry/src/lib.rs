//! The Sentry: a Linux-compatible kernel that runs in user space and implements every system
//! call of the guest programs itself.

pub mod errno;
pub mod kernel;
pub mod loader;
pub mod memory;
pub mod mm;
pub mod random;
pub mod vfs;
