//! The kiosk's screens, driven headless with `iced_test`: real clicks on
//! real views, real tasks (platform calls to the reference platform on
//! 127.0.0.1, rendering, printing into a folder), and a clock moved by
//! hand. Each journey is what a person at the terminal does.

use std::sync::Arc;

use crate::common::*;
use campus_kiosk::adapters::card_reader::ReaderEvent;
use campus_kiosk::adapters::journal::SqliteJournal;
use campus_kiosk::adapters::platform::demo::DemoServer;
use campus_kiosk::core::clock::ManualClock;
use campus_kiosk::core::session::{Activity, State};
use campus_kiosk::i18n::{T, tr};
use campus_kiosk::journal::fake::FakeJournal;
use campus_kiosk::journal::{Attempt, Journal, Made, Stage};
use campus_kiosk::platform::fake::FakePlatform;
use campus_kiosk::printing::Follow;
use campus_kiosk::printing::fake::{self, FakePrinter};
use campus_kiosk::ui::devices::qr_events;
use campus_kiosk::ui::setup::{Setup, load_fonts};
use campus_kiosk::ui::{Kiosk, Message};
use iced::Task;
use iced_test::runtime::futures::futures::StreamExt;
use iced_test::{Simulator, runtime};

/// A kiosk, its runtime and its clock.
struct Driver {
    app: Kiosk,
    rt: tokio::runtime::Runtime,
    clock: ManualClock,
    server: DemoServer,
    platform: Arc<dyn campus_kiosk::platform::Platform>,
    printed: tempfile::TempDir,
    /// A text to look for on screen after every print progress message,
    /// and whether it was seen.
    watch: Option<(String, bool)>,
    /// A text to wait for (after print progress messages), and where to
    /// save a snapshot when it shows.
    snap_when: Option<(String, std::path::PathBuf, &'static str)>,
    /// The screen, in logical pixels: portrait unless a test turns it.
    size: (f32, f32),
    /// The journal the kiosk writes.
    journal: Arc<dyn Journal>,
    /// The fakes it runs on instead of the reference platform, the SQLite
    /// journal and the folder printer, if it does.
    fakes: Option<Fakes>,
}

/// The ports of a kiosk on fakes.
#[derive(Clone)]
struct Fakes {
    platform: Arc<FakePlatform>,
    journal: Arc<FakeJournal>,
    printer: Arc<FakePrinter>,
}

impl Fakes {
    /// Fakes that know the reference platform's people (`data`, laid out
    /// as assets/sample-data): their cards, records and datasets.
    fn from_examples(data: &std::path::Path) -> Fakes {
        let platform = FakePlatform::new();
        let cards: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(data.join("cards.json")).unwrap()).unwrap();
        for (uid, card) in cards.as_object().unwrap() {
            if card.get("frozen").and_then(|f| f.as_bool()) == Some(true) {
                continue;
            }
            let id = card["person_id"].as_str().unwrap();
            let records = campus_kiosk::adapters::files::data_dir::load(&data.join(id)).unwrap();
            let person = campus_kiosk::platform::validate::person(records.person.as_ref().unwrap(), "person").unwrap();
            platform.card_of(uid, person);
            platform.records_of(id, records);
        }
        Fakes {
            platform: Arc::new(platform),
            journal: Arc::new(FakeJournal::new()),
            printer: Arc::new(FakePrinter::new()),
        }
    }
}

fn settings() -> iced::Settings {
    iced::Settings {
        default_font: campus_kiosk::ui::style::FONT,
        ..iced::Settings::default()
    }
}

impl Driver {
    fn new() -> Driver {
        Driver::with(|_| {})
    }

    /// A demo kiosk, changed by `adjust` before it starts.
    fn with(adjust: impl FnOnce(&mut Setup)) -> Driver {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let clock = ManualClock::new(time::macros::datetime!(2026-11-22 23:30 UTC));
        let printed = tempfile::tempdir().unwrap();
        let (mut setup, server) = rt
            .block_on(Setup::demo(
                &root().join("kiosk-config/demo"),
                &root().join("assets/sample-data"),
                printed.path(),
                Arc::new(clock.clone()),
            ))
            .unwrap();
        // Printer follow-up without waiting between looks.
        setup.follow = Follow {
            poll: std::time::Duration::from_millis(5),
            stuck_after: std::time::Duration::from_secs(20),
        };
        adjust(&mut setup);
        load_fonts(setup.book);
        let platform = setup.platform.clone();
        let journal = setup.journal.clone();
        let (app, boot) = Kiosk::new(setup);
        let mut d = Driver {
            app,
            rt,
            clock,
            server,
            platform,
            printed,
            watch: None,
            snap_when: None,
            size: (1080.0, 1920.0),
            journal,
            fakes: None,
        };
        d.run(boot);
        d
    }

    /// A demo kiosk whose platform, journal and printer are fakes.
    fn on_fakes() -> Driver {
        let fakes = Fakes::from_examples(&root().join("assets/sample-data"));
        let f = fakes.clone();
        let mut d = Driver::with(move |s| {
            s.platform = f.platform;
            s.journal = f.journal;
            s.printer = f.printer;
            s.durable = None;
        });
        d.fakes = Some(fakes);
        d
    }

    /// The PDFs handed to the printer so far, oldest first.
    fn printed_pdfs(&self) -> Vec<Vec<u8>> {
        match &self.fakes {
            Some(f) => f.printer.submitted().iter().map(|j| j.pdf.to_vec()).collect(),
            None => {
                let mut files = self.printed();
                files.sort();
                files.iter().map(|f| std::fs::read(f).unwrap()).collect()
            }
        }
    }

    /// Every attempt in the kiosk's journal, oldest first.
    fn attempts(&self) -> Vec<Attempt> {
        match &self.fakes {
            Some(f) => f.journal.all(),
            None => SqliteJournal::open(&self.printed.path().join("journal.sqlite"))
                .unwrap()
                .all()
                .unwrap(),
        }
    }

    /// Runs a task to its end, feeding every message it yields back in.
    fn run(&mut self, task: Task<Message>) {
        let Some(stream) = runtime::task::into_stream(task) else {
            return;
        };
        let _guard = self.rt.enter();
        let actions: Vec<_> = self.rt.block_on(stream.collect());
        for a in actions {
            if let runtime::Action::Output(m) = a {
                self.send(m);
            }
        }
    }

    fn send(&mut self, m: Message) {
        let _guard = self.rt.enter();
        let progress = matches!(m, Message::PrintProgress(..));
        let t = self.app.update(m);
        if !progress {
            self.run(t);
            return;
        }
        if let Some((text, false)) = self.watch.clone()
            && self.shows(&text)
        {
            self.watch = Some((text, true));
        }
        if let Some((text, dir, name)) = self.snap_when.clone()
            && self.shows(&text)
        {
            self.snapshot(&dir, name);
            self.snap_when = None;
        }
        self.run(t);
    }

    /// Clicks the text `label` on the current screen.
    fn click(&mut self, label: &str) {
        let messages: Vec<Message> = {
            let mut ui = Simulator::with_size(settings(), self.size, self.app.view());
            if let Err(e) = ui.click(label) {
                panic!("no {label:?} to click on {:?}: {e}", self.app.state());
            }
            ui.into_messages().collect()
        };
        assert!(!messages.is_empty(), "clicking {label:?} did nothing");
        for m in messages {
            self.send(m);
        }
    }

