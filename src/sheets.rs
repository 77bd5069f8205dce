//! Department spreadsheets (部门离线数据): one row per person, keyed by
//! 学号/工号, handed in as .xlsx or .csv and read by a template instead of
//! the platform.
//!
//! This module is pure: it turns a grid of typed cells into rows keyed by
//! person, checks declared column types, and decides staleness from a
//! modification time and a `now` that come in as values. Reading files is
//! `adapters::files::spreadsheet`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

/// How a template declares a spreadsheet (`[sources.<name>]`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SheetSource {
    /// The file, relative to the template folder (.xlsx or .csv).
    pub file: String,
    /// The worksheet (.xlsx); default: the first.
    pub sheet: Option<String>,
    /// The header of the column holding 学号/工号.
    pub key_column: String,
    /// Who keeps the file: named when it is stale or a person is missing.
    pub owner: String,
    /// Older than this, the data counts as stale and nothing is printed.
    pub max_age_days: u32,
    /// Types of columns (by header): cells must be of that type.
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnType>,
}

/// A declared column type.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Text,
    Number,
    Date,
}

/// A cell as read from the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date cell, as YYYY-MM-DD (time of day dropped).
    Date(String),
    /// A spreadsheet error value such as #N/A or #DIV/0!.
    Error(String),
}

/// A problem with a spreadsheet, named precisely enough to fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SheetError {
    #[error("{file}: cannot read: {reason}")]
    Open { file: String, reason: String },
    #[error("{file}: no worksheet {sheet:?} (it has: {available})")]
    NoSheet {
        file: String,
        sheet: String,
        available: String,
    },
    /// `at` is the file and worksheet: `dorm.xlsx [住宿名单]`.
    #[error("{at}: no column {column:?} in the header row (row 1)")]
    NoColumn { at: String, column: String },
    #[error("{at} row {row}, column {col_letter} ({column}): {message}")]
    Cell {
        at: String,
        row: usize,
        col_letter: String,
        column: String,
        message: String,
    },
    #[error("{at}: {key} appears in rows {first} and {second}")]
    DuplicateKey {
        at: String,
        key: String,
        first: usize,
        second: usize,
    },
    #[error(
        "{file}: the data is {age_days} days old, more than the {max_age_days} allowed; ask {owner} to hand in a current file"
    )]
    Stale {
        file: String,
        owner: String,
        age_days: u64,
        max_age_days: u32,
    },
    #[error("{file}: {key} is not in the list; ask {owner}")]
    NotListed { file: String, key: String, owner: String },
}

/// Headers that hold a person's 学号/工号 in a sheet of platform records
/// (`kiosk template dry-run` on a service fed by the platform).
pub const KEY_HEADERS: [&str; 5] = ["student_id", "staff_id", "id", "学号", "工号"];

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A number as JSON: whole numbers stay integers (床位 2, not 2.0).
fn number(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Json::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number)
    }
}

fn is_date(s: &str) -> bool {
    s.len() == 10 && time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
}

/// A cell's value as a template sees it, checked against the column's
/// declared type; `None` for an empty cell, `Err` says what is wrong.
pub fn cell_json(cell: &Cell, want: Option<ColumnType>) -> Result<Option<Json>, String> {
    let value = match (cell, want) {
        (Cell::Error(e), _) => Err(format!("the cell holds the error {e}")),
        (Cell::Empty, _) => return Ok(None),
        (Cell::Number(n), Some(ColumnType::Number) | None) => Ok(number(*n)),
        (Cell::Date(d), Some(ColumnType::Date) | None) => Ok(Json::String(d.clone())),
        (Cell::Text(s), Some(ColumnType::Date)) if is_date(s.trim()) => Ok(Json::String(s.trim().to_string())),
        (Cell::Text(s), Some(ColumnType::Date)) => Err(format!("{s:?} is not a date (YYYY-MM-DD)")),
        (Cell::Text(s), Some(ColumnType::Number)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(number)
            .ok_or_else(|| format!("{s:?} is not a number")),
        (Cell::Text(s), Some(ColumnType::Text) | None) => Ok(Json::String(s.trim().to_string())),
        (Cell::Number(n), Some(ColumnType::Text)) => Ok(Json::String(if n.fract() == 0.0 {
            format!("{n:.0}")
        } else {
            n.to_string()
        })),
        (Cell::Bool(b), None) => Ok(Json::Bool(*b)),
        (other, Some(t)) => Err(format!("expected {t:?}, found {other:?}").to_lowercase()),
    };
    // Text reaches paper as platform text does: composed, no soft
    // hyphens, no control or invisible characters.
    value
        .and_then(|v| match v {
            Json::String(t) => match crate::text::clean(&t) {
                Ok(None) => Ok(Json::String(t)),
                Ok(Some(c)) => Ok(Json::String(c)),
                Err(f) => Err(f.to_string()),
            },
            other => Ok(other),
        })
        .map(Some)
}

/// The rows of a sheet, keyed by person.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub file: String,
    pub sheet: String,
    rows: BTreeMap<String, Result<Json, SheetError>>,
    /// Every bad row (for `kiosk template check`).
    pub problems: Vec<SheetError>,
}

