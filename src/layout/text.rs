//! Text measuring and line breaking.
//!
//! Characters are mapped to glyphs through the font book's fallback chain
//! and measured with the faces' real advance widths. Line breaks follow the
//! Unicode line-breaking algorithm (words for Latin, between characters for
//! CJK), tightened by the Chinese rules for line starts and ends (避头尾):
//! closing punctuation never starts a line, opening brackets never end one.
//! Full-width punctuation is compressed (标点挤压) the way Chinese
//! typesetting does it, instead of spreading the characters: a closing mark
//! followed by another mark gives up its blank half, and a line may end
//! with a closing mark whose blank half would overflow it.

use std::ops::Range;

use crate::fonts::{FaceId, Family, FontBook, Weight};
use crate::page::{Color, Glyph, Span, TextRun};

/// Characters that must not begin a line (行首禁则).
const NO_LINE_START: &str = "，。、；：？！）》」』】〕〉〗”’…‥—～·％‰℃,.;:?!)]}%'\"";
/// Characters that must not end a line (行尾禁则).
const NO_LINE_END: &str = "（《「『【〔〈〖“‘([{";

/// Full-width closing marks whose ink is in the left half of the em, the
/// right half blank (as Simplified Chinese faces draw them): the blank is
/// what compression takes.
const CLOSING_HALF: &str = "，。、；：）》」』】〕〉〗";
/// Full-width marks a closing mark before them is compressed against.
const PUNCTUATION: &str = "，。、；：？！）》」』】〕〉〗（《「『【〔〈〖";

/// The blank half of `c` that compression may take, in points (0 if none).
fn blank_half(c: &Shaped, size: f32) -> f32 {
    if CLOSING_HALF.contains(c.ch) && c.advance >= 0.9 * size {
        c.advance / 2.0
    } else {
        0.0
    }
}

/// How a paragraph is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    pub family: Family,
    pub size: f32,
    pub color: Color,
    /// Line height as a multiple of the size.
    pub leading: f32,
}

/// A character that no bundled face covers.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingGlyph {
    pub ch: char,
}

/// A measured character.
#[derive(Debug, Clone, Copy)]
pub struct Shaped {
    pub ch: char,
    pub face: FaceId,
    pub gid: u16,
    pub advance: f32,
    /// A break is allowed before this character.
    pub break_before: bool,
    /// A break is required before this character (after a newline).
    pub forced_before: bool,
    /// Its blank half was already taken (by a mark after it).
    pub compressed: bool,
    /// The em size it was measured at.
    pub size: f32,
}

impl Shaped {
    fn is_space(&self) -> bool {
        self.ch == ' ' || self.ch == '\u{3000}'
    }
}

