//! An uploaded workbook (.xlsx bytes, a zip of XML) into cells: read or
//! refused, never a panic, within the rows and columns a sheet may use.
#![no_main]

use campus_kiosk::adapters::files::spreadsheet::{MAX_COLUMNS, MAX_ROWS, grid_from_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, grid)) = grid_from_bytes(data, "upload.xlsx", None) {
        assert!(grid.len() <= MAX_ROWS as usize);
        assert!(grid.iter().all(|r| r.len() <= MAX_COLUMNS as usize));
    }
});
