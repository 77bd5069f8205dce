//! Print templates: loading a template folder into a ready-to-render
//! [`Template`], and rendering its texts against bound data.
//!
//! Loading is the only part that reads files (the TOML, the images); the
//! result is a plain value the layout uses without further I/O.

pub mod limits;
pub mod spec;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior, Value};

use crate::page::Span;
use crate::page::{Color, Raster};
use crate::toml_pos::{line_col, toml_error_at};
pub use spec::*;

/// The file a template folder must hold.
pub const TEMPLATE_FILE: &str = "template.toml";

/// Why a template could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}{}: {field}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        /// The line, when the problem has one place in the file.
        line: Option<usize>,
        field: String,
        message: String,
    },
}

/// Why a template text could not be rendered against the data.
#[derive(Debug, thiserror::Error)]
#[error("{text:?}: {message}")]
pub struct RenderError {
    /// The template text that failed.
    pub text: String,
    pub message: String,
}

/// A loaded template.
pub struct Template {
    pub dir: PathBuf,
    pub file: TemplateFile,
    env: Environment<'static>,
    images: HashMap<String, Arc<Raster>>,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("dir", &self.dir)
            .field("id", &self.file.service.id)
            .finish()
    }
}

/// Splits template text into `(source, bold)` segments at `**` markers.
/// Markup is read from the template, never from data, so a value holding
/// `**` cannot change the document's look.
pub fn segments(src: &str) -> Vec<(&str, bool)> {
    src.split("**")
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
        .map(|(i, s)| (s, i % 2 == 1))
        .collect()
}

/// Every template text of a block list, with a path naming where it is.
pub fn texts_of(blocks: &[Block], at: &str, out: &mut Vec<(String, String)>) {
    for (i, b) in blocks.iter().enumerate() {
        let p = format!("{at}[{i}]");
        match b {
            Block::Text { text, .. } => out.push((format!("{p}.text"), text.clone())),
            Block::Fields { items, .. } => {
                for (j, f) in items.iter().enumerate() {
                    out.push((format!("{p}.items[{j}].label"), f.label.clone()));
                    out.push((format!("{p}.items[{j}].value"), f.value.clone()));
                }
            }
            Block::Table(t) => {
                if let Some(g) = &t.group_title {
                    out.push((format!("{p}.group_title"), g.clone()));
                }
                if let Some(e) = &t.empty {
                    out.push((format!("{p}.empty"), e.clone()));
                }
                for (j, c) in t.columns.iter().enumerate() {
                    out.push((format!("{p}.columns[{j}].title"), c.title.clone()));
                    out.push((format!("{p}.columns[{j}].value"), c.value.clone()));
                }
            }
            Block::Qr { caption: Some(c), .. } => out.push((format!("{p}.caption"), c.clone())),
            Block::Row { cells, .. } => {
                for (j, c) in cells.iter().enumerate() {
                    texts_of(&c.blocks, &format!("{p}.cells[{j}].blocks"), out);
                }
            }
            _ => {}
        }
    }
}

fn images_of(blocks: &[Block], at: &str, out: &mut Vec<(String, String)>) {
    for (i, b) in blocks.iter().enumerate() {
        match b {
            Block::Image { file, .. } => out.push((format!("{at}[{i}].file"), file.clone())),
            Block::Row { cells, .. } => {
                for (j, c) in cells.iter().enumerate() {
                    images_of(&c.blocks, &format!("{at}[{i}].cells[{j}].blocks"), out);
                }
            }
            _ => {}
        }
    }
}

/// Line of the file where a template text (or its first line) appears.
fn line_of(src: &str, needle: &str) -> usize {
    let first = needle.lines().next().unwrap_or(needle);
    if first.is_empty() {
        return 1;
    }
    src.find(first).map_or(1, |at| line_col(src, at).0)
}

fn date_parts(value: &str) -> Option<(i32, u32, u32)> {
    let d = value.get(..10)?;
    let mut it = d.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let day = it.next()?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&day)).then_some((y, m, day))
}