    fn t(&self, key: T) -> &'static str {
        tr(self.app.lang(), key)
    }

    /// Where `label` shows, if it is on the screen and not clipped.
    fn visible(&mut self, label: &str) -> Option<iced::Rectangle> {
        let mut ui = Simulator::with_size(settings(), self.size, self.app.view());
        let found = ui.find(label).ok()?;
        if std::env::var_os("SHOW_BOUNDS").is_some() {
            eprintln!("{label}: {:?} visible {:?}", found.bounds(), found.visible_bounds());
        }
        let b = found.visible_bounds()?;
        let (w, h) = self.size;
        (b.x >= 0.0 && b.y >= 0.0 && b.x + b.width <= w + 0.5 && b.y + b.height <= h + 0.5).then_some(b)
    }

    /// Clicks at a point of the screen.
    fn click_at(&mut self, x: f32, y: f32) {
        let messages: Vec<Message> = {
            let mut ui = Simulator::with_size(settings(), self.size, self.app.view());
            ui.point_at(iced::Point::new(x, y));
            let _ = ui.simulate(iced_test::simulator::click());
            ui.into_messages().collect()
        };
        for m in messages {
            self.send(m);
        }
    }

    /// Whether `label` shows on the current screen.
    fn shows(&mut self, label: &str) -> bool {
        let mut ui = Simulator::with_size(settings(), self.size, self.app.view());
        ui.find(label).is_ok()
    }

    /// The current screen rendered to a PNG in `dir` (as iced_test names
    /// it: `<name>-<renderer>.png`); its path.
    fn snapshot(&self, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
        let dir = dir.join(name);
        let mut ui = Simulator::with_size(settings(), self.size, self.app.view());
        let snap = ui.snapshot(&iced::Theme::Light).unwrap();
        assert!(snap.matches_image(dir.join(name)).unwrap());
        std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .next()
            .expect("the snapshot was written")
    }

    /// Five taps on the attract screen's hidden top-left corner.
    fn open_technician(&mut self) {
        for _ in 0..5 {
            let messages: Vec<Message> = {
                let mut ui = Simulator::with_size(settings(), self.size, self.app.view());
                ui.point_at(iced::Point::new(100.0, 100.0));
                let _ = ui.simulate(iced_test::simulator::click());
                ui.into_messages().collect()
            };
            for m in messages {
                self.send(m);
            }
        }
    }

    fn tap(&mut self, uid: &str) {
        self.send(Message::Reader(ReaderEvent::Tap(uid.into())));
    }

    fn wait(&mut self, ms: u64) {
        self.clock.advance(ms);
        self.send(Message::Tick);
    }

    /// The PDFs printed so far.
    fn printed(&self) -> Vec<std::path::PathBuf> {
        std::fs::read_dir(self.printed.path())
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A student taps the card, previews the Chinese transcript, prints two
/// copies, rates the visit and logs out: what any kiosk must do, on any
/// ports. The printed PDF.
fn print_two_transcripts_and_log_out(d: &mut Driver) -> std::path::PathBuf {
    d.tap("04A1B2C3");
    assert!(matches!(d.app.state(), State::SignedIn { .. }), "{:?}", d.app.state());
    assert!(d.shows("王*明 · 2023****34"), "the name and id, masked");
    d.click("中文成绩单");
    assert!(matches!(
        d.app.state(),
        State::SignedIn {
            activity: Activity::Previewing { .. },
            ..
        }
    ));
    assert!(
        d.shows("第 1 页 / 共 2 页"),
        "the preview shows the first of the transcript's pages"
    );
    d.click(d.t(T::NextPage));
    assert!(d.shows("第 2 页 / 共 2 页"));
    d.click("+");
    assert!(d.shows("2"), "two copies");
    d.click(d.t(T::Print));
    assert!(matches!(d.app.state(), State::Done { .. }), "{:?}", d.app.state());
    assert!(d.shows(d.t(T::TakeDocuments)));
    // The printed file is the document, as a sound PDF.
    let printed = d.printed_pdfs();
    assert_eq!(printed.len(), 1);
    std::fs::create_dir_all(d.printed.path().join("copies")).unwrap();
    let pdf = d.printed.path().join("copies/handed-over.pdf");
    std::fs::write(&pdf, &printed[0]).unwrap();
    run("qpdf", &["--check", pdf.to_str().unwrap()]);
    let text = run("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    assert!(text.contains("王小明") && text.contains("2023011234"), "{text}");
    // 23:30 UTC is 07:30 the next morning at the terminal (+08:00): the
    // document is dated by the terminal's day.
    assert!(text.contains("2026-11-23"), "{text}");
    d.click("5");
    assert!(d.shows(d.t(T::Thanks)));
    // The journal has the attempt, its steps and its rating, waiting in
    // the outbox for the platform: ids and counts, no content.
    let all = d.attempts();
    assert_eq!(all.len(), 1, "{all:?}");
    let a = &all[0];
    assert_eq!(a.stage, Stage::Printed);
    assert_eq!((a.service.as_str(), a.person.as_str()), ("transcript-zh", "2023011234"));
    assert_eq!((a.pages, a.copies, a.rating), (2, 2, Some(5)));
    assert!(a.created_at.starts_with("2026-11-23T07:30"), "{}", a.created_at);
    assert_eq!(
        a.content_sha256.as_deref(),
        Some(campus_kiosk::flow::print::digest(&printed[0]).as_str()),
        "the printed PDF's SHA-256"
    );
    assert_eq!(d.journal.outbox().unwrap().len(), 1);
    d.click(d.t(T::Finish));
    assert_eq!(d.app.state(), &State::Idle);
    assert!(!d.app.holds_personal_data());
    pdf
}

#[test]
fn card_tap_to_printed_pages_and_logout() {
    let mut d = Driver::new();
    let pdf = print_two_transcripts_and_log_out(&mut d);
    // Its verification code is sealed by the demo's key: the keyring
    // beside the printed files verifies it.
    let keyring = d.printed.path().join("keyring.toml");
    let out = kiosk(
        &["verify", pdf.to_str().unwrap(), "--keyring", keyring.to_str().unwrap()],
        &root(),
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.starts_with("VALID"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("姓名 Name: 王小明") && said.contains("service: transcript-zh"),
        "{said}"
    );
}

#[test]
fn the_same_visit_on_the_fakes() {
    let mut d = Driver::on_fakes();
    print_two_transcripts_and_log_out(&mut d);
    let fakes = d.fakes.clone().unwrap();
    // The printer was handed one job of two copies; the platform was asked
    // for the card and the transcript, and nothing went to the reference
    // platform.
    let jobs = fakes.printer.submitted();
    assert_eq!((jobs.len(), jobs[0].copies), (1, 2));
    let calls = fakes.platform.calls();
    assert!(calls.iter().any(|c| c == "card 04A1B2C3"), "{calls:?}");
    assert!(calls.iter().any(|c| c.contains("transcript")), "{calls:?}");
    assert!(d.printed().is_empty(), "the folder printer was not used");
    // Steps in order, each written before its action.
    let steps: Vec<&str> = fakes.journal.steps().into_iter().map(|(_, s)| s).collect();
    assert_eq!(steps, ["created", "rendered", "submitted", "printed"]);
}

#[test]
fn a_journal_that_cannot_write_stops_the_print_and_nothing_is_sent() {
    let mut d = Driver::on_fakes();
    let fakes = d.fakes.clone().unwrap();
    d.tap("04A1B2C3");
    d.click("中文成绩单");
    fakes.journal.fail("submitting");
    d.click(d.t(T::Print));
    assert!(matches!(d.app.state(), State::Fault { .. }), "{:?}", d.app.state());
    assert!(d.shows(d.t(T::NothingCharged)));
    assert!(fakes.printer.submitted().is_empty(), "nothing was handed over");
    fakes.journal.heal();
    let all = d.attempts();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].stage, Stage::Failed, "the record says it did not print");
}

#[test]
fn a_suspended_student_sees_the_certificate_greyed_with_the_reason() {
    let mut d = Driver::new();
    d.tap("04D5E6F708A1B2");
    assert!(matches!(d.app.state(), State::SignedIn { .. }), "{:?}", d.app.state());
    assert!(d.shows("你的学籍状态不是“在读”，不能开具在读证明。请到教务处咨询。"));
    // Greyed: clicking it does nothing.
    let mut ui = Simulator::with_size(settings(), (1080.0, 1920.0), d.app.view());
    ui.click("在读证明").ok();
    assert_eq!(ui.into_messages().count(), 0, "a greyed service does not open");
    // Transcripts stay available.
    d.click("中文成绩单");
    assert!(matches!(
        d.app.state(),
        State::SignedIn {
            activity: Activity::Previewing { .. },
            ..
        }
    ));
}

/// Puts `copies` printed copies of `service` for `person` in the journal.
fn printed_before(j: &dyn campus_kiosk::journal::Journal, service: &str, person: &str, copies: u32, at: &str) {
    use campus_kiosk::printing::JobOutcome;
    let id = j.create_within("DEMO-01", service, person, copies, at, None).unwrap();
    j.rendered(&id, &Made::unsealed("D", 2, "x"), at).unwrap();
    j.submitting(&id, at).unwrap();
    j.finished(&id, &JobOutcome::Printed { impressions: None }, at).unwrap();
}

#[test]
fn a_used_up_quota_greys_the_service_and_caps_the_copies() {
    // The transcripts allow 20 copies a term; the term (by default) began
    // on 1 August. Earlier this term Wang printed all 20 Chinese ones and
    // 15 English ones; copies from the last term do not count.
    let mut d = Driver::with(|s| {
        printed_before(
            s.journal.as_ref(),
            "transcript-zh",
            "2023011234",
            20,
            "2026-10-09T10:00:00+08:00",
        );
        printed_before(
            s.journal.as_ref(),
            "transcript-en",
            "2023011234",
            15,
            "2026-11-02T10:00:00+08:00",
        );
        printed_before(
            s.journal.as_ref(),
            "transcript-en",
            "2023011234",
            10,
            "2026-07-30T10:00:00+08:00",
        );
    });
    d.tap("04A1B2C3");
    assert!(d.shows("本学期你已打印 20 份，已达每学期 20 份的上限。"));
    let mut ui = Simulator::with_size(settings(), (1080.0, 1920.0), d.app.view());
    ui.click("中文成绩单").ok();
    assert_eq!(ui.into_messages().count(), 0, "a used-up service does not open");
    assert!(
        d.shows("本学期还可打印 5 份（每学期 20 份）"),
        "what is left shows on the list"
    );
    d.click("英文成绩单");
    assert!(d.shows("本学期还可打印 5 份（每学期 20 份）"));
    assert!(d.shows("最多 5 份"), "the copies stop at what is left");
    // Seven taps on "+": the last ones do nothing.
    for _ in 0..7 {
        let mut ui = Simulator::with_size(settings(), (1080.0, 1920.0), d.app.view());
        let _ = ui.click("+");
        let messages: Vec<Message> = ui.into_messages().collect();
        for m in messages {
            d.send(m);
        }
    }
    assert!(d.shows("5") && !d.shows("6"), "five copies at most");

    // Meanwhile two more were printed for Wang: the quota is checked again
    // as the attempt is written, and nothing is sent.
    let j = campus_kiosk::adapters::journal::SqliteJournal::open(&d.printed.path().join("journal.sqlite")).unwrap();
    printed_before(&j, "transcript-en", "2023011234", 2, "2026-11-23T07:00:00+08:00");
    d.click(d.t(T::Print));
    assert!(matches!(d.app.state(), State::Fault { .. }), "{:?}", d.app.state());
    assert!(
        d.shows("本学期你已打印 17 份，已达每学期 20 份的上限。"),
        "the reason is told"
    );
    assert!(d.shows(d.t(T::NothingCharged)));
    assert!(d.printed().is_empty(), "nothing was printed");
    assert_eq!(j.all().unwrap().len(), 4, "no attempt was written");
}

#[test]
fn a_department_list_names_who_to_ask() {
    // The dormitory certificate reads the student affairs office's list.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dormitory-certificate");
    std::fs::create_dir(&dir).unwrap();
    let fixture = root().join("tests/fixtures/dormitory-certificate");
    let toml = std::fs::read_to_string(fixture.join("template.toml"))
        .unwrap()
        .replace("file = \"dorm.xlsx\"", "file = \"dorm.csv\"");
    std::fs::write(dir.join("template.toml"), toml).unwrap();
    // Only 李思远 is on it.
    let list = dir.join("dorm.csv");
    std::fs::write(
        &list,
        "学号,姓名,楼栋,房间,床位,入住日期,床位费\n2024020456,李思远,丁香公寓1号楼,208,4,2023-09-02,900.5\n",
    )
    .unwrap();
    let with_dorm = |s: &mut Setup| {
        let mut all: Vec<_> = s.templates.iter().cloned().collect();
        all.push(Arc::new(campus_kiosk::template::Template::load(&dir).unwrap()));
        s.templates = Arc::new(all);
    };
    let mut d = Driver::with(with_dorm);
    d.tap("04A1B2C3");
    assert!(d.shows("你不在该部门的名单中，请向学生处宿舍管理科（电话 8888-1234）咨询。"));

    // A list older than the template allows is the department's to renew:
    // it says so, and whom to ask, to everyone.
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_788_000_000);
    std::fs::File::options()
        .write(true)
        .open(&list)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let mut d = Driver::with(with_dorm);
    d.tap("04A1B2C3");
    assert!(d.shows("该部门的数据已过期，暂时无法出具，请联系学生处宿舍管理科（电话 8888-1234）。"));
}

