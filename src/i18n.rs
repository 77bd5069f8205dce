//! Every string the kiosk shows, in Chinese and English: one catalogue,
//! no text inline in views, printer advice and platform messages
//! included. `T` names a string; `tr` picks the language. Strings with
//! values are functions below the table. [`Bilingual`] is the one type for
//! a text in both languages, wherever it comes from (the catalogue, a
//! template's name or message).

use serde::Deserialize;

/// The screen's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// A text in Chinese and in English.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

impl Bilingual {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Bilingual {
        Bilingual {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl From<T> for Bilingual {
    fn from(key: T) -> Bilingual {
        Bilingual::new(tr(Lang::Zh, key), tr(Lang::En, key))
    }
}

macro_rules! catalogue {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// A string of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum T { $($key),* }

        /// Every key, for the catalogue's own tests.
        pub const ALL: &[T] = &[$(T::$key),*];

        /// The string in `lang`.
        pub fn tr(lang: Lang, key: T) -> &'static str {
            match (key, lang) {
                $((T::$key, Lang::Zh) => $zh, (T::$key, Lang::En) => $en,)*
            }
        }
    };
}

catalogue! {
    Title => "自助打印", "Self-service printing";
    SwitchLang => "English", "中文";
    TapCard => "请将校园卡放在读卡区", "Place your campus card on the reader";
    OrScan => "或用校园 App 扫描二维码登录", "or scan the QR code with the campus app";
    QrLoading => "正在获取登录二维码…", "Getting the login code…";
    QrTrouble => "扫码登录暂不可用，请刷卡", "Scan login is unavailable: please use your card";
    Identifying => "正在识别，请稍候…", "Identifying you, one moment…";
    CanPrint => "本机可打印：", "Printed here: ";
    PrinterDown => "打印机暂时无法使用：", "The printer cannot print right now: ";
    PrinterOffline => "打印机未连接。", "The printer is not connected.";
    ReaderDown => "读卡器未连接，请扫码登录。", "The card reader is not connected: please scan the QR code.";
    DemoTitle => "演示控制（仅演示终端）", "Demo controls (demo terminal only)";
    DemoScan => "模拟手机扫码", "Simulate phone scan";
    DemoPrinted => "打印文件保存在：", "Printed files go to:";
    ChooseService => "请选择要打印的文件", "Choose a document to print";
    LoadingServices => "正在读取你的信息…", "Reading your records…";
    NoServices => "暂无可打印的文件", "There is nothing for you to print here";
    Unavailable => "不可用", "Not available";
    FewerCopies => "少一份", "One copy fewer";
    MoreCopies => "多一份", "One copy more";
    ChosenNow => "已选", "chosen";
    Logout => "退出登录", "Log out";
    Back => "返回", "Back";
    Rendering => "正在生成预览…", "Preparing the preview…";
    Copies => "份数", "Copies";
    Duplex => "双面", "Two-sided";
    Simplex => "单面", "One-sided";
    Sides => "打印方式", "Sides";
    TapToZoom => "点按页面可放大阅读", "Tap the page to read it full size";
    Zooming => "正在放大…", "Enlarging…";
    PanHint => "用手指拖动查看页面各处", "Drag with a finger to move around the page";
    CloseZoom => "关闭放大", "Close";
    LargeText => "大字模式", "Large text";
    Voice => "语音", "Voice";
    VoiceOn => "语音引导已开启。按星号键重复，按除号键调节音量。", "Voice guidance is on. Press star to repeat, and slash to change the volume.";
    KeypadChoose => "请按数字键选择，按确认键打开。", "Press a number to choose, then Enter to open.";
    KeypadPreview => "按加号或减号键更改份数，按确认键打印，按退格键返回；按方向键可逐个选择按钮。", "Press plus or minus to change the copies, Enter to print, Backspace to go back; the arrows move from button to button.";
    NextToCopies => "下一步：选择份数", "Next: copies";
    NextToSides => "下一步：单面或双面", "Next: one- or two-sided";
    HowManyCopies => "打印几份？", "How many copies?";
    WhichSides => "单面还是双面打印？", "One-sided or two-sided?";
    KeypadPages => "按方向键翻页，按确认键进入下一步，按退格键返回。", "Press the arrows to turn the pages, Enter for the next step, Backspace to go back.";
    KeypadCopies => "按加号或减号键更改份数，按确认键继续，按退格键回到上一步。", "Press plus or minus to change the copies, Enter to go on, Backspace for the step before.";
    KeypadSides => "按 1 选单面，按 2 选双面，按确认键打印，按退格键回到上一步。", "Press 1 for one-sided, 2 for two-sided, Enter to print, Backspace for the step before.";
    KeypadRate => "请按 1 到 5 键评价，按确认键结束；按方向键可逐个选择按钮。", "Press 1 to 5 to rate this service, then Enter to finish; the arrows move from button to button.";
    KeypadFault => "按确认键回到首页。", "Press Enter to go back to the start.";
    VolumeNow => "音量", "Volume";
    StepChoose => "选择", "Choose";
    StepPreview => "预览", "Preview";
    StepPrint => "打印", "Print";
    StepDone => "完成", "Done";
    DocumentCode => "文件编号（可凭此查验真伪）", "Document code (to check it is genuine)";
    Print => "打印", "Print";
    PrevPage => "上一页", "Previous page";
    NextPage => "下一页", "Next page";
    Preparing => "准备中", "Preparing";
    Sending => "发送到打印机", "Sending to the printer";
    PrintingStep => "正在打印", "Printing";
    DoneStep => "完成", "Done";
    DoNotLeave => "请稍候，不要离开", "Please wait here";
    PrinterPaused => "打印机暂停：", "The printer has paused: ";
    TakeDocuments => "打印完成，请取走你的文件", "Printed: please take your documents";
    RateUs => "请为本次服务评价", "How was this service?";
    Thanks => "谢谢你的评价", "Thank you for your rating";
    Finish => "完成", "Finish";
    FaultTitle => "出现问题", "Something went wrong";
    CallStaff => "请联系工作人员", "Please call staff";
    NothingCharged => "未扣次数。", "Nothing was charged.";
    IncidentCode => "故障代码", "Incident code";
    BackToStart => "回到首页", "Back to start";
    StillThere => "还在吗？", "Still there?";
    Continue => "继续使用", "Continue";
    TechTitle => "技术人员", "Technician";
    EnterPin => "请输入 PIN", "Enter the PIN";
    WrongPin => "PIN 错误", "Wrong PIN";
    Locked => "已锁定，请稍后再试", "Locked: try again later";
    Clear => "清除", "Clear";
    Enter => "确认", "Enter";
    Cancel => "取消", "Cancel";
    TestPage => "打印测试页", "Print a test page";
    ExitKiosk => "退出程序", "Exit the kiosk";
    ExitConfirm => "确定退出？终端程序将关闭，并由系统自动重新启动。", "Exit? The kiosk closes, and the system starts it again.";
    ExitYes => "确定退出", "Yes, exit";
    ExitNo => "不退出", "No, stay";
    Terminal => "终端", "Terminal";
    Platform => "数据平台", "Platform";
    CheckNow => "刷新状态", "Check now";
    // What a printer's state reasons mean (docs/printing.md shows them).
    ReasonMediaEmpty => "打印机缺纸。", "The printer is out of paper.";
    ReasonMediaNeeded => "打印机需要加纸。", "The printer needs paper.";
    ReasonMediaJam => "打印机卡纸。", "Paper is jammed in the printer.";
    ReasonMediaLow => "纸张即将用完。", "Paper is running low.";
    ReasonDoorOpen => "打印机舱门未关。", "A printer door is open.";
    ReasonCoverOpen => "打印机盖板未关。", "The printer cover is open.";
    ReasonInputTrayMissing => "打印机纸盒未装好。", "A paper tray is missing.";
    ReasonOutputAreaFull => "出纸口已满，请取走纸张。", "The output tray is full: please take the pages.";
    ReasonTonerEmpty => "打印机墨粉已用完。", "The printer is out of toner.";
    ReasonTonerLow => "墨粉即将用完。", "Toner is running low.";
    ReasonMarkerSupplyEmpty => "打印机耗材已用完。", "The printer is out of ink or toner.";
    ReasonMarkerSupplyLow => "耗材即将用完。", "Ink or toner is running low.";
    ReasonMarkerWasteFull => "废粉盒已满。", "The waste toner box is full.";
    ReasonFuserOverTemp => "打印机过热。", "The printer has overheated.";
    ReasonOffline => "打印机未连接。", "The printer is offline.";
    ReasonConnectingToDevice => "正在连接打印机。", "Connecting to the printer.";
    ReasonPaused => "打印机已暂停。", "The printer is paused.";
    ReasonStopped => "打印机已停止。", "The printer has stopped.";
    ReasonSpoolAreaFull => "打印队列已满。", "The print queue is full.";
    ReasonShutdown => "打印机已关机。", "The printer is switched off.";
    ReasonTimedOut => "打印机无响应。", "The printer is not responding.";
    ReasonOther => "打印机出现故障。", "The printer has a fault.";
    // What a platform fault means to the person at the terminal.
    NotFound => "未找到你的信息，请到服务台咨询。", "We could not find your record. Please ask at the service desk.";
    CardFrozen => "这张校园卡已挂失，请到校园卡服务中心办理。", "This campus card has been reported lost. Please go to the card centre.";
    TerminalUnusable => "终端暂时无法使用，请联系工作人员。", "This terminal cannot be used right now. Please call staff.";
    PlatformUnavailable => "数据平台暂时无法访问，请稍后再试。未扣次数。", "The data platform cannot be reached right now. Please try again later. Nothing was charged.";
    BadData => "数据有误，无法出具文件，请联系工作人员。未扣次数。", "The data is not valid, so no document can be issued. Please call staff. Nothing was charged.";
    // Why a service or a document is not available.
    CannotIssue => "该文件暂时无法出具，请联系工作人员。", "This document cannot be issued right now: please call staff.";
    NoRecord => "没有找到你的相关记录。", "No record of yours was found for this document.";
    RenderTooSlow => "该文件生成超时，请联系工作人员。未扣次数。", "This document took too long to make. Please call staff. Nothing was charged.";
    // The demo terminal's simulated cards.
    DemoUnknownCard => "未登记的卡", "unknown card";
    DemoLostCard => "挂失卡", "lost card";
}

/// "还剩 8 秒" / "8 s left".
pub fn seconds_left(lang: Lang, s: u64) -> String {
    match lang {
        Lang::Zh => format!("{s} 秒后自动退出"),
        Lang::En => format!("Logging out in {s} s"),
    }
}

/// A rating button, aloud: "评 4 分", "Rate 4".
pub fn rate_n(lang: Lang, n: u8) -> String {
    match lang {
        Lang::Zh => format!("评 {n} 分"),
        Lang::En => format!("Rate {n}"),
    }
}

/// Sentences joined as `lang` writes them ("。" or ". "), each ended once.
pub fn sentences(lang: Lang, parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        out.push_str(p);
        let ended = p.ends_with(['。', '.', '!', '?', '！', '？', '…']);
        match (lang, ended) {
            (Lang::Zh, false) => out.push('。'),
            (Lang::En, false) => out.push_str(". "),
            (Lang::En, true) => out.push(' '),
            (Lang::Zh, true) => {}
        }
    }
    out.trim_end().to_string()
}

