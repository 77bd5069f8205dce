//! A fault: what happened in plain words, whether to call staff, the
//! incident code (also in the log), and the way back.

use iced::widget::{Space, column, container};
use iced::{Alignment, Element, Length};

use crate::i18n::{Lang, T, tr};
use crate::ui::style::{self, Kind, heading, label, text_button};

#[derive(Debug, Clone)]
pub enum Message {
    Back,
}

pub struct View<'a> {
    pub lang: Lang,
    pub message: &'a crate::i18n::Bilingual,
    pub call_staff: bool,
    pub nothing_charged: bool,
    pub incident: &'a str,
}

pub fn view(v: View<'_>) -> Element<'_, Message> {
    let lang = v.lang;
    let mut col = column![
        heading(tr(lang, T::FaultTitle), style::H1).color(style::RED),
        label(v.message.get(lang), style::H2),
    ]
    .spacing(style::GAP)
    .align_x(Alignment::Center);
    if v.nothing_charged {
        col = col.push(label(tr(lang, T::NothingCharged), style::BODY));
    }
    if v.call_staff {
        col = col.push(heading(tr(lang, T::CallStaff), style::H2).color(style::BLUE));
    }
    col = col
        .push(label(format!("{}: {}", tr(lang, T::IncidentCode), v.incident), style::SMALL).color(style::GREY))
        .push(Space::new().height(40))
        .push(text_button(
            tr(lang, T::BackToStart),
            Kind::Primary,
            Some(Message::Back),
        ));
    container(col.padding(style::MARGIN))
        .center(Length::Fill)
        .style(style::screen)
        .into()
}
