//! Blocks are turned into fragments (a line, a table row, a picture), each
//! of a known height; fragments are then stacked into pages. A table's
//! header fragment is repeated at the top of every page the table continues
//! on, a group title is kept with the row after it, and a row moves to the
//! next page whole unless it is taller than a page.

use minijinja::Value;

use crate::fonts::{Family, FontBook, Weight};
use crate::layout::text::{self, Shaped, TextStyle};
use crate::page::Span;
use crate::page::{self, Color, Document, Item, Page, TextRun, mm};
use crate::template::{Align, Block, Column, Field, RenderError, TableSpec, Template, TextOpts};

/// Why a document could not be laid out.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("{0}")]
    Render(#[from] RenderError),
    #[error("character {ch:?} (U+{code:04X}) in {text:?} is in none of the bundled fonts")]
    MissingGlyph { ch: char, code: u32, text: String },
    #[error("{what}: {message}")]
    Data { what: String, message: String },
}

const PAD: f32 = 2.5; // cell padding, pt
const BORDER: f32 = 0.6; // table rule width, pt
const HEAD_FILL: Color = Color {
    r: 0xee,
    g: 0xee,
    b: 0xee,
};
const GROUP_FILL: Color = Color {
    r: 0xf6,
    g: 0xf6,
    b: 0xf6,
};

/// A piece of the flow with a known height. Item y coordinates are
/// relative to the fragment's top.
#[derive(Debug, Clone, Default)]
struct Frag {
    h: f32,
    items: Vec<Item>,
    /// Move to the next page together with the following fragment.
    keep_with_next: bool,
    /// Vertical space: dropped at the top of a page.
    space: bool,
    /// Items placed in page coordinates (`at = [x, y]`) on the page where
    /// this fragment lands.
    fixed: Vec<Item>,
    /// The table this row belongs to (index into the header list): if a
    /// page starts with this fragment, the table's header comes first.
    table: Option<usize>,
}

impl Frag {
    fn space(h: f32) -> Frag {
        Frag {
            h,
            space: true,
            ..Frag::default()
        }
    }
}

fn shift(items: &mut [Item], dx: f32, dy: f32) {
    for it in items {
        match it {
            Item::Text(t) => {
                t.x += dx;
                t.y += dy;
            }
            Item::Line { x1, y1, x2, y2, .. } => {
                *x1 += dx;
                *x2 += dx;
                *y1 += dy;
                *y2 += dy;
            }
            Item::Rect { x, y, .. } | Item::Image { x, y, .. } | Item::Qr { x, y, .. } => {
                *x += dx;
                *y += dy;
            }
        }
    }
}

struct Ctx<'a> {
    book: &'a FontBook,
    tpl: &'a Template,
    family: Family,
    size: f32,
    leading: f32,
    /// The document's verification payload, drawn by `qr` blocks.
    qr_payload: &'a str,
    /// Height above which a table row is split across pages.
    max_row: f32,
    /// Table headers, by table id.
    headers: Vec<Frag>,
}

/// A paragraph set into lines.
struct Para {
    lines: Vec<(Vec<TextRun>, f32)>, // runs at y = 0 baseline offsets applied; line height
}

