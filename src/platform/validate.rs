//! Checks on what the platform returns. A record that fails them is "bad
//! data": nothing is printed from it. Unknown fields are ignored, as the
//! contract asks.

use serde_json::Value as Json;

use super::{DocumentStatus, Person, PersonKind, PlatformError, PrintCounts, QrSession, QrStatus};

/// Most courses a transcript may hold before it counts as absurd.
pub const MAX_COURSES: usize = 500;
/// Most terms a transcript may hold.
pub const MAX_TERMS: usize = 40;
/// Longest text field accepted.
pub const MAX_TEXT: usize = 2000;

/// Every text of an answer as it may be printed (see `text::clean`):
/// composed (NFC), soft hyphens dropped; an answer holding a control,
/// direction or invisible character anywhere is bad data, naming the
/// field. Field names are held to the same rule.
pub fn clean(v: &mut Json, what: &str) -> Result<(), PlatformError> {
    match v {
        Json::String(s) => match crate::text::clean(s) {
            Ok(None) => Ok(()),
            Ok(Some(c)) => {
                *s = c;
                Ok(())
            }
            Err(f) => Err(bad(what, &f.to_string())),
        },
        Json::Array(items) => items
            .iter_mut()
            .enumerate()
            .try_for_each(|(i, item)| clean(item, &format!("{what}[{i}]"))),
        Json::Object(map) => {
            if let Some(k) = map.keys().find(|k| k.chars().any(crate::text::is_forbidden)) {
                return Err(bad(
                    &format!("{what}.{}", crate::text::printable(k)),
                    "the field name holds a control or invisible character",
                ));
            }
            map.iter_mut()
                .try_for_each(|(k, item)| clean(item, &format!("{what}.{k}")))
        }
        _ => Ok(()),
    }
}

/// A person's or student's id as it goes into a request path: not `.` or
/// `..` (which a URL would read as "this" or "the parent" folder), no
/// spaces, at most 64 characters.
pub fn id_segment(id: &str) -> Result<(), String> {
    if id == "." || id == ".." {
        return Err(format!("{id:?} is not an id"));
    }
    if id.chars().count() > 64 || id.chars().any(|c| c.is_whitespace()) {
        return Err(format!(
            "{:?} is not an id (at most 64 characters, no spaces)",
            crate::text::printable(id)
        ));
    }
    Ok(())
}

fn bad(what: &str, msg: &str) -> PlatformError {
    PlatformError::bad_data(format!("{what}: {msg}"))
}

fn object<'a>(v: &'a Json, what: &str) -> Result<&'a serde_json::Map<String, Json>, PlatformError> {
    v.as_object().ok_or_else(|| bad(what, "expected a JSON object"))
}

/// A required string field.
fn text<'a>(o: &'a serde_json::Map<String, Json>, what: &str, key: &str) -> Result<&'a str, PlatformError> {
    match o.get(key) {
        None | Some(Json::Null) => Err(bad(&format!("{what}.{key}"), "missing")),
        Some(Json::String(s)) if s.trim().is_empty() => Err(bad(&format!("{what}.{key}"), "empty")),
        Some(Json::String(s)) if s.chars().count() > MAX_TEXT => Err(bad(&format!("{what}.{key}"), "too long")),
        Some(Json::String(s)) => Ok(s),
        Some(other) => Err(bad(
            &format!("{what}.{key}"),
            &format!("expected a string, found {}", type_name(other)),
        )),
    }
}

/// An optional field that, when present, must be a string.
fn opt_text(o: &serde_json::Map<String, Json>, what: &str, key: &str) -> Result<(), PlatformError> {
    match o.get(key) {
        None | Some(Json::Null) | Some(Json::String(_)) => Ok(()),
        Some(other) => Err(bad(
            &format!("{what}.{key}"),
            &format!("expected a string, found {}", type_name(other)),
        )),
    }
}

fn date(o: &serde_json::Map<String, Json>, what: &str, key: &str, required: bool) -> Result<(), PlatformError> {
    match o.get(key) {
        None | Some(Json::Null) if !required => Ok(()),
        _ => {
            let s = text(o, what, key)?;
            let ok = s.len() == 10
                && time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).is_ok();
            if ok {
                Ok(())
            } else {
                Err(bad(
                    &format!("{what}.{key}"),
                    &format!("{s:?} is not a date (YYYY-MM-DD)"),
                ))
            }
        }
    }
}

