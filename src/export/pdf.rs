//! PDF export through `printpdf`.
//!
//! Fonts are subset here, once per document, with `subsetter` (only the
//! glyphs the pages use; the CJK faces are 10–30 MB whole), and handed to
//! printpdf already subset, so its own (slow, whole-font) path is never
//! taken. Resource names and the trailer's `/ID` are derived from the
//! content, so the same document always serializes to the same bytes.

use std::collections::BTreeMap;

use std::sync::{Arc, Mutex};

use printpdf::{
    Codepoint, Color as PColor, FontId, Line, LinePoint, Op, PaintMode, ParsedFont, PdfDocument, PdfFont,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem, TextMatrix, WindingOrder,
    XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};

use crate::fonts::{FaceId, FontBook};
use crate::page::{Color, Document, Item, Raster};

/// Why a PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("cannot subset font {font}: {reason}")]
    Subset { font: String, reason: String },
    #[error("cannot embed font {font}: {reason}")]
    Embed { font: String, reason: String },
    #[error("the issue time {0:?} is not RFC 3339")]
    IssueTime(String),
    #[error("cannot write the PDF: {0}")]
    Write(String),
    #[error("page {page}: {what} has a position or size that is not a finite number on the page; nothing was written")]
    NotFinite { page: usize, what: &'static str },
    #[error("page {page}: a text run uses a font face that was not embedded; nothing was written")]
    MissingFace { page: usize },
    #[error("page {page}: glyph {gid} is not in the embedded subset; nothing was written")]
    MissingGlyph { page: usize, gid: u16 },
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

/// Graphics state already set in a page's content stream.
#[derive(Default)]
struct PageState {
    in_text: bool,
    font: Option<(FaceId, f32)>,
    fill: Option<Color>,
}

impl PageState {
    fn fill(&mut self, ops: &mut Vec<Op>, c: Color) {
        if self.fill != Some(c) {
            ops.push(Op::SetFillColor { col: rgb(c) });
            self.fill = Some(c);
        }
    }
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
    for (i, page) in doc.pages.iter().enumerate() {
        if let Some(what) = page.unprintable() {
            return Err(PdfError::NotFinite { page: i + 1, what });
        }
    }
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

    // Pictures: one XObject per distinct picture, added after printpdf has
    // built the document (see `add_images`).
    let mut images: Vec<(Arc<Raster>, XObjectId)> = Vec::new();
    let mut pages = Vec::with_capacity(doc.pages.len());
    for (page_no, page) in doc.pages.iter().enumerate().map(|(i, p)| (i + 1, p)) {
        let ph = page.height;
        let mut ops = Vec::with_capacity(page.items.len() * 4);
        let mut state = PageState::default();
        for item in &page.items {
            if state.in_text && !matches!(item, Item::Text(_)) {
                ops.push(Op::EndTextSection);
                state.in_text = false;
            }
            match item {
                Item::Text(run) => {
                    let Some(sub) = fonts.get(&run.face) else {
                        return Err(PdfError::MissingFace { page: page_no });
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
                        .map(|(i, g)| -> Result<Codepoint, PdfError> {
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
                            Ok(Codepoint {
                                gid: sub.map.get(&g.gid).copied().ok_or(PdfError::MissingGlyph {
                                    page: page_no,
                                    gid: g.gid,
                                })?,
                                offset,
                                cid: Some(g.ch.to_string()),
                            })
                        })
                        .collect::<Result<_, _>>()?;
                    // Consecutive runs share one text object; font and colour
                    // are set only when they change.
                    if !state.in_text {
                        ops.push(Op::StartTextSection);
                        state.in_text = true;
                        state.font = None;
                    }
                    if state.font != Some((run.face, run.size)) {
                        ops.push(Op::SetFont {
                            font: PdfFontHandle::External(sub.id.clone()),
                            size: Pt(run.size),
                        });
                        state.font = Some((run.face, run.size));
                    }
                    state.fill(&mut ops, run.color);
                    ops.push(Op::SetTextMatrix { matrix });
                    ops.push(Op::ShowText {
                        items: vec![TextItem::GlyphIds(glyphs)],
                    });
                    continue;
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
                    state.fill(&mut ops, *fill);
                    ops.push(fill_rects(ph, &[(*x, *y, *w, *h)]));
                }
                Item::Image { image, x, y, w, h } => {
                    let id = match images.iter().find(|(r, _)| Arc::ptr_eq(r, image)) {
                        Some((_, id)) => id.clone(),
                        None => {
                            let id = XObjectId(format!("Im{}", images.len() + 1));
                            images.push((image.clone(), id.clone()));
                            id
                        }
                    };
                    // An image fills the unit square: scale it to w × h.
                    ops.push(Op::UseXobject {
                        id,
                        transform: XObjectTransform {
                            translate_x: Some(Pt(*x)),
                            translate_y: Some(Pt(ph - y - h)),
                            rotate: None,
                            scale_x: Some(*w),
                            scale_y: Some(*h),
                            dpi: None,
                            no_auto_scale: true,
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
                    state.fill(&mut ops, Color::BLACK);
                    ops.push(fill_rects(ph, &rects));
                }
            }
        }
        if state.in_text {
            ops.push(Op::EndTextSection);
        }
        pages.push(PdfPage::new(
            printpdf::Mm(page.width * 25.4 / 72.0),
            printpdf::Mm(page.height * 25.4 / 72.0),
            ops,
        ));
    }
    pdf.pages = pages;
    // printpdf builds the object tree; we compress and write it ourselves
    // (see `compress_streams`).
    let opts = PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = pdf.to_lopdf_document(&opts, &mut warnings);
    compress_streams(&mut lo);
    add_images(&mut lo, &images)?;
    let mut bytes = Vec::with_capacity(128 * 1024);
    lo.save_to(&mut bytes).map_err(|e| PdfError::Write(e.to_string()))?;
    blank_pdfx_claim(&mut bytes);
    stabilise_id(&mut bytes);
    Ok(bytes)
}

fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len() / 2), flate2::Compression::new(2));
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// Deflates content streams and font programs. Level 2 is several times
/// faster than lopdf's "best" and costs a few per cent in size (measured:
/// 86 KB against 81 KB for the 56-course transcript).
fn compress_streams(doc: &mut lopdf::Document) {
    for obj in doc.objects.values_mut() {
        let lopdf::Object::Stream(stream) = obj else { continue };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() || stream.content.len() < 64 {
            continue;
        }
        let packed = deflate(&stream.content);
        if packed.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(packed);
        }
    }
}

/// A picture's PDF streams: deflated colour and (if any pixel is not
/// opaque) alpha.
struct EncodedImage {
    rgba: Vec<u8>,
    rgb: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

/// Encoded pictures, kept across documents: the same logo and seal appear
/// on every document, and deflating their pixels was most of the export's
/// time. A hit is checked byte for byte against the picture.
static ENCODED: Mutex<Vec<Arc<EncodedImage>>> = Mutex::new(Vec::new());
const ENCODED_ENTRIES: usize = 16;

fn encoded(image: &Raster) -> Arc<EncodedImage> {
    let mut cache = ENCODED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hit) = cache.iter().find(|e| e.rgba == image.rgba) {
        return hit.clone();
    }
    let px = image.rgba.len() / 4;
    let (mut rgb, mut alpha) = (Vec::with_capacity(px * 3), Vec::with_capacity(px));
    for p in image.rgba.chunks_exact(4) {
        rgb.extend_from_slice(&p[..3]);
        alpha.push(p[3]);
    }
    let opaque = alpha.iter().all(|&a| a == 255);
    let enc = Arc::new(EncodedImage {
        rgba: image.rgba.clone(),
        rgb: deflate(&rgb),
        alpha: (!opaque).then(|| deflate(&alpha)),
    });
    if cache.len() >= ENCODED_ENTRIES {
        cache.remove(0);
    }
    cache.push(enc.clone());
    enc
}

/// Adds the pictures as image XObjects (with a soft mask for transparency)
/// to the pages' shared XObject dictionary.
fn add_images(doc: &mut lopdf::Document, images: &[(Arc<Raster>, XObjectId)]) -> Result<(), PdfError> {
    use lopdf::{Dictionary, Object, Stream};
    if images.is_empty() {
        return Ok(());
    }
    let image_dict = |img: &Raster, space: &str| {
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Image".to_vec())),
            ("Width", Object::Integer(i64::from(img.width))),
            ("Height", Object::Integer(i64::from(img.height))),
            ("ColorSpace", Object::Name(space.as_bytes().to_vec())),
            ("BitsPerComponent", Object::Integer(8)),
            ("Filter", Object::Name(b"FlateDecode".to_vec())),
        ])
    };
    let mut entries = Vec::new();
    for (img, id) in images {
        let enc = encoded(img);
        let mut dict = image_dict(img, "DeviceRGB");
        if let Some(alpha) = &enc.alpha {
            let mask =
                doc.add_object(Stream::new(image_dict(img, "DeviceGray"), alpha.clone()).with_compression(false));
            dict.set("SMask", Object::Reference(mask));
        }
        let obj = doc.add_object(Stream::new(dict, enc.rgb.clone()).with_compression(false));
        entries.push((id.0.clone(), obj));
    }
    // Every page's resources point at one XObject dictionary; find it.
    let xobject_dicts: std::collections::BTreeSet<lopdf::ObjectId> = doc
        .page_iter()
        .filter_map(|page| {
            let page = doc.get_dictionary(page).ok()?;
            let res = page.get(b"Resources").ok()?.as_reference().ok()?;
            doc.get_dictionary(res).ok()?.get(b"XObject").ok()?.as_reference().ok()
        })
        .collect();
    if xobject_dicts.is_empty() {
        return Err(PdfError::Write("pages have no XObject resources".into()));
    }
    for dict_id in xobject_dicts {
        let dict = doc
            .get_object_mut(dict_id)
            .and_then(|o| o.as_dict_mut())
            .map_err(|e| PdfError::Write(e.to_string()))?;
        for (name, obj) in &entries {
            dict.set(name.as_bytes().to_vec(), Object::Reference(*obj));
        }
    }
    Ok(())
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
