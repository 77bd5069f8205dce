//! Files from outside: platform-shaped records in a folder, department
//! spreadsheets, and key files; and writing a file only its owner may
//! read.

pub mod data_dir;
pub mod keys;
pub mod spreadsheet;

/// Writes a file only its owner can read, whole or not at all: the bytes
/// go to a temporary file beside it, which is synced and renamed over it.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("saving");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
