//! The preview: the rendered pages (the same layout the PDF comes from),
//! page flip, a tap on the page to read it full size, copies up to the
//! service's limit, one- or two-sided where the service allows it, the
//! sheets it will take, and the print button.
//!
//! In large text it asks one thing a screen ([`State::steps`]): the
//! pages, then the copies, then (where the service allows it) the sides,
//! where Print is.

use std::sync::Arc;

use iced::widget::{Space, button, column, container, image, responsive, row, scrollable};
use iced::{Alignment, Element, Length};

use crate::core::quota::Quota;
use crate::i18n::{T, at_most, page_of, quota_left, sheet_total, sheet_total_spoken};
use crate::ui::screen::{Frame, Step};
use crate::ui::style::{self, Kind, Look, heading, label, wide_button};
use crate::ui::work::Rendered;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    PrevPage,
    NextPage,
    Fewer,
    More,
    /// One-sided (`false`) or two-sided (`true`).
    Sides(bool),
    /// Read the page on screen full size.
    Zoom,
    CloseZoom,
    Print,
    /// One decision a screen: on to the next.
    Next,
    /// The screen's main action: the next step, or print on the last.
    Confirm,
    /// Back: to the step before, or from the first out of the preview.
    Back,
    Logout,
    SwitchLang,
    /// Move the keypad's focus ring to control `n` of [`State::controls`].
    Focus(usize),
}

/// The steps of a preview that asks one thing a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Pages,
    Copies,
    Sides,
}

/// What the shell does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    Print,
    Back,
    Logout,
    SwitchLang,
    /// Render page `n` (from 0) full size ([`State::zoomed`] takes it).
    Zoom(usize),
}

/// A page being read full size.
#[derive(Debug, Clone)]
pub struct Zoom {
    pub page: usize,
    /// `None` while it is being rendered.
    pub picture: Option<image::Handle>,
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
    pub zoom: Option<Zoom>,
    /// One decision a screen (large text), at `stage`.
    pub steps: bool,
    pub stage: Stage,
    /// The keypad's focus ring: control `n` of [`State::controls`].
    pub ring: Option<usize>,
}