impl Ctx<'_> {
    fn style(&self, o: &TextOpts) -> Result<(TextStyle, bool), LayoutError> {
        let color = o.color.as_deref().and_then(Color::parse).unwrap_or(Color::BLACK);
        Ok((
            TextStyle {
                family: o.family.unwrap_or(self.family),
                size: o.size.unwrap_or(self.size),
                color,
                leading: o.leading.unwrap_or(self.leading),
            },
            o.bold,
        ))
    }

    fn shape(&self, spans: &[Span], style: &TextStyle, src: &str) -> Result<Vec<Shaped>, LayoutError> {
        text::shape(self.book, spans, style).map_err(|m| LayoutError::MissingGlyph {
            ch: m.ch,
            code: m.ch as u32,
            text: src.to_string(),
        })
    }

    /// Sets `spans` in a box `w` wide at x = `x`; each line's runs have
    /// their baseline relative to the line's top.
    #[allow(clippy::too_many_arguments)]
    fn paragraph(
        &self,
        spans: &[Span],
        src: &str,
        style: &TextStyle,
        align: Align,
        indent_em: f32,
        tracking_em: f32,
        x: f32,
        w: f32,
    ) -> Result<Para, LayoutError> {
        let mut chars = self.shape(spans, style, src)?;
        let track = tracking_em * style.size;
        if track != 0.0 {
            for c in &mut chars {
                c.advance += track;
            }
        }
        let indent = indent_em * style.size;
        let (asc, desc) = self.book.vertical_metrics(style.family, Weight::Regular);
        let lh = style.leading * style.size;
        let baseline = (lh - (asc - desc) * style.size) / 2.0 + asc * style.size;
        let mut lines = Vec::new();
        let breaks = text::break_lines(&chars, w, indent);
        let count = breaks.len();
        for (i, r) in breaks.into_iter().enumerate() {
            let ends_paragraph = i + 1 == count || chars.get(r.end).is_some_and(|c| c.forced_before);
            let line = &chars[r];
            let lw = text::width(line) - if track != 0.0 && !line.is_empty() { track } else { 0.0 };
            let first = if i == 0 { indent } else { 0.0 };
            let (x0, spread) = match align {
                Align::Left => (x + first, None),
                Align::Justify if ends_paragraph => (x + first, None),
                Align::Justify => (x + first, text::justification(line, w - first)),
                Align::Center => (x + (w - lw) / 2.0, None),
                Align::Right => (x + w - lw, None),
            };
            lines.push((text::runs_spread(line, x0, baseline, style, spread), lh));
        }
        Ok(Para { lines })
    }

    fn text_block(&self, src: &str, opts: &TextOpts, ctx: &Value, x: f32, w: f32) -> Result<Vec<Frag>, LayoutError> {
        let (style, bold) = self.style(opts)?;
        let spans = self.tpl.spans(src, ctx, bold)?;
        let para = self.paragraph(&spans, src, &style, opts.align, opts.indent, opts.tracking, x, w)?;
        Ok(para
            .lines
            .into_iter()
            .map(|(runs, h)| Frag {
                h,
                items: runs.into_iter().map(Item::Text).collect(),
                ..Frag::default()
            })
            .collect())
    }

    fn fields(
        &self,
        items: &[Field],
        columns: usize,
        label_w: f32,
        size: Option<f32>,
        ctx: &Value,
        x: f32,
        w: f32,
    ) -> Result<Vec<Frag>, LayoutError> {
        let columns = columns.max(1);
        let col_w = w / columns as f32;
        let label_w = mm(label_w).min(col_w * 0.6);
        let style = TextStyle {
            family: self.family,
            size: size.unwrap_or(self.size),
            color: Color::BLACK,
            leading: self.leading,
        };
        let mut out = Vec::new();
        for chunk in items.chunks(columns) {
            let mut frag = Frag::default();
            for (c, f) in chunk.iter().enumerate() {
                let cx = x + c as f32 * col_w;
                let label = self.tpl.spans(&f.label, ctx, true)?;
                let value = self.tpl.spans(&f.value, ctx, false)?;
                let lp = self.paragraph(&label, &f.label, &style, Align::Left, 0.0, 0.0, cx, label_w)?;
                let vp = self.paragraph(
                    &value,
                    &f.value,
                    &style,
                    Align::Left,
                    0.0,
                    0.0,
                    cx + label_w,
                    col_w - label_w - 4.0,
                )?;
                let mut h = 0.0f32;
                for para in [lp, vp] {
                    let mut y = 0.0;
                    for (mut runs, lh) in para.lines {
                        for r in &mut runs {
                            r.y += y;
                        }
                        frag.items.extend(runs.into_iter().map(Item::Text));
                        y += lh;
                    }
                    h = h.max(y);
                }
                frag.h = frag.h.max(h);
            }
            out.push(frag);
        }
        Ok(out)
    }

    fn image(
        &self,
        file: &str,
        width: f32,
        height: Option<f32>,
        align: Align,
        x: f32,
        w: f32,
    ) -> Result<(Item, f32, f32), LayoutError> {
        let img = self.tpl.image(file).ok_or_else(|| LayoutError::Data {
            what: file.to_string(),
            message: "image not loaded with the template".into(),
        })?;
        // Never wider than the column it sits in.
        let iw = mm(width).min(w);
        let ih = match height {
            Some(h) => mm(h) * iw / mm(width),
            None => iw * img.height as f32 / img.width.max(1) as f32,
        };
        let ix = aligned(align, x, w, iw);
        Ok((
            Item::Image {
                image: img.clone(),
                x: ix,
                y: 0.0,
                w: iw,
                h: ih,
            },
            iw,
            ih,
        ))
    }

    fn qr(
        &self,
        size: f32,
        align: Align,
        caption: Option<&str>,
        ctx: &Value,
        x: f32,
        w: f32,
    ) -> Result<Frag, LayoutError> {
        let crate::qr::QrMatrix { n, dark } =
            crate::qr::encode(self.qr_payload).map_err(|message| LayoutError::Data {
                what: "verification code".into(),
                message,
            })?;
        let side = mm(size);
        let qx = aligned(align, x, w, side);
        let mut frag = Frag {
            h: side,
            items: vec![Item::Qr {
                x: qx,
                y: 0.0,
                module: side / n as f32,
                n,
                dark,
            }],
            ..Frag::default()
        };
        if let Some(c) = caption {
            let style = TextStyle {
                family: self.family,
                size: (self.size * 0.75).max(7.0),
                color: Color::BLACK,
                leading: 1.3,
            };
            let spans = self.tpl.spans(c, ctx, false)?;
            // Wide enough for the document's code (16 characters in
            // fours, never broken) at the caption's size.
            let cap_w = side.max(mm(52.0)).min(w);
            let cx = aligned(align, x, w, cap_w);
            // Flush with the code's own edge: under a code at the left
            // margin the caption starts where the code does; under a
            // centred code it is centred.
            let flush = match align {
                Align::Left | Align::Justify => Align::Left,
                other => other,
            };
            let p = self.paragraph(&spans, c, &style, flush, 0.0, 0.0, cx, cap_w)?;
            let mut y = side + 1.0;
            for (mut runs, lh) in p.lines {
                for r in &mut runs {
                    r.y += y;
                }
                frag.items.extend(runs.into_iter().map(Item::Text));
                y += lh;
            }
            frag.h = y;
        }
        Ok(frag)
    }

    /// One table row; `texts` are the cells' spans and sources.
    fn table_row(
        &self,
        cells: &[(Vec<Span>, &str, Align)],
        widths: &[f32],
        x: f32,
        style: &TextStyle,
        fill: Option<Color>,
        top_rule: bool,
    ) -> Result<Vec<Frag>, LayoutError> {
        let mut paras: Vec<Para> = Vec::with_capacity(cells.len());
        let mut cx = x;
        for ((spans, src, align), w) in cells.iter().zip(widths) {
            paras.push(self.paragraph(spans, src, style, *align, 0.0, 0.0, cx + PAD, w - 2.0 * PAD)?);
            cx += w;
        }
        let lh = style.leading * style.size;
        let lines = paras.iter().map(|p| p.lines.len()).max().unwrap_or(0).max(1);
        let total_w: f32 = widths.iter().sum();
        let max_lines = ((self.max_row - 2.0 * PAD) / lh).floor().max(1.0) as usize;
        let mut out = Vec::new();
        let mut start = 0usize;
        while start < lines {
            let end = (start + max_lines).min(lines);
            let h = (end - start) as f32 * lh + 2.0 * PAD;
            let mut frag = Frag { h, ..Frag::default() };
            if let Some(fill) = fill {
                frag.items.push(Item::Rect {
                    x,
                    y: 0.0,
                    w: total_w,
                    h,
                    fill,
                });
            }
            for p in &mut paras {
                // Lines are taken from the front: this chunk's are first.
                let take = (end - start).min(p.lines.len());
                for (k, (runs, _)) in p.lines.drain(..take).enumerate() {
                    for mut r in runs {
                        r.y += PAD + k as f32 * lh;
                        frag.items.push(Item::Text(r));
                    }
                }
            }
            let rule = |y: f32| Item::Line {
                x1: x,
                y1: y,
                x2: x + total_w,
                y2: y,
                width: BORDER,
                color: Color::BLACK,
            };
            if top_rule || start > 0 {
                frag.items.push(rule(0.0));
            }
            frag.items.push(rule(h));
            let mut vx = x;
            for w in std::iter::once(&0.0).chain(widths) {
                vx += w;
                frag.items.push(Item::Line {
                    x1: vx,
                    y1: 0.0,
                    x2: vx,
                    y2: h,
                    width: BORDER,
                    color: Color::BLACK,
                });
            }
            out.push(frag);
            start = end;
        }
        Ok(out)
    }

    fn table(&mut self, t: &TableSpec, ctx: &Value, x: f32, w: f32) -> Result<Vec<Frag>, LayoutError> {
        let size = t.size.unwrap_or(self.size);
        let style = TextStyle {
            family: self.family,
            size,
            color: Color::BLACK,
            leading: 1.3,
        };
        let total: f32 = t
            .columns
            .iter()
            .map(|c| c.width.max(0.0))
            .sum::<f32>()
            .max(f32::EPSILON);
        let widths: Vec<f32> = t.columns.iter().map(|c| w * c.width.max(0.0) / total).collect();
        let header_cells = t
            .columns
            .iter()
            .map(|c| Ok((self.tpl.spans(&c.title, ctx, true)?, c.title.as_str(), Align::Center)))
            .collect::<Result<Vec<_>, RenderError>>()?;
        let mut header = self.table_row(&header_cells, &widths, x, &style, Some(HEAD_FILL), true)?;
        let table_id = self.headers.len();
        let mut head = header.remove(0);
        head.keep_with_next = true;
        self.headers.push(head.clone());

        let list = self.tpl.eval(&t.rows, ctx)?;
        let items = sequence(&list, &t.rows)?;
        let mut out = vec![head];
        let mut any = false;
        let row_frags = |this: &Self, row: &Value, out: &mut Vec<Frag>| -> Result<(), LayoutError> {
            let rctx = minijinja::context! { ..Value::from_iter([(t.row_var.as_str(), row.clone())]), ..ctx.clone() };
            let cells = t
                .columns
                .iter()
                .map(|c: &Column| Ok((this.tpl.spans(&c.value, &rctx, false)?, c.value.as_str(), c.align)))
                .collect::<Result<Vec<_>, RenderError>>()?;
            for mut f in this.table_row(&cells, &widths, x, &style, None, false)? {
                f.table = Some(table_id);
                out.push(f);
            }
            Ok(())
        };
        for item in items {
            match &t.group_rows {
                Some(field) => {
                    let gctx = minijinja::context! { group => item.clone(), ..ctx.clone() };
                    if let Some(title) = &t.group_title {
                        let spans = self.tpl.spans(title, &gctx, true)?;
                        let cells = [(spans, title.as_str(), Align::Left)];
                        for mut f in self.table_row(&cells, &[w], x, &style, Some(GROUP_FILL), false)? {
                            f.table = Some(table_id);
                            f.keep_with_next = true;
                            out.push(f);
                        }
                    }
                    let rows = item.get_attr(field).map_err(RenderError::from_mj(field))?;
                    for row in sequence(&rows, &format!("{}.{field}", t.rows))? {
                        any = true;
                        row_frags(self, &row, &mut out)?;
                    }
                }
                None => {
                    any = true;
                    row_frags(self, &item, &mut out)?;
                }
            }
        }
        if !any && let Some(empty) = &t.empty {
            let spans = self.tpl.spans(empty, ctx, false)?;
            let cells = [(spans, empty.as_str(), Align::Center)];
            for mut f in self.table_row(&cells, &[w], x, &style, None, false)? {
                f.table = Some(table_id);
                out.push(f);
            }
        }
        Ok(out)
    }

    /// Fragments of one block laid out in the column `x`..`x + w`.
    fn block(&mut self, b: &Block, ctx: &Value, x: f32, w: f32) -> Result<Vec<Frag>, LayoutError> {
        let mut out = Vec::new();
        let spaced = |before: f32, mut body: Vec<Frag>, after: f32| {
            let mut v = Vec::with_capacity(body.len() + 2);
            if before > 0.0 {
                v.push(Frag::space(mm(before)));
            }
            v.append(&mut body);
            if after > 0.0 {
                v.push(Frag::space(mm(after)));
            }
            v
        };
        match b {
            Block::Text {
                text,
                opts,
                space_before,
                space_after,
            } => out = spaced(*space_before, self.text_block(text, opts, ctx, x, w)?, *space_after),
            Block::Fields {
                items,
                columns,
                label_width,
                size,
                space_before,
                space_after,
            } => {
                out = spaced(
                    *space_before,
                    self.fields(items, *columns, *label_width, *size, ctx, x, w)?,
                    *space_after,
                )
            }
            Block::Table(t) => {
                let body = self.table(t, ctx, x, w)?;
                out = spaced(t.space_before, body, t.space_after);
            }
            Block::Image {
                file,
                width,
                height,
                align,
                float,
                offset,
                at,
                space_after,
            } => {
                let (mut item, _, ih) = self.image(file, *width, *height, *align, x, w)?;
                if let Some([ax, ay]) = at {
                    if let Item::Image { x, y, .. } = &mut item {
                        (*x, *y) = (mm(*ax), mm(*ay));
                    }
                    out.push(Frag {
                        fixed: vec![item],
                        ..Frag::default()
                    });
                    return Ok(out);
                }
                if *float {
                    shift(std::slice::from_mut(&mut item), mm(offset[0]), mm(offset[1]));
                }
                out = spaced(
                    0.0,
                    vec![Frag {
                        h: if *float { 0.0 } else { ih },
                        items: vec![item],
                        ..Frag::default()
                    }],
                    *space_after,
                );
            }
            Block::Qr {
                size,
                align,
                caption,
                space_after,
            } => {
                out = spaced(
                    0.0,
                    vec![self.qr(*size, *align, caption.as_deref(), ctx, x, w)?],
                    *space_after,
                )
            }
            Block::Spacer { height } => out.push(Frag::space(mm(*height))),
            Block::Rule {
                width,
                space_before,
                space_after,
            } => {
                out = spaced(
                    *space_before,
                    vec![Frag {
                        h: *width,
                        items: vec![Item::Line {
                            x1: x,
                            y1: width / 2.0,
                            x2: x + w,
                            y2: width / 2.0,
                            width: *width,
                            color: Color::BLACK,
                        }],
                        ..Frag::default()
                    }],
                    *space_after,
                )
            }
            Block::Row {
                cells,
                space_before,
                space_after,
            } => {
                let total: f32 = cells.iter().map(|c| c.width.max(0.0)).sum::<f32>().max(f32::EPSILON);
                let mut frag = Frag::default();
                let mut cx = x;
                for c in cells {
                    let cw = w * c.width.max(0.0) / total;
                    let (items, fixed, h) = self.stack(&c.blocks, ctx, cx, cw)?;
                    frag.items.extend(items);
                    frag.fixed.extend(fixed);
                    frag.h = frag.h.max(h);
                    cx += cw;
                }
                out = spaced(*space_before, vec![frag], *space_after);
            }
        }
        Ok(out)
    }

    /// Blocks stacked without page breaks (header, footer, row cells):
    /// the items, the items placed in page coordinates, and the height.
    fn stack(
        &mut self,
        blocks: &[Block],
        ctx: &Value,
        x: f32,
        w: f32,
    ) -> Result<(Vec<Item>, Vec<Item>, f32), LayoutError> {
        let (mut items, mut fixed) = (Vec::new(), Vec::new());
        let mut y = 0.0;
        for b in blocks {
            for mut f in self.block(b, ctx, x, w)? {
                shift(&mut f.items, 0.0, y);
                items.append(&mut f.items);
                fixed.append(&mut f.fixed);
                y += f.h;
            }
        }
        Ok((items, fixed, y))
    }
}

