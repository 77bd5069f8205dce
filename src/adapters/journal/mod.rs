//! The journal: every print attempt, in a local SQLite database (WAL,
//! synchronous = FULL), as a state machine
//!
//! ```text
//! created ─▶ rendered ─▶ submitted ─▶ printed | failed | cancelled | unknown
//!    └──────────┴──────────────────▶ failed (nothing was sent)
//! ```
//!
//! Each step is written, durably, *before* the action it describes: an
//! attempt is `submitted` before the job goes to the printer, so a crash
//! can leave an attempt behind but never a job the journal does not know.
//! At start-up, attempts in a non-final state are reconciled (`reconcile`).
//!
//! It holds ids, the service, the person's id, pages, copies, the PDF's
//! SHA-256, the template's version, times, the outcome and the rating:
//! never document content. A printed document's seal (the QR code's text,
//! which holds its certified fields) waits here only until the platform has
//! the record (contract 1.1 reports it), and is dropped then. The person's
//! id is forgotten once the platform has the record and it is older than
//! `[journal] keep_person_days` (`keep_forgetting`).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::journal::End;
pub use crate::journal::{Attempt, JournalError, Made, Stage};
use crate::printing::{JobId, JobOutcome};

mod reconcile;
mod stats;

pub use reconcile::{keep_forgetting, reconcile};
pub use stats::{Counts, QuotaUse, Stats, Tallies};