#[test]
fn an_unknown_card_is_told_and_the_attract_screen_returns() {
    let mut d = Driver::new();
    d.tap("DEADBEEF");
    assert!(matches!(d.app.state(), State::Fault { .. }), "{:?}", d.app.state());
    assert!(d.shows("未找到你的信息，请到服务台咨询。"));
    d.click(d.t(T::BackToStart));
    assert_eq!(d.app.state(), &State::Idle);
    // A lost card is told as such.
    d.tap("0BADCAFE");
    assert!(d.shows("这张校园卡已挂失，请到校园卡服务中心办理。"));
    // The fault goes away by itself too, counting down.
    assert!(d.shows("15 秒后回到首页"));
    d.wait(15_000);
    assert_eq!(d.app.state(), &State::Idle);
    assert!(d.shows(d.t(T::TapCard)));
}

#[test]
fn idle_timeout_counts_down_then_wipes_the_session() {
    let mut d = Driver::new();
    d.tap("04A1B2C3");
    d.click("中文成绩单");
    assert!(d.app.holds_personal_data());
    d.wait(50_500);
    assert!(d.shows(d.t(T::StillThere)), "the countdown shows");
    assert!(d.shows("10 秒后自动退出"));
    d.click(d.t(T::Continue));
    assert!(!d.shows(d.t(T::StillThere)), "a touch keeps the session");
    d.wait(60_000);
    assert_eq!(d.app.state(), &State::Idle);
    assert!(!d.app.holds_personal_data(), "everything about the person is dropped");
    assert!(d.shows(d.t(T::TapCard)));
}

#[test]
fn the_language_switches_everywhere() {
    let mut d = Driver::new();
    d.click("English");
    assert!(d.shows("Place your campus card on the reader"));
    d.tap("04A1B2C3");
    assert!(d.shows("Choose a document to print"));
    assert!(d.shows("Transcript (Chinese)"), "service names in English");
    // The next person starts in Chinese.
    d.click("Log out");
    assert!(d.shows("请将校园卡放在读卡区"));
}

#[test]
fn the_attract_screen_says_what_prints_and_what_is_wrong() {
    let mut d = Driver::new();
    assert!(d.shows("本机可打印：在读证明 · 中文成绩单 · 英文成绩单"));
    assert!(
        !d.shows("打印机暂时无法使用：打印机缺纸。"),
        "no banner while the printer is fine"
    );
    let printer = FakePrinter::new();
    printer.statuses([Ok(fake::with_reasons(&["media-empty-error"]))]);
    let mut d = Driver::with(move |s| s.printer = Arc::new(printer));
    assert!(
        d.shows("打印机暂时无法使用：打印机缺纸。"),
        "the empty tray is said before anyone signs in"
    );
}

#[test]
fn a_keyboard_wedge_reader_types_a_card_on_the_attract_screen() {
    use campus_kiosk::reader::{ByteOrder, Protocol, UidFormat};
    let mut d = Driver::with(|s| {
        s.wedge = Some(Protocol::Keyboard {
            format: UidFormat::Decimal,
            order: ByteOrder::Msb,
        })
    });
    // The reader types the UID as ten decimal digits, then Enter.
    let mut events: Vec<iced::Event> = Vec::new();
    for c in "0077705923".chars() {
        let s = c.to_string();
        events.extend(iced_test::simulator::tap_key(
            iced::keyboard::Key::Character(s.as_str().into()),
            Some(s.as_str().into()),
        ));
    }
    events.extend(iced_test::simulator::tap_key(
        iced::keyboard::Key::Named(iced::keyboard::key::Named::Enter),
        None,
    ));
    for e in events {
        if let iced::Event::Keyboard(k) = e {
            d.send(Message::Key(k));
        }
    }
    assert!(matches!(d.app.state(), State::SignedIn { .. }), "{:?}", d.app.state());
    assert!(d.shows("王*明 · 2023****34"));
}

#[test]
fn the_technician_screen_refuses_a_wrong_pin_and_locks() {
    let mut d = Driver::new();
    d.open_technician();
    assert!(d.shows(d.t(T::EnterPin)));
    for attempt in 0..3 {
        for digit in ["1", "1", "1", "1"] {
            d.click(digit);
        }
        d.click(d.t(T::Enter));
        if attempt < 2 {
            assert!(d.shows(d.t(T::WrongPin)));
        }
    }
    assert!(d.shows("已锁定，300 秒后可再试"), "locked after three wrong PINs");
    // Locked: the right PIN cannot even be typed.
    assert!(!d.shows("2"));
    // Left alone, the lockout screen gives way to the attract screen; the
    // lockout outlives it.
    d.wait(61_000);
    assert!(d.shows(d.t(T::TapCard)));
    d.open_technician();
    assert!(d.shows("已锁定，239 秒后可再试"), "still locked");
    d.wait(240_000);
    assert!(d.shows(d.t(T::TapCard)));
    d.open_technician();
    for digit in ["2", "4", "6", "8"] {
        d.click(digit);
    }
    d.click(d.t(T::Enter));
    assert!(d.shows(d.t(T::TestPage)), "unlocked with the right PIN");
    assert!(d.shows("terminal: DEMO-01 · 演示终端 Demo terminal"));
    assert!(d.shows("journal: every record is with the platform"));
    // How quotas are counted is known once someone signs in.
    assert!(d.shows("quotas: no one has signed in yet"));
    // A record the platform has not taken shows at the next look.
    let j = campus_kiosk::adapters::journal::SqliteJournal::open(&d.printed.path().join("journal.sqlite")).unwrap();
    printed_before(&j, "transcript-zh", "2023011234", 1, "2026-10-09T10:00:00+08:00");
    d.send(Message::CheckPrinter);
    assert!(d.shows("journal: 1 record waiting for the platform, the oldest from 2026-10-09T10:00:00+08:00"));
}

