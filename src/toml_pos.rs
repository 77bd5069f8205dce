//! Positions in TOML sources: 1-based line and column of a byte offset,
//! and of a TOML syntax or schema error. One place for the terminal's
//! configuration, templates and keyrings, so their messages point alike.

/// 1-based line and column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// 1-based line and column of a TOML error. serde places an unknown key
/// of an inline table (`margins = { top = 1, tpo = 2 }`) at the table's
/// start; this finds the key itself within the table.
pub fn toml_error_at(src: &str, e: &toml::de::Error) -> (usize, usize) {
    let Some(span) = e.span() else { return (1, 1) };
    let msg = e.message();
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && let Some(key) = rest.split('`').next()
        && let Some(within) = src.get(span.start..span.end.min(src.len()))
    {
        let mut from = 0;
        while let Some(i) = within[from..].find(key) {
            let at = from + i;
            let before_ok =
                at == 0 || !within.as_bytes()[at - 1].is_ascii_alphanumeric() && within.as_bytes()[at - 1] != b'_';
            let after = within[at + key.len()..].trim_start();
            if before_ok && after.starts_with('=') {
                return line_col(src, span.start + at);
            }
            from = at + key.len();
        }
    }
    line_col(src, span.start)
}
