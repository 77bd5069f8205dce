//! Bound data: what the platform (or a department's spreadsheet) said about
//! one person, as the templates see it.

use std::collections::BTreeMap;

use minijinja::Value;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// A data source a template declares in `service.data`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Person,
    Enrollment,
    Transcript,
    /// `GET /persons/{id}/datasets/{name}`.
    Dataset(String),
    /// A department's spreadsheet, declared in the template.
    Spreadsheet(String),
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 64
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !n.starts_with('-')
}

impl Source {
    pub fn parse(s: &str) -> Option<Source> {
        Some(match s {
            "person" => Source::Person,
            "enrollment" => Source::Enrollment,
            "transcript" => Source::Transcript,
            _ => {
                if let Some(n) = s.strip_prefix("dataset:") {
                    valid_name(n).then(|| Source::Dataset(n.to_string()))?
                } else if let Some(n) = s.strip_prefix("spreadsheet:") {
                    valid_name(n).then(|| Source::Spreadsheet(n.to_string()))?
                } else {
                    return None;
                }
            }
        })
    }

    /// The name a template uses for it (`enrollment`, `datasets.<name>`).
    pub fn key(&self) -> String {
        match self {
            Source::Person => "person".into(),
            Source::Enrollment => "enrollment".into(),
            Source::Transcript => "transcript".into(),
            Source::Dataset(n) => format!("datasets.{n}"),
            Source::Spreadsheet(n) => format!("sheets.{n}"),
        }
    }
}

/// What is known about one person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataSet {
    pub person: Option<Json>,
    pub enrollment: Option<Json>,
    pub transcript: Option<Json>,
    pub datasets: BTreeMap<String, Json>,
    pub sheets: BTreeMap<String, Json>,
}

/// The data as templates see it, borrowed. Fields in sorted order.
#[derive(serde::Serialize)]
struct View<'a> {
    datasets: &'a BTreeMap<String, Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<&'a DocumentFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enrollment: Option<&'a Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    person: Option<&'a Json>,
    sheets: &'a BTreeMap<String, Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transcript: Option<&'a Json>,
}

/// Facts about the document being made, visible to templates as `document`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocumentFacts {
    /// Unique id printed on the document.
    pub id: String,
    /// RFC 3339 issue time.
    pub issued_at: String,
    /// What the verification QR encodes.
    pub verification: String,
    /// Short human-typable code printed under the QR.
    pub short_code: String,
}

impl DataSet {
    /// The source's record, if present.
    pub fn get(&self, s: &Source) -> Option<&Json> {
        match s {
            Source::Person => self.person.as_ref(),
            Source::Enrollment => self.enrollment.as_ref(),
            Source::Transcript => self.transcript.as_ref(),
            Source::Dataset(n) => self.datasets.get(n),
            Source::Spreadsheet(n) => self.sheets.get(n),
        }
    }

    /// Only the records of `sources`: what a document binds, hashes and can
    /// print, whatever else was loaded.
    pub fn only(&self, sources: &[Source]) -> DataSet {
        let has = |s: &Source| sources.contains(s);
        DataSet {
            person: self.person.clone().filter(|_| has(&Source::Person)),
            enrollment: self.enrollment.clone().filter(|_| has(&Source::Enrollment)),
            transcript: self.transcript.clone().filter(|_| has(&Source::Transcript)),
            datasets: self
                .datasets
                .iter()
                .filter(|(k, _)| has(&Source::Dataset((*k).clone())))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            sheets: self
                .sheets
                .iter()
                .filter(|(k, _)| has(&Source::Spreadsheet((*k).clone())))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// The sources in `needed` that are absent.
    pub fn missing(&self, needed: &[Source]) -> Vec<Source> {
        needed.iter().filter(|s| self.get(s).is_none()).cloned().collect()
    }

    fn view<'a>(&'a self, document: Option<&'a DocumentFacts>) -> View<'a> {
        View {
            datasets: &self.datasets,
            document,
            enrollment: self.enrollment.as_ref(),
            person: self.person.as_ref(),
            sheets: &self.sheets,
            transcript: self.transcript.as_ref(),
        }
    }

    /// The data as one JSON object, as templates see it (without `document`).
    pub fn to_json(&self) -> Json {
        let mut m = serde_json::Map::new();
        for (k, v) in [
            ("person", &self.person),
            ("enrollment", &self.enrollment),
            ("transcript", &self.transcript),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v.clone());
            }
        }
        m.insert(
            "datasets".into(),
            serde_json::to_value(&self.datasets).unwrap_or(Json::Null),
        );
        m.insert(
            "sheets".into(),
            serde_json::to_value(&self.sheets).unwrap_or(Json::Null),
        );
        Json::Object(m)
    }

    /// SHA-256 of the data in a canonical form: JSON with object keys in
    /// sorted order and no white space.
    pub fn digest(&self) -> [u8; 32] {
        struct Hasher(Sha256);
        impl std::io::Write for Hasher {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        // The view's fields are declared in sorted order, and serde_json's
        // maps keep their keys sorted, so the bytes are canonical.
        let mut h = Hasher(Sha256::new());
        let _ = serde_json::to_writer(&mut h, &self.view(None));
        h.0.finalize().into()
    }

    /// The template context: the data plus `document`.
    pub fn context(&self, doc: &DocumentFacts) -> Value {
        Value::from_serialize(self.view(Some(doc)))
    }

    /// The dotted path of the first string in the data holding `ch`, to
    /// say which field a character came from.
    pub fn field_with_char(&self, ch: char) -> Option<String> {
        fn walk(v: &Json, path: &mut String, ch: char) -> Option<String> {
            match v {
                Json::String(s) if s.contains(ch) => Some(path.clone()),
                Json::Array(a) => a.iter().enumerate().find_map(|(i, x)| {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    let r = walk(x, path, ch);
                    path.truncate(len);
                    r
                }),
                Json::Object(o) => o.iter().find_map(|(k, x)| {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    let r = walk(x, path, ch);
                    path.truncate(len);
                    r
                }),
                _ => None,
            }
        }
        walk(&self.to_json(), &mut String::new(), ch)
    }
}
