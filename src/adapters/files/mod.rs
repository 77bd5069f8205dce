//! Files from outside: platform-shaped records in a folder, department
//! spreadsheets, and key files; and writing a file only its owner may
//! read.

pub mod data_dir;
pub mod keys;
pub mod spreadsheet;

/// Writes a file only its owner can read, whole or not at all: the bytes
/// go to a temporary file of its own beside it (a hidden name ending in
/// `.saving`, unique to this write, so writes at once never share one),
/// which is synced and renamed over it; on any failure (a full disk) the
/// temporary file is removed.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // tempfile makes it with mode 0600 and removes it when dropped.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".saving")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