#[test]
fn the_technician_screen_is_no_door_left_open() {
    let mut d = Driver::new();
    // The keys stay where they are after a wrong PIN.
    d.open_technician();
    let keys = |d: &mut Driver| -> Vec<iced::Rectangle> {
        ["1", "5", "9", "0"].iter().map(|k| d.visible(k).unwrap()).collect()
    };
    let before = keys(&mut d);
    for digit in ["1", "1", "1", "1"] {
        d.click(digit);
    }
    d.click(d.t(T::Enter));
    assert!(d.shows(d.t(T::WrongPin)));
    assert_eq!(keys(&mut d), before, "the PIN pad moved under the finger");

    // Left alone, the PIN pad gives way to the attract screen.
    d.wait(30_000);
    assert!(d.shows(d.t(T::EnterPin)));
    d.wait(31_000);
    assert!(d.shows(d.t(T::TapCard)), "the PIN pad closed after the idle time");

    // A student's card on the PIN pad, and on the lockout screen, signs
    // the student in.
    d.open_technician();
    d.tap("04A1B2C3");
    assert!(matches!(d.app.state(), State::SignedIn { .. }), "{:?}", d.app.state());
    assert!(d.shows("王*明 · 2023****34"));
    d.click(d.t(T::Logout));
    d.open_technician();
    // Wrong PINs count across openings: the earlier one was the first.
    for _ in 0..2 {
        for digit in ["1", "1", "1", "1"] {
            d.click(digit);
        }
        d.click(d.t(T::Enter));
    }
    assert!(d.shows("已锁定，300 秒后可再试"));
    d.tap("04A1B2C3");
    assert!(matches!(d.app.state(), State::SignedIn { .. }), "{:?}", d.app.state());
    d.click(d.t(T::Logout));

    // Unlocked: exit asks first, and the screen closes when left alone.
    d.wait(300_000);
    d.open_technician();
    for digit in ["2", "4", "6", "8"] {
        d.click(digit);
    }
    d.click(d.t(T::Enter));
    d.click(d.t(T::ExitKiosk));
    assert!(d.shows(d.t(T::ExitConfirm)));
    d.click(d.t(T::ExitNo));
    assert!(d.shows(d.t(T::TestPage)), "still on the technician screen");
    d.wait(61_000);
    assert!(
        d.shows(d.t(T::TapCard)),
        "the technician screen closed after the idle time"
    );
    assert!(!d.shows(d.t(T::TestPage)));
}

#[test]
fn the_technicians_test_page_is_printed_and_journaled() {
    for mut d in [Driver::new(), Driver::on_fakes()] {
        d.open_technician();
        for digit in ["2", "4", "6", "8"] {
            d.click(digit);
        }
        d.click(d.t(T::Enter));
        d.click(d.t(T::TestPage));
        let id = d.attempts().first().map(|a| a.id.clone()).unwrap_or_default();
        assert!(
            d.shows(&format!("test page: printed (attempt {id})")),
            "the technician is told it printed, and where it is in the journal"
        );
        let pdfs = d.printed_pdfs();
        assert_eq!(pdfs.len(), 1);
        std::fs::create_dir_all(d.printed.path().join("copies")).unwrap();
        let pdf = d.printed.path().join("copies/test-page.pdf");
        std::fs::write(&pdf, &pdfs[0]).unwrap();
        assert!(run("pdftotext", &[pdf.to_str().unwrap(), "-"]).contains("Printer test page"));
        // A print attempt like any other: in the journal, step by step,
        // with the digest of what was handed over.
        let all = d.attempts();
        assert_eq!(all.len(), 1, "{all:?}");
        let a = &all[0];
        assert_eq!((a.service.as_str(), a.person.as_str()), ("test-page", "technician"));
        assert_eq!(a.stage, Stage::Printed);
        assert_eq!(
            a.content_sha256.as_deref(),
            Some(campus_kiosk::flow::print::digest(&pdfs[0]).as_str())
        );
        assert!(a.created_at.starts_with("2026-11-23T07:30"), "{}", a.created_at);
    }
}

#[test]
fn the_qr_code_on_screen_is_the_login_url_and_a_scan_signs_in() {
    let mut d = Driver::new();
    assert!(d.app.wants_qr());
    let _guard = d.rt.enter();
    let mut events = Box::pin(qr_events(d.platform.clone()));
    let shown = d.rt.block_on(events.next()).unwrap();
    d.send(Message::Qr(shown));
    let url = d.app.login_url().expect("a code shows").to_string();
    // What is on screen, as pixels, decoded by a real QR decoder.
    let tmp = tempfile::tempdir().unwrap();
    let shot = d.snapshot(tmp.path(), "attract");
    let img = image::open(shot).unwrap().to_luma8();
    let img = image::imageops::resize(
        &img,
        img.width() / 2,
        img.height() / 2,
        image::imageops::FilterType::Triangle,
    );
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the attract screen");
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, url);
    // The demo's "phone scan" confirms that session; the login signs in.
    d.click(d.t(T::DemoScan));
    let confirmed =
        d.rt.block_on(async { tokio::time::timeout(std::time::Duration::from_secs(10), events.next()).await })
            .unwrap()
            .unwrap();
    d.send(Message::Qr(confirmed));
    assert!(matches!(d.app.state(), State::SignedIn { .. }), "{:?}", d.app.state());
    assert!(!d.app.wants_qr(), "no login code while someone is signed in");
    assert!(d.server.state.records().is_empty());
}

/// Taps the enrolled student's card and prints the Chinese transcript.
fn print_transcript(d: &mut Driver) {
    d.tap("04A1B2C3");
    d.click("中文成绩单");
    d.click(d.t(T::Print));
}

#[test]
fn a_printer_out_of_paper_is_a_fault_in_plain_words_and_nothing_is_sent() {
    let printer = FakePrinter::new();
    printer.statuses([Ok(fake::with_reasons(&["media-empty-error"]))]);
    let p = printer.clone();
    let mut d = Driver::with(move |s| s.printer = Arc::new(p));
    print_transcript(&mut d);
    assert!(matches!(d.app.state(), State::Fault { .. }), "{:?}", d.app.state());
    assert!(d.shows("打印机缺纸。"));
    assert!(d.shows(d.t(T::CallStaff)));
    assert!(d.shows(d.t(T::NothingCharged)));
    assert!(printer.submitted().is_empty(), "nothing was sent to the printer");
    assert!(!d.app.holds_personal_data());
}

#[test]
fn paper_running_out_mid_job_is_shown_and_the_job_finishes_after_the_refill() {
    let printer = FakePrinter::paper_out_mid_job();
    let p = printer.clone();
    let mut d = Driver::with(move |s| s.printer = Arc::new(p));
    d.watch = Some(("打印机暂停：打印机缺纸。".into(), false));
    print_transcript(&mut d);
    assert_eq!(
        d.watch.as_ref().map(|w| w.1),
        Some(true),
        "the fault showed while the job waited"
    );
    assert!(matches!(d.app.state(), State::Done { .. }), "{:?}", d.app.state());
    assert_eq!(printer.submitted().len(), 1);
    assert_eq!(printer.submitted()[0].pages, 2);
}

/// One look of the screens: its size, large text or not, and the suffix
/// of its screenshots' names.
struct Look {
    size: (f32, f32),
    large: bool,
    suffix: &'static str,
}