fn type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// A `Person`.
pub fn person(v: &Json, what: &str) -> Result<Person, PlatformError> {
    let o = object(v, what)?;
    let id = text(o, what, "id")?.to_string();
    id_segment(&id).map_err(|m| bad(&format!("{what}.id"), &m))?;
    let kind = match text(o, what, "kind")? {
        "student" => PersonKind::Student,
        "staff" => PersonKind::Staff,
        other => {
            return Err(bad(
                &format!("{what}.kind"),
                &format!("{other:?} is neither student nor staff"),
            ));
        }
    };
    let name = text(o, what, "name")?.to_string();
    for k in ["name_en", "org_name", "org_name_en"] {
        opt_text(o, what, k)?;
    }
    Ok(Person {
        id,
        kind,
        name,
        record: v.clone(),
    })
}

/// The body of `POST /auth/card`: `{ "person": Person }`.
pub fn card_answer(v: &Json) -> Result<Person, PlatformError> {
    let o = object(v, "card answer")?;
    person(
        o.get("person").ok_or_else(|| bad("card answer.person", "missing"))?,
        "person",
    )
}

/// A record that must belong to `student_id`: another student's record
/// (a platform bug, a cache mix-up) is never printed.
fn student_record<'a>(
    v: &'a Json,
    what: &str,
    student_id: &str,
) -> Result<&'a serde_json::Map<String, Json>, PlatformError> {
    let o = object(v, what)?;
    let id = text(o, what, "student_id")?;
    if id != student_id {
        return Err(bad(
            &format!("{what}.student_id"),
            &format!("asked for {student_id:?}, got {id:?}"),
        ));
    }
    Ok(o)
}

/// An `Enrollment`, which must be the record of `student_id`.
pub fn enrollment(v: &Json, student_id: &str) -> Result<(), PlatformError> {
    let w = "enrollment";
    let o = student_record(v, w, student_id)?;
    for k in ["name", "college", "major", "level"] {
        text(o, w, k)?;
    }
    match text(o, w, "status")? {
        "enrolled" | "suspended" | "withdrawn" | "graduated" => {}
        other => return Err(bad(&format!("{w}.status"), &format!("{other:?} is not a known status"))),
    }
    date(o, w, "enrollment_date", true)?;
    date(o, w, "as_of", true)?;
    for k in ["birth_date", "expected_graduation_date"] {
        date(o, w, k, false)?;
    }
    for k in [
        "name_en",
        "gender",
        "gender_en",
        "id_number_masked",
        "college_en",
        "major_en",
        "class_name",
        "level_en",
        "study_mode",
        "status_label",
    ] {
        opt_text(o, w, k)?;
    }
    if let Some(y) = o.get("program_years").filter(|y| !y.is_null()) {
        match y.as_u64() {
            Some(1..=12) => {}
            _ => {
                return Err(bad(
                    &format!("{w}.program_years"),
                    "expected a whole number of years, 1–12",
                ));
            }
        }
    }
    Ok(())
}

fn number(
    o: &serde_json::Map<String, Json>,
    what: &str,
    key: &str,
    min: f64,
    max: f64,
    required: bool,
) -> Result<(), PlatformError> {
    match o.get(key) {
        None | Some(Json::Null) if !required => Ok(()),
        None | Some(Json::Null) => Err(bad(&format!("{what}.{key}"), "missing")),
        Some(Json::Number(n)) => match n.as_f64() {
            Some(x) if (min..=max).contains(&x) => Ok(()),
            _ => Err(bad(&format!("{what}.{key}"), &format!("{n} is outside {min}–{max}"))),
        },
        Some(other) => Err(bad(
            &format!("{what}.{key}"),
            &format!("expected a number, found {}", type_name(other)),
        )),
    }
}

/// A `Transcript`, which must be the record of `student_id`.
pub fn transcript(v: &Json, student_id: &str) -> Result<(), PlatformError> {
    let w = "transcript";
    let o = student_record(v, w, student_id)?;
    let terms = o
        .get("terms")
        .ok_or_else(|| bad("transcript.terms", "missing"))?
        .as_array()
        .ok_or_else(|| bad("transcript.terms", "expected a list"))?;
    if terms.len() > MAX_TERMS {
        return Err(bad(
            "transcript.terms",
            &format!("{} terms is more than {MAX_TERMS}", terms.len()),
        ));
    }
    let mut courses_total = 0usize;
    for (i, term) in terms.iter().enumerate() {
        let tw = format!("transcript.terms[{i}]");
        let t = object(term, &tw)?;
        text(t, &tw, "term")?;
        opt_text(t, &tw, "name")?;
        opt_text(t, &tw, "name_en")?;
        let courses = t
            .get("courses")
            .ok_or_else(|| bad(&format!("{tw}.courses"), "missing"))?
            .as_array()
            .ok_or_else(|| bad(&format!("{tw}.courses"), "expected a list"))?;
        courses_total += courses.len();
        if courses_total > MAX_COURSES {
            return Err(bad("transcript", &format!("more than {MAX_COURSES} courses")));
        }
        for (j, c) in courses.iter().enumerate() {
            let cw = format!("{tw}.courses[{j}]");
            let c = object(c, &cw)?;
            text(c, &cw, "code")?;
            text(c, &cw, "name")?;
            text(c, &cw, "grade")?;
            number(c, &cw, "credits", 0.0, 50.0, true)?;
            number(c, &cw, "grade_points", 0.0, 5.0, false)?;
            number(c, &cw, "hours", 0.0, 2000.0, false)?;
            for k in ["name_en", "category", "category_en", "exam_kind", "exam_kind_en"] {
                opt_text(c, &cw, k)?;
            }
        }
    }
    let s = object(
        o.get("summary").ok_or_else(|| bad("transcript.summary", "missing"))?,
        "transcript.summary",
    )?;
    number(s, "transcript.summary", "total_credits", 0.0, 1000.0, true)?;
    number(s, "transcript.summary", "gpa", 0.0, 5.0, false)?;
    number(s, "transcript.summary", "average_score", 0.0, 100.0, false)?;
    opt_text(s, "transcript.summary", "gpa_scale")?;
    Ok(())
}

