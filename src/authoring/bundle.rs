//! A service handed in as one file: the bundle (docs/templates.md,
//! "Handing in a service"). A zip archive whose `manifest.toml` says what
//! the service is, who made it, what data it reads and the SHA-256 of
//! every file, and whose `service/` folder is the template folder: the
//! template, its pictures, its sample data and spreadsheets.
//!
//! Opening a bundle checks everything before it writes a byte: entry
//! names (no `..`, no absolute path, no link), sizes, counts and hashes.
//! The approval step that follows signs the manifest's content hash.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::template::{TEMPLATE_FILE, Template};

/// The manifest's `format`.
pub const FORMAT: &str = "campus-kiosk-service/1";
/// The manifest's name in the archive.
pub const MANIFEST: &str = "manifest.toml";
/// The folder of the service's files in the archive.
pub const FOLDER: &str = "service";
/// Most files a service may hand in.
pub const MAX_FILES: usize = 200;
/// Most bytes its files may hold together (unpacked).
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;
/// Largest manifest.
const MAX_MANIFEST_BYTES: u64 = 256 * 1024;

/// Why a bundle was not made or not opened.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: {message}")]
    Folder { path: String, message: String },
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
    #[error(
        "the bundle is not a zip archive a service was handed in as ({0}): export it again (the studio's Hand in, or `kiosk template bundle`)"
    )]
    NotABundle(String),
    #[error("bundle entry {entry:?}: {message}")]
    Entry { entry: String, message: String },
    #[error("{MANIFEST}: {0}")]
    Manifest(String),
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
}

/// Who hands the service in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandIn {
    /// The department (职能部处) that owns the service: 学生处.
    pub department: String,
    /// The person who made it, and how to reach them.
    pub author: String,
}

/// A spreadsheet the service reads, as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetDecl {
    pub file: String,
    pub key_column: String,
    pub owner: String,
    pub max_age_days: u32,
}

/// What data the service reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataDecl {
    /// `service.data`: `person`, `enrollment`, `spreadsheet:dorm`, ...
    pub sources: Vec<String>,
    #[serde(default)]
    pub sheets: BTreeMap<String, SheetDecl>,
}

/// One file of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Relative to the template folder, with `/`.
    pub path: String,
    pub bytes: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// The files and their hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    /// `sha256:` and the SHA-256 of the `sha256sum` lines of the files
    /// (`<hex>  <path>\n`, in path order).
    pub hash: String,
    pub files: Vec<FileEntry>,
}

/// `manifest.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub id: String,
    pub version: String,
    pub name_zh: String,
    pub name_en: String,
    pub department: String,
    pub author: String,
    /// When the bundle was made (RFC 3339).
    pub created: String,
    pub data: DataDecl,
    pub content: Content,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The content hash of `files` (see [`Content::hash`]).
pub fn content_hash(files: &[FileEntry]) -> String {
    let mut sorted: Vec<&FileEntry> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut h = Sha256::new();
    for f in sorted {
        h.update(format!("{}  {}\n", f.sha256, f.path).as_bytes());
    }
    format!("sha256:{}", hex(&h.finalize()))
}

/// The bundle's usual file name: `dormitory-certificate-1.0.0.service.zip`.
pub fn file_name(m: &Manifest) -> String {
    format!("{}-{}.service.zip", m.id, m.version)
}

/// Whether `path` names a bundle rather than a template folder.
pub fn is_bundle(path: &Path) -> bool {
    path.is_file()
}

/// A relative path of plain names, with `/`; none for anything else.
fn clean_relative(p: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => parts.push(n.to_str()?.to_string()),
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The files of a template folder: regular files, dot-files left out,
/// within [`MAX_FILES`] and [`MAX_BYTES`]; a link is refused (a template
/// reads only its own folder).
pub fn folder_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>, total: &mut u64) -> Result<(), BundleError> {
        let err = |path: &Path, message: String| BundleError::Folder {
            path: path.display().to_string(),
            message,
        };
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| err(dir, e.to_string()))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = e.file_type().map_err(|x| err(&path, x.to_string()))?;
            if kind.is_symlink() {
                return Err(err(
                    &path,
                    "a link: copy the file itself into the template folder".into(),
                ));
            }
            if kind.is_dir() {
                walk(root, &path, out, total)?;
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .ok()
                .and_then(clean_relative)
                .ok_or_else(|| err(&path, "a file name that is not plain text".into()))?;
            if let Some(c) = rel.chars().find(|c| crate::text::is_forbidden(*c)) {
                return Err(err(
                    Path::new(&crate::text::printable(&path.display().to_string())),
                    format!(
                        "the name holds the invisible or direction-changing character U+{:04X}: rename the file",
                        u32::from(c)
                    ),
                ));
            }
            if out.len() >= MAX_FILES {
                return Err(err(
                    root,
                    format!("more than {MAX_FILES} files: a service needs its template, pictures and sample data only"),
                ));
            }
            let mut bytes = Vec::new();
            std::fs::File::open(&path)
                .and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes))
                .map_err(|x| err(&path, x.to_string()))?;
            *total += bytes.len() as u64;
            if *total > MAX_BYTES {
                return Err(err(
                    root,
                    format!("the files hold more than {} MB together", MAX_BYTES / (1024 * 1024)),
                ));
            }
            out.push((rel, bytes));
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out, &mut 0)?;
    Ok(out)
}

