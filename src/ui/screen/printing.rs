//! Printing: the steps (preparing, sending, printing side x of y, done)
//! and the printer's fault in plain words if one happens; it clears when
//! the printer resumes.

use iced::widget::{Space, column, container, progress_bar, row};
use iced::{Alignment, Element, Length};

use crate::i18n::{T, printing_page};
use crate::printing::{Progress, advice};
use crate::ui::screen::{Frame, Step as FlowStep};
use crate::ui::style::{self, Look, heading, label};

/// Where the job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Preparing,
    Sending,
    Printing,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub step: Step,
    /// Sides printed, if the printer counts.
    pub done: Option<u32>,
    /// Sides in all: pages × copies (halved, rounded up, when two-sided).
    pub total: u32,
    /// The printer's blocking reason while the job waits.
    pub fault: Option<String>,
}

impl State {
    pub fn new(total: u32) -> State {
        State {
            step: Step::Preparing,
            done: None,
            total,
            fault: None,
        }
    }

    /// Follows a step of the print.
    pub fn follow(&mut self, p: Progress) {
        match p {
            Progress::Submitting | Progress::Accepted { .. } => self.step = Step::Sending,
            Progress::Running { impressions, fault, .. } => {
                self.step = Step::Printing;
                self.done = impressions.or(self.done);
                self.fault = fault;
            }
        }
    }

    /// What the printing screen says aloud.
    pub fn spoken(&self, look: Look) -> String {
        let lang = look.lang;
        let s = |k| crate::i18n::spoken(lang, k);
        let paused = self
            .fault
            .as_ref()
            .map(|f| format!("{}{}", s(T::PrinterPaused), s(advice(f).text)));
        let mut parts = vec![s(T::DoNotLeave), s(T::PrintingStep)];
        parts.extend(paused.as_deref());
        crate::i18n::sentences(lang, &parts)
    }

    pub fn view(&self, look: Look, who: String) -> Element<'_, Message> {
        let steps = [
            (Step::Preparing, T::Preparing),
            (Step::Sending, T::Sending),
            (Step::Printing, T::PrintingStep),
            (Step::Done, T::DoneStep),
        ];
        let h2 = look.size(style::H2);
        let at = steps.iter().position(|(s, _)| *s == self.step).unwrap_or(0);
        let mut list = column![].spacing(16);
        for (i, (_, t)) in steps.iter().enumerate() {
            let (mark, color) = if i < at {
                ("✓", style::GREEN)
            } else if i == at {
                ("●", style::BLUE)
            } else {
                ("○", style::GREY)
            };
            list = list.push(
                row![label(mark, h2).color(color), label(look.tr(*t), h2).color(color)]
                    .spacing(20)
                    .align_y(Alignment::Center),
            );
        }
        let progress = match self.done {
            Some(d) if self.total > 0 => d as f32 / self.total as f32,
            _ => at as f32 / 3.0,
        };
        let mut col = column![
            heading(look.tr(T::DoNotLeave), look.size(style::H1)),
            Space::new().height(40),
            list,
            Space::new().height(24),
            progress_bar(0.0..=1.0, progress).girth(24),
        ]
        .spacing(style::GAP)
        .align_x(Alignment::Center);
        // Page x of y, from the printer's count of impressions.
        if let Some(d) = self.done
            && self.total > 0
        {
            let page = (d + 1).min(self.total);
            col = col.push(heading(
                printing_page(look.lang, page, self.total),
                look.size(style::BODY),
            ));
        }
        if let Some(f) = &self.fault {
            let a = advice(f);
            col = col.push(label(format!("{}{}", look.tr(T::PrinterPaused), look.tr(a.text)), h2).color(style::RED));
            if a.call_staff {
                col = col.push(heading(look.tr(T::CallStaff), h2).color(style::BLUE));
            }
        }
        Frame {
            look,
            who: Some(who),
            step: FlowStep::Print,
            back: None,
            switch: None,
            logout: None,
            focused: None,
            body: container(col.width(Length::Fill)).center(Length::Fill).into(),
        }
        .view()
    }
}

/// The printing screen has no buttons: a job is never interrupted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {}