/// A new record id: a random UUID (version 4).
#[allow(
    clippy::disallowed_methods,
    reason = "the time is only a fallback for uniqueness when the system gives no randomness"
)]
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    // Without randomness, fall back on the time and the process: still
    // unique on one terminal.
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        b = (t ^ (u128::from(std::process::id()) << 96)).to_be_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::seal::hex(&b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// The journal in SQLite. One connection, shared by the threads that print.
pub struct SqliteJournal {
    path: PathBuf,
    conn: std::sync::Mutex<Connection>,
    /// Ends the database could not take (a full disk): written at the next
    /// chance, so the record says what happened, not "interrupted".
    pending: std::sync::Mutex<Vec<(String, JobOutcome, String)>>,
}

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY,
    terminal TEXT NOT NULL,
    service TEXT NOT NULL,
    person TEXT NOT NULL,
    document TEXT,
    pages INTEGER NOT NULL DEFAULT 0,
    copies INTEGER NOT NULL,
    content_sha256 TEXT,
    stage TEXT NOT NULL,
    printer_job TEXT,
    reason TEXT,
    impressions INTEGER,
    rating INTEGER,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    posted INTEGER NOT NULL DEFAULT 0,
    seal TEXT,
    template_version TEXT
);
CREATE TABLE IF NOT EXISTS steps (
    attempt TEXT NOT NULL,
    stage TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_stage ON attempts(stage);
CREATE INDEX IF NOT EXISTS attempts_person ON attempts(person, service);
";

impl SqliteJournal {
    /// Opens (creating if needed) the journal at `path`.
    pub fn open(path: &Path) -> Result<SqliteJournal, JournalError> {
        let db_err = |source| JournalError::Db {
            path: path.to_path_buf(),
            source: Box::new(source),
        };
        // Created readable by its owner only (it holds person ids): the
        // file first, then SQLite's WAL and shared-memory files beside it.
        {
            use std::os::unix::fs::OpenOptionsExt;
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path);
        }
        let db = Connection::open(path).map_err(db_err)?;
        db.pragma_update(None, "journal_mode", "WAL").map_err(db_err)?;
        db.pragma_update(None, "synchronous", "FULL").map_err(db_err)?;
        db.busy_timeout(std::time::Duration::from_secs(5)).map_err(db_err)?;
        db.execute_batch(SCHEMA).map_err(db_err)?;
        // Journals made before the platform took seals gain their columns.
        let columns: Vec<String> = db
            .prepare("SELECT name FROM pragma_table_info('attempts')")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .map_err(db_err)?;
        for column in ["seal", "template_version"] {
            if !columns.iter().any(|c| c == column) {
                db.execute_batch(&format!("ALTER TABLE attempts ADD COLUMN {column} TEXT"))
                    .map_err(db_err)?;
            }
        }
        {
            use std::os::unix::fs::PermissionsExt;
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                let p = std::path::PathBuf::from(p);
                if let Ok(meta) = std::fs::metadata(&p)
                    && meta.permissions().mode() & 0o077 != 0
                {
                    let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
                }
            }
        }
        Ok(SqliteJournal {
            path: path.to_path_buf(),
            conn: std::sync::Mutex::new(db),
            pending: std::sync::Mutex::new(Vec::new()),
        })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn err(&self, source: rusqlite::Error) -> JournalError {
        JournalError::Db {
            path: self.path.clone(),
            source: Box::new(source),
        }
    }

    /// A new attempt, before anything is rendered: its id.
    pub fn create(
        &self,
        terminal: &str,
        service: &str,
        person: &str,
        copies: u32,
        at: &str,
    ) -> Result<String, JournalError> {
        self.create_within(terminal, service, person, copies, at, None)
    }

    /// A new attempt, if `quota` allows it: `(limit, term_start)`, the
    /// copies allowed per term and the term's first day (YYYY-MM-DD). The
    /// count and the new attempt are one transaction.
    pub fn create_within(
        &self,
        terminal: &str,
        service: &str,
        person: &str,
        copies: u32,
        at: &str,
        quota: Option<(u32, &str)>,
    ) -> Result<String, JournalError> {
        self.flush_pending();
        let id = new_id();
        let mut db = self.db();
        let tx = db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        if let Some((limit, since)) = quota {
            let used = printed_copies(&tx, person, service, since).map_err(|e| self.err(e))?;
            if u64::from(used) + u64::from(copies) > u64::from(limit) {
                return Err(JournalError::QuotaReached { used, limit });
            }
        }
        tx.execute(
            "INSERT INTO attempts (id, terminal, service, person, copies, stage, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'created', ?6)",
            params![id, terminal, service, person, copies, at],
        )
        .map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT INTO steps (attempt, stage, at) VALUES (?1, 'created', ?2)",
            params![id, at],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Adds attempts as they are, in one transaction (moving records
    /// between journals, benchmarks). Their steps are not kept.
    pub fn import(&self, attempts: &[Attempt]) -> Result<(), JournalError> {
        let mut db = self.db();
        let tx = db.transaction().map_err(|e| self.err(e))?;
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO attempts (id, terminal, service, person, document, pages, copies, content_sha256,
                     stage, printer_job, reason, impressions, rating, created_at, finished_at, posted,
                     seal, template_version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                )
                .map_err(|e| self.err(e))?;
            for a in attempts {
                st.execute(params![
                    a.id,
                    a.terminal,
                    a.service,
                    a.person,
                    a.document,
                    a.pages,
                    a.copies,
                    a.content_sha256,
                    a.stage.as_str(),
                    a.printer_job,
                    a.reason,
                    a.impressions,
                    a.rating,
                    a.created_at,
                    a.finished_at,
                    a.posted,
                    a.seal.as_deref().filter(|_| !a.posted),
                    a.template_version
                ])
                .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Copies of `service` printed for `person` from the day `since`
    /// (YYYY-MM-DD, the terminal's local day) on: only printed attempts
    /// count.
    pub fn printed_copies(&self, person: &str, service: &str, since: &str) -> Result<u32, JournalError> {
        printed_copies(&self.db(), person, service, since).map_err(|e| self.err(e))
    }

    /// Of those, the copies whose records the platform does not have yet.
    pub fn undelivered_copies(&self, person: &str, service: &str, since: &str) -> Result<u32, JournalError> {
        copies_where(&self.db(), person, service, since, "AND posted = 0").map_err(|e| self.err(e))
    }

    fn move_to(
        &self,
        id: &str,
        from: &[Stage],
        to: Stage,
        at: &str,
        set: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<(), JournalError> {
        // The check and the write are one transaction, taken for writing
        // from the start: no other process can move the attempt between.
        let db = self.db();
        let tx = rusqlite::Transaction::new_unchecked(&db, rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let stage: String = tx
            .query_row("SELECT stage FROM attempts WHERE id = ?1", params![id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| JournalError::Unknown(id.to_string()))?;
        if !from.contains(&Stage::parse(&stage)) {
            return Err(JournalError::Transition {
                id: id.to_string(),
                state: stage,
                to: to.as_str(),
            });
        }
        let sql = format!("UPDATE attempts SET stage = ?1{set} WHERE id = ?2");
        let stage = to.as_str();
        let mut all: Vec<&dyn rusqlite::ToSql> = vec![&stage, &id];
        all.extend_from_slice(values);
        tx.execute(&sql, all.as_slice()).map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT INTO steps (attempt, stage, at) VALUES (?1, ?2, ?3)",
            params![id, to.as_str(), at],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// The document is made: its id, pages, the PDF's SHA-256, its seal
    /// (kept until the platform has the record) and the template's version.
    pub fn rendered(&self, id: &str, made: &Made<'_>, at: &str) -> Result<(), JournalError> {
        self.move_to(
            id,
            &[Stage::Created],
            Stage::Rendered,
            at,
            ", document = ?3, pages = ?4, content_sha256 = ?5, seal = ?6, template_version = ?7",
            &[
                &made.document,
                &made.pages,
                &made.sha256,
                &made.seal,
                &made.template_version,
            ],
        )
    }

    /// About to hand the job over (written before it is).
    pub fn submitting(&self, id: &str, at: &str) -> Result<(), JournalError> {
        self.move_to(id, &[Stage::Rendered], Stage::Submitted, at, "", &[])
    }

    /// The printer's id for the job, once it has one.
    pub fn printer_job(&self, id: &str, job: &JobId) -> Result<(), JournalError> {
        self.db()
            .execute("UPDATE attempts SET printer_job = ?1 WHERE id = ?2", params![job.0, id])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// How it ended. If the database cannot take it now (its disk is
    /// full), the end is kept and written at the next chance: before the
    /// next attempt, the outbox's next round, or reconciling.
    pub fn finished(&self, id: &str, outcome: &JobOutcome, at: &str) -> Result<(), JournalError> {
        let r = self.write_end(id, outcome, at);
        if matches!(r, Err(JournalError::Db { .. })) {
            self.pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((id.to_string(), outcome.clone(), at.to_string()));
        }
        r
    }

    /// Writes the ends kept by [`SqliteJournal::finished`]; those the database
    /// still cannot take stay kept.
    pub fn flush_pending(&self) {
        let kept = std::mem::take(&mut *self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let mut still = Vec::new();
        for (id, outcome, at) in kept {
            if let Err(JournalError::Db { .. }) = self.write_end(&id, &outcome, &at) {
                still.push((id, outcome, at));
            }
        }
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(still);
    }

    fn write_end(&self, id: &str, outcome: &JobOutcome, at: &str) -> Result<(), JournalError> {
        let End {
            stage,
            reason,
            impressions,
            from,
        } = End::of(outcome);
        self.move_to(
            id,
            from,
            stage,
            at,
            ", reason = ?3, impressions = ?4, finished_at = ?5",
            &[&reason, &impressions, &at],
        )
    }

    /// The person's 1–5 rating.
    pub fn rate(&self, id: &str, rating: u8) -> Result<(), JournalError> {
        self.db()
            .execute(
                "UPDATE attempts SET rating = ?1 WHERE id = ?2",
                params![rating.clamp(1, 5), id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Attempt> {
        Ok(Attempt {
            id: r.get("id")?,
            terminal: r.get("terminal")?,
            service: r.get("service")?,
            person: r.get("person")?,
            document: r.get("document")?,
            pages: r.get("pages")?,
            copies: r.get("copies")?,
            content_sha256: r.get("content_sha256")?,
            stage: Stage::parse(&r.get::<_, String>("stage")?),
            printer_job: r.get("printer_job")?,
            reason: r.get("reason")?,
            impressions: r.get("impressions")?,
            rating: r.get("rating")?,
            created_at: r.get("created_at")?,
            finished_at: r.get("finished_at")?,
            posted: r.get::<_, i64>("posted")? != 0,
            seal: r.get("seal")?,
            template_version: r.get("template_version")?,
        })
    }

    /// One attempt.
    pub fn get(&self, id: &str) -> Result<Attempt, JournalError> {
        self.db()
            .query_row("SELECT * FROM attempts WHERE id = ?1", params![id], Self::row)
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| JournalError::Unknown(id.to_string()))
    }

    fn query(&self, sql: &str) -> Result<Vec<Attempt>, JournalError> {
        let db = self.db();
        let mut st = db.prepare(sql).map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], Self::row)
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Every attempt, oldest first.
    pub fn all(&self) -> Result<Vec<Attempt>, JournalError> {
        self.query("SELECT * FROM attempts ORDER BY created_at, rowid")
    }

    /// Attempts left in a non-final state (by a crash or a power cut).
    pub fn unfinished(&self) -> Result<Vec<Attempt>, JournalError> {
        self.flush_pending();
        self.query("SELECT * FROM attempts WHERE stage IN ('created', 'rendered', 'submitted') ORDER BY rowid")
    }

    /// Final attempts the platform has not acknowledged yet.
    pub fn outbox(&self) -> Result<Vec<Attempt>, JournalError> {
        self.flush_pending();
        self.query(
            "SELECT * FROM attempts WHERE posted = 0 AND stage IN ('printed', 'failed', 'cancelled', 'unknown') ORDER BY rowid",
        )
    }

    /// Forgets the person in records the platform has taken that were
    /// made before the day `before` (YYYY-MM-DD): their counts stay, the
    /// id goes. How many were forgotten.
    pub fn forget_people(&self, before: &str) -> Result<usize, JournalError> {
        self.db()
            .execute(
                "UPDATE attempts SET person = '' WHERE posted = 1 AND person != ''
                 AND stage IN ('printed', 'failed', 'cancelled', 'unknown')
                 AND substr(created_at, 1, 10) < ?1",
                params![before],
            )
            .map_err(|e| self.err(e))
    }

    /// The platform has the record: the seal, which holds the certified
    /// fields, is dropped with it.
    pub fn posted(&self, id: &str) -> Result<(), JournalError> {
        self.db()
            .execute("UPDATE attempts SET posted = 1, seal = NULL WHERE id = ?1", params![id])
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

impl crate::journal::Journal for SqliteJournal {
    fn create_within(
        &self,
        terminal: &str,
        service: &str,
        person: &str,
        copies: u32,
        at: &str,
        quota: Option<(u32, &str)>,
    ) -> Result<String, JournalError> {
        SqliteJournal::create_within(self, terminal, service, person, copies, at, quota)
    }
    fn rendered(&self, id: &str, made: &Made<'_>, at: &str) -> Result<(), JournalError> {
        SqliteJournal::rendered(self, id, made, at)
    }
    fn submitting(&self, id: &str, at: &str) -> Result<(), JournalError> {
        SqliteJournal::submitting(self, id, at)
    }
    fn printer_job(&self, id: &str, job: &JobId) -> Result<(), JournalError> {
        SqliteJournal::printer_job(self, id, job)
    }
    fn finished(&self, id: &str, outcome: &JobOutcome, at: &str) -> Result<(), JournalError> {
        SqliteJournal::finished(self, id, outcome, at)
    }
    fn rate(&self, id: &str, rating: u8) -> Result<(), JournalError> {
        SqliteJournal::rate(self, id, rating)
    }
    fn printed_copies(&self, person: &str, service: &str, since: &str) -> Result<u32, JournalError> {
        SqliteJournal::printed_copies(self, person, service, since)
    }
    fn undelivered_copies(&self, person: &str, service: &str, since: &str) -> Result<u32, JournalError> {
        SqliteJournal::undelivered_copies(self, person, service, since)
    }
    fn get(&self, id: &str) -> Result<Attempt, JournalError> {
        SqliteJournal::get(self, id)
    }
    fn outbox(&self) -> Result<Vec<Attempt>, JournalError> {
        SqliteJournal::outbox(self)
    }
}

fn printed_copies(db: &Connection, person: &str, service: &str, since: &str) -> rusqlite::Result<u32> {
    copies_where(db, person, service, since, "")
}

/// Printed copies of `service` for `person` from `since`, with `also` (a
/// fixed SQL condition) added.
fn copies_where(db: &Connection, person: &str, service: &str, since: &str, also: &str) -> rusqlite::Result<u32> {
    let n: i64 = db.query_row(
        &format!(
            "SELECT COALESCE(SUM(copies), 0) FROM attempts
             WHERE stage = 'printed' AND person = ?1 AND service = ?2 AND substr(created_at, 1, 10) >= ?3 {also}"
        ),
        params![person, service, since],
        |r| r.get(0),
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printing::JobState;
    use crate::printing::fake::{self, FakePrinter};

    const AT: &str = "2026-11-23T09:30:00+08:00";

    fn journal() -> (tempfile::TempDir, SqliteJournal) {
        let tmp = tempfile::tempdir().unwrap();
        let j = SqliteJournal::open(&tmp.path().join("journal.sqlite")).unwrap();
        (tmp, j)
    }

    #[test]
    fn the_journal_and_its_wal_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let (tmp, j) = journal();
        j.create("T-1", "transcript-zh", "2023011234", 1, AT).unwrap();
        for f in ["journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"] {
            let mode = std::fs::metadata(tmp.path().join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{f}: mode {mode:o}");
        }
    }

    #[test]
    fn an_attempt_goes_through_its_steps_and_only_forward() {
        let (_tmp, j) = journal();
        let id = j.create("T-1", "transcript-zh", "2023011234", 2, AT).unwrap();
        assert_eq!(j.get(&id).unwrap().stage, Stage::Created);
        assert!(matches!(j.submitting(&id, AT), Err(JournalError::Transition { .. })));
        j.rendered(&id, &Made::unsealed("DOC1", 2, "ab12"), AT).unwrap();
        j.submitting(&id, AT).unwrap();
        j.printer_job(&id, &JobId("7".into())).unwrap();
        j.finished(&id, &JobOutcome::Printed { impressions: Some(4) }, AT)
            .unwrap();
        let a = j.get(&id).unwrap();
        assert_eq!(
            (a.stage, a.impressions, a.pages, a.copies),
            (Stage::Printed, Some(4), 2, 2)
        );
        assert!(matches!(
            j.finished(&id, &JobOutcome::Cancelled, AT),
            Err(JournalError::Transition { .. })
        ));
        assert_eq!(j.outbox().unwrap().len(), 1);
        j.posted(&id).unwrap();
        assert!(j.outbox().unwrap().is_empty());
        let r = a.record();
        assert_eq!((r.status.as_str(), r.pages, r.copies), ("printed", 2, 2));
    }

    #[test]
    fn a_seal_is_kept_only_until_the_platform_has_the_record() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("journal.sqlite");
        // A journal from before seals were reported: it gains the columns.
        {
            let old = Connection::open(&path).unwrap();
            old.execute_batch(&SCHEMA.replace(",\n    seal TEXT,\n    template_version TEXT", ""))
                .unwrap();
            old.execute(
                "INSERT INTO attempts (id, terminal, service, person, copies, stage, created_at)
                 VALUES ('old', 'T-1', 'transcript-zh', 'p', 1, 'failed', ?1)",
                params![AT],
            )
            .unwrap();
        }
        let j = SqliteJournal::open(&path).unwrap();
        assert_eq!(j.get("old").unwrap().seal, None);
        let id = j.create("T-1", "transcript-zh", "2023011234", 1, AT).unwrap();
        let made = Made {
            document: "DOC1",
            pages: 2,
            sha256: "ab",
            seal: Some("HTTPS://V.EXAMPLE/V#SEAL"),
            template_version: Some("1.2.0"),
        };
        j.rendered(&id, &made, AT).unwrap();
        j.submitting(&id, AT).unwrap();
        j.finished(&id, &JobOutcome::Printed { impressions: Some(2) }, AT)
            .unwrap();
        let r = j.get(&id).unwrap().record();
        assert_eq!(r.seal.as_deref(), Some("HTTPS://V.EXAMPLE/V#SEAL"));
        assert_eq!(r.template_version.as_deref(), Some("1.2.0"));
        assert_eq!(
            j.undelivered_copies("2023011234", "transcript-zh", "2026-09-01")
                .unwrap(),
            1
        );
        j.posted(&id).unwrap();
        let a = j.get(&id).unwrap();
        assert_eq!((a.seal, a.template_version.as_deref()), (None, Some("1.2.0")));
        assert_eq!(
            j.undelivered_copies("2023011234", "transcript-zh", "2026-09-01")
                .unwrap(),
            0
        );
        assert_eq!(
            j.printed_copies("2023011234", "transcript-zh", "2026-09-01").unwrap(),
            1
        );
        // A document that did not print is not reported with its seal.
        let failed = j.create("T-1", "transcript-zh", "2023011234", 1, AT).unwrap();
        j.rendered(&failed, &made, AT).unwrap();
        j.finished(
            &failed,
            &JobOutcome::Failed {
                reason: "offline".into(),
            },
            AT,
        )
        .unwrap();
        assert_eq!(j.get(&failed).unwrap().record().seal, None);
    }

    #[test]
    fn an_end_the_disk_could_not_take_is_written_once_it_can() {
        let (_tmp, j) = journal();
        let id = j.create("T-1", "transcript-zh", "2023011234", 1, AT).unwrap();
        j.rendered(&id, &Made::unsealed("D", 1, "x"), AT).unwrap();
        j.submitting(&id, AT).unwrap();
        // The database takes no writes, as on a full disk.
        j.db().pragma_update(None, "query_only", true).unwrap();
        let failed = JobOutcome::Failed {
            reason: "media-empty".into(),
        };
        assert!(matches!(j.finished(&id, &failed, AT), Err(JournalError::Db { .. })));
        assert_eq!(
            j.unfinished().unwrap().len(),
            1,
            "still unfinished while the disk is full"
        );
        // Space again: the next look writes what happened.
        j.db().pragma_update(None, "query_only", false).unwrap();
        assert!(j.unfinished().unwrap().is_empty());
        let a = j.get(&id).unwrap();
        assert_eq!((a.stage, a.reason.as_deref()), (Stage::Failed, Some("media-empty")));
        assert_eq!(j.outbox().unwrap().len(), 1);
    }

    #[test]
    fn an_attempt_ends_once_however_many_writers_race() {
        let (tmp, j) = journal();
        let path = tmp.path().join("journal.sqlite");
        for _ in 0..20 {
            let id = j.create("T-1", "transcript-zh", "2023011234", 1, AT).unwrap();
            j.rendered(&id, &Made::unsealed("D", 1, "x"), AT).unwrap();
            j.submitting(&id, AT).unwrap();
            let ended: usize = std::thread::scope(|s| {
                let outcomes = [
                    JobOutcome::Printed { impressions: None },
                    JobOutcome::Cancelled,
                    JobOutcome::Failed { reason: "x".into() },
                    JobOutcome::Unknown { reason: "y".into() },
                ];
                let handles: Vec<_> = outcomes
                    .into_iter()
                    .map(|o| {
                        let (path, id) = (&path, &id);
                        s.spawn(move || SqliteJournal::open(path).unwrap().finished(id, &o, AT).is_ok())
                    })
                    .collect();
                handles.into_iter().map(|h| usize::from(h.join().unwrap())).sum()
            });
            assert_eq!(ended, 1, "an attempt ended {ended} times");
            assert_eq!(
                j.db()
                    .query_row("SELECT COUNT(*) FROM steps WHERE attempt = ?1", params![id], |r| r
                        .get::<_, i64>(0))
                    .unwrap(),
                4,
                "created, rendered, submitted and one end"
            );
        }
    }

    fn printed(j: &SqliteJournal, service: &str, person: &str, copies: u32, at: &str) -> String {
        let id = j.create("T-1", service, person, copies, at).unwrap();
        j.rendered(&id, &Made::unsealed("D", 1, "x"), at).unwrap();
        j.submitting(&id, at).unwrap();
        j.finished(&id, &JobOutcome::Printed { impressions: None }, at).unwrap();
        id
    }

    #[test]
    fn quotas_count_printed_copies_of_the_term_only() {
        let (_tmp, j) = journal();
        let term = "2026-08-01";
        // Last term, another service, another person: not counted.
        printed(&j, "transcript-zh", "p1", 5, "2026-07-31T10:00:00+08:00");
        printed(&j, "transcript-en", "p1", 5, AT);
        printed(&j, "transcript-zh", "p2", 5, AT);
        printed(&j, "transcript-zh", "p1", 2, AT);
        // Failed and cancelled attempts are not counted.
        let failed = j.create("T-1", "transcript-zh", "p1", 3, AT).unwrap();
        j.finished(
            &failed,
            &JobOutcome::Failed {
                reason: "media-empty".into(),
            },
            AT,
        )
        .unwrap();
        assert_eq!(j.printed_copies("p1", "transcript-zh", term).unwrap(), 2);

        // 2 of 4 used: 2 more may be printed, 3 may not.
        let within = Some((4, term));
        assert!(matches!(
            j.create_within("T-1", "transcript-zh", "p1", 3, AT, within),
            Err(JournalError::QuotaReached { used: 2, limit: 4 })
        ));
        let id = j.create_within("T-1", "transcript-zh", "p1", 2, AT, within).unwrap();
        assert_eq!(j.get(&id).unwrap().stage, Stage::Created);

        let u = j.quota_use("transcript-zh", 5, term).unwrap();
        assert_eq!((u.people, u.copies, u.at_limit, u.most), (2, 7, 1, 5));
    }

    #[test]
    fn people_are_forgotten_only_in_old_records_the_platform_has() {
        let (_tmp, j) = journal();
        let old_posted = printed(&j, "transcript-zh", "p1", 1, "2025-01-10T10:00:00+08:00");
        j.posted(&old_posted).unwrap();
        let old_unposted = printed(&j, "transcript-zh", "p1", 1, "2025-01-10T10:00:00+08:00");
        let recent = printed(&j, "transcript-zh", "p1", 1, AT);
        j.posted(&recent).unwrap();
        assert_eq!(j.forget_people("2025-11-01").unwrap(), 1);
        assert_eq!(j.get(&old_posted).unwrap().person, "");
        assert_eq!(j.get(&old_unposted).unwrap().person, "p1", "the outbox still needs it");
        assert_eq!(j.get(&recent).unwrap().person, "p1");
        // The counts stay.
        assert_eq!(j.stats(None).unwrap().total.printed, 3);
        assert_eq!(j.forget_people("2025-11-01").unwrap(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_terminal_forgets_people_after_the_days_it_keeps_them() {
        let tmp = tempfile::tempdir().unwrap();
        let j = std::sync::Arc::new(SqliteJournal::open(&tmp.path().join("journal.sqlite")).unwrap());
        let old = printed(&j, "transcript-zh", "p1", 1, "2025-10-01T10:00:00+08:00");
        j.posted(&old).unwrap();
        let kept = printed(&j, "transcript-zh", "p2", 1, "2025-10-30T10:00:00+08:00");
        j.posted(&kept).unwrap();
        // 2026-11-23 09:30 at +08:00, keeping 400 days: before 2025-10-19.
        let clock = std::sync::Arc::new(crate::core::clock::ManualClock::new(
            time::macros::datetime!(2026-11-23 01:30 UTC),
        ));
        let task = tokio::spawn(keep_forgetting(
            j.clone(),
            clock.clone(),
            time::macros::offset!(+8),
            400,
        ));
        tokio::task::yield_now().await;
        assert_eq!(j.get(&old).unwrap().person, "");
        assert_eq!(j.get(&kept).unwrap().person, "p2");
        // Six hours and 12 days later, the next look forgets the other.
        clock.advance(12 * 86_400_000);
        tokio::time::sleep(std::time::Duration::from_secs(6 * 3600 + 1)).await;
        assert_eq!(j.get(&kept).unwrap().person, "");
        task.abort();
    }

    #[test]
    fn imported_attempts_read_back_as_they_were() {
        let (_tmp, j) = journal();
        let id = printed(&j, "transcript-zh", "p1", 2, AT);
        j.rate(&id, 4).unwrap();
        let a = j.get(&id).unwrap();
        let (_tmp2, k) = journal();
        k.import(std::slice::from_ref(&a)).unwrap();
        assert_eq!(k.all().unwrap(), vec![a]);
        assert_eq!(k.printed_copies("p1", "transcript-zh", "2026-01-01").unwrap(), 2);
    }

    #[test]
    fn ids_are_version_4_uuids_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[tokio::test]
    async fn reconcile_settles_what_a_crash_left() {
        let (_tmp, j) = journal();
        let never_sent = j.create("T-1", "s", "p", 1, AT).unwrap();
        let printed = j.create("T-1", "s", "p", 1, AT).unwrap();
        j.rendered(&printed, &Made::unsealed("D", 1, "x"), AT).unwrap();
        j.submitting(&printed, AT).unwrap();
        j.printer_job(&printed, &JobId("1".into())).unwrap();
        let no_job = j.create("T-1", "s", "p", 1, AT).unwrap();
        j.rendered(&no_job, &Made::unsealed("D", 1, "x"), AT).unwrap();
        j.submitting(&no_job, AT).unwrap();
        let p = FakePrinter::new();
        p.jobs([Ok(fake::job(JobState::Completed, Some(1)))]);
        let settled = reconcile(&j, &p, AT).await.unwrap();
        assert_eq!(settled.len(), 3);
        assert_eq!(j.get(&never_sent).unwrap().stage, Stage::Failed);
        assert_eq!(j.get(&printed).unwrap().stage, Stage::Printed);
        assert_eq!(j.get(&no_job).unwrap().stage, Stage::Unknown);
        assert!(j.unfinished().unwrap().is_empty());
    }
}
