//! The kiosk's look: sizes for a portrait touch screen read standing up,
//! high-contrast colours, and the few widget styles the screens share.

use iced::widget::{button, container, text};
use iced::{Background, Border, Color, Element, Font, Length, Shadow, font};

/// Smallest touch target, in logical pixels.
pub const TOUCH: f32 = 88.0;
pub const H1: f32 = 52.0;
pub const H2: f32 = 38.0;
pub const BODY: f32 = 30.0;
pub const SMALL: f32 = 24.0;
pub const GAP: f32 = 24.0;
pub const MARGIN: f32 = 48.0;

pub const BLUE: Color = Color::from_rgb8(0x0B, 0x4F, 0x9C);
pub const INK: Color = Color::from_rgb8(0x11, 0x18, 0x27);
pub const GREY: Color = Color::from_rgb8(0x5B, 0x63, 0x70);
pub const PALE: Color = Color::from_rgb8(0xEE, 0xF2, 0xF7);
pub const RED: Color = Color::from_rgb8(0xB9, 0x1C, 0x1C);
pub const GREEN: Color = Color::from_rgb8(0x15, 0x80, 0x3D);
/// The background of a chosen option.
pub const CHOSEN: Color = Color::from_rgb8(0xDB, 0xE8, 0xFA);

/// The UI's typeface (shipped in assets/fonts, shared with the print
/// pipeline's memory map).
pub const FONT: Font = Font::with_name("Noto Sans SC");
pub const BOLD: Font = Font {
    weight: font::Weight::Bold,
    ..FONT
};

/// A text in the UI's face.
pub fn label<'a>(s: impl text::IntoFragment<'a>, size: f32) -> iced::widget::Text<'a> {
    text(s).size(size).font(FONT).color(INK)
}

/// A heading.
pub fn heading<'a>(s: impl text::IntoFragment<'a>, size: f32) -> iced::widget::Text<'a> {
    text(s).size(size).font(BOLD).color(INK)
}

/// How the person at the terminal wants the screen: their language and
/// whether text is large (大字模式). Every student-facing view takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Look {
    pub lang: crate::i18n::Lang,
    pub large: bool,
    /// Speech guidance on (语音).
    pub voice: bool,
}

impl Look {
    /// How much larger text and controls are in large-text mode.
    pub const LARGE: f32 = 1.5;

    /// `base` (one of the sizes above) as this look draws it.
    pub fn size(self, base: f32) -> f32 {
        if self.large { base * Look::LARGE } else { base }
    }

    /// The string `key` in this look's language.
    pub fn tr(self, key: crate::i18n::T) -> &'static str {
        crate::i18n::tr(self.lang, key)
    }
}

/// Button kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The main action: filled blue.
    Primary,
    /// Other actions: outlined.
    Secondary,
    /// Shown but not usable: grey.
    Disabled,
    /// The chosen one of a set of options (one-sided / two-sided): pale
    /// blue with a thick border, never the look of an action.
    Chosen,
}

fn button_style(kind: Kind, status: button::Status) -> button::Style {
    let pressed = matches!(status, button::Status::Pressed);
    let (bg, fg, border) = match kind {
        Kind::Primary if pressed => (Color::from_rgb8(0x08, 0x3A, 0x73), Color::WHITE, BLUE),
        Kind::Primary => (BLUE, Color::WHITE, BLUE),
        Kind::Secondary if pressed => (PALE, BLUE, BLUE),
        Kind::Secondary => (Color::WHITE, BLUE, BLUE),
        Kind::Disabled => (PALE, GREY, PALE),
        Kind::Chosen => (CHOSEN, INK, BLUE),
    };
    button::Style {
        background: Some(Background::Color(bg)),
        text_color: fg,
        border: Border {
            color: border,
            width: if kind == Kind::Chosen { 5.0 } else { 3.0 },
            radius: 14.0.into(),
        },
        shadow: Shadow::default(),
        snap: true,
    }
}

/// A large touch button; `on_press` `None` shows it disabled.
pub fn big_button<'a, M: Clone + 'a>(
    content: impl Into<Element<'a, M>>,
    kind: Kind,
    on_press: Option<M>,
) -> button::Button<'a, M> {
    let kind = if on_press.is_none() { Kind::Disabled } else { kind };
    button(container(content).center_y(Length::Shrink).height(Length::Shrink))
        .padding([20, 32])
        .height(Length::Shrink)
        .style(move |_, status| button_style(kind, status))
        .on_press_maybe(on_press)
}

/// A button holding one label.
pub fn text_button<'a, M: Clone + 'a>(s: &'a str, kind: Kind, on_press: Option<M>) -> button::Button<'a, M> {
    sized_button(s, BODY, kind, on_press)
}

/// A button holding one label of `size`, centred.
pub fn sized_button<'a, M: Clone + 'a>(
    s: impl text::IntoFragment<'a>,
    size: f32,
    kind: Kind,
    on_press: Option<M>,
) -> button::Button<'a, M> {
    let color = label_color(kind, on_press.is_some());
    big_button(text(s).size(size).font(BOLD).color(color), kind, on_press)
}

/// A button `width` wide (fixed or `Fill`) with its label centred.
pub fn wide_button<'a, M: Clone + 'a>(
    s: impl text::IntoFragment<'a>,
    size: f32,
    kind: Kind,
    on_press: Option<M>,
    width: impl Into<Length>,
) -> button::Button<'a, M> {
    let color = label_color(kind, on_press.is_some());
    let kind = if on_press.is_none() { Kind::Disabled } else { kind };
    button(container(text(s).size(size).font(BOLD).color(color)).center_x(Length::Fill))
        .width(width)
        .padding([20, 16])
        .style(move |_, status| button_style(kind, status))
        .on_press_maybe(on_press)
}

fn label_color(kind: Kind, enabled: bool) -> Color {
    match (kind, enabled) {
        (_, false) => GREY,
        (Kind::Primary, true) => Color::WHITE,
        (Kind::Chosen, true) => INK,
        _ => BLUE,
    }
}

/// The keypad's focus ring around a control: a thick ink border outside
/// it (17:1 against the white screen, whatever the control's own colour).
/// The room for it is kept when it is off, so nothing moves as it goes.
pub fn ring<'a, M: 'a>(control: impl Into<Element<'a, M>>, focused: bool) -> container::Container<'a, M> {
    container(control).padding(RING + 2.0).style(move |_| container::Style {
        border: if focused {
            Border {
                color: INK,
                width: RING,
                radius: 22.0.into(),
            }
        } else {
            Border::default()
        },
        ..container::Style::default()
    })
}

/// How thick the focus ring is.
pub const RING: f32 = 6.0;

/// A panel with a pale background.
pub fn panel(_: &iced::Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(PALE)),
        border: Border {
            radius: 16.0.into(),
            ..Border::default()
        },
        ..container::Style::default()
    }
}

/// The whole screen: its text colour.
pub fn screen(_: &iced::Theme) -> container::Style {
    container::Style {
        // No background of its own: the window's (the light theme's white)
        // is cleared where the screen changes, where a full-screen quad
        // would be filled again through a mask for every changed region.
        background: None,
        text_color: Some(INK),
        ..container::Style::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_screen_is_the_windows_white_with_no_quad_of_its_own() {
        // A full-screen background quad made every screen change 40–80 ms
        // slower to draw (docs/performance.md): the light theme's white
        // is the background.
        assert!(screen(&iced::Theme::Light).background.is_none());
        assert_eq!(iced::Theme::Light.palette().background, Color::WHITE);
    }
}
