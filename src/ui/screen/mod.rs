//! The kiosk's screens. Each is a module with its own `Message` and
//! `view`; the ones with state of their own have a `State` and an
//! `update` that tells the shell what to do next.

pub mod attract;
pub mod done;
pub mod fault;
pub mod preview;
pub mod printing;
pub mod services;
pub mod technician;

use iced::widget::{Space, row};
use iced::{Alignment, Element, Length};

use crate::i18n::{Lang, T, tr};
use crate::ui::style::{self, Kind, heading, text_button};

/// "王*明 · 2022****34": enough for a person to see a session is theirs,
/// not enough for a passer-by to read it.
pub fn masked(name: &str, id: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let name: String = match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    };
    let ids: Vec<char> = id.chars().collect();
    let id: String = if ids.len() > 6 {
        let (head, tail) = (4, 2);
        format!(
            "{}{}{}",
            ids[..head].iter().collect::<String>(),
            "*".repeat(ids.len() - head - tail),
            ids[ids.len() - tail..].iter().collect::<String>()
        )
    } else {
        "*".repeat(ids.len())
    };
    format!("{name} · {id}")
}

/// The bar on every signed-in screen: back (where there is a way back),
/// who is signed in (masked), the language switch and log out, always in
/// the same places.
pub fn signed_in_bar<'a, M: Clone + 'a>(
    lang: Lang,
    who: String,
    back: Option<M>,
    switch: M,
    logout: M,
) -> Element<'a, M> {
    let back: Element<'a, M> = match back {
        Some(m) => text_button(tr(lang, T::Back), Kind::Secondary, Some(m))
            .width(150)
            .into(),
        None => Space::new().width(150).into(),
    };
    row![
        back,
        heading(who, style::BODY),
        Space::new().width(Length::Fill),
        text_button(tr(lang, T::SwitchLang), Kind::Secondary, Some(switch)),
        text_button(tr(lang, T::Logout), Kind::Secondary, Some(logout)),
    ]
    .spacing(style::GAP)
    .align_y(Alignment::Center)
    .into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_and_ids_are_masked() {
        assert_eq!(super::masked("王小明", "2022011234"), "王*明 · 2022****34");
        assert_eq!(super::masked("欧阳小明", "2022011234"), "欧**明 · 2022****34");
        assert_eq!(super::masked("李四", "123"), "李* · ***");
    }
}
