//! `kiosk template dry-run` and the studio's "check every row": a
//! department's spreadsheet, every row rendered through the real
//! pipeline, and every problem named by row and column.
//!
//! Each row stands for one person's record of one source: the rows of a
//! `[sources.<name>]` spreadsheet, or (for a service fed by the platform)
//! the platform record the template reads, one column per field
//! (`name`, `college`, or `enrollment.name`). Whatever else a document
//! needs comes from the template's sample data.
//!
//! A row that fails is mended and rendered again (up to
//! [`MAX_PASSES`] times), so one row's report names all its problems,
//! not just the first. This module is pure: the grid, the sample data
//! and the issue time come in as values.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::data::{DataSet, Source};
use crate::fonts::FontBook;
use crate::i18n::{self, Bilingual};
use crate::pipeline::{self, PipelineError};
use crate::sheets::{Cell, ColumnType, KEY_HEADERS, cell_json, column_letter};
use crate::template::Template;

/// Renders of one row at most: the first and one per mended problem.
pub const MAX_PASSES: usize = 8;

/// What the rows of a sheet stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stands {
    /// The template's `[sources.<name>]` spreadsheet.
    Sheet(String),
    /// A platform record the template reads (`enrollment`, ...).
    Record(Source),
}

impl Stands {
    /// What a sheet handed in for `tpl` stands for: `name` (a source of
    /// `[sources]`, or `enrollment`, `transcript`, `dataset:<name>`), or
    /// by default its only spreadsheet, else the first platform record it
    /// reads.
    pub fn choose(tpl: &Template, name: Option<&str>) -> Result<Stands, String> {
        let records: Vec<Source> = pipeline::sources(tpl)
            .into_iter()
            .filter(|s| !matches!(s, Source::Person | Source::Spreadsheet(_)))
            .collect();
        let sheets: Vec<&String> = tpl.file.sources.keys().collect();
        match name {
            Some(n) if tpl.file.sources.contains_key(n) => Ok(Stands::Sheet(n.to_string())),
            Some(n) => match Source::parse(n) {
                Some(s) if records.contains(&s) => Ok(Stands::Record(s)),
                _ => Err(format!(
                    "--source {n}: the template reads no such source; it reads {}",
                    sheets
                        .iter()
                        .map(|s| s.to_string())
                        .chain(records.iter().map(source_name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
            None => match (sheets.as_slice(), records.first()) {
                ([one], _) => Ok(Stands::Sheet((*one).clone())),
                ([], Some(r)) => Ok(Stands::Record(r.clone())),
                ([], None) => Err(
                    "the template reads no spreadsheet and no platform record for a sheet's rows to stand for".into(),
                ),
                (many, _) => Err(format!(
                    "the template reads {} spreadsheets ({}): say which one with --source",
                    many.len(),
                    many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                )),
            },
        }
    }

    /// How templates name the record: `sheets.dorm`, `enrollment`.
    pub fn prefix(&self) -> String {
        match self {
            Stands::Sheet(n) => format!("sheets.{n}"),
            Stands::Record(s) => s.key(),
        }
    }
}

fn source_name(s: &Source) -> String {
    match s {
        Source::Dataset(n) => format!("dataset:{n}"),
        other => other.key(),
    }
}

/// What is wrong, as a machine reads it (`--json`'s `kind`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A character no bundled font covers (a rare name character, 生僻字).
    MissingGlyph,
    /// An empty cell the template prints.
    Empty,
    /// A column the template prints is not in the sheet.
    NoColumn,
    /// The same 学号/工号 in two rows.
    DuplicateKey,
    /// No 学号/工号 in the key column.
    NoKey,
    BadDate,
    BadNumber,
    /// A spreadsheet error value (#N/A) or a cell of the wrong type.
    BadCell,
    /// The text does not fit the pages the template allows.
    Overflow,
    /// The eligibility rule refuses the person.
    Ineligible,
    /// The template itself fails, whatever the row.
    Template,
    /// The data platform does not know the row's 学号/工号 (checked when
    /// the dry run is connected to one).
    NotOnPlatform,
}

/// One problem, located.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    /// The spreadsheet row (Excel's number, the header is row 1); none for
    /// the whole sheet.
    pub row: Option<usize>,
    /// The row's 学号/工号.
    pub key: Option<String>,
    /// The column's header and letter.
    pub column: Option<String>,
    pub letter: Option<String>,
    pub kind: Kind,
    pub message: String,
    pub message_zh: String,
}

/// What a dry run found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file: String,
    pub sheet: String,
    /// What the rows stand for (`sheets.dorm`, `enrollment`).
    pub stands_for: String,
    /// Rows with data (the header and blank rows not counted).
    pub rows: usize,
    /// Rows whose document was made without a problem.
    pub rendered: usize,
    /// Pages of those documents.
    pub pages: usize,
    pub problems: Vec<Problem>,
}

impl Report {
    /// Whether every row renders.
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.rendered == self.rows
    }

    /// Where a problem is, in words: `dorm.xlsx [住宿名单] row 7, column C (姓名)`.
    pub fn locate(&self, p: &Problem) -> String {
        let mut at = format!("{} [{}]", self.file, self.sheet);
        if let Some(r) = p.row {
            at.push_str(&format!(" row {r}"));
        }
        if let (Some(c), Some(l)) = (&p.column, &p.letter) {
            at.push_str(&format!("{} column {l} ({c})", if p.row.is_some() { "," } else { "" }));
        }
        at
    }
}

/// A sheet's cells, as the spreadsheet adapter read them.
pub struct Grid<'a> {
    pub file: &'a str,
    pub sheet: &'a str,
    pub cells: &'a [Vec<Cell>],
}

