use thiserror::Error;

/// Failures of the platform itself (never of the guest).
#[derive(Debug, Error)]
pub enum Error {
    #[error("{op} failed: {source}")]
    Host {
        op: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("stub process {pid} exited unexpectedly (status {status:#x})")]
    StubExited { pid: i32, status: i32 },
    #[error("stub process {pid} stopped unexpectedly (status {status:#x})")]
    UnexpectedStop { pid: i32, status: i32 },
    #[error("injected {name} in the stub failed with errno {errno}")]
    Injected { name: &'static str, errno: i32 },
    #[error("address space of another platform")]
    ForeignAddressSpace,
}

impl Error {
    pub(crate) fn last(op: &'static str) -> Error {
        Error::Host {
            op,
            source: std::io::Error::last_os_error(),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
