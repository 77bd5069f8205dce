//! The attract screen: tap a card or scan the live QR code; language
//! switch, device status, terminal name; the demo's controls on the demo.

use iced::widget::{Space, column, container, image, mouse_area, responsive, row};
use iced::{Alignment, Element, Length};

use crate::i18n::{T, simulate_tap};
use crate::ui::style::{self, Kind, Look, heading, label, text_button};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    SwitchLang,
    /// Large text on or off (大字模式), until the person leaves.
    LargeText,
    /// Speech guidance on or off (语音), until the person leaves.
    Voice,
    /// A tap on the hidden top-left corner (five open the technician PIN).
    Corner,
    /// Demo: a card tap, by UID.
    DemoTap(String),
    /// Demo: confirm the shown QR code as if scanned.
    DemoScan,
}

/// A device's state on the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Ok,
    Offline,
    Fault,
    None,
}

/// A demo card: who, and its UID.
#[derive(Debug, Clone)]
pub struct DemoCard {
    pub label: String,
    pub uid: String,
}

pub struct View<'a> {
    pub look: Look,
    /// Whether this terminal can speak.
    pub voice: bool,
    pub terminal: &'a str,
    pub qr: Option<&'a image::Handle>,
    pub qr_trouble: bool,
    pub identifying: bool,
    pub reader: Device,
    /// The printer's problem in plain words (zh, en), if it has one.
    pub printer_problem: Option<T>,
    /// What this terminal prints.
    pub services: Vec<&'a crate::i18n::Bilingual>,
    pub demo: Option<(&'a [DemoCard], &'a str)>,
    /// The control the keypad's focus ring is on.
    pub focused: Option<Message>,
}

/// The controls the keypad's arrows walk, in their order on screen: voice
/// (where the terminal can speak), large text, the language. (A card or
/// the campus app signs in; the keypad's digits are a wedge reader's.)
pub fn controls(voice: bool) -> Vec<Message> {
    let mut c = Vec::new();
    if voice {
        c.push(Message::Voice);
    }
    c.extend([Message::LargeText, Message::SwitchLang]);
    c
}

/// What a control is called aloud, and whether it is on.
pub fn control_name(look: Look, m: &Message) -> String {
    let s = |k| crate::i18n::spoken(look.lang, k);
    let (key, on) = match m {
        Message::Voice => (T::Voice, look.voice),
        Message::LargeText => (T::LargeText, look.large),
        Message::SwitchLang => (T::SwitchLang, false),
        _ => return String::new(),
    };
    if on {
        crate::i18n::clause(look.lang, s(key), s(T::ChosenNow))
    } else {
        s(key).to_string()
    }
}

