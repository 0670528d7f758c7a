use thiserror::Error;

/// A malformed or unexpected protocol frame, or a transport failure.
#[derive(Debug, Error)]
pub enum ProtoError {
    #[error("frame truncated: wanted {want} more bytes at offset {at}")]
    Truncated { at: usize, want: usize },
    #[error("unknown operation {0}")]
    UnknownOp(u16),
    #[error("protocol version {got} is not the supported version {want}")]
    Version { got: u32, want: u32 },
    #[error("response {got} does not answer request {want}")]
    Mismatch { got: u16, want: u16 },
    #[error("frame too large ({0} bytes)")]
    TooLarge(usize),
    #[error("peer closed the connection")]
    Closed,
    #[error("socket I/O: {0}")]
    Io(#[from] nix::Error),
}
