//! A fault: what happened in plain words, what to do, whether anything
//! was counted, the incident code (also in the log), the way back and the
//! countdown to it; in the language the person chose.

use iced::widget::{Space, column, container};
use iced::{Alignment, Element, Length};

use crate::i18n::{T, back_in};
use crate::ui::style::{self, Kind, Look, heading, label, wide_button};

#[derive(Debug, Clone)]
pub enum Message {
    Back,
}

pub struct View<'a> {
    pub look: Look,
    pub message: &'a crate::i18n::Bilingual,
    pub call_staff: bool,
    pub nothing_charged: bool,
    pub incident: &'a str,
    /// Seconds before the attract screen returns by itself.
    pub leaving_in: Option<u64>,
}

pub fn view(v: View<'_>) -> Element<'_, Message> {
    let look = v.look;
    let mut col = column![
        heading(look.tr(T::FaultTitle), look.size(style::H1)).color(style::RED),
        label(v.message.get(look.lang), look.size(style::H2)),
    ]
    .spacing(style::GAP)
    .align_x(Alignment::Center);
    if v.nothing_charged {
        col = col.push(heading(look.tr(T::NothingCharged), look.size(style::BODY)).color(style::GREEN));
    }
    if v.call_staff {
        col = col.push(heading(look.tr(T::CallStaff), look.size(style::H2)).color(style::BLUE));
    }
    col = col
        .push(
            label(
                format!("{}: {}", look.tr(T::IncidentCode), v.incident),
                look.size(style::SMALL),
            )
            .color(style::GREY),
        )
        .push(Space::new().height(40))
        .push(wide_button(
            look.tr(T::BackToStart),
            look.size(style::H2),
            Kind::Primary,
            Some(Message::Back),
            look.size(420.0),
        ));
    if let Some(s) = v.leaving_in {
        col = col.push(label(back_in(look.lang, s), look.size(style::BODY)).color(style::GREY));
    }
    container(col.padding(style::MARGIN).max_width(1400))
        .center(Length::Fill)
        .style(style::screen)
        .into()
}

/// What a fault screen says aloud.
pub fn spoken(v: &View<'_>) -> String {
    let lang = v.look.lang;
    let s = |k| crate::i18n::spoken(lang, k);
    let message = v.message.get(lang);
    let mut parts = vec![s(T::FaultTitle), message];
    if v.nothing_charged && !message.contains(s(T::NothingCharged)) {
        parts.push(s(T::NothingCharged));
    }
    if v.call_staff {
        parts.push(s(T::CallStaff));
    }
    parts.push(s(T::KeypadFault));
    crate::i18n::sentences(lang, &parts)
}