/// Filters, functions and globals of minijinja's that a template may not
/// use: they format whole values for debugging or make text out of
/// nothing (`indent`, `format`).
const WITHHELD: [&str; 6] = ["pprint", "tojson", "format", "indent", "urlencode", "batch"];

fn too_large() -> minijinja::Error {
    minijinja::Error::new(
        minijinja::ErrorKind::InvalidOperation,
        format!("the document's texts grew past {} bytes", limits::MAX_PRODUCED_BYTES),
    )
}

fn new_env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(limits::FUEL));
    env.set_recursion_limit(limits::RECURSION);
    for name in WITHHELD {
        env.remove_filter(name);
    }
    env.remove_global("debug");
    env.remove_global("namespace");
    env.add_function(
        "range",
        |lower: i64, upper: Option<i64>, step: Option<i64>| -> Result<Value, minijinja::Error> {
            let (lo, hi) = upper.map_or((0, lower), |u| (lower, u));
            let step = step.unwrap_or(1);
            let n = if step == 0 {
                None
            } else {
                Some(((hi as i128 - lo as i128) / step as i128).max(0))
            };
            match n {
                Some(n) if n <= limits::MAX_RANGE as i128 => Ok(Value::from_iter((0..n as i64).map(|i| lo + i * step))),
                Some(_) => Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("range() is limited to {} numbers", limits::MAX_RANGE),
                )),
                None => Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    "range() step must not be 0",
                )),
            }
        },
    );
    // The two filters that can make much more text than they read are
    // charged to the document's budget.
    env.add_filter(
        "replace",
        |v: String, from: String, to: String| -> Result<String, minijinja::Error> {
            let hits = if from.is_empty() {
                v.chars().count() + 1
            } else {
                v.matches(&from).count()
            };
            let len = v.len().saturating_add(hits.saturating_mul(to.len()));
            if !limits::charge_produced(len) {
                return Err(too_large());
            }
            Ok(v.replace(&from, &to))
        },
    );
    env.add_filter(
        "join",
        |v: Value, sep: Option<String>| -> Result<String, minijinja::Error> {
            let sep = sep.unwrap_or_default();
            let mut out = String::new();
            for (i, item) in v.try_iter()?.enumerate() {
                if i > 0 {
                    out.push_str(&sep);
                }
                match item.as_str() {
                    Some(s) => out.push_str(s),
                    None => out.push_str(&item.to_string()),
                }
                if out.len() > limits::MAX_RENDERED_BYTES {
                    return Err(too_large());
                }
            }
            if !limits::charge_produced(out.len()) {
                return Err(too_large());
            }
            Ok(out)
        },
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_keep_trailing_newline(true);
    env.add_filter("date_zh", |v: String| -> Result<String, minijinja::Error> {
        let (y, m, d) = date_parts(&v).ok_or_else(|| bad_date(&v))?;
        Ok(format!("{y}年{m}月{d}日"))
    });
    env.add_filter("date_en", |v: String| -> Result<String, minijinja::Error> {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let (y, m, d) = date_parts(&v).ok_or_else(|| bad_date(&v))?;
        Ok(format!("{} {} {y}", d, MONTHS[(m - 1) as usize]))
    });
    env.add_filter("grade_en", |v: String| -> String {
        // The platform's grade levels (openapi: Transcript.grade).
        match v.as_str() {
            "优秀" => "Excellent",
            "良好" => "Good",
            "中等" => "Fair",
            "及格" => "Pass",
            "不及格" => "Fail",
            "合格" => "Pass",
            "不合格" => "Fail",
            "缓考" => "Deferred",
            "免修" => "Exempted",
            _ => return v,
        }
        .to_string()
    });
    env.add_filter(
        "fixed",
        |v: f64, digits: Option<usize>| -> Result<String, minijinja::Error> {
            match digits.unwrap_or(2) {
                d @ 0..=10 => Ok(format!("{v:.d$}")),
                d => Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("fixed({d}): use 0 to 10 decimal places"),
                )),
            }
        },
    );
    env
}