/// Every screen of a visit and of the technician in one look, rendered
/// into `dir`; the screenshots' paths.
fn tour(dir: &std::path::Path, look: &Look) -> Vec<std::path::PathBuf> {
    let name = |screen: &str| format!("{screen}{}", look.suffix);
    let mut shots = Vec::new();
    let printer = FakePrinter::paper_out_mid_job();
    let p = printer.clone();
    let mut d = Driver::with(move |s| s.printer = Arc::new(p));
    d.size = look.size;
    {
        let _guard = d.rt.enter();
        let mut events = Box::pin(qr_events(d.platform.clone()));
        let shown = d.rt.block_on(events.next()).unwrap();
        d.send(Message::Qr(shown));
    }
    if look.large {
        d.click(d.t(T::LargeText));
    }
    shots.push(d.snapshot(dir, &name("attract")));
    d.tap("04A1B2C3");
    shots.push(d.snapshot(dir, &name("services")));
    d.click("中文成绩单");
    shots.push(d.snapshot(dir, &name("preview")));
    if look.large {
        // One decision a screen: the copies, then the sides, on their own.
        d.click(d.t(T::NextToCopies));
        shots.push(d.snapshot(dir, &name("preview-copies")));
        d.click(d.t(T::NextToSides));
        shots.push(d.snapshot(dir, &name("preview-sides")));
        d.click("‹ 返回");
        d.click("‹ 返回");
    }
    // The page, read full size: where the page is in each look.
    let (w, h) = look.size;
    if w > h {
        d.click_at(w * 0.2, h * 0.45);
    } else {
        d.click_at(w * 0.5, h * 0.36);
    }
    assert!(
        d.shows(d.t(T::CloseZoom)),
        "{}: the page enlarged",
        name("preview-zoom")
    );
    shots.push(d.snapshot(dir, &name("preview-zoom")));
    d.click(d.t(T::CloseZoom));
    if look.large {
        d.click(d.t(T::NextToCopies));
        d.click(d.t(T::NextToSides));
    }
    d.snap_when = Some(("打印机暂停：打印机缺纸。".into(), dir.to_path_buf(), "printing-now"));
    d.click(d.t(T::Print));
    let printing = std::fs::read_dir(dir.join("printing-now"))
        .expect("the printing screen showed the fault")
        .flatten()
        .map(|e| e.path())
        .next()
        .unwrap();
    // Kept under this look's name.
    let kept = dir.join(name("printing")).join("printing.png");
    std::fs::create_dir_all(kept.parent().unwrap()).unwrap();
    std::fs::rename(&printing, &kept).unwrap();
    shots.push(kept);
    d.click("4");
    shots.push(d.snapshot(dir, &name("done")));
    d.click(d.t(T::Finish));
    if look.large {
        d.click(d.t(T::LargeText));
    }
    d.tap("04D5E6F708A1B2");
    shots.push(d.snapshot(dir, &name("services-suspended")));
    d.wait(52_000);
    shots.push(d.snapshot(dir, &name("countdown")));
    d.wait(10_000);
    if look.large {
        d.click(d.t(T::LargeText));
    }
    d.tap("0BADCAFE");
    shots.push(d.snapshot(dir, &name("fault")));
    d.click(d.t(T::BackToStart));
    d.click("English");
    d.tap("DEADBEEF");
    shots.push(d.snapshot(dir, &name("fault-en")));
    d.click(d.t(T::BackToStart));
    d.tap("04A1B2C3");
    shots.push(d.snapshot(dir, &name("services-en")));
    d.click(d.t(T::Logout));

    let printer = FakePrinter::new();
    printer.statuses([Ok(fake::with_reasons(&["media-empty-error"]))]);
    let p = printer.clone();
    let mut e = Driver::with(move |s| s.printer = Arc::new(p));
    e.size = look.size;
    if look.large {
        e.click(e.t(T::LargeText));
        e.tap("04A1B2C3");
        e.click("中文成绩单");
        e.click(e.t(T::NextToCopies));
        e.click(e.t(T::NextToSides));
        e.click(e.t(T::Print));
    } else {
        print_transcript(&mut e);
    }
    shots.push(e.snapshot(dir, &name("fault-printer")));
    e.wait(15_000);
    e.open_technician();
    shots.push(e.snapshot(dir, &name("technician-pin")));
    for digit in ["2", "4", "6", "8"] {
        e.click(digit);
    }
    e.click(e.t(T::Enter));
    shots.push(e.snapshot(dir, &name("technician")));
    shots
}

/// Every screen, rendered in portrait, landscape and large text: each
/// draws (a white screen with dark text). With `UPDATE_SCREENSHOTS=1` they
/// are also written, scaled down, to docs/screenshots/, with an overview
/// of four of them side by side.
#[test]
fn every_screen_renders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut shots = Vec::new();
    for look in [
        Look {
            size: (1080.0, 1920.0),
            large: false,
            suffix: "",
        },
        Look {
            size: (1920.0, 1080.0),
            large: false,
            suffix: "-landscape",
        },
        Look {
            size: (1080.0, 1920.0),
            large: true,
            suffix: "-large",
        },
    ] {
        shots.extend(tour(dir, &look));
    }

    let update = std::env::var_os("UPDATE_SCREENSHOTS").is_some();
    let out = root().join("docs/screenshots");
    let mut small = Vec::new();
    for shot in &shots {
        let img = image::open(shot)
            .unwrap_or_else(|e| panic!("{}: {e}", shot.display()))
            .to_rgb8();
        // Drawn: more than a background (the corner's colour) on it.
        // Every 11th pixel is enough to tell.
        let corner = *img.get_pixel(0, 0);
        let (mut n, mut drawn) = (0usize, 0usize);
        for p in img.as_raw().chunks_exact(3).step_by(11) {
            n += 1;
            if (0..3).any(|i| p[i].abs_diff(corner.0[i]) > 60) {
                drawn += 1;
            }
        }
        assert!(
            drawn > n / 100,
            "{} looks blank: {drawn} of {n} pixels drawn",
            shot.display()
        );
        if update {
            let (w, h) = (img.width() / 4, img.height() / 4);
            let thumb = image::imageops::resize(&img, w, h, image::imageops::FilterType::Lanczos3);
            let name = shot
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            thumb.save(out.join(format!("{name}.png"))).unwrap();
            small.push(thumb);
        }
    }
    if update {
        // attract, services, preview, done.
        let mut overview = image::RgbImage::from_pixel(4 * 540 + 3 * 20, 960, image::Rgb([255, 255, 255]));
        for (i, k) in [0usize, 1, 2, 5].iter().enumerate() {
            image::imageops::replace(&mut overview, &small[*k], (i * 560) as i64, 0);
        }
        let overview = image::imageops::resize(&overview, 1600, 680, image::imageops::FilterType::Lanczos3);
        overview.save(out.join("overview.png")).unwrap();
    }
}

#[test]
fn a_landscape_screen_works_the_same() {
    let mut d = Driver::new();
    d.size = (1920.0, 1080.0);
    d.tap("04A1B2C3");
    d.click("英文成绩单");
    assert!(d.shows("第 1 页 / 共 2 页"));
    let tmp = tempfile::tempdir().unwrap();
    let shot = d.snapshot(tmp.path(), "preview-landscape");
    assert!(std::fs::metadata(&shot).unwrap().len() > 0);
    d.click(d.t(T::Print));
    assert!(matches!(d.app.state(), State::Done { .. }), "{:?}", d.app.state());
    assert_eq!(d.printed().len(), 1);
    let shot = d.snapshot(tmp.path(), "done-landscape");
    let img = image::open(shot).unwrap();
    assert_eq!((img.width(), img.height()), (3840, 2160));
}

#[test]
fn a_rating_is_saved_with_its_attempt_even_when_its_touch_comes_first() {
    let mut d = Driver::on_fakes();
    print_transcript(&mut d);
    assert!(matches!(d.app.state(), State::Done { .. }), "{:?}", d.app.state());
    // A real screen reports the touch before the button's press: the touch
    // must not end the done screen and lose the rating.
    d.send(Message::Touched);
    assert!(matches!(d.app.state(), State::Done { .. }), "a touch is not a logout");
    d.click("4");
    assert!(d.shows(d.t(T::Thanks)));
    assert_eq!(d.attempts()[0].rating, Some(4));
    // Changed in the last second: saved, and the thanks stays readable.
    d.wait(14_200);
    d.send(Message::Touched);
    d.click("2");
    assert_eq!(d.attempts()[0].rating, Some(2));
    d.wait(2_000);
    assert!(d.shows(d.t(T::Thanks)), "the thanks is still there");
    d.wait(1_000);
    assert_eq!(d.app.state(), &State::Idle);
    assert!(!d.app.holds_personal_data());
}

#[test]
fn the_done_screen_says_what_printed_and_counts_down() {
    let mut d = Driver::on_fakes();
    d.tap("04A1B2C3");
    d.click("中文成绩单");
    d.click("+");
    d.click(d.t(T::Print));
    assert!(matches!(d.app.state(), State::Done { .. }), "{:?}", d.app.state());
    assert!(d.shows("已打印：中文成绩单 2 份，共 4 张"));
    // The document code is the one the seal carries.
    let code = d.fakes.as_ref().unwrap().printer.submitted()[0].id.clone();
    let short = campus_kiosk::pipeline::grouped(&code);
    assert!(d.shows(&short), "the document code {short}");
    assert!(d.shows("15 秒后自动退出"));
    d.wait(5_000);
    assert!(d.shows("10 秒后自动退出"));
    d.click("English");
    assert!(d.shows("Printed: Transcript (Chinese), 2 copies, 4 sheets"));
    assert!(d.shows("Logging out in 10 s"));
}

