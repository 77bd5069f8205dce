//! What each printer state reason means to a student at the terminal, and
//! whether to call staff. docs/printing.md shows this table; a test keeps
//! the two the same.

use crate::i18n::{Lang, T, tr};

/// Advice for one `printer-state-reasons` keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice {
    pub keyword: &'static str,
    /// What the student is told (the catalogue's string).
    pub text: T,
    /// Someone must come (open a door, clear a jam, refill).
    pub call_staff: bool,
    /// As an error, it stops a job from starting.
    pub blocks: bool,
}

const fn a(keyword: &'static str, text: T, call_staff: bool, blocks: bool) -> Advice {
    Advice {
        keyword,
        text,
        call_staff,
        blocks,
    }
}

impl Advice {
    /// What the student is told, in Chinese.
    pub fn zh(&self) -> &'static str {
        tr(Lang::Zh, self.text)
    }

    /// What the student is told, in English.
    pub fn en(&self) -> &'static str {
        tr(Lang::En, self.text)
    }
}

/// Every reason the terminal explains.
pub const ADVICE: &[Advice] = &[
    a("media-empty", T::ReasonMediaEmpty, true, true),
    a("media-needed", T::ReasonMediaNeeded, true, true),
    a("media-jam", T::ReasonMediaJam, true, true),
    a("media-low", T::ReasonMediaLow, false, false),
    a("door-open", T::ReasonDoorOpen, true, true),
    a("cover-open", T::ReasonCoverOpen, true, true),
    a("input-tray-missing", T::ReasonInputTrayMissing, true, true),
    a("output-area-full", T::ReasonOutputAreaFull, false, true),
    a("toner-empty", T::ReasonTonerEmpty, true, true),
    a("toner-low", T::ReasonTonerLow, false, false),
    a("marker-supply-empty", T::ReasonMarkerSupplyEmpty, true, true),
    a("marker-supply-low", T::ReasonMarkerSupplyLow, false, false),
    a("marker-waste-full", T::ReasonMarkerWasteFull, true, true),
    a("fuser-over-temp", T::ReasonFuserOverTemp, true, true),
    a("offline", T::ReasonOffline, true, true),
    a("connecting-to-device", T::ReasonConnectingToDevice, false, true),
    a("paused", T::ReasonPaused, true, true),
    a("stopped", T::ReasonStopped, true, true),
    a("spool-area-full", T::ReasonSpoolAreaFull, true, true),
    a("shutdown", T::ReasonShutdown, true, true),
    a("timed-out", T::ReasonTimedOut, true, true),
    a("other", T::ReasonOther, true, true),
];

/// The advice for a keyword (without its `-error`/`-warning` suffix).
/// Unknown keywords get the advice for `other`: a fault, call staff.
pub fn advice(keyword: &str) -> Advice {
    ADVICE
        .iter()
        .find(|x| x.keyword == keyword)
        .copied()
        .unwrap_or_else(|| {
            let mut other = ADVICE[ADVICE.len() - 1];
            other.keyword = "other";
            other
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_reasons_are_a_fault_to_call_staff_about() {
        let x = advice("developer-unit-dislocated");
        assert!(x.call_staff && x.blocks);
        assert_eq!(x.keyword, "other");
    }

    #[test]
    fn the_table_in_docs_matches() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/printing.md")).unwrap();
        for x in ADVICE {
            let row = format!(
                "| `{}` | {} | {} | {} | {} |",
                x.keyword,
                x.zh(),
                x.en(),
                if x.call_staff { "yes" } else { "no" },
                if x.blocks { "yes" } else { "no (warning)" }
            );
            assert!(doc.contains(&row), "docs/printing.md lacks the row:\n{row}");
        }
    }
}
