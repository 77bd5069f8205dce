//! A USB numeric keypad (or a keyboard's arrows and Enter) drives every
//! flow: what each key does on each screen. Pure: the shell turns the
//! answer into the same messages the touch screen sends.
//!
//! | key | attract | services | preview | done | fault |
//! | --- | --- | --- | --- | --- | --- |
//! | `*` | voice on, then repeat | repeat | repeat | repeat | repeat |
//! | `/` | volume | volume | volume | volume | volume |
//! | digits | (a wedge reader's card) | open service n | 1 one-sided, 2 two-sided | rate n | — |
//! | arrows | move the focus ring | move the focus ring | move the focus ring | move the focus ring | — |
//! | `+` `-` | — | — | copies | — | — |
//! | Enter | press the focused control | open the focused service | press the focused control, else print | press the focused control, else finish | back to start |
//! | Backspace, Esc | — | — | back | — | back to start |
//! | `.`, Delete | — | log out | log out | finish | — |
//!
//! The focus ring walks a screen's controls in their order on screen
//! (each screen's `controls`), a thick ink ring around the one it is on;
//! it stops at the first and the last. With voice on, each control is
//! named as the ring reaches it.

use iced::keyboard::{self, key::Named};

use crate::ui::screen::{attract, done, preview, services};
use crate::ui::work::Service;
use crate::ui::{Message, screen::fault};

/// A key that means something here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Press {
    Digit(u8),
    Plus,
    Minus,
    Star,
    Slash,
    Enter,
    Back,
    Delete,
    Left,
    Right,
    Up,
    Down,
}

/// The key pressed, if it is one of the keypad's.
pub fn press(key: &keyboard::Key, text: Option<&str>) -> Option<Press> {
    match key.as_ref() {
        keyboard::Key::Named(Named::Enter) => return Some(Press::Enter),
        keyboard::Key::Named(Named::Backspace | Named::Escape) => return Some(Press::Back),
        keyboard::Key::Named(Named::Delete) => return Some(Press::Delete),
        keyboard::Key::Named(Named::ArrowLeft) => return Some(Press::Left),
        keyboard::Key::Named(Named::ArrowRight) => return Some(Press::Right),
        keyboard::Key::Named(Named::ArrowUp) => return Some(Press::Up),
        keyboard::Key::Named(Named::ArrowDown) => return Some(Press::Down),
        _ => {}
    }
    let c = text?.chars().next()?;
    Some(match c {
        '0'..='9' => Press::Digit(c as u8 - b'0'),
        '+' => Press::Plus,
        '-' => Press::Minus,
        '*' => Press::Star,
        '/' => Press::Slash,
        '.' | ',' => Press::Delete,
        _ => return None,
    })
}

/// What the screen shows, as far as keys care.
pub enum Screen<'a> {
    /// `ring`: the attract screen's controls ([`attract::controls`]).
    Attract {
        ring: &'a [attract::Message],
    },
    Services(&'a [Service]),
    Preview(&'a preview::State),
    Printing,
    Done,
    Fault,
}

/// Which screen a focus ring was moved on: it is gone on any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Attract,
    Services,
    Done,
}

/// What a press does.
#[derive(Debug, Clone)]
pub enum Action {
    None,
    /// Voice on, or, when it is on, say the screen again.
    Voice,
    /// The next loudness.
    Volume,
    /// Move the focus ring to this control.
    Focus(usize),
    Send(Message),
}

/// The ring one step on (`+1`) or back (`-1`) among `len` controls; the
/// first press puts it on the first.
fn step(focus: Option<usize>, len: usize, forward: bool) -> Action {
    if len == 0 {
        return Action::None;
    }
    Action::Focus(match (focus, forward) {
        (None, _) => 0,
        (Some(f), true) => (f + 1).min(len - 1),
        (Some(f), false) => f.saturating_sub(1).min(len - 1),
    })
}