/// Items of a list as `lang` joins them (、 or ", ").
pub fn list(lang: Lang, items: &[&str]) -> String {
    items.join(match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    })
}

/// Two clauses of one sentence (， or ", ").
pub fn clause(lang: Lang, a: &str, b: &str) -> String {
    match lang {
        Lang::Zh => format!("{a}，{b}"),
        Lang::En => format!("{a}, {b}"),
    }
}

/// A label and what it names (： or ": "), without doubling a colon the
/// label already has.
pub fn labelled(lang: Lang, label: &str, value: &str) -> String {
    let label = label.trim_end().trim_end_matches(['：', ':']);
    match lang {
        Lang::Zh => format!("{label}：{value}"),
        Lang::En => format!("{label}: {value}"),
    }
}

/// How `key` is spoken: its text, or, where the text is a symbol, a label
/// or reads badly aloud, the words a listener needs.
pub fn spoken(lang: Lang, key: T) -> &'static str {
    match (key, lang) {
        (T::SwitchLang, Lang::Zh) => "切换到英文",
        (T::SwitchLang, Lang::En) => "Switch to Chinese",
        (T::OrScan, Lang::Zh) => "或用校园App扫描二维码登录",
        (T::IncidentCode, Lang::Zh) => "故障代码",
        (T::DemoPrinted, Lang::Zh) => "打印文件保存在",
        (T::DemoPrinted, Lang::En) => "Printed files go to",
        (T::CanPrint, Lang::Zh) => "本机可打印",
        (T::CanPrint, Lang::En) => "Printed here",
        (T::EnterPin, Lang::Zh) => "请输入密码",
        (T::Locked, Lang::Zh) => "已锁定，请稍后再试",
        _ => tr(lang, key),
    }
}