fn entry(path: &str, bytes: &[u8]) -> FileEntry {
    FileEntry {
        path: path.to_string(),
        bytes: bytes.len() as u64,
        sha256: hex(&Sha256::digest(bytes)),
    }
}

/// Packs the template folder `dir` into a bundle; `created` is the
/// bundle's time (RFC 3339). The template must load.
pub fn pack(dir: &Path, who: &HandIn, created: &str) -> Result<(Manifest, Vec<u8>), BundleError> {
    let tpl = Template::load(dir)?;
    let files = folder_files(dir)?;
    let entries: Vec<FileEntry> = files.iter().map(|(p, b)| entry(p, b)).collect();
    let s = &tpl.file.service;
    let manifest = Manifest {
        format: FORMAT.into(),
        id: s.id.clone(),
        version: s.version.clone(),
        name_zh: s.name.zh.clone(),
        name_en: s.name.en.clone(),
        department: who.department.clone(),
        author: who.author.clone(),
        created: created.to_string(),
        data: DataDecl {
            sources: s.data.clone(),
            sheets: tpl
                .file
                .sources
                .iter()
                .map(|(n, src)| {
                    (
                        n.clone(),
                        SheetDecl {
                            file: src.file.clone(),
                            key_column: src.key_column.clone(),
                            owner: src.owner.clone(),
                            max_age_days: src.max_age_days,
                        },
                    )
                })
                .collect(),
        },
        content: Content {
            hash: content_hash(&entries),
            files: entries,
        },
    };
    let text = toml::to_string(&manifest).map_err(|e| BundleError::Manifest(e.to_string()))?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    let write_err = |e: &dyn std::fmt::Display| BundleError::Write {
        path: "(the bundle)".into(),
        message: e.to_string(),
    };
    zip.start_file(MANIFEST, opts).map_err(|e| write_err(&e))?;
    zip.write_all(text.as_bytes()).map_err(|e| write_err(&e))?;
    for (path, bytes) in &files {
        zip.start_file(format!("{FOLDER}/{path}"), opts)
            .map_err(|e| write_err(&e))?;
        zip.write_all(bytes).map_err(|e| write_err(&e))?;
    }
    let bytes = zip.finish().map_err(|e| write_err(&e))?.into_inner();
    Ok((manifest, bytes))
}

/// Reads one entry whole, within `limit` bytes.
fn read_entry(f: &mut impl Read, name: &str, limit: u64) -> Result<Vec<u8>, BundleError> {
    let mut bytes = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| BundleError::Entry {
            entry: name.into(),
            message: e.to_string(),
        })?;
    if bytes.len() as u64 > limit {
        return Err(BundleError::Entry {
            entry: name.into(),
            message: format!("larger than the {limit} bytes allowed"),
        });
    }
    Ok(bytes)
}