/// One data row, ready to render.
struct Row {
    no: usize,
    key: Option<String>,
    record: Map<String, Json>,
    /// Columns already reported (a bad cell): not reported again as empty.
    reported: BTreeSet<String>,
    problems: Vec<Problem>,
}

/// Renders every row of `grid` for `tpl`; `sample` is the template's
/// sample data, `threads` how many rows render at once.
pub fn dry_run(
    book: &FontBook,
    tpl: &Template,
    sample: &DataSet,
    grid: Grid<'_>,
    stands: &Stands,
    issued_at: &str,
    threads: usize,
) -> Report {
    dry_run_known(book, tpl, sample, grid, stands, issued_at, threads, &BTreeSet::new())
}

/// The 学号/工号 of a sheet's rows, in order, as the dry run reads them:
/// what to ask the data platform about.
pub fn keys(tpl: &Template, grid: &Grid<'_>, stands: &Stands) -> Vec<String> {
    let header = header_of(grid.cells, &stands.prefix());
    let (key_column, _) = key_and_types(tpl, stands, &header, &sample_record(&DataSet::default(), stands));
    let Some(kc) = key_column.and_then(|k| header.iter().position(|h| *h == k)) else {
        return Vec::new();
    };
    grid.cells
        .iter()
        .skip(1)
        .filter_map(|r| match r.get(kc) {
            Some(Cell::Text(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Cell::Number(n)) if n.fract() == 0.0 && *n >= 0.0 => Some(format!("{n:.0}")),
            _ => None,
        })
        .collect()
}

/// [`dry_run`], with the 学号/工号 the data platform does not know
/// (`unknown`) named as problems of their rows.
#[allow(clippy::too_many_arguments, reason = "the dry run's inputs, each a value")]
pub fn dry_run_known(
    book: &FontBook,
    tpl: &Template,
    sample: &DataSet,
    grid: Grid<'_>,
    stands: &Stands,
    issued_at: &str,
    threads: usize,
    unknown: &BTreeSet<String>,
) -> Report {
    let prefix = stands.prefix();
    let mut report = Report {
        file: grid.file.to_string(),
        sheet: grid.sheet.to_string(),
        stands_for: prefix.clone(),
        rows: 0,
        rendered: 0,
        pages: 0,
        problems: Vec::new(),
    };
    let header = header_of(grid.cells, &prefix);
    let letter_of = |name: &str| header.iter().position(|h| h == name).map(column_letter);
    let sample_record = sample_record(sample, stands);
    let (key_column, types) = key_and_types(tpl, stands, &header, &sample_record);
    if let Stands::Sheet(_) = stands {
        let needed = key_column.iter().chain(types.keys());
        for c in needed {
            if !header.contains(c) {
                report.problems.push(no_column(c, None));
            }
        }
        if !report.problems.is_empty() {
            return report;
        }
    }
    let key_col = key_column.as_ref().and_then(|k| header.iter().position(|h| h == k));

    // Cells first, in order: keys, duplicates and types.
    let mut rows = Vec::new();
    let mut first_row: BTreeMap<String, usize> = BTreeMap::new();
    for (i, cells) in grid.cells.iter().enumerate().skip(1) {
        if cells.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        report.rows += 1;
        let no = i + 1;
        let mut row = Row {
            no,
            key: None,
            record: Map::new(),
            reported: BTreeSet::new(),
            problems: Vec::new(),
        };
        if let Some(kc) = key_col {
            let column = header.get(kc).cloned();
            match cells.get(kc) {
                Some(Cell::Text(s)) if !s.trim().is_empty() => row.key = Some(s.trim().to_string()),
                Some(Cell::Number(n)) if n.fract() == 0.0 && *n >= 0.0 => row.key = Some(format!("{n:.0}")),
                _ => {
                    row.problems.push(problem(
                        &row,
                        column,
                        Some(column_letter(kc)),
                        Kind::NoKey,
                        i18n::row_no_key(),
                    ));
                    rows.push(row);
                    continue;
                }
            }
            if let Some(key) = &row.key {
                if let Some(&first) = first_row.get(key) {
                    row.problems.push(problem(
                        &row,
                        column,
                        Some(column_letter(kc)),
                        Kind::DuplicateKey,
                        i18n::row_duplicate(key, first),
                    ));
                    rows.push(row);
                    continue;
                }
                first_row.insert(key.clone(), no);
                if unknown.contains(key) {
                    row.problems.push(problem(
                        &row,
                        column.clone(),
                        Some(column_letter(kc)),
                        Kind::NotOnPlatform,
                        i18n::row_not_on_platform(key),
                    ));
                }
            }
        }
        for (col, name) in header.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            let cell = cells.get(col).cloned().unwrap_or(Cell::Empty);
            let want = types.get(name).copied();
            match cell_json(&cell, want) {
                Ok(Some(v)) => {
                    row.record.insert(name.clone(), v);
                }
                Ok(None) => {}
                Err(m) => {
                    let (kind, words) = match want {
                        Some(ColumnType::Date) => (Kind::BadDate, i18n::row_bad_date(&shown(&cell))),
                        Some(ColumnType::Number) => (Kind::BadNumber, i18n::row_bad_number(&shown(&cell))),
                        _ => (Kind::BadCell, i18n::row_bad_cell(&shown(&cell), &m)),
                    };
                    row.problems
                        .push(problem(&row, Some(name.clone()), Some(column_letter(col)), kind, words));
                    row.reported.insert(name.clone());
                    // Rendered with a stand-in, so the rest of the row is checked.
                    row.record.insert(name.clone(), stand_in(name, &sample_record, want));
                }
            }
        }
        rows.push(row);
    }

    // Then every row through the pipeline, on `threads` threads.
    let ctx = Ctx {
        book,
        tpl,
        sample,
        stands,
        prefix: &prefix,
        header: &header,
        sample_record: &sample_record,
        types: &types,
        issued_at,
    };
    let next = AtomicUsize::new(0);
    let sheet_level: Mutex<BTreeMap<(Kind, String), Problem>> = Mutex::new(BTreeMap::new());
    let slots: Vec<Mutex<Option<Rendered>>> = rows.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(row) = rows.get(i) else { break };
                    if row
                        .problems
                        .iter()
                        .any(|p| matches!(p.kind, Kind::DuplicateKey | Kind::NoKey))
                    {
                        continue;
                    }
                    let (found, pages, shared) = ctx.render_row(row);
                    if let Ok(mut all) = sheet_level.lock() {
                        for p in shared {
                            all.entry((p.kind, p.message.clone())).or_insert(p);
                        }
                    }
                    if let Some(slot) = slots.get(i)
                        && let Ok(mut slot) = slot.lock()
                    {
                        *slot = Some((found, pages));
                    }
                }
            });
        }
    });
    let mut sheet_level: Vec<Problem> = sheet_level
        .into_inner()
        .map(|m| m.into_values().collect())
        .unwrap_or_default();
    for p in &mut sheet_level {
        if let Some(c) = &p.column {
            p.letter = letter_of(c);
        }
    }
    report.problems.extend(sheet_level);
    for (row, slot) in rows.into_iter().zip(slots) {
        let rendered = slot.into_inner().ok().flatten();
        let mut problems = row.problems;
        if let Some((found, pages)) = rendered {
            if problems.is_empty() && found.is_empty() {
                report.rendered += 1;
                report.pages += pages;
            }
            problems.extend(found);
        }
        report.problems.extend(problems);
    }
    report
}

