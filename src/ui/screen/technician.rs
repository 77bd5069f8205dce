//! The technician screen, behind five taps on a corner and a PIN: status
//! of the terminal, platform, printer and reader, a test page, exit to the
//! desktop. Wrong PINs lock it for a while. Time is an input here too.

use iced::widget::{Space, column, container, grid, row};
use iced::{Alignment, Element, Length};

use crate::core::session::Ms;
use crate::i18n::{Lang, T, locked_for, tr};
use crate::ui::style::{self, Kind, heading, label, text_button};

/// Taps on the corner that open the PIN pad…
pub const TAPS: u32 = 5;
/// …within this long.
pub const TAPS_WITHIN: Ms = 4_000;

#[derive(Debug, Clone)]
pub enum Message {
    Digit(char),
    Clear,
    Enter,
    Cancel,
    TestPage,
    CheckNow,
    Exit,
}

/// What the shell does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    Close,
    Unlocked,
    TestPage,
    CheckNow,
    Exit,
}

#[derive(Debug, Clone)]
pub struct State {
    pin_hash: String,
    max_attempts: u32,
    lockout: Ms,
    /// Whether the PIN pad or the status page shows.
    pub open: bool,
    pub unlocked: bool,
    entered: String,
    failures: u32,
    locked_until: Option<Ms>,
    wrong: bool,
    taps: Vec<Ms>,
    /// Status lines for the technician, filled by the shell.
    pub lines: Vec<String>,
    /// How the last test page went, kept across refreshes of the lines.
    pub test_page: Option<String>,
}

impl State {
    pub fn new(cfg: Option<&crate::config::TechnicianConfig>) -> State {
        State {
            pin_hash: cfg.map(|c| c.pin_hash.clone()).unwrap_or_default(),
            max_attempts: cfg.map_or(3, |c| c.max_attempts),
            lockout: cfg.map_or(300_000, |c| c.lockout_s * 1000),
            open: false,
            unlocked: false,
            entered: String::new(),
            failures: 0,
            locked_until: None,
            wrong: false,
            taps: Vec::new(),
            lines: Vec::new(),
            test_page: None,
        }
    }

    /// A tap on the hidden corner; true when it opens the PIN pad.
    pub fn corner(&mut self, now: Ms) -> bool {
        if self.pin_hash.is_empty() {
            return false;
        }
        self.taps.retain(|t| now.saturating_sub(*t) <= TAPS_WITHIN);
        self.taps.push(now);
        if self.taps.len() as u32 >= TAPS {
            self.taps.clear();
            self.open = true;
            self.entered.clear();
            self.wrong = false;
            return true;
        }
        false
    }

    /// Seconds of lockout left.
    pub fn locked(&self, now: Ms) -> Option<u64> {
        self.locked_until.filter(|u| *u > now).map(|u| (u - now).div_ceil(1000))
    }

    pub fn close(&mut self) {
        self.open = false;
        self.unlocked = false;
        self.entered.clear();
        self.lines.clear();
    }

    pub fn update(&mut self, m: Message, now: Ms) -> Action {
        match m {
            Message::Cancel => {
                self.close();
                return Action::Close;
            }
            Message::TestPage if self.unlocked => return Action::TestPage,
            Message::CheckNow if self.unlocked => return Action::CheckNow,
            Message::Exit if self.unlocked => return Action::Exit,
            _ if self.unlocked || self.locked(now).is_some() => {}
            Message::Digit(d) if self.entered.len() < 12 && d.is_ascii_digit() => {
                self.entered.push(d);
                self.wrong = false;
            }
            Message::Clear => self.entered.clear(),
            Message::Enter => {
                let right = !self.pin_hash.is_empty() && crate::core::pin::matches(&self.entered, &self.pin_hash);
                self.entered.clear();
                if right {
                    self.failures = 0;
                    self.unlocked = true;
                    return Action::Unlocked;
                }
                self.failures += 1;
                self.wrong = true;
                if self.failures >= self.max_attempts {
                    self.failures = 0;
                    self.locked_until = Some(now + self.lockout);
                }
            }
            _ => {}
        }
        Action::None
    }

