//! The attract screen: tap a card or scan the live QR code; language
//! switch, device status, terminal name; the demo's controls on the demo.

use iced::widget::{Space, column, container, image, mouse_area, row};
use iced::{Alignment, Element, Length};

use crate::i18n::{Lang, T, simulate_tap, tr};
use crate::ui::style::{self, Kind, heading, label, text_button};

#[derive(Debug, Clone)]
pub enum Message {
    SwitchLang,
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
    pub lang: Lang,
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
}

pub fn view(v: View<'_>) -> Element<'_, Message> {
    let lang = v.lang;
    let corner = mouse_area(Space::new().width(120).height(120)).on_press(Message::Corner);
    let top = row![
        corner,
        label(v.terminal, style::SMALL).color(style::GREY),
        Space::new().width(Length::Fill),
        text_button(tr(lang, T::SwitchLang), Kind::Secondary, Some(Message::SwitchLang)),
    ]
    .align_y(Alignment::Center)
    .spacing(style::GAP);

    let qr: Element<'_, Message> = if v.identifying {
        label(tr(lang, T::Identifying), style::H2).into()
    } else if let Some(h) = v.qr {
        column![
            image(h.clone())
                .width(420)
                .height(420)
                .filter_method(image::FilterMethod::Nearest),
            label(tr(lang, T::OrScan), style::BODY).color(style::GREY),
        ]
        .spacing(16)
        .align_x(Alignment::Center)
        .into()
    } else if v.qr_trouble {
        label(tr(lang, T::QrTrouble), style::BODY).color(style::GREY).into()
    } else {
        label(tr(lang, T::QrLoading), style::BODY).color(style::GREY).into()
    };

    let mut body = column![
        top,
        Space::new().height(80),
        heading(tr(lang, T::Title), style::H1),
        Space::new().height(40),
        heading(tr(lang, T::TapCard), style::H2).color(style::BLUE),
        Space::new().height(40),
        qr,
        Space::new().height(24),
        label(
            format!(
                "{}{}",
                tr(lang, T::CanPrint),
                v.services.iter().map(|n| n.get(lang)).collect::<Vec<_>>().join(" · ")
            ),
            style::BODY
        )
        .color(style::GREY),
        Space::new().height(Length::Fill),
    ]
    .align_x(Alignment::Center)
    .spacing(8)
    .padding(style::MARGIN)
    .width(Length::Fill)
    .height(Length::Fill);

    // Device status only when something is wrong.
    if let Some(problem) = v.printer_problem {
        body = body.push(
            container(
                label(
                    format!("{}{}", tr(lang, T::PrinterDown), tr(lang, problem)),
                    style::BODY,
                )
                .color(style::RED),
            )
            .padding(24)
            .style(style::panel)
            .width(Length::Fill),
        );
    }
    if v.reader == Device::Offline {
        body = body.push(label(tr(lang, T::ReaderDown), style::BODY).color(style::RED));
    }
    if let Some((cards, printed)) = v.demo {
        let mut demo = column![label(tr(lang, T::DemoTitle), style::SMALL).color(style::GREY)].spacing(12);
        for c in cards {
            demo = demo.push(
                text_button_owned(simulate_tap(lang, &c.label), Message::DemoTap(c.uid.clone())).width(Length::Fill),
            );
        }
        if v.qr.is_some() && !v.identifying {
            demo = demo
                .push(text_button(tr(lang, T::DemoScan), Kind::Secondary, Some(Message::DemoScan)).width(Length::Fill));
        }
        demo = demo.push(label(format!("{}{printed}", tr(lang, T::DemoPrinted)), style::SMALL).color(style::GREY));
        body = body.push(container(demo).padding(24).style(style::panel).width(Length::Fill));
    }
    container(body).style(style::screen).into()
}

fn text_button_owned<'a>(s: String, m: Message) -> iced::widget::Button<'a, Message> {
    style::big_button(
        iced::widget::text(s)
            .size(style::BODY)
            .font(style::BOLD)
            .color(style::BLUE),
        Kind::Secondary,
        Some(m),
    )
}