pub fn view(v: View<'_>) -> Element<'_, Message> {
    responsive(move |size| layout(&v, size)).into()
}

/// Portrait: one column, the QR code under the card prompt. Landscape (and
/// 5:4 screens): the prompts and the demo controls on the left, the QR
/// code on the right, everything above the bottom edge.
fn layout<'a>(v: &View<'a>, size: iced::Size) -> Element<'a, Message> {
    let look = v.look;
    let lang = look.lang;
    let landscape = size.width > size.height;
    let corner = mouse_area(Space::new().width(120).height(120)).on_press(Message::Corner);
    let ringed = |m: &Message| v.focused.as_ref() == Some(m);
    let toggle = |on: bool, key: T, m: Message| {
        let focused = ringed(&m);
        style::ring(
            style::sized_button(
                if on {
                    format!("✓ {}", look.tr(key))
                } else {
                    look.tr(key).to_string()
                },
                look.size(style::BODY),
                if on { Kind::Chosen } else { Kind::Secondary },
                Some(m),
            ),
            focused,
        )
    };
    let voice: Element<'_, Message> = if v.voice {
        toggle(look.voice, T::Voice, Message::Voice).into()
    } else {
        Space::new().into()
    };
    // The toggles alone up here: in large text they take the width of a
    // portrait screen; the terminal's name is at the foot.
    let top = row![
        corner,
        Space::new().width(Length::Fill),
        voice,
        toggle(look.large, T::LargeText, Message::LargeText),
        style::ring(
            style::sized_button(
                look.tr(T::SwitchLang),
                look.size(style::BODY),
                Kind::Secondary,
                Some(Message::SwitchLang)
            ),
            ringed(&Message::SwitchLang)
        ),
    ]
    .align_y(Alignment::Center)
    .spacing(style::GAP);

    // The code stays scannable: never smaller than 300 px.
    let qr_side = if landscape {
        (size.height * 0.42).clamp(300.0, 460.0)
    } else {
        (size.width * 0.39).clamp(300.0, 460.0)
    };
    let qr: Element<'_, Message> = if v.identifying {
        label(look.tr(T::Identifying), look.size(style::H2)).into()
    } else if let Some(h) = v.qr {
        column![
            image(h.clone())
                .width(qr_side)
                .height(qr_side)
                .filter_method(image::FilterMethod::Nearest),
            label(look.tr(T::OrScan), look.size(style::BODY)).color(style::GREY),
        ]
        .spacing(16)
        .align_x(Alignment::Center)
        .into()
    } else if v.qr_trouble {
        label(look.tr(T::QrTrouble), look.size(style::BODY))
            .color(style::GREY)
            .into()
    } else {
        label(look.tr(T::QrLoading), look.size(style::BODY))
            .color(style::GREY)
            .into()
    };

    let prompt = column![
        heading(look.tr(T::Title), look.size(style::H1)),
        heading(look.tr(T::TapCard), look.size(style::H2)).color(style::BLUE),
        label(
            format!(
                "{}{}",
                look.tr(T::CanPrint),
                v.services.iter().map(|n| n.get(lang)).collect::<Vec<_>>().join(" · ")
            ),
            look.size(style::BODY)
        )
        .color(style::GREY),
    ]
    .spacing(if landscape { 24 } else { 40 })
    .align_x(if landscape { Alignment::Start } else { Alignment::Center });

    // Device status only when something is wrong.
    let mut status = column![].spacing(12).width(Length::Fill);
    if let Some(problem) = v.printer_problem {
        status = status.push(
            container(
                label(
                    format!("{}{}", look.tr(T::PrinterDown), look.tr(problem)),
                    look.size(style::BODY),
                )
                .color(style::RED),
            )
            .padding(24)
            .style(style::panel)
            .width(Length::Fill),
        );
    }
    if v.reader == Device::Offline {
        status = status.push(label(look.tr(T::ReaderDown), look.size(style::BODY)).color(style::RED));
    }
    let demo: Element<'_, Message> = match v.demo {
        Some((cards, printed)) => demo_panel(look, cards, printed, v.qr.is_some() && !v.identifying),
        None => Space::new().into(),
    };

    let body: Element<'_, Message> = if landscape {
        row![
            column![prompt, Space::new().height(Length::Fill), status, demo]
                .spacing(style::GAP)
                .width(Length::FillPortion(3))
                .height(Length::Fill),
            container(qr).center(Length::Fill).width(Length::FillPortion(2)),
        ]
        .spacing(style::GAP * 2.0)
        .height(Length::Fill)
        .into()
    } else {
        column![
            Space::new().height(40),
            prompt,
            Space::new().height(24),
            qr,
            Space::new().height(Length::Fill),
            status,
            demo,
        ]
        .spacing(8)
        .align_x(Alignment::Center)
        .height(Length::Fill)
        .into()
    };
    let foot = label(v.terminal, look.size(style::SMALL)).color(style::GREY);
    container(
        column![top, body, foot]
            .spacing(8)
            .padding(style::MARGIN)
            .width(Length::Fill)
            .height(Length::Fill),
    )
    .style(style::screen)
    .into()
}

fn demo_panel<'a>(look: Look, cards: &'a [DemoCard], printed: &'a str, can_scan: bool) -> Element<'a, Message> {
    let lang = look.lang;
    let mut demo = column![label(look.tr(T::DemoTitle), look.size(style::SMALL)).color(style::GREY)].spacing(12);
    // Two buttons a row: the demo's cards fit on a landscape screen too.
    for pair in cards.chunks(2) {
        let mut r = row![].spacing(12);
        for c in pair {
            r = r.push(
                text_button_owned(simulate_tap(lang, &c.label), Message::DemoTap(c.uid.clone()))
                    .width(Length::FillPortion(1)),
            );
        }
        if pair.len() == 1 {
            r = r.push(Space::new().width(Length::FillPortion(1)));
        }
        demo = demo.push(r);
    }
    if can_scan {
        demo =
            demo.push(text_button(look.tr(T::DemoScan), Kind::Secondary, Some(Message::DemoScan)).width(Length::Fill));
    }
    demo =
        demo.push(label(format!("{}{printed}", look.tr(T::DemoPrinted)), look.size(style::SMALL)).color(style::GREY));
    container(demo)
        .padding(24)
        .style(style::panel)
        .width(Length::Fill)
        .into()
}

fn text_button_owned<'a>(s: String, m: Message) -> iced::widget::Button<'a, Message> {
    style::big_button(
        iced::widget::text(s)
            .size(style::SMALL)
            .font(style::BOLD)
            .color(style::BLUE),
        Kind::Secondary,
        Some(m),
    )
}

/// What the attract screen says aloud.
pub fn spoken(look: Look, services: &[&crate::i18n::Bilingual]) -> String {
    use crate::i18n::{clause, labelled, list, sentences};
    let lang = look.lang;
    let s = |k| crate::i18n::spoken(lang, k);
    let names: Vec<&str> = services.iter().map(|n| n.get(lang)).collect();
    let login = clause(lang, s(T::TapCard), s(T::OrScan));
    let prints = labelled(lang, s(T::CanPrint), &list(lang, &names));
    sentences(lang, &[s(T::Title), &login, &prints, s(T::VoiceOn)])
}
