//! The `directory` printer: each job's PDF written into a folder, named by
//! its job id, atomically (written to a hidden temporary file, synced,
//! then renamed). The demo terminal prints here.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::printing::{
    JobId, JobState, JobStatus, PrintJob, Printer, PrinterError, PrinterErrorKind, PrinterFuture, PrinterStatus,
};

/// A printer that writes PDFs into a folder.
#[derive(Debug)]
pub struct DirectoryPrinter {
    dir: PathBuf,
    /// Impressions of the jobs written by this process.
    written: Mutex<HashMap<String, u32>>,
}

impl DirectoryPrinter {
    pub fn new(dir: impl Into<PathBuf>) -> DirectoryPrinter {
        DirectoryPrinter {
            dir: dir.into(),
            written: Mutex::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where a job's file is.
    pub fn file_of(&self, id: &JobId) -> PathBuf {
        self.dir.join(format!("{id}.pdf"))
    }

    fn unusable(&self, reason: impl std::fmt::Display) -> PrinterError {
        PrinterError::new(
            PrinterErrorKind::Misconfigured,
            format!(
                "printer folder {}: {reason}; create it and give the kiosk's user write access, or set printer.dir",
                self.dir.display()
            ),
        )
    }

    /// Ready when the folder exists (it is created if missing) and takes
    /// a file.
    pub fn check(&self) -> Result<PrinterStatus, PrinterError> {
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
        Ok(PrinterStatus::ready_for_pdf_a4())
    }

    /// Writes the job's file; it appears whole or not at all.
    pub fn write(&self, job: &PrintJob) -> Result<JobId, PrinterError> {
        if !job.id_is_valid() {
            return Err(PrinterError::new(
                PrinterErrorKind::Refused,
                format!("job {:?}: a job id must be 1–64 letters, digits, '-' or '_'", job.id),
            ));
        }
        self.check()?;
        let id = JobId(job.id.clone());
        let path = self.file_of(&id);
        if path.exists() {
            return Err(PrinterError::new(
                PrinterErrorKind::Refused,
                format!("job {}: a job with this id was already printed", job.id),
            ));
        }
        let part = self.dir.join(format!(".{}.pdf.part", job.id));
        let io = |p: &Path, e: std::io::Error| PrinterError::new(PrinterErrorKind::Io, format!("{}: {e}", p.display()));
        let write = |p: &Path| -> std::io::Result<()> {
            // A printed document holds a person's data: its owner only.
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(p)?;
            f.write_all(&job.pdf)?;
            f.sync_all()
        };
        if let Err(e) = write(&part) {
            let _ = std::fs::remove_file(&part);
            return Err(io(&part, e));
        }
        if let Err(e) = std::fs::rename(&part, &path) {
            let _ = std::fs::remove_file(&part);
            return Err(io(&path, e));
        }
        let sides = if job.duplex { job.pages.div_ceil(2) } else { job.pages };
        self.written
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(job.id.clone(), sides.saturating_mul(job.copies));
        Ok(id)
    }

    /// A written job is completed; one never written is unknown.
    pub fn look_up(&self, id: &JobId) -> Result<JobStatus, PrinterError> {
        if !self.file_of(id).exists() {
            return Err(PrinterError::new(
                PrinterErrorKind::Refused,
                format!("no job {id} in {}", self.dir.display()),
            ));
        }
        Ok(JobStatus {
            state: JobState::Completed,
            reasons: Vec::new(),
            impressions: self
                .written
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&id.0)
                .copied(),
        })
    }
}

impl Printer for DirectoryPrinter {
    fn describe(&self) -> String {
        format!("directory {}", self.dir.display())
    }

    fn status(&self) -> PrinterFuture<'_, PrinterStatus> {
        Box::pin(std::future::ready(self.check()))
    }

    fn submit<'a>(&'a self, job: &'a PrintJob) -> PrinterFuture<'a, JobId> {
        Box::pin(std::future::ready(self.write(job)))
    }

    fn job<'a>(&'a self, id: &'a JobId) -> PrinterFuture<'a, JobStatus> {
        Box::pin(std::future::ready(self.look_up(id)))
    }

    /// A file once written is printed: there is nothing to cancel.
    fn cancel<'a>(&'a self, _id: &'a JobId) -> PrinterFuture<'a, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
}
