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
                let (open, close) = braces(l);
                depth += open - close;
                opened |= open > 0;
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

/// Braces opened and closed on a line of code, outside string and
/// character literals.
fn braces(line: &str) -> (i32, i32) {
    let (mut open, mut close) = (0, 0);
    let mut in_string = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' => in_string = !in_string,
            '\'' if !in_string => {
                // A character literal such as '{' (a lifetime has no closing quote).
                let mut ahead = chars.clone();
                if let (Some(_), Some('\'')) = (ahead.next(), ahead.next()) {
                    chars.next();
                    chars.next();
                }
            }
            '{' if !in_string => open += 1,
            '}' if !in_string => close += 1,
            _ => {}
        }
    }
    (open, close)
}

/// The items of a `{a, b::c, d as e}` group that starts `s` (after its
/// opening brace): each item's path.
fn group_items(s: &str) -> Vec<Vec<String>> {
    let mut depth = 0;
    let mut end = s.len();
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                end = i;
                break;
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    s[..end]
        .split(',')
        .filter_map(|item| {
            let path: Vec<String> = item
                .trim()
                .split("::")
                .map(|seg| {
                    seg.trim()
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or("")
                })
                .take_while(|seg| !seg.is_empty())
                .map(str::to_string)
                .collect();
            (!path.is_empty()).then_some(path)
        })
        .collect()
}

/// Every `crate::a::b::…` path in `code`, as its segments, with its line;
/// a group (`crate::a::{b, c}`) is each of its items.
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
            if segments.is_empty() {
                continue;
            }
            match s.strip_prefix('{') {
                Some(group) => {
                    for item in group_items(group) {
                        let mut path = segments.clone();
                        // `self` in a group is the module itself.
                        if item != ["self"] {
                            path.extend(item);
                        }
                        out.push((n + 1, path));
                    }
                }
                None => out.push((n + 1, segments)),
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
    // Each item of a group is checked.
    let group = "use crate::page::{self, Page};\nuse crate::adapters::{clock::SystemClock, journal};\n";
    let found = violations(&rules, "src/export/raster.rs", group);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[1].contains("crate::adapters::journal,"), "{found:?}");
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

#[test]
fn every_message_a_person_reads_is_in_the_catalogue() {
    // Files where Chinese is data, not a message to a person.
    const DATA: &[&str] = &[
        "src/i18n.rs",
        "src/template/mod.rs",
        "src/sheets.rs",
        "src/adapters/platform/demo.rs",
        // Chinese punctuation for line breaking (行首/行尾禁则).
        "src/layout/text.rs",
    ];
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c);
    let mut found = Vec::new();
    for f in library_files() {
        let rel = relative(&f);
        if DATA.contains(&rel.as_str()) {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(&f).unwrap());
        for (n, line) in code.lines().enumerate() {
            // Inside a string literal: between an odd and an even quote.
            let in_string = line.split('"').skip(1).step_by(2).any(|lit| lit.chars().any(cjk));
            if in_string {
                found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "text for people belongs in src/i18n.rs's catalogue:\n{}",
        found.join("\n")
    );
}
