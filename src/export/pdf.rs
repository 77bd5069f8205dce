//! PDF export through `printpdf`.
//!
//! Fonts are subset here, once per document, with `subsetter` (only the
//! glyphs the pages use; the CJK faces are 10–30 MB whole), and handed to
//! printpdf already subset, so its own (slow, whole-font) path is never
//! taken. Resource names and the trailer's `/ID` are derived from the
//! content, so the same document always serializes to the same bytes.

use std::collections::BTreeMap;

use printpdf::{
    Codepoint, Color as PColor, FontId, Line, LinePoint, Op, PaintMode, ParsedFont, PdfDocument, PdfFont,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, RawImage, RawImageData, RawImageFormat,
    Rgb, TextItem, TextMatrix, WindingOrder, XObject, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};

use crate::fonts::{FaceId, FontBook};
use crate::layout::model::{Color, Document, Item};

/// Why a PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("cannot subset font {font}: {reason}")]
    Subset { font: String, reason: String },
    #[error("cannot embed font {font}: {reason}")]
    Embed { font: String, reason: String },
    #[error("the issue time {0:?} is not RFC 3339")]
    IssueTime(String),
}

fn rgb(c: Color) -> PColor {
    PColor::Rgb(Rgb {
        r: f32::from(c.r) / 255.0,
        g: f32::from(c.g) / 255.0,
        b: f32::from(c.b) / 255.0,
        icc_profile: None,
    })
}

/// Six capital letters naming a subset (PDF 32000-1, 9.6.4), derived from
/// the glyphs it holds.
fn subset_tag(face: FaceId, gids: &BTreeMap<u16, char>) -> String {
    let mut h = Sha256::new();
    h.update([face.0]);
    for g in gids.keys() {
        h.update(g.to_be_bytes());
    }
    h.finalize()[..6].iter().map(|b| char::from(b'A' + b % 26)).collect()
}

fn pdf_date(rfc3339: &str) -> Result<printpdf::DateTime, PdfError> {
    let t = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map_err(|_| PdfError::IssueTime(rfc3339.to_string()))?
        // printpdf writes every date as UTC.
        .to_offset(time::UtcOffset::UTC);
    Ok(printpdf::DateTime {
        date: printpdf::Date {
            year: t.year(),
            month: t.month() as u8,
            day: t.day(),
        },
        time: printpdf::Time {
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
            millisecond: 0,
        },
        offset: printpdf::Offset {
            hours: 0,
            minutes: 0,
            seconds: 0,
            milliseconds: 0,
        },
    })
}

/// A face subset for one document.
struct Subset {
    id: FontId,
    /// Original glyph id → glyph id in the subset.
    map: BTreeMap<u16, u16>,
}

