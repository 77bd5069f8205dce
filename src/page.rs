//! The page model: what a document *is* once laid out. Both exporters (PDF
//! and raster) draw exactly these items and nothing else.
//!
//! Units are PostScript points (1/72 in); the origin is the page's top-left
//! corner and y grows downwards.

use std::sync::Arc;

use crate::fonts::FaceId;

/// A piece of text in one weight (a template's `**bold**` markup, read
/// before layout).
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
}

/// A4 in points.
pub const A4: (f32, f32) = (595.2756, 841.8898);

/// Millimetres to points.
pub fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Color {
    pub const BLACK: Color = Color { r: 0, g: 0, b: 0 };

    /// Parses `#rrggbb`.
    pub fn parse(s: &str) -> Option<Color> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 || !hex.is_ascii() {
            return None;
        }
        let p = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Color {
            r: p(0)?,
            g: p(2)?,
            b: p(4)?,
        })
    }
}

/// A decoded raster image (a logo or a seal), shared between documents.
#[derive(Debug, PartialEq)]
pub struct Raster {
    /// Name for reference output (the file name in the template).
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// Straight (not premultiplied) RGBA, row-major.
    pub rgba: Vec<u8>,
}

/// One glyph of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub gid: u16,
    /// Offset from the run's origin along the baseline, in points.
    pub x: f32,
    /// The character it shows (for text extraction).
    pub ch: char,
}

/// Glyphs of one face and size on one baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    pub face: FaceId,
    pub size: f32,
    /// Origin: the left end of the baseline.
    pub x: f32,
    pub y: f32,
    /// Counter-clockwise rotation about the origin, in degrees (watermarks).
    pub angle: f32,
    pub color: Color,
    pub glyphs: Vec<Glyph>,
}

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Text(TextRun),
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Color,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Color,
    },
    Image {
        image: Arc<Raster>,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// A QR symbol: `n`×`n` modules, row-major, `true` = dark.
    Qr {
        x: f32,
        y: f32,
        module: f32,
        n: usize,
        dark: Vec<bool>,
    },
}

/// One page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
}

/// A laid-out document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub issuer: String,
    /// RFC 3339 issue time (also the PDF's creation date).
    pub issued_at: String,
    pub pages: Vec<Page>,
}

impl Page {
    /// The first number on the page that is not finite or lies far off
    /// the page (more than a page's size away): what holds it. Exporters
    /// refuse such a page rather than write `NaN` into a PDF.
    pub fn unprintable(&self) -> Option<&'static str> {
        let far = 4.0 * self.width.max(self.height).max(1.0);
        let ok = |v: f32| v.is_finite() && v.abs() <= far;
        if !(ok(self.width) && ok(self.height) && self.width > 0.0 && self.height > 0.0) {
            return Some("page size");
        }
        for it in &self.items {
            let bad = match it {
                Item::Text(t) => ![t.size, t.x, t.y, t.angle].into_iter().all(ok) || !t.glyphs.iter().all(|g| ok(g.x)),
                Item::Line {
                    x1, y1, x2, y2, width, ..
                } => ![*x1, *y1, *x2, *y2, *width].into_iter().all(ok),
                Item::Rect { x, y, w, h, .. } | Item::Image { x, y, w, h, .. } => ![*x, *y, *w, *h].into_iter().all(ok),
                Item::Qr { x, y, module, .. } => ![*x, *y, *module].into_iter().all(ok),
            };
            if bad {
                return Some(match it {
                    Item::Text(_) => "a text run",
                    Item::Line { .. } => "a line",
                    Item::Rect { .. } => "a rectangle",
                    Item::Image { .. } => "a picture",
                    Item::Qr { .. } => "the QR code",
                });
            }
        }
        None
    }
}

impl Document {
    /// All text of a page in drawing order, runs separated by newlines (for
    /// tests and diagnostics).
    pub fn page_text(&self, page: usize) -> String {
        let mut out = String::new();
        if let Some(p) = self.pages.get(page) {
            for item in &p.items {
                if let Item::Text(run) = item {
                    out.extend(run.glyphs.iter().map(|g| g.ch));
                    out.push('\n');
                }
            }
        }
        out
    }

    /// A stable, human-readable dump of the page model, used by the
    /// reference tests. Coordinates are rounded to 0.1 pt.
    pub fn snapshot(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let r = |v: f32| (v * 10.0).round() / 10.0;
        let _ = writeln!(s, "document {:?} issuer {:?}", self.title, self.issuer);
        for (i, p) in self.pages.iter().enumerate() {
            let _ = writeln!(s, "page {} {}x{}", i + 1, r(p.width), r(p.height));
            for item in &p.items {
                match item {
                    Item::Text(t) => {
                        let text: String = t.glyphs.iter().map(|g| g.ch).collect();
                        let end = t.glyphs.last().map_or(0.0, |g| g.x);
                        let _ = write!(
                            s,
                            "  text f{} {} @{},{} w{}",
                            t.face.0,
                            r(t.size),
                            r(t.x),
                            r(t.y),
                            r(end)
                        );
                        if t.angle != 0.0 {
                            let _ = write!(s, " rot{}", r(t.angle));
                        }
                        let _ = writeln!(s, " {text:?}");
                    }
                    Item::Line {
                        x1, y1, x2, y2, width, ..
                    } => {
                        let _ = writeln!(
                            s,
                            "  line {},{} -> {},{} w{}",
                            r(*x1),
                            r(*y1),
                            r(*x2),
                            r(*y2),
                            r(*width)
                        );
                    }
                    Item::Rect { x, y, w, h, .. } => {
                        let _ = writeln!(s, "  rect {},{} {}x{}", r(*x), r(*y), r(*w), r(*h));
                    }
                    Item::Image { image, x, y, w, h } => {
                        let _ = writeln!(s, "  image {} @{},{} {}x{}", image.name, r(*x), r(*y), r(*w), r(*h));
                    }
                    Item::Qr { x, y, module, n, .. } => {
                        let _ = writeln!(s, "  qr {n}x{n} @{},{} m{}", r(*x), r(*y), r(*module));
                    }
                }
            }
        }
        s
    }
}
