//! The technician screen, behind five taps on a corner and a PIN: status
//! of the terminal, platform, printer and reader, a test page, exit (under
//! cage the kiosk is started again), after a confirmation. Wrong PINs lock
//! it for a while. Left alone for the session's idle time, the PIN pad,
//! the lockout and the status page give way to the attract screen; the
//! keys of the PIN pad never move. Time is an input here too.

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
    /// Exit after all (the confirmation's yes).
    ExitConfirmed,
    /// Stay (the confirmation's no).
    ExitCancelled,
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
    /// Exit was asked for and waits for its confirmation.
    confirming_exit: bool,
    /// The last touch of the technician screen (opening it included).
    last_touch: Ms,
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
            confirming_exit: false,
            last_touch: 0,
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
            self.confirming_exit = false;
            self.last_touch = now;
            return true;
        }
        false
    }

    /// The clock turned: left alone for `idle`, the screen closes (true:
    /// it just did). A lockout stays in force.
    pub fn tick(&mut self, now: Ms, idle: Ms) -> bool {
        if self.open && now.saturating_sub(self.last_touch) >= idle {
            self.close();
            return true;
        }
        false
    }

    /// A touch anywhere on the screen: the technician is still there.
    pub fn touched(&mut self, now: Ms) {
        if self.open {
            self.last_touch = now;
        }
    }

    /// Whether the PIN pad (or its lockout) shows, where a student's card
    /// is still a card.
    pub fn asking_pin(&self) -> bool {
        self.open && !self.unlocked
    }

    /// Seconds of lockout left.
    pub fn locked(&self, now: Ms) -> Option<u64> {
        self.locked_until.filter(|u| *u > now).map(|u| (u - now).div_ceil(1000))
    }

    pub fn close(&mut self) {
        self.open = false;
        self.unlocked = false;
        self.confirming_exit = false;
        self.entered.clear();
        self.wrong = false;
        self.lines.clear();
    }

    pub fn update(&mut self, m: Message, now: Ms) -> Action {
        self.last_touch = now;
        match m {
            Message::Cancel => {
                self.close();
                return Action::Close;
            }
            Message::TestPage if self.unlocked && !self.confirming_exit => return Action::TestPage,
            Message::CheckNow if self.unlocked && !self.confirming_exit => return Action::CheckNow,
            Message::Exit if self.unlocked => self.confirming_exit = true,
            Message::ExitCancelled => self.confirming_exit = false,
            Message::ExitConfirmed if self.unlocked && self.confirming_exit => {
                self.confirming_exit = false;
                return Action::Exit;
            }
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
        let body: Element<'_, Message> = if self.unlocked && self.confirming_exit {
            column![
                label(tr(lang, T::ExitConfirm), style::H2),
                Space::new().height(24),
                text_button(tr(lang, T::ExitNo), Kind::Primary, Some(Message::ExitCancelled)),
                text_button(tr(lang, T::ExitYes), Kind::Secondary, Some(Message::ExitConfirmed)),
            ]
            .spacing(style::GAP)
            .into()
        } else if self.unlocked {
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
            // The dots and the "wrong PIN" line keep their room whether
            // or not they show, so the keys never move under a finger.
            let dots = "●".repeat(self.entered.len());
            let wrong = if self.wrong { tr(lang, T::WrongPin) } else { "" };
            column![
                label(tr(lang, T::EnterPin), style::BODY),
                container(heading(dots, style::H2)).height(Length::Fixed(style::H2 * 1.6)),
                container(label(wrong, style::BODY).color(style::RED)).height(Length::Fixed(style::BODY * 1.6)),
                container(pad).width(600),
            ]
            .spacing(16)
            .into()
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
        // Exit asks first; no keeps the screen, yes exits.
        assert_eq!(s.update(Message::Exit, 63_000), Action::None);
        assert_eq!(
            s.update(Message::TestPage, 63_100),
            Action::None,
            "nothing else while asking"
        );
        assert_eq!(s.update(Message::ExitCancelled, 63_200), Action::None);
        assert_eq!(
            s.update(Message::ExitConfirmed, 63_300),
            Action::None,
            "no longer asked"
        );
        assert_eq!(s.update(Message::Exit, 63_400), Action::None);
        assert_eq!(s.update(Message::ExitConfirmed, 63_500), Action::Exit);
    }

    #[test]
    fn left_alone_it_closes_and_a_lockout_outlives_it() {
        let mut s = tech();
        (0..5).for_each(|i| {
            s.corner(1_000 + i * 100);
        });
        assert!(s.open && s.asking_pin());
        assert!(!s.tick(50_000, 60_000));
        s.update(Message::Digit('1'), 50_000);
        assert!(!s.tick(100_000, 60_000), "a touch starts the idle time again");
        assert!(s.tick(110_000, 60_000));
        assert!(!s.open);
        // Locked out, then left: the pad closes, the lockout stays.
        (0..5).for_each(|i| {
            s.corner(200_000 + i * 100);
        });
        for n in 0..3 {
            enter(&mut s, "1111", 201_000 + n);
        }
        assert!(s.locked(201_003).is_some());
        assert!(s.tick(262_000, 60_000));
        (0..5).for_each(|i| {
            s.corner(262_100 + i * 100);
        });
        assert!(s.locked(262_600).is_none() || s.locked(262_600).is_some_and(|left| left <= 1));
        // Unlocked and left: closed, and locked again behind the PIN.
        assert_eq!(enter(&mut s, "2468", 263_000), Action::Unlocked);
        assert!(s.tick(323_000, 60_000));
        assert!(!s.unlocked && !s.open);
    }
}