/// What `p` does on `screen`, the focus ring on control `focus`.
pub fn action(screen: Screen<'_>, p: Press, focus: Option<usize>) -> Action {
    use Action::Send;
    let forward = matches!(p, Press::Down | Press::Right);
    let arrow = forward || matches!(p, Press::Up | Press::Left);
    match (screen, p) {
        (_, Press::Star) => Action::Voice,
        (_, Press::Slash) => Action::Volume,
        (Screen::Attract { ring }, p) => match p {
            _ if arrow => step(focus, ring.len(), forward),
            Press::Enter => focus
                .and_then(|f| ring.get(f))
                .map_or(Action::None, |m| Send(Message::Attract(m.clone()))),
            _ => Action::None,
        },
        (Screen::Services(list), p) => {
            let open = |i: usize| match list.get(i) {
                Some(s) if s.unavailable.is_none() => Send(Message::Services(services::Message::Open(s.id.clone()))),
                _ => Action::None,
            };
            match p {
                Press::Digit(n @ 1..=9) => open(usize::from(n) - 1),
                _ if arrow => step(focus, list.len(), forward),
                Press::Enter => focus.map_or(Action::None, open),
                Press::Delete => Send(Message::Services(services::Message::Logout)),
                _ => Action::None,
            }
        }
        (Screen::Preview(state), _) if arrow => match step(state.ring, state.controls().len(), forward) {
            Action::Focus(n) => Send(Message::Preview(preview::Message::Focus(n))),
            other => other,
        },
        (Screen::Preview(_), p) => Send(Message::Preview(match p {
            Press::Plus => preview::Message::More,
            Press::Minus => preview::Message::Fewer,
            Press::Digit(1) => preview::Message::Sides(false),
            Press::Digit(2) => preview::Message::Sides(true),
            Press::Enter => preview::Message::Confirm,
            Press::Back => preview::Message::Back,
            Press::Delete => preview::Message::Logout,
            _ => return Action::None,
        })),
        (Screen::Done, _) if arrow => step(focus, done::controls().len(), forward),
        (Screen::Done, Press::Digit(n @ 1..=5)) => Send(Message::Done(done::Message::Rate(n))),
        (Screen::Done, Press::Enter) => Send(Message::Done(
            focus
                .and_then(|f| done::controls().get(f).cloned())
                .unwrap_or(done::Message::Finish),
        )),
        (Screen::Done, Press::Delete) => Send(Message::Done(done::Message::Finish)),
        (Screen::Fault, Press::Enter | Press::Back) => Send(Message::Fault(fault::Message::Back)),
        _ => Action::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_from_the_keypad_and_the_arrows() {
        let ch = |c: &str| press(&keyboard::Key::Character(c.into()), Some(c));
        assert_eq!(ch("7"), Some(Press::Digit(7)));
        assert_eq!(ch("+"), Some(Press::Plus));
        assert_eq!(ch("*"), Some(Press::Star));
        assert_eq!(ch("x"), None);
        assert_eq!(press(&keyboard::Key::Named(Named::Enter), None), Some(Press::Enter));
        assert_eq!(press(&keyboard::Key::Named(Named::ArrowDown), None), Some(Press::Down));
    }

    fn preview(duplex: bool) -> preview::State {
        preview::State {
            service: "s".into(),
            name: crate::i18n::Bilingual::new("甲", "A"),
            rendered: None,
            page: 0,
            copies: 1,
            max_copies: 5,
            duplex_allowed: duplex,
            duplex: false,
            quota: None,
            zoom: None,
            steps: false,
            stage: preview::Stage::Pages,
            ring: None,
        }
    }

    #[test]
    fn the_preview_and_done_screens_map_their_keys() {
        let p = preview(true);
        assert!(matches!(
            action(Screen::Preview(&p), Press::Enter, None),
            Action::Send(Message::Preview(preview::Message::Confirm))
        ));
        assert!(matches!(
            action(Screen::Done, Press::Digit(4), None),
            Action::Send(Message::Done(done::Message::Rate(4)))
        ));
        assert!(matches!(action(Screen::Done, Press::Digit(7), None), Action::None));
        assert!(
            matches!(action(Screen::Printing, Press::Enter, None), Action::None),
            "a job is never interrupted"
        );
        assert!(matches!(
            action(Screen::Attract { ring: &[] }, Press::Star, None),
            Action::Voice
        ));
        assert!(matches!(action(Screen::Services(&[]), Press::Down, None), Action::None));
    }

    #[test]
    fn the_arrows_walk_the_ring_and_enter_presses_what_it_is_on() {
        // Preview: the first arrow puts the ring on the first control, the
        // ring stops at the ends.
        let mut p = preview(false);
        let Action::Send(Message::Preview(preview::Message::Focus(0))) = action(Screen::Preview(&p), Press::Down, None)
        else {
            panic!("the first arrow puts the ring on the first control");
        };
        let last = p.controls().len() - 1;
        p.ring = Some(last);
        assert!(matches!(
            action(Screen::Preview(&p), Press::Right, None),
            Action::Send(Message::Preview(preview::Message::Focus(n))) if n == last
        ));
        p.ring = Some(0);
        assert!(matches!(
            action(Screen::Preview(&p), Press::Up, None),
            Action::Send(Message::Preview(preview::Message::Focus(0)))
        ));
        // Done: Enter on the third rating rates 3; without the ring it
        // finishes.
        assert!(matches!(action(Screen::Done, Press::Down, Some(1)), Action::Focus(2)));
        assert!(matches!(
            action(Screen::Done, Press::Enter, Some(2)),
            Action::Send(Message::Done(done::Message::Rate(3)))
        ));
        assert!(matches!(
            action(Screen::Done, Press::Enter, None),
            Action::Send(Message::Done(done::Message::Finish))
        ));
        // Attract: the ring reaches large text, Enter turns it on.
        let ring = attract::controls(true);
        assert!(matches!(
            action(Screen::Attract { ring: &ring }, Press::Down, Some(0)),
            Action::Focus(1)
        ));
        assert!(matches!(
            action(Screen::Attract { ring: &ring }, Press::Enter, Some(1)),
            Action::Send(Message::Attract(attract::Message::LargeText))
        ));
        assert!(matches!(
            action(Screen::Attract { ring: &ring }, Press::Enter, None),
            Action::None
        ));
    }
}