/// What the built-in services' certified fields are called, in Chinese
/// and English: both verifiers (`kiosk verify` and the verification page)
/// show a field by its label, and by its key when it has none here.
pub const FIELD_LABELS: &[(&str, &str, &str)] = &[
    ("name", "姓名", "Name"),
    ("name_en", "英文姓名", "Name (English)"),
    ("student_id", "学号", "Student ID"),
    ("status", "学籍状态", "Status"),
    ("college", "学院", "College"),
    ("major", "专业", "Major"),
    ("level", "层次", "Level"),
    ("enrollment_date", "入学日期", "Enrolled"),
    ("total_credits", "总学分", "Total credits"),
    ("gpa", "平均学分绩点", "GPA"),
    ("courses", "课程数", "Courses"),
];

/// The Chinese and English labels of the certified field `key`.
pub fn field_label(key: &str) -> Option<(&'static str, &'static str)> {
    FIELD_LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|&(_, zh, en)| (zh, en))
}

/// "15 秒后回到首页" / "Back to the start in 15 s".
pub fn back_in(lang: Lang, s: u64) -> String {
    match lang {
        Lang::Zh => format!("{s} 秒后回到首页"),
        Lang::En => format!("Back to the start in {s} s"),
    }
}

/// "2 页 × 2 份 = 4 张" / "2 pages × 2 copies = 4 sheets".
pub fn sheet_total(lang: Lang, pages: u32, duplex: bool, copies: u32, sheets: u32) -> String {
    match (lang, duplex) {
        (Lang::Zh, false) => format!("{pages} 页 × {copies} 份 = {sheets} 张"),
        (Lang::Zh, true) => format!("{pages} 页（双面）× {copies} 份 = {sheets} 张"),
        (Lang::En, false) => format!(
            "{pages} {} × {copies} {} = {sheets} {}",
            plural(pages, "page", "pages"),
            plural(copies, "copy", "copies"),
            plural(sheets, "sheet", "sheets")
        ),
        (Lang::En, true) => format!(
            "{pages} {} (two-sided) × {copies} {} = {sheets} {}",
            plural(pages, "page", "pages"),
            plural(copies, "copy", "copies"),
            plural(sheets, "sheet", "sheets")
        ),
    }
}

