//! Seals and `kiosk verify`: the test vector of docs/verification.md
//! (reproduced by our code, and checked by an independent Python
//! implementation), keys from `kiosk keygen`, and sealed PDFs read back
//! by a real QR decoder from poppler's rendering.

use std::path::Path;

use crate::common::*;
use campus_kiosk::adapters::files::keys;
use campus_kiosk::pipeline::{self, Sealer};
use campus_kiosk::seal;

/// The `name = value` lines of the doc's test vector.
fn vector() -> std::collections::BTreeMap<String, String> {
    let doc = std::fs::read_to_string(root().join("docs/verification.md")).unwrap();
    let block = doc.split("## Test vector").nth(1).unwrap();
    let block = block.split("```text").nth(1).unwrap().split("```").next().unwrap();
    block
        .trim()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(" = ").unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn our_code_reproduces_the_documented_test_vector() {
    let v = vector();
    let seed: [u8; 32] = unhex(&v["seed"]).try_into().unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let payload = seal::Payload {
        document_id: v["document_id"].clone(),
        service: v["service"].clone(),
        terminal: v["terminal"].clone(),
        issued: v["issued"].parse().unwrap(),
        fields: v
            .iter()
            .filter_map(|(k, val)| k.strip_prefix("field ").map(|f| (f.to_string(), val.clone())))
            .collect(),
        digest: unhex(&v["digest"]).try_into().unwrap(),
    };
    assert_eq!(seal::hex(&payload.to_bytes()), v["payload"]);
    let sealed = seal::sign(&payload, &key);
    assert_eq!(seal::hex(&sealed), v["seal"]);
    let url = v["code"].split('#').next().unwrap();
    assert_eq!(seal::to_code(url, &sealed), v["code"]);
    assert_eq!(seal::hex(&seal::key_id(&key.verifying_key())), v["key_id"]);
}

#[test]
fn an_independent_python_verifier_accepts_the_test_vector() {
    let out = run(
        "python3",
        &[
            root().join("tests/independent/verify_vector.py").to_str().unwrap(),
            root().join("docs/verification.md").to_str().unwrap(),
        ],
    );
    assert!(out.contains("test vector: valid"), "{out}");
}

/// A key made by `kiosk keygen` in `dir`: the sealer and the keyring path.
fn keygen(dir: &Path, terminal: &str) -> (Sealer, std::path::PathBuf) {
    let (key_path, ring) = keygen_files(dir, terminal);
    let (owner, key) = keys::load_signing_key(&key_path).unwrap();
    assert_eq!(owner, terminal);
    (
        Sealer {
            terminal: terminal.into(),
            key,
            verify_url: "HTTPS://VERIFY.EXAMPLE.EDU.CN/V".into(),
        },
        ring,
    )
}

#[test]
fn keygen_writes_a_private_key_and_never_overwrites_it() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let (_, ring) = keygen(tmp.path(), "LIB-1F-01");
    let key = tmp.path().join("LIB-1F-01.key");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(keys::load_keyring(&ring).unwrap().len(), 1);
    let again = kiosk(
        &[
            "keygen",
            "--terminal-id",
            "LIB-1F-01",
            "--out",
            tmp.path().to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwritten"));
    // A key others can read is refused, with what to do.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = keys::load_signing_key(&key).unwrap_err().to_string();
    assert!(e.contains("chmod 600"), "{e}");
}

fn verify(input: &str, keyring: &Path) -> (bool, String) {
    let out = kiosk(&["verify", input, "--keyring", keyring.to_str().unwrap()], &root());
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `pdf`'s first page as a scanner gives it (poppler, 300 dpi, grey), as
/// `dir/scan.png`.
fn scan(pdf: &Path, dir: &Path) -> std::path::PathBuf {
    run(
        "pdftoppm",
        &[
            "-r",
            "300",
            "-gray",
            "-png",
            "-singlefile",
            pdf.to_str().unwrap(),
            dir.join("scan").to_str().unwrap(),
        ],
    );
    dir.join("scan.png")
}

/// The example student's certificate, sealed now.
fn sealed_certificate(sealer: &Sealer) -> (campus_kiosk::page::Document, campus_kiosk::data::DocumentFacts) {
    pipeline::render_sealed(
        book(),
        &template("enrollment-certificate"),
        &sample("2023011234"),
        &time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
        sealer,
    )
    .unwrap()
}

#[test]
fn a_sealed_pdf_verifies_from_the_pdf_from_a_scan_and_from_its_code() {
    let tmp = tempfile::tempdir().unwrap();
    let (sealer, ring) = keygen(tmp.path(), "LIB-1F-01");
    let (doc, facts) = sealed_certificate(&sealer);
    let pdf = tmp.path().join("certificate.pdf");
    std::fs::write(&pdf, campus_kiosk::export::pdf::to_pdf(book(), &doc).unwrap()).unwrap();

    // The PDF, rendered by poppler and decoded.
    let (ok, out) = verify(pdf.to_str().unwrap(), &ring);
    assert!(ok, "{out}");
    assert!(out.starts_with("VALID"), "{out}");
    assert!(
        out.contains("姓名 Name: 王小明") && out.contains("学号 Student ID: 2023011234"),
        "{out}"
    );
    assert!(out.contains(&format!("document: {}", facts.id)), "{out}");

    // A scan: poppler's 300 dpi greyscale page, decoded by the verifier.
    let scan = scan(&pdf, tmp.path());
    let (ok, out) = verify(scan.to_str().unwrap(), &ring);
    assert!(ok, "{out}");
    // A second decoder, zbar, reads the same text from the scan.
    let zbar = run("zbarimg", &["-q", "--raw", scan.to_str().unwrap()]);
    assert_eq!(zbar.trim_end(), facts.verification);
    // One URL, no spaces: cameras open it whole.
    assert!(
        facts.verification.starts_with("HTTPS://") && !facts.verification.contains(' '),
        "{}",
        facts.verification
    );

    // The code's text itself; and with one character changed, invalid.
    let (ok, out) = verify(&facts.verification, &ring);
    assert!(ok, "{out}");
    let tampered = {
        let (url, b45) = facts.verification.rsplit_once('#').unwrap();
        let mut chars: Vec<char> = b45.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        format!("{url}#{}", chars.into_iter().collect::<String>())
    };
    let (ok, out) = verify(&tampered, &ring);
    assert!(!ok && out.starts_with("INVALID"), "{out}");

    // The short code under the QR code names the document but proves
    // nothing: offline, the verifier says so and what to give instead
    // (looking it up online is tests/verify_status.rs).
    let (ok, out) = verify(&facts.short_code, &ring);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&facts.short_code)
            && out.contains("proves nothing")
            && out.contains("--online")
            && out.contains("verify the QR code"),
        "{out}"
    );
}

#[test]
fn a_revoked_expired_or_unknown_key_is_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    let (sealer, ring) = keygen(tmp.path(), "LIB-1F-01");
    let issued = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (_, facts) = pipeline::render_sealed(
        book(),
        &template("transcript-zh"),
        &sample("2023011234"),
        &issued,
        &sealer,
    )
    .unwrap();
    let entry = std::fs::read_to_string(&ring).unwrap();
    let revoked = tmp.path().join("revoked.toml");
    std::fs::write(&revoked, format!("{entry}revoked_at = \"2026-01-01T00:00:00Z\"\n")).unwrap();
    let (ok, out) = verify(&facts.verification, &revoked);
    assert!(!ok && out.contains("revoked"), "{out}");

    let expired = tmp.path().join("expired.toml");
    let nb = entry.lines().find(|l| l.starts_with("not_before")).unwrap();
    let na = entry.lines().find(|l| l.starts_with("not_after")).unwrap();
    std::fs::write(
        &expired,
        entry
            .replace(nb, "not_before = \"2020-01-01T00:00:00Z\"")
            .replace(na, "not_after = \"2021-01-01T00:00:00Z\""),
    )
    .unwrap();
    let (ok, out) = verify(&facts.verification, &expired);
    assert!(!ok && out.contains("outside"), "{out}");

    let other = tempfile::tempdir().unwrap();
    let (_, other_ring) = keygen(other.path(), "LIB-1F-01");
    let (ok, out) = verify(&facts.verification, &other_ring);
    assert!(!ok && out.contains("unknown key"), "{out}");

    // The transcript certifies credits and GPA too.
    let (ok, out) = verify(&facts.verification, &ring);
    assert!(ok, "{out}");
    assert!(
        out.contains("总学分 Total credits: ")
            && out.contains("平均学分绩点 GPA: ")
            && out.contains("课程数 Courses: "),
        "{out}"
    );
}