    pub fn view(&self, lang: Lang, now: Ms) -> Element<'_, Message> {
        let body: Element<'_, Message> = if self.unlocked {
            let mut lines = column![].spacing(12);
            for l in &self.lines {
                lines = lines.push(label(l.as_str(), style::SMALL));
            }
            column![
                lines,
                Space::new().height(24),
                text_button(tr(lang, T::CheckNow), Kind::Secondary, Some(Message::CheckNow)),
                text_button(tr(lang, T::TestPage), Kind::Secondary, Some(Message::TestPage)),
                text_button(tr(lang, T::ExitKiosk), Kind::Secondary, Some(Message::Exit)),
            ]
            .spacing(style::GAP)
            .into()
        } else if let Some(s) = self.locked(now) {
            label(locked_for(lang, s), style::H2).color(style::RED).into()
        } else {
            let mut pad = grid![].columns(3).spacing(16).height(Length::Shrink);
            for d in ['1', '2', '3', '4', '5', '6', '7', '8', '9'] {
                pad = pad.push(text_button(digit(d), Kind::Secondary, Some(Message::Digit(d))).width(Length::Fill));
            }
            pad = pad
                .push(text_button(tr(lang, T::Clear), Kind::Secondary, Some(Message::Clear)).width(Length::Fill))
                .push(text_button("0", Kind::Secondary, Some(Message::Digit('0'))).width(Length::Fill))
                .push(text_button(tr(lang, T::Enter), Kind::Primary, Some(Message::Enter)).width(Length::Fill));
            let dots = "●".repeat(self.entered.len());
            let mut col = column![label(tr(lang, T::EnterPin), style::BODY), heading(dots, style::H2)].spacing(16);
            if self.wrong {
                col = col.push(label(tr(lang, T::WrongPin), style::BODY).color(style::RED));
            }
            col.push(container(pad).width(600)).into()
        };
        container(
            column![
                row![
                    heading(tr(lang, T::TechTitle), style::H1),
                    Space::new().width(Length::Fill),
                    text_button(tr(lang, T::Cancel), Kind::Secondary, Some(Message::Cancel)),
                ]
                .align_y(Alignment::Center),
                Space::new().height(40),
                body
            ]
            .padding(style::MARGIN),
        )
        .style(style::screen)
        .width(Length::Fill)
        .height(Length::Fill)
        .into()
    }
}

fn digit(d: char) -> &'static str {
    const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    DIGITS[d.to_digit(10).unwrap_or(0) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tech() -> State {
        let cfg = crate::config::TechnicianConfig {
            // 2468
            pin_hash: crate::core::pin::hash("2468", &[3; 16]).unwrap(),
            pin_sha256: None,
            max_attempts: 3,
            lockout_s: 60,
        };
        State::new(Some(&cfg))
    }

    fn enter(s: &mut State, pin: &str, now: Ms) -> Action {
        for d in pin.chars() {
            s.update(Message::Digit(d), now);
        }
        s.update(Message::Enter, now)
    }

    #[test]
    fn five_quick_taps_open_it_slow_ones_do_not() {
        let mut s = tech();
        for i in 0..5 {
            assert!(!s.corner(i * 2_000), "tap {i}");
        }
        let mut s = tech();
        let opened: Vec<bool> = (0..5).map(|i| s.corner(10_000 + i * 300)).collect();
        assert_eq!(opened, [false, false, false, false, true]);
        assert!(s.open);
        // No PIN configured: no technician screen at all.
        let mut none = State::new(None);
        assert!(!(0..10).any(|i| none.corner(i)));
    }

    #[test]
    fn the_right_pin_unlocks_wrong_ones_lock_it_out() {
        let mut s = tech();
        assert_eq!(enter(&mut s, "1111", 0), Action::None);
        assert_eq!(enter(&mut s, "2222", 1_000), Action::None);
        assert!(s.locked(1_000).is_none());
        assert_eq!(enter(&mut s, "3333", 2_000), Action::None);
        assert_eq!(s.locked(2_000), Some(60));
        // Locked: even the right PIN is refused until the lockout ends.
        assert_eq!(enter(&mut s, "2468", 30_000), Action::None);
        assert!(!s.unlocked);
        assert_eq!(enter(&mut s, "2468", 62_000), Action::Unlocked);
        assert!(s.unlocked);
        assert_eq!(s.update(Message::Exit, 63_000), Action::Exit);
    }
}