#[test]
fn faults_are_told_in_the_language_chosen_with_a_countdown() {
    let mut d = Driver::new();
    d.click("English");
    d.tap("DEADBEEF");
    assert!(matches!(d.app.state(), State::Fault { .. }), "{:?}", d.app.state());
    assert!(d.shows("We could not find your record. Please ask at the service desk."));
    assert!(d.shows("Back to the start in 15 s"));
    // Back to start: the same person, still in English.
    d.click("Back to start");
    assert!(d.shows("Place your campus card on the reader"));
    d.tap("0BADCAFE");
    assert!(d.shows("This campus card has been reported lost. Please go to the card centre."));
    d.wait(5_000);
    assert!(d.shows("Back to the start in 10 s"));
    // Nobody came back: the next person starts in Chinese.
    d.wait(10_000);
    assert_eq!(d.app.state(), &State::Idle);
    assert!(d.shows("请将校园卡放在读卡区"));
    // A printer fault in English says so, and that nothing was charged.
    let printer = FakePrinter::new();
    printer.statuses([Ok(fake::with_reasons(&["media-empty-error"]))]);
    let mut e = Driver::with(move |s| s.printer = Arc::new(printer));
    e.click("English");
    e.tap("04A1B2C3");
    e.click("Transcript (Chinese)");
    e.click("Print");
    assert!(e.shows("The printer is out of paper."), "in English");
    assert!(e.shows("Nothing was charged."));
}

#[test]
fn services_are_tiles_saying_what_each_is_for() {
    for size in [(1080.0, 1920.0), (1920.0, 1080.0), (1280.0, 1024.0)] {
        let mut d = Driver::new();
        d.size = size;
        d.tap("04A1B2C3");
        let cert = d.visible("在读证明").expect("the certificate's tile");
        let zh = d.visible("中文成绩单").expect("the transcript's tile");
        d.visible("证明你在校就读：签证、实习、银行开户等")
            .expect("what it is for");
        d.visible(&format!("1 {}", d.t(T::StepChoose)))
            .expect("the step indicator");
        // Side by side, not a list of bars: two or three to a row.
        assert!((cert.y - zh.y).abs() < 1.0, "{size:?}: {cert:?} {zh:?}");
        // Log out at the bottom, in reach.
        let logout = d.visible(d.t(T::Logout)).expect("log out");
        assert!(logout.y > size.1 * 0.8, "{size:?}: log out at {logout:?}");
        d.click("中文成绩单");
        let back = d.visible("‹ 返回").expect("back");
        let logout2 = d.visible(d.t(T::Logout)).expect("log out");
        assert!(
            (back.y - logout2.y).abs() < 1.0 && (logout.y - logout2.y).abs() < 1.0,
            "the same place"
        );
        let print = d.visible(d.t(T::Print)).expect("print");
        assert!(
            print.y > size.1 / 3.0,
            "{size:?}: print in the lower two-thirds: {print:?}"
        );
    }
}

#[test]
fn the_attract_screen_fits_landscape_and_square_screens() {
    for size in [(1920.0, 1080.0), (1280.0, 1024.0), (1080.0, 1920.0)] {
        let mut d = Driver::new();
        d.size = size;
        let _guard = d.rt.enter();
        let mut events = Box::pin(qr_events(d.platform.clone()));
        let shown = d.rt.block_on(events.next()).unwrap();
        d.send(Message::Qr(shown));
        d.visible(d.t(T::TapCard)).expect("the card prompt");
        d.visible(d.t(T::OrScan)).expect("the QR prompt");
        d.visible(d.t(T::DemoScan))
            .unwrap_or_else(|| panic!("{size:?}: the demo controls are cut off"));
        let cards = campus_kiosk::ui::setup::demo_cards(&root().join("assets/sample-data"));
        let first = cards.iter().find(|c| c.uid == "04A1B2C3").unwrap();
        let tap = campus_kiosk::i18n::simulate_tap(d.app.lang(), &first.label);
        d.visible(&tap).unwrap_or_else(|| panic!("{size:?}: {tap} is cut off"));
        // In large text too, every choice of the attract screen is whole:
        // none is squeezed to nothing or wrapped a word a line.
        d.click(d.t(T::LargeText));
        for choice in [d.t(T::SwitchLang).to_string(), format!("✓ {}", d.t(T::LargeText))] {
            let b = d
                .visible(&choice)
                .unwrap_or_else(|| panic!("{size:?}: large text: {choice} is cut off"));
            assert!(b.height < 100.0, "{size:?}: large text: {choice} wraps: {b:?}");
        }
        d.visible(&tap)
            .unwrap_or_else(|| panic!("{size:?}: large text: {tap} is cut off"));
        d.click(&tap);
        assert!(
            matches!(d.app.state(), State::SignedIn { .. }),
            "{size:?}: {:?}",
            d.app.state()
        );
    }
}

#[test]
fn the_sheet_total_follows_copies_and_sides() {
    let mut d = Driver::on_fakes();
    d.tap("04A1B2C3");
    d.click("中文成绩单");
    assert!(d.shows("2 页 × 1 份 = 2 张"));
    let plus = d.visible("+").unwrap();
    d.click("+");
    assert!(d.shows("2 页 × 2 份 = 4 张"));
    for _ in 0..8 {
        d.click("+");
    }
    assert_eq!(
        d.visible("+").unwrap().x,
        plus.x,
        "the + button does not move at 10 copies"
    );
    for _ in 0..8 {
        d.click("−");
    }
    // Two-sided is a choice of two, with the chosen one marked.
    assert!(d.shows("✓ 单面"));
    d.click("双面");
    assert!(d.shows("✓ 双面") && d.shows("单面"));
    assert!(d.shows("2 页（双面）× 2 份 = 2 张"));
    d.click(d.t(T::Print));
    let job = &d.fakes.as_ref().unwrap().printer.submitted()[0];
    assert!(job.duplex && job.copies == 2, "{job:?}");
    // The certificate is one-sided only: no choice shows.
    let mut e = Driver::new();
    e.tap("04A1B2C3");
    e.click("在读证明");
    assert!(e.shows("1 页 × 1 份 = 1 张"));
    assert!(
        !e.shows("双面"),
        "no two-sided choice where the service does not allow it"
    );
}

#[test]
fn a_page_is_read_full_size_and_panned() {
    let mut d = Driver::new();
    d.tap("04A1B2C3");
    d.click("中文成绩单");
    assert!(d.shows(d.t(T::TapToZoom)));
    // A tap on the page itself.
    d.click_at(540.0, 700.0);
    assert!(d.shows(d.t(T::PanHint)), "the page opened full size");
    assert!(!d.shows(d.t(T::Zooming)), "and its picture came");
    d.click(d.t(T::NextPage));
    assert!(!d.shows(d.t(T::PanHint)), "another page closes the enlarged one");
    d.click_at(540.0, 700.0);
    assert!(d.shows("第 2 页 / 共 2 页") && d.shows(d.t(T::PanHint)));
    d.click(d.t(T::CloseZoom));
    assert!(d.shows(d.t(T::TapToZoom)));
    d.click(d.t(T::Print));
    assert!(matches!(d.app.state(), State::Done { .. }), "{:?}", d.app.state());
}

#[test]
fn printing_says_page_x_of_y() {
    let printer = FakePrinter::paper_out_mid_job();
    let p = printer.clone();
    let mut d = Driver::with(move |s| s.printer = Arc::new(p));
    d.watch = Some(("正在打印第 2 页，共 2 页".into(), false));
    print_transcript(&mut d);
    assert_eq!(d.watch.as_ref().map(|w| w.1), Some(true), "page x of y showed");
    d.visible(&format!("3 {}", d.t(T::StepPrint)))
        .expect("the step indicator");
}

