//! Done: take your documents, what printed (document, copies, sheets and
//! the document code a recipient checks), an optional 1–5 rating with its
//! thanks, and the countdown to the automatic logout.

use iced::widget::{column, container, row};
use iced::{Alignment, Element, Length};

use crate::i18n::{T, printed_summary, seconds_left};
use crate::ui::screen::{Frame, Step};
use crate::ui::style::{self, Kind, Look, heading, label, wide_button};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Rate(u8),
    Finish,
    SwitchLang,
}

/// What printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub document: crate::i18n::Bilingual,
    pub copies: u32,
    pub sheets: u32,
    /// The short code printed beside the seal.
    pub code: String,
}

pub struct View<'a> {
    pub look: Look,
    pub summary: Option<&'a Summary>,
    pub rating: Option<u8>,
    /// Seconds before the automatic logout.
    pub leaving_in: Option<u64>,
    /// The control the keypad's focus ring is on.
    pub focused: Option<Message>,
}

/// The controls, in the order the keypad's arrows walk them: the five
/// ratings, finish, the language.
pub fn controls() -> Vec<Message> {
    let mut c: Vec<Message> = (1..=5).map(Message::Rate).collect();
    c.extend([Message::Finish, Message::SwitchLang]);
    c
}

/// What a control is called aloud.
pub fn control_name(lang: crate::i18n::Lang, m: &Message, rating: Option<u8>) -> String {
    let s = |k| crate::i18n::spoken(lang, k);
    match m {
        Message::Rate(n) if rating == Some(*n) => {
            crate::i18n::clause(lang, &crate::i18n::rate_n(lang, *n), s(T::ChosenNow))
        }
        Message::Rate(n) => crate::i18n::rate_n(lang, *n),
        Message::Finish => s(T::Finish).to_string(),
        Message::SwitchLang => s(T::SwitchLang).to_string(),
    }
}

pub fn view(v: View<'_>) -> Element<'_, Message> {
    let look = v.look;
    let ringed = |m: &Message| v.focused.as_ref() == Some(m);
    let body_size = look.size(style::BODY);
    let mut col = column![heading(look.tr(T::TakeDocuments), look.size(style::H1)).color(style::GREEN)]
        .spacing(style::GAP)
        .align_x(Alignment::Center);
    if let Some(s) = v.summary {
        col = col.push(
            container(
                column![
                    label(
                        printed_summary(look.lang, s.document.get(look.lang), s.copies, s.sheets),
                        body_size
                    ),
                    label(look.tr(T::DocumentCode), look.size(style::SMALL)).color(style::GREY),
                    heading(s.code.clone(), look.size(style::H2)),
                ]
                .spacing(8)
                .align_x(Alignment::Center),
            )
            .padding(24)
            .style(style::panel),
        );
    }
    let mut stars = row![].spacing(16);
    for n in 1..=5u8 {
        let kind = if v.rating.is_some_and(|r| r >= n) {
            Kind::Primary
        } else {
            Kind::Secondary
        };
        stars = stars.push(style::ring(
            wide_button(
                n.to_string(),
                look.size(style::H2),
                kind,
                Some(Message::Rate(n)),
                look.size(style::TOUCH + 8.0),
            ),
            ringed(&Message::Rate(n)),
        ));
    }
    col = col.push(label(look.tr(T::RateUs), body_size)).push(stars);
    if v.rating.is_some() {
        col = col.push(heading(look.tr(T::Thanks), body_size).color(style::GREEN));
    }
    col = col.push(style::ring(
        wide_button(
            look.tr(T::Finish),
            look.size(style::H2),
            Kind::Primary,
            Some(Message::Finish),
            look.size(360.0),
        ),
        ringed(&Message::Finish),
    ));
    if let Some(s) = v.leaving_in {
        col = col.push(label(seconds_left(look.lang, s), body_size).color(style::GREY));
    }
    Frame {
        look,
        who: None,
        step: Step::Done,
        back: None,
        switch: Some(Message::SwitchLang),
        logout: None,
        focused: v.focused.clone(),
        body: container(col.width(Length::Fill)).center(Length::Fill).into(),
    }
    .view()
}

/// What the done screen says aloud.
pub fn spoken(look: Look, summary: Option<&Summary>) -> String {
    let lang = look.lang;
    let s = |k| crate::i18n::spoken(lang, k);
    let printed = summary.map(|sm| printed_summary(lang, sm.document.get(lang), sm.copies, sm.sheets));
    let mut parts = vec![s(T::TakeDocuments)];
    parts.extend(printed.as_deref());
    parts.push(s(T::KeypadRate));
    crate::i18n::sentences(lang, &parts)
}
