//! What the person at the terminal is told when a session faults, and
//! whether it says "call staff" and "nothing was charged": one table for
//! platform faults, printer faults and the kiosk's own. Pure.

use super::quota::Quota;
use super::session::Fault;
use crate::i18n::{self, Bilingual};
use crate::platform::ErrorKind;
use crate::printing::advice;

/// A fault screen's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultAdvice {
    pub message: Bilingual,
    /// Someone must come: the person cannot fix it by trying again.
    pub call_staff: bool,
    /// Said outright: a print that did not happen costs nothing.
    pub nothing_charged: bool,
    /// What the log line names (never the person): the fault's kind or
    /// printer reason.
    pub cause: String,
}

/// The advice for `fault`.
pub fn advise(fault: &Fault) -> FaultAdvice {
    match fault {
        Fault::Identify(kind) | Fault::Data(kind) => FaultAdvice {
            message: kind.for_person().into(),
            // The terminal's set-up or the platform's data is wrong: trying
            // again will not help. Not found, lost, unreachable: the
            // person can act, or wait.
            call_staff: matches!(kind, ErrorKind::Unauthorized | ErrorKind::Rejected | ErrorKind::BadData),
            nothing_charged: false,
            cause: format!("{kind:?}"),
        },
        Fault::IdentifyTimeout => FaultAdvice {
            message: ErrorKind::Unavailable.for_person().into(),
            call_staff: false,
            nothing_charged: false,
            cause: "identify-timeout".into(),
        },
        Fault::Printer(reason) => {
            let a = advice(reason);
            FaultAdvice {
                message: a.text.into(),
                call_staff: a.call_staff,
                nothing_charged: true,
                cause: reason.clone(),
            }
        }
    }
}

/// The code a fault screen shows and the log line names: the terminal,
/// then day, hour, minute and second (local) and the visit's number, so
/// staff can find the log line from what the person read out.
pub fn incident_code(terminal: &str, now: time::OffsetDateTime, visit: u64) -> String {
    format!(
        "{terminal}-{:02}{:02}{:02}{:02}{:02}",
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        visit % 100
    )
}

impl FaultAdvice {
    /// The person's quota of the service was spent before this print.
    pub fn quota_spent(q: Quota) -> FaultAdvice {
        FaultAdvice {
            message: i18n::quota_spent(q.used, q.limit),
            call_staff: false,
            nothing_charged: true,
            cause: "quota-reached".into(),
        }
    }

    /// The document could not be made (a glyph no face has, a template
    /// that runs too long): `message` says why.
    pub fn cannot_make(message: Bilingual) -> FaultAdvice {
        FaultAdvice {
            message,
            call_staff: true,
            nothing_charged: true,
            cause: "document-not-made".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_is_asked_to_call_staff() {
        let lost = advise(&Fault::Identify(ErrorKind::CardFrozen));
        assert!(!lost.call_staff && !lost.nothing_charged);
        assert!(lost.message.zh.contains("挂失"));
        assert!(advise(&Fault::Data(ErrorKind::BadData)).call_staff);
        let paper = advise(&Fault::Printer("media-empty".into()));
        assert!(paper.call_staff && paper.nothing_charged);
        assert_eq!(paper.message.en, "The printer is out of paper.");
        let full = advise(&Fault::Printer("output-area-full".into()));
        assert!(!full.call_staff, "taking the pages away is the person's to do");
        let quota = FaultAdvice::quota_spent(Quota::local(20, 20));
        assert_eq!(
            incident_code("T-1", time::macros::datetime!(2026-11-23 07:30:05 +8), 103),
            "T-1-2307300503"
        );
        assert!(!quota.call_staff && quota.nothing_charged);
    }
}