/// Checks a bundle's bytes and writes its service's files into
/// `parent/<id>`, the template folder (named, as every template folder
/// is, after the service). Nothing is written unless every check passes.
pub fn unpack(bytes: &[u8], parent: &Path) -> Result<(Manifest, PathBuf), BundleError> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| BundleError::NotABundle(e.to_string()))?;
    if zip.len() > MAX_FILES + 1 {
        return Err(BundleError::NotABundle(format!(
            "{} entries, more than a service may hand in ({MAX_FILES})",
            zip.len()
        )));
    }
    // One entry of each name: with two manifests (or two of a file),
    // which one counts would depend on the reader (unzip takes the last).
    if zip.has_duplicate_names() {
        let names: Vec<String> = zip
            .file_names()
            .filter_map(Result::ok)
            .map(|n| n.into_owned())
            .collect();
        let which = if names.iter().any(|n| n == MANIFEST) {
            format!("{MANIFEST} (or another file)")
        } else {
            "a file".to_string()
        };
        return Err(BundleError::NotABundle(format!(
            "it holds {which} twice under one name: a bundle has one of each; export it again from the studio"
        )));
    }
    // Names that display differently from what they are (bidi overrides,
    // invisible or control characters) are refused before anything else.
    if let Some((name, bad)) = zip.file_names().filter_map(Result::ok).find_map(|n| {
        n.chars()
            .find(|c| crate::text::is_forbidden(*c))
            .map(|c| (n.clone(), c))
    }) {
        return Err(BundleError::Entry {
            entry: crate::text::printable(&name),
            message: format!(
                "its name holds the invisible or direction-changing character U+{:04X}: rename the file and export again",
                u32::from(bad)
            ),
        });
    }
    let manifest_bytes = {
        let mut f = zip
            .by_name(MANIFEST)
            .map_err(|_| BundleError::NotABundle(format!("it has no {MANIFEST}")))?;
        read_entry(&mut f, MANIFEST, MAX_MANIFEST_BYTES)?
    };
    let text = std::str::from_utf8(&manifest_bytes).map_err(|_| BundleError::Manifest("not UTF-8 text".into()))?;
    let manifest: Manifest = toml::from_str(text).map_err(|e| BundleError::Manifest(e.message().to_string()))?;
    if crate::data::Source::parse(&format!("dataset:{}", manifest.id)).is_none() {
        return Err(BundleError::Manifest(format!(
            "id {:?}: a service id is lower-case letters, digits and -",
            manifest.id
        )));
    }
    let into = parent.join(&manifest.id);
    if manifest.format != FORMAT {
        return Err(BundleError::Manifest(format!(
            "format {:?}: this kiosk reads {FORMAT:?}",
            manifest.format
        )));
    }
    let declared: BTreeMap<&str, &FileEntry> = manifest.content.files.iter().map(|f| (f.path.as_str(), f)).collect();
    if declared.len() != manifest.content.files.len() {
        return Err(BundleError::Manifest("a file is listed twice".into()));
    }
    if content_hash(&manifest.content.files) != manifest.content.hash {
        return Err(BundleError::Manifest(
            "content.hash does not match the files listed: the manifest was altered".into(),
        ));
    }
    let total: u64 = manifest.content.files.iter().map(|f| f.bytes).sum();
    if total > MAX_BYTES || manifest.content.files.len() > MAX_FILES {
        return Err(BundleError::Manifest(format!(
            "the files listed hold {total} bytes in {} files, more than a service may hand in",
            manifest.content.files.len()
        )));
    }
    // Every entry checked and read before anything is written.
    let mut found: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|e| BundleError::NotABundle(e.to_string()))?;
        let name = f
            .name()
            .map(|n| n.to_string())
            .map_err(|e| BundleError::NotABundle(format!("entry {}: {e}", i + 1)))?;
        let bad = |message: &str| BundleError::Entry {
            entry: name.clone(),
            message: message.into(),
        };
        if name == MANIFEST {
            continue;
        }
        if f.is_dir() {
            continue;
        }
        if f.is_symlink() {
            return Err(bad("a link: a bundle holds files only"));
        }
        let Some(rel) = f
            .enclosed_name()
            .as_deref()
            .and_then(|p| p.strip_prefix(FOLDER).ok())
            .and_then(clean_relative)
        else {
            return Err(bad(
                "not inside the service/ folder (or a name with .. or an absolute path)",
            ));
        };
        let Some(want) = declared.get(rel.as_str()) else {
            return Err(bad("not listed in the manifest"));
        };
        let data = read_entry(&mut f, &name, want.bytes)?;
        if data.len() as u64 != want.bytes || hex(&Sha256::digest(&data)) != want.sha256 {
            return Err(bad(
                "its content is not the one the manifest lists: the file was altered",
            ));
        }
        if found.iter().any(|(p, _)| *p == Path::new(&rel)) {
            return Err(bad("the archive holds it twice"));
        }
        found.push((PathBuf::from(&rel), data));
    }
    if found.len() != declared.len() {
        let have: Vec<String> = found
            .iter()
            .map(|(p, _)| p.to_string_lossy().replace('\\', "/"))
            .collect();
        let missing: Vec<&str> = declared
            .keys()
            .filter(|k| !have.iter().any(|h| h == *k))
            .copied()
            .collect();
        return Err(BundleError::Manifest(format!(
            "listed but not in the archive: {}",
            missing.join(", ")
        )));
    }
    if !found.iter().any(|(p, _)| *p == Path::new(TEMPLATE_FILE)) {
        return Err(BundleError::Manifest(format!("the service has no {TEMPLATE_FILE}")));
    }
    for (rel, data) in &found {
        let path = into.join(rel);
        let write_err = |e: std::io::Error| BundleError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_err)?;
        }
        std::fs::write(&path, data).map_err(write_err)?;
    }
    // The template inside is the one the manifest names (one that does
    // not load is for `kiosk template check` to explain).
    if let Ok(tpl) = Template::load(&into)
        && (tpl.file.service.id != manifest.id || tpl.file.service.version != manifest.version)
    {
        return Err(BundleError::Manifest(format!(
            "it names {} {}, but its template is {} {}",
            manifest.id, manifest.version, tpl.file.service.id, tpl.file.service.version
        )));
    }
    Ok((manifest, into))
}
