//! Department spreadsheets: real .xlsx and .csv files, read or refused
//! with sheet, row and column named.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use crate::common::*;
use campus_kiosk::adapters::files::spreadsheet;
use campus_kiosk::sheets::{SheetError, SheetSource};
use campus_kiosk::template::Template;

fn fixture() -> PathBuf {
    root().join("tests/fixtures/dormitory-certificate")
}

fn spec() -> SheetSource {
    Template::load(&fixture()).unwrap().file.sources["dorm"].clone()
}

#[test]
fn xlsx_cells_are_read_as_typed() {
    let (table, _) = spreadsheet::read(&fixture().join("dorm.xlsx"), &spec()).unwrap();
    assert_eq!(table.len(), 2);
    assert!(table.problems.is_empty(), "{:?}", table.problems);
    // 学号 typed as a number in Excel still finds the person.
    let row = table.row("2023011234", "x").unwrap();
    assert_eq!(row["入住日期"], "2023-09-01");
    assert_eq!(row["床位费"], 1200);
    assert_eq!(row["床位"], 2);
    assert_eq!(row["房间"], "512");
    assert_eq!(table.row("2024020456", "x").unwrap()["床位费"], 900.5);
}

#[test]
fn bad_xlsx_rows_are_refused_with_sheet_row_and_column() {
    let path = fixture().join("dorm-bad.xlsx");
    let (table, _) = spreadsheet::read(&path, &spec()).unwrap();
    let msgs: Vec<String> = table.problems.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs[0].contains("[住宿名单] row 4, column F (入住日期)") && msgs[0].contains("#N/A"),
        "{msgs:?}"
    );
    assert!(
        msgs[1].contains("[住宿名单] row 5, column G (床位费)") && msgs[1].contains("\"一千二\" is not a number"),
        "{msgs:?}"
    );
    // Good rows of the same file still serve their people.
    assert!(table.row("2023011234", "x").is_ok());
    assert!(matches!(
        table.row("2024000002", "x"),
        Err(SheetError::Cell { row: 5, .. })
    ));

    let mut wrong = spec();
    wrong.sheet = Some("宿舍".into());
    let e = spreadsheet::read(&path, &wrong).unwrap_err().to_string();
    assert!(
        e.contains("no worksheet \"宿舍\"") && e.contains("住宿名单, 说明"),
        "{e}"
    );
}

fn write_csv(dir: &Path, name: &str, text: &str, gbk: bool) -> PathBuf {
    let p = dir.join(name);
    if gbk {
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        fs::write(&p, bytes).unwrap();
    } else {
        fs::write(&p, format!("\u{feff}{text}")).unwrap();
    }
    p
}

#[test]
fn csv_in_utf8_or_gb18030_is_read_and_bad_rows_named() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "学号,姓名,楼栋,房间,床位,入住日期,床位费\n\
                2023011234,王小明,紫荆公寓3号楼,512,2,2022-09-01,1200\n\
                2024020456,李思远,丁香公寓1号楼,208,4,2023/9/2,900\n";
    for gbk in [false, true] {
        let p = write_csv(tmp.path(), if gbk { "gbk.csv" } else { "utf8.csv" }, text, gbk);
        let (table, _) = spreadsheet::read(&p, &spec()).unwrap();
        assert_eq!(table.row("2023011234", "x").unwrap()["姓名"], "王小明", "gbk: {gbk}");
        assert_eq!(table.row("2023011234", "x").unwrap()["床位费"], 1200);
        let e = table.row("2024020456", "x").unwrap_err().to_string();
        assert!(
            e.contains("row 3, column F (入住日期)") && e.contains("2023/9/2"),
            "gbk {gbk}: {e}"
        );
    }
    let p = write_csv(tmp.path(), "nokey.csv", "工号,姓名\n1,a\n", false);
    let e = spreadsheet::read(&p, &spec()).unwrap_err().to_string();
    assert!(e.contains("no column \"学号\""), "{e}");
}

fn copy_fixture(to: &Path) -> PathBuf {
    let dir = to.join("dormitory-certificate");
    fs::create_dir_all(dir.join("sample")).unwrap();
    for f in ["template.toml", "dorm.xlsx", "dorm-bad.xlsx"] {
        fs::copy(fixture().join(f), dir.join(f)).unwrap();
    }
    for f in ["person.json", "enrollment.json"] {
        fs::copy(fixture().join("sample").join(f), dir.join("sample").join(f)).unwrap();
    }
    dir
}

