//! The memory file: one memfd that holds every page of guest memory, mapped whole into the
//! Sentry so that guest memory is reached with a memcpy at a known offset.

mod allocator;
mod memfile;

pub use memfile::MemoryFile;

/// Size of a page of guest memory.
pub const PAGE_SIZE: u64 = 4096;

pub fn page_down(v: u64) -> u64 {
    v & !(PAGE_SIZE - 1)
}

/// Rounds up to a page boundary; `None` on overflow.
pub fn page_up(v: u64) -> Option<u64> {
    v.checked_add(PAGE_SIZE - 1).map(page_down)
}