/// Maps and measures `spans`; newlines become forced breaks.
pub fn shape(book: &FontBook, spans: &[Span], style: &TextStyle) -> Result<Vec<Shaped>, MissingGlyph> {
    let text: String = spans.iter().map(|s| s.text.as_str()).collect();
    let mut allowed = vec![false; text.len() + 1];
    for (byte, _) in unicode_linebreak::linebreaks(&text) {
        allowed[byte] = true;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut prev: Option<char> = None;
    let mut forced = false;
    let mut byte = 0usize;
    for span in spans {
        let weight = if span.bold { Weight::Bold } else { Weight::Regular };
        for ch in span.text.chars() {
            let at = byte;
            byte += ch.len_utf8();
            if ch == '\n' {
                forced = true;
                prev = None;
                continue;
            }
            if ch.is_control() {
                continue;
            }
            let g = book.glyph(style.family, weight, ch).ok_or(MissingGlyph { ch })?;
            let kinsoku = NO_LINE_START.contains(ch) || prev.is_some_and(|p| NO_LINE_END.contains(p));
            out.push(Shaped {
                ch,
                face: g.face,
                gid: g.gid,
                advance: g.advance_em * style.size,
                break_before: forced || (allowed[at] && !kinsoku && prev.is_some()),
                forced_before: forced,
                compressed: false,
                size: style.size,
            });
            forced = false;
            prev = Some(ch);
        }
    }
    open_long_runs(&mut out);
    keep_codes_whole(&mut out);
    compress_punctuation(&mut out, style.size);
    Ok(out)
}

/// A closing mark followed by another full-width mark ("），", "。」")
/// gives up its blank half: two marks take one and a half ems, not two.
fn compress_punctuation(chars: &mut [Shaped], size: f32) {
    for i in 1..chars.len() {
        let next = chars[i];
        if next.forced_before || !PUNCTUATION.contains(next.ch) || next.advance < 0.9 * size {
            continue;
        }
        let half = blank_half(&chars[i - 1], size);
        if half > 0.0 && !chars[i - 1].compressed {
            chars[i - 1].advance -= half;
            chars[i - 1].compressed = true;
        }
    }
}

/// Shortest run of digits (or the `*` of a masked number) that may break
/// inside, and the fewest characters left on either side of such a break.
const LONG_RUN: usize = 8;
const RUN_PIECE: usize = 4;

/// Long runs of digits in Chinese text (an id number, a masked one) may
/// break inside: a line broken before the whole run would otherwise be
/// spread wide to fill the gap it leaves.
fn open_long_runs(chars: &mut [Shaped]) {
    let in_run = |c: char| c.is_ascii_digit() || c == '*' || c == 'X';
    let mut i = 0;
    while i < chars.len() {
        if !in_run(chars[i].ch) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && in_run(chars[i].ch) && (i == start || !chars[i].forced_before) {
            i += 1;
        }
        let beside_cjk = (start > 0 && is_cjk(chars[start - 1].ch)) || chars.get(i).is_some_and(|c| is_cjk(c.ch));
        if i - start >= LONG_RUN && beside_cjk {
            for c in &mut chars[start + RUN_PIECE..=i - RUN_PIECE] {
                c.break_before = true;
            }
        }
    }
}

/// Codes and dates written in groups joined by hyphens (a document's
/// code `TAQC-SEWK-YKNE-WY1C`, `2023-09-01`, `COVID-19`: upper-case
/// letters and digits only) are never broken at their hyphens: a reader
/// types them from the paper, and a code split over two lines reads as
/// two.
fn keep_codes_whole(chars: &mut [Shaped]) {
    let part = |c: char| c.is_ascii_digit() || c.is_ascii_uppercase();
    let mut i = 0;
    while i < chars.len() {
        if !part(chars[i].ch) {
            i += 1;
            continue;
        }
        let start = i;
        let mut hyphens = 0;
        while i < chars.len() && (i == start || !chars[i].forced_before) {
            let c = chars[i].ch;
            let joins =
                c == '-' && part(chars[i - 1].ch) && chars.get(i + 1).is_some_and(|n| part(n.ch) && !n.forced_before);
            if !(part(c) || joins) {
                break;
            }
            hyphens += usize::from(joins);
            i += 1;
        }
        if hyphens > 0 {
            for c in &mut chars[start + 1..i] {
                c.break_before = false;
            }
        }
    }
}

/// Width of a slice without its trailing spaces; a closing mark at its
/// end counts without its blank half (行末点号压缩).
pub fn width(chars: &[Shaped]) -> f32 {
    let end = chars.iter().rposition(|c| !c.is_space()).map_or(0, |i| i + 1);
    let all: f32 = chars[..end].iter().map(|c| c.advance).sum();
    match end.checked_sub(1).map(|i| &chars[i]) {
        Some(last) if !last.compressed => all - blank_half(last, last.size),
        _ => all,
    }
}

/// Breaks measured text into lines no wider than `max_width` (the first
/// line is `first_indent` narrower). Returns ranges into `chars`, with
/// leading spaces of continuation lines left out.
pub fn break_lines(chars: &[Shaped], max_width: f32, first_indent: f32) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0usize;
    while start < chars.len() {
        let limit = if lines.is_empty() {
            max_width - first_indent
        } else {
            max_width
        };
        let mut x = 0.0f32;
        let mut last_break: Option<usize> = None;
        let mut end = chars.len();
        for (i, c) in chars.iter().enumerate().skip(start) {
            if i > start && c.forced_before {
                end = i;
                break;
            }
            if i > start && c.break_before {
                last_break = Some(i);
            }
            x += c.advance;
            // A closing mark may end the line with its blank half past the
            // edge (its ink is inside): pushed in rather than pushing a
            // character out and spreading the rest.
            let ink = x - if c.compressed { 0.0 } else { blank_half(c, c.size) };
            let fits_compressed =
                ink <= limit + 0.01 && chars.get(i + 1).is_none_or(|n| n.break_before || n.forced_before);
            if x > limit + 0.01 && !c.is_space() && i > start && !fits_compressed {
                // Overflow: break at the last opportunity, or force one here.
                end = match last_break {
                    Some(b) if b > start => b,
                    _ => i,
                };
                break;
            }
        }
        lines.push(start..end);
        start = end;
        // Spaces at the start of a wrapped line are dropped; a forced break
        // keeps them (they are indentation the author typed).
        if start < chars.len() && !chars[start].forced_before {
            while start < chars.len() && chars[start].is_space() && !chars[start].forced_before {
                start += 1;
            }
        }
    }
    lines
}