/// The header row's names (`enrollment.name` names the field `name`).
fn header_of(cells: &[Vec<Cell>], prefix: &str) -> Vec<String> {
    cells
        .first()
        .map(|r| {
            r.iter()
                .map(|c| {
                    let h = match c {
                        Cell::Text(s) => s.trim().to_string(),
                        Cell::Number(n) => n.to_string(),
                        _ => String::new(),
                    };
                    h.strip_prefix(&format!("{prefix}.")).map(str::to_string).unwrap_or(h)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The key column and the columns' types: the spreadsheet's declared
/// ones, or read off the sample for a platform record.
fn key_and_types(
    tpl: &Template,
    stands: &Stands,
    header: &[String],
    sample_record: &Map<String, Json>,
) -> (Option<String>, BTreeMap<String, ColumnType>) {
    match stands {
        Stands::Sheet(n) => match tpl.file.sources.get(n) {
            Some(spec) => (Some(spec.key_column.clone()), spec.columns.clone()),
            None => (None, BTreeMap::new()),
        },
        Stands::Record(_) => (
            KEY_HEADERS
                .iter()
                .find(|k| header.iter().any(|h| h == *k))
                .map(|k| k.to_string()),
            inferred_types(sample_record),
        ),
    }
}

/// The data of one row (Excel's row number `row`) for a preview: the
/// sample with the row in place, its cells as the dry run reads them (a
/// bad cell left out). None for the header or a row past the end.
pub fn row_data(tpl: &Template, sample: &DataSet, grid: &Grid<'_>, stands: &Stands, row: usize) -> Option<DataSet> {
    let prefix = stands.prefix();
    let header = header_of(grid.cells, &prefix);
    let sample_record = sample_record(sample, stands);
    let (key_column, types) = key_and_types(tpl, stands, &header, &sample_record);
    let cells = grid.cells.get(row.checked_sub(1).filter(|i| *i >= 1)?)?;
    let mut record = Map::new();
    for (col, name) in header.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        let cell = cells.get(col).cloned().unwrap_or(Cell::Empty);
        if let Ok(Some(v)) = cell_json(&cell, types.get(name).copied()) {
            record.insert(name.clone(), v);
        }
    }
    let key = key_column
        .and_then(|k| record.get(&k).cloned())
        .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
    Some(with_row(sample, stands, &sample_record, key.as_deref(), &record))
}

/// The sample data with a row's record in place.
fn with_row(
    sample: &DataSet,
    stands: &Stands,
    sample_record: &Map<String, Json>,
    key: Option<&str>,
    record: &Map<String, Json>,
) -> DataSet {
    let mut data = sample.clone();
    let mut full = match stands {
        // Lists (a transcript's courses) stay the sample's; the row's
        // cells are all its scalar fields.
        Stands::Record(_) => sample_record
            .iter()
            .filter(|(_, v)| v.is_array() || v.is_object())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Stands::Sheet(_) => Map::new(),
    };
    full.extend(record.iter().map(|(k, v)| (k.clone(), v.clone())));
    let full = Json::Object(full);
    match stands {
        Stands::Sheet(n) => {
            data.sheets.insert(n.clone(), full);
        }
        Stands::Record(Source::Enrollment) => data.enrollment = Some(full),
        Stands::Record(Source::Transcript) => data.transcript = Some(full),
        Stands::Record(Source::Dataset(n)) => {
            data.datasets.insert(n.clone(), full);
        }
        Stands::Record(_) => {}
    }
    if let (Some(key), Some(Json::Object(person))) = (key, data.person.as_mut()) {
        person.insert("id".into(), Json::String(key.to_string()));
        if let Stands::Record(_) = stands
            && let Some(name) = record.get("name")
        {
            person.insert("name".into(), name.clone());
        }
    }
    data
}

/// A row's problems and, when it rendered, its pages.
type Rendered = (Vec<Problem>, usize);

/// What every row's render shares.
struct Ctx<'a> {
    book: &'a FontBook,
    tpl: &'a Template,
    sample: &'a DataSet,
    stands: &'a Stands,
    prefix: &'a str,
    header: &'a [String],
    sample_record: &'a Map<String, Json>,
    types: &'a BTreeMap<String, ColumnType>,
    issued_at: &'a str,
}

/// What to do after a failed render.
enum Next {
    /// Report, mend the field and render again.
    Mend {
        problem: Problem,
        field: String,
        value: Json,
    },
    /// A problem of the whole sheet (a missing column, the template's own):
    /// reported once; mend `field` if there is one and render again.
    Shared {
        problem: Problem,
        mend: Option<(String, Json)>,
    },
    /// Report and stop.
    Stop(Problem),
}

impl Ctx<'_> {
    fn letter(&self, column: &str) -> Option<String> {
        self.header.iter().position(|h| h == column).map(column_letter)
    }

    /// The row's problems, its pages when it rendered, and problems of the
    /// whole sheet it ran into.
    fn render_row(&self, row: &Row) -> (Vec<Problem>, usize, Vec<Problem>) {
        let mut record = row.record.clone();
        let mut found = Vec::new();
        let mut shared = Vec::new();
        let mut reported = row.reported.clone();
        for _ in 0..MAX_PASSES {
            let data = self.data_for(row, &record);
            let err = match pipeline::render(self.book, self.tpl, &data, self.issued_at) {
                Ok((doc, _)) => {
                    let clean = found.is_empty() && shared.is_empty();
                    return (found, if clean { doc.pages.len() } else { 0 }, shared);
                }
                Err(e) => e,
            };
            match self.next(row, &record, &reported, err) {
                Next::Mend { problem, field, value } => {
                    reported.insert(field.clone());
                    record.insert(field, value);
                    found.push(problem);
                }
                Next::Shared { problem, mend } => {
                    let stop = mend.is_none();
                    shared.push(problem);
                    if let Some((field, value)) = mend {
                        reported.insert(field.clone());
                        record.insert(field, value);
                    }
                    if stop {
                        break;
                    }
                }
                Next::Stop(p) => {
                    found.push(p);
                    break;
                }
            }
        }
        (found, 0, shared)
    }

    /// The sample data with this row in place.
    fn data_for(&self, row: &Row, record: &Map<String, Json>) -> DataSet {
        with_row(self.sample, self.stands, self.sample_record, row.key.as_deref(), record)
    }

    fn next(&self, row: &Row, record: &Map<String, Json>, reported: &BTreeSet<String>, err: PipelineError) -> Next {
        let at = |column: Option<&str>, kind, words| {
            problem(
                row,
                column.map(str::to_string),
                column.and_then(|c| self.letter(c)),
                kind,
                words,
            )
        };
        match err {
            PipelineError::MissingGlyph { ch, code, .. } => {
                let Some((field, text)) = record.iter().find_map(|(k, v)| {
                    v.as_str()
                        .filter(|s| s.contains(ch))
                        .map(|s| (k.clone(), s.to_string()))
                }) else {
                    return template_fails(&err);
                };
                Next::Mend {
                    problem: at(Some(&field), Kind::MissingGlyph, i18n::row_no_glyph(ch, code)),
                    value: Json::String(text.replace(ch, "X")),
                    field,
                }
            }
            PipelineError::Ineligible { message } => {
                Next::Stop(at(None, Kind::Ineligible, i18n::row_refused(&message)))
            }
            PipelineError::Overflow { pages, max } => {
                let longest = record
                    .iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k, s.chars().count())))
                    .max_by_key(|(_, n)| *n);
                let (column, n) = match longest {
                    Some((k, n)) => (Some(k.as_str()), n),
                    None => (None, 0),
                };
                Next::Stop(at(column, Kind::Overflow, i18n::row_overflow(pages, max, n)))
            }
            PipelineError::Layout(crate::layout::LayoutError::Render(ref e)) => {
                self.text_failed(row, record, reported, &e.text, &e.message, &err)
            }
            PipelineError::Rule { ref rule, ref message } => {
                self.text_failed(row, record, reported, rule, message, &err)
            }
            PipelineError::Seal { ref message, ref field } => {
                let text = self.tpl.file.seal.fields.get(field).cloned().unwrap_or_default();
                self.text_failed(row, record, reported, &text, message, &err)
            }
            other => template_fails(&other),
        }
    }

    /// Whether `text` (template text, or an expression) still fails with
    /// `record` in place.
    fn fails(&self, text: &str, row: &Row, record: &Map<String, Json>) -> bool {
        let data = self.data_for(row, record).only(&pipeline::sources(self.tpl));
        let facts = pipeline::document_facts(self.tpl.id(), &data, self.issued_at);
        let ctx = data.context(&facts);
        crate::template::limits::with_budget(&pipeline::Cancel::new(), || {
            if text.contains("{{") || text.contains("{%") {
                self.tpl.string(text, &ctx).is_err()
            } else {
                self.tpl.eval(text, &ctx).is_err()
            }
        })
    }

    /// A template text (or rule) failed on this row: which of its fields
    /// is to blame, and how to mend it.
    fn text_failed(
        &self,
        row: &Row,
        record: &Map<String, Json>,
        reported: &BTreeSet<String>,
        text: &str,
        message: &str,
        err: &PipelineError,
    ) -> Next {
        let names = fields_named(text, self.prefix);
        let absent: Vec<&String> = names.iter().filter(|n| !record.contains_key(*n)).collect();
        let undefined = message.contains("undefined");
        // Of the absent fields the text names, the one whose absence fails
        // it (others may be guarded by `is defined` or `default`).
        let culprit = absent
            .iter()
            .find(|n| {
                let mut probe = record.clone();
                probe.insert(
                    (**n).clone(),
                    stand_in(n, self.sample_record, self.types.get(**n).copied()),
                );
                !self.fails(text, row, &probe)
            })
            .or_else(|| absent.iter().find(|n| self.header.contains(n)))
            .or(absent.first());
        if undefined && let Some(name) = culprit {
            let name = (*name).clone();
            let value = stand_in(&name, self.sample_record, self.types.get(&name).copied());
            if !self.header.contains(&name) {
                let read = format!("{}.{name}", self.prefix);
                return Next::Shared {
                    problem: no_column(&name, Some(&read)),
                    mend: Some((name, value)),
                };
            }
            let p = problem(
                row,
                Some(name.clone()),
                self.letter(&name),
                Kind::Empty,
                i18n::row_empty(),
            );
            if reported.contains(&name) {
                // Already named (a bad cell): mend it and go on.
                return Next::Shared {
                    problem: Problem { row: None, ..p },
                    mend: Some((name, value)),
                };
            }
            return Next::Mend {
                problem: p,
                field: name,
                value,
            };
        }
        // A value the text cannot use: the field whose value the message
        // quotes, else the one field of the row the text names.
        let as_text = |v: &Json| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
        let quoted = names.iter().find(|n| {
            record.get(*n).is_some_and(|v| {
                let s = as_text(v);
                message.contains(&format!("{s:?}")) || message.contains(&s)
            })
        });
        let present: Vec<&String> = names.iter().filter(|n| record.contains_key(*n)).collect();
        let blamed = quoted.or(match present.as_slice() {
            [one] if !undefined => Some(*one),
            _ => None,
        });
        let Some(name) = blamed else {
            return template_fails(err);
        };
        let value = as_text(record.get(name).unwrap_or(&Json::Null));
        let (kind, words, want) = if message.contains("is not a date") {
            (Kind::BadDate, i18n::row_bad_date(&value), Some(ColumnType::Date))
        } else if self.types.get(name) == Some(&ColumnType::Number)
            || message.contains("number")
            || message.contains("f64")
        {
            (Kind::BadNumber, i18n::row_bad_number(&value), Some(ColumnType::Number))
        } else {
            (
                Kind::BadCell,
                i18n::row_bad_cell(&value, message),
                self.types.get(name).copied(),
            )
        };
        Next::Mend {
            problem: problem(row, Some(name.clone()), self.letter(name), kind, words),
            field: name.clone(),
            value: stand_in(name, self.sample_record, want),
        }
    }
}