#[test]
fn a_terminal_without_its_key_says_how_to_make_one() {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["terminal.toml", "token"] {
        std::fs::copy(root().join("kiosk-config/demo").join(f), tmp.path().join(f)).unwrap();
    }
    let out = kiosk(&["run", "--config", tmp.path().to_str().unwrap()], tmp.path());
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("DEMO-01.key does not exist") && e.contains("kiosk keygen --terminal-id DEMO-01"),
        "{e}"
    );
}

/// A PDF of `pages` empty pages of `w` × `h` points, from our exporter.
fn blank_pdf(path: &Path, pages: usize, w: f32, h: f32) {
    use campus_kiosk::page::{Document, Page};
    let doc = Document {
        title: "blank".into(),
        issuer: "test".into(),
        issued_at: ISSUED_AT.into(),
        pages: vec![
            Page {
                width: w,
                height: h,
                items: Vec::new(),
            };
            pages
        ],
    };
    std::fs::write(path, campus_kiosk::export::pdf::to_pdf(book(), &doc).unwrap()).unwrap();
}

#[test]
fn kiosk_verify_shows_what_a_code_says_but_never_obeys_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (sealer, ring) = keygen(tmp.path(), "LIB-1F-01");
    let payload = seal::Payload {
        document_id: "DOC\u{1b}[2K\u{1b}]0;pwned\u{7}".into(),
        service: "enrollment-certificate".into(),
        terminal: "LIB-1F-01".into(),
        issued: u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap(),
        fields: [("name".to_string(), "王小明\nstatus: 已毕业".to_string())].into(),
        digest: [1; 16],
    };
    let code = seal::to_code(&sealer.verify_url, &seal::sign(&payload, &sealer.key));
    let (ok, out) = verify(&code, &ring);
    assert!(ok, "{out}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(
        out.contains("DOC\\u{001B}[2K") && out.contains("姓名 Name: 王小明\\u{000A}status"),
        "{out}"
    );
}

