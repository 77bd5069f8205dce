//! `kiosk demo-platform` as a technician runs it, checked with curl.

use crate::common::*;
use serde_json::Value;

fn curl(args: &[&str]) -> (u16, Value) {
    let mut all = vec![
        "-s",
        "-w",
        "\n%{http_code}",
        "-H",
        "Authorization: Bearer demo-token",
        "-H",
        "X-Terminal-Id: CURL-01",
    ];
    all.extend_from_slice(args);
    let out = run("curl", &all);
    let (body, code) = out.rsplit_once('\n').unwrap();
    (
        code.trim().parse().unwrap(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

fn has(v: &Value, keys: &[&str]) {
    for k in keys {
        assert!(v.get(k).is_some(), "missing {k} in {v}");
    }
}

#[test]
fn serves_the_examples_in_the_contracts_shapes() {
    let examples = root().join("../shared/data-platform/examples");
    let data = if examples.join("cards.json").is_file() {
        examples
    } else {
        root().join("assets/sample-data")
    };
    // The student whose card is 04A1B2C3 in the examples served.
    let cards: Value = serde_json::from_str(&std::fs::read_to_string(data.join("cards.json")).unwrap()).unwrap();
    let student = cards["04A1B2C3"]["person_id"].as_str().unwrap().to_string();
    let (_server, base) = demo_platform(&data);

    let json = ["-H", "content-type: application/json"];
    let card = |uid: &str| {
        let body = format!("{{\"card_uid\": \"{uid}\"}}");
        let url = format!("{base}/auth/card");
        curl(&[json[0], json[1], "-d", &body, &url])
    };
    let (code, v) = card("04A1B2C3");
    assert_eq!(code, 200);
    has(&v["person"], &["id", "kind", "name"]);
    let (code, v) = card("0BADCAFE");
    assert_eq!((code, v["error"]["code"].as_str()), (423, Some("card_frozen")));
    let (code, v) = card("FFFFFFFF");
    assert_eq!((code, v["error"]["code"].as_str()), (404, Some("card_unknown")));
    has(&v["error"], &["code", "message"]);

    let (code, v) = curl(&[&format!("{base}/students/{student}/enrollment")]);
    assert_eq!(code, 200);
    has(
        &v,
        &[
            "student_id",
            "name",
            "status",
            "college",
            "major",
            "level",
            "enrollment_date",
            "as_of",
        ],
    );
    let (code, v) = curl(&[&format!("{base}/students/{student}/transcript")]);
    assert_eq!(code, 200);
    has(&v, &["student_id", "terms", "summary"]);
    has(&v["terms"][0], &["term", "courses"]);
    has(&v["terms"][0]["courses"][0], &["code", "name", "credits", "grade"]);
    let (code, v) = curl(&[&format!("{base}/students/0000000000/transcript")]);
    assert_eq!((code, v["error"]["code"].as_str()), (404, Some("student_unknown")));

    let (code, v) = curl(&[
        "-X",
        "POST",
        json[0],
        json[1],
        "-d",
        "{}",
        &format!("{base}/auth/qr-sessions"),
    ]);
    assert_eq!(code, 201);
    has(&v, &["session_id", "login_url", "expires_at", "poll_interval_ms"]);
    let id = v["session_id"].as_str().unwrap().to_string();
    let (code, v) = curl(&[&format!("{base}/auth/qr-sessions/{id}")]);
    assert_eq!((code, v["status"].as_str()), (200, Some("pending")));
    let demo = base.trim_end_matches("/api/v1");
    let (code, _) = curl(&[
        json[0],
        json[1],
        "-d",
        &format!("{{\"person_id\": \"{student}\"}}"),
        &format!("{demo}/demo/qr-sessions/{id}/confirm"),
    ]);
    assert_eq!(code, 200);
    let (_, v) = curl(&[&format!("{base}/auth/qr-sessions/{id}")]);
    assert_eq!(v["status"], "confirmed");
    has(&v["person"], &["id", "kind", "name"]);

    let rec = format!(
        r#"{{"record_id":"0f8fad5b-d9cb-469f-a165-70867728950e","terminal_id":"CURL-01","person_id":"{student}","service_id":"transcript-zh","copies":1,"pages":2,"status":"printed","created_at":"2026-11-23T09:30:00+08:00"}}"#
    );
    let url = format!("{base}/print-records");
    assert_eq!(curl(&[json[0], json[1], "-d", &rec, &url]).0, 201);
    assert_eq!(curl(&[json[0], json[1], "-d", &rec, &url]).0, 200);
    assert_eq!(curl(&[json[0], json[1], "-d", "{\"record_id\": 1}", &url]).0, 400);
    let (_, v) = curl(&[&format!("{demo}/demo/print-records")]);
    assert_eq!(v["records"].as_array().unwrap().len(), 1);

    // Without the token: 401 with the contract's error body.
    let out = run(
        "curl",
        &[
            "-s",
            "-w",
            "\n%{http_code}",
            &format!("{base}/students/{student}/enrollment"),
        ],
    );
    assert!(out.ends_with("401"), "{out}");
}