#[test]
fn large_text_is_one_and_a_half_times_larger_until_the_person_leaves() {
    let mut normal = Driver::new();
    normal.tap("04A1B2C3");
    let small = normal.visible(normal.t(T::ChooseService)).unwrap();
    let mut d = Driver::on_fakes();
    d.click(d.t(T::LargeText));
    assert!(d.app.look().large);
    assert!(d.shows("✓ 大字模式"), "the chosen mode is marked");
    d.tap("04A1B2C3");
    let large = d.visible(d.t(T::ChooseService)).unwrap();
    assert!(large.height >= small.height * 1.45, "{large:?} against {small:?}");
    // Every tile and the way out still fit on the screen.
    for text in ["在读证明", "中文成绩单", "英文成绩单", d.t(T::Logout)] {
        d.visible(text)
            .unwrap_or_else(|| panic!("{text} is cut off in large text"));
    }
    // One decision a screen: the pages, then the copies, then the sides,
    // where Print is; back goes a step back and keeps what was chosen.
    d.click("中文成绩单");
    assert!(d.shows("第 1 页 / 共 2 页") && !d.shows(d.t(T::Print)) && !d.shows("+"));
    d.click(d.t(T::NextToCopies));
    assert!(d.shows(d.t(T::HowManyCopies)) && !d.shows(d.t(T::Simplex)) && !d.shows(d.t(T::Print)));
    d.click("+");
    assert!(d.shows("2 页 × 2 份 = 4 张"));
    d.click(d.t(T::NextToSides));
    assert!(d.shows(d.t(T::WhichSides)) && !d.shows("+"));
    d.click("‹ 返回");
    assert!(d.shows(d.t(T::HowManyCopies)) && d.shows("2 页 × 2 份 = 4 张"));
    d.click(d.t(T::NextToSides));
    d.click("双面");
    assert!(d.shows("2 页（双面）× 2 份 = 2 张"));
    d.visible(d.t(T::Print)).expect("print fits in large text");
    d.click(d.t(T::Print));
    assert!(matches!(d.app.state(), State::Done { .. }), "{:?}", d.app.state());
    let job = &d.fakes.as_ref().unwrap().printer.submitted()[0];
    assert!(job.duplex && job.copies == 2, "two-sided, two copies: {job:?}");
    d.visible(d.t(T::Finish)).expect("finish fits in large text");
    d.click(d.t(T::Finish));
    assert!(!d.app.look().large, "the next person starts in normal text");
    // The steps by keypad: Enter goes on, and prints on the last step (the
    // certificate is one-sided: its last step is the copies).
    d.click(d.t(T::LargeText));
    d.tap("04A1B2C3");
    d.key("1");
    d.key("Enter");
    assert!(d.shows(d.t(T::HowManyCopies)));
    d.key("+");
    d.key("Enter");
    assert!(matches!(d.app.state(), State::Done { .. }), "{:?}", d.app.state());
    let job = &d.fakes.as_ref().unwrap().printer.submitted()[1];
    assert!(!job.duplex && job.copies == 2, "{job:?}");
}

impl Driver {
    /// Presses a key of the keypad (or keyboard): `"1"`, `"+"`, `"*"`, or
    /// `"Enter"`, `"Backspace"`, `"Down"`.
    fn key(&mut self, k: &str) {
        use iced::keyboard::{Key, key::Named};
        let (key, text) = match k {
            "Enter" => (Key::Named(Named::Enter), None),
            "Backspace" => (Key::Named(Named::Backspace), None),
            "Down" => (Key::Named(Named::ArrowDown), None),
            "Up" => (Key::Named(Named::ArrowUp), None),
            c => (Key::Character(c.into()), Some(c)),
        };
        for e in iced_test::simulator::tap_key(key, text.map(Into::into)) {
            if let iced::Event::Keyboard(k @ iced::keyboard::Event::KeyPressed { .. }) = e {
                self.send(Message::Key(k));
            }
        }
    }
}

/// With voice on, in English or Chinese: service `n` printed from the
/// keypad and finished; then the next person turns voice on with the
/// keypad and taps an unknown card.
fn visit_with_voice(d: &mut Driver, english: bool, n: &str) {
    if english {
        d.click("English");
    }
    d.click(d.t(T::Voice));
    d.tap("04A1B2C3");
    d.key(n);
    d.key("Enter");
    d.key("Enter");
    // The next person: in their language, the keypad's star for voice.
    if english {
        d.click("English");
    }
    d.key("*");
    d.tap("DEADBEEF");
}

/// A kiosk that speaks into a fake speaker.
fn speaking() -> (Driver, Arc<campus_kiosk::speech::fake::FakeSpeaker>) {
    let speaker = Arc::new(campus_kiosk::speech::fake::FakeSpeaker::new());
    let s = speaker.clone();
    let d = Driver::with(move |setup| setup.speech = Some(s));
    (d, speaker)
}

/// A blind student with a keypad and headphones prints an enrollment
/// certificate: nothing touched but the card on the reader.
#[test]
fn a_keypad_alone_prints_a_certificate_with_speech_guidance() {
    let (mut d, speaker) = speaking();
    d.key("*");
    assert!(d.app.look().voice, "the keypad's star turns the voice on");
    let said = speaker.said();
    assert!(said.last().unwrap().text.contains("请将校园卡放在读卡区"), "{said:?}");
    d.tap("04A1B2C3");
    let said = speaker.said().last().unwrap().text.clone();
    assert!(
        said.contains("请选择要打印的文件") && said.contains("1，在读证明"),
        "{said}"
    );
    // The focus ring moves with the arrows and names the service.
    d.key("Down");
    d.key("Down");
    assert_eq!(speaker.said().last().unwrap().text, "中文成绩单");
    d.key("Up");
    assert_eq!(speaker.said().last().unwrap().text, "在读证明");
    d.key("Enter");
    assert!(
        matches!(
            d.app.state(),
            State::SignedIn {
                activity: Activity::Previewing { .. },
                ..
            }
        ),
        "{:?}",
        d.app.state()
    );
    let said = speaker.said().last().unwrap().text.clone();
    assert!(
        said.contains("在读证明") && said.contains("共 1 页") && said.contains("按确认键打印"),
        "{said}"
    );
    d.key("+");
    assert!(
        speaker.said().last().unwrap().text.contains("2 份，共需 2 张纸"),
        "copies are said"
    );
    // The ring names each control it reaches, and whether it can be used.
    for _ in 0..5 {
        d.key("Down");
    }
    assert_eq!(speaker.said().last().unwrap().text, "多一份");
    d.key("Up");
    assert_eq!(speaker.said().last().unwrap().text, "少一份");
    d.key("Up");
    d.key("Up");
    assert_eq!(
        speaker.said().last().unwrap().text,
        "上一页，不可用",
        "one page: no page before"
    );
    for _ in 0..4 {
        d.key("Down");
    }
    assert_eq!(speaker.said().last().unwrap().text, "打印");
    d.key("Enter");
    assert!(matches!(d.app.state(), State::Done { .. }), "{:?}", d.app.state());
    let said = speaker.said().last().unwrap().text.clone();
    assert!(said.contains("打印完成") && said.contains("在读证明 2 份"), "{said}");
    d.key("5");
    assert_eq!(speaker.said().last().unwrap().text, "谢谢你的评价");
    assert_eq!(d.attempts()[0].rating, Some(5));
    let stops = speaker.stops();
    d.key("Enter");
    assert_eq!(d.app.state(), &State::Idle);
    assert!(speaker.stops() > stops, "speech stops at logout");
    assert!(!d.app.look().voice, "and the next person starts without it");
    assert_eq!(d.printed().len(), 1, "one certificate printed");
}

#[test]
fn headphones_plugged_in_turn_the_voice_on_and_pulled_out_turn_it_off() {
    let (mut d, speaker) = speaking();
    assert!(!d.app.look().voice);
    d.send(Message::Headphones(true));
    assert!(d.app.look().voice, "headphones in: voice on");
    assert!(
        speaker.said().last().unwrap().text.contains("请将校园卡放在读卡区"),
        "the screen is said from its start"
    );
    d.tap("04A1B2C3");
    assert!(speaker.said().last().unwrap().text.contains("请选择要打印的文件"));
    let (said, stops) = (speaker.said().len(), speaker.stops());
    d.send(Message::Headphones(false));
    assert!(!d.app.look().voice, "headphones out: voice off");
    assert!(speaker.stops() > stops, "what was being said stops");
    d.click("中文成绩单");
    assert_eq!(speaker.said().len(), said, "nothing more is said aloud");
    // Without a voice, headphones change nothing.
    let mut quiet = Driver::with(|s| s.speech = None);
    quiet.send(Message::Headphones(true));
    assert!(!quiet.app.look().voice);
}

#[test]
fn voice_speaks_every_screen_in_both_languages_and_repeats() {
    for (lang, words) in [
        (
            "中文",
            [
                "请将校园卡放在读卡区",
                "请选择要打印的文件",
                "按确认键打印",
                "请稍候",
                "打印完成",
                "未找到你的信息",
            ],
        ),
        (
            "English",
            [
                "Place your campus card",
                "Choose a document",
                "Enter to print",
                "Please wait",
                "Printed: please take",
                "We could not find your record",
            ],
        ),
    ] {
        let (mut d, speaker) = speaking();
        visit_with_voice(&mut d, lang == "English", "1");
        let said: Vec<String> = speaker.said().into_iter().map(|u| u.text).collect();
        for w in words {
            assert!(said.iter().any(|s| s.contains(w)), "{lang}: {w:?} never said: {said:?}");
        }
        assert!(
            lang != "English" || said.iter().all(|s| !s.contains(['。', '，'])),
            "English said with English punctuation: {said:?}"
        );
        let langs: Vec<_> = speaker.said().into_iter().map(|u| u.lang).collect();
        let want = if lang == "English" {
            campus_kiosk::i18n::Lang::En
        } else {
            campus_kiosk::i18n::Lang::Zh
        };
        assert!(langs.iter().all(|l| *l == want), "{lang}: {langs:?}");
        // `*` says the fault again.
        let n = speaker.said().len();
        d.key("*");
        assert_eq!(speaker.said().len(), n + 1);
        assert_eq!(speaker.said()[n].text, speaker.said()[n - 1].text);
    }
}