impl State {
    pub fn new(service: &crate::ui::work::Service, duplex_default: bool, steps: bool) -> State {
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
            zoom: None,
            steps,
            stage: Stage::Pages,
            ring: None,
        }
    }

    /// The controls on screen, in the order the keypad's arrows walk them:
    /// the page (or, read full size, its close button), its flip, the
    /// choices, Print or the next step, then back, log out and the
    /// language.
    pub fn controls(&self) -> Vec<Message> {
        let mut c = Vec::new();
        let pages = [Message::PrevPage, Message::NextPage];
        let copies = [Message::Fewer, Message::More];
        let sides = [Message::Sides(false), Message::Sides(true)];
        if self.zoom.is_some() {
            c.extend(pages);
            c.push(Message::CloseZoom);
        } else if self.steps {
            match self.stage {
                Stage::Pages => {
                    c.push(Message::Zoom);
                    c.extend(pages);
                }
                Stage::Copies => c.extend(copies),
                Stage::Sides => c.extend(sides),
            }
            c.push(if self.prints_here() {
                Message::Print
            } else {
                Message::Next
            });
        } else {
            c.push(Message::Zoom);
            c.extend(pages);
            c.extend(copies);
            if self.duplex_allowed {
                c.extend(sides);
            }
            c.push(Message::Print);
        }
        c.extend([Message::Back, Message::Logout, Message::SwitchLang]);
        c
    }

    /// The control the focus ring is on.
    pub fn focused(&self) -> Option<Message> {
        self.ring.and_then(|i| self.controls().get(i).cloned())
    }

    fn ringed(&self, m: &Message) -> bool {
        self.focused().as_ref() == Some(m)
    }

    /// What a control is called aloud, and what it would do.
    pub fn control_name(&self, lang: crate::i18n::Lang, m: &Message) -> String {
        let s = |k| crate::i18n::spoken(lang, k);
        let key = match m {
            Message::PrevPage => T::PrevPage,
            Message::NextPage => T::NextPage,
            Message::Fewer => T::FewerCopies,
            Message::More => T::MoreCopies,
            Message::Sides(false) => T::Simplex,
            Message::Sides(true) => T::Duplex,
            Message::Zoom => T::TapToZoom,
            Message::CloseZoom => T::CloseZoom,
            Message::Print | Message::Confirm => T::Print,
            Message::Next if self.after(self.stage) == Some(Stage::Sides) => T::NextToSides,
            Message::Next => T::NextToCopies,
            Message::Back => T::Back,
            Message::Logout => T::Logout,
            Message::SwitchLang => T::SwitchLang,
            Message::Focus(_) => return String::new(),
        };
        let chosen = matches!(m, Message::Sides(two) if *two == self.duplex);
        let usable = match m {
            Message::PrevPage => self.page > 0,
            Message::NextPage => self.page + 1 < self.pages(),
            Message::Fewer => self.copies > 1,
            Message::More => self.copies < self.max_copies,
            Message::Zoom | Message::Print | Message::Next => self.rendered.is_some(),
            _ => true,
        };
        let name = s(key);
        if chosen {
            crate::i18n::clause(lang, name, s(T::ChosenNow))
        } else if !usable {
            crate::i18n::clause(lang, name, s(T::Unavailable))
        } else {
            name.to_string()
        }
    }

    /// The step after `stage`, if there is one.
    fn after(&self, stage: Stage) -> Option<Stage> {
        match stage {
            Stage::Pages => Some(Stage::Copies),
            Stage::Copies if self.duplex_allowed => Some(Stage::Sides),
            _ => None,
        }
    }

    /// Whether Print is on this screen.
    fn prints_here(&self) -> bool {
        !self.steps || self.after(self.stage).is_none()
    }

    pub fn pages(&self) -> usize {
        self.rendered.as_ref().map_or(0, |r| r.pages.len())
    }

    /// Sheets of paper the job takes: pages (halved, rounded up, when
    /// two-sided) × copies.
    pub fn sheets(&self) -> u32 {
        let pages = u32::try_from(self.pages()).unwrap_or(u32::MAX);
        let per_copy = if self.duplex { pages.div_ceil(2) } else { pages };
        per_copy.saturating_mul(self.copies)
    }

    /// The full-size picture of page `page`, once rendered.
    pub fn zoomed(&mut self, page: usize, picture: image::Handle) {
        if let Some(z) = &mut self.zoom
            && z.page == page
        {
            z.picture = Some(picture);
        }
    }

    pub fn update(&mut self, m: Message) -> Action {
        let before = (self.stage, self.zoom.is_some());
        let action = self.apply(m);
        if (self.stage, self.zoom.is_some()) != before {
            // Other controls are on screen: the ring starts again.
            self.ring = None;
        }
        action
    }

    fn apply(&mut self, m: Message) -> Action {
        match m {
            Message::Focus(n) => self.ring = Some(n.min(self.controls().len() - 1)),
            // Enter on the control the ring is on does what a touch would.
            Message::Confirm if self.ring.is_some() => {
                if let Some(focused) = self.focused() {
                    return self.apply(focused);
                }
            }
            Message::PrevPage => self.page = self.page.saturating_sub(1),
            Message::NextPage => self.page = (self.page + 1).min(self.pages().saturating_sub(1)),
            Message::Fewer => self.copies = self.copies.saturating_sub(1).max(1),
            Message::More => self.copies = (self.copies + 1).min(self.max_copies),
            Message::Sides(two) => self.duplex = two && self.duplex_allowed,
            Message::Zoom if self.rendered.is_some() => {
                self.zoom = Some(Zoom {
                    page: self.page,
                    picture: None,
                });
                return Action::Zoom(self.page);
            }
            Message::Zoom => {}
            Message::CloseZoom => self.zoom = None,
            Message::Print if self.rendered.is_some() && self.prints_here() => return Action::Print,
            Message::Print => {}
            Message::Next | Message::Confirm if self.steps && self.rendered.is_some() && !self.prints_here() => {
                if let Some(next) = self.after(self.stage) {
                    self.stage = next;
                    self.zoom = None;
                }
            }
            Message::Next => {}
            Message::Confirm if self.rendered.is_some() => return Action::Print,
            Message::Confirm => {}
            Message::Back if self.zoom.is_some() => self.zoom = None,
            Message::Back if self.steps && self.stage != Stage::Pages => {
                self.stage = match self.stage {
                    Stage::Sides => Stage::Copies,
                    _ => Stage::Pages,
                };
            }
            Message::Back => return Action::Back,
            Message::Logout => return Action::Logout,
            Message::SwitchLang => return Action::SwitchLang,
        }
        if self.zoom.as_ref().is_some_and(|z| z.page != self.page) {
            self.zoom = None;
        }
        Action::None
    }

    pub fn view(&self, look: Look, who: String) -> Element<'_, Message> {
        let body: Element<'_, Message> = match &self.zoom {
            Some(z) => self.zoom_view(look, z),
            None if self.steps => self.step_view(look),
            None => {
                // Portrait: the page above the choices. Landscape: side by side.
                responsive(move |size| {
                    if size.width > size.height {
                        row![
                            container(self.page_view(look)).width(Length::FillPortion(3)),
                            container(self.choices_view(look))
                                .width(Length::FillPortion(2))
                                .height(Length::Fill)
                                .align_bottom(Length::Fill),
                        ]
                        .spacing(style::GAP * 2.0)
                        .into()
                    } else {
                        column![self.page_view(look), self.choices_view(look)]
                            .spacing(style::GAP)
                            .into()
                    }
                })
                .into()
            }
        };
        Frame {
            look,
            who: Some(who),
            step: Step::Preview,
            back: Some(Message::Back),
            switch: Some(Message::SwitchLang),
            logout: Some(Message::Logout),
            focused: self.focused(),
            body: column![heading(self.name.get(look.lang), look.size(style::H2)), body]
                .spacing(style::GAP)
                .into(),
        }
        .view()
    }

    /// What the preview says aloud: the document, its pages, the copies and
    /// sheets, and the keys.
    pub fn spoken(&self, look: Look) -> String {
        let lang = look.lang;
        let s = |k| crate::i18n::spoken(lang, k);
        let name = self.name.get(lang);
        if self.rendered.is_none() {
            return crate::i18n::sentences(lang, &[name, s(T::Rendering)]);
        }
        let pages = u32::try_from(self.pages()).unwrap_or(u32::MAX);
        let total = sheet_total_spoken(lang, pages, self.duplex, self.copies, self.sheets());
        if !self.steps {
            return crate::i18n::sentences(lang, &[name, &total, s(T::KeypadPreview)]);
        }
        match self.stage {
            Stage::Pages => {
                let of = crate::i18n::page_count(lang, self.pages());
                crate::i18n::sentences(lang, &[name, &of, s(T::KeypadPages)])
            }
            Stage::Copies => crate::i18n::sentences(
                lang,
                &[
                    s(T::HowManyCopies),
                    &total,
                    s(if self.prints_here() {
                        T::KeypadPreview
                    } else {
                        T::KeypadCopies
                    }),
                ],
            ),
            Stage::Sides => crate::i18n::sentences(lang, &[s(T::WhichSides), &total, s(T::KeypadSides)]),
        }
    }

    /// One decision a screen: the pages, the copies or the sides, and the
    /// button on to the next (Print on the last).
    fn step_view(&self, look: Look) -> Element<'_, Message> {
        let lang = look.lang;
        let next = |key: T| {
            style::ring(
                wide_button(
                    look.tr(key),
                    look.size(style::H2),
                    Kind::Primary,
                    self.rendered.is_some().then_some(Message::Next),
                    Length::Fill,
                ),
                self.ringed(&Message::Next),
            )
        };
        let mut body = column![].spacing(style::GAP);
        match self.stage {
            Stage::Pages => {
                body = body.push(self.page_view(look)).push(next(T::NextToCopies));
                return body.into();
            }
            Stage::Copies => {
                body = body
                    .push(Space::new().height(Length::Fill))
                    .push(heading(look.tr(T::HowManyCopies), look.size(style::H2)))
                    .push(self.copies_row(look))
                    .push(label(at_most(lang, self.max_copies), look.size(style::SMALL)).color(style::GREY));
            }
            Stage::Sides => {
                body = body
                    .push(Space::new().height(Length::Fill))
                    .push(heading(look.tr(T::WhichSides), look.size(style::H2)))
                    .push(self.sides_row(look));
            }
        }
        body = body.push(self.total_and_quota(look));
        body.push(match self.after(self.stage) {
            Some(Stage::Sides) => next(T::NextToSides).into(),
            _ => self.print_button(look),
        })
        .into()
    }

    fn page_view(&self, look: Look) -> Element<'_, Message> {
        let Some(r) = &self.rendered else {
            return container(label(look.tr(T::Rendering), look.size(style::BODY)).color(style::GREY))
                .center(Length::Fill)
                .into();
        };
        let n = r.pages.len();
        let page = image(r.pages[self.page.min(n - 1)].clone())
            .width(Length::Fill)
            .height(Length::Fill);
        // The whole page is the button that opens it full size.
        let page = button(container(page).style(style::panel).padding(12))
            .padding(0)
            .height(Length::Fill)
            .style(|_, _| button::Style::default())
            .on_press(Message::Zoom);
        column![
            style::ring(page, self.ringed(&Message::Zoom)),
            label(look.tr(T::TapToZoom), look.size(style::SMALL)).color(style::GREY),
            self.flip(look, n),
        ]
        .spacing(12)
        .align_x(Alignment::Center)
        .into()
    }

    /// ‹ previous · page x of y · next ›
    fn flip(&self, look: Look, n: usize) -> Element<'_, Message> {
        let size = look.size(style::BODY);
        let width = look.size(190.0);
        row![
            style::ring(
                wide_button(
                    look.tr(T::PrevPage),
                    size,
                    Kind::Secondary,
                    (self.page > 0).then_some(Message::PrevPage),
                    width
                ),
                self.ringed(&Message::PrevPage)
            ),
            container(label(page_of(look.lang, self.page + 1, n), size).wrapping(iced::widget::text::Wrapping::None))
                .center_x(Length::Fill),
            style::ring(
                wide_button(
                    look.tr(T::NextPage),
                    size,
                    Kind::Secondary,
                    (self.page + 1 < n).then_some(Message::NextPage),
                    width
                ),
                self.ringed(&Message::NextPage)
            ),
        ]
        .align_y(Alignment::Center)
        .spacing(style::GAP)
        .into()
    }

    fn zoom_view<'a>(&'a self, look: Look, z: &'a Zoom) -> Element<'a, Message> {
        let n = self.pages();
        let picture: Element<'a, Message> = match &z.picture {
            Some(p) => scrollable(image(p.clone()).width(Length::Shrink).height(Length::Shrink))
                .direction(scrollable::Direction::Both {
                    vertical: scrollable::Scrollbar::new().width(14).scroller_width(14),
                    horizontal: scrollable::Scrollbar::new().width(14).scroller_width(14),
                })
                .width(Length::Fill)
                .height(Length::Fill)
                .into(),
            None => container(label(look.tr(T::Zooming), look.size(style::BODY)).color(style::GREY))
                .center(Length::Fill)
                .into(),
        };
        column![
            container(picture).style(style::panel).padding(8).height(Length::Fill),
            label(look.tr(T::PanHint), look.size(style::SMALL)).color(style::GREY),
            self.flip(look, n),
            style::ring(
                wide_button(
                    look.tr(T::CloseZoom),
                    look.size(style::BODY),
                    Kind::Primary,
                    Some(Message::CloseZoom),
                    Length::Fill
                ),
                self.ringed(&Message::CloseZoom)
            ),
        ]
        .spacing(12)
        .align_x(Alignment::Center)
        .into()
    }

    /// − n +: the buttons never move, whatever the number.
    fn copies_row(&self, look: Look) -> Element<'_, Message> {
        let big = look.size(style::H1);
        let control = look.size(style::TOUCH + 24.0);
        row![
            label(look.tr(T::Copies), look.size(style::BODY)).width(Length::Fill),
            style::ring(
                wide_button(
                    "−",
                    big,
                    Kind::Secondary,
                    (self.copies > 1).then_some(Message::Fewer),
                    control
                ),
                self.ringed(&Message::Fewer)
            ),
            container(heading(self.copies.to_string(), big))
                .center_x(look.size(120.0))
                .center_y(control),
            style::ring(
                wide_button(
                    "+",
                    big,
                    Kind::Secondary,
                    (self.copies < self.max_copies).then_some(Message::More),
                    control
                ),
                self.ringed(&Message::More)
            ),
        ]
        .spacing(style::GAP)
        .align_y(Alignment::Center)
        .into()
    }

    /// 单面 | 双面, the chosen one marked.
    fn sides_row(&self, look: Look) -> Element<'_, Message> {
        let option = |two: bool, key: T| {
            let chosen = self.duplex == two;
            let text = if chosen {
                format!("✓ {}", look.tr(key))
            } else {
                look.tr(key).to_string()
            };
            style::ring(
                wide_button(
                    text,
                    look.size(style::BODY),
                    if chosen { Kind::Chosen } else { Kind::Secondary },
                    Some(Message::Sides(two)),
                    Length::Fill,
                ),
                self.ringed(&Message::Sides(two)),
            )
            .width(Length::FillPortion(1))
        };
        row![
            label(look.tr(T::Sides), look.size(style::BODY)),
            option(false, T::Simplex),
            option(true, T::Duplex),
        ]
        .spacing(style::GAP)
        .align_y(Alignment::Center)
        .into()
    }

    /// The sheets it takes, and what is left of the quota.
    fn total_and_quota(&self, look: Look) -> Element<'_, Message> {
        let lang = look.lang;
        let mut col = column![].spacing(16);
        if self.rendered.is_some() {
            let pages = u32::try_from(self.pages()).unwrap_or(u32::MAX);
            col = col.push(heading(
                sheet_total(lang, pages, self.duplex, self.copies, self.sheets()),
                look.size(style::BODY),
            ));
        }
        if let Some(q) = self.quota {
            col = col.push(label(quota_left(lang, q.remaining(), q.limit), look.size(style::SMALL)).color(style::GREY));
        }
        col.into()
    }

    fn print_button(&self, look: Look) -> Element<'_, Message> {
        style::ring(
            wide_button(
                look.tr(T::Print),
                look.size(style::H2),
                Kind::Primary,
                self.rendered.is_some().then_some(Message::Print),
                Length::Fill,
            ),
            self.ringed(&Message::Print),
        )
        .into()
    }

    fn choices_view(&self, look: Look) -> Element<'_, Message> {
        let mut choices = column![
            self.copies_row(look),
            label(at_most(look.lang, self.max_copies), look.size(style::SMALL)).color(style::GREY),
        ]
        .spacing(16);
        if self.duplex_allowed {
            choices = choices.push(self.sides_row(look));
        }
        choices
            .push(self.total_and_quota(look))
            .push(Space::new().height(8))
            .push(self.print_button(look))
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
            zoom: None,
            steps: false,
            stage: Stage::Pages,
            ring: None,
        }
    }

    fn ready(mut s: State) -> State {
        s.rendered = Some(Arc::new(Rendered {
            service: "s".into(),
            document_id: "D".into(),
            short_code: "ABCD-EFGH".into(),
            seal: "HTTPS://V.EXAMPLE/V#SEAL".into(),
            template_version: "1.0.0".into(),
            doc: Arc::new(crate::page::Document {
                title: String::new(),
                issuer: String::new(),
                issued_at: String::new(),
                pages: Vec::new(),
            }),
            pages: vec![image::Handle::from_rgba(1, 1, vec![255; 4])],
            pdf: Arc::from(Vec::new()),
        }));
        s
    }

    #[test]
    fn large_text_asks_one_thing_a_screen_and_prints_on_the_last() {
        let mut s = ready(state(5, true));
        s.steps = true;
        assert_eq!(s.update(Message::Print), Action::None, "no Print beside the pages");
        assert_eq!(s.update(Message::Confirm), Action::None);
        assert_eq!(s.stage, Stage::Copies);
        s.update(Message::More);
        assert_eq!(s.update(Message::Confirm), Action::None);
        assert_eq!(s.stage, Stage::Sides);
        // Back goes a step back, then out of the preview.
        assert_eq!(s.update(Message::Back), Action::None);
        assert_eq!(s.stage, Stage::Copies);
        assert_eq!(s.copies, 2, "what was chosen is kept");
        s.update(Message::Next);
        assert_eq!(s.update(Message::Confirm), Action::Print);
        // Without two-sided, Print is with the copies.
        let mut s = ready(state(5, false));
        s.steps = true;
        s.update(Message::Next);
        assert_eq!(s.update(Message::Print), Action::Print);
        s.update(Message::Back);
        assert_eq!(s.update(Message::Back), Action::Back);
        // Standard text: everything on one screen, Enter prints.
        let mut s = ready(state(5, true));
        assert_eq!(s.update(Message::Confirm), Action::Print);
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
        s.update(Message::Sides(true));
        assert!(!s.duplex, "no two-sided where the service does not allow it");
        let mut s = state(5, true);
        s.update(Message::Sides(true));
        assert!(s.duplex);
        s.update(Message::Sides(true));
        assert!(s.duplex, "choosing it again keeps it: a choice, not a toggle");
        s.update(Message::Sides(false));
        assert!(!s.duplex);
    }

    #[test]
    fn nothing_to_print_or_zoom_before_the_pages_are_ready() {
        let mut s = state(5, false);
        assert_eq!(s.update(Message::Print), Action::None);
        assert_eq!(s.update(Message::Zoom), Action::None);
        assert!(s.zoom.is_none());
        assert_eq!(s.update(Message::Back), Action::Back);
    }
}
