//! Raster export: the same page model drawn with `tiny-skia`, for the
//! kiosk's on-screen preview and for `kiosk template preview --png`.

use std::collections::HashMap;

use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, PixmapPaint, Rect, Stroke, Transform};

use crate::fonts::{FaceId, FontBook};
use crate::page::{Color, Item, Page};

/// Why a page could not be rasterised.
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    #[error("page too large to rasterise at {dpi} dpi")]
    TooLarge { dpi: f32 },
    #[error("cannot encode PNG: {0}")]
    Png(String),
    #[error("{0} has a position or size that is not a finite number on the page")]
    NotFinite(&'static str),
}

struct Outline(PathBuilder);

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}

fn paint(c: Color) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(c.r, c.g, c.b, 255);
    p.anti_alias = true;
    p
}

/// The resolution of a page on the kiosk's screen: its preview, and the
/// template studio's, which shows the same pixels.
pub const SCREEN_DPI: f32 = 110.0;

/// Draws one page at `dpi`.
pub fn render_page(book: &FontBook, page: &Page, dpi: f32) -> Result<Pixmap, RasterError> {
    let k = dpi / 72.0;
    // Whole pixels covering the page, as poppler sizes them.
    let (w, h) = ((page.width * k).ceil() as u32, (page.height * k).ceil() as u32);
    if !(1.0..=1200.0).contains(&dpi) {
        return Err(RasterError::TooLarge { dpi });
    }
    if let Some(what) = page.unprintable() {
        return Err(RasterError::NotFinite(what));
    }
    let mut pix = Pixmap::new(w, h).ok_or(RasterError::TooLarge { dpi })?;
    pix.fill(tiny_skia::Color::WHITE);
    let base = Transform::from_scale(k, k);
    let mut outlines: HashMap<(FaceId, u16), Option<tiny_skia::Path>> = HashMap::new();
    for item in &page.items {
        match item {
            Item::Text(run) => {
                let p = paint(run.color);
                let (s, c) = (-run.angle).to_radians().sin_cos();
                for g in &run.glyphs {
                    let path = outlines.entry((run.face, g.gid)).or_insert_with(|| {
                        let mut b = Outline(PathBuilder::new());
                        book.face(run.face).outline_glyph(ttf_parser::GlyphId(g.gid), &mut b)?;
                        b.0.finish()
                    });
                    let Some(path) = path else { continue };
                    let scale = run.size / book.units_per_em(run.face);
                    // Glyph space (y up) → run space → page (rotated about the origin).
                    let t = Transform::from_row(scale, 0.0, 0.0, -scale, g.x, 0.0)
                        .post_concat(Transform::from_row(c, s, -s, c, run.x, run.y))
                        .post_concat(base);
                    pix.fill_path(path, &p, FillRule::Winding, t, None);
                }
            }
            Item::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color,
            } => {
                let mut pb = PathBuilder::new();
                pb.move_to(*x1, *y1);
                pb.line_to(*x2, *y2);
                if let Some(path) = pb.finish() {
                    let stroke = Stroke {
                        width: *width,
                        ..Stroke::default()
                    };
                    pix.stroke_path(&path, &paint(*color), &stroke, base, None);
                }
            }
            Item::Rect { x, y, w, h, fill } => {
                if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                    pix.fill_rect(r, &paint(*fill), base, None);
                }
            }
            Item::Image { image, x, y, w, h } => {
                let size = tiny_skia::IntSize::from_wh(image.width, image.height);
                let mut data = image.rgba.clone();
                for px in data.chunks_exact_mut(4) {
                    let a = u16::from(px[3]);
                    for c in &mut px[..3] {
                        *c = ((u16::from(*c) * a + 127) / 255) as u8;
                    }
                }
                if let Some(img) = size.and_then(|s| Pixmap::from_vec(data, s)) {
                    let t = Transform::from_row(w / image.width as f32, 0.0, 0.0, h / image.height as f32, *x, *y)
                        .post_concat(base);
                    let pp = PixmapPaint {
                        quality: tiny_skia::FilterQuality::Bilinear,
                        ..PixmapPaint::default()
                    };
                    pix.draw_pixmap(0, 0, img.as_ref(), &pp, t, None);
                }
            }
            Item::Qr { x, y, module, n, dark } => {
                let p = paint(Color::BLACK);
                let mut pb = PathBuilder::new();
                for row in 0..*n {
                    for col in 0..*n {
                        if dark[row * n + col]
                            && let Some(r) =
                                Rect::from_xywh(x + col as f32 * module, y + row as f32 * module, *module, *module)
                        {
                            pb.push_rect(r);
                        }
                    }
                }
                if let Some(path) = pb.finish() {
                    pix.fill_path(&path, &p, FillRule::Winding, base, None);
                }
            }
        }
    }
    Ok(pix)
}

/// One page as PNG bytes.
pub fn to_png(book: &FontBook, page: &Page, dpi: f32) -> Result<Vec<u8>, RasterError> {
    render_page(book, page, dpi)?
        .encode_png()
        .map_err(|e| RasterError::Png(e.to_string()))
}
