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

/// Most rows and columns a department's sheet may use: a list of a few
/// thousand people with a few dozen columns fits many times over, and a
/// sheet that claims its last cell is XFD1048576 cannot make the terminal
/// allocate billions of cells.
pub const MAX_ROWS: u32 = 20_000;
pub const MAX_COLUMNS: u32 = 100;

fn too_big(file: &str, row: u32, col: u32) -> SheetError {
    open_err(
        file,
        format!(
            "a cell is used at {}{}: a sheet may use at most {MAX_ROWS} rows and {MAX_COLUMNS} columns (delete what is below or right of the list)",
            crate::sheets::column_letter(col as usize),
            u64::from(row) + 1
        ),
    )
}

fn pick_sheet(file: &str, sheet: Option<&str>, names: &[String]) -> Result<String, SheetError> {
    match sheet {
        Some(s) if names.iter().any(|n| n == s) => Ok(s.to_string()),
        Some(s) => Err(SheetError::NoSheet {
            file: file.into(),
            sheet: s.to_string(),
            available: names.join(", "),
        }),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| open_err(file, "the workbook has no worksheet")),
    }
}

/// An .xlsx worksheet read cell by cell, within [`MAX_ROWS`] and
/// [`MAX_COLUMNS`] (calamine's whole-range read allocates every cell of
/// the used rectangle first).
fn read_xlsx_streamed<RS: std::io::Read + std::io::Seek>(
    reader: RS,
    file: &str,
    sheet: Option<&str>,
) -> Result<(String, Vec<Vec<Cell>>), SheetError> {
    let mut wb = calamine::Xlsx::new(reader).map_err(|e| open_err(file, e))?;
    let sheet = pick_sheet(file, sheet, &wb.sheet_names())?;
    let mut cells = wb.worksheet_cells_reader(&sheet).map_err(|e| open_err(file, e))?;
    // Rows and columns from A1, so row numbers and column letters are
    // Excel's.
    let mut grid: Vec<Vec<Cell>> = Vec::new();
    let mut text = 0usize;
    while let Some(c) = cells.next_cell().map_err(|e| open_err(file, e))? {
        let (row, col) = c.get_position();
        if row >= MAX_ROWS || col >= MAX_COLUMNS {
            return Err(too_big(file, row, col));
        }
        text += match c.get_value() {
            calamine::DataRef::String(s) | calamine::DataRef::DateTimeIso(s) | calamine::DataRef::DurationIso(s) => {
                s.len()
            }
            calamine::DataRef::SharedString(s) => s.len(),
            _ => 0,
        };
        if text > MAX_TEXT_BYTES {
            return Err(open_err(
                file,
                format!(
                    "the sheet's cells hold more than {} MB of text, more than a list of people needs: save only the sheet with the list",
                    MAX_TEXT_BYTES >> 20
                ),
            ));
        }
        let value = xlsx_cell(&Data::from(c.get_value().clone()));
        let (row, col) = (row as usize, col as usize);
        if grid.len() <= row {
            grid.resize(row + 1, Vec::new());
        }
        let r = &mut grid[row];
        if r.len() <= col {
            r.resize(col + 1, Cell::Empty);
        }
        r[col] = value;
    }
    Ok((sheet, grid))
}

/// Most bytes one part of a workbook (a worksheet's XML, its shared
/// strings) may unpack to: a list of 20,000 people with a few dozen
/// columns is a few megabytes of XML.
pub const MAX_PART_BYTES: u64 = 32 * 1024 * 1024;
/// Most bytes all the parts of a workbook may unpack to together.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// Most times larger than its packed size a part may unpack to (once it is
/// over a megabyte): Excel's XML packs about ten to one.
pub const MAX_RATIO: u64 = 100;
/// Most parts a workbook may have.
pub const MAX_PARTS: usize = 1_000;
/// Most entries a workbook's shared-strings table may declare: no more
/// than the cells a sheet may use.
pub const MAX_SHARED_STRINGS: u64 = MAX_ROWS as u64 * MAX_COLUMNS as u64;
/// Most bytes of text a sheet's cells may hold together (a string used by
/// many cells counts once for each).
pub const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;

