//! A USB numeric keypad (or a keyboard's arrows and Enter) drives every
//! flow: what each key does on each screen. Pure: the shell turns the
//! answer into the same messages the touch screen sends.
//!
//! | key | attract | services | preview | done | fault |
//! | --- | --- | --- | --- | --- | --- |
//! | `*` | voice on, then repeat | repeat | repeat | repeat | repeat |
//! | `/` | volume | volume | volume | volume | volume |
//! | digits | (a wedge reader's card) | open service n | 1 one-sided, 2 two-sided | rate n | — |
//! | arrows | — | move the focus ring | previous / next page | — | — |
//! | `+` `-` | — | — | copies | — | — |
//! | Enter | — | open the focused service | print | finish | back to start |
//! | Backspace, Esc | — | — | back | — | back to start |
//! | `.`, Delete | — | log out | log out | finish | — |

use iced::keyboard::{self, key::Named};

use crate::ui::screen::{done, preview, services};
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
    Attract,
    Services(&'a [Service]),
    Preview,
    Printing,
    Done,
    Fault,
}

/// What a press does.
#[derive(Debug, Clone)]
pub enum Action {
    None,
    /// Voice on, or, when it is on, say the screen again.
    Voice,
    /// The next loudness.
    Volume,
    /// Move the focus ring to this item.
    Focus(usize),
    Send(Message),
}

/// What `p` does on `screen`, the focus ring on item `focus`.
pub fn action(screen: Screen<'_>, p: Press, focus: Option<usize>) -> Action {
    use Action::{Focus, Send};
    match (screen, p) {
        (_, Press::Star) => Action::Voice,
        (_, Press::Slash) => Action::Volume,
        (Screen::Services(list), p) => {
            let open = |i: usize| match list.get(i) {
                Some(s) if s.unavailable.is_none() => Send(Message::Services(services::Message::Open(s.id.clone()))),
                _ => Action::None,
            };
            let last = list.len().saturating_sub(1);
            match p {
                Press::Digit(n @ 1..=9) => open(usize::from(n) - 1),
                Press::Down | Press::Right => Focus(focus.map_or(0, |f| (f + 1).min(last))),
                Press::Up | Press::Left => Focus(focus.map_or(0, |f| f.saturating_sub(1))),
                Press::Enter => focus.map_or(Action::None, open),
                Press::Delete => Send(Message::Services(services::Message::Logout)),
                _ => Action::None,
            }
        }
        (Screen::Preview, p) => Send(Message::Preview(match p {
            Press::Plus => preview::Message::More,
            Press::Minus => preview::Message::Fewer,
            Press::Digit(1) => preview::Message::Sides(false),
            Press::Digit(2) => preview::Message::Sides(true),
            Press::Left | Press::Up => preview::Message::PrevPage,
            Press::Right | Press::Down => preview::Message::NextPage,
            Press::Enter => preview::Message::Confirm,
            Press::Back => preview::Message::Back,
            Press::Delete => preview::Message::Logout,
            _ => return Action::None,
        })),
        (Screen::Done, Press::Digit(n @ 1..=5)) => Send(Message::Done(done::Message::Rate(n))),
        (Screen::Done, Press::Enter | Press::Delete) => Send(Message::Done(done::Message::Finish)),
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

    #[test]
    fn the_preview_and_done_screens_map_their_keys() {
        assert!(matches!(
            action(Screen::Preview, Press::Enter, None),
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
        assert!(matches!(action(Screen::Attract, Press::Star, None), Action::Voice));
        assert!(matches!(
            action(Screen::Services(&[]), Press::Down, None),
            Action::Focus(0)
        ));
    }
}
