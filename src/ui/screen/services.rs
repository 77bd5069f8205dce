//! The services this person may use, as large tiles (icon, name, what it
//! is for, what is left of a per-term quota); the others greyed, with the
//! reason in readable contrast.

use iced::widget::{Space, button, column, container, responsive, row, scrollable};
use iced::{Alignment, Background, Border, Element, Length};

use crate::i18n::{T, page_count, quota_left};
use crate::ui::screen::{Frame, Step};
use crate::ui::style::{self, Look, heading, label};
use crate::ui::work::Service;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Open(String),
    Logout,
    SwitchLang,
}

pub fn view<'a>(
    look: Look,
    who: String,
    services: Option<&'a [Service]>,
    pages: &'a std::collections::HashMap<String, usize>,
    focus: Option<usize>,
) -> Element<'a, Message> {
    let body: Element<'a, Message> = match services {
        None => label(look.tr(T::LoadingServices), look.size(style::BODY))
            .color(style::GREY)
            .into(),
        Some([]) => label(look.tr(T::NoServices), look.size(style::BODY)).into(),
        Some(list) => responsive(move |size| {
            let choose = column![
                heading(look.tr(T::ChooseService), look.size(style::H2)),
                grid(look, list, pages, size.width, focus)
            ]
            .spacing(style::GAP);
            // Portrait: the tiles sit low, within reach of a wheelchair user.
            if size.height > size.width {
                container(choose).height(Length::Fill).align_bottom(Length::Fill).into()
            } else {
                choose.into()
            }
        })
        .into(),
    };
    Frame {
        look,
        who: Some(who),
        step: Step::Choose,
        back: None,
        switch: Some(Message::SwitchLang),
        logout: Some(Message::Logout),
        focused: None,
        body,
    }
    .view()
}

/// Tiles in as many columns as fit: two on a portrait screen, three in
/// landscape, one in large text on a narrow screen.
fn grid<'a>(
    look: Look,
    list: &'a [Service],
    pages: &'a std::collections::HashMap<String, usize>,
    width: f32,
    focus: Option<usize>,
) -> Element<'a, Message> {
    let min_tile = look.size(420.0);
    let fit = ((width + style::GAP) / (min_tile + style::GAP)).floor().clamp(1.0, 4.0) as usize;
    // No empty column when there are fewer services than fit.
    let columns = fit.min(list.len().max(1));
    let mut rows = column![].spacing(style::GAP);
    for (k, chunk) in list.chunks(columns).enumerate() {
        let mut r = row![].spacing(style::GAP).height(Length::Shrink);
        for (j, s) in chunk.iter().enumerate() {
            let focused = focus == Some(k * columns + j);
            r = r.push(container(tile(look, s, pages.get(&s.id).copied(), focused)).width(Length::FillPortion(1)));
        }
        // The last row keeps the tiles' width.
        for _ in chunk.len()..columns {
            r = r.push(Space::new().width(Length::FillPortion(1)));
        }
        rows = rows.push(r);
    }
    scrollable(rows).height(Length::Shrink).into()
}

fn tile<'a>(look: Look, s: &'a Service, pages: Option<usize>, focused: bool) -> Element<'a, Message> {
    let lang = look.lang;
    let usable = s.unavailable.is_none();
    let ink = if usable { style::INK } else { style::GREY };
    let mut text = column![heading(s.name.get(lang), look.size(style::H2)).color(ink)].spacing(8);
    if let Some(summary) = &s.summary {
        text = text.push(label(summary.get(lang), look.size(style::SMALL)).color(style::GREY));
    }
    match &s.unavailable {
        None => {
            if let Some(n) = pages {
                text = text.push(label(page_count(lang, n), look.size(style::SMALL)).color(style::GREY));
            }
            if let Some(q) = s.quota {
                text = text
                    .push(label(quota_left(lang, q.remaining(), q.limit), look.size(style::SMALL)).color(style::GREEN));
            }
        }
        // Red on pale grey stays above 4.5:1.
        Some(why) => text = text.push(label(why.get(lang), look.size(style::SMALL)).color(style::RED)),
    }
    let icon_color = if usable { crate::ui::icon::COLOR } else { style::GREY };
    let content = row![crate::ui::icon::view(s.icon, look.size(88.0), icon_color), text]
        .spacing(style::GAP)
        .align_y(Alignment::Center);
    let tile = button(content)
        .width(Length::Fill)
        .padding(look.size(32.0))
        .style(move |_, status| tile_style(usable, status))
        .on_press_maybe(usable.then(|| Message::Open(s.id.clone())));
    style::ring(tile, focused).into()
}

fn tile_style(usable: bool, status: button::Status) -> button::Style {
    let pressed = matches!(status, button::Status::Pressed);
    let (background, border) = match (usable, pressed) {
        (false, _) => (style::PALE, style::PALE),
        (true, true) => (style::CHOSEN, style::BLUE),
        (true, false) => (iced::Color::WHITE, style::BLUE),
    };
    button::Style {
        background: Some(Background::Color(background)),
        text_color: style::INK,
        border: Border {
            color: border,
            width: 3.0,
            radius: 18.0.into(),
        },
        shadow: iced::Shadow::default(),
        snap: true,
    }
}

/// What the services screen says aloud: each service with the number that
/// opens it from the keypad, and why one is not available.
pub fn spoken(look: Look, services: Option<&[Service]>) -> String {
    let lang = look.lang;
    let s = |k| crate::i18n::spoken(lang, k);
    let Some(list) = services else {
        return s(T::LoadingServices).to_string();
    };
    if list.is_empty() {
        return s(T::NoServices).to_string();
    }
    use crate::i18n::{clause, labelled};
    let items: Vec<String> = list
        .iter()
        .enumerate()
        .map(|(i, svc)| {
            let name = svc.name.get(lang);
            let n = (i + 1).to_string();
            let head = match lang {
                crate::i18n::Lang::Zh => clause(lang, &n, name),
                crate::i18n::Lang::En => labelled(lang, &n, name),
            };
            match &svc.unavailable {
                None => head,
                Some(why) => clause(lang, &head, &labelled(lang, s(T::Unavailable), why.get(lang))),
            }
        })
        .collect();
    let mut parts: Vec<&str> = vec![s(T::ChooseService)];
    parts.extend(items.iter().map(String::as_str));
    parts.push(s(T::KeypadChoose));
    crate::i18n::sentences(lang, &parts)
}
