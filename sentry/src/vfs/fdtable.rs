use super::OpenFile;
use crate::errno::{Errno, SysResult};
use std::sync::Arc;

/// Hard ceiling on fd numbers, whatever RLIMIT_NOFILE says.
pub const MAX_FDS: usize = 1 << 20;

#[derive(Clone)]
struct Slot {
    file: Arc<OpenFile>,
    cloexec: bool,
}

/// A process's file descriptor table.
#[derive(Clone, Default)]
pub struct FdTable {
    slots: Vec<Option<Slot>>,
}

impl FdTable {
    pub fn get(&self, fd: i32) -> SysResult<Arc<OpenFile>> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i))
            .and_then(|s| s.as_ref())
            .map(|s| s.file.clone())
            .ok_or(Errno::EBADF)
    }

    /// Installs `file` at the lowest free fd that is at least `min` and below `limit`.
    pub fn insert_from(
        &mut self,
        min: usize,
        file: Arc<OpenFile>,
        cloexec: bool,
        limit: usize,
    ) -> SysResult<i32> {
        let limit = limit.min(MAX_FDS);
        let free = (min..self.slots.len()).find(|&i| self.slots[i].is_none());
        let fd = free.unwrap_or(self.slots.len().max(min));
        if fd >= limit {
            return Err(Errno::EMFILE);
        }
        if fd >= self.slots.len() {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd] = Some(Slot { file, cloexec });
        Ok(fd as i32)
    }

    pub fn insert(&mut self, file: Arc<OpenFile>, cloexec: bool, limit: usize) -> SysResult<i32> {
        self.insert_from(0, file, cloexec, limit)
    }

    /// Puts `file` at exactly `fd`, replacing what was there.
    pub fn insert_at(
        &mut self,
        fd: i32,
        file: Arc<OpenFile>,
        cloexec: bool,
        limit: usize,
    ) -> SysResult<()> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        if i >= limit.min(MAX_FDS) {
            return Err(Errno::EBADF);
        }
        if i >= self.slots.len() {
            self.slots.resize(i + 1, None);
        }
        self.slots[i] = Some(Slot { file, cloexec });
        Ok(())
    }

    pub fn remove(&mut self, fd: i32) -> SysResult<Arc<OpenFile>> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        let slot = self
            .slots
            .get_mut(i)
            .and_then(|s| s.take())
            .ok_or(Errno::EBADF)?;
        Ok(slot.file)
    }

    pub fn cloexec(&self, fd: i32) -> SysResult<bool> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i))
            .and_then(|s| s.as_ref())
            .map(|s| s.cloexec)
            .ok_or(Errno::EBADF)
    }

    pub fn set_cloexec(&mut self, fd: i32, on: bool) -> SysResult<()> {
        let slot = usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
            .and_then(|s| s.as_mut())
            .ok_or(Errno::EBADF)?;
        slot.cloexec = on;
        Ok(())
    }
}