/// The sheet total as a voice says it.
pub fn sheet_total_spoken(lang: Lang, pages: u32, duplex: bool, copies: u32, sheets: u32) -> String {
    match lang {
        Lang::Zh => format!(
            "共 {pages} 页{}，{copies} 份，共需 {sheets} 张纸。",
            if duplex { "，双面打印" } else { "" }
        ),
        Lang::En => format!(
            "{pages} {}{}, {copies} {}: {sheets} {} of paper. ",
            plural(pages, "page", "pages"),
            if duplex { ", two-sided" } else { "" },
            plural(copies, "copy", "copies"),
            plural(sheets, "sheet", "sheets")
        ),
    }
}

fn plural(n: u32, one: &'static str, more: &'static str) -> &'static str {
    if n == 1 { one } else { more }
}

/// "已打印：中文成绩单 2 份，共 4 张" / "Printed: Transcript, 2 copies, 4 sheets".
pub fn printed_summary(lang: Lang, document: &str, copies: u32, sheets: u32) -> String {
    match lang {
        Lang::Zh => format!("已打印：{document} {copies} 份，共 {sheets} 张"),
        Lang::En => format!(
            "Printed: {document}, {copies} {}, {sheets} {}",
            plural(copies, "copy", "copies"),
            plural(sheets, "sheet", "sheets")
        ),
    }
}

