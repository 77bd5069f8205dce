//! A workbook built around the parts a hostile sheet controls: its
//! shared strings and its worksheet (XML the fuzzer writes, packed or
//! stored, optionally padded to megabytes of blanks that pack small), in a
//! valid package, so every run reaches the shared-strings and
//! unpacked-size checks and the spreadsheet library's XML. Read or refused,
//! never a panic or an allocation from a declared count; a read sheet is
//! within the rows, columns and text a sheet may hold.
//!
//! Input: byte 0 (0xFF: one more part, 2 MB of blanks packed to a few
//! KB, which unpacks to more than a part may per packed byte; packed once
//! and copied into every such workbook, since packing costs far more than
//! reading), then the shared strings and the worksheet, split at the first
//! 0xFF byte, stored. (The `xlsx` target reads packed workbooks.)
#![no_main]

use std::io::Write;

use campus_kiosk::adapters::files::spreadsheet::{MAX_COLUMNS, MAX_ROWS, MAX_TEXT_BYTES, grid_from_bytes};
use libfuzzer_sys::fuzz_target;

const TYPES: &str = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml" Id="rId1"/></Relationships>"#;
const WORKBOOK: &str = r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml" Id="rId1"/><Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rId2"/></Relationships>"#;

/// A workbook part of 2 MB of blanks, packed (once).
fn padding() -> &'static [u8] {
    static PADDING: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    PADDING.get_or_init(|| {
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        z.start_file("xl/printerSettings/blank.xml", opts).unwrap();
        z.write_all(&vec![b' '; 2 << 20]).unwrap();
        z.finish().unwrap().into_inner()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let cut = rest.iter().position(|&b| b == 0xFF).unwrap_or(rest.len());
    let shared = &rest[..cut];
    let sheet = rest.get(cut + 1..).unwrap_or(&[]);
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut part = |name: &str, bytes: &[u8]| {
        out.start_file(name, opts).unwrap();
        out.write_all(bytes).unwrap();
    };
    part("[Content_Types].xml", TYPES.as_bytes());
    part("_rels/.rels", RELS.as_bytes());
    part("xl/workbook.xml", WORKBOOK.as_bytes());
    part("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes());
    part("xl/sharedStrings.xml", shared);
    part("xl/worksheets/sheet1.xml", sheet);
    if flags == 0xFF {
        let mut padded = zip::ZipArchive::new(std::io::Cursor::new(padding())).unwrap();
        out.raw_copy_file(padded.by_index_raw(0).unwrap()).unwrap();
    }
    let bytes = out.finish().unwrap().into_inner();
    if let Ok((_, grid)) = grid_from_bytes(&bytes, "upload.xlsx", None) {
        assert!(grid.len() <= MAX_ROWS as usize);
        assert!(grid.iter().all(|r| r.len() <= MAX_COLUMNS as usize));
        let text: usize = grid
            .iter()
            .flatten()
            .map(|c| match c {
                campus_kiosk::sheets::Cell::Text(t) => t.len(),
                _ => 0,
            })
            .sum();
        assert!(text <= MAX_TEXT_BYTES);
    }
});
