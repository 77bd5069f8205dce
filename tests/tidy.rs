//! The architecture's rules, checked: every `crate::` path in the library
//! against ARCHITECTURE.md's dependency table, and the one hand-over of a
//! job to a printer. The table is read from ARCHITECTURE.md itself, so the
//! document and the check cannot drift apart.

use std::path::{Path, PathBuf};

use crate::common::root;

/// One row of the table: a path (a file, or a folder ending in `/`) and
/// the modules its code may use (`None`: everything).
#[derive(Debug)]
struct Rule {
    path: String,
    may_use: Option<Vec<Vec<String>>>,
}

fn rules(architecture: &str) -> Vec<Rule> {
    let start = architecture
        .find("<!-- tidy: may-use -->")
        .expect("ARCHITECTURE.md has the dependency table (<!-- tidy: may-use -->)");
    let end = architecture[start..]
        .find("<!-- /tidy: may-use -->")
        .expect("the dependency table ends (<!-- /tidy: may-use -->)");
    let mut out = Vec::new();
    for line in architecture[start..start + end].lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        if cells.len() != 2 || !cells[0].starts_with('`') {
            continue;
        }
        let path = cells[0].trim_matches('`').to_string();
        let may_use = match cells[1] {
            "everything" => None,
            "—" => Some(Vec::new()),
            list => Some(
                list.split(',')
                    .map(|m| m.trim().trim_matches('`').split("::").map(str::to_string).collect())
                    .collect(),
            ),
        };
        out.push(Rule { path, may_use });
    }
    assert!(!out.is_empty(), "the dependency table has no rows");
    out
}

/// The rule for `file` (relative to the repository, `src/...`): the most
/// specific row naming it.
fn rule_for<'a>(rules: &'a [Rule], file: &str) -> Option<&'a Rule> {
    rules
        .iter()
        .filter(|r| {
            if r.path.ends_with('/') {
                file.starts_with(&r.path)
            } else {
                file == r.path
            }
        })
        .max_by_key(|r| r.path.len())
}

/// The library code of a file: without its `#[cfg(test)]` modules (which
/// may use fakes and helpers from anywhere) and without comments, blanked
/// so lines keep their numbers.
fn code_of(src: &str) -> String {
    let mut out = String::new();
    let mut lines = src.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            out.push('\n');
            // Skip the item that follows, to its closing brace.
            let mut depth = 0i32;
            let mut opened = false;
            for l in lines.by_ref() {
                out.push('\n');
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                opened |= l.contains('{');
                if opened && depth <= 0 {
                    break;
                }
                if !opened && l.trim_end().ends_with(';') {
                    break;
                }
            }
            continue;
        }
        if t.starts_with("//") {
            out.push('\n');
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every `crate::a::b::…` path in `code`, as its segments, with its line.
fn crate_paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // `campus_kiosk_crate::` or similar
            }
            let mut segments = Vec::new();
            let mut s = rest;
            loop {
                let len = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
                if len == 0 {
                    break;
                }
                segments.push(s[..len].to_string());
                s = &s[len..];
                match s.strip_prefix("::") {
                    Some(more) => s = more,
                    None => break,
                }
            }
            if !segments.is_empty() {
                out.push((n + 1, segments));
            }
        }
    }
    out
}

/// The top-level module a library file belongs to.
fn top_level(file: &str) -> String {
    let rel = file.strip_prefix("src/").unwrap_or(file);
    let first = rel.split('/').next().unwrap_or(rel);
    first.trim_end_matches(".rs").to_string()
}