/// A department dataset: any JSON object.
pub fn dataset(v: &Json, name: &str) -> Result<(), PlatformError> {
    object(v, &format!("datasets.{name}")).map(|_| ())
}

/// The body of `POST /auth/qr-sessions`.
pub fn qr_session(v: &Json) -> Result<QrSession, PlatformError> {
    let w = "qr session";
    let o = object(v, w)?;
    let login_url = text(o, w, "login_url")?.to_string();
    if !(login_url.starts_with("https://") || login_url.starts_with("http://")) {
        return Err(bad("qr session.login_url", "not an http(s) URL"));
    }
    let expires_at = text(o, w, "expires_at")?.to_string();
    time::OffsetDateTime::parse(&expires_at, &time::format_description::well_known::Rfc3339).map_err(|_| {
        bad(
            "qr session.expires_at",
            &format!("{expires_at:?} is not an RFC 3339 time"),
        )
    })?;
    let poll = o
        .get("poll_interval_ms")
        .and_then(Json::as_u64)
        .filter(|p| (200..=60_000).contains(p))
        .ok_or_else(|| {
            bad(
                "qr session.poll_interval_ms",
                "expected a whole number of milliseconds, 200–60000",
            )
        })?;
    Ok(QrSession {
        session_id: text(o, w, "session_id")?.to_string(),
        login_url,
        expires_at,
        poll_interval_ms: poll,
    })
}

/// The body of `GET /auth/qr-sessions/{id}`.
pub fn qr_status(v: &Json) -> Result<QrStatus, PlatformError> {
    let o = object(v, "qr status")?;
    Ok(match text(o, "qr status", "status")? {
        "pending" => QrStatus::Pending,
        "expired" => QrStatus::Expired,
        "cancelled" => QrStatus::Cancelled,
        "confirmed" => QrStatus::Confirmed(person(
            o.get("person")
                .ok_or_else(|| bad("qr status.person", "missing for a confirmed session"))?,
            "person",
        )?),
        other => return Err(bad("qr status.status", &format!("{other:?} is not a known status"))),
    })
}

/// The body of `GET /persons/{id}/print-counts` (1.1), checked to be this
/// person's, from this day.
pub fn print_counts(v: &Json, person_id: &str, since: &str) -> Result<PrintCounts, PlatformError> {
    let w = "print counts";
    let o = object(v, w)?;
    if text(o, w, "person_id")? != person_id {
        return Err(bad("print counts.person_id", "is another person's"));
    }
    date(o, w, "since", true)?;
    if text(o, w, "since")? != since {
        return Err(bad(
            "print counts.since",
            &format!("counts from another day than {since}"),
        ));
    }
    let as_of = text(o, w, "as_of")?.to_string();
    time::OffsetDateTime::parse(&as_of, &time::format_description::well_known::Rfc3339)
        .map_err(|_| bad("print counts.as_of", &format!("{as_of:?} is not an RFC 3339 time")))?;
    let map = o
        .get("counts")
        .and_then(Json::as_object)
        .ok_or_else(|| bad("print counts.counts", "expected an object of service ids to copies"))?;
    if map.len() > MAX_COUNTED_SERVICES {
        return Err(bad(
            "print counts.counts",
            &format!("more than {MAX_COUNTED_SERVICES} services"),
        ));
    }
    let mut counts = std::collections::BTreeMap::new();
    for (service, n) in map {
        let n = n.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
            bad(
                &format!("print counts.counts.{service}"),
                "expected a whole number of copies",
            )
        })?;
        counts.insert(service.clone(), n);
    }
    Ok(PrintCounts {
        since: since.to_string(),
        counts,
        as_of,
    })
}

