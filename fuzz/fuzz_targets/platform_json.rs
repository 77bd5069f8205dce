//! Platform answers from arbitrary bytes through `platform::validate`:
//! no panic; after `clean` no printed text holds a control, direction or
//! invisible character, and cleaning again changes nothing.
#![no_main]

use campus_kiosk::platform::validate;
use campus_kiosk::text::is_forbidden;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn texts_ok(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.chars().any(is_forbidden) && !s.contains('\u{ad}'),
        Value::Array(a) => a.iter().all(texts_ok),
        Value::Object(o) => o.iter().all(|(k, v)| !k.chars().any(is_forbidden) && texts_ok(v)),
        _ => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if validate::clean(&mut v, "answer").is_err() {
        return;
    }
    assert!(texts_ok(&v));
    let again = v.clone();
    validate::clean(&mut v, "answer").unwrap();
    assert_eq!(v, again, "cleaning is idempotent");
    let _ = validate::card_answer(&v);
    let _ = validate::enrollment(&v, "2023011234");
    let _ = validate::transcript(&v, "2023011234");
    let _ = validate::dataset(&v, "fuzz");
    let _ = validate::qr_session(&v);
    let _ = validate::qr_status(&v);
    if let Ok(c) = validate::print_counts(&v, "2023011234", "2026-08-01") {
        assert!(c.counts.len() <= validate::MAX_COUNTED_SERVICES);
    }
    if let Ok(docs) = validate::documents(&v, "8A2B3C4D") {
        assert!(docs.len() <= validate::MAX_LOOKUP_DOCUMENTS);
        assert!(docs.iter().all(|d| d.document_id.to_ascii_uppercase().starts_with("8A2B3C4D")));
    }
    if let Ok(p) = validate::person(&v, "person") {
        assert!(p.id != "." && p.id != "..");
    }
});