/// A problem of the template itself, reported once for the sheet.
fn template_fails(e: &dyn std::fmt::Display) -> Next {
    let words = i18n::template_fails(&e.to_string());
    Next::Shared {
        problem: Problem {
            row: None,
            key: None,
            column: None,
            letter: None,
            kind: Kind::Template,
            message: words.en,
            message_zh: words.zh,
        },
        mend: None,
    }
}

fn problem(row: &Row, column: Option<String>, letter: Option<String>, kind: Kind, words: Bilingual) -> Problem {
    Problem {
        row: Some(row.no),
        key: row.key.clone(),
        column,
        letter,
        kind,
        message: words.en,
        message_zh: words.zh,
    }
}

fn no_column(name: &str, read: Option<&str>) -> Problem {
    let words = i18n::sheet_no_column(name, read);
    Problem {
        row: None,
        key: None,
        column: Some(name.to_string()),
        letter: None,
        kind: Kind::NoColumn,
        message: words.en,
        message_zh: words.zh,
    }
}

/// A cell's content as the person typed it.
fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) | Cell::Date(s) | Cell::Error(s) => s.clone(),
        Cell::Number(n) => n.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Empty => String::new(),
    }
}

/// The sample's record the rows stand for.
fn sample_record(sample: &DataSet, stands: &Stands) -> Map<String, Json> {
    let v = match stands {
        Stands::Sheet(n) => sample.sheets.get(n),
        Stands::Record(s) => sample.get(s),
    };
    v.and_then(Json::as_object).cloned().unwrap_or_default()
}