/// Most services a count may name.
pub const MAX_COUNTED_SERVICES: usize = 500;
/// Most documents a public lookup may list (one id listed more than a few
/// times is absurd).
pub const MAX_LOOKUP_DOCUMENTS: usize = 16;
/// Longest seal text accepted (a seal's QR code holds at most 4296).
pub const MAX_SEAL_TEXT: usize = 4296;

/// The body of `GET /public/documents/{code}` (1.1): every document listed
/// is the one asked (`code`, canonical, see `lookup_code`), with a seal and
/// a known status.
pub fn documents(v: &Json, code: &str) -> Result<Vec<DocumentStatus>, PlatformError> {
    let o = object(v, "lookup")?;
    let list = o
        .get("documents")
        .and_then(Json::as_array)
        .ok_or_else(|| bad("lookup.documents", "expected a list"))?;
    if list.len() > MAX_LOOKUP_DOCUMENTS {
        return Err(bad(
            "lookup.documents",
            &format!("more than {MAX_LOOKUP_DOCUMENTS} documents"),
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, d) in list.iter().enumerate() {
        let w = format!("lookup.documents[{i}]");
        let item = object(d, &w)?;
        let id = text(item, &w, "document_id")?;
        if id.to_ascii_uppercase() != code {
            return Err(bad(
                &format!("{w}.document_id"),
                &format!("{id:?} is not the document asked, {code}"),
            ));
        }
        let seal = item.get("seal").and_then(Json::as_str).unwrap_or_default();
        if seal.is_empty() || seal.len() > MAX_SEAL_TEXT {
            return Err(bad(&format!("{w}.seal"), "missing, empty or too long"));
        }
        for k in ["status_changed_at", "reason", "reason_en", "superseded_by"] {
            opt_text(item, &w, k)?;
        }
        let parsed: DocumentStatus = serde_json::from_value(d.clone()).map_err(|e| bad(&w, &e.to_string()))?;
        out.push(parsed);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(person: &str, file: &str) -> Json {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/sample-data")
            .join(person)
            .join(file);
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    }

    #[test]
    fn the_platforms_examples_pass() {
        for id in ["2023011234", "2024020456"] {
            person(&sample(id, "person.json"), "person").unwrap();
            enrollment(&sample(id, "enrollment.json"), id).unwrap();
            transcript(&sample(id, "transcript.json"), id).unwrap();
        }
    }

    #[test]
    fn a_record_of_someone_else_is_bad_data() {
        let e = enrollment(&sample("2023011234", "enrollment.json"), "2024020456").unwrap_err();
        assert_eq!(e.kind, super::super::ErrorKind::BadData);
        assert!(e.detail.contains("enrollment.student_id"), "{e}");
        assert!(transcript(&sample("2023011234", "transcript.json"), "2024020456").is_err());
    }

    #[test]
    fn wrong_types_missing_fields_and_absurd_values_are_named() {
        let mut t = sample("2023011234", "transcript.json");
        t["terms"][0]["courses"][2]["credits"] = json!(-2.0);
        let e = transcript(&t, "2023011234").unwrap_err();
        assert!(e.detail.contains("terms[0].courses[2].credits"), "{e}");

        let mut t = sample("2023011234", "transcript.json");
        t["terms"][1]["courses"][0]["name"] = json!(42);
        let e = transcript(&t, "2023011234").unwrap_err();
        assert!(
            e.detail.contains("terms[1].courses[0].name") && e.detail.contains("a number"),
            "{e}"
        );

        let mut t = sample("2023011234", "transcript.json");
        let course = t["terms"][0]["courses"][0].clone();
        t["terms"][0]["courses"] = json!(vec![course; 10_000]);
        assert!(transcript(&t, "2023011234").unwrap_err().detail.contains("more than"));

        let mut e = sample("2023011234", "enrollment.json");
        e.as_object_mut().unwrap().remove("status");
        assert!(
            enrollment(&e, "2023011234")
                .unwrap_err()
                .detail
                .contains("enrollment.status: missing")
        );

        let mut e = sample("2023011234", "enrollment.json");
        e["enrollment_date"] = json!("2022-13-45");
        assert!(
            enrollment(&e, "2023011234")
                .unwrap_err()
                .detail
                .contains("enrollment_date")
        );
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let mut p = sample("2023011234", "person.json");
        p["wechat_openid"] = json!("x");
        p["new_nested"] = json!({"a": [1, 2]});
        assert_eq!(person(&p, "person").unwrap().id, "2023011234");
    }
}
