//! The terminal's health for the centre: what the adapters and the shell
//! record while the kiosk runs ([`Telemetry`]), a [`Snapshot`] of
//! everything at one moment, the Prometheus text exposition of it
//! ([`encode`]), and whether the terminal can serve a student now
//! ([`problems`]). Pure: the snapshot comes in; `adapters::metrics` serves
//! it.
//!
//! No person's data in any label or value: labels are service ids, IPP
//! keywords, outcomes and the terminal's own id.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use crate::core::quota::Basis;
use crate::printing::{PrinterStatus, Readiness, readiness};

/// Upper bounds (seconds) of the platform call latency histogram.
pub const LATENCY_BUCKETS: [f64; 10] = [0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// A latency histogram with [`LATENCY_BUCKETS`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// Calls at or under each bound (not cumulative).
    pub counts: [u64; LATENCY_BUCKETS.len()],
    pub sum: f64,
    pub count: u64,
}

impl Histogram {
    pub fn observe(&mut self, seconds: f64) {
        let seconds = if seconds.is_finite() { seconds.max(0.0) } else { 0.0 };
        if let Some(i) = LATENCY_BUCKETS.iter().position(|&b| seconds <= b) {
            self.counts[i] += 1;
        }
        self.sum += seconds;
        self.count += 1;
    }
}

/// What the running kiosk has seen: the platform's calls, the card
/// reader, quota fallbacks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Live {
    pub platform_latency: Histogram,
    pub platform_failures: u64,
    /// How the last platform call went: `None` before the first.
    pub platform_up: Option<bool>,
    /// Whether the card reader is online: `None` without a serial reader.
    pub reader_online: Option<bool>,
    /// Sign-ins whose quotas were counted on this terminal only.
    pub quota_fallbacks: u64,
    /// What the last sign-in's quotas were counted from.
    pub quota_basis: Option<Basis>,
}

/// Shared by the adapters and the shell, which record into it; read by
/// the metrics server.
#[derive(Debug, Default)]
pub struct Telemetry {
    live: Mutex<Live>,
}