impl RenderError {
    fn from_mj(what: &str) -> impl Fn(minijinja::Error) -> RenderError + '_ {
        move |e| RenderError {
            text: what.to_string(),
            message: e.to_string(),
        }
    }
}

/// Lays the body's fragments out on pages from `top` down to `limit`,
/// breaking before fragment `force` if it does not start a page anyway.
/// The pages' items, and the first fragment of each page.
fn paginate(
    c: &Ctx<'_>,
    mut frags: Vec<Frag>,
    top: f32,
    limit: f32,
    force: Option<usize>,
) -> Result<(Vec<Vec<Item>>, Vec<usize>), LayoutError> {
    let mut pages: Vec<Vec<Item>> = vec![Vec::new()];
    let mut starts = Vec::new();
    let mut y = top;
    let mut i = 0usize;
    while i < frags.len() {
        let fr = &frags[i];
        let at_top = (y - top).abs() < 0.01;
        if fr.space && at_top {
            i += 1;
            continue;
        }
        // Room this fragment needs: itself, plus the next one when it must
        // stay with it.
        let mut need = fr.h;
        if fr.keep_with_next
            && let Some(next) = frags.get(i + 1)
        {
            need += next.h;
        }
        if (y + need > limit + 0.01 || force == Some(i)) && !at_top {
            if pages.len() >= crate::template::limits::MAX_PAGES {
                return Err(LayoutError::Data {
                    what: "document".into(),
                    message: format!(
                        "more than {} pages; a document this long is not printed",
                        crate::template::limits::MAX_PAGES
                    ),
                });
            }
            pages.push(Vec::new());
            y = top;
            if fr.space {
                i += 1;
                continue;
            }
            // A table continuing on this page gets its header again.
            if let Some(t) = fr.table {
                let mut head = c.headers[t].items.clone();
                shift(&mut head, 0.0, y);
                let hh = c.headers[t].h;
                if let Some(p) = pages.last_mut() {
                    p.extend(head);
                }
                y += hh;
            }
            continue;
        }
        let h = fr.h;
        if starts.len() < pages.len() {
            starts.push(i);
        }
        let fr = &mut frags[i];
        let mut items = std::mem::take(&mut fr.items);
        shift(&mut items, 0.0, y);
        if let Some(p) = pages.last_mut() {
            p.append(&mut fr.fixed);
            p.append(&mut items);
        }
        y += h;
        i += 1;
    }
    Ok((pages, starts))
}

