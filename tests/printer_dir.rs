//! The `directory` printer, through the printer port.

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use campus_kiosk::adapters::printing::dir::DirectoryPrinter;
use campus_kiosk::export::pdf;
use campus_kiosk::pipeline;
use campus_kiosk::printing::{Follow, PrintError};
use campus_kiosk::printing::{JobOutcome, PrintJob, Printer, PrinterErrorKind, Readiness, readiness};

const FOLLOW: Follow = Follow {
    poll: Duration::from_millis(10),
    stuck_after: Duration::from_secs(5),
};

fn job(id: &str, pdf: &[u8]) -> PrintJob {
    PrintJob {
        id: id.into(),
        title: "transcript".into(),
        pdf: Arc::from(pdf),
        copies: 2,
        pages: 2,
        duplex: false,
    }
}

async fn print_it(printer: &Arc<DirectoryPrinter>, job: &PrintJob) -> Result<JobOutcome, PrintError> {
    print_recorded(printer.clone(), job, FOLLOW).await.0
}

#[tokio::test]
async fn a_job_lands_whole_under_its_id() {
    let tmp = tempfile::tempdir().unwrap();
    let printer = Arc::new(DirectoryPrinter::new(tmp.path()));
    assert!(matches!(
        readiness(&printer.status().await.unwrap()),
        Readiness::Ready { .. }
    ));
    let (doc, _) = pipeline::render(book(), &template("transcript-zh"), &sample("2023011234"), ISSUED_AT).unwrap();
    let bytes = pdf::to_pdf(book(), &doc).unwrap();
    let first = job("5f0c6a52-2f36-4c0e-9d8e-1b2a3c4d5e6f", &bytes);
    assert_eq!(
        print_it(&printer, &first).await.unwrap(),
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
    // A printed document holds a person's data: its owner's only.
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(tmp.path().join(&names[0])).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    run("qpdf", &["--check", tmp.path().join(&names[0]).to_str().unwrap()]);

    // A job id is printed once; a duplex job counts sheets' sides.
    match print_it(&printer, &first).await {
        Err(PrintError::Printer(e)) => {
            assert_eq!(e.kind, PrinterErrorKind::Refused);
            assert!(e.detail.contains("already printed"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let duplex = PrintJob {
        duplex: true,
        pages: 3,
        copies: 1,
        ..job("b2", &bytes)
    };
    assert_eq!(
        print_it(&printer, &duplex).await.unwrap(),
        JobOutcome::Printed { impressions: Some(2) }
    );
    match print_it(&printer, &job("../x", &bytes)).await {
        Err(PrintError::Printer(e)) => assert!(e.detail.contains("job id"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_unusable_folder_is_named_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    // A missing folder is created.
    let missing = Arc::new(DirectoryPrinter::new(tmp.path().join("new/jobs")));
    assert!(missing.status().await.is_ok());
    assert!(tmp.path().join("new/jobs").is_dir());
    // A file where the folder should be: nothing can be written under it.
    let file = tmp.path().join("file");
    fs::write(&file, b"x").unwrap();
    let blocked = Arc::new(DirectoryPrinter::new(&file));
    let j = job("j1", b"%PDF");
    let e = print_it(&blocked, &j).await.unwrap_err().to_string();
    assert!(e.contains("not a folder"), "{e}");
    let nested = Arc::new(DirectoryPrinter::new(file.join("sub")));
    match print_it(&nested, &j).await {
        Err(PrintError::Printer(e)) => {
            assert_eq!(e.kind, PrinterErrorKind::Misconfigured);
            assert!(
                e.to_string().contains("file/sub") && e.to_string().contains("printer.dir"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
}
