//! A service handed in as one file: `kiosk template bundle` packs a
//! template folder; `check`, `preview` and `dry-run` take the bundle as
//! they take a folder; its documented content hash is recomputed by
//! Python's own zip and hash code; an altered or hostile bundle is refused
//! before anything is written.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::*;

/// `kiosk template bundle` of the template folder `dir` into `out`.
pub(crate) fn bundle_output(dir: &Path, out: &Path) -> std::process::Output {
    kiosk(
        &[
            "template",
            "bundle",
            dir.to_str().unwrap(),
            "--department",
            "学生处",
            "--author",
            "张老师 zhang@example.edu.cn",
            "--out",
            out.to_str().unwrap(),
        ],
        &root(),
    )
}

fn bundle_of(template: &str, out: &Path) -> String {
    let o = bundle_output(&root().join(template), out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn kiosk_text(args: &[&str]) -> (bool, String) {
    let o = kiosk(args, &root());
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// Runs Python on `code` with `args` (sys.argv[1:]).
fn python(code: &str, args: &[&str]) -> String {
    let mut all = vec!["-c", code];
    all.extend(args);
    run("python3", &all)
}

const REHASH: &str = r#"
import hashlib, sys, tomllib, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
m = tomllib.loads(z.read("manifest.toml").decode())
lines = []
for f in sorted(m["content"]["files"], key=lambda f: f["path"]):
    data = z.read("service/" + f["path"])
    assert hashlib.sha256(data).hexdigest() == f["sha256"], f["path"]
    lines.append(f'{f["sha256"]}  {f["path"]}\n')
print(names[0])
print(m["id"], m["version"], m["department"])
print("sha256:" + hashlib.sha256("".join(lines).encode()).hexdigest())
print(m["content"]["hash"])
print(" ".join(sorted(n for n in names if n != "manifest.toml")))
"#;

/// Rewrites a bundle: entry `name` gets `data` (added if missing).
const REWRITE: &str = r#"
import sys, zipfile
src, dst, name, data = sys.argv[1:5]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
    for i in z.infolist():
        out.writestr(i, data.encode() if i.filename == name else z.read(i.filename))
    if name not in z.namelist():
        out.writestr(name, data.encode())
"#;

#[test]
fn a_bundle_is_checked_previewed_and_dry_run_as_its_folder_is_and_its_hash_is_the_documented_one() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("dorm.service.zip");
    let said = bundle_of("tests/fixtures/dormitory-certificate", &file);
    assert!(
        said.contains("dormitory-certificate 1.0.0") && said.contains("sha256:"),
        "{said}"
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a bundle holds sample data: not world-readable");

    // Python's zipfile and hashlib agree with the manifest.
    let out = python(REHASH, &[file.to_str().unwrap()]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "manifest.toml", "the manifest comes first");
    assert_eq!(lines[1], "dormitory-certificate 1.0.0 学生处");
    assert_eq!(lines[2], lines[3], "the content hash is the documented one");
    for f in [
        "service/template.toml",
        "service/dorm.xlsx",
        "service/sample/person.json",
    ] {
        assert!(lines[4].split(' ').any(|n| n == f), "{f} in {}", lines[4]);
    }

    // And so does the shell pipeline docs/templates.md gives.
    let unpacked = tmp.path().join("unpacked");
    python(
        "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        &[file.to_str().unwrap(), unpacked.to_str().unwrap()],
    );
    let shell = run(
        "sh",
        &[
            "-c",
            "cd \"$1\"/service && find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs sha256sum | sha256sum",
            "sh",
            unpacked.to_str().unwrap(),
        ],
    );
    assert_eq!(format!("sha256:{}", &shell[..64]), lines[3], "{shell}");

    let f = file.to_str().unwrap();
    let (ok, text) = kiosk_text(&["template", "check", f]);
    assert!(ok, "{text}");
    let pdf = tmp.path().join("dorm.pdf");
    let sample = root().join("tests/fixtures/dormitory-certificate/sample");
    let (ok, text) = kiosk_text(&[
        "template",
        "preview",
        f,
        "--data",
        sample.to_str().unwrap(),
        "--out",
        pdf.to_str().unwrap(),
        "--issued-at",
        "2026-11-23T09:30:00+08:00",
    ]);
    assert!(ok, "{text}");
    let words = squash(&run("pdftotext", &[pdf.to_str().unwrap(), "-"]));
    assert!(words.contains("住宿证明"), "{words}");
    let sheet = root().join("tests/fixtures/dormitory-certificate/dorm.xlsx");
    let (ok, text) = kiosk_text(&["template", "dry-run", f, "--sheet", sheet.to_str().unwrap()]);
    assert!(text.contains("rows render"), "{text}");
    let _ = ok;
}

#[test]
fn an_altered_or_hostile_bundle_is_refused_and_writes_nothing_outside() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("cert.service.zip");
    bundle_of("print-templates/enrollment-certificate", &good);
    let g = good.to_str().unwrap();
    let variant = |name: &str, entry: &str, data: &str| -> PathBuf {
        let p = tmp.path().join(name);
        python(REWRITE, &[g, p.to_str().unwrap(), entry, data]);
        p
    };

    // A file changed after the manifest was made.
    let template =
        std::fs::read_to_string(root().join("print-templates/enrollment-certificate/template.toml")).unwrap();
    let altered = variant(
        "altered.zip",
        "service/template.toml",
        &template.replace("在 读 证 明", "在 读 证 明（副本）"),
    );
    let (ok, text) = kiosk_text(&["template", "check", altered.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        text.contains("service/template.toml") && text.contains("altered"),
        "{text}"
    );

    // An entry climbing out of the folder, and one not listed.
    for (name, entry) in [
        ("climb.zip", "service/../../evil.txt"),
        ("extra.zip", "service/extra.txt"),
    ] {
        let p = variant(name, entry, "x");
        let (ok, text) = kiosk_text(&["template", "check", p.to_str().unwrap()]);
        assert!(!ok, "{name}");
        assert!(text.contains(entry), "{name}: {text}");
        assert!(!tmp.path().join("evil.txt").exists() && !root().join("evil.txt").exists());
    }

    // The manifest's own hash changed.
    let manifest = python(
        "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('manifest.toml').decode(), end='')",
        &[g],
    );
    let line = manifest.lines().find(|l| l.starts_with("hash = ")).unwrap();
    let forged = variant(
        "forged.zip",
        "manifest.toml",
        &manifest.replace(
            line,
            "hash = \"sha256:0000000000000000000000000000000000000000000000000000000000000000\"",
        ),
    );
    let (ok, text) = kiosk_text(&["template", "check", forged.to_str().unwrap()]);
    assert!(!ok);
    assert!(text.contains("content.hash"), "{text}");

    // Not a zip at all.
    let junk = tmp.path().join("junk.zip");
    std::fs::write(&junk, "hello").unwrap();
    let (ok, text) = kiosk_text(&["template", "check", junk.to_str().unwrap()]);
    assert!(!ok);
    assert!(text.contains("not a zip archive"), "{text}");
}

#[test]
fn a_problem_in_a_bundled_template_is_located_inside_the_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("enrollment-certificate");
    copy_dir(&root().join("print-templates/enrollment-certificate"), &dir);
    let path = dir.join("template.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // It loads, but its sample has no hobby.
    std::fs::write(&path, text.replace("特此证明。", "特此证明。{{ enrollment.hobby }}")).unwrap();
    let bundle = |out: &str| {
        kiosk(
            &[
                "template",
                "bundle",
                dir.to_str().unwrap(),
                "--department",
                "教务处",
                "--author",
                "李老师",
                "--out",
                out,
            ],
            tmp.path(),
        )
    };
    let o = bundle("svc.service.zip");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = tmp.path().join("svc.service.zip");
    let (ok, said) = kiosk_text(&["template", "check", file.to_str().unwrap()]);
    assert!(!ok, "{said}");
    let inside = format!("{}!/template.toml", file.display());
    assert!(said.contains(&inside) && said.contains("hobby"), "{said}");
    assert!(
        !said.contains("kiosk-bundle-"),
        "the temporary folder is never named: {said}"
    );

    // One that does not load is not handed in at all.
    std::fs::write(&path, text.replace("max_copies = 5", "max_copies = \"five\"")).unwrap();
    let o = bundle("broken.service.zip");
    assert!(!o.status.success(), "a template that does not load is not handed in");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("template.toml:13:14") && err.contains("\"five\""), "{err}");
    assert_eq!(err.matches("five").count(), 1, "said once: {err}");
    assert!(!tmp.path().join("broken.service.zip").exists());
}
