//! Bounds on evaluating a template, so that no template, however written,
//! can hang a terminal or exhaust its memory.
//!
//! * At load: every template text and expression is at most
//!   [`MAX_TEXT_CHARS`]; statements are limited to `if` and `for`; the
//!   string-repeating `*` is not available (see [`check_source`]).
//! * Per evaluation (one text or expression): minijinja's fuel
//!   ([`FUEL`] instructions), a recursion limit, and at most
//!   [`MAX_RENDERED_BYTES`] of output.
//! * Per document: at most [`MAX_EVALUATIONS`] evaluations and
//!   [`MAX_PRODUCED_BYTES`] made by the filters that can grow text
//!   (`replace`, `join`), and a [`Cancel`] flag the caller raises when its
//!   wall-clock budget is spent or it no longer wants the result.
//!
//! The per-document counters live in a thread-local `Budget` that
//! [`with_budget`] installs for one render; evaluations outside any render
//! (a `template check` probe) each get a fresh one.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Largest `template.toml` read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Longest template text or expression, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// minijinja instructions one evaluation may run.
pub const FUEL: u64 = 20_000;
/// Nesting depth of loops and conditions at run time.
pub const RECURSION: usize = 32;
/// Output of one text, in bytes.
pub const MAX_RENDERED_BYTES: usize = 64 * 1024;
/// Evaluations one document may make (a 500-course transcript makes about
/// 3,000).
pub const MAX_EVALUATIONS: u64 = 50_000;
/// Bytes the growing filters may make in one document.
pub const MAX_PRODUCED_BYTES: usize = 4 * 1024 * 1024;
/// Largest `range(n)`.
pub const MAX_RANGE: usize = 1000;
/// Pixels of one picture in a template (4,000 × 4,000).
pub const MAX_IMAGE_PIXELS: u64 = 16_000_000;
/// Pages one document may have.
pub const MAX_PAGES: usize = 200;

/// Set by whoever started a render when it should stop: its wall-clock
/// budget is spent, or nobody waits for the result any more. The render
/// stops at its next evaluation.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What one render may still spend.
#[derive(Debug)]
struct Budget {
    evaluations: u64,
    produced: usize,
    cancel: Cancel,
}

thread_local! {
    static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

/// Runs `f` (one document's render) with a fresh budget and `cancel`.
/// Nested calls share the outer budget.
pub fn with_budget<T>(cancel: &Cancel, f: impl FnOnce() -> T) -> T {
    let outer = BUDGET.with(|b| b.borrow().is_some());
    if outer {
        return f();
    }
    BUDGET.with(|b| {
        *b.borrow_mut() = Some(Budget {
            evaluations: 0,
            produced: 0,
            cancel: cancel.clone(),
        })
    });
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            BUDGET.with(|b| *b.borrow_mut() = None);
        }
    }
    let _reset = Reset;
    f()
}

/// Why an evaluation was refused before it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    Evaluations,
    Cancelled,
}

impl std::fmt::Display for Spent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Spent::Evaluations => write!(
                f,
                "the document needs more than {MAX_EVALUATIONS} evaluations of its texts; simplify its loops and tables"
            ),
            Spent::Cancelled => f.write_str("the render was stopped: it took longer than allowed, or was abandoned"),
        }
    }
}

/// Counts one evaluation against the current render's budget.
pub fn charge_evaluation() -> Result<(), Spent> {
    BUDGET.with(|b| match b.borrow_mut().as_mut() {
        None => Ok(()),
        Some(b) if b.cancel.is_cancelled() => Err(Spent::Cancelled),
        Some(b) if b.evaluations >= MAX_EVALUATIONS => Err(Spent::Evaluations),
        Some(b) => {
            b.evaluations += 1;
            Ok(())
        }
    })
}

/// Counts `bytes` made by a growing filter; false once the render made
/// more than [`MAX_PRODUCED_BYTES`] (outside a render: more than that in
/// this one call).
pub fn charge_produced(bytes: usize) -> bool {
    BUDGET.with(|b| match b.borrow_mut().as_mut() {
        None => bytes <= MAX_PRODUCED_BYTES,
        Some(b) => {
            b.produced = b.produced.saturating_add(bytes);
            b.produced <= MAX_PRODUCED_BYTES
        }
    })
}

/// Runs a call into the template engine, turning a panic inside it (a
/// bug of the engine's on some input) into an error instead of taking the
/// terminal down.
pub fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err("the template engine failed on this text; simplify it".to_string()))
}

/// Statements a template text may use.
const STATEMENTS: [&str; 6] = ["if", "elif", "else", "endif", "for", "endfor"];

