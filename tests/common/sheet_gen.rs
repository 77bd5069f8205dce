//! Spreadsheets of enrollment records with seeded defects, for the
//! dry-run tests and the dry-run benchmark (which includes this file).

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// The columns of a sheet of enrollment records.
const HEADER: [&str; 13] = [
    "student_id",
    "name",
    "name_en",
    "gender",
    "college",
    "major",
    "level",
    "study_mode",
    "enrollment_date",
    "expected_graduation_date",
    "status",
    "status_label",
    "program_years",
];

const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
const GIVEN: [&str; 8] = ["小明", "思远", "晓燕", "建国", "子涵", "雨桐", "浩然", "欣怡"];

/// A defect seeded into one row.
#[derive(Clone, Copy)]
pub enum Defect {
    /// A character no bundled font covers, in the name (Tangut U+17000).
    RareCharacter,
    /// The college left empty.
    EmptyCollege,
    /// The student id of the row before.
    DuplicateId,
    /// An enrollment date that is not one.
    BadDate,
    /// A major's name so long the certificate overflows its one page.
    LongMajor,
}

/// One of each defect, at 0-based data rows 3, 5, 8, 11 and 14 (Excel
/// rows 5, 7, 10, 13 and 16).
pub const SEEDED: [(usize, Defect); 5] = [
    (3, Defect::RareCharacter),
    (5, Defect::EmptyCollege),
    (8, Defect::DuplicateId),
    (11, Defect::BadDate),
    (14, Defect::LongMajor),
];

/// Writes `rows` enrollment records to an .xlsx at `path`, with `defects`
/// at the given 0-based data rows (Excel row = index + 2).
pub fn enrollment_sheet(path: &Path, rows: usize, defects: &[(usize, Defect)]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("在籍学生").unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        let r = (i + 1) as u32;
        let defect = defects.iter().find(|(at, _)| *at == i).map(|(_, d)| *d);
        let id = match defect {
            Some(Defect::DuplicateId) => 2_025_000_000 + i as u64 - 1,
            _ => 2_025_000_000 + i as u64,
        };
        let mut name = format!("{}{}", SURNAMES[i % 8], GIVEN[(i / 8) % 8]);
        if let Some(Defect::RareCharacter) = defect {
            name.push('\u{17000}');
        }
        let major = match defect {
            Some(Defect::LongMajor) => "计算机科学与技术（人工智能与大数据方向）".repeat(60),
            _ => "软件工程".into(),
        };
        let texts = [
            (0, id.to_string()),
            (1, name),
            (2, format!("STUDENT {i}")),
            (3, if i % 2 == 0 { "男" } else { "女" }.to_string()),
            (5, major),
            (6, "本科".into()),
            (7, "全日制".into()),
            (10, "enrolled".into()),
            (11, "在读".into()),
        ];
        for (c, t) in texts {
            ws.write_string(r, c, t).unwrap();
        }
        if !matches!(defect, Some(Defect::EmptyCollege)) {
            ws.write_string(r, 4, "计算机科学与技术学院").unwrap();
        }
        if let Some(Defect::BadDate) = defect {
            ws.write_string(r, 8, "2023-13-45").unwrap();
        } else {
            ws.write_date_with_format(r, 8, ExcelDateTime::from_ymd(2025, 9, 1).unwrap(), &date)
                .unwrap();
        }
        ws.write_date_with_format(r, 9, ExcelDateTime::from_ymd(2029, 7, 1).unwrap(), &date)
            .unwrap();
        ws.write_number(r, 12, 4).unwrap();
    }
    wb.save(path).unwrap();
}
