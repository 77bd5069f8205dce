//! Reading department spreadsheets (.xlsx with calamine, .csv with csv) into
//! `sheets::Table`s, and binding a person's row to a template's data.

use std::path::Path;

use calamine::{Data, Reader};

use crate::data::DataSet;
use crate::sheets::{Cell, SheetError, SheetSource, Table, check_fresh};
use crate::template::Template;

fn open_err(file: &str, reason: impl std::fmt::Display) -> SheetError {
    SheetError::Open {
        file: file.into(),
        reason: reason.to_string(),
    }
}

fn xlsx_cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(format!("{y:04}-{m:02}-{d:02}"))
        }
        Data::DateTime(dt) => Cell::Text(dt.as_f64().to_string()),
        Data::DateTimeIso(s) => match s.get(..10) {
            Some(d) if d.as_bytes().get(4) == Some(&b'-') => Cell::Date(d.to_string()),
            _ => Cell::Text(s.clone()),
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

fn read_xlsx(path: &Path, file: &str, spec: &SheetSource) -> Result<(String, Vec<Vec<Cell>>), SheetError> {
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| open_err(file, e))?;
    let names = wb.sheet_names();
    let sheet = match &spec.sheet {
        Some(s) if names.contains(s) => s.clone(),
        Some(s) => {
            return Err(SheetError::NoSheet {
                file: file.into(),
                sheet: s.clone(),
                available: names.join(", "),
            });
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| open_err(file, "the workbook has no worksheet"))?,
    };
    let range = wb.worksheet_range(&sheet).map_err(|e| open_err(file, e))?;
    // Pad to A1 so row numbers and column letters are Excel's.
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut grid = vec![Vec::new(); r0 as usize];
    for row in range.rows() {
        let mut cells = vec![Cell::Empty; c0 as usize];
        cells.extend(row.iter().map(xlsx_cell));
        grid.push(cells);
    }
    Ok((sheet, grid))
}

fn read_csv(path: &Path, file: &str) -> Result<Vec<Vec<Cell>>, SheetError> {
    let bytes = std::fs::read(path).map_err(|e| open_err(file, e))?;
    // Excel on Chinese Windows saves CSV as GB18030 (GBK); others as UTF-8.
    let text = match std::str::from_utf8(&bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let (s, _, bad) = encoding_rs::GB18030.decode(&bytes);
            if bad {
                return Err(open_err(file, "the file is neither UTF-8 nor GB18030 text"));
            }
            s.into_owned()
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| open_err(file, format!("row {}: {e}", i + 1)))?;
        grid.push(
            rec.iter()
                .map(|s| {
                    if s.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(s.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok(grid)
}

/// Reads a spreadsheet: its table and its modification time (Unix seconds).
pub fn read(path: &Path, spec: &SheetSource) -> Result<(Table, i64), SheetError> {
    let file = path.display().to_string();
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| open_err(&file, e))?
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (sheet, grid) = match ext.as_str() {
        "csv" => (
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            read_csv(path, &file)?,
        ),
        "xlsx" | "xlsm" | "xls" | "ods" => read_xlsx(path, &file, spec)?,
        _ => return Err(open_err(&file, "use an .xlsx or .csv file")),
    };
    Ok((Table::from_grid(&file, &sheet, &grid, spec)?, modified))
}

/// The 学号/工号 a person's rows are keyed by.
pub fn person_key(data: &DataSet) -> Option<String> {
    let id = |v: &Option<serde_json::Value>, k: &str| v.as_ref()?.get(k)?.as_str().map(str::to_string);
    id(&data.person, "id").or_else(|| id(&data.enrollment, "student_id"))
}

/// Puts the person's row of every spreadsheet the template declares into
/// `data.sheets`. `now` is Unix seconds.
pub fn bind(tpl: &Template, data: &mut DataSet, now: i64) -> Result<(), SheetError> {
    for (name, spec) in &tpl.file.sources {
        let (table, modified) = read(&tpl.dir.join(&spec.file), spec)?;
        check_fresh(&table.file, spec, modified, now)?;
        let key = person_key(data).ok_or_else(|| SheetError::NotListed {
            file: table.file.clone(),
            key: "(no person id in the data)".into(),
            owner: spec.owner.clone(),
        })?;
        let row = table.row(&key, &spec.owner)?.clone();
        data.sheets.insert(name.clone(), row);
    }
    Ok(())
}
