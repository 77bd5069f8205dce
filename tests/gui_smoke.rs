//! `kiosk run --demo` in a real window: an X server (Xvfb) with a window
//! manager (matchbox, so fullscreen takes effect), a screenshot of the
//! screen (xwd), and checks that the window covers the screen and draws
//! the attract screen.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Processes killed when the test ends, pass or fail.
pub(crate) struct Procs(pub(crate) Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

const W: u32 = 1080;
const H: u32 = 1920;

/// An X display number nobody uses.
fn free_display() -> u32 {
    (100 + std::process::id() % 400..600)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("a free X display")
}

/// A screenshot: width, height, RGB pixels. Reads xwd's format (a
/// big-endian header, a colour map, then 32-bit ZPixmap pixels).
fn screenshot(display: &str) -> (u32, u32, Vec<[u8; 3]>) {
    let out = Command::new(tool("xwd"))
        .args(["-root", "-silent", "-display", display])
        .output()
        .expect("xwd runs");
    assert!(out.status.success(), "xwd: {}", String::from_utf8_lossy(&out.stderr));
    let b = out.stdout;
    let field = |i: usize| u32::from_be_bytes(b[i * 4..i * 4 + 4].try_into().unwrap());
    let (header, format, width, height) = (field(0) as usize, field(2), field(4), field(5));
    let (lsb, bpp, line) = (field(7) == 0, field(11), field(12) as usize);
    let (rmask, gmask, bmask) = (field(14), field(15), field(16));
    let colours = field(19) as usize;
    assert_eq!((format, bpp), (2, 32), "a 32-bit ZPixmap");
    let data = &b[header + colours * 12..];
    let shift = |m: u32| m.trailing_zeros();
    let mut px = Vec::with_capacity((width * height) as usize);
    for y in 0..height as usize {
        for x in 0..width as usize {
            let o = y * line + x * 4;
            let raw: [u8; 4] = data[o..o + 4].try_into().unwrap();
            let p = if lsb {
                u32::from_le_bytes(raw)
            } else {
                u32::from_be_bytes(raw)
            };
            px.push([
                ((p & rmask) >> shift(rmask)) as u8,
                ((p & gmask) >> shift(gmask)) as u8,
                ((p & bmask) >> shift(bmask)) as u8,
            ]);
        }
    }
    (width, height, px)
}

/// An X server (Xvfb) `w`×`h` on a free display with a window manager
/// (matchbox, so fullscreen takes effect): the processes and the display.
pub(crate) fn x_server(w: u32, h: u32) -> (Procs, String) {
    let n = free_display();
    let display = format!(":{n}");
    let xvfb = Command::new(tool("Xvfb"))
        .args([&display, "-screen", "0", &format!("{w}x{h}x24"), "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let mut procs = Procs(vec![xvfb]);
    let started = Instant::now();
    while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "Xvfb did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    procs.0.push(
        Command::new(tool("matchbox-window-manager"))
            .args(["-use_titlebar", "no"])
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("matchbox starts"),
    );
    (procs, display)
}

#[test]
fn the_demo_runs_fullscreen_in_a_real_window() {
    let (mut procs, display) = x_server(W, H);
    let started = Instant::now();
    let printed = tempfile::tempdir().unwrap();
    let mut kiosk = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["run", "--demo"])
        .current_dir(root())
        .env("DISPLAY", &display)
        .env("TMPDIR", printed.path())
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kiosk starts");
    let stderr = kiosk.stderr.take();
    procs.0.push(kiosk);

    // The window appears, covering the screen.
    let mut geometry = None;
    while geometry.is_none() && started.elapsed() < Duration::from_secs(60) {
        let tree = Command::new(tool("xwininfo"))
            .args(["-root", "-tree", "-display", &display])
            .output()
            .expect("xwininfo runs");
        let tree = String::from_utf8_lossy(&tree.stdout).into_owned();
        geometry = tree.lines().find(|l| l.contains("\"campus-kiosk\"")).and_then(|l| {
            l.split_whitespace()
                .find(|w| w.contains('x') && w.contains('+'))
                .map(str::to_string)
        });
        std::thread::sleep(Duration::from_millis(200));
    }
    let Some(geometry) = geometry else {
        let mut err = String::new();
        if let Some(mut s) = stderr {
            drop(procs);
            let _ = s.read_to_string(&mut err);
        }
        panic!("no kiosk window within 60 s; the kiosk said: {err}");
    };
    assert_eq!(geometry, format!("{W}x{H}+0+0"), "the window covers the screen");

    // It draws the attract screen: a white screen with dark text and the
    // QR code on it (poll: the first frames may still be coming).
    let mut last = (0usize, 0usize);
    while started.elapsed() < Duration::from_secs(60) {
        let (w, h, px) = screenshot(&display);
        assert_eq!((w, h), (W, H));
        let white = px.iter().filter(|p| p.iter().all(|&c| c > 240)).count();
        let dark = px.iter().filter(|p| p.iter().all(|&c| c < 60)).count();
        last = (white, dark);
        if white > px.len() / 2 && dark > px.len() / 100 {
            let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gui-smoke.png");
            let flat: Vec<u8> = px.iter().flatten().copied().collect();
            image::save_buffer(&out, &flat, w, h, image::ColorType::Rgb8).unwrap();
            return;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!(
        "the attract screen was not drawn: {last:?} white/dark pixels of {}",
        W * H
    );
}

#[test]
fn without_a_display_the_kiosk_says_so_instead_of_panicking() {
    let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["run", "--demo"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .current_dir(root())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("no display") && !err.contains("panicked"), "{err}");
}

/// A kiosk in a real window under Xvfb, driven as a person drives it (the
/// pointer by xdotool, the keypad's keys) and read back by OCR.
struct Window {
    display: String,
    size: (u32, u32),
    printed: tempfile::TempDir,
    _procs: Procs,
}

/// A line of text tesseract read, and where.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    x: u32,
    y: u32,
    w: u32,
    h: u32,
}

impl Window {
    fn open(w: u32, h: u32) -> Window {
        let (mut procs, display) = x_server(w, h);
        let printed = tempfile::tempdir().unwrap();
        procs.0.push(
            Command::new(env!("CARGO_BIN_EXE_kiosk"))
                .args(["run", "--demo"])
                .current_dir(root())
                .env("DISPLAY", &display)
                .env("TMPDIR", printed.path())
                .env_remove("WAYLAND_DISPLAY")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("kiosk starts"),
        );
        Window {
            display,
            size: (w, h),
            printed,
            _procs: procs,
        }
    }

    /// The screen read by tesseract (Chinese and English), line by line,
    /// each word with its box: grey levels, read twice (as a page, and as
    /// sparse text, which finds the buttons' labels).
    fn read(&self, psms: &[&str]) -> Vec<Vec<Line>> {
        let (w, h, px) = screenshot(&self.display);
        assert_eq!((w, h), self.size);
        let png = self.printed.path().join("screen.png");
        let grey: Vec<u8> = px
            .iter()
            .map(|p| ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8)
            .collect();
        image::save_buffer(&png, &grey, w, h, image::ColorType::L8).unwrap();
        let mut lines = Vec::new();
        for &psm in psms {
            let out = Command::new(tool("tesseract"))
                .arg(&png)
                .args(["-", "-l", "chi_sim+eng", "--psm", psm, "tsv"])
                .output()
                .expect("tesseract runs");
            assert!(
                out.status.success(),
                "tesseract: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let tsv = String::from_utf8_lossy(&out.stdout).into_owned();
            let mut by_line: Vec<(String, Vec<Line>)> = Vec::new();
            for row in tsv.lines().skip(1) {
                let f: Vec<&str> = row.split('\t').collect();
                if f.len() < 12 || f[0] != "5" || f[11].trim().is_empty() {
                    continue;
                }
                let key = format!("{}/{}/{}", f[2], f[3], f[4]);
                let n = |i: usize| f[i].parse::<u32>().unwrap_or(0);
                let word = Line {
                    text: f[11].to_string(),
                    x: n(6),
                    y: n(7),
                    w: n(8),
                    h: n(9),
                };
                match by_line.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, l)) => l.push(word),
                    None => by_line.push((key, vec![word])),
                }
            }
            lines.extend(by_line.into_iter().map(|(_, l)| l));
        }
        lines
    }

    /// Waits until a line holding every text of `want` (spaces and case
    /// ignored) is read; the box of the words from the first to the last.
    fn wait_for(&self, want: &[&str]) -> Line {
        self.wait_for_where(want, |_| true)
    }

    /// As [`Window::wait_for`], for a line whose box `fits`.
    fn wait_for_where(&self, want: &[&str], fits: impl Fn(&Line) -> bool) -> Line {
        let squash = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_lowercase()
        };
        let started = Instant::now();
        let mut last = Vec::new();
        while started.elapsed() < Duration::from_secs(90) {
            // As a page first (fast), then as sparse text too.
            let quick = self.read(&["3"]);
            let found = quick.iter().any(|words| {
                let joined: String = words.iter().map(|w| squash(&w.text)).collect();
                want.iter().all(|w| joined.contains(&squash(w)))
            });
            last = if found { quick } else { self.read(&["3", "12"]) };
            for words in &last {
                let joined: String = words.iter().map(|w| squash(&w.text)).collect();
                if !want.iter().all(|w| joined.contains(&squash(w))) {
                    continue;
                }
                // The words from the last text's match back to the first
                // text's nearest match before it (two buttons can share an
                // OCR line: the one that holds both texts).
                let (first, last_want) = (squash(want[0]), squash(want[want.len() - 1]));
                let last_at = joined.find(&last_want).unwrap_or(0);
                let at = joined[..last_at + last_want.len()].rfind(&first).unwrap_or(0);
                let end = (last_at + last_want.len()).max(at + first.len());
                let mut pos = 0;
                let mut boxes = Vec::new();
                for w in words {
                    let len = squash(&w.text).len();
                    if pos < end && pos + len > at {
                        boxes.push(w);
                    }
                    pos += len;
                }
                let x = boxes.iter().map(|b| b.x).min().unwrap_or(0);
                let y = boxes.iter().map(|b| b.y).min().unwrap_or(0);
                let r = boxes.iter().map(|b| b.x + b.w).max().unwrap_or(0);
                let b = boxes.iter().map(|b| b.y + b.h).max().unwrap_or(0);
                let line = Line {
                    text: joined,
                    x,
                    y,
                    w: r - x,
                    h: b - y,
                };
                if fits(&line) {
                    return line;
                }
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        let seen: Vec<String> = last
            .iter()
            .map(|l| l.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" "))
            .collect();
        panic!("{want:?} never read on the {:?} screen; read: {seen:?}", self.size);
    }

    fn click(&self, l: &Line) {
        let (x, y) = (l.x + l.w / 2, l.y + l.h / 2);
        let out = Command::new(tool("xdotool"))
            .args(["mousemove", "--sync", &x.to_string(), &y.to_string(), "click", "1"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("xdotool runs");
        assert!(
            out.status.success(),
            "xdotool: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The next frame is drawn well within this.
        std::thread::sleep(Duration::from_millis(500));
    }

    fn key(&self, key: &str) {
        let out = Command::new(tool("xdotool"))
            .args(["key", key])
            .env("DISPLAY", &self.display)
            .output()
            .expect("xdotool runs");
        assert!(
            out.status.success(),
            "xdotool: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    /// The demo's journal (the folder the kiosk made under TMPDIR).
    fn journal(&self) -> campus_kiosk::adapters::journal::SqliteJournal {
        let dir = std::fs::read_dir(self.printed.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.join("journal.sqlite").exists())
            .expect("the demo's journal");
        campus_kiosk::adapters::journal::SqliteJournal::open(&dir.join("journal.sqlite")).unwrap()
    }
}

/// Portrait and landscape: sign in from the demo's controls, preview the
/// certificate, add a copy and print from the keypad, rate it, read the
/// thanks; then an unknown card in English. Every check reads the real
/// window back with OCR; the journal holds the rating.
#[test]
fn a_real_window_prints_and_rates_read_back_by_ocr() {
    for (w, h) in [(1080, 1920), (1920, 1080)] {
        let win = Window::open(w, h);
        let english = win.wait_for(&["English"]);
        win.wait_for(&["请将校园卡放在读卡区"]);
        win.click(&english);
        win.wait_for(&["Place your campus card"]);
        let tap = win.wait_for(&["Simulate card tap", "在读"]);
        win.click(&tap);
        win.wait_for(&["Choose a document to print"]);
        // The keypad's 1: the first service, the certificate.
        win.key("KP_1");
        win.wait_for(&["1 page", "1 copy", "1 sheet"]);
        // The document's name heads its preview, in heading size above
        // the page (the page itself says it too, in small print).
        let tap = win.wait_for(&["Tap the page to read it full size"]);
        win.wait_for_where(&["Certificate of Enrollment"], |l| l.h >= 24 && l.y < tap.y / 3);
        win.key("KP_Add");
        win.wait_for(&["2 copies", "2 sheets"]);
        win.key("KP_Enter");
        win.wait_for(&["Printed: Certificate of Enrollment", "2 copies"]);
        // A finger on the rating's 4: the touch and the button's press
        // both arrive, and the rating must survive the touch. The five
        // buttons (88 + 8 px wide, 16 apart) sit centred under the prompt.
        let prompt = win.wait_for(&["How was this service"]);
        let four = Line {
            text: "4".into(),
            x: w / 2 + 112 - 10,
            y: prompt.y + prompt.h + 24 + 30,
            w: 20,
            h: 20,
        };
        win.click(&four);
        win.wait_for(&["Thank you for your rating"]);
        let all = win.journal().all().unwrap();
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(
            (all[0].stage, all[0].copies, all[0].rating),
            (campus_kiosk::journal::Stage::Printed, 2, Some(4)),
            "{:?}",
            all[0]
        );
        win.key("KP_Enter");
        // The next person starts in Chinese.
        let english = win.wait_for(&["English"]);
        win.wait_for(&["请将校园卡放在读卡区"]);
        win.click(&english);
        let unknown = win.wait_for(&["Simulate card tap", "未登记"]);
        win.click(&unknown);
        win.wait_for(&["We could not find your record"]);
        win.wait_for(&["Back to the start in"]);
    }
}

/// The technician's PIN pad in the real window: five taps on the corner
/// open it; left alone, it gives way to the attract screen after the
/// session's idle time (that its keys stay put is checked by bounds in
/// tests/ui_journeys.rs).
#[test]
fn a_real_window_pin_pad_closes_when_left_alone() {
    let win = Window::open(1080, 1920);
    win.wait_for(&["请将校园卡放在读卡区"]);
    // A little apart each time: xdotool's synchronous move waits long
    // for a pointer already where it is sent.
    for i in 0..5 {
        win.click(&Line {
            text: String::new(),
            x: 80 + 8 * i,
            y: 80 + 8 * i,
            w: 2,
            h: 2,
        });
    }
    let opened = std::time::Instant::now();
    win.wait_for(&["请输入", "PIN"]);
    // Nobody touches it: the attract screen comes back (within the 90 s
    // that reading waits; the idle time is 60 s).
    win.wait_for(&["请将校园卡放在读卡区"]);
    assert!(
        opened.elapsed() >= Duration::from_secs(50),
        "closed before the idle time"
    );
}
