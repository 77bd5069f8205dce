//! The `directory` printer.

mod common;

use std::fs;

use campus_kiosk::adapters::printer_dir::{DirectoryPrinter, PrintJob, PrinterError};
use campus_kiosk::export::pdf;
use campus_kiosk::pipeline;
use campus_kiosk::printing::{JobOutcome, Readiness, readiness};
use common::*;

#[test]
fn a_job_lands_whole_under_its_id() {
    let tmp = tempfile::tempdir().unwrap();
    let printer = DirectoryPrinter::new(tmp.path());
    assert!(matches!(readiness(&printer.status().unwrap()), Readiness::Ready { .. }));
    let (doc, _) = pipeline::render(book(), &template("transcript-zh"), &sample("2022011234"), ISSUED_AT).unwrap();
    let bytes = pdf::to_pdf(book(), &doc).unwrap();
    let job = PrintJob {
        job_id: "5f0c6a52-2f36-4c0e-9d8e-1b2a3c4d5e6f",
        pdf: &bytes,
        copies: 2,
        pages: 2,
        duplex: false,
    };
    assert_eq!(
        printer.print(&job).unwrap(),
        JobOutcome::Printed { impressions: Some(4) }
    );
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // Only the finished file: no temporary or probe file is left behind.
    assert_eq!(names, ["5f0c6a52-2f36-4c0e-9d8e-1b2a3c4d5e6f.pdf"]);
    assert!(
        fs::read(tmp.path().join(&names[0])).unwrap() == bytes,
        "the file is the PDF sent"
    );
    run("qpdf", &["--check", tmp.path().join(&names[0]).to_str().unwrap()]);

    // A job id is printed once; a duplex job counts sheets' sides.
    assert!(matches!(printer.print(&job), Err(PrinterError::Duplicate(_))));
    let duplex = PrintJob {
        job_id: "b2",
        duplex: true,
        pages: 3,
        copies: 1,
        ..job
    };
    assert_eq!(
        printer.print(&duplex).unwrap(),
        JobOutcome::Printed { impressions: Some(2) }
    );
    assert!(matches!(
        printer.print(&PrintJob { job_id: "../x", ..job }),
        Err(PrinterError::BadJobId(_))
    ));
}

#[test]
fn an_unusable_folder_is_named_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    // A missing folder is created.
    let missing = DirectoryPrinter::new(tmp.path().join("new/jobs"));
    assert!(missing.status().is_ok());
    assert!(tmp.path().join("new/jobs").is_dir());
    // A file where the folder should be: nothing can be written under it.
    let file = tmp.path().join("file");
    fs::write(&file, b"x").unwrap();
    let blocked = DirectoryPrinter::new(&file);
    let job = PrintJob {
        job_id: "j1",
        pdf: b"%PDF",
        copies: 1,
        pages: 1,
        duplex: false,
    };
    let e = blocked.print(&job).unwrap_err().to_string();
    assert!(e.contains("not a folder"), "{e}");
    let nested = DirectoryPrinter::new(file.join("sub"));
    let e = nested.print(&job).unwrap_err();
    assert!(matches!(e, PrinterError::Unusable { .. }));
    assert!(
        e.to_string().contains("file/sub") && e.to_string().contains("printer.dir"),
        "{e}"
    );
}