#[test]
fn stale_data_is_refused_naming_the_owner() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_fixture(tmp.path());
    // Handed in 60 days before "now"; the template allows 45.
    let file = fs::File::options().write(true).open(dir.join("dorm.xlsx")).unwrap();
    file.set_modified(UNIX_EPOCH + Duration::from_secs((NOW - 60 * 86_400) as u64))
        .unwrap();
    drop(file);
    let tpl = Template::load(&dir).unwrap();
    let mut data = campus_kiosk::adapters::files::data_dir::load(&dir.join("sample")).unwrap();
    let e = spreadsheet::bind(&tpl, &mut data, NOW).unwrap_err();
    assert!(
        matches!(
            e,
            SheetError::Stale {
                age_days: 60,
                max_age_days: 45,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("宿舍管理科"), "{e}");
    // `kiosk template check` says so too.
    let problems = campus_kiosk::authoring::check::check_dir(book(), &dir, NOW);
    assert!(
        problems.iter().any(|p| p.message.contains("60 days old")),
        "{problems:?}"
    );
    // Fresh enough 50 days earlier.
    assert!(spreadsheet::bind(&tpl, &mut data, NOW - 50 * 86_400).is_ok());
}

#[test]
fn a_person_not_in_the_list_is_refused_and_check_reports_bad_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_fixture(tmp.path());
    let tpl = Template::load(&dir).unwrap();
    let mut data = campus_kiosk::adapters::files::data_dir::load(&dir.join("sample")).unwrap();
    data.person.as_mut().unwrap()["id"] = serde_json::json!("2099000000");
    let e = spreadsheet::bind(&tpl, &mut data, NOW).unwrap_err().to_string();
    assert!(
        e.contains("2099000000 is not in the list") && e.contains("宿舍管理科"),
        "{e}"
    );

    // Point the template at the file with bad rows: check lists them all.
    let toml = fs::read_to_string(dir.join("template.toml"))
        .unwrap()
        .replace("\"dorm.xlsx\"", "\"dorm-bad.xlsx\"");
    fs::write(dir.join("template.toml"), toml).unwrap();
    let problems = campus_kiosk::authoring::check::check_dir(book(), &dir, NOW);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .all(|p| p.message.contains("dorm-bad.xlsx [住宿名单] row")),
        "{problems:?}"
    );
}

#[test]
fn the_spreadsheet_service_prints() {
    assert!(campus_kiosk::authoring::check::check_dir(book(), &fixture(), NOW).is_empty());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dorm.pdf");
    let res = kiosk(
        &[
            "template",
            "preview",
            fixture().to_str().unwrap(),
            "--data",
            fixture().join("sample").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let text = squash(&run("pdftotext", &[out.to_str().unwrap(), "-"]));
    assert!(
        text.contains("紫荆公寓3号楼512室2号床") && text.contains("1200.00元"),
        "{text}"
    );
}

#[test]
fn a_sheet_that_claims_a_far_corner_is_refused_before_it_is_allocated() {
    // The department's own file with one more cell, at XFD1048576: read
    // whole, that is 17 billion cells.
    let tmp = tempfile::tempdir().unwrap();
    let bomb = tmp.path().join("dorm.xlsx");
    let script = r#"
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
    for item in z.infolist():
        data = z.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
            data = data.replace(b"</sheetData>", far)
        out.writestr(item, data)
"#;
    run(
        "python3",
        &[
            "-c",
            script,
            fixture().join("dorm.xlsx").to_str().unwrap(),
            bomb.to_str().unwrap(),
        ],
    );
    let e = spreadsheet::read(&bomb, &spec()).unwrap_err().to_string();
    assert!(e.contains("XFD1048576") && e.contains("at most 20000 rows"), "{e}");
    // A CSV with too many columns likewise.
    let wide = write_csv(tmp.path(), "wide.csv", &format!("学号{}\n", ",x".repeat(200)), false);
    let e = spreadsheet::read(&wide, &spec()).unwrap_err().to_string();
    assert!(e.contains("at most 20000 rows and 100 columns"), "{e}");
}

#[test]
fn spreadsheet_text_is_held_to_the_platforms_rules() {
    let tmp = tempfile::tempdir().unwrap();
    // A bidi override in a name, a zero-width space in a building, and a
    // decomposed name that is fine once composed.
    let text = "学号,姓名,楼栋,房间,床位,入住日期,床位费\n\
                2023011234,王\u{202e}明小,紫荆公寓3号楼,512,2,2022-09-01,1200\n\
                2024020456,李思远,丁香\u{200b}公寓,208,4,2023-09-02,900\n\
                2024000001,Mu\u{308}ller,海棠公寓,101,1,2024-09-01,1000\n";
    let p = write_csv(tmp.path(), "x.csv", text, false);
    let (table, _) = spreadsheet::read(&p, &spec()).unwrap();
    let e = table.row("2023011234", "x").unwrap_err().to_string();
    assert!(e.contains("row 2, column B (姓名)") && e.contains("U+202E"), "{e}");
    let e = table.row("2024020456", "x").unwrap_err().to_string();
    assert!(e.contains("column C (楼栋)") && e.contains("U+200B"), "{e}");
    assert_eq!(table.row("2024000001", "x").unwrap()["姓名"], "Müller");
}
