//! What each printer state reason means to a student at the terminal, and
//! whether to call staff. docs/printing.md shows this table; a test keeps
//! the two the same.

/// Advice for one `printer-state-reasons` keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice {
    pub keyword: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Someone must come (open a door, clear a jam, refill).
    pub call_staff: bool,
    /// As an error, it stops a job from starting.
    pub blocks: bool,
}

const fn a(keyword: &'static str, zh: &'static str, en: &'static str, call_staff: bool, blocks: bool) -> Advice {
    Advice {
        keyword,
        zh,
        en,
        call_staff,
        blocks,
    }
}

/// Every reason the terminal explains.
pub const ADVICE: &[Advice] = &[
    a(
        "media-empty",
        "打印机缺纸。",
        "The printer is out of paper.",
        true,
        true,
    ),
    a(
        "media-needed",
        "打印机需要加纸。",
        "The printer needs paper.",
        true,
        true,
    ),
    a(
        "media-jam",
        "打印机卡纸。",
        "Paper is jammed in the printer.",
        true,
        true,
    ),
    a("media-low", "纸张即将用完。", "Paper is running low.", false, false),
    a("door-open", "打印机舱门未关。", "A printer door is open.", true, true),
    a(
        "cover-open",
        "打印机盖板未关。",
        "The printer cover is open.",
        true,
        true,
    ),
    a(
        "input-tray-missing",
        "打印机纸盒未装好。",
        "A paper tray is missing.",
        true,
        true,
    ),
    a(
        "output-area-full",
        "出纸口已满，请取走纸张。",
        "The output tray is full: please take the pages.",
        false,
        true,
    ),
    a(
        "toner-empty",
        "打印机墨粉已用完。",
        "The printer is out of toner.",
        true,
        true,
    ),
    a("toner-low", "墨粉即将用完。", "Toner is running low.", false, false),
    a(
        "marker-supply-empty",
        "打印机耗材已用完。",
        "The printer is out of ink or toner.",
        true,
        true,
    ),
    a(
        "marker-supply-low",
        "耗材即将用完。",
        "Ink or toner is running low.",
        false,
        false,
    ),
    a(
        "marker-waste-full",
        "废粉盒已满。",
        "The waste toner box is full.",
        true,
        true,
    ),
    a(
        "fuser-over-temp",
        "打印机过热。",
        "The printer has overheated.",
        true,
        true,
    ),
    a("offline", "打印机未连接。", "The printer is offline.", true, true),
    a(
        "connecting-to-device",
        "正在连接打印机。",
        "Connecting to the printer.",
        false,
        true,
    ),
    a("paused", "打印机已暂停。", "The printer is paused.", true, true),
    a("stopped", "打印机已停止。", "The printer has stopped.", true, true),
    a(
        "spool-area-full",
        "打印队列已满。",
        "The print queue is full.",
        true,
        true,
    ),
    a("shutdown", "打印机已关机。", "The printer is switched off.", true, true),
    a(
        "timed-out",
        "打印机无响应。",
        "The printer is not responding.",
        true,
        true,
    ),
    a("other", "打印机出现故障。", "The printer has a fault.", true, true),
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
                x.zh,
                x.en,
                if x.call_staff { "yes" } else { "no" },
                if x.blocks { "yes" } else { "no (warning)" }
            );
            assert!(doc.contains(&row), "docs/printing.md lacks the row:\n{row}");
        }
    }
}
