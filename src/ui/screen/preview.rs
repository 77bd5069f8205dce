//! The preview: the rendered pages (the same layout the PDF comes from),
//! page flip, copies up to the service's limit, two-sided where allowed,
//! and the print button.

use std::sync::Arc;

use iced::widget::{Space, column, container, image, responsive, row};
use iced::{Alignment, Element, Length};

use crate::core::quota::Quota;
use crate::i18n::{Lang, T, at_most, page_of, quota_left, tr};
use crate::ui::style::{self, Kind, heading, label, text_button};
use crate::ui::work::Rendered;

#[derive(Debug, Clone)]
pub enum Message {
    PrevPage,
    NextPage,
    Fewer,
    More,
    ToggleDuplex,
    Print,
    Back,
    Logout,
    SwitchLang,
}

/// What the shell does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    Print,
    Back,
    Logout,
    SwitchLang,
}

#[derive(Debug, Clone)]
pub struct State {
    pub service: String,
    pub name: crate::i18n::Bilingual,
    pub rendered: Option<Arc<Rendered>>,
    pub page: usize,
    pub copies: u32,
    pub max_copies: u32,
    pub duplex_allowed: bool,
    pub duplex: bool,
    /// The person's quota of this service this term, if it has one.
    pub quota: Option<Quota>,
}

impl State {
    pub fn new(service: &crate::ui::work::Service, duplex_default: bool) -> State {
        State {
            service: service.id.clone(),
            name: service.name.clone(),
            rendered: None,
            page: 0,
            copies: 1,
            max_copies: service.max_copies,
            duplex_allowed: service.duplex,
            duplex: service.duplex && duplex_default,
            quota: service.quota,
        }
    }

    fn pages(&self) -> usize {
        self.rendered.as_ref().map_or(0, |r| r.pages.len())
    }

    pub fn update(&mut self, m: Message) -> Action {
        match m {
            Message::PrevPage => self.page = self.page.saturating_sub(1),
            Message::NextPage => self.page = (self.page + 1).min(self.pages().saturating_sub(1)),
            Message::Fewer => self.copies = self.copies.saturating_sub(1).max(1),
            Message::More => self.copies = (self.copies + 1).min(self.max_copies),
            Message::ToggleDuplex if self.duplex_allowed => self.duplex = !self.duplex,
            Message::ToggleDuplex => {}
            Message::Print if self.rendered.is_some() => return Action::Print,
            Message::Print => {}
            Message::Back => return Action::Back,
            Message::Logout => return Action::Logout,
            Message::SwitchLang => return Action::SwitchLang,
        }
        Action::None
    }

    pub fn view(&self, lang: Lang, who: String) -> Element<'_, Message> {
        let bar = super::signed_in_bar(lang, who, Some(Message::Back), Message::SwitchLang, Message::Logout);
        let title = heading(self.name.get(lang), style::H2);
        // Portrait: the page above the controls. Landscape: side by side.
        let body = responsive(move |size| {
            if size.width > size.height {
                row![
                    container(self.page_view(lang)).width(Length::FillPortion(3)),
                    container(self.controls_view(lang))
                        .width(Length::FillPortion(2))
                        .height(Length::Fill)
                        .align_bottom(Length::Fill),
                ]
                .spacing(style::GAP * 2.0)
                .into()
            } else {
                column![self.page_view(lang), self.controls_view(lang)]
                    .spacing(style::GAP)
                    .into()
            }
        });
        container(column![bar, title, body].spacing(style::GAP).padding(style::MARGIN))
            .style(style::screen)
            .width(Length::Fill)
            .height(Length::Fill)
            .into()
    }

    fn page_view(&self, lang: Lang) -> Element<'_, Message> {
        let Some(r) = &self.rendered else {
            return container(label(tr(lang, T::Rendering), style::BODY).color(style::GREY))
                .center(Length::Fill)
                .into();
        };
        let n = r.pages.len();
        let img = image(r.pages[self.page.min(n - 1)].clone())
            .width(Length::Fill)
            .height(Length::Fill);
        column![
            container(img).style(style::panel).padding(12).height(Length::Fill),
            row![
                text_button(
                    tr(lang, T::PrevPage),
                    Kind::Secondary,
                    (self.page > 0).then_some(Message::PrevPage)
                ),
                container(label(page_of(lang, self.page + 1, n), style::BODY)).center_x(Length::Fill),
                text_button(
                    tr(lang, T::NextPage),
                    Kind::Secondary,
                    (self.page + 1 < n).then_some(Message::NextPage)
                ),
            ]
            .align_y(Alignment::Center)
            .spacing(style::GAP),
        ]
        .spacing(16)
        .into()
    }

    fn controls_view(&self, lang: Lang) -> Element<'_, Message> {
        let copies = row![
            label(tr(lang, T::Copies), style::BODY),
            text_button("−", Kind::Secondary, (self.copies > 1).then_some(Message::Fewer)).width(style::TOUCH),
            heading(self.copies.to_string(), style::H2),
            text_button(
                "+",
                Kind::Secondary,
                (self.copies < self.max_copies).then_some(Message::More)
            )
            .width(style::TOUCH),
            label(at_most(lang, self.max_copies), style::SMALL).color(style::GREY),
        ]
        .spacing(style::GAP)
        .align_y(Alignment::Center);
        let mut controls = column![copies].spacing(style::GAP);
        if let Some(q) = self.quota {
            controls = controls.push(label(quota_left(lang, q.remaining(), q.limit), style::SMALL).color(style::GREY));
        }
        if self.duplex_allowed {
            let (now, kind) = if self.duplex {
                (T::Duplex, Kind::Primary)
            } else {
                (T::Simplex, Kind::Secondary)
            };
            controls = controls.push(text_button(tr(lang, now), kind, Some(Message::ToggleDuplex)));
        }
        controls
            .push(
                row![
                    Space::new().width(Length::Fill),
                    text_button(
                        tr(lang, T::Print),
                        Kind::Primary,
                        self.rendered.is_some().then_some(Message::Print)
                    )
                    .width(360),
                ]
                .align_y(Alignment::Center),
            )
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(max: u32, duplex: bool) -> State {
        State {
            service: "s".into(),
            name: crate::i18n::Bilingual::new("甲", "A"),
            rendered: None,
            page: 0,
            copies: 1,
            max_copies: max,
            duplex_allowed: duplex,
            duplex: false,
            quota: None,
        }
    }

    #[test]
    fn copies_stay_between_one_and_the_limit() {
        let mut s = state(2, false);
        s.update(Message::Fewer);
        assert_eq!(s.copies, 1);
        s.update(Message::More);
        s.update(Message::More);
        s.update(Message::More);
        assert_eq!(s.copies, 2);
        s.update(Message::ToggleDuplex);
        assert!(!s.duplex, "no two-sided where the service does not allow it");
        let mut s = state(5, true);
        s.update(Message::ToggleDuplex);
        assert!(s.duplex);
    }

    #[test]
    fn nothing_to_print_before_the_pages_are_ready() {
        let mut s = state(5, false);
        assert_eq!(s.update(Message::Print), Action::None);
        assert_eq!(s.update(Message::Back), Action::Back);
    }
}
