//! Data from a folder laid out like the platform's responses:
//! `person.json`, `enrollment.json`, `transcript.json`,
//! `datasets/<name>.json`. Used for previews and sample data.

use std::path::{Path, PathBuf};

use crate::data::DataSet;

/// Why a data folder could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: not valid JSON: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: expected a JSON object")]
    NotObject { path: PathBuf },
    #[error("{0}: not a folder")]
    NotDir(PathBuf),
    #[error("{path}: {message}")]
    Text { path: PathBuf, message: String },
}

fn read_json(path: &Path) -> Result<Option<serde_json::Value>, DataDirError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(DataDirError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| DataDirError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    if !v.is_object() {
        return Err(DataDirError::NotObject {
            path: path.to_path_buf(),
        });
    }
    let mut v = v;
    crate::platform::validate::clean(&mut v, "record").map_err(|e| DataDirError::Text {
        path: path.to_path_buf(),
        message: e.detail,
    })?;
    Ok(Some(v))
}

/// Reads every record present in `dir`.
pub fn load(dir: &Path) -> Result<DataSet, DataDirError> {
    if !dir.is_dir() {
        return Err(DataDirError::NotDir(dir.to_path_buf()));
    }
    let mut data = DataSet {
        person: read_json(&dir.join("person.json"))?,
        enrollment: read_json(&dir.join("enrollment.json"))?,
        transcript: read_json(&dir.join("transcript.json"))?,
        ..DataSet::default()
    };
    let ds = dir.join("datasets");
    if ds.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(&ds)
            .map_err(|source| DataDirError::Io {
                path: ds.clone(),
                source,
            })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        entries.sort();
        for p in entries {
            if let (Some(name), Some(v)) = (
                p.file_stem().and_then(|s| s.to_str()).map(str::to_string),
                read_json(&p)?,
            ) {
                data.datasets.insert(name, v);
            }
        }
    }
    Ok(data)
}
