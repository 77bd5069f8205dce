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
struct Procs(Vec<Child>);

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

#[test]
fn the_demo_runs_fullscreen_in_a_real_window() {
    let n = free_display();
    let display = format!(":{n}");
    let xvfb = Command::new(tool("Xvfb"))
        .args([&display, "-screen", "0", &format!("{W}x{H}x24"), "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let mut procs = Procs(vec![xvfb]);
    let socket = format!("/tmp/.X11-unix/X{n}");
    let started = Instant::now();
    while !Path::new(&socket).exists() {
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