fn sequence(v: &Value, what: &str) -> Result<Vec<Value>, LayoutError> {
    if v.is_undefined() || v.is_none() {
        return Err(LayoutError::Data {
            what: what.to_string(),
            message: "is missing from the data".into(),
        });
    }
    if v.kind() != minijinja::value::ValueKind::Seq {
        return Err(LayoutError::Data {
            what: what.to_string(),
            message: format!("should be a list, found {}", v.kind()),
        });
    }
    Ok(v.try_iter().map(|it| it.collect()).unwrap_or_default())
}

fn aligned(align: Align, x: f32, w: f32, item_w: f32) -> f32 {
    match align {
        Align::Left | Align::Justify => x,
        Align::Center => x + (w - item_w) / 2.0,
        Align::Right => x + w - item_w,
    }
}

/// Lays out `tpl` against `ctx` (the bound data, see
/// [`crate::data::DataSet::context`]); `qr_payload` is what the
/// verification code encodes.
pub fn layout(
    book: &FontBook,
    tpl: &Template,
    ctx: &Value,
    qr_payload: &str,
    issued_at: &str,
) -> Result<Document, LayoutError> {
    let f = &tpl.file;
    let (pw, ph) = page::A4;
    let m = f.page.margins;
    let (left, right, top, bottom) = (mm(m.left), mm(m.right), mm(m.top), mm(m.bottom));
    let width = pw - left - right;
    let mut c = Ctx {
        book,
        tpl,
        family: f.page.family,
        size: f.page.size,
        leading: f.page.leading,
        qr_payload,
        // Leaves room for a repeated table header above a split row.
        max_row: (ph - top - bottom) * 0.75,
        headers: Vec::new(),
    };

    // Body: fragments, then pages.
    let mut frags = Vec::new();
    let mut closing = 0usize;
    for b in &f.body {
        closing = frags.len();
        frags.extend(c.block(b, ctx, left, width)?);
    }
    // The body's last block is its closing (seal, verification code, date):
    // it never stands alone on a page. Where it would start one, the two
    // pieces of content before it go over with it.
    let closing = frags
        .get(closing..)
        .and_then(|rest| rest.iter().position(|f| !f.space))
        .map(|k| closing + k);
    let limit = ph - bottom;
    let (mut pages, starts) = paginate(&c, frags.clone(), top, limit, None)?;
    if let Some(k) = closing
        && let Some(page) = starts.iter().position(|&s| s == k)
        && page > 0
    {
        let before: Vec<usize> = (starts[page - 1] + 1..k).filter(|&j| !frags[j].space).collect();
        if let Some(&from) = before.iter().rev().nth(1).or(before.first()) {
            let (moved, _) = paginate(&c, frags, top, limit, Some(from))?;
            if moved.len() <= pages.len() {
                pages = moved;
            }
        }
    }
    // Drop a trailing page left empty.
    if pages.len() > 1 && pages.last().is_some_and(|p| p.is_empty()) {
        pages.pop();
    }

    // Header, footer and watermark, now that the page count is known.
    let n = pages.len();
    let watermark = match &f.page.watermark {
        Some(w) => Some(tpl.string(w, ctx)?),
        None => None,
    };
    let wm_color = Color::parse(&f.page.watermark_color).unwrap_or(Color::BLACK);
    let mut out = Vec::with_capacity(n);
    for (idx, body) in pages.into_iter().enumerate() {
        let pctx = minijinja::context! { page => idx + 1, pages => n, ..ctx.clone() };
        let mut items = Vec::new();
        if let Some(w) = &watermark
            && !w.trim().is_empty()
        {
            items.extend(c.watermark(w, wm_color, pw, ph)?);
        }
        let (mut head, head_fixed, _) = c.stack(&f.header, &pctx, left, width)?;
        shift(&mut head, 0.0, mm(10.0).min(top / 2.0));
        items.extend(head_fixed);
        items.extend(head);
        items.extend(body);
        let (mut foot, foot_fixed, fh) = c.stack(&f.footer, &pctx, left, width)?;
        shift(&mut foot, 0.0, ph - bottom / 2.0 - fh / 2.0);
        items.extend(foot_fixed);
        items.extend(foot);
        out.push(Page {
            width: pw,
            height: ph,
            items,
        });
    }
    Ok(Document {
        title: tpl.string(&f.service.title, ctx)?,
        issuer: tpl.string(&f.service.issuer, ctx)?,
        issued_at: issued_at.to_string(),
        pages: out,
    })
}

impl Ctx<'_> {
    fn watermark(&self, text: &str, color: Color, pw: f32, ph: f32) -> Result<Vec<Item>, LayoutError> {
        let style = TextStyle {
            family: Family::Sans,
            size: 54.0,
            color,
            leading: 1.0,
        };
        let spans = [Span {
            text: text.to_string(),
            bold: true,
        }];
        let chars = self.shape(&spans, &style, text)?;
        let w = text::width(&chars);
        let angle = ph.atan2(pw);
        let (s, co) = angle.sin_cos();
        let (cx, cy) = (pw / 2.0, ph / 2.0);
        let lift = 0.35 * style.size;
        let ox = cx - co * w / 2.0 + s * lift;
        let oy = cy + s * w / 2.0 + co * lift;
        let mut runs = text::runs(&chars, 0.0, 0.0, &style);
        let mut out = Vec::new();
        for r in &mut runs {
            // Runs start along the rotated baseline.
            let along = r.x;
            r.x = ox + co * along;
            r.y = oy - s * along;
            r.angle = angle.to_degrees();
            out.push(Item::Text(r.clone()));
        }
        Ok(out)
    }
}
