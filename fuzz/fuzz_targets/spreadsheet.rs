//! Department spreadsheet rows (.csv bytes, UTF-8 or GB18030) into a
//! table keyed by 学号: no panic, and every row the table keeps has a
//! key and typed cells as declared.
#![no_main]

use campus_kiosk::adapters::files::spreadsheet::csv_grid;
use campus_kiosk::sheets::{ColumnType, SheetSource, Table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(grid) = csv_grid(data, "fuzz.csv") else { return };
    let spec = SheetSource {
        file: "fuzz.csv".into(),
        sheet: None,
        key_column: "学号".into(),
        owner: "fuzz".into(),
        max_age_days: 30,
        columns: [
            ("日期".to_string(), ColumnType::Date),
            ("金额".to_string(), ColumnType::Number),
            ("姓名".to_string(), ColumnType::Text),
        ]
        .into(),
    };
    if let Ok(table) = Table::from_grid("fuzz.csv", "fuzz", &grid, &spec) {
        assert!(table.len() <= grid.len());
    }
});