/// Checks what a workbook (a zip of XML parts) unpacks to before the
/// spreadsheet library reads it: every part is unpacked here, counting,
/// within [`MAX_PART_BYTES`], [`MAX_UNPACKED_BYTES`] and [`MAX_RATIO`]
/// (sizes written in the zip are not trusted), and the counts the
/// library allocates by (the shared strings' `count` and `uniqueCount`)
/// within [`MAX_SHARED_STRINGS`].
pub fn check_workbook(bytes: &[u8], file: &str) -> Result<(), SheetError> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        open_err(
            file,
            format!("the workbook cannot be unpacked ({e}): save it again from Excel as .xlsx"),
        )
    })?;
    if zip.has_duplicate_names() {
        return Err(open_err(
            file,
            "the workbook holds two parts under one name, which Excel never writes: save it again from Excel as .xlsx",
        ));
    }
    if zip.len() > MAX_PARTS {
        return Err(open_err(
            file,
            format!(
                "the workbook has {} parts, more than the {MAX_PARTS} a spreadsheet needs: save it again from Excel as .xlsx",
                zip.len()
            ),
        ));
    }
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| {
            open_err(
                file,
                format!(
                    "part {} cannot be unpacked ({e}): save it again from Excel as .xlsx",
                    i + 1
                ),
            )
        })?;
        let raw_name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let name = crate::text::printable(&raw_name);
        let packed = part.compressed_size().max(1);
        let lower = raw_name.to_ascii_lowercase();
        let shared = lower.ends_with("sharedstrings.xml");
        let worksheet = lower.trim_start_matches('/').starts_with("xl/worksheets/") && lower.ends_with(".xml");
        let mut kept = Vec::new();
        let mut size = 0u64;
        loop {
            let n = part.read(&mut buf).map_err(|e| {
                open_err(
                    file,
                    format!("part {name} cannot be unpacked ({e}): save it again from Excel as .xlsx"),
                )
            })?;
            if n == 0 {
                break;
            }
            size += n as u64;
            total += n as u64;
            if size > MAX_PART_BYTES {
                return Err(open_err(
                    file,
                    format!(
                        "part {name} unpacks to more than {} MB, more than a list of people needs: save only the sheet with the list",
                        MAX_PART_BYTES >> 20
                    ),
                ));
            }
            if size > 1024 * 1024 && size > MAX_RATIO * packed {
                return Err(open_err(
                    file,
                    format!(
                        "part {name} unpacks to more than {MAX_RATIO} times its packed size, which no spreadsheet does: save it again from Excel as .xlsx"
                    ),
                ));
            }
            if total > MAX_UNPACKED_BYTES {
                return Err(open_err(
                    file,
                    format!(
                        "the workbook unpacks to more than {} MB, more than a list of people needs: save only the sheet with the list",
                        MAX_UNPACKED_BYTES >> 20
                    ),
                ));
            }
            if shared || worksheet {
                kept.extend_from_slice(&buf[..n]);
            }
        }
        if shared {
            check_shared_strings(&kept, file, &name)?;
        }
        if worksheet {
            check_cell_references(&kept, file, &name)?;
        }
    }
    Ok(())
}

/// Every attribute of every element of a part's XML, as
/// `visit(element's local name, attribute's name as written, value)`; XML
/// that does not read is refused, naming the part.
fn each_attribute(
    xml: &[u8],
    file: &str,
    part: &str,
    mut visit: impl FnMut(&str, &str, &str) -> Result<(), SheetError>,
) -> Result<(), SheetError> {
    use quick_xml::events::Event;
    let not_xml = |e: &dyn std::fmt::Display| {
        open_err(
            file,
            format!("part {part} is not XML ({e}): save it again from Excel as .xlsx"),
        )
    };
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut scratch = Vec::new();
    loop {
        scratch.clear();
        let element = match reader.read_event_into(&mut scratch) {
            Ok(Event::Start(e) | Event::Empty(e)) => e,
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => continue,
            Err(e) => return Err(not_xml(&e)),
        };
        let name = element.local_name();
        let name: &str = name.as_ref();
        for attr in element.attributes() {
            let attr = attr.map_err(|e| not_xml(&e))?;
            visit(name, attr.key.as_ref(), attr.value.as_ref())?;
        }
    }
}

/// A value from a workbook, shortened and escaped for a message.
fn quoted(value: &str) -> String {
    crate::text::printable(&value.chars().take(40).collect::<String>())
}

/// The shared strings' declared counts, which the spreadsheet library
/// reserves memory by, within [`MAX_SHARED_STRINGS`] on every `sst`
/// element of the part (the library takes the first it meets, wherever
/// it is).
fn check_shared_strings(xml: &[u8], file: &str, part: &str) -> Result<(), SheetError> {
    each_attribute(xml, file, part, |element, key, value| {
        let key = key.rsplit(':').next().unwrap_or(key);
        if element != "sst" || (key != "count" && key != "uniqueCount") {
            return Ok(());
        }
        if value.trim().parse::<u64>().is_ok_and(|n| n <= MAX_SHARED_STRINGS) {
            return Ok(());
        }
        Err(open_err(
            file,
            format!(
                "part {part} declares {key}=\"{}\" shared strings, more than the {MAX_SHARED_STRINGS} cells a sheet may use: save it again from Excel as .xlsx",
                quoted(value)
            ),
        ))
    })
}

/// Whether `r` is a cell (`B7`), a column or row of one, or a range of
/// them (`A1:XFD1048576`), within the letters and digits a sheet's cells
/// can have: the spreadsheet library adds up longer ones without bound.
fn cell_reference(r: &str) -> bool {
    r.split(':').all(|part| {
        let letters = part.bytes().take_while(u8::is_ascii_alphabetic).count();
        let digits = &part[letters..];
        letters <= 3 && digits.len() <= 7 && digits.bytes().all(|b| b.is_ascii_digit())
    }) && r.split(':').count() <= 2
}

