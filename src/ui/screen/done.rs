//! Done: take your documents, an optional 1–5 rating, and the automatic
//! logout a few seconds later.

use iced::widget::{Space, column, container, row};
use iced::{Alignment, Element, Length};

use crate::i18n::{Lang, T, tr};
use crate::ui::style::{self, Kind, heading, label, text_button};

#[derive(Debug, Clone)]
pub enum Message {
    Rate(u8),
    Finish,
}

const STARS: [&str; 5] = ["1", "2", "3", "4", "5"];

pub fn view(lang: Lang, rating: Option<u8>) -> Element<'static, Message> {
    let mut stars = row![].spacing(16);
    for (i, s) in STARS.iter().enumerate() {
        let n = i as u8 + 1;
        let kind = if rating.is_some_and(|r| r >= n) {
            Kind::Primary
        } else {
            Kind::Secondary
        };
        stars = stars.push(text_button(s, kind, Some(Message::Rate(n))).width(96));
    }
    let thanks: Element<'static, Message> = if rating.is_some() {
        label(tr(lang, T::Thanks), style::BODY).color(style::GREEN).into()
    } else {
        Space::new().height(style::BODY).into()
    };
    container(
        column![
            heading(tr(lang, T::TakeDocuments), style::H1).color(style::GREEN),
            Space::new().height(60),
            label(tr(lang, T::RateUs), style::BODY),
            stars,
            thanks,
            Space::new().height(60),
            text_button(tr(lang, T::Finish), Kind::Primary, Some(Message::Finish)),
        ]
        .spacing(style::GAP)
        .align_x(Alignment::Center)
        .padding(style::MARGIN),
    )
    .center(Length::Fill)
    .style(style::screen)
    .into()
}
