use super::DirEntry;

/// Writes `linux_dirent64` records for `entries[start..]` into `out` (at most `max` bytes);
/// returns how many entries fit. Each record's `d_off` is the index of the entry after it.
pub fn serialize_dirents(
    entries: &[DirEntry],
    start: usize,
    max: usize,
    out: &mut Vec<u8>,
) -> usize {
    let mut n = 0;
    for (i, e) in entries.iter().enumerate().skip(start) {
        let reclen = (19 + e.name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > max {
            break;
        }
        out.extend_from_slice(&e.ino.to_ne_bytes());
        out.extend_from_slice(&((i + 1) as u64).to_ne_bytes());
        out.extend_from_slice(&(reclen as u16).to_ne_bytes());
        out.push(e.kind);
        out.extend_from_slice(&e.name);
        out.resize(out.len() + reclen - 19 - e.name.len(), 0);
        n += 1;
    }
    n
}