/// A WAV file's duration in seconds and its loudness (RMS of 16-bit PCM).
fn wav(path: &std::path::Path) -> (f32, f32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..4], b"RIFF", "{}", path.display());
    assert_eq!(&b[8..12], b"WAVE");
    let rate = u32::from_le_bytes(b[24..28].try_into().unwrap()) as f32;
    let bits = u16::from_le_bytes(b[34..36].try_into().unwrap());
    assert_eq!(bits, 16);
    let data = b.windows(4).position(|w| w == b"data").unwrap() + 8;
    let samples: Vec<i16> = b[data..]
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    let rms = (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len().max(1) as f64).sqrt();
    (samples.len() as f32 / rate, rms as f32)
}

/// The real voice (eSpeak NG) into WAV files: the attract, services,
/// preview, printing, done and fault screens each speak, in Chinese and in
/// English, audibly and for as long as their prompt takes to say.
#[test]
fn every_screen_is_spoken_aloud_by_the_real_voice() {
    use campus_kiosk::adapters::speech::espeak::{Espeak, Output};
    for lang in ["zh", "en"] {
        let wavs = tempfile::tempdir().unwrap();
        let espeak = Arc::new(Espeak::new(
            tool("espeak-ng"),
            175,
            Output::Wav(wavs.path().to_path_buf()),
        ));
        assert!(espeak.available(), "espeak-ng runs");
        let e = espeak.clone();
        let mut d = Driver::with(move |s| s.speech = Some(e));
        visit_with_voice(&mut d, lang == "en", "2");
        espeak.finish();
        let mut files: Vec<_> = std::fs::read_dir(wavs.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| n.ends_with(&format!("-{lang}.wav"))), "{names:?}");
        // attract, identifying, reading, services, preview (rendering),
        // preview, printing, done, attract again, identifying, fault.
        assert!(files.len() >= 9, "{lang}: {names:?}");
        let long: Vec<(String, f32)> = files
            .iter()
            .zip(&names)
            .map(|(f, n)| {
                let (secs, rms) = wav(f);
                assert!(rms > 300.0, "{n}: silent (RMS {rms})");
                assert!(secs > 0.3 && secs < 90.0, "{n}: {secs} s");
                (n.clone(), secs)
            })
            .collect();
        // The screens' prompts are sentences, not a beep: the attract,
        // services, preview, done and fault prompts each last seconds.
        let prompts = long.iter().filter(|(_, s)| *s > 2.0).count();
        assert!(prompts >= 5, "{lang}: {long:?}");
    }
}

/// The pixels that differ between two snapshots of the same size, with
/// their colour in the second.
fn changed(a: &std::path::Path, b: &std::path::Path) -> Vec<(u32, u32, [u8; 3])> {
    let a = image::open(a).unwrap().to_rgb8();
    let b = image::open(b).unwrap().to_rgb8();
    assert_eq!(a.dimensions(), b.dimensions());
    b.enumerate_pixels()
        .filter(|(x, y, p)| a.get_pixel(*x, *y) != *p)
        .map(|(x, y, p)| (x, y, p.0))
        .collect()
}

/// The focus ring is drawn around `label`'s control and nowhere else: the
/// pixels that change when it arrives are near the label, and most are
/// the ring's ink.
fn assert_ring_around(d: &mut Driver, before: &std::path::Path, dir: &std::path::Path, name: &str, label: &str) {
    let after = d.snapshot(dir, name);
    let diff = changed(before, &after);
    assert!(
        diff.len() > 400,
        "{name}: the ring is drawn ({} pixels changed)",
        diff.len()
    );
    let at = d.visible(label).expect("the control shows");
    // Snapshots are drawn at the scale iced_test renders them.
    let scale = image::image_dimensions(&after).unwrap().0 as f32 / d.size.0;
    let near = |x: u32, y: u32| {
        let (x, y) = (x as f32 / scale, y as f32 / scale);
        x > at.x - 200.0 && x < at.x + at.width + 200.0 && y > at.y - 80.0 && y < at.y + at.height + 80.0
    };
    let far: Vec<_> = diff.iter().filter(|(x, y, _)| !near(*x, *y)).take(3).collect();
    let (x0, y0, x1, y1) = diff.iter().fold((u32::MAX, u32::MAX, 0, 0), |(a, b, c, e), (x, y, _)| {
        (a.min(*x), b.min(*y), c.max(*x), e.max(*y))
    });
    eprintln!("{name}: changed {x0},{y0}..{x1},{y1} at scale {scale}; control {at:?}");
    assert!(
        far.is_empty(),
        "{name}: only the control's surroundings change, not {far:?} (control at {at:?})"
    );
    let ink = diff
        .iter()
        .filter(|(_, _, [r, g, b])| *r < 60 && *g < 60 && *b < 80)
        .count();
    assert!(
        ink * 2 > diff.len(),
        "{name}: the ring is ink ({ink} of {} pixels)",
        diff.len()
    );
}

/// Arrows and Enter alone, no digit, no plus: the language, a service,
/// two copies, print, a rating and finish, each control ringed as the
/// arrows reach it.
#[test]
fn arrows_and_enter_alone_print_and_rate_with_a_visible_focus_ring() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Driver::new();
    // Attract: voice (where the terminal speaks), large text, then the
    // language, where the ring stops.
    let attract = d.snapshot(dir.path(), "attract");
    for _ in 0..4 {
        d.key("Down");
    }
    assert_ring_around(&mut d, &attract, dir.path(), "attract-ring", "English");
    d.key("Enter");
    assert_eq!(
        d.app.lang(),
        campus_kiosk::i18n::Lang::En,
        "Enter pressed the ringed control"
    );
    d.tap("04A1B2C3");
    d.key("Down");
    d.key("Enter");
    assert!(d.shows(d.t(T::TapToZoom)), "the first service opened");
    // Preview: the page, its flip, then fewer and more.
    let preview = d.snapshot(dir.path(), "preview");
    for _ in 0..5 {
        d.key("Down");
    }
    assert_ring_around(&mut d, &preview, dir.path(), "preview-ring", "+");
    d.key("Enter");
    assert!(d.shows("1 page × 2 copies = 2 sheets"), "Enter on + added a copy");
    d.key("Down");
    d.key("Enter");
    assert!(matches!(d.app.state(), State::Done { .. }), "{:?}", d.app.state());
    // Done: the fourth rating, then finish.
    for _ in 0..4 {
        d.key("Down");
    }
    d.key("Enter");
    assert!(d.shows(d.t(T::Thanks)));
    d.key("Down");
    d.key("Down");
    d.key("Enter");
    assert_eq!(d.app.state(), &State::Idle);
    let attempts = d.attempts();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].rating, Some(4), "the ringed rating was saved");
    assert_eq!(attempts[0].copies, 2);
}

/// A new screen flips the window's white by one
/// level of blue (the renderer then draws the window whole); a change
/// within a screen, such as the copies, does not.
#[test]
fn a_new_screen_is_drawn_whole_and_a_copy_more_is_not() {
    let mut d = Driver::new();
    let white = |d: &Driver| d.app.window_style(&iced::Theme::Light).background_color;
    let mut seen = vec![white(&d)];
    let before = d.app.redrawn_whole();
    d.tap("04A1B2C3");
    let services = d.app.redrawn_whole();
    assert!(services > before, "the services screen is drawn whole");
    seen.push(white(&d));
    d.click("中文成绩单");
    let preview = d.app.redrawn_whole();
    assert!(preview > services, "so is the preview");
    seen.push(white(&d));
    d.key("+");
    assert_eq!(d.app.redrawn_whole(), preview, "a copy more is drawn where it changed");
    d.key("Backspace");
    assert!(d.app.redrawn_whole() > preview, "back on the services: whole again");
    seen.push(white(&d));
    for c in &seen {
        assert!(
            c.r == 1.0 && c.g == 1.0 && c.b >= 254.0 / 255.0,
            "white, whatever the screen: {c:?}"
        );
    }
    assert!(seen.windows(2).any(|w| w[0] != w[1]), "the white flips: {seen:?}");
}
