//! Text that reaches paper, a seal or a technician's terminal: which
//! characters may be in it, and how to show one that may not. Pure.

use unicode_normalization::UnicodeNormalization;

/// Characters that never belong in a printed field: C0 and C1 controls
/// (a newline in a name adds a line to a certificate; an escape sequence
/// rewrites a terminal), bidirectional overrides and isolates (they
/// reorder what a reader sees), zero-width characters (they make two
/// different strings look the same), and line or paragraph separators.
pub fn is_forbidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// What is wrong with a text from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden {
    pub ch: char,
    /// 1-based position among the text's characters.
    pub at: usize,
}

impl std::fmt::Display for Forbidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "character {} U+{:04X} at position {} is a control, direction or invisible character, which no document may print",
            printable(&self.ch.to_string()),
            self.ch as u32,
            self.at
        )
    }
}

/// A text as it may be printed: NFC-normalised (a name typed with a
/// combining mark prints as its composed character), soft hyphens (U+00AD,
/// invisible unless a line breaks there) dropped, and refused if it holds a
/// forbidden character. `None` when the text needs no change.
pub fn clean(s: &str) -> Result<Option<String>, Forbidden> {
    if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| is_forbidden(*c)) {
        return Err(Forbidden { ch, at: i + 1 });
    }
    let ascii = s.is_ascii();
    if ascii || (!s.contains('\u{ad}') && unicode_normalization::is_nfc(s)) {
        return Ok(None);
    }
    // Soft hyphens go first: dropped after composing, they would leave
    // combining marks side by side out of canonical order.
    Ok(Some(s.chars().filter(|c| *c != '\u{ad}').nfc().collect()))
}

/// `s` with every forbidden character written as `\u{XXXX}`, safe to show
/// on a terminal or in a log.
pub fn printable(s: &str) -> String {
    if !s.chars().any(is_forbidden) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if is_forbidden(c) {
                format!("\\u{{{:04X}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_overrides_and_invisible_characters_are_refused() {
        for bad in [
            "王小明\nstatus",
            "a\u{1b}[2K",
            "\u{202e}olleh",
            "王\u{200b}小明",
            "x\u{85}",
            "\u{feff}x",
            "a\u{2028}b",
        ] {
            assert!(clean(bad).is_err(), "{bad:?}");
        }
        assert_eq!(clean("王小明\n").unwrap_err().at, 4);
    }

    #[test]
    fn decomposed_names_are_composed_and_soft_hyphens_dropped() {
        assert_eq!(clean("Mu\u{308}ller").unwrap().as_deref(), Some("Müller"));
        assert_eq!(clean("Inter\u{ad}national").unwrap().as_deref(), Some("International"));
        assert_eq!(clean("王小明").unwrap(), None);
        assert_eq!(clean("Wang").unwrap(), None);
    }

    #[test]
    fn cleaning_twice_changes_nothing() {
        // Found by the platform_json fuzz target: a soft hyphen between
        // combining marks.
        let s = "omn:]\u{31a}MM\u{332}\u{5ad}\u{ad}\u{31a}\u{32d}\u{31a}\u{32d}d\u{32d}d";
        let once = clean(s).unwrap().unwrap();
        assert_eq!(clean(&once).unwrap(), None, "{once:?}");
    }

    #[test]
    fn printable_escapes_what_a_terminal_would_obey() {
        assert_eq!(printable("a\u{1b}[2Kb\n"), "a\\u{001B}[2Kb\\u{000A}");
        assert_eq!(printable("王小明"), "王小明");
    }
}