/// Column types read off the sample: dates where it has YYYY-MM-DD,
/// numbers where it has numbers.
fn inferred_types(sample: &Map<String, Json>) -> BTreeMap<String, ColumnType> {
    sample
        .iter()
        .filter_map(|(k, v)| match v {
            Json::Number(_) => Some((k.clone(), ColumnType::Number)),
            Json::String(s) if cell_json(&Cell::Text(s.clone()), Some(ColumnType::Date)).is_ok() => {
                Some((k.clone(), ColumnType::Date))
            }
            _ => None,
        })
        .collect()
}

/// A value to render with in place of a bad or empty one, so the rest of
/// the row is checked: the sample's, else one of the column's type.
fn stand_in(name: &str, sample: &Map<String, Json>, want: Option<ColumnType>) -> Json {
    let fits = |v: &Json| match want {
        Some(ColumnType::Number) => v.is_number(),
        Some(ColumnType::Date) => v
            .as_str()
            .is_some_and(|s| cell_json(&Cell::Text(s.into()), want).is_ok()),
        _ => true,
    };
    match sample.get(name) {
        Some(v) if fits(v) && !v.is_null() => v.clone(),
        _ => match want {
            Some(ColumnType::Number) => Json::from(0),
            Some(ColumnType::Date) => Json::String("2000-01-01".into()),
            _ => Json::String("X".into()),
        },
    }
}

