//! The studio's form: what a department declares about its service, read
//! from a template's TOML and written back into it. Writing edits the
//! document in place (toml_edit), so the rest of the file, its comments
//! and its layout stay as the author left them. Pure.

use serde::{Deserialize, Serialize};
use toml_edit::{Array, DocumentMut, Item, Table, value};

/// The declared fields of a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Form {
    pub name_zh: String,
    pub name_en: String,
    pub summary_zh: String,
    pub summary_en: String,
    /// `student`, `staff`.
    pub audience: Vec<String>,
    /// `service.data`: `person`, `enrollment`, `transcript`,
    /// `dataset:<name>`, `spreadsheet:<name>`.
    pub data: Vec<String>,
    pub max_copies: u32,
    /// Copies per person per term; none: no limit.
    pub quota_per_term: Option<u32>,
    /// The body's first text: the document's heading (在 读 证 明).
    pub heading: Option<String>,
    /// Who may print: an expression; empty for everyone.
    pub rule: String,
    pub refusal_zh: String,
    pub refusal_en: String,
    /// What the seal certifies: (field, template text), in order.
    pub seal: Vec<(String, String)>,
    /// A department spreadsheet (`[sources.<name>]`), if the service reads one.
    pub sheet: Option<SheetForm>,
}

/// A `[sources.<name>]` spreadsheet as the form shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SheetForm {
    pub name: String,
    pub file: String,
    pub key_column: String,
    pub owner: String,
    pub max_age_days: u32,
}

fn text(item: Option<&Item>) -> String {
    item.and_then(Item::as_str).unwrap_or_default().to_string()
}

fn get<'a>(doc: &'a DocumentMut, path: &[&str]) -> Option<&'a Item> {
    let mut item = doc.as_item();
    for k in path {
        item = item.as_table_like()?.get(k)?;
    }
    Some(item)
}