fn bad_date(v: &str) -> minijinja::Error {
    minijinja::Error::new(
        minijinja::ErrorKind::InvalidOperation,
        format!("{v:?} is not a date (YYYY-MM-DD)"),
    )
}

impl Template {
    /// Loads `dir/template.toml` and the images it names.
    pub fn load(dir: &Path) -> Result<Template, TemplateError> {
        let path = dir.join(TEMPLATE_FILE);
        let io = |source| TemplateError::Io {
            path: path.clone(),
            source,
        };
        let size = std::fs::metadata(&path).map_err(io)?.len();
        if size > limits::MAX_FILE_BYTES {
            return Err(TemplateError::Invalid {
                path: path.clone(),
                line: None,
                field: "file".into(),
                message: format!(
                    "{size} bytes is larger than the {} a template may have",
                    limits::MAX_FILE_BYTES
                ),
            });
        }
        let src = std::fs::read_to_string(&path).map_err(io)?;
        Self::from_source(dir, &path, &src)
    }

    /// Parses a template from its text; `path` names it in messages and
    /// `dir` is where its images are.
    pub fn from_source(dir: &Path, path: &Path, src: &str) -> Result<Template, TemplateError> {
        let file: TemplateFile = toml::from_str(src).map_err(|e| {
            let (line, column) = toml_error_at(src, &e);
            TemplateError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        let invalid = |field: &str, needle: &str, message: String| TemplateError::Invalid {
            path: path.to_path_buf(),
            line: Some(line_of(src, needle)),
            field: field.to_string(),
            message,
        };
        let s = &file.service;
        if !valid_id(&s.id) {
            return Err(invalid(
                "service.id",
                "id",
                format!("{:?} must be lower-case letters, digits and '-'", s.id),
            ));
        }
        if dir.file_name().and_then(|n| n.to_str()) != Some(s.id.as_str()) {
            return Err(invalid(
                "service.id",
                &s.id,
                format!(
                    "{:?} must equal the folder's name {:?}",
                    s.id,
                    dir.file_name().unwrap_or_default()
                ),
            ));
        }
        if s.paper != "A4" {
            return Err(invalid(
                "service.paper",
                &s.paper,
                format!("{:?}: only \"A4\" is supported", s.paper),
            ));
        }
        if !(1..=20).contains(&s.max_copies) {
            return Err(invalid(
                "service.max_copies",
                "max_copies",
                "must be between 1 and 20".into(),
            ));
        }
        if s.quota_per_term.is_some_and(|q| !(1..=1000).contains(&q)) {
            return Err(invalid(
                "service.quota_per_term",
                "quota_per_term",
                "must be between 1 and 1000 copies (leave it out for no limit)".into(),
            ));
        }
        if s.audience.is_empty() {
            return Err(invalid(
                "service.audience",
                "audience",
                "name at least one of \"student\", \"staff\"".into(),
            ));
        }
        for d in &s.data {
            if crate::data::Source::parse(d).is_none() {
                return Err(invalid(
                    "service.data",
                    d,
                    format!(
                        "{d:?} is not a data source: use person, enrollment, transcript, dataset:<name> or spreadsheet:<name>"
                    ),
                ));
            }
        }
        for d in &s.data {
            if let Some(crate::data::Source::Spreadsheet(n)) = crate::data::Source::parse(d)
                && !file.sources.contains_key(&n)
            {
                return Err(invalid(
                    "service.data",
                    d,
                    format!("{d:?} needs a [sources.{n}] table saying which file to read"),
                ));
            }
        }
        for (n, src) in &file.sources {
            let needle = format!("[sources.{n}]");
            if !s.data.iter().any(|d| *d == format!("spreadsheet:{n}")) {
                return Err(invalid(
                    "sources",
                    &needle,
                    format!("[sources.{n}] is not read: add \"spreadsheet:{n}\" to service.data"),
                ));
            }
            let f = std::path::Path::new(&src.file);
            if src.file.contains("..") || f.is_absolute() {
                return Err(invalid(
                    "sources",
                    &needle,
                    format!("{:?}: the file must be inside the template folder", src.file),
                ));
            }
            if !matches!(
                f.extension().and_then(|e| e.to_str()),
                Some("xlsx" | "xlsm" | "xls" | "ods" | "csv")
            ) {
                return Err(invalid(
                    "sources",
                    &needle,
                    format!("{:?}: use an .xlsx or .csv file", src.file),
                ));
            }
            if src.max_age_days == 0 {
                return Err(invalid("sources", &needle, "max_age_days must be at least 1".into()));
            }
        }
        {
            let d = Path::new(&file.sample.data);
            if d.is_absolute() || d.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
                return Err(invalid(
                    "sample.data",
                    &file.sample.data,
                    format!(
                        "{:?}: the sample data must be a folder inside the template folder, such as \"sample\"",
                        file.sample.data
                    ),
                ));
            }
        }
        if Color::parse(&file.page.watermark_color).is_none() {
            return Err(invalid(
                "page.watermark_color",
                &file.page.watermark_color,
                "use #rrggbb".into(),
            ));
        }

        let mut env = new_env();
        let mut texts = vec![
            ("service.issuer".to_string(), s.issuer.clone()),
            ("service.title".to_string(), s.title.clone()),
        ];
        if let Some(w) = &file.page.watermark {
            texts.push(("page.watermark".into(), w.clone()));
        }
        texts_of(&file.header, "header", &mut texts);
        texts_of(&file.body, "body", &mut texts);
        texts_of(&file.footer, "footer", &mut texts);
        for (name, text) in &file.seal.fields {
            texts.push((format!("seal.fields.{name}"), text.clone()));
        }
        for (field, text) in &texts {
            for (seg, _) in segments(text) {
                if env.get_template(seg).is_ok() {
                    continue;
                }
                limits::check_source(seg, false).map_err(|m| invalid(field, text, m))?;
                limits::guarded(|| {
                    env.add_template_owned(seg.to_string(), seg.to_string())
                        .map_err(|e| format!("placeholder syntax: {}", e.detail().unwrap_or("invalid")))
                })
                .map_err(|m| invalid(field, text, m))?;
            }
        }
        let mut exprs = Vec::new();
        if let Some(e) = &file.eligibility {
            exprs.push(("eligibility.rule", e.rule.clone()));
        }
        let mut tables = Vec::new();
        collect_tables(&file.body, &mut tables);
        for t in &tables {
            exprs.push(("table.rows", t.rows.clone()));
        }
        for (field, e) in exprs {
            limits::check_source(&e, true).map_err(|m| invalid(field, &e, m))?;
            limits::guarded(|| {
                env.compile_expression(&e)
                    .map(|_| ())
                    .map_err(|err| format!("expression syntax: {}", err.detail().unwrap_or("invalid")))
            })
            .map_err(|m| invalid(field, &e, m))?;
        }
        for block in file.header.iter().chain(&file.body).chain(&file.footer) {
            check_colors(block).map_err(|(c, m)| invalid("color", &c, m))?;
        }
        check_geometry(&file).map_err(|(field, message)| TemplateError::Invalid {
            path: path.to_path_buf(),
            line: None,
            field,
            message,
        })?;

        let mut images = HashMap::new();
        let mut refs = Vec::new();
        images_of(&file.header, "header", &mut refs);
        images_of(&file.body, "body", &mut refs);
        images_of(&file.footer, "footer", &mut refs);
        for (field, name) in refs {
            if images.contains_key(&name) {
                continue;
            }
            let raster = load_png(dir, &name).map_err(|m| invalid(&field, &name, m))?;
            images.insert(name, Arc::new(raster));
        }
        Ok(Template {
            dir: dir.to_path_buf(),
            file,
            env,
            images,
        })
    }

    /// The service id.
    pub fn id(&self) -> &str {
        &self.file.service.id
    }

    /// A decoded image named by the template.
    pub fn image(&self, name: &str) -> Option<&Arc<Raster>> {
        self.images.get(name)
    }

    /// Renders template text into styled spans.
    pub fn spans(&self, src: &str, ctx: &Value, bold: bool) -> Result<Vec<Span>, RenderError> {
        segments(src)
            .into_iter()
            .map(|(seg, b)| {
                Ok(Span {
                    text: self.render_segment(seg, ctx, src)?,
                    bold: bold || b,
                })
            })
            .collect()
    }

    /// Renders template text as plain text (markup markers dropped).
    pub fn string(&self, src: &str, ctx: &Value) -> Result<String, RenderError> {
        Ok(self.spans(src, ctx, false)?.into_iter().map(|s| s.text).collect())
    }

    fn render_segment(&self, seg: &str, ctx: &Value, whole: &str) -> Result<String, RenderError> {
        let err = |message: String| RenderError {
            text: whole.to_string(),
            message,
        };
        limits::charge_evaluation().map_err(|e| err(e.to_string()))?;
        if self.env.get_template(seg).is_err() {
            limits::check_source(seg, false).map_err(err)?;
        }
        limits::guarded(|| {
            let owned;
            let t = match self.env.get_template(seg) {
                Ok(t) => t,
                Err(_) => {
                    owned = self.env.template_from_str(seg).map_err(|e| describe(&e))?;
                    owned
                }
            };
            let mut out = Capped(Vec::new());
            match t.render_captured_to(ctx, &mut out) {
                Ok(_) => Ok(String::from_utf8_lossy(&out.0).into_owned()),
                Err(_) if out.0.len() > limits::MAX_RENDERED_BYTES => {
                    Err(format!("the text grew past {} bytes", limits::MAX_RENDERED_BYTES))
                }
                Err(e) => Err(describe(&e)),
            }
        })
        .map_err(err)
    }

    /// Evaluates an expression (an eligibility rule, a table's rows).
    pub fn eval(&self, expr: &str, ctx: &Value) -> Result<Value, RenderError> {
        let err = |message: String| RenderError {
            text: expr.to_string(),
            message,
        };
        limits::charge_evaluation().map_err(|e| err(e.to_string()))?;
        limits::check_source(expr, true).map_err(err)?;
        limits::guarded(|| {
            self.env
                .compile_expression(expr)
                .map_err(|e| describe(&e))?
                .eval(ctx)
                .map_err(|e| describe(&e))
        })
        .map_err(err)
    }

    /// The names a template text reads, dotted (`enrollment.name`).
    pub fn placeholders(&self, src: &str) -> Vec<String> {
        let mut out: Vec<String> = segments(src)
            .into_iter()
            .filter_map(|(seg, _)| self.env.get_template(seg).ok())
            .flat_map(|t| t.undeclared_variables(true))
            .filter(|n| !self.is_global(n))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether a dotted name starts with one of the engine's own globals
    /// (`range`, `dict`), which no data needs to hold.
    fn is_global(&self, name: &str) -> bool {
        let first = name.split('.').next().unwrap_or(name);
        self.env.globals().any(|(g, _)| g == first)
    }

    /// The names an expression reads, dotted.
    pub fn expression_names(&self, expr: &str) -> Vec<String> {
        let mut out: Vec<String> = limits::guarded(|| {
            self.env
                .compile_expression(expr)
                .map(|e| {
                    e.undeclared_variables(true)
                        .into_iter()
                        .filter(|n| !self.is_global(n))
                        .collect()
                })
                .map_err(|e| e.to_string())
        })
        .unwrap_or_default();
        out.sort();
        out
    }
}

/// Output of one text, refused past the limit.
struct Capped(Vec<u8>);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > limits::MAX_RENDERED_BYTES {
            self.0.resize(limits::MAX_RENDERED_BYTES + 1, 0);
            return Err(std::io::Error::other("too long"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn describe(e: &minijinja::Error) -> String {
    if e.kind() == minijinja::ErrorKind::OutOfFuel {
        return format!(
            "the text needs more than {} steps to evaluate (a loop too long or nested too deep); simplify it",
            limits::FUEL
        );
    }
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// All tables of a block list, rows included.
pub fn collect_tables<'a>(blocks: &'a [Block], out: &mut Vec<&'a TableSpec>) {
    for b in blocks {
        match b {
            Block::Table(t) => out.push(t),
            Block::Row { cells, .. } => {
                for c in cells {
                    collect_tables(&c.blocks, out);
                }
            }
            _ => {}
        }
    }
}

/// Sizes and widths that would make a page that cannot be read.
fn check_geometry(f: &TemplateFile) -> Result<(), (String, String)> {
    let m = f.page.margins;
    if [m.top, m.bottom, m.left, m.right]
        .iter()
        .any(|v| !(0.0..=100.0).contains(v))
        || 210.0 - m.left - m.right < 50.0
        || 297.0 - m.top - m.bottom < 50.0
    {
        return Err((
            "page.margins".into(),
            "margins must be 0–100 mm and leave at least 50 mm × 50 mm of A4 (210 × 297 mm) for the body".into(),
        ));
    }
    let size_ok = |v: f32| (4.0..=96.0).contains(&v);
    let leading_ok = |v: f32| (0.8..=4.0).contains(&v);
    if !size_ok(f.page.size) || !leading_ok(f.page.leading) {
        return Err(("page".into(), "size must be 4–96 pt and leading 0.8–4".into()));
    }
    fn blocks(list: &[Block], at: &str) -> Result<(), (String, String)> {
        let size_ok = |v: Option<f32>| v.is_none_or(|v| (4.0..=96.0).contains(&v));
        // Relative widths of columns and cells: finite, above 0, and none
        // so large that their sum overflows.
        let weight_ok = |w: f32| w > 0.0 && w <= 1000.0;
        for (i, b) in list.iter().enumerate() {
            let p = format!("{at}[{i}]");
            let bad = |m: &str| Err((p.clone(), m.to_string()));
            let (before, after) = spacing(b);
            if !(0.0..=297.0).contains(&before) || !(0.0..=297.0).contains(&after) {
                return bad("space_before and space_after must be 0–297 mm");
            }
            match b {
                Block::Text { opts, .. } => {
                    if !size_ok(opts.size) || opts.leading.is_some_and(|l| !(0.8..=4.0).contains(&l)) {
                        return bad("size must be 4–96 pt and leading 0.8–4");
                    }
                    if !(0.0..=10.0).contains(&opts.indent) || !(-0.2..=2.0).contains(&opts.tracking) {
                        return bad("indent must be 0–10 em and tracking -0.2–2 em");
                    }
                }
                Block::Fields {
                    items, columns, size, ..
                } if items.is_empty() || !(1..=6).contains(columns) || !size_ok(*size) => {
                    return bad("needs items, 1–6 columns and a size of 4–96 pt");
                }
                Block::Fields { label_width, .. } if !(*label_width > 0.0 && *label_width <= 150.0) => {
                    return bad("label_width must be above 0 and at most 150 mm");
                }
                Block::Table(t) => {
                    if t.columns.is_empty() || t.columns.iter().any(|c| !weight_ok(c.width)) {
                        return bad("a table needs at least one column, each with a width above 0 and at most 1000");
                    }
                    if !size_ok(t.size) {
                        return bad("size must be 4–96 pt");
                    }
                }
                Block::Image { width, height, .. }
                    if !(*width > 0.0 && *width <= 210.0) || height.is_some_and(|h| !(h > 0.0 && h <= 297.0)) =>
                {
                    return bad("an image needs a width (and height, if given) above 0 mm, within the page");
                }
                Block::Image { offset, at, .. }
                    if !offset.iter().all(|v| (-297.0..=297.0).contains(v))
                        || at.is_some_and(|[x, y]| !((0.0..=210.0).contains(&x) && (0.0..=297.0).contains(&y))) =>
                {
                    return bad("offset must be within ±297 mm, and at = [x, y] on the page (0–210, 0–297 mm)");
                }
                Block::Qr { size, .. } if !(10.0..=80.0).contains(size) => {
                    return bad("a QR code must be 10–80 mm to scan reliably");
                }
                Block::Spacer { height } if !(0.0..=297.0).contains(height) => {
                    return bad("height must be 0–297 mm");
                }
                Block::Rule { width, .. } if !(0.0..=10.0).contains(width) => {
                    return bad("width must be 0–10 pt");
                }
                Block::Row { cells, .. } => {
                    if cells.is_empty() || cells.iter().any(|c| !weight_ok(c.width)) {
                        return bad("a row needs at least one cell, each with a width above 0 and at most 1000");
                    }
                    for (j, c) in cells.iter().enumerate() {
                        blocks(&c.blocks, &format!("{p}.cells[{j}].blocks"))?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
    blocks(&f.header, "header")?;
    blocks(&f.body, "body")?;
    blocks(&f.footer, "footer")
}

/// A block's space before and after, in mm.
fn spacing(b: &Block) -> (f32, f32) {
    match b {
        Block::Text {
            space_before,
            space_after,
            ..
        }
        | Block::Fields {
            space_before,
            space_after,
            ..
        }
        | Block::Rule {
            space_before,
            space_after,
            ..
        }
        | Block::Row {
            space_before,
            space_after,
            ..
        } => (*space_before, *space_after),
        Block::Table(t) => (t.space_before, t.space_after),
        Block::Image { space_after, .. } | Block::Qr { space_after, .. } => (0.0, *space_after),
        Block::Spacer { .. } => (0.0, 0.0),
    }
}

fn check_colors(block: &Block) -> Result<(), (String, String)> {
    match block {
        Block::Text {
            opts: TextOpts { color: Some(c), .. },
            ..
        } if Color::parse(c).is_none() => Err((c.clone(), format!("{c:?}: use #rrggbb"))),
        Block::Row { cells, .. } => cells.iter().flat_map(|c| &c.blocks).try_for_each(check_colors),
        _ => Ok(()),
    }
}

fn load_png(dir: &Path, name: &str) -> Result<Raster, String> {
    if name.contains("..") || Path::new(name).is_absolute() {
        return Err(format!("{name:?}: images must be files inside the template folder"));
    }
    let path = dir.join(name);
    // A link may not lead out of the folder either.
    let inside = match (std::fs::canonicalize(&path), std::fs::canonicalize(dir)) {
        (Ok(real), Ok(folder)) => real.starts_with(&folder),
        (Err(e), _) | (_, Err(e)) => return Err(format!("cannot read image {}: {e}", path.display())),
    };
    if !inside {
        return Err(format!(
            "{name:?}: images must be files inside the template folder (this one links outside it)"
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read image {}: {e}", path.display()))?;
    let img = crate::picture::decode(&bytes, Some(image::ImageFormat::Png), limits::MAX_IMAGE_PIXELS)
        .map_err(|e| match e {
            crate::picture::PictureError::TooLarge { .. } => format!(
                "{}: {e} in a template picture; a 600 dpi seal of 5 cm is 1200 × 1200",
                path.display()
            ),
            crate::picture::PictureError::Unreadable(m) => format!("{}: not a readable PNG: {m}", path.display()),
        })?
        .to_rgba8();
    Ok(Raster {
        name: name.to_string(),
        width: img.width(),
        height: img.height(),
        rgba: img.into_raw(),
    })
}
