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

use iced::widget::{Space, column, container, row};
use iced::{Alignment, Element, Length};

use crate::i18n::T;
use crate::ui::style::{self, Kind, Look, heading, label, sized_button, wide_button};

/// "王*明 · 2023****34": enough for a person to see a session is theirs,
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

/// Where a signed-in person is in the flow (the step indicator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Choose,
    Preview,
    Print,
    Done,
}

/// 1 选择 → 2 预览 → 3 打印 → 4 完成: the steps done ticked, the current
/// one marked and bold.
pub fn steps<'a, M: 'a>(look: Look, at: Step) -> Element<'a, M> {
    let all = [
        (Step::Choose, T::StepChoose),
        (Step::Preview, T::StepPreview),
        (Step::Print, T::StepPrint),
        (Step::Done, T::StepDone),
    ];
    let size = look.size(style::SMALL);
    let mut r = row![].spacing(12).align_y(Alignment::Center);
    for (i, (step, key)) in all.into_iter().enumerate() {
        if i > 0 {
            r = r.push(label("→", size).color(style::GREY));
        }
        let text = format!("{} {}", i + 1, look.tr(key));
        r = r.push(match step.cmp(&at) {
            std::cmp::Ordering::Less => row![
                label("✓", size).color(style::GREEN),
                label(text, size).color(style::GREEN)
            ]
            .spacing(4)
            .into(),
            std::cmp::Ordering::Equal => Element::from(
                container(heading(text, size).color(iced::Color::WHITE))
                    .padding([4, 12])
                    .style(|_| container::Style {
                        background: Some(iced::Background::Color(style::BLUE)),
                        border: iced::Border {
                            radius: 12.0.into(),
                            ..iced::Border::default()
                        },
                        ..container::Style::default()
                    }),
            ),
            std::cmp::Ordering::Greater => label(text, size).color(style::GREY).into(),
        });
    }
    r.into()
}

/// What every signed-in screen is made of: at the top who is signed in
/// (masked), the step and the language switch; the screen's own content;
/// and at the bottom, always in the same reachable place, back (where
/// there is a way back) and log out.
pub struct Frame<'a, M> {
    pub look: Look,
    pub who: Option<String>,
    pub step: Step,
    pub back: Option<M>,
    pub switch: Option<M>,
    pub logout: Option<M>,
    /// The control the keypad's focus ring is on, if it is one of these.
    pub focused: Option<M>,
    pub body: Element<'a, M>,
}

impl<'a, M: Clone + PartialEq + 'a> Frame<'a, M> {
    pub fn view(self) -> Element<'a, M> {
        let look = self.look;
        let small = look.size(style::SMALL);
        let who: Element<'a, M> = match self.who {
            Some(w) => heading(w, look.size(style::BODY)).into(),
            None => Space::new().into(),
        };
        let focused = self.focused;
        let ringed = |m: &M| focused.as_ref() == Some(m);
        let switch: Element<'a, M> = match self.switch {
            Some(m) => style::ring(
                sized_button(look.tr(T::SwitchLang), small, Kind::Secondary, Some(m.clone())),
                ringed(&m),
            )
            .into(),
            None => Space::new().into(),
        };
        let top = column![
            row![who, Space::new().width(Length::Fill), switch]
                .spacing(style::GAP)
                .align_y(Alignment::Center),
            steps(look, self.step),
        ]
        .spacing(16);
        let button_width = look.size(260.0);
        // A missing button keeps its place, so the other never moves.
        let slot = |text: String, m: Option<M>| -> Element<'a, M> {
            match m {
                Some(m) => style::ring(
                    wide_button(
                        text,
                        look.size(style::BODY),
                        Kind::Secondary,
                        Some(m.clone()),
                        button_width,
                    ),
                    ringed(&m),
                )
                .into(),
                None => Space::new().width(button_width).into(),
            }
        };
        let back = slot(format!("‹ {}", look.tr(T::Back)), self.back);
        let logout = slot(look.tr(T::Logout).to_string(), self.logout);
        let bottom = row![back, Space::new().width(Length::Fill), logout].align_y(Alignment::Center);
        container(
            column![
                top,
                container(self.body).height(Length::Fill).width(Length::Fill),
                bottom
            ]
            .spacing(style::GAP)
            .padding(style::MARGIN),
        )
        .style(style::screen)
        .width(Length::Fill)
        .height(Length::Fill)
        .into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_and_ids_are_masked() {
        assert_eq!(super::masked("王小明", "2023011234"), "王*明 · 2023****34");
        assert_eq!(super::masked("欧阳小明", "2023011234"), "欧**明 · 2023****34");
        assert_eq!(super::masked("李四", "123"), "李* · ***");
    }
}