fn strings(item: Option<&Item>) -> Vec<String> {
    item.and_then(Item::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn first_text_block(doc: &DocumentMut) -> Option<&Item> {
    let body = doc.get("body")?.as_array_of_tables()?;
    let first = body.get(0)?;
    (first.get("type").and_then(Item::as_str) == Some("text")).then(|| first.get("text"))?
}

/// The form of a template's TOML; `Err` with the parser's words when the
/// TOML does not parse.
pub fn read(src: &str) -> Result<Form, String> {
    let doc: DocumentMut = src.parse().map_err(|e: toml_edit::TomlError| e.message().to_string())?;
    let sheet = get(&doc, &["sources"])
        .and_then(Item::as_table_like)
        .and_then(|t| t.iter().next())
        .map(|(name, s)| SheetForm {
            name: name.to_string(),
            file: text(s.get("file")),
            key_column: text(s.get("key_column")),
            owner: text(s.get("owner")),
            max_age_days: s
                .get("max_age_days")
                .and_then(Item::as_integer)
                .unwrap_or(0)
                .clamp(0, 3650) as u32,
        });
    Ok(Form {
        name_zh: text(get(&doc, &["service", "name", "zh"])),
        name_en: text(get(&doc, &["service", "name", "en"])),
        summary_zh: text(get(&doc, &["service", "summary", "zh"])),
        summary_en: text(get(&doc, &["service", "summary", "en"])),
        audience: strings(get(&doc, &["service", "audience"])),
        data: strings(get(&doc, &["service", "data"])),
        max_copies: get(&doc, &["service", "max_copies"])
            .and_then(Item::as_integer)
            .unwrap_or(5)
            .clamp(0, 1000) as u32,
        quota_per_term: get(&doc, &["service", "quota_per_term"])
            .and_then(Item::as_integer)
            .map(|n| n.clamp(0, 10_000) as u32),
        heading: first_text_block(&doc).and_then(Item::as_str).map(str::to_string),
        rule: text(get(&doc, &["eligibility", "rule"])),
        refusal_zh: text(get(&doc, &["eligibility", "message", "zh"])),
        refusal_en: text(get(&doc, &["eligibility", "message", "en"])),
        seal: get(&doc, &["seal", "fields"])
            .and_then(Item::as_table_like)
            .map(|t| {
                t.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.to_string(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        sheet,
    })
}

/// A bilingual inline table `{ zh = "…", en = "…" }`.
fn bilingual(zh: &str, en: &str) -> Item {
    let mut t = toml_edit::InlineTable::new();
    t.insert("zh", zh.into());
    t.insert("en", en.into());
    value(t)
}

fn array(items: &[String]) -> Item {
    value(items.iter().map(String::as_str).collect::<Array>())
}

/// A plain key for the seal's fields: letters, digits, `_`.
fn plain_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `src` with the form's fields written in; `Err` names the field that
/// cannot be written (or the TOML's own problem).
pub fn apply(src: &str, form: &Form) -> Result<String, String> {
    let mut doc: DocumentMut = src.parse().map_err(|e: toml_edit::TomlError| e.message().to_string())?;
    let service = doc
        .entry("service")
        .or_insert(Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or("[service] is not a table")?;
    service.insert("name", bilingual(&form.name_zh, &form.name_en));
    if form.summary_zh.is_empty() && form.summary_en.is_empty() {
        service.remove("summary");
    } else {
        service.insert("summary", bilingual(&form.summary_zh, &form.summary_en));
    }
    service.insert("audience", array(&form.audience));
    service.insert("data", array(&form.data));
    service.insert("max_copies", value(i64::from(form.max_copies)));
    match form.quota_per_term {
        Some(n) => {
            service.insert("quota_per_term", value(i64::from(n)));
        }
        None => {
            service.remove("quota_per_term");
        }
    }
    if let Some(h) = &form.heading {
        let first = doc
            .get_mut("body")
            .and_then(Item::as_array_of_tables_mut)
            .and_then(|b| b.get_mut(0))
            .filter(|t| t.get("type").and_then(Item::as_str) == Some("text"));
        match first {
            Some(t) => {
                t.insert("text", value(h.as_str()));
            }
            None => return Err("heading: the body does not start with a text block to hold it".into()),
        }
    }
    if form.rule.trim().is_empty() {
        doc.remove("eligibility");
    } else {
        let e = doc
            .entry("eligibility")
            .or_insert(Item::Table(Table::new()))
            .as_table_like_mut()
            .ok_or("[eligibility] is not a table")?;
        e.insert("rule", value(form.rule.trim()));
        e.insert("message", bilingual(&form.refusal_zh, &form.refusal_en));
    }
    if let Some(bad) = form.seal.iter().find(|(k, _)| !plain_key(k)) {
        return Err(format!(
            "seal field {:?}: a field's name is letters, digits and _ only",
            bad.0
        ));
    }
    if !form.seal.is_empty() || get(&doc, &["seal", "fields"]).is_some() {
        let seal = doc
            .entry("seal")
            .or_insert(Item::Table(Table::new()))
            .as_table_like_mut()
            .ok_or("[seal] is not a table")?;
        let mut fields = Table::new();
        for (k, v) in &form.seal {
            fields.insert(k, value(v.as_str()));
        }
        seal.insert("fields", Item::Table(fields));
    }
    if let Some(s) = &form.sheet {
        if !plain_key(&s.name) || s.name.bytes().any(|b| b.is_ascii_uppercase() || b == b'_') {
            return Err(format!(
                "spreadsheet {:?}: its name is lower-case letters, digits and -",
                s.name
            ));
        }
        let sources = doc
            .entry("sources")
            .or_insert(Item::Table(Table::new()))
            .as_table_like_mut()
            .ok_or("[sources] is not a table")?;
        let entry = sources
            .entry(&s.name)
            .or_insert(Item::Table(Table::new()))
            .as_table_like_mut()
            .ok_or("the spreadsheet is not a table")?;
        entry.insert("file", value(s.file.as_str()));
        entry.insert("key_column", value(s.key_column.as_str()));
        entry.insert("owner", value(s.owner.as_str()));
        entry.insert("max_age_days", value(i64::from(s.max_age_days)));
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"# A comment that stays.
[service]
id = "x"
name = { zh = "在读证明", en = "Certificate" }
audience = ["student"]
data = ["person", "enrollment"]

[eligibility]
rule = 'enrollment.status == "enrolled"'
message = { zh = "不在读", en = "Not enrolled" }

[[body]]
type = "text"
text = "在 读 证 明"
size = 24

[[body]]
type = "text"
text = "兹证明"
"#;

    #[test]
    fn the_form_reads_what_the_file_declares() {
        let f = read(SRC).unwrap();
        assert_eq!(f.name_zh, "在读证明");
        assert_eq!(f.audience, ["student"]);
        assert_eq!(f.max_copies, 5);
        assert_eq!(f.heading.as_deref(), Some("在 读 证 明"));
        assert_eq!(f.rule, r#"enrollment.status == "enrolled""#);
        assert!(read("[service\n").is_err());
    }

    #[test]
    fn writing_the_form_keeps_the_rest_of_the_file() {
        let mut f = read(SRC).unwrap();
        f.heading = Some("在 籍 证 明".into());
        f.rule = r#"enrollment.status_label == "在读""#.into();
        f.quota_per_term = Some(4);
        f.seal = vec![("name".into(), "{{ enrollment.name }}".into())];
        let out = apply(SRC, &f).unwrap();
        assert!(out.starts_with("# A comment that stays.\n"), "{out}");
        assert!(out.contains("size = 24") && out.contains("text = \"兹证明\""), "{out}");
        let back = read(&out).unwrap();
        assert_eq!(back, f);
        f.rule.clear();
        assert!(!apply(SRC, &f).unwrap().contains("[eligibility]"));
        f.seal = vec![("a b".into(), "x".into())];
        assert!(apply(SRC, &f).unwrap_err().contains("a b"));
    }
}
