//! `kiosk template check`: everything that can be wrong with a template,
//! found before a terminal ever prints it.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::adapters::files::{data_dir, spreadsheet};
use crate::fonts::{Family, FontBook, Weight};
use crate::pipeline;
use crate::sheets::check_fresh;
use crate::template::{Template, TemplateError, collect_tables, segments, texts_of};

/// One thing wrong with a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// `file:line:col`, or `file: field path`.
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

fn lookup<'a>(root: &'a Json, path: &[&str]) -> Option<&'a Json> {
    path.iter().try_fold(root, |v, k| v.get(k))
}

/// Literal characters of template text (placeholders and tags removed).
fn literal_chars(src: &str) -> String {
    let mut out = String::new();
    let mut rest = src;
    while let Some(i) = rest.find(['{']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let close = if tail.starts_with("{{") {
            "}}"
        } else if tail.starts_with("{%") {
            "%}"
        } else if tail.starts_with("{#") {
            "#}"
        } else {
            out.push('{');
            rest = &tail[1..];
            continue;
        };
        match tail.find(close) {
            Some(j) => rest = &tail[j + 2..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Checks one template folder against its sample data; `now` (Unix
/// seconds) decides whether its spreadsheets are stale.
pub fn check_dir(book: &FontBook, dir: &Path, now: i64) -> Vec<Problem> {
    let file = dir.join(crate::template::TEMPLATE_FILE);
    let name = file.display().to_string();
    let tpl = match Template::load(dir) {
        Ok(t) => t,
        Err(e) => {
            let at = match &e {
                TemplateError::Syntax { path, line, column, .. } => format!("{}:{line}:{column}", path.display()),
                TemplateError::Invalid { path, line, field, .. } => match line {
                    Some(l) => format!("{}:{l}: {field}", path.display()),
                    None => format!("{}: {field}", path.display()),
                },
                TemplateError::Io { path, .. } => path.display().to_string(),
            };
            let message = match e {
                TemplateError::Syntax { message, .. } | TemplateError::Invalid { message, .. } => message,
                TemplateError::Io { source, .. } => format!("cannot read: {source}"),
            };
            return vec![Problem { at, message }];
        }
    };
    let mut problems = Vec::new();
    let sample_dir: PathBuf = dir.join(&tpl.file.sample.data);
    // Not through a link either: a template reads only its own folder.
    if let (Ok(real), Ok(folder)) = (std::fs::canonicalize(&sample_dir), std::fs::canonicalize(dir))
        && !real.starts_with(&folder)
    {
        problems.push(Problem {
            at: format!("{name}: sample.data"),
            message: format!(
                "{}: the sample data must be a folder inside the template folder (this one links outside it)",
                sample_dir.display()
            ),
        });
        return problems;
    }
    let mut data = match data_dir::load(&sample_dir) {
        Ok(d) => d,
        Err(e) => {
            problems.push(Problem {
                at: format!("{name}: sample.data"),
                message: format!("sample data: {e}"),
            });
            return problems;
        }
    };
    // Department spreadsheets: every bad row, staleness, then the sample
    // person's row.
    for (name, spec) in &tpl.file.sources {
        let at = format!("{name}: sources.{name}");
        match spreadsheet::read(&tpl.dir.join(&spec.file), spec) {
            Err(e) => problems.push(Problem {
                at: at.clone(),
                message: e.to_string(),
            }),
            Ok((table, modified)) => {
                problems.extend(table.problems.iter().map(|e| Problem {
                    at: at.clone(),
                    message: e.to_string(),
                }));
                if let Err(e) = check_fresh(&table.file, spec, modified, now) {
                    problems.push(Problem {
                        at: at.clone(),
                        message: e.to_string(),
                    });
                }
            }
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    if let Err(e) = spreadsheet::bind(&tpl, &mut data, now) {
        problems.push(Problem {
            at: format!("{name}: sample"),
            message: format!("the sample person has no usable row: {e}"),
        });
        return problems;
    }
    let facts = pipeline::document_facts(tpl.id(), &data, "2026-01-01T00:00:00+08:00");
    let mut root = data.to_json();
    if let Json::Object(m) = &mut root {
        m.insert("document".into(), serde_json::to_value(&facts).unwrap_or(Json::Null));
        m.insert("page".into(), Json::from(1));
        m.insert("pages".into(), Json::from(1));
    }

    // Every text and the names it reads.
    let f = &tpl.file;
    let mut texts = vec![
        ("service.issuer".to_string(), f.service.issuer.clone()),
        ("service.title".to_string(), f.service.title.clone()),
    ];
    if let Some(w) = &f.page.watermark {
        texts.push(("page.watermark".into(), w.clone()));
    }
    texts_of(&f.header, "header", &mut texts);
    texts_of(&f.body, "body", &mut texts);
    texts_of(&f.footer, "footer", &mut texts);
    for (name, text) in &f.seal.fields {
        texts.push((format!("seal.fields.{name}"), text.clone()));
    }

    // Row and group variables of tables, with the sample items they take.
    let mut locals: Vec<(String, Vec<Json>)> = Vec::new();
    let mut tables = Vec::new();
    collect_tables(&f.body, &mut tables);
    for t in &tables {
        let path: Vec<&str> = t.rows.split('.').collect();
        let list = lookup(&root, &path)
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        match &t.group_rows {
            Some(g) => {
                let rows: Vec<Json> = list
                    .iter()
                    .filter_map(|grp| grp.get(g).and_then(Json::as_array))
                    .flatten()
                    .cloned()
                    .collect();
                locals.push(("group".into(), list));
                locals.push((t.row_var.clone(), rows));
            }
            None => locals.push((t.row_var.clone(), list)),
        }
    }

    for (field, text) in &texts {
        for name in tpl.placeholders(text) {
            let parts: Vec<&str> = name.split('.').collect();
            let known = if let Some((_, items)) = locals.iter().find(|(v, _)| v == parts[0]) {
                parts.len() == 1 || items.iter().any(|it| lookup(it, &parts[1..]).is_some())
            } else {
                lookup(&root, &parts).is_some()
            };
            if !known {
                problems.push(Problem {
                    at: format!("{name_}: {field}", name_ = name_at(&name_of(&file), text, &tpl)),
                    message: format!(
                        "placeholder `{name}` is not in the sample data ({})",
                        sample_dir.display()
                    ),
                });
            }
        }
        // Literal text must be printable with the bundled fonts.
        for (seg, bold) in segments(text) {
            let weight = if bold { Weight::Bold } else { Weight::Regular };
            for ch in literal_chars(seg).chars().filter(|c| !c.is_control()) {
                if book.glyph(f.page.family, weight, ch).is_none() && book.glyph(Family::Sans, weight, ch).is_none() {
                    problems.push(Problem {
                        at: format!("{}: {field}", name_at(&name_of(&file), text, &tpl)),
                        message: format!("character {ch:?} (U+{:04X}) is in none of the bundled fonts", ch as u32),
                    });
                }
            }
        }
    }
    for (field, expr) in f
        .eligibility
        .iter()
        .map(|e| ("eligibility.rule", &e.rule))
        .chain(tables.iter().map(|t| ("table.rows", &t.rows)))
    {
        for name in tpl.expression_names(expr) {
            let parts: Vec<&str> = name.split('.').collect();
            if lookup(&root, &parts).is_none() {
                problems.push(Problem {
                    at: format!("{}: {field}", name_at(&name_of(&file), expr, &tpl)),
                    message: format!("`{name}` is not in the sample data ({})", sample_dir.display()),
                });
            }
        }
    }

    // Finally, the whole document from the sample.
    if problems.is_empty()
        && let Err(e) = pipeline::render(book, &tpl, &data, "2026-01-01T00:00:00+08:00")
    {
        problems.push(Problem {
            at: format!("{name}: sample"),
            message: format!("the sample does not render: {e}"),
        });
    }
    // And sealed, as a terminal makes it: the certified fields must fit in
    // the QR code (a key made for the check; a typical verification URL).
    if problems.is_empty() {
        let sealer = pipeline::Sealer {
            terminal: "CHECK-TERMINAL-01".into(),
            key: ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
            verify_url: "HTTPS://VERIFY.EXAMPLE.EDU.CN/V".into(),
        };
        if let Err(e) = pipeline::render_sealed(book, &tpl, &data, "2026-01-01T00:00:00+08:00", &sealer) {
            problems.push(Problem {
                at: format!("{name}: seal.fields"),
                message: format!(
                    "with its seal the sample does not render ({e}); certify fewer or shorter fields (a QR code holds about 2,300 characters of seal)"
                ),
            });
        }
    }
    problems
}

/// `file:line` of the template text a render error comes from, when it
/// comes from one (a placeholder naming a field the data lacks, a rule, a
/// seal field).
pub fn locate(tpl: &Template, e: &pipeline::PipelineError) -> Option<String> {
    use crate::layout::LayoutError;
    use pipeline::PipelineError as P;
    let text = match e {
        P::Layout(LayoutError::Render(r)) => r.text.clone(),
        P::Rule { rule, .. } => rule.clone(),
        P::Seal { field, .. } => tpl.file.seal.fields.get(field)?.clone(),
        P::MissingGlyph { text, .. } => text.clone(),
        _ => return None,
    };
    let file = name_of(&tpl.dir.join(crate::template::TEMPLATE_FILE));
    Some(name_at(&file, &text, tpl))
}

fn name_of(file: &Path) -> String {
    file.display().to_string()
}

/// `file:line` of a text within the template source.
fn name_at(file: &str, text: &str, tpl: &Template) -> String {
    let src = std::fs::read_to_string(tpl.dir.join(crate::template::TEMPLATE_FILE)).unwrap_or_default();
    let first = text.lines().next().unwrap_or(text);
    match src.find(first) {
        Some(at) if !first.is_empty() => format!("{file}:{}", crate::toml_pos::line_col(&src, at).0),
        _ => file.to_string(),
    }
}

/// The template folders under `root` (folders holding a template.toml), or
/// `root` itself if it is one.
pub fn template_dirs(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    if root.join(crate::template::TEMPLATE_FILE).is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(crate::template::TEMPLATE_FILE).is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}