/// What breaks the rules in `code` of `file`, as messages.
fn violations(rules: &[Rule], file: &str, code: &str) -> Vec<String> {
    let Some(rule) = rule_for(rules, file) else {
        return vec![format!(
            "{file}: no row of ARCHITECTURE.md's dependency table names it; add one"
        )];
    };
    let Some(allowed) = &rule.may_use else {
        return Vec::new();
    };
    let own = top_level(file);
    let mut out = Vec::new();
    for (line, path) in crate_paths(&code_of(code)) {
        if path[0] == own {
            continue;
        }
        let ok = allowed
            .iter()
            .any(|a| path.len() >= a.len() && path[..a.len()] == a[..]);
        if !ok {
            out.push(format!(
                "{file}:{line}: uses crate::{}, which `{}` may not (ARCHITECTURE.md, dependency rules)",
                path.join("::"),
                rule.path
            ));
        }
    }
    out
}

fn library_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("src"), &mut out);
    out.sort();
    out.into_iter()
        .filter(|p| {
            let rel = p.strip_prefix(root()).unwrap();
            !(rel.starts_with("src/cli") || rel == Path::new("src/main.rs"))
        })
        .collect()
}

fn relative(p: &Path) -> String {
    p.strip_prefix(root()).unwrap().to_string_lossy().replace('\\', "/")
}

#[test]
fn every_library_file_uses_only_what_the_architecture_allows() {
    let arch = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let rules = rules(&arch);
    let mut problems = Vec::new();
    for f in library_files() {
        let src = std::fs::read_to_string(&f).unwrap();
        problems.extend(violations(&rules, &relative(&f), &src));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_check_catches_a_forbidden_import() {
    let arch = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let rules = rules(&arch);
    // The layout reading the clock's adapter, the UI shell writing the
    // journal: both refused, with file, line and rule.
    let layout = "use crate::fonts::FontBook;\nuse crate::adapters::clock::SystemClock;\n";
    let found = violations(&rules, "src/layout/engine.rs", layout);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("src/layout/engine.rs:2: uses crate::adapters::clock::SystemClock"),
        "{found:?}"
    );
    let shell = "fn f(j: &crate::journal::fake::FakeJournal) {}\n// crate::journal in a comment is fine\n";
    assert_eq!(violations(&rules, "src/ui/mod.rs", shell).len(), 1);
    // A test module may use anything.
    let tests = "use crate::page::Page;\n#[cfg(test)]\nmod tests {\n    use crate::ui::Kiosk;\n}\n";
    assert!(violations(&rules, "src/export/pdf.rs", tests).is_empty());
    // A file no row names is a problem too.
    assert_eq!(violations(&rules, "src/new_thing.rs", "").len(), 1);
}

#[test]
fn no_top_level_module_depends_on_itself_through_others() {
    let mut edges: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for f in library_files() {
        let rel = relative(&f);
        let own = top_level(&rel);
        if own == "lib" {
            continue;
        }
        let src = std::fs::read_to_string(&f).unwrap();
        for (_, path) in crate_paths(&code_of(&src)) {
            if path[0] != own {
                edges.entry(own.clone()).or_default().insert(path[0].clone());
            }
        }
    }
    // Depth-first search for a way back.
    fn back(
        edges: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        from: &str,
        to: &str,
        seen: &mut std::collections::BTreeSet<String>,
        trail: &mut Vec<String>,
    ) -> bool {
        for next in edges.get(from).into_iter().flatten() {
            trail.push(next.clone());
            if next == to || (seen.insert(next.clone()) && back(edges, next, to, seen, trail)) {
                return true;
            }
            trail.pop();
        }
        false
    }
    for m in edges.keys() {
        let mut trail = vec![m.clone()];
        assert!(
            !back(&edges, m, m, &mut Default::default(), &mut trail),
            "a cycle: {}",
            trail.join(" → ")
        );
    }
}

#[test]
fn only_the_print_flow_hands_a_job_to_a_printer() {
    let mut found = Vec::new();
    for f in library_files() {
        let rel = relative(&f);
        if rel == "src/flow/driver.rs" {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(&f).unwrap());
        for (n, line) in code.lines().enumerate() {
            if line.contains(".submit(") {
                found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a job handed over outside flow::print's driver (no journal step before it):\n{}",
        found.join("\n")
    );
}