/// The cell references of a worksheet (`r` and `ref` attributes of any
/// element: cells, rows, the dimension, merged cells, shared formulas) are
/// cells of a sheet. Names are taken whole, as the library reads them
/// (`xmlns:r` is a namespace, not a reference).
fn check_cell_references(xml: &[u8], file: &str, part: &str) -> Result<(), SheetError> {
    each_attribute(xml, file, part, |_, key, value| {
        if (key != "r" && key != "ref") || cell_reference(value) {
            return Ok(());
        }
        Err(open_err(
            file,
            format!(
                "part {part} names the cell \"{}\", which no sheet has (the last cell is XFD1048576): save it again from Excel as .xlsx",
                quoted(value)
            ),
        ))
    })
}

fn read_xlsx(bytes: &[u8], ext: &str, file: &str, sheet: Option<&str>) -> Result<(String, Vec<Vec<Cell>>), SheetError> {
    if ext == "xls" {
        // Excel 97's binary format declares sizes the library allocates
        // by before they can be checked.
        return Err(open_err(
            file,
            "this is an Excel 97-2003 (.xls) workbook: save it from Excel as .xlsx (Excel Workbook) or .csv",
        ));
    }
    check_workbook(bytes, file)?;
    let reader = std::io::Cursor::new(bytes);
    if ext == "xlsx" || ext == "xlsm" {
        return read_xlsx_streamed(reader, file, sheet);
    }
    // .ods: calamine reads the whole range.
    let mut wb = calamine::open_workbook_auto_from_rs(reader).map_err(|e| open_err(file, e))?;
    let sheet = pick_sheet(file, sheet, &wb.sheet_names())?;
    let range = wb.worksheet_range(&sheet).map_err(|e| open_err(file, e))?;
    if let Some((r1, c1)) = range.end()
        && (r1 >= MAX_ROWS || c1 >= MAX_COLUMNS)
    {
        return Err(too_big(file, r1, c1));
    }
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

/// Largest spreadsheet file read: a department's list of a few thousand
/// people is well under a megabyte.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// A spreadsheet file's bytes, within [`MAX_FILE_BYTES`].
fn read_bytes(path: &Path, file: &str) -> Result<Vec<u8>, SheetError> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| open_err(file, e))?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| open_err(file, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(file));
    }
    Ok(bytes)
}

fn too_large(file: &str) -> SheetError {
    open_err(
        file,
        format!(
            "the file is larger than {} MB, more than a list of people needs: save only the sheet with the list",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

/// The cells of a spreadsheet's bytes: `name` (a file name, whose
/// extension tells .xlsx from .csv) names it in messages; `sheet` picks a
/// worksheet (default: the first). Returns the worksheet's name (a .csv's
/// file stem) and its cells from A1.
pub fn grid_from_bytes(bytes: &[u8], name: &str, sheet: Option<&str>) -> Result<(String, Vec<Vec<Cell>>), SheetError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(name));
    }
    let path = Path::new(name);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Ok((
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            csv_grid(bytes, name)?,
        )),
        "xlsx" | "xlsm" | "xls" | "ods" => {
            // A spreadsheet is a zip (xlsx, ods) or an OLE file (xls).
            if !(bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])) {
                return Err(open_err(
                    name,
                    "this is not a spreadsheet (its content is not an Excel workbook): save it from Excel as .xlsx or .csv",
                ));
            }
            read_xlsx(bytes, &ext, name, sheet)
        }
        _ => Err(open_err(name, "use an .xlsx or .csv file")),
    }
}

/// The cells of a spreadsheet file (see [`grid_from_bytes`]).
pub fn read_grid(path: &Path, sheet: Option<&str>) -> Result<(String, Vec<Vec<Cell>>), SheetError> {
    let file = path.display().to_string();
    let bytes = read_bytes(path, &file)?;
    grid_from_bytes(&bytes, &file, sheet)
}

/// The cells of a .csv file's bytes; `file` names it in messages.
pub fn csv_grid(bytes: &[u8], file: &str) -> Result<Vec<Vec<Cell>>, SheetError> {
    // Excel on Chinese Windows saves CSV as GB18030 (GBK); others as UTF-8.
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let (s, _, bad) = encoding_rs::GB18030.decode(bytes);
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
        if i as u64 >= u64::from(MAX_ROWS) || rec.len() as u64 > u64::from(MAX_COLUMNS) {
            return Err(too_big(
                file,
                i as u32,
                (rec.len() as u32).saturating_sub(1).min(MAX_COLUMNS),
            ));
        }
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
    let (sheet, grid) = read_grid(path, spec.sheet.as_deref())?;
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