#[test]
fn kiosk_verify_reads_pdfs_in_a_private_folder_and_bounds_what_it_decodes() {
    let tmp = tempfile::tempdir().unwrap();
    let (sealer, ring) = keygen(tmp.path(), "LIB-1F-01");
    // A valid document's page, left where a verifier with a predictable
    // folder ($TMPDIR/kiosk-verify-<pid>) would pick it up.
    let (doc, _) = sealed_certificate(&sealer);
    let page = campus_kiosk::export::raster::render_page(book(), &doc.pages[0], 150.0).unwrap();
    let planted = tmp.path().join("planted.png");
    page.save_png(&planted).unwrap();
    let shared_tmp = tmp.path().join("tmp");
    std::fs::create_dir(&shared_tmp).unwrap();
    let next = std::process::id();
    for pid in next..next + 3000 {
        let d = shared_tmp.join(format!("kiosk-verify-{pid}"));
        std::fs::create_dir(&d).unwrap();
        std::fs::hard_link(&planted, d.join("page-0.png")).unwrap();
    }
    let blank = tmp.path().join("blank.pdf");
    blank_pdf(&blank, 1, 595.0, 842.0);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["verify", blank.to_str().unwrap(), "--keyring", ring.to_str().unwrap()])
        .env("TMPDIR", &shared_tmp)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "a blank PDF verified: {said}");
    assert!(said.contains("no QR code"), "{said}");

    // 200 pages: only the first ones are read, and it says so.
    let long = tmp.path().join("long.pdf");
    blank_pdf(&long, 200, 595.0, 842.0);
    let (ok, said) = verify(long.to_str().unwrap(), &ring);
    assert!(!ok && said.contains("only the first 4 pages"), "{said}");
    // A page claiming to be 5 m square is rendered at A4's pixel count.
    let huge = tmp.path().join("huge.pdf");
    blank_pdf(&huge, 1, 14_400.0, 14_400.0);
    let (ok, said) = verify(huge.to_str().unwrap(), &ring);
    assert!(!ok && said.contains("no QR code"), "{said}");

    // A picture whose header claims 30000 × 30000 pixels is refused before
    // a byte of it is decoded.
    let png = tmp.path().join("bomb.png");
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&crc.sum().to_be_bytes());
        c
    };
    let mut ihdr = 30_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(chunk(b"IHDR", &ihdr));
    let idat = {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&[0; 30_001]).unwrap();
        z.finish().unwrap()
    };
    bytes.extend(chunk(b"IDAT", &idat));
    bytes.extend(chunk(b"IEND", &[]));
    std::fs::write(&png, bytes).unwrap();
    let (ok, said) = verify(png.to_str().unwrap(), &ring);
    assert!(!ok && said.contains("30000 × 30000 pixels is more than"), "{said}");
}

/// A sealed certificate whose 300 dpi greyscale scan the QR decoder's own
/// local threshold cannot read (one page in eight at this scale came out
/// so before `kiosk verify` also tried a global threshold). Its key was
/// thrown away: the verdict is "unknown key", but the code is read.
#[test]
fn a_scan_the_local_threshold_misses_is_still_read() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, ring) = keygen(tmp.path(), "LIB-1F-02");
    let scan = scan(
        &root().join("tests/fixtures/sealed-certificate-hard-scan.pdf"),
        tmp.path(),
    );
    let (ok, out) = verify(scan.to_str().unwrap(), &ring);
    assert!(!ok, "{out}");
    assert!(out.contains("unknown key"), "{out}");
    assert!(out.contains("document AZJAV455GMV7TYV7"), "{out}");
}