/// How a justified line is spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Extra space per gap, in points.
    pub gap: f32,
    /// Spread between characters next to a CJK one (Chinese lines); else
    /// only after spaces (Latin lines). Runs of Latin letters and digits
    /// in a Chinese line are never spaced out.
    pub cjk: bool,
}

impl Spread {
    fn opens_after(&self, line: &[Shaped], i: usize) -> bool {
        let c = &line[i];
        if self.cjk {
            line.get(i + 1).is_some_and(|n| is_cjk(c.ch) || is_cjk(n.ch))
        } else {
            c.is_space()
        }
    }
}

/// The widest gap justification opens between Chinese characters, in ems.
pub const MAX_CJK_GAP: f32 = 0.25;

/// The spread that makes a line `target` wide, or `None` if it should stay
/// ragged (nothing to spread over, or gaps would open wider than looks right).
pub fn justification(chars: &[Shaped], target: f32) -> Option<Spread> {
    let end = chars.iter().rposition(|c| !c.is_space())? + 1;
    let line = &chars[..end];
    let slack = target - width(line);
    if slack <= 0.01 {
        return None;
    }
    let cjk = line.iter().any(|c| is_cjk(c.ch));
    let probe = Spread { gap: 0.0, cjk };
    let gaps = (0..line.len()).filter(|&i| probe.opens_after(line, i)).count();
    if gaps == 0 {
        return None;
    }
    let gap = slack / gaps as f32;
    let em = line.iter().map(|c| c.advance).fold(0.0, f32::max);
    // Chinese text is never spread by more than a quarter em between
    // characters: wider, the line stays as it is.
    (gap <= em * if cjk { MAX_CJK_GAP } else { 1.0 }).then_some(Spread { gap, cjk })
}