/// Checks a template text (`expression` false) or an expression (true)
/// before it is compiled: its length, its statements, and no `*`
/// (minijinja repeats a string by `*`, making gigabytes from a few
/// characters; nothing on an official document needs multiplication).
pub fn check_source(src: &str, expression: bool) -> Result<(), String> {
    let n = src.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(format!(
            "{n} characters is longer than the {MAX_TEXT_CHARS} a text or expression may have; split it into blocks"
        ));
    }
    if expression {
        return code(src, true).map(|_| ());
    }
    let mut rest = src;
    while let Some(at) = rest.find(['{']) {
        let after = &rest[at + 1..];
        let (stmt, body) = match after.chars().next() {
            Some('{') => (false, &after[1..]),
            Some('%') => (true, &after[1..]),
            _ => {
                rest = after;
                continue;
            }
        };
        let close = if stmt { "%}" } else { "}}" };
        let used = code(body, false)?;
        let inside = &body[..used];
        if stmt {
            let word: String = inside
                .trim_start_matches(['-', '+'])
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !STATEMENTS.contains(&word.as_str()) {
                return Err(format!(
                    "{{% {word} %}}: templates may use only {{% if %}} and {{% for %}} statements (with elif, else, endif, endfor)"
                ));
            }
        }
        rest = body[used..].strip_prefix(close).unwrap_or(&body[used..]);
    }
    Ok(())
}

/// Scans template code up to its closing `}}` / `%}` (or, for a whole
/// expression, its end), skipping string literals; refuses `*`. Returns
/// the bytes scanned.
fn code(src: &str, whole: bool) -> Result<usize, String> {
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'*' => {
                return Err(
                    "'*' is not available in placeholders (it repeats text); write the number or text out instead"
                        .into(),
                );
            }
            b'}' | b'%' if !whole && b.get(i + 1) == Some(&b'}') => return Ok(i),
            // Tag delimiters are no part of an expression (and make the
            // template engine's lexer panic).
            b'{' | b'}' | b'%' | b'#'
                if whole
                    && matches!(
                        &b[i..(i + 2).min(b.len())],
                        b"{{" | b"}}" | b"{%" | b"%}" | b"{#" | b"#}"
                    ) =>
            {
                return Err(format!(
                    "{:?} is not part of an expression: write the expression alone, without {{{{ }}}} or {{% %}}",
                    String::from_utf8_lossy(&b[i..i + 2])
                ));
            }
            _ => {}
        }
        i += 1;
    }
    Ok(b.len().min(src.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_other_than_if_and_for_are_refused() {
        assert!(check_source("{% if a %}x{% elif b %}y{% else %}z{% endif %}", false).is_ok());
        assert!(check_source("{%- for c in cs -%}{{ c }}{% endfor %}", false).is_ok());
        for bad in [
            "{% set s = 'x' %}",
            "{%- set s = 'x' %}",
            "{% with a = 1 %}{% endwith %}",
            "{% macro m() %}{% endmacro %}",
            "{% include 'x' %}",
            "{{ '}}' }}{% set s = 1 %}",
        ] {
            assert!(check_source(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn multiplication_is_refused_but_a_star_in_text_or_a_string_is_not() {
        assert!(check_source("注：* 为补考", false).is_ok());
        assert!(check_source("{{ x | default('*') }}", false).is_ok());
        assert!(check_source("{{ 'x' * 100000000 }}", false).is_err());
        assert!(check_source("{{ '}}' ~ 'x' * 9 }}", false).is_err());
        assert!(check_source("range(3) * 4", true).is_err());
        assert!(check_source("'a*b' in c", true).is_ok());
        // Found by the template fuzz target: a tag's end inside a rule.
        assert!(check_source("enrol | lower }} student", true).is_err());
        assert!(check_source("x == '}}'", true).is_ok());
    }

    #[test]
    fn a_panic_inside_the_engine_is_an_error() {
        let r: Result<(), String> = guarded(|| panic!("engine bug"));
        assert!(r.unwrap_err().contains("template engine failed"));
    }

    #[test]
    fn long_texts_are_refused() {
        let long = "1 + ".repeat(MAX_TEXT_CHARS) + "1";
        assert!(check_source(&long, true).unwrap_err().contains("longer"));
    }

    #[test]
    fn a_budget_counts_evaluations_and_stops_when_cancelled() {
        let cancel = Cancel::new();
        with_budget(&cancel, || {
            for _ in 0..MAX_EVALUATIONS {
                charge_evaluation().unwrap();
            }
            assert_eq!(charge_evaluation(), Err(Spent::Evaluations));
        });
        // A new render starts afresh; outside a render nothing is counted.
        with_budget(&cancel, || assert_eq!(charge_evaluation(), Ok(())));
        assert_eq!(charge_evaluation(), Ok(()));
        cancel.cancel();
        with_budget(&cancel, || assert_eq!(charge_evaluation(), Err(Spent::Cancelled)));
        assert!(!charge_produced(MAX_PRODUCED_BYTES + 1));
    }
}