impl Table {
    /// Builds the table from a grid whose first row is the header.
    pub fn from_grid(file: &str, sheet: &str, grid: &[Vec<Cell>], spec: &SheetSource) -> Result<Table, SheetError> {
        let header: Vec<String> = grid
            .first()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Cell::Text(s) => s.trim().to_string(),
                        Cell::Number(n) => n.to_string(),
                        _ => String::new(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let at = format!("{file} [{sheet}]");
        let no_column = |column: &str| SheetError::NoColumn {
            at: at.clone(),
            column: column.into(),
        };
        let key_col = header
            .iter()
            .position(|h| *h == spec.key_column)
            .ok_or_else(|| no_column(&spec.key_column))?;
        for c in spec.columns.keys() {
            if !header.contains(c) {
                return Err(no_column(c));
            }
        }
        let mut rows = BTreeMap::new();
        let mut first_row: BTreeMap<String, usize> = BTreeMap::new();
        let mut problems = Vec::new();
        for (i, r) in grid.iter().enumerate().skip(1) {
            let row_no = i + 1;
            if r.iter().all(|c| *c == Cell::Empty) {
                continue;
            }
            let cell_err = |col: usize, message: String| SheetError::Cell {
                at: at.clone(),
                row: row_no,
                col_letter: column_letter(col),
                column: header.get(col).cloned().unwrap_or_default(),
                message,
            };
            let key = match r.get(key_col) {
                Some(Cell::Text(s)) if !s.trim().is_empty() => s.trim().to_string(),
                // 学号 typed as a number in Excel: keep its digits.
                Some(Cell::Number(n)) if n.fract() == 0.0 && *n >= 0.0 => format!("{n:.0}"),
                _ => {
                    problems.push(cell_err(key_col, "no 学号/工号 in the key column".into()));
                    continue;
                }
            };
            if let Some(&first) = first_row.get(&key) {
                let e = SheetError::DuplicateKey {
                    at: at.clone(),
                    key: key.clone(),
                    first,
                    second: row_no,
                };
                problems.push(e.clone());
                rows.insert(key, Err(e));
                continue;
            }
            first_row.insert(key.clone(), row_no);
            let mut obj = serde_json::Map::new();
            let mut bad = None;
            for (col, name) in header.iter().enumerate() {
                if name.is_empty() {
                    continue;
                }
                let cell = r.get(col).cloned().unwrap_or(Cell::Empty);
                let value = cell_json(&cell, spec.columns.get(name).copied());
                match value {
                    // An empty cell is no value: a template that prints it
                    // is refused ("undefined"), never prints "none".
                    Ok(None) => {}
                    Ok(Some(v)) => {
                        obj.insert(name.clone(), v);
                    }
                    Err(m) => {
                        bad = Some(cell_err(col, m));
                        break;
                    }
                }
            }
            match bad {
                Some(e) => {
                    problems.push(e.clone());
                    rows.insert(key, Err(e));
                }
                None => {
                    rows.insert(key, Ok(Json::Object(obj)));
                }
            }
        }
        Ok(Table {
            file: file.into(),
            sheet: sheet.into(),
            rows,
            problems,
        })
    }

    /// The row of a person, or why there is none.
    pub fn row(&self, key: &str, owner: &str) -> Result<&Json, SheetError> {
        match self.rows.get(key) {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => Err(e.clone()),
            None => Err(SheetError::NotListed {
                file: self.file.clone(),
                key: key.into(),
                owner: owner.into(),
            }),
        }
    }

    /// How many people the table lists (good rows).
    pub fn len(&self) -> usize {
        self.rows.values().filter(|r| r.is_ok()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Refuses data older than the source allows. Times are Unix seconds.
pub fn check_fresh(file: &str, spec: &SheetSource, modified: i64, now: i64) -> Result<(), SheetError> {
    let age_days = (now - modified).max(0) as u64 / 86_400;
    if age_days > u64::from(spec.max_age_days) {
        return Err(SheetError::Stale {
            file: file.into(),
            owner: spec.owner.clone(),
            age_days,
            max_age_days: spec.max_age_days,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SheetSource {
        SheetSource {
            file: "dorm.csv".into(),
            sheet: None,
            key_column: "学号".into(),
            owner: "宿舍管理科".into(),
            max_age_days: 30,
            columns: [
                ("入住日期".to_string(), ColumnType::Date),
                ("床位费".to_string(), ColumnType::Number),
            ]
            .into(),
        }
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn rows_are_keyed_typed_and_bad_cells_named() {
        let grid = vec![
            vec![t("学号"), t("姓名"), t("入住日期"), t("床位费")],
            vec![
                Cell::Number(2023011234.0),
                t("王小明"),
                Cell::Date("2022-09-01".into()),
                Cell::Number(1200.0),
            ],
            vec![t("2024020456"), t("李思远"), t("2023-09-01"), t("1,2OO")],
            vec![Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty],
            vec![
                t("2024000001"),
                t("赵六"),
                Cell::Error("#N/A".into()),
                Cell::Number(900.0),
            ],
        ];
        let table = Table::from_grid("dorm.csv", "dorm", &grid, &spec()).unwrap();
        let row = table.row("2023011234", "x").unwrap();
        assert_eq!(row["入住日期"], "2022-09-01");
        assert_eq!(row["床位费"], 1200);
        assert_eq!(table.problems.len(), 2);
        let e = table.row("2024020456", "x").unwrap_err().to_string();
        assert_eq!(e, "dorm.csv [dorm] row 3, column D (床位费): \"1,2OO\" is not a number");
        let e = table.row("2024000001", "x").unwrap_err().to_string();
        assert!(e.contains("row 5, column C (入住日期)") && e.contains("#N/A"), "{e}");
        let e = table.row("1999", "宿舍管理科").unwrap_err().to_string();
        assert!(e.contains("not in the list") && e.contains("宿舍管理科"), "{e}");
    }

    #[test]
    fn duplicates_and_missing_columns_are_refused() {
        let grid = vec![
            vec![t("学号"), t("入住日期"), t("床位费")],
            vec![t("1"), t("2022-09-01"), Cell::Number(1.0)],
            vec![t("1"), t("2022-09-02"), Cell::Number(2.0)],
        ];
        let table = Table::from_grid("f", "s", &grid, &spec()).unwrap();
        assert!(matches!(
            table.row("1", "x"),
            Err(SheetError::DuplicateKey {
                first: 2,
                second: 3,
                ..
            })
        ));
        let grid = vec![vec![t("工号"), t("入住日期"), t("床位费")]];
        assert!(matches!(
            Table::from_grid("f", "s", &grid, &spec()),
            Err(SheetError::NoColumn { .. })
        ));
    }

    #[test]
    fn staleness_names_the_owner() {
        let now = 1_800_000_000;
        assert!(check_fresh("f", &spec(), now - 29 * 86_400, now).is_ok());
        let e = check_fresh("f", &spec(), now - 31 * 86_400, now)
            .unwrap_err()
            .to_string();
        assert!(e.contains("31 days old") && e.contains("宿舍管理科"), "{e}");
    }
}
