//! `kiosk template dry-run`: every row of a department's spreadsheet goes
//! through the real pipeline, and the report names exactly the seeded
//! defects, by row and column, and nothing else.

use std::path::Path;

use crate::common::sheet_gen::{SEEDED, enrollment_sheet};
use crate::common::*;
use serde_json::Value;

fn dry_run(template: &str, sheet: &Path, extra: &[&str]) -> (bool, Value, String) {
    let dir = root().join(template);
    let mut args = vec![
        "template",
        "dry-run",
        dir.to_str().unwrap(),
        "--sheet",
        sheet.to_str().unwrap(),
        "--issued-at",
        "2026-11-23T09:30:00+08:00",
    ];
    args.extend(extra);
    let out = kiosk(&args, &root());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = if extra.contains(&"--json") {
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"))
    } else {
        Value::Null
    };
    (out.status.success(), json, stdout + &stderr)
}

/// (row, column, kind) of every problem in a report.
fn located(report: &Value) -> Vec<(Option<u64>, Option<String>, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64(),
                p["column"].as_str().map(str::to_string),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_seeded_defect_of_an_enrollment_sheet_is_found_where_it_is_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let sheet = tmp.path().join("students.xlsx");
    enrollment_sheet(&sheet, 40, &SEEDED);
    let (ok, report, text) = dry_run("print-templates/enrollment-certificate", &sheet, &["--json"]);
    assert!(!ok, "a sheet with problems fails: {text}");
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        located(&report),
        vec![
            (Some(5), s("name"), "missing-glyph".into()),
            (Some(7), s("college"), "empty".into()),
            (Some(10), s("student_id"), "duplicate-key".into()),
            (Some(13), s("enrollment_date"), "bad-date".into()),
            (Some(16), s("major"), "overflow".into()),
        ],
        "{report:#}"
    );
    assert_eq!(report["rows"], 40);
    assert_eq!(report["rendered"], 35, "every other row renders: {report:#}");
    assert_eq!(report["pages"], 35, "one page each");
    assert_eq!(report["stands_for"], "enrollment");
    let problems = report["problems"].as_array().unwrap();
    let letters: Vec<&str> = problems.iter().map(|p| p["letter"].as_str().unwrap()).collect();
    assert_eq!(letters, ["B", "E", "A", "I", "F"]);
    assert!(
        problems[0]["message"].as_str().unwrap().contains("U+17000"),
        "{report:#}"
    );
    assert!(
        problems[0]["message_zh"].as_str().unwrap().contains("字体"),
        "{report:#}"
    );
    assert!(
        problems[2]["message"].as_str().unwrap().contains("row 9"),
        "the first row: {report:#}"
    );
    assert!(
        problems[3]["message"].as_str().unwrap().contains("2023-13-45"),
        "{report:#}"
    );
    assert!(
        problems[4]["message"].as_str().unwrap().contains("allows 1"),
        "{report:#}"
    );

    // The words a person reads name the sheet, row and column.
    let (_, _, text) = dry_run("print-templates/enrollment-certificate", &sheet, &[]);
    assert!(
        text.contains("students.xlsx [在籍学生] row 7, column E (college): the cell is empty"),
        "{text}"
    );
    assert!(text.contains("35 of 40 rows render"), "{text}");
}

#[test]
fn a_clean_sheet_renders_every_row_and_exits_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let sheet = tmp.path().join("students.xlsx");
    enrollment_sheet(&sheet, 25, &[]);
    let (ok, report, text) = dry_run(
        "print-templates/enrollment-certificate",
        &sheet,
        &["--json", "--threads", "2"],
    );
    assert!(ok, "{text}");
    assert_eq!(report["rows"], 25);
    assert_eq!(report["rendered"], 25);
    assert!(report["problems"].as_array().unwrap().is_empty(), "{report:#}");
}