/// "正在打印第 3 页，共 4 页" / "Printing page 3 of 4".
pub fn printing_page(lang: Lang, page: u32, total: u32) -> String {
    match lang {
        Lang::Zh => format!("正在打印第 {page} 页，共 {total} 页"),
        Lang::En => format!("Printing page {page} of {total}"),
    }
}

/// "共 2 页" / "2 pages".
pub fn page_count(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("共 {n} 页"),
        Lang::En if n == 1 => "1 page".to_string(),
        Lang::En => format!("{n} pages"),
    }
}

/// "第 2 页 / 共 3 页" / "Page 2 of 3".
pub fn page_of(lang: Lang, page: usize, pages: usize) -> String {
    match lang {
        Lang::Zh => format!("第 {page} 页 / 共 {pages} 页"),
        Lang::En => format!("Page {page} of {pages}"),
    }
}

/// "最多 5 份" / "At most 5".
pub fn at_most(lang: Lang, n: u32) -> String {
    match lang {
        Lang::Zh => format!("最多 {n} 份"),
        Lang::En => format!("At most {n}"),
    }
}

/// "本学期还可打印 3 份（每学期 20 份）" / "3 of this term's 20 copies left".
pub fn quota_left(lang: Lang, left: u32, limit: u32) -> String {
    match lang {
        Lang::Zh => format!("本学期还可打印 {left} 份（每学期 {limit} 份）"),
        Lang::En => format!("{left} of this term's {limit} copies left"),
    }
}

/// "模拟刷卡：王小明" / "Simulate card tap: Wang Xiaoming".
pub fn simulate_tap(lang: Lang, who: &str) -> String {
    match lang {
        Lang::Zh => format!("模拟刷卡：{who}"),
        Lang::En => format!("Simulate card tap: {who}"),
    }
}

/// "锁定中，还剩 240 秒" / "Locked for 240 s".
pub fn locked_for(lang: Lang, s: u64) -> String {
    match lang {
        Lang::Zh => format!("已锁定，{s} 秒后可再试"),
        Lang::En => format!("Locked: try again in {s} s"),
    }
}

/// A department's list does not name the person.
pub fn not_on_list(owner: &str) -> Bilingual {
    Bilingual::new(
        format!("你不在该部门的名单中，请向{owner}咨询。"),
        format!("You are not on this department's list: please ask {owner}."),
    )
}

/// A department's list is older than its template allows.
pub fn list_out_of_date(owner: &str) -> Bilingual {
    Bilingual::new(
        format!("该部门的数据已过期，暂时无法出具，请联系{owner}。"),
        format!("This department's data is out of date: please ask {owner}."),
    )
}

/// The person's quota of a service is spent this term.
pub fn quota_spent(used: u32, limit: u32) -> Bilingual {
    Bilingual::new(
        format!("本学期你已打印 {used} 份，已达每学期 {limit} 份的上限。"),
        format!("You have printed {used} copies this term: the limit is {limit} per term."),
    )
}

/// A document that cannot be made, with the technical reason in English.
pub fn cannot_make(detail: &str) -> Bilingual {
    Bilingual::new(
        "该文件无法生成，请联系工作人员。未扣次数。",
        format!("This document cannot be made ({detail}). Please call staff. Nothing was charged."),
    )
}

// What a template's author reads about the rows of a spreadsheet
// (`kiosk template dry-run`, the studio's "check every row").

/// A character of a cell that no font covers.
pub fn row_no_glyph(ch: char, code: u32) -> Bilingual {
    Bilingual::new(
        format!(
            "字符「{ch}」(U+{code:04X}) 不在终端的任何字体中，终端会拒绝打印：请与本人核对，或请网络中心加装含此字的字体"
        ),
        format!(
            "the character {ch} (U+{code:04X}) is in none of the terminal's fonts, so the terminal would refuse to print it: check it with the person, or ask the network centre for a font that has it"
        ),
    )
}

/// A row without its 学号/工号.
pub fn row_no_key() -> Bilingual {
    Bilingual::new("学号/工号为空：请填写", "no 学号/工号 in the key column: fill it in")
}