impl Telemetry {
    fn with(&self, f: impl FnOnce(&mut Live)) {
        f(&mut self.live.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    /// A platform call took `seconds` and succeeded or not. A "not found"
    /// is an answer: the platform is up.
    pub fn platform_call(&self, seconds: f64, up: bool) {
        self.with(|l| {
            l.platform_latency.observe(seconds);
            l.platform_up = Some(up);
            if !up {
                l.platform_failures += 1;
            }
        });
    }

    pub fn reader(&self, online: bool) {
        self.with(|l| l.reader_online = Some(online));
    }

    /// What a sign-in's quotas were counted from.
    pub fn quotas_counted(&self, basis: Basis) {
        self.with(|l| {
            if matches!(basis, Basis::Local { .. }) {
                l.quota_fallbacks += 1;
            }
            l.quota_basis = Some(basis);
        });
    }

    pub fn live(&self) -> Live {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// The journal's side: prints and failures since it began, the outbox.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Journaled {
    /// (service, outcome) → attempts; outcome is printed, failed,
    /// cancelled or unknown.
    pub attempts: BTreeMap<(String, String), u64>,
    /// service → sides printed (pages × copies).
    pub pages: BTreeMap<String, u64>,
    /// IPP keyword or cause → failed attempts.
    pub failures: BTreeMap<String, u64>,
    pub outbox: u64,
    /// Seconds since the oldest record the platform has not taken was made.
    pub outbox_oldest_seconds: Option<f64>,
}

/// Everything the centre sees of one terminal at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub terminal: String,
    pub version: String,
    /// The printer's answer, or why it could not be asked.
    pub printer: Result<PrinterStatus, String>,
    pub journal: Result<Journaled, String>,
    pub live: Live,
    /// When the terminal's signing key stops being valid (Unix seconds),
    /// if known.
    pub key_not_after: Option<u64>,
    /// Now (Unix seconds).
    pub now: i64,
}

/// Why the terminal cannot serve a student now, each as `part: reason`
/// (`printer: media-empty`); none when it can.
pub fn problems(s: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    match &s.printer {
        Err(e) => out.push(format!("printer: unreachable ({e})")),
        Ok(p) => match readiness(p) {
            Readiness::Ready { .. } => {}
            Readiness::NotReady { reason } => out.push(format!("printer: {reason}")),
            Readiness::Misconfigured { message } => out.push(format!("printer: misconfigured ({message})")),
        },
    }
    if s.live.platform_up == Some(false) {
        out.push("platform: unreachable".to_string());
    }
    if s.live.reader_online == Some(false) {
        out.push("reader: offline".to_string());
    }
    if let Err(e) = &s.journal {
        out.push(format!("journal: {e}"));
    }
    if s.key_not_after
        .is_some_and(|t| i64::try_from(t).unwrap_or(i64::MAX) < s.now)
    {
        out.push("seal: the signing key has expired".to_string());
    }
    out
}

/// A label value as the exposition format writes it.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A keyword fit to be a label: lower-case letters, digits and `-_.`,
/// at most 64, the part before any `:` (what follows is free text).
pub fn keyword(v: &str) -> String {
    let k: String = v
        .split(':')
        .next()
        .unwrap_or_default()
        .trim()
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    if k.is_empty() { "other".to_string() } else { k }
}

struct Out(String);

impl Out {
    fn head(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}");
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", label(v))).collect();
            let _ = write!(self.0, "{{{}}}", l.join(","));
        }
        let _ = writeln!(self.0, " {value}");
    }
}

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The Prometheus text exposition (version 0.0.4) of a snapshot. Every
/// series carries the terminal's id, so a fleet's scrapes tell terminals
/// apart without relabelling.
pub fn encode(s: &Snapshot) -> String {
    let mut o = Out(String::new());
    let t = s.terminal.as_str();
    let problems = problems(s);

    o.head("kiosk_build_info", "gauge", "The kiosk's version.");
    o.sample("kiosk_build_info", &[("terminal", t), ("version", &s.version)], 1.0);
    o.head(
        "kiosk_up",
        "gauge",
        "1 when the terminal can serve a student now (as /health).",
    );
    o.sample("kiosk_up", &[("terminal", t)], flag(problems.is_empty()));

    o.head("kiosk_printer_reachable", "gauge", "1 when the printer answered.");
    o.sample("kiosk_printer_reachable", &[("terminal", t)], flag(s.printer.is_ok()));
    if let Ok(p) = &s.printer {
        o.head(
            "kiosk_printer_state",
            "gauge",
            "The printer's IPP state: 1 for the one it is in.",
        );
        for state in ["idle", "processing", "stopped"] {
            let now = format!("{:?}", p.state).to_ascii_lowercase() == state;
            o.sample("kiosk_printer_state", &[("terminal", t), ("state", state)], flag(now));
        }
        o.head(
            "kiosk_printer_state_reason",
            "gauge",
            "The printer's IPP state reasons now (media-empty-error, toner-low-report, ...).",
        );
        for r in p.reasons.iter().filter(|r| r.as_str() != "none") {
            o.sample(
                "kiosk_printer_state_reason",
                &[("terminal", t), ("reason", &keyword(r))],
                1.0,
            );
        }
        o.head("kiosk_printer_ready", "gauge", "1 when the printer can take a job now.");
        o.sample(
            "kiosk_printer_ready",
            &[("terminal", t)],
            flag(matches!(readiness(p), Readiness::Ready { .. })),
        );
        o.head("kiosk_printer_media_ready", "gauge", "The paper sizes loaded.");
        for m in &p.media_ready {
            o.sample(
                "kiosk_printer_media_ready",
                &[("terminal", t), ("media", &keyword(m))],
                1.0,
            );
        }
        o.head(
            "kiosk_printer_supply_percent",
            "gauge",
            "Toner, ink and waste levels, percent.",
        );
        for sup in &p.supplies {
            if let Some(level) = sup.level {
                o.sample(
                    "kiosk_printer_supply_percent",
                    &[("terminal", t), ("supply", &sup.name), ("kind", &keyword(&sup.kind))],
                    f64::from(level),
                );
            }
        }
    }

    o.head(
        "kiosk_platform_up",
        "gauge",
        "1 when the platform's last answer came, 0 when it failed.",
    );
    if let Some(up) = s.live.platform_up {
        o.sample("kiosk_platform_up", &[("terminal", t)], flag(up));
    }
    o.head(
        "kiosk_platform_call_duration_seconds",
        "histogram",
        "How long the platform's calls took, retries included.",
    );
    let h = &s.live.platform_latency;
    let mut below = 0;
    for (bound, n) in LATENCY_BUCKETS.iter().zip(h.counts) {
        below += n;
        o.sample(
            "kiosk_platform_call_duration_seconds_bucket",
            &[("terminal", t), ("le", &bound.to_string())],
            below as f64,
        );
    }
    o.sample(
        "kiosk_platform_call_duration_seconds_bucket",
        &[("terminal", t), ("le", "+Inf")],
        h.count as f64,
    );
    o.sample("kiosk_platform_call_duration_seconds_sum", &[("terminal", t)], h.sum);
    o.sample(
        "kiosk_platform_call_duration_seconds_count",
        &[("terminal", t)],
        h.count as f64,
    );
    o.head(
        "kiosk_platform_failures_total",
        "counter",
        "Platform calls that failed.",
    );
    o.sample(
        "kiosk_platform_failures_total",
        &[("terminal", t)],
        s.live.platform_failures as f64,
    );

    if let Some(online) = s.live.reader_online {
        o.head("kiosk_reader_online", "gauge", "1 when the card reader is connected.");
        o.sample("kiosk_reader_online", &[("terminal", t)], flag(online));
    }
    o.head(
        "kiosk_quota_fallbacks_total",
        "counter",
        "Sign-ins whose quotas were counted on this terminal only (the platform gave no counts).",
    );
    o.sample(
        "kiosk_quota_fallbacks_total",
        &[("terminal", t)],
        s.live.quota_fallbacks as f64,
    );

    o.head("kiosk_journal_readable", "gauge", "1 when the journal could be read.");
    o.sample("kiosk_journal_readable", &[("terminal", t)], flag(s.journal.is_ok()));
    if let Ok(j) = &s.journal {
        o.head(
            "kiosk_prints_total",
            "counter",
            "Print attempts by service and outcome (printed, failed, cancelled, unknown).",
        );
        for ((service, outcome), n) in &j.attempts {
            o.sample(
                "kiosk_prints_total",
                &[("terminal", t), ("service", service), ("outcome", outcome)],
                *n as f64,
            );
        }
        o.head(
            "kiosk_pages_total",
            "counter",
            "Sides printed (pages × copies) by service.",
        );
        for (service, n) in &j.pages {
            o.sample("kiosk_pages_total", &[("terminal", t), ("service", service)], *n as f64);
        }
        o.head("kiosk_print_failures_total", "counter", "Failed attempts by reason.");
        for (reason, n) in &j.failures {
            o.sample(
                "kiosk_print_failures_total",
                &[("terminal", t), ("reason", &keyword(reason))],
                *n as f64,
            );
        }
        o.head(
            "kiosk_outbox_records",
            "gauge",
            "Final records the platform has not taken yet.",
        );
        o.sample("kiosk_outbox_records", &[("terminal", t)], j.outbox as f64);
        o.head(
            "kiosk_outbox_oldest_age_seconds",
            "gauge",
            "Age of the oldest record the platform has not taken (0 when none waits).",
        );
        o.sample(
            "kiosk_outbox_oldest_age_seconds",
            &[("terminal", t)],
            j.outbox_oldest_seconds.unwrap_or(0.0),
        );
    }
    if let Some(at) = s.key_not_after {
        o.head(
            "kiosk_signing_key_expiry_timestamp_seconds",
            "gauge",
            "When the terminal's signing key stops being valid (Unix time).",
        );
        o.sample(
            "kiosk_signing_key_expiry_timestamp_seconds",
            &[("terminal", t)],
            at as f64,
        );
    }
    o.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        let mut journal = Journaled::default();
        journal.attempts.insert(("transcript-zh".into(), "printed".into()), 3);
        journal.pages.insert("transcript-zh".into(), 6);
        journal
            .failures
            .insert("media-empty: the tray \"A\"\nis empty".into(), 1);
        Snapshot {
            terminal: "T-1".into(),
            version: "0.1.0".into(),
            printer: Ok(PrinterStatus::ready_for_pdf_a4()),
            journal: Ok(journal),
            live: Live::default(),
            key_not_after: Some(1_900_000_000),
            now: 1_800_000_000,
        }
    }

    #[test]
    fn a_ready_terminal_is_up_and_its_counts_are_series() {
        let s = snapshot();
        assert!(problems(&s).is_empty());
        let text = encode(&s);
        assert!(text.contains("kiosk_up{terminal=\"T-1\"} 1\n"), "{text}");
        assert!(text.contains("kiosk_prints_total{terminal=\"T-1\",service=\"transcript-zh\",outcome=\"printed\"} 3"));
        // A reason's free text never becomes a label.
        assert!(text.contains("reason=\"media-empty\"} 1"), "{text}");
        assert!(!text.contains("tray"), "{text}");
        assert!(text.contains("kiosk_platform_call_duration_seconds_bucket{terminal=\"T-1\",le=\"+Inf\"} 0"));
    }

    #[test]
    fn paper_out_is_a_problem_named_by_its_keyword() {
        let mut s = snapshot();
        let mut p = PrinterStatus::ready_for_pdf_a4();
        p.reasons = vec!["media-empty-error".into()];
        s.printer = Ok(p);
        s.live.reader_online = Some(false);
        let why = problems(&s);
        assert!(why.iter().any(|w| w.starts_with("printer: media-empty")), "{why:?}");
        assert!(why.contains(&"reader: offline".to_string()), "{why:?}");
        let text = encode(&s);
        assert!(text.contains("kiosk_up{terminal=\"T-1\"} 0"), "{text}");
        assert!(text.contains("kiosk_printer_state_reason{terminal=\"T-1\",reason=\"media-empty-error\"} 1"));
    }

    #[test]
    fn latencies_fall_in_cumulative_buckets() {
        let tele = Telemetry::default();
        tele.platform_call(0.03, true);
        tele.platform_call(0.7, true);
        tele.platform_call(45.0, false);
        let mut s = snapshot();
        s.live = tele.live();
        let text = encode(&s);
        assert!(text.contains("le=\"0.05\"} 1\n"), "{text}");
        assert!(text.contains("le=\"1\"} 2\n"), "{text}");
        assert!(text.contains("le=\"30\"} 2\n"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("kiosk_platform_failures_total{terminal=\"T-1\"} 1"));
        assert_eq!(problems(&s), ["platform: unreachable"]);
    }
}
