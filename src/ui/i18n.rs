//! Every string the kiosk shows, in Chinese and English: one catalogue,
//! no text inline in views. `T` names a string; `tr` picks the language.
//! Strings with values are functions below the table.

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

    /// Picks from a (zh, en) pair.
    pub fn pick<'a>(self, pair: (&'a str, &'a str)) -> &'a str {
        match self {
            Lang::Zh => pair.0,
            Lang::En => pair.1,
        }
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
    Logout => "退出登录", "Log out";
    Back => "返回", "Back";
    Rendering => "正在生成预览…", "Preparing the preview…";
    Copies => "份数", "Copies";
    Duplex => "双面打印", "Two-sided";
    Simplex => "单面打印", "One-sided";
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
    ExitKiosk => "退出到桌面", "Exit to desktop";
    Terminal => "终端", "Terminal";
    Platform => "数据平台", "Platform";
    CheckNow => "刷新状态", "Check now";
}

/// "还剩 8 秒" / "8 s left".
pub fn seconds_left(lang: Lang, s: u64) -> String {
    match lang {
        Lang::Zh => format!("{s} 秒后自动退出"),
        Lang::En => format!("Logging out in {s} s"),
    }
}

/// "第 2 页 / 共 3 页" / "Page 2 of 3".
pub fn page_of(lang: Lang, page: usize, pages: usize) -> String {
    match lang {
        Lang::Zh => format!("第 {page} 页 / 共 {pages} 页"),
        Lang::En => format!("Page {page} of {pages}"),
    }
}

/// "正在打印第 3 面，共 4 面" / "Printing side 3 of 4".
pub fn printing_side(lang: Lang, done: u32, total: u32) -> String {
    match lang {
        Lang::Zh => format!("已打印 {done} / {total} 面"),
        Lang::En => format!("{done} of {total} sides printed"),
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

#[cfg(test)]
mod tests {
    use super::*;

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