/// A 学号/工号 listed twice.
pub fn row_duplicate(key: &str, first: usize) -> Bilingual {
    Bilingual::new(
        format!("{key} 在第 {first} 行也出现了：每人只能占一行"),
        format!("{key} is also in row {first}: list each person once"),
    )
}

/// A cell that should hold a date.
pub fn row_bad_date(value: &str) -> Bilingual {
    Bilingual::new(
        format!("「{value}」不是日期：请写成 2024-09-01，或用日期格式的单元格"),
        format!("{value:?} is not a date: write it as 2024-09-01, or use a date cell"),
    )
}

/// A cell that should hold a number.
pub fn row_bad_number(value: &str) -> Bilingual {
    Bilingual::new(
        format!("「{value}」不是数字：请只填数字"),
        format!("{value:?} is not a number: write digits only"),
    )
}

/// A cell the template cannot use; `detail` is the engine's reason.
pub fn row_bad_cell(value: &str, detail: &str) -> Bilingual {
    Bilingual::new(
        format!("模板无法使用「{value}」：{detail}"),
        format!("the template cannot use {value:?}: {detail}"),
    )
}

/// A 学号/工号 the data platform does not know.
pub fn row_not_on_platform(key: &str) -> Bilingual {
    Bilingual::new(
        format!("数据平台查无 {key}：此人刷卡时终端找不到他，请核对学号/工号"),
        format!("the data platform does not know {key}: the terminal would not find this person; check the 学号/工号"),
    )
}

/// An empty cell the template prints.
pub fn row_empty() -> Bilingual {
    Bilingual::new(
        "单元格为空，但模板要打印它：请填写",
        "the cell is empty, but the template prints it: fill it in",
    )
}

/// A column the template needs is not in the sheet; `read` is how the
/// template names it (`enrollment.college`), if it does.
pub fn sheet_no_column(name: &str, read: Option<&str>) -> Bilingual {
    let read = read.map(|r| format!(" ({r})")).unwrap_or_default();
    Bilingual::new(
        format!("表中没有「{name}」列{read}，而模板需要它：请在第 1 行（表头）加上这一列"),
        format!("the sheet has no column {name:?}{read}, which the template needs: add it to the header row (row 1)"),
    )
}

/// The eligibility rule refuses the row's person.
pub fn row_refused(why: &Bilingual) -> Bilingual {
    Bilingual::new(
        format!("终端会拒绝此人：{}", why.zh),
        format!("the terminal would refuse this person: {}", why.en),
    )
}

/// A row whose text runs past the pages the template allows; `chars` is
/// the length of the row's longest cell.
pub fn row_overflow(pages: usize, max: u32, chars: usize) -> Bilingual {
    Bilingual::new(
        format!(
            "文字太长，超出页面：文档会有 {pages} 页，模板只允许 {max} 页；请缩短此单元格（共 {chars} 个字，本行最长）"
        ),
        format!(
            "the text is too long for the page: the document would take {pages} pages, the template allows {max}; shorten this cell (its {chars} characters are the row's longest)"
        ),
    )
}

/// A document longer than its template allows.
pub fn page_overflow(pages: usize, max: u32) -> Bilingual {
    Bilingual::new(
        format!("文字太长，超出页面：文档会有 {pages} 页，模板只允许 {max} 页"),
        format!("the text is too long for the page: the document would take {pages} pages, the template allows {max}"),
    )
}

/// The template fails whatever the row holds.
pub fn template_fails(detail: &str) -> Bilingual {
    Bilingual::new(
        format!("模板本身有误（与数据无关）：{detail}"),
        format!("the template fails whatever the row: {detail}"),
    )
}

// What the template studio says to department staff.