fn subset_fonts(book: &FontBook, doc: &Document, pdf: &mut PdfDocument) -> Result<BTreeMap<FaceId, Subset>, PdfError> {
    let mut used: BTreeMap<FaceId, BTreeMap<u16, char>> = BTreeMap::new();
    for page in &doc.pages {
        for item in &page.items {
            if let Item::Text(run) = item {
                let set = used.entry(run.face).or_default();
                for g in &run.glyphs {
                    set.entry(g.gid).or_insert(g.ch);
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    for (face, gids) in used {
        let name = FontBook::info(face).postscript_name;
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut map = BTreeMap::new();
        for &g in gids.keys() {
            map.insert(g, remapper.remap(g));
        }
        let bytes = subsetter::subset(book.data(face), 0, &remapper).map_err(|e| PdfError::Subset {
            font: name.to_string(),
            reason: format!("{e:?}"),
        })?;
        let mut warnings = Vec::new();
        let mut parsed = ParsedFont::from_bytes(&bytes, 0, &mut warnings).ok_or_else(|| PdfError::Embed {
            font: name.to_string(),
            reason: format!("{warnings:?}"),
        })?;
        parsed.font_name = Some(format!("{}+{name}", subset_tag(face, &gids)));
        let id = FontId(format!("F{}", face.0));
        pdf.resources.fonts.map.insert(id.clone(), PdfFont::new(parsed));
        out.insert(face, Subset { id, map });
    }
    Ok(out)
}

/// Serializes `doc` as PDF.
pub fn to_pdf(book: &FontBook, doc: &Document) -> Result<Vec<u8>, PdfError> {
    let mut pdf = PdfDocument::new(&doc.title);
    let date = pdf_date(&doc.issued_at)?;
    {
        let info = &mut pdf.metadata.info;
        info.author = doc.issuer.clone();
        info.creator = "campus-kiosk".into();
        info.producer = format!("campus-kiosk {}", env!("CARGO_PKG_VERSION"));
        info.subject = doc.title.clone();
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
    }
    let fonts = subset_fonts(book, doc, &mut pdf)?;

    // Images: one XObject per distinct picture.
    let mut images: Vec<(std::sync::Arc<crate::layout::model::Raster>, XObjectId)> = Vec::new();
    let mut pages = Vec::with_capacity(doc.pages.len());
    for page in &doc.pages {
        let ph = page.height;
        let mut ops = Vec::with_capacity(page.items.len() * 4);
        for item in &page.items {
            match item {
                Item::Text(run) => {
                    let Some(sub) = fonts.get(&run.face) else {
                        continue;
                    };
                    let (x, y) = (run.x, ph - run.y);
                    let matrix = if run.angle == 0.0 {
                        TextMatrix::Translate(Pt(x), Pt(y))
                    } else {
                        let (s, c) = run.angle.to_radians().sin_cos();
                        TextMatrix::Raw([c, s, -s, c, x, y])
                    };
                    // After each glyph the viewer advances by its width; a
                    // TJ number (in 1/1000 em, positive = left) moves the pen
                    // to where the layout put the next glyph.
                    let face = book.face(run.face);
                    let upem = book.units_per_em(run.face);
                    let glyphs = run
                        .glyphs
                        .iter()
                        .enumerate()
                        .map(|(i, g)| {
                            let offset = match run.glyphs.get(i + 1) {
                                Some(next) => {
                                    let natural =
                                        f32::from(face.glyph_hor_advance(ttf_parser::GlyphId(g.gid)).unwrap_or(0))
                                            / upem
                                            * run.size;
                                    let kern = -(next.x - g.x - natural) * 1000.0 / run.size;
                                    if kern.abs() < 0.05 {
                                        0.0
                                    } else {
                                        (kern * 10.0).round() / 10.0
                                    }
                                }
                                None => 0.0,
                            };
                            Codepoint {
                                gid: sub.map.get(&g.gid).copied().unwrap_or(0),
                                offset,
                                cid: Some(g.ch.to_string()),
                            }
                        })
                        .collect();
                    ops.extend([
                        Op::StartTextSection,
                        Op::SetFont {
                            font: PdfFontHandle::External(sub.id.clone()),
                            size: Pt(run.size),
                        },
                        Op::SetFillColor { col: rgb(run.color) },
                        Op::SetTextMatrix { matrix },
                        Op::ShowText {
                            items: vec![TextItem::GlyphIds(glyphs)],
                        },
                        Op::EndTextSection,
                    ]);
                }
                Item::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                    color,
                } => {
                    let p = |x: f32, y: f32| LinePoint {
                        p: Point {
                            x: Pt(x),
                            y: Pt(ph - y),
                        },
                        bezier: false,
                    };
                    ops.extend([
                        Op::SetOutlineColor { col: rgb(*color) },
                        Op::SetOutlineThickness { pt: Pt(*width) },
                        Op::DrawLine {
                            line: Line {
                                points: vec![p(*x1, *y1), p(*x2, *y2)],
                                is_closed: false,
                            },
                        },
                    ]);
                }
                Item::Rect { x, y, w, h, fill } => {
                    ops.push(Op::SetFillColor { col: rgb(*fill) });
                    ops.push(fill_rects(ph, &[(*x, *y, *w, *h)]));
                }
                Item::Image { image, x, y, w, h } => {
                    let id = match images.iter().find(|(r, _)| std::sync::Arc::ptr_eq(r, image)) {
                        Some((_, id)) => id.clone(),
                        None => {
                            let id = XObjectId(format!("Im{}", images.len() + 1));
                            pdf.resources.xobjects.map.insert(
                                id.clone(),
                                XObject::Image(RawImage {
                                    pixels: RawImageData::U8(image.rgba.clone()),
                                    width: image.width as usize,
                                    height: image.height as usize,
                                    data_format: RawImageFormat::RGBA8,
                                    tag: Vec::new(),
                                }),
                            );
                            images.push((image.clone(), id.clone()));
                            id
                        }
                    };
                    ops.push(Op::UseXobject {
                        id,
                        transform: XObjectTransform {
                            translate_x: Some(Pt(*x)),
                            translate_y: Some(Pt(ph - y - h)),
                            rotate: None,
                            scale_x: Some(w / image.width as f32),
                            scale_y: Some(h / image.height as f32),
                            dpi: Some(72.0),
                            no_auto_scale: false,
                        },
                    });
                }
                Item::Qr { x, y, module, n, dark } => {
                    // Horizontal runs of dark modules, one rectangle each.
                    let mut rects = Vec::new();
                    for row in 0..*n {
                        let mut col = 0;
                        while col < *n {
                            if dark[row * n + col] {
                                let start = col;
                                while col < *n && dark[row * n + col] {
                                    col += 1;
                                }
                                rects.push((
                                    x + start as f32 * module,
                                    y + row as f32 * module,
                                    (col - start) as f32 * module,
                                    *module,
                                ));
                            } else {
                                col += 1;
                            }
                        }
                    }
                    ops.push(Op::SetFillColor { col: rgb(Color::BLACK) });
                    ops.push(fill_rects(ph, &rects));
                }
            }
        }
        pages.push(PdfPage::new(
            printpdf::Mm(page.width * 25.4 / 72.0),
            printpdf::Mm(page.height * 25.4 / 72.0),
            ops,
        ));
    }
    pdf.pages = pages;
    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut bytes = pdf.save(&opts, &mut warnings);
    blank_pdfx_claim(&mut bytes);
    stabilise_id(&mut bytes);
    Ok(bytes)
}

/// One filled path of rectangles (top-left coordinates in, PDF out).
fn fill_rects(ph: f32, rects: &[(f32, f32, f32, f32)]) -> Op {
    let pt = |x: f32, y: f32| LinePoint {
        p: Point {
            x: Pt(x),
            y: Pt(ph - y),
        },
        bezier: false,
    };
    Op::DrawPolygon {
        polygon: Polygon {
            rings: rects
                .iter()
                .map(|&(x, y, w, h)| PolygonRing {
                    points: vec![pt(x, y), pt(x + w, y), pt(x + w, y + h), pt(x, y + h)],
                })
                .collect(),
            mode: PaintMode::Fill,
            winding_order: WindingOrder::NonZero,
        },
    }
}

/// printpdf always writes `/GTS_PDFXVersion ()`, which readers take as a
/// claim of PDF/X conformance. Blank it out in place (same length, so the
/// cross-reference offsets stay valid).
fn blank_pdfx_claim(bytes: &mut [u8]) {
    for key in [&b"/GTS_PDFXVersion()"[..], b"/GTS_PDFXVersion ()"] {
        if let Some(at) = bytes.windows(key.len()).position(|w| w == key) {
            bytes[at..at + key.len()].fill(b' ');
        }
    }
}

/// printpdf fills the trailer's `/ID` from a process-wide counter, so the
/// same document differs between calls. Replace both ids, in place and with
/// the same length (the cross-reference offsets stay valid), by a digest of
/// the rest of the file.
fn stabilise_id(bytes: &mut [u8]) {
    let Some(trailer) = find_last(bytes, b"trailer") else {
        return;
    };
    let Some(rel) = find_last(&bytes[trailer..], b"/ID") else {
        return;
    };
    let start = trailer + rel;
    let Some(end_rel) = bytes[start..].iter().position(|&b| b == b']') else {
        return;
    };
    let end = start + end_rel;
    let digest = {
        let mut h = Sha256::new();
        h.update(&bytes[..start]);
        h.update(&bytes[end..]);
        h.finalize()
    };
    let hex: Vec<u8> = digest.iter().flat_map(|b| format!("{b:02X}").into_bytes()).collect();
    // Overwrite the characters inside each (...) string.
    let mut k = 0usize;
    let mut inside = false;
    for b in &mut bytes[start..end] {
        match *b {
            b'(' => inside = true,
            b')' => inside = false,
            _ if inside => {
                *b = hex[k % hex.len()];
                k += 1;
            }
            _ => {}
        }
    }
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}