/// The fields of `prefix` a template text names: `enrollment.name`,
/// `sheets.dorm['房间']`, in order, each once.
pub fn fields_named(text: &str, prefix: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = text.len() - rest.len() + i;
        let boundary = text[..before]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
        rest = &rest[i + prefix.len()..];
        if !boundary {
            continue;
        }
        let name = if let Some(r) = rest.strip_prefix('.') {
            r.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .map(str::to_string)
        } else if let Some(r) = rest.strip_prefix("['").or_else(|| rest.strip_prefix("[\"")) {
            r.split(['\'', '"']).next().map(str::to_string)
        } else {
            None
        };
        if let Some(n) = name.filter(|n| !n.is_empty())
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_by_dot_and_by_subscript() {
        let t = "{{ sheets.dorm['入住日期'] | date_zh }}{{ sheets.dorm[\"房间\"] }}{{ mysheets.dorm.x }}{{ sheets.dorm.床位 }}";
        assert_eq!(fields_named(t, "sheets.dorm"), ["入住日期", "房间", "床位"]);
        let t = "{{ enrollment.name_en | default(enrollment.name) }} {{ enrollment.name }}";
        assert_eq!(fields_named(t, "enrollment"), ["name_en", "name"]);
    }

    #[test]
    fn a_stand_in_fits_the_column() {
        let mut sample = Map::new();
        sample.insert("d".into(), Json::String("2023-09-01".into()));
        sample.insert("n".into(), Json::String("abc".into()));
        assert_eq!(
            stand_in("d", &sample, Some(ColumnType::Date)),
            Json::String("2023-09-01".into())
        );
        assert_eq!(stand_in("n", &sample, Some(ColumnType::Number)), Json::from(0));
        assert_eq!(
            stand_in("z", &sample, Some(ColumnType::Date)),
            Json::String("2000-01-01".into())
        );
        assert_eq!(stand_in("z", &sample, None), Json::String("X".into()));
    }
}