/// A problem `kiosk template check` found, with what it means and what to
/// do; `detail` is the check's own (English) words.
pub fn template_problem(detail: &str) -> Bilingual {
    let d = detail.to_ascii_lowercase();
    let (zh, en) = if d.contains("unknown field") {
        (
            "不认识的设置项：检查拼写，或删去这一项",
            "a setting the template format does not have: check its spelling, or delete it",
        )
    } else if d.contains("missing field") {
        (
            "缺少必填的设置项：请补上",
            "a setting that must be there is missing: add it",
        )
    } else if d.contains("invalid type") || d.contains("expected") {
        (
            "这个值的类型不对：数字不加引号，文字要加引号",
            "the value is of the wrong kind: numbers go without quotes, text in quotes",
        )
    } else if d.contains("none of the bundled fonts") || d.contains("glyph") {
        (
            "有字符不在任何内置字体中：换一个字，或请网络中心加装字体",
            "a character is in none of the fonts: use another, or ask the network centre for a font",
        )
    } else if d.contains("sample") || d.contains("undefined") || d.contains("lacks") {
        (
            "模板用到的字段在示例数据里没有：检查字段名的拼写",
            "the template reads a field the sample data does not have: check the field's name",
        )
    } else if d.contains("picture") || d.contains("image") || d.contains(".png") {
        (
            "图片有问题：用模板文件夹里的 PNG 图片",
            "a picture is wrong: use a PNG inside the service's folder",
        )
    } else if d.contains("rule") {
        (
            "谁可以打印的规则有误：比较一个字段，例如 enrollment.status == \"enrolled\"",
            "the rule of who may print is wrong: compare a field, e.g. enrollment.status == \"enrolled\"",
        )
    } else if d.contains("line") || d.contains("key") || d.contains("string") || d.contains("table") {
        (
            "TOML 写法有误：检查引号、方括号、逗号和等号",
            "the TOML is not written right: check quotes, brackets, commas and equals signs",
        )
    } else {
        ("模板有问题", "the template has a problem")
    };
    Bilingual::new(format!("{zh}（{detail}）"), format!("{en} ({detail})"))
}

/// A service id that is not one.
pub fn studio_bad_id(id: &str) -> Bilingual {
    Bilingual::new(
        format!("「{id}」不能作为服务编号：只用小写字母、数字和 -，例如 dormitory-certificate"),
        format!("{id:?} is not a service id: use lower-case letters, digits and -, e.g. dormitory-certificate"),
    )
}

/// No such service in the templates folder.
pub fn studio_no_service(id: &str) -> Bilingual {
    Bilingual::new(format!("没有服务「{id}」"), format!("there is no service {id:?}"))
}

/// A service of that id exists.
pub fn studio_exists(id: &str) -> Bilingual {
    Bilingual::new(
        format!("服务「{id}」已经存在：换一个编号"),
        format!("a service {id:?} exists: choose another id"),
    )
}

/// Something the studio could not do; `detail` says why.
pub fn studio_failed(detail: &str) -> Bilingual {
    Bilingual::new(
        format!("操作未完成：{detail}"),
        format!("this could not be done: {detail}"),
    )
}

/// The studio asks for its password.
pub fn studio_password() -> Bilingual {
    Bilingual::new("请输入模板工作室的密码", "enter the template studio's password")
}

/// A change sent from another web site.
pub fn studio_other_site() -> Bilingual {
    Bilingual::new(
        "拒绝：修改只能来自模板工作室自己的页面",
        "refused: changes come only from the template studio's own page",
    )
}

/// A save that lost a race: the template changed since the page read it.
pub fn studio_changed() -> Bilingual {
    Bilingual::new(
        "未保存：模板刚被另一个窗口或同事修改过。已载入最新版本，请在其上重新修改",
        "not saved: the template was changed meanwhile, in another window or by a colleague. The latest version is loaded; make the change again on it",
    )
}

/// The studio has as much work as it takes at once.
pub fn studio_busy() -> Bilingual {
    Bilingual::new(
        "模板工作室正忙，请稍候几秒再试",
        "the template studio is busy: try again in a few seconds",
    )
}

/// Too many wrong passwords from one computer.
pub fn studio_locked_out(seconds: u64) -> Bilingual {
    Bilingual::new(
        format!("密码错误次数过多，请 {seconds} 秒后再试"),
        format!("too many wrong passwords: try again in {seconds} s"),
    )
}

/// An upload larger than allowed.
pub fn studio_too_large(max: usize) -> Bilingual {
    let mb = max / (1024 * 1024);
    let (zh, en) = if mb > 0 {
        (format!("{mb} MB"), format!("{mb} MB"))
    } else {
        (format!("{} KB", max / 1024), format!("{} KB", max / 1024))
    };
    Bilingual::new(
        format!("文件太大（最大 {zh}）：只保存含名单的那张工作表再上传"),
        format!("the file is too large (at most {en}): save only the sheet with the list, and upload that"),
    )
}