#[test]
fn a_departments_own_spreadsheet_is_checked_against_its_declared_columns() {
    // The dormitory certificate reads [sources.dorm]: the rows are that
    // sheet's, with its key column and types.
    let tmp = tempfile::tempdir().unwrap();
    let sheet = tmp.path().join("dorm.csv");
    std::fs::write(
        &sheet,
        "学号,姓名,楼栋,房间,床位,入住日期,床位费\n\
         2023011234,王小明,紫荆公寓3号楼,512,2,2022-09-01,1200\n\
         2024020456,李思远,丁香公寓5号楼,,4,2023-09-02,900\n\
         2024020457,赵雨桐,丁香公寓5号楼,209,1,去年九月,900\n\
         2024020456,李思远,丁香公寓5号楼,208,4,2023-09-02,900\n\
         2024020458,黄浩然,丁香公寓5号楼,210,3,2023-09-02,九百\n",
    )
    .unwrap();
    let (ok, report, text) = dry_run("tests/fixtures/dormitory-certificate", &sheet, &["--json"]);
    assert!(!ok, "{text}");
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        located(&report),
        vec![
            (Some(3), s("房间"), "empty".into()),
            (Some(4), s("入住日期"), "bad-date".into()),
            (Some(5), s("学号"), "duplicate-key".into()),
            (Some(6), s("床位费"), "bad-number".into()),
        ],
        "{report:#}"
    );
    assert_eq!(report["stands_for"], "sheets.dorm");
    assert_eq!(report["rendered"], 1);

    // A sheet without the key column is named at once.
    std::fs::write(&sheet, "姓名,房间\n王小明,512\n").unwrap();
    let (ok, report, _) = dry_run("tests/fixtures/dormitory-certificate", &sheet, &["--json"]);
    assert!(!ok);
    assert_eq!(located(&report)[0], (None, s("学号"), "no-column".into()), "{report:#}");
}

#[test]
fn what_is_not_a_spreadsheet_is_refused_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let sheet = tmp.path().join("list.xlsx");
    std::fs::write(&sheet, "this is a text file renamed to .xlsx\n").unwrap();
    let (ok, _, text) = dry_run("print-templates/enrollment-certificate", &sheet, &[]);
    assert!(!ok);
    assert!(
        text.contains("not a spreadsheet") && text.contains(".xlsx or .csv"),
        "{text}"
    );
    let odd = tmp.path().join("list.pdf");
    std::fs::write(&odd, "%PDF-1.7").unwrap();
    let (ok, _, text) = dry_run("print-templates/enrollment-certificate", &odd, &[]);
    assert!(!ok);
    assert!(text.contains("use an .xlsx or .csv file"), "{text}");
}

#[test]
fn connected_to_the_platform_a_student_it_does_not_know_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (_platform, base) = demo_platform(&root().join("assets/sample-data"));
    std::fs::write(
        tmp.path().join("terminal.toml"),
        format!(
            "[terminal]\nid = \"T-DRY\"\nname = \"t\"\n[platform]\nbase_url = \"{base}\"\ntoken_file = \"token\"\n[printer]\nkind = \"directory\"\ndir = \"out\"\n"
        ),
    )
    .unwrap();
    write_private(&tmp.path().join("token"), "demo-token\n");
    let sheet = tmp.path().join("students.csv");
    std::fs::write(
        &sheet,
        "student_id,name,college,major,level,enrollment_date,status\n\
         2023011234,王小明,计算机科学与技术学院,软件工程,本科,2023-09-01,enrolled\n\
         2099000001,钱多多,计算机科学与技术学院,软件工程,本科,2023-09-01,enrolled\n\
         2024020456,李思远,经济管理学院,金融学,本科,2024-09-01,enrolled\n",
    )
    .unwrap();
    let config = tmp.path().to_str().unwrap().to_string();
    let (ok, report, text) = dry_run(
        "print-templates/enrollment-certificate",
        &sheet,
        &["--json", "--config", &config],
    );
    assert!(!ok, "{text}");
    assert_eq!(
        located(&report),
        vec![(Some(3), Some("student_id".to_string()), "not-on-platform".to_string())],
        "{report:#}"
    );
    assert_eq!(report["problems"][0]["key"], "2099000001");
    assert_eq!(report["rendered"], 2);

    // Offline, the same sheet renders whole.
    let (ok, _, text) = dry_run("print-templates/enrollment-certificate", &sheet, &[]);
    assert!(ok, "{text}");
}
