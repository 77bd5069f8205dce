//! The `directory` printer: each job's PDF written into a folder, named by
//! its job id, atomically (written to a hidden temporary file, synced,
//! then renamed). The demo terminal prints here.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::printing::{JobOutcome, PrinterState, PrinterStatus};

/// One job.
#[derive(Debug, Clone, Copy)]
pub struct PrintJob<'a> {
    /// Unique; letters, digits, '-' and '_' (a UUID).
    pub job_id: &'a str,
    pub pdf: &'a [u8],
    pub copies: u32,
    pub pages: u32,
    pub duplex: bool,
}

/// Why the printer cannot take a job.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error("printer folder {dir}: {reason}; create it and give the kiosk's user write access, or set printer.dir")]
    Unusable { dir: PathBuf, reason: String },
    #[error("job {0:?}: a job id must be letters, digits, '-' or '_'")]
    BadJobId(String),
    #[error("job {0}: a job with this id was already printed")]
    Duplicate(String),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// A printer that writes PDFs into a folder.
#[derive(Debug, Clone)]
pub struct DirectoryPrinter {
    dir: PathBuf,
}

impl DirectoryPrinter {
    pub fn new(dir: impl Into<PathBuf>) -> DirectoryPrinter {
        DirectoryPrinter { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn unusable(&self, reason: impl std::fmt::Display) -> PrinterError {
        PrinterError::Unusable {
            dir: self.dir.clone(),
            reason: reason.to_string(),
        }
    }

    /// Ready when the folder exists (it is created if missing) and takes
    /// a file.
    pub fn status(&self) -> Result<PrinterStatus, PrinterError> {
        if !self.dir.exists() {
            std::fs::create_dir_all(&self.dir).map_err(|e| self.unusable(format!("cannot create it: {e}")))?;
        }
        let meta = std::fs::metadata(&self.dir).map_err(|e| self.unusable(e))?;
        if !meta.is_dir() {
            return Err(self.unusable("not a folder"));
        }
        let probe = self.dir.join(format!(".probe-{}", std::process::id()));
        std::fs::File::create(&probe).map_err(|e| self.unusable(format!("cannot write: {e}")))?;
        let _ = std::fs::remove_file(&probe);
        Ok(PrinterStatus {
            state: PrinterState::Idle,
            reasons: Vec::new(),
            accepts_pdf: true,
        })
    }

    /// Writes the job's file; it appears whole or not at all.
    pub fn print(&self, job: &PrintJob<'_>) -> Result<JobOutcome, PrinterError> {
        let id_ok = !job.job_id.is_empty()
            && job.job_id.len() <= 64
            && job
                .job_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(PrinterError::BadJobId(job.job_id.to_string()));
        }
        self.status()?;
        let path = self.dir.join(format!("{}.pdf", job.job_id));
        if path.exists() {
            return Err(PrinterError::Duplicate(job.job_id.to_string()));
        }
        let part = self.dir.join(format!(".{}.pdf.part", job.job_id));
        let write = |p: &Path| -> std::io::Result<()> {
            let mut f = std::fs::File::create(p)?;
            f.write_all(job.pdf)?;
            f.sync_all()
        };
        if let Err(source) = write(&part) {
            let _ = std::fs::remove_file(&part);
            return Err(PrinterError::Write { path: part, source });
        }
        std::fs::rename(&part, &path).map_err(|source| {
            let _ = std::fs::remove_file(&part);
            PrinterError::Write {
                path: path.clone(),
                source,
            }
        })?;
        let sides = if job.duplex { job.pages.div_ceil(2) } else { job.pages };
        Ok(JobOutcome::Printed {
            impressions: Some(sides * job.copies),
        })
    }
}