/// A template sent that is not UTF-8 text.
pub fn studio_not_text() -> Bilingual {
    Bilingual::new("模板必须是 UTF-8 文本", "a template is UTF-8 text")
}

/// The form could not be written into the template.
pub fn studio_form(detail: &str) -> Bilingual {
    Bilingual::new(
        format!("表单无法写入模板：{detail}"),
        format!("the form cannot be written into the template: {detail}"),
    )
}

/// A row preview without an uploaded sheet.
pub fn studio_no_sheet() -> Bilingual {
    Bilingual::new("请先上传表格", "upload a spreadsheet first")
}

/// A row the sheet does not have.
pub fn studio_no_row(row: usize) -> Bilingual {
    Bilingual::new(
        format!("表格没有第 {row} 行的数据"),
        format!("the sheet has no data in row {row}"),
    )
}

/// A page the document does not have.
pub fn studio_no_page(page: usize, pages: usize) -> Bilingual {
    Bilingual::new(
        format!("没有第 {page} 页（共 {pages} 页）"),
        format!("there is no page {page} (the document has {pages})"),
    )
}

/// An uploaded file that could not be read as a spreadsheet.
pub fn studio_sheet(detail: &str) -> Bilingual {
    Bilingual::new(
        format!("无法读取表格：{detail}。请上传 .xlsx 或 .csv 文件"),
        format!("the spreadsheet cannot be read: {detail}. Upload an .xlsx or .csv file"),
    )
}

/// A spreadsheet's file name a service cannot keep.
pub fn studio_sheet_name(name: &str) -> Bilingual {
    Bilingual::new(
        format!("「{name}」不能作为表格文件名：用 .xlsx 或 .csv 结尾、不含 / 的文件名"),
        format!("{name:?} cannot be the spreadsheet's file name: use a plain name ending in .xlsx or .csv"),
    )
}

/// A spreadsheet declared without its key column, owner or age.
pub fn studio_sheet_declaration() -> Bilingual {
    Bilingual::new(
        "请填写学号/工号所在列、负责人，以及最多多少天前的数据（1 到 3650 天）",
        "give the column of 学号/工号, who keeps the list, and how old its data may be (1 to 3650 days)",
    )
}

/// A hand-in without its department or author.
pub fn studio_hand_in_who() -> Bilingual {
    Bilingual::new("请填写部门和联系人", "fill in the department and who to contact")
}

/// A demo card's label: "王小明（挂失卡 lost card）".
pub fn demo_card(name: &str, status: &str) -> String {
    format!("{name}（{status}）")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string can be spoken in both languages: words, not symbols,
    /// and the language's own (a Chinese voice reading Chinese).
    #[test]
    fn every_string_has_a_spoken_form_in_both_languages() {
        let symbols = ['‹', '›', '→', '✓', '●', '○', '★', '·', '/', '#', '*', '_', '|'];
        for &k in ALL {
            for lang in [Lang::Zh, Lang::En] {
                let s = spoken(lang, k);
                assert!(
                    s.chars().any(char::is_alphanumeric),
                    "{k:?} {lang:?}: {s:?} says nothing"
                );
                let end = s.trim_end_matches(['。', '.', '…', '：', ':']);
                assert!(
                    !end.contains(symbols),
                    "{k:?} {lang:?}: {s:?} has a symbol a voice reads badly: give it a spoken form"
                );
                match lang {
                    Lang::Zh => assert!(!s.is_ascii(), "{k:?}: the Chinese voice needs Chinese: {s:?}"),
                    Lang::En => assert!(
                        !s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
                        "{k:?}: {s:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn every_string_has_both_languages_and_they_differ() {
        for &k in ALL {
            let (zh, en) = (tr(Lang::Zh, k), tr(Lang::En, k));
            assert!(!zh.is_empty() && !en.is_empty(), "{k:?}");
            assert_ne!(zh, en, "{k:?}");
            // The language switch names the other language.
            if k != T::SwitchLang {
                assert!(!zh.is_ascii(), "{k:?}: the Chinese string is not Chinese");
            }
        }
    }
}