fn is_cjk(ch: char) -> bool {
    matches!(ch as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Turns one line into text runs (one per face) starting at `x` on the
/// baseline `y`.
pub fn runs(chars: &[Shaped], x: f32, y: f32, style: &TextStyle) -> Vec<TextRun> {
    runs_spread(chars, x, y, style, None)
}

/// Like [`runs`], opening the gaps of a justified line.
pub fn runs_spread(chars: &[Shaped], x: f32, y: f32, style: &TextStyle, spread: Option<Spread>) -> Vec<TextRun> {
    let mut out: Vec<TextRun> = Vec::new();
    let mut pen = x;
    for (i, c) in chars.iter().enumerate() {
        match out.last_mut() {
            Some(run) if run.face == c.face => {
                run.glyphs.push(Glyph {
                    gid: c.gid,
                    x: pen - run.x,
                    ch: c.ch,
                });
            }
            _ => out.push(TextRun {
                face: c.face,
                size: style.size,
                x: pen,
                y,
                angle: 0.0,
                color: style.color,
                glyphs: vec![Glyph {
                    gid: c.gid,
                    x: 0.0,
                    ch: c.ch,
                }],
            }),
        }
        pen += c.advance;
        if let Some(s) = spread
            && s.opens_after(chars, i)
        {
            pen += s.gap;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> TextStyle {
        TextStyle {
            family: Family::Serif,
            size: 10.0,
            color: Color::BLACK,
            leading: 1.5,
        }
    }

    fn lines(text: &str, width_em: f32) -> Vec<String> {
        let book = FontBook::shared().expect("fonts");
        let spans = [Span {
            text: text.into(),
            bold: false,
        }];
        let chars = shape(book, &spans, &style()).expect("shapes");
        break_lines(&chars, width_em * 10.0, 0.0)
            .into_iter()
            .map(|r| chars[r].iter().map(|c| c.ch).collect())
            .collect()
    }

    #[test]
    fn a_code_in_hyphenated_groups_is_never_broken() {
        // A narrow line: the code moves whole to the next line, as do the
        // date; lower-case words may still break at their hyphens.
        for code in ["TAQC-SEWK-YKNE-WY1C", "2023-09-01"] {
            let text = format!("Scan to verify {code} now");
            let got = lines(&text, 14.0);
            assert!(got.len() > 1 && got.iter().any(|l| l.contains(code)), "{code}: {got:?}");
        }
        let got = lines("a well-known long-standing rule", 6.0);
        assert!(got.iter().any(|l| l.ends_with('-')), "{got:?}");
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // Ten ideographs fill the line exactly; the comma must not be
        // pushed alone onto the next line.
        for punct in ["，", "。", "、", "；", "：", "？", "！", "）", "》", "」", "』"] {
            let text = format!("中文排版规则测试示例{punct}后续文字");
            let got = lines(&text, 10.0);
            assert!(got.len() >= 2, "{got:?}");
            for l in &got {
                let first = l.chars().next().unwrap();
                assert!(
                    !NO_LINE_START.contains(first),
                    "{punct}: line starts with {first}: {got:?}"
                );
            }
            assert_eq!(got.concat(), text);
        }
    }

    #[test]
    fn a_closing_mark_before_another_gives_up_its_blank_half() {
        let book = FontBook::shared().expect("fonts");
        let spans = [Span {
            text: "（甲），乙。」丙，".into(),
            bold: false,
        }];
        let chars = shape(book, &spans, &style()).expect("shapes");
        let adv = |ch: char| chars.iter().find(|c| c.ch == ch).unwrap().advance;
        // ）before ，and 。before 」: half an em each; the rest whole.
        assert!((adv('）') - 5.0).abs() < 0.01, "{}", adv('）'));
        assert!((adv('。') - 5.0).abs() < 0.01, "{}", adv('。'));
        assert!((adv('（') - 10.0).abs() < 0.01 && (adv('」') - 10.0).abs() < 0.01);
        // The comma at the end is whole, but the line's width leaves out
        // its blank half.
        assert!((chars.last().unwrap().advance - 10.0).abs() < 0.01);
        assert!((width(&chars) - (chars.iter().map(|c| c.advance).sum::<f32>() - 5.0)).abs() < 0.01);
    }

    #[test]
    fn a_closing_mark_is_pushed_in_at_the_line_end_rather_than_spreading() {
        // Ten ideographs fill ten ems; the comma's ink fits in half an em
        // more: it ends the first line instead of pulling the last
        // ideograph down with it (which would leave a gap to spread).
        let got = lines("中文排版规则测试示例，后续文字", 10.5);
        assert_eq!(got[0], "中文排版规则测试示例，", "{got:?}");
        // Without room for its ink, the old rule: the ideograph goes down.
        let got = lines("中文排版规则测试示例，后续文字", 10.2);
        assert_eq!(got[0], "中文排版规则测试示", "{got:?}");
    }

    #[test]
    fn opening_brackets_never_end_a_line() {
        for open in ["（", "《", "「", "『"] {
            let text = format!("中文排版规则测试示{open}书名号内文字");
            let got = lines(&text, 10.0);
            for l in &got {
                let last = l.chars().last().unwrap();
                assert!(!NO_LINE_END.contains(last), "{open}: line ends with {last}: {got:?}");
            }
            assert_eq!(got.concat(), text);
        }
    }

    #[test]
    fn cjk_breaks_between_characters() {
        let got = lines("一二三四五六七八九十", 4.0);
        assert_eq!(got, ["一二三四", "五六七八", "九十"]);
    }

    #[test]
    fn latin_breaks_between_words() {
        let got = lines("Certificate of enrollment issued today", 12.0);
        assert!(got.len() >= 2, "{got:?}");
        let words: Vec<&str> = "Certificate of enrollment issued today".split(' ').collect();
        for l in &got {
            for w in l.split_whitespace() {
                assert!(words.contains(&w), "word split: {w:?} in {got:?}");
            }
            assert!(!l.starts_with(' '), "{got:?}");
        }
    }

    #[test]
    fn an_overlong_word_is_cut_rather_than_overflowing() {
        let book = FontBook::shared().expect("fonts");
        let spans = [Span {
            text: "Pneumonoultramicroscopicsilicovolcanoconiosis".into(),
            bold: false,
        }];
        let chars = shape(book, &spans, &style()).unwrap();
        let ranges = break_lines(&chars, 60.0, 0.0);
        assert!(ranges.len() > 1);
        for r in ranges {
            assert!(width(&chars[r]) <= 60.01);
        }
    }

    #[test]
    fn newlines_force_breaks() {
        assert_eq!(lines("扫码验证\nAB12-CD34", 40.0), ["扫码验证", "AB12-CD34"]);
    }

    #[test]
    fn a_character_outside_every_font_is_reported() {
        let book = FontBook::shared().expect("fonts");
        let spans = [Span {
            text: "王\u{17000}".into(),
            bold: false,
        }];
        assert_eq!(
            shape(book, &spans, &style()).unwrap_err(),
            MissingGlyph { ch: '\u{17000}' }
        );
    }

    #[test]
    fn justified_cjk_line_keeps_digit_runs_together() {
        let book = FontBook::shared().expect("fonts");
        let spans = [Span {
            text: "学号2023011234在读".into(),
            bold: false,
        }];
        let chars = shape(book, &spans, &style()).unwrap();
        // Four gaps (学号, 号2, 4在, 在读): 8 pt is under a quarter em each.
        let target = width(&chars) + 8.0;
        let spread = justification(&chars, target).expect("spreads");
        let runs = runs_spread(&chars, 0.0, 0.0, &style(), Some(spread));
        let xs: Vec<(char, f32)> = runs
            .iter()
            .flat_map(|r| r.glyphs.iter().map(move |g| (g.ch, r.x + g.x)))
            .collect();
        // Digits keep their natural advance; the line ends at the target.
        for w in xs.windows(2) {
            if w[0].0.is_ascii_digit() && w[1].0.is_ascii_digit() {
                let natural = chars.iter().find(|c| c.ch == w[0].0).unwrap().advance;
                assert!((w[1].1 - w[0].1 - natural).abs() < 0.01, "{xs:?}");
            }
        }
        let last = xs.last().unwrap().1 + chars.last().unwrap().advance;
        assert!((last - target).abs() < 0.01, "{last} vs {target}");
    }

    #[test]
    fn chinese_is_not_spread_beyond_a_quarter_em() {
        let book = FontBook::shared().expect("fonts");
        let spans = [Span {
            text: "兹证明王小明".into(),
            bold: false,
        }];
        let chars = shape(book, &spans, &style()).unwrap();
        let em = style().size;
        // Five gaps: a quarter em each is the most.
        assert!(justification(&chars, width(&chars) + 5.0 * em * 0.24).is_some());
        assert!(
            justification(&chars, width(&chars) + 5.0 * em * 0.3).is_none(),
            "left ragged instead"
        );
    }

    #[test]
    fn long_numbers_in_chinese_text_may_break_inside() {
        let book = FontBook::shared().expect("fonts");
        let breaks = |text: &str| -> Vec<usize> {
            let spans = [Span {
                text: text.into(),
                bold: false,
            }];
            let chars = shape(book, &spans, &style()).unwrap();
            (0..chars.len()).filter(|&i| chars[i].break_before).collect()
        };
        // 身份证号：230103********2026）: inside the masked number, four
        // characters kept on either side.
        let b = breaks("号：230103********2026）于");
        for i in 6..=16 {
            assert!(b.contains(&i), "a break before character {i}: {b:?}");
        }
        assert!(![3, 4, 5, 17, 18, 19, 20].iter().any(|i| b.contains(i)), "{b:?}");
        // Short numbers and numbers in English text stay whole.
        let b = breaks("于2022年入学");
        assert!(!b.iter().any(|&i| (2..5).contains(&i)), "{b:?}");
        let b = breaks("Student ID 2023011234 enrolled");
        assert!(!b.iter().any(|&i| (12..21).contains(&i)), "{b:?}");
    }
}
