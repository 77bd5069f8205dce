//! The kiosk's fullscreen iced app: a thin shell over the session core.
//!
//! Device events (card reader, login QR, keyboard wedge, touches, the
//! clock's ticks) become `core::session::Input`s; the core's `Effect`s
//! become iced tasks (look a card up, load the person's services, render,
//! print). What is on screen follows the core's state. Each screen is a
//! module of `screen/` with its own message and view; every string comes
//! from `i18n`.

pub mod devices;
pub mod icon;
pub mod keypad;
pub mod screen;
pub mod setup;
pub mod style;
pub mod work;

use std::sync::Arc;

use iced::futures::SinkExt;
use iced::widget::{column, container, image, opaque, stack};
use iced::{Element, Length, Subscription, Task, keyboard};

use crate::adapters::card_reader::ReaderEvent;
use crate::adapters::platform::qr_login::QrLoginEvent;
use crate::core::fault::{FaultAdvice, advise, incident_code};
use crate::core::session::{Activity, Effect, Fault, Input, Session, State};
use crate::flow::print::Finished;
use crate::platform::{Person, PlatformError};
use crate::printing::{PrinterErrorKind, PrinterStatus, Progress, Readiness, advice, readiness};
use crate::reader::{Key, Parser};

use crate::i18n::{Bilingual, Lang, T, seconds_left};
use screen::attract::Device;
use screen::{attract, done, fault, preview, printing, services, technician};
pub use setup::{Demo, Setup};
use style::{Kind, Look, heading, label, wide_button};
use work::{Rendered, Service};

/// Everything that happens to the shell.
#[derive(Debug, Clone)]
pub enum Message {
    /// The clock ticked (four times a second).
    Tick,
    /// The screen was touched anywhere.
    Touched,
    /// A key (a keyboard-wedge reader types digits and Enter).
    Key(keyboard::Event),
    Reader(ReaderEvent),
    Qr(QrLoginEvent),
    /// Time to ask the printer how it is.
    CheckPrinter,
    PrinterChecked(Result<PrinterStatus, crate::printing::PrinterError>),
    /// Answers for the session `generation` they were asked for.
    LookedUp(u64, Result<Person, PlatformError>),
    ServicesLoaded(u64, Result<Arc<Vec<Service>>, PlatformError>),
    /// Each service's page count, for its tile.
    PagesCounted(u64, Vec<(String, usize)>),
    Rendered(u64, Result<Arc<Rendered>, Bilingual>),
    PrintProgress(u64, Progress),
    PrintFinished(u64, Finished),
    /// A page rendered full size for reading (its index).
    Zoomed(u64, usize, Result<image::Handle, Bilingual>),
    TestPageDone(String),
    /// "Still there?": continue.
    StillHere,
    /// Headphones plugged in (`true`) or pulled out.
    Headphones(bool),
    Attract(attract::Message),
    Services(services::Message),
    Preview(preview::Message),
    Done(done::Message),
    Fault(fault::Message),
    Tech(technician::Message),
}

/// What a fault screen shows.
#[derive(Debug, Clone)]
struct FaultView {
    advice: FaultAdvice,
    incident: String,
}

/// A preview being made: stopped when dropped.
struct Rendering(crate::pipeline::Cancel);

impl Drop for Rendering {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// What the terminal holds of one person's visit. `Effect::Wipe` replaces
/// it with an empty one, so nothing of a visit can outlive it by being
/// forgotten in the wipe; a preview still being made is stopped as its
/// `Rendering` drops.
#[derive(Default)]
struct Visit {
    services: Option<Arc<Vec<Service>>>,
    preview: Option<preview::State>,
    printing: Option<printing::State>,
    rating: Option<u8>,
    /// The journal's id of the last print attempt (for its rating).
    attempt: Option<String>,
    /// What printed, for the done screen.
    summary: Option<done::Summary>,
    /// Pages of each service's document, for the tiles.
    pages: std::collections::HashMap<String, usize>,
    rendering: Option<Rendering>,
}

/// The app.
pub struct Kiosk {
    setup: Setup,
    /// The person's language and text size (reset when they go).
    look: Look,
    session: Session,
    /// Bumped at every wipe: answers for an earlier session are dropped.
    generation: u64,
    qr_active: bool,
    qr: Option<(String, image::Handle)>,
    qr_session: Option<String>,
    qr_trouble: bool,
    reader: Device,
    printer: Device,
    printer_status: Option<PrinterStatus>,
    /// Everything of the person at the terminal: dropped whole at a wipe.
    visit: Visit,
    fault: Option<FaultView>,
    tech: technician::State,
    wedge: Option<Parser>,
    /// What was last said: the screen's prompt and its detail (copies,
    /// sides, rating), so each is said once, when it changes.
    spoken: Option<(String, String)>,
    /// Index into `speech::VOLUMES`.
    volume: usize,
    /// The keypad's focus ring: the screen it was moved on and the
    /// control (the preview keeps its own, [`preview::State::ring`]).
    focus: Option<(keypad::Place, usize)>,
    /// What is on screen, and the window's white for it: see
    /// [`Kiosk::window_style`].
    repaint: (String, u64),
}

impl Kiosk {
    /// A terminal at the attract screen; the task asks the printer how
    /// it is.
    pub fn new(setup: Setup) -> (Kiosk, Task<Message>) {
        let (session, start) = Session::new(setup.timings);
        let reader = if setup.reader.is_some() {
            Device::Offline
        } else if setup.wedge.is_some() {
            Device::Ok
        } else {
            Device::None
        };
        let wedge = setup.wedge.map(Parser::new);
        let tech = technician::State::new(setup.technician.as_ref());
        let mut k = Kiosk {
            setup,
            look: Look::default(),
            session,
            generation: 0,
            qr_active: false,
            qr: None,
            qr_session: None,
            qr_trouble: false,
            reader,
            printer: Device::Offline,
            printer_status: None,
            visit: Visit::default(),
            fault: None,
            tech,
            wedge,
            spoken: None,
            volume: 1,
            focus: None,
            repaint: (String::new(), 0),
        };
        // The core says how a terminal starts (the login QR code on).
        let started: Vec<Task<Message>> = start.into_iter().map(|e| k.effect(e)).collect();
        (k, Task::batch(started).chain(Task::done(Message::CheckPrinter)))
    }

    /// Where the session is (for tests and the technician).
    pub fn state(&self) -> &State {
        self.session.state()
    }

    pub fn lang(&self) -> Lang {
        self.look.lang
    }

    /// The person's language and text size.
    pub fn look(&self) -> Look {
        self.look
    }

    /// The login URL the attract screen's QR code holds, if one shows.
    pub fn login_url(&self) -> Option<&str> {
        self.qr.as_ref().map(|(u, _)| u.as_str())
    }

    /// Whether the attract screen wants a live QR code (the shell runs the
    /// QR login while it does).
    pub fn wants_qr(&self) -> bool {
        self.qr_active && self.setup.qr_login
    }

    /// Whether anything of a person is held.
    pub fn holds_personal_data(&self) -> bool {
        self.session.person().is_some() || self.visit.services.is_some() || self.visit.preview.is_some()
    }

    fn now(&self) -> u64 {
        self.setup.clock.now_ms()
    }

    fn issued_at(&self) -> String {
        self.setup.now_rfc3339()
    }

    /// Feeds the core and runs its effects.
    fn input(&mut self, input: Input) -> Task<Message> {
        let now = self.now();
        let before_person = self.session.person().is_some();
        let effects = self.session.update(input, now);
        let mut tasks: Vec<Task<Message>> = effects.into_iter().map(|e| self.effect(e)).collect();
        // Newly signed in: look up what this person may print.
        if !before_person && self.session.person().is_some() && self.visit.services.is_none() {
            tasks.push(self.load_services());
        }
        if let State::Fault { fault, .. } = self.session.state()
            && self.fault.is_none()
        {
            self.fault = Some(self.fault_view(fault));
        }
        if !matches!(self.session.state(), State::Fault { .. }) {
            self.fault = None;
        }
        Task::batch(tasks)
    }

    fn effect(&mut self, e: Effect) -> Task<Message> {
        let generation = self.generation;
        match e {
            Effect::LookUpCard(uid) => {
                let client = self.setup.platform.clone();
                Task::perform(async move { client.card(&uid).await }, move |r| {
                    Message::LookedUp(generation, r)
                })
            }
            Effect::StartQrLogin => {
                self.qr_active = true;
                Task::none()
            }
            Effect::StopQrLogin => {
                self.qr_active = false;
                self.qr = None;
                self.qr_session = None;
                Task::none()
            }
            Effect::Wipe => {
                self.generation += 1;
                self.visit = Visit::default();
                self.focus = None;
                Task::none()
            }
            Effect::ResetPreferences => {
                // The next person starts in the terminal's language, in
                // normal text, without speech.
                self.look = Look::default();
                self.volume = 1;
                self.focus = None;
                self.spoken = None;
                if let Some(s) = &self.setup.speech {
                    s.stop();
                }
                Task::none()
            }
            Effect::SaveRating(n) => {
                self.visit.rating = Some(n);
                if let Some(id) = &self.visit.attempt {
                    work::rate(self.setup.journal.as_ref(), id, n);
                }
                Task::none()
            }
            Effect::RenderPreview(id) => {
                let Some(service) = self.service(&id).cloned() else {
                    return Task::none();
                };
                self.visit.preview = Some(preview::State::new(
                    &service,
                    self.setup.duplex_default,
                    self.look.large,
                ));
                let book = self.setup.book;
                let issued_at = self.issued_at();
                let sealer = self.setup.sealer.clone();
                let cancel = crate::pipeline::Cancel::new();
                // An earlier preview still being made is stopped.
                self.visit.rendering = Some(Rendering(cancel.clone()));
                Task::perform(
                    work::render_in_background(book, service, issued_at, sealer, cancel),
                    move |r| Message::Rendered(generation, r.map(Arc::new)),
                )
            }
            Effect::StartPrint(_) => self.start_print(),
        }
    }

    fn service(&self, id: &str) -> Option<&Service> {
        self.visit.services.as_ref()?.iter().find(|s| s.id == id)
    }

    fn load_services(&self) -> Task<Message> {
        let Some(person) = self.session.person().cloned() else {
            return Task::none();
        };
        let generation = self.generation;
        let client = self.setup.platform.clone();
        let templates = self.setup.templates.clone();
        let journal = self.setup.journal.clone();
        let at = work::Lookup {
            issued_at: self.issued_at(),
            now_unix: self.setup.clock.now_utc().unix_timestamp(),
            term_start: self.setup.term_start(),
            counts_wait: self.setup.counts_wait,
        };
        let note = self.setup.telemetry.clone();
        Task::perform(work::services(client, journal, templates, person, at, note), move |r| {
            Message::ServicesLoaded(generation, r.map(Arc::new))
        })
    }

    fn start_print(&mut self) -> Task<Message> {
        let Some(p) = &self.visit.preview else {
            return Task::none();
        };
        let Some(r) = &p.rendered else {
            return Task::none();
        };
        let person = self.session.person().map(|p| p.id.clone()).unwrap_or_default();
        let order = work::order(
            &self.setup.terminal_id,
            &person,
            p,
            r,
            self.service(&p.service),
            &self.setup.term_start(),
        );
        let pages = order.job.pages;
        let sides = if order.job.duplex { pages.div_ceil(2) } else { pages };
        self.visit.printing = Some(printing::State::new(sides * order.job.copies));
        let generation = self.generation;
        let ports = self.setup.print_ports();
        Task::stream(iced::stream::channel(32, async move |mut out| {
            let mut progress = out.clone();
            let finished = crate::flow::print::print(&ports, order, &mut |p| {
                let _ = progress.try_send(Message::PrintProgress(generation, p));
            })
            .await;
            let _ = out.send(Message::PrintFinished(generation, finished)).await;
        }))
    }

    fn fault_view(&self, fault: &Fault) -> FaultView {
        let now = self.setup.clock.now_utc().to_offset(self.setup.utc_offset);
        let incident = incident_code(&self.setup.terminal_id, now, self.generation);
        let advice = advise(fault);
        // The log line holds the incident and its cause, never the person.
        eprintln!("incident {incident}: {}", advice.cause);
        FaultView { advice, incident }
    }

    /// Says more precisely what the fault on screen is about.
    fn explain(&mut self, advice: FaultAdvice) {
        if let Some(f) = &mut self.fault {
            eprintln!("incident {}: {}", f.incident, advice.cause);
            f.advice = advice;
        }
    }

    /// A card: on the PIN pad or its lockout screen a student's card is
    /// still a card (the pad closes and the student signs in); only the
    /// unlocked technician screen ignores cards.
    fn card(&mut self, uid: String) -> Task<Message> {
        if self.tech.open && !self.tech.asking_pin() {
            return Task::none();
        }
        if self.tech.asking_pin() {
            self.tech.close();
        }
        self.input(Input::CardTapped(uid))
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        let task = self.handle(message);
        self.announce();
        self.note_screen();
        task
    }

    /// A new screen (or a step, a language, the countdown) flips the
    /// window's white between two that differ by one
    /// level of blue, which the software renderer takes as a reason to draw
    /// the whole window again. Its damage tracking (iced 0.14's tiny-skia)
    /// otherwise misses some text between screens: the preview's heading
    /// was never drawn, and the glyphs' overhang above and below their
    /// line box was left behind from the screen before.
    fn note_screen(&mut self) {
        let now = self.now();
        // The screen itself, not what fills in on it (the services' list,
        // the preview's pages): each whole drawing costs tens of ms.
        let screen = match self.session.state() {
            _ if self.tech.open => "technician".to_string(),
            State::Idle | State::Identifying { .. } => "attract".to_string(),
            State::SignedIn { activity, .. } => match activity {
                Activity::Choosing => "services".to_string(),
                Activity::Previewing { service } => match &self.visit.preview {
                    Some(p) => format!("preview {service} {:?} {}", p.stage, p.zoom.is_some()),
                    None => format!("preview {service}"),
                },
                Activity::Printing { .. } => "printing".to_string(),
            },
            State::Done { .. } => "done".to_string(),
            State::Fault { .. } => "fault".to_string(),
        };
        let key = format!(
            "{screen} {:?} {} {}",
            self.look.lang,
            self.look.large,
            self.session.countdown(now).is_some()
        );
        if key != self.repaint.0 {
            self.repaint = (key, self.repaint.1 + 1);
        }
    }

    /// How many times a new screen had the window drawn whole.
    pub fn redrawn_whole(&self) -> u64 {
        self.repaint.1
    }

    /// The window's background and text colour: white, flipped by one
    /// level of blue whenever a new screen comes (so it is drawn whole).
    pub fn window_style(&self, _: &iced::Theme) -> iced::theme::Style {
        iced::theme::Style {
            background_color: if self.repaint.1.is_multiple_of(2) {
                iced::Color::WHITE
            } else {
                iced::Color::from_rgb8(0xFF, 0xFF, 0xFE)
            },
            text_color: style::INK,
        }
    }

    fn handle(&mut self, message: Message) -> Task<Message> {
        let now = self.now();
        let current = |g: u64| g == self.generation;
        match message {
            Message::Tick => {
                // The event loop turns: systemd's watchdog hears it.
                if let Some(w) = &self.setup.watchdog {
                    w.alive();
                }
                // The technician screen, left alone, gives way to the
                // attract screen after the session's idle time.
                let now = self.now();
                self.tech.tick(now, self.session.timings.idle_timeout);
                self.input(Input::Tick)
            }
            Message::Touched | Message::StillHere => {
                let now = self.now();
                self.tech.touched(now);
                self.input(Input::Touch)
            }
            Message::Key(k) => self.on_key(k),
            // Headphones in: voice on, the screen said from its start.
            // Out: voice off, so nothing carries on aloud from the speaker.
            Message::Headphones(plugged) => {
                if plugged != self.look.voice {
                    self.toggle_voice();
                }
                Task::none()
            }
            Message::Reader(ev) => self.on_reader(ev),
            Message::Qr(ev) => self.on_qr(ev),
            Message::CheckPrinter => {
                let printer = self.setup.printer.clone();
                Task::perform(async move { printer.status().await }, Message::PrinterChecked)
            }
            Message::PrinterChecked(r) => {
                self.on_printer_checked(r);
                Task::none()
            }
            // Answers for an earlier visit are dropped.
            Message::LookedUp(g, r) if current(g) => self.input(Input::from_lookup(r)),
            Message::ServicesLoaded(g, r) if current(g) => match r {
                Ok(list) => {
                    self.visit.services = Some(list.clone());
                    let (book, issued_at) = (self.setup.book, self.issued_at());
                    Task::perform(work::count_pages(book, list, issued_at), move |n| {
                        Message::PagesCounted(g, n)
                    })
                }
                Err(e) => self.input(Input::DataFailed(e.kind)),
            },
            Message::PagesCounted(g, n) if current(g) => {
                self.visit.pages = n.into_iter().collect();
                Task::none()
            }
            Message::Rendered(g, r) if current(g) => self.on_rendered(r),
            Message::PrintProgress(g, p) if current(g) => {
                if let Some(s) = &mut self.visit.printing {
                    s.follow(p);
                }
                Task::none()
            }
            Message::PrintFinished(g, finished) if current(g) => self.on_print_finished(finished),
            Message::Zoomed(g, page, r) if current(g) => {
                match (r, &mut self.visit.preview) {
                    (Ok(picture), Some(p)) => p.zoomed(page, picture),
                    (Err(why), Some(p)) => {
                        eprintln!("zoom: {}", why.en);
                        p.zoom = None;
                    }
                    _ => {}
                }
                Task::none()
            }
            Message::LookedUp(..)
            | Message::ServicesLoaded(..)
            | Message::PagesCounted(..)
            | Message::Rendered(..)
            | Message::PrintProgress(..)
            | Message::PrintFinished(..)
            | Message::Zoomed(..) => Task::none(),
            Message::TestPageDone(line) => {
                self.tech.test_page = Some(line);
                Task::done(Message::CheckPrinter)
            }
            Message::Attract(m) => self.on_attract(m, now),
            Message::Services(m) => {
                let touch = self.input(Input::Touch);
                let next = match m {
                    services::Message::Open(id) => self.input(Input::Preview(id)),
                    services::Message::Logout => self.input(Input::Logout),
                    services::Message::SwitchLang => self.switch_lang(),
                };
                Task::batch([touch, next])
            }
            Message::Preview(m) => self.on_preview(m),
            Message::Done(done::Message::Rate(n)) => self.input(Input::Rate(n)),
            Message::Done(done::Message::Finish) => self.input(Input::Logout),
            Message::Done(done::Message::SwitchLang) => self.switch_lang(),
            Message::Fault(fault::Message::Back) => self.input(Input::Touch),
            Message::Tech(m) => match self.tech.update(m, now) {
                technician::Action::None | technician::Action::Close => Task::none(),
                technician::Action::Unlocked | technician::Action::CheckNow => {
                    self.refresh_tech_lines();
                    Task::done(Message::CheckPrinter)
                }
                technician::Action::TestPage => self.test_page(),
                technician::Action::Exit => {
                    if let Some(w) = &self.setup.watchdog {
                        w.stopping();
                    }
                    iced::exit()
                }
            },
        }
    }

    fn switch_lang(&mut self) -> Task<Message> {
        self.look.lang = self.look.lang.other();
        Task::none()
    }

    /// A key: a keyboard-wedge reader's digits and Enter on the attract
    /// screen (each complete read is a tap), otherwise the keypad.
    fn on_key(&mut self, event: keyboard::Event) -> Task<Message> {
        let keyboard::Event::KeyPressed { key, text, .. } = event else {
            return Task::none();
        };
        // A wedge reader's card still reads on the PIN pad (it closes for
        // the student); no other key acts under the technician screen.
        if self.tech.open && !self.tech.asking_pin() {
            return Task::none();
        }
        let attract = matches!(self.session.state(), State::Idle | State::Identifying { .. });
        let enter = matches!(key.as_ref(), keyboard::Key::Named(keyboard::key::Named::Enter));
        // Enter is a wedge reader's end of a card, unless no card's input
        // has begun and the focus ring is on a control.
        let ring_enter =
            enter && self.focus_on(keypad::Place::Attract).is_some() && self.wedge.as_ref().is_none_or(Parser::idle);
        let wedge_key = (enter && !ring_enter)
            || text
                .as_deref()
                .is_some_and(|t| t.chars().all(|c| c.is_ascii_alphanumeric()));
        if attract
            && wedge_key
            && let Some(parser) = &mut self.wedge
        {
            let mut found = Vec::new();
            match (key.as_ref(), text.as_deref()) {
                (keyboard::Key::Named(keyboard::key::Named::Enter), _) => parser.key(Key::Enter, &mut found),
                (_, Some(t)) => {
                    for c in t.chars() {
                        parser.key(Key::Char(c), &mut found);
                    }
                }
                _ => {}
            }
            let taps: Vec<String> = found.into_iter().filter_map(Result::ok).collect();
            return Task::batch(taps.into_iter().map(|uid| self.card(uid)).collect::<Vec<_>>());
        }
        if self.tech.open {
            return Task::none();
        }
        let Some(press) = keypad::press(&key, text.as_deref()) else {
            return Task::none();
        };
        // A key keeps a signed-in session and ends its countdown (elsewhere
        // only the keys that say so act: a touch would dismiss a fault).
        let touch = if matches!(self.session.state(), State::SignedIn { .. }) {
            self.input(Input::Touch)
        } else {
            Task::none()
        };
        let attract_ring = self.attract_controls();
        let (screen, place) = match self.session.state() {
            State::Idle | State::Identifying { .. } => (
                keypad::Screen::Attract { ring: &attract_ring },
                Some(keypad::Place::Attract),
            ),
            State::SignedIn { activity, .. } => match activity {
                Activity::Choosing => (
                    keypad::Screen::Services(self.visit.services.as_deref().map_or(&[], Vec::as_slice)),
                    Some(keypad::Place::Services),
                ),
                Activity::Previewing { .. } => match &self.visit.preview {
                    Some(p) => (keypad::Screen::Preview(p), None),
                    None => (keypad::Screen::Printing, None),
                },
                Activity::Printing { .. } => (keypad::Screen::Printing, None),
            },
            State::Done { .. } => (keypad::Screen::Done, Some(keypad::Place::Done)),
            State::Fault { .. } => (keypad::Screen::Fault, None),
        };
        let focus = place.and_then(|p| self.focus_on(p));
        let action = keypad::action(screen, press, focus);
        let next = match action {
            keypad::Action::None => Task::none(),
            keypad::Action::Voice => {
                if self.look.voice {
                    // Say it again.
                    self.spoken = None;
                } else {
                    self.toggle_voice();
                }
                Task::none()
            }
            keypad::Action::Volume => {
                self.volume = (self.volume + 1) % crate::speech::VOLUMES.len();
                self.say(format!(
                    "{} {}",
                    crate::i18n::spoken(self.look.lang, T::VolumeNow),
                    self.volume + 1
                ));
                Task::none()
            }
            keypad::Action::Focus(i) => {
                if let Some(place) = place {
                    self.focus = Some((place, i));
                    self.say_focused();
                }
                Task::none()
            }
            keypad::Action::Send(m) => {
                let ring = matches!(m, Message::Preview(preview::Message::Focus(_)));
                let next = self.handle(m);
                if ring {
                    self.say_focused();
                }
                next
            }
        };
        Task::batch([touch, next])
    }

    /// The attract screen's controls the focus ring walks.
    fn attract_controls(&self) -> Vec<attract::Message> {
        attract::controls(self.setup.speech.is_some())
    }

    /// The focus ring's control, if it was moved on `place`.
    fn focus_on(&self, place: keypad::Place) -> Option<usize> {
        self.focus.filter(|(p, _)| *p == place).map(|(_, i)| i)
    }

    /// With voice on, names the control the focus ring has reached.
    fn say_focused(&mut self) {
        let lang = self.look.lang;
        let name = match (self.session.state(), self.focus) {
            (State::Idle | State::Identifying { .. }, Some((keypad::Place::Attract, i))) => self
                .attract_controls()
                .get(i)
                .map(|m| attract::control_name(self.look, m)),
            (State::SignedIn { activity, .. }, _) => match activity {
                Activity::Choosing => self
                    .focus_on(keypad::Place::Services)
                    .and_then(|i| self.visit.services.as_ref()?.get(i))
                    .map(|s| {
                        let name = s.name.get(lang).to_string();
                        match &s.unavailable {
                            None => name,
                            Some(why) => crate::i18n::clause(lang, &name, why.get(lang)),
                        }
                    }),
                Activity::Previewing { .. } => self
                    .visit
                    .preview
                    .as_ref()
                    .and_then(|p| Some(p.control_name(lang, &p.focused()?))),
                Activity::Printing { .. } => None,
            },
            (State::Done { .. }, Some((keypad::Place::Done, i))) => done::controls()
                .get(i)
                .map(|m| done::control_name(lang, m, self.visit.rating)),
            _ => None,
        };
        if let Some(name) = name {
            self.say(name);
        }
    }

    fn toggle_voice(&mut self) {
        self.look.voice = !self.look.voice && self.setup.speech.is_some();
        self.spoken = None;
        if !self.look.voice
            && let Some(s) = &self.setup.speech
        {
            s.stop();
        }
    }

    /// Says `text` now, in the person's language and volume.
    fn say(&self, text: String) {
        if !self.look.voice {
            return;
        }
        if let Some(s) = &self.setup.speech {
            let u = crate::speech::Utterance {
                lang: self.look.lang,
                text,
                volume: crate::speech::VOLUMES[self.volume.min(crate::speech::VOLUMES.len() - 1)],
            };
            if let Err(e) = s.say(&u) {
                eprintln!("{e}");
            }
        }
    }

    /// With voice on, says what changed on screen: the whole prompt when
    /// the screen changes, its detail (copies, sides, a rating) when only
    /// that does.
    fn announce(&mut self) {
        if !self.look.voice {
            return;
        }
        let Some((screen, detail, full, short)) = self.prompt() else {
            return;
        };
        let said = self.spoken.clone();
        self.spoken = Some((screen.clone(), detail.clone()));
        match said {
            Some((s, d)) if s == screen && d == detail => {}
            Some((s, _)) if s == screen => self.say(short),
            _ => self.say(full),
        }
    }

    /// What the screen says: its key, its detail's key, the whole prompt,
    /// and what to say when only the detail changed.
    fn prompt(&self) -> Option<(String, String, String, String)> {
        let look = self.look;
        let lang = format!("{:?}", look.lang);
        if self.tech.open {
            return None;
        }
        Some(match self.session.state() {
            State::Idle => {
                let names: Vec<&Bilingual> = self.setup.templates.iter().map(|t| &t.file.service.name).collect();
                let text = attract::spoken(look, &names);
                (format!("attract {lang}"), String::new(), text.clone(), text)
            }
            State::Identifying { .. } => {
                let text = crate::i18n::spoken(look.lang, T::Identifying).to_string();
                (format!("identifying {lang}"), String::new(), text.clone(), text)
            }
            State::SignedIn { activity, .. } => match activity {
                Activity::Choosing => {
                    let list = self.visit.services.as_deref().map(Vec::as_slice);
                    let text = services::spoken(look, list);
                    (
                        format!("services {lang} {}", list.is_some()),
                        String::new(),
                        text.clone(),
                        text,
                    )
                }
                Activity::Previewing { service } => {
                    let p = self.visit.preview.as_ref()?;
                    let detail = format!("{} {} {}", p.copies, p.duplex, p.rendered.is_some());
                    let pages = u32::try_from(p.pages()).unwrap_or(u32::MAX);
                    let short = crate::i18n::sheet_total_spoken(look.lang, pages, p.duplex, p.copies, p.sheets());
                    let ready = p.rendered.is_some();
                    (
                        format!("preview {lang} {service} {ready} {:?} {}", p.stage, p.zoom.is_some()),
                        detail,
                        p.spoken(look),
                        short,
                    )
                }
                Activity::Printing { .. } => {
                    let p = self.visit.printing.as_ref()?;
                    let text = p.spoken(look);
                    (
                        format!("printing {lang} {:?}", p.fault),
                        String::new(),
                        text.clone(),
                        text,
                    )
                }
            },
            State::Done { .. } => {
                let thanks = crate::i18n::spoken(look.lang, T::Thanks).to_string();
                (
                    format!("done {lang}"),
                    format!("{:?}", self.visit.rating),
                    done::spoken(look, self.visit.summary.as_ref()),
                    thanks,
                )
            }
            State::Fault { .. } => {
                let f = self.fault.as_ref()?;
                let text = fault::spoken(&fault::View {
                    look,
                    message: &f.advice.message,
                    call_staff: f.advice.call_staff,
                    nothing_charged: f.advice.nothing_charged,
                    incident: &f.incident,
                    leaving_in: None,
                });
                (
                    format!("fault {lang} {}", f.incident),
                    String::new(),
                    text.clone(),
                    text,
                )
            }
        })
    }

    fn on_reader(&mut self, ev: ReaderEvent) -> Task<Message> {
        match ev {
            ReaderEvent::Online => {
                self.reader = Device::Ok;
                self.setup.telemetry.reader(true);
            }
            ReaderEvent::Offline(_) => {
                self.reader = Device::Offline;
                self.setup.telemetry.reader(false);
            }
            ReaderEvent::Tap(uid) => {
                self.reader = Device::Ok;
                return self.card(uid);
            }
            ReaderEvent::Error(_) => {}
        }
        Task::none()
    }

    fn on_qr(&mut self, ev: QrLoginEvent) -> Task<Message> {
        match ev {
            QrLoginEvent::Show {
                session_id,
                login_url,
                qr,
            } if self.qr_active => {
                let (w, h, luma) = qr.to_luma(8);
                let rgba: Vec<u8> = luma.iter().flat_map(|&l| [l, l, l, 255]).collect();
                self.qr = Some((login_url, image::Handle::from_rgba(w, h, rgba)));
                self.qr_session = Some(session_id);
                self.qr_trouble = false;
                Task::none()
            }
            QrLoginEvent::Confirmed(person) if self.qr_active => self.input(Input::QrConfirmed(person)),
            QrLoginEvent::Trouble(_) => {
                self.qr_trouble = self.qr.is_none();
                Task::none()
            }
            _ => Task::none(),
        }
    }

    fn on_printer_checked(&mut self, r: Result<PrinterStatus, crate::printing::PrinterError>) {
        self.printer = match &r {
            Ok(s) => match readiness(s) {
                Readiness::Ready { .. } => Device::Ok,
                _ => Device::Fault,
            },
            Err(e) if e.kind == PrinterErrorKind::Offline => Device::Offline,
            Err(_) => Device::Fault,
        };
        self.printer_status = r.ok();
        self.refresh_tech_lines();
    }

    fn on_rendered(&mut self, r: Result<Arc<Rendered>, Bilingual>) -> Task<Message> {
        match r {
            Ok(rendered) => {
                if let Some(p) = &mut self.visit.preview
                    && p.service == rendered.service
                {
                    p.rendered = Some(rendered);
                }
                Task::none()
            }
            Err(message) => {
                let t = self.input(Input::DataFailed(crate::platform::ErrorKind::BadData));
                // The specific reason, not the generic bad-data one.
                self.explain(FaultAdvice::cannot_make(message));
                t
            }
        }
    }

    fn on_print_finished(&mut self, finished: Finished) -> Task<Message> {
        if let Some(s) = &mut self.visit.printing {
            s.step = printing::Step::Done;
        }
        self.visit.attempt = finished.attempt.clone();
        self.visit.summary = self.visit.preview.as_ref().and_then(|p| {
            let r = p.rendered.as_ref()?;
            Some(done::Summary {
                document: p.name.clone(),
                copies: p.copies,
                sheets: p.sheets(),
                code: r.short_code.clone(),
            })
        });
        let t = match finished.failure() {
            None => self.input(Input::PrintEnded),
            Some(reason) => self.input(Input::PrintFailed(reason)),
        };
        if let Some(advice) = finished.explanation() {
            self.explain(advice);
        }
        Task::batch([t, Task::done(Message::CheckPrinter)])
    }

    fn on_attract(&mut self, m: attract::Message, now: u64) -> Task<Message> {
        match m {
            attract::Message::SwitchLang => return self.switch_lang(),
            attract::Message::LargeText => self.look.large = !self.look.large,
            attract::Message::Voice => self.toggle_voice(),
            attract::Message::Corner => {
                if self.tech.corner(now) {
                    self.refresh_tech_lines();
                }
            }
            attract::Message::DemoTap(uid) => return self.card(uid),
            attract::Message::DemoScan => {
                if let (Some(demo), Some(session)) = (&self.setup.demo, self.qr_session.clone()) {
                    let _ = demo.state.confirm_qr(&session, &demo.scan_person);
                }
            }
        }
        Task::none()
    }

    fn on_preview(&mut self, m: preview::Message) -> Task<Message> {
        let touch = self.input(Input::Touch);
        let action = self
            .visit
            .preview
            .as_mut()
            .map_or(preview::Action::None, |p| p.update(m));
        let next = match action {
            preview::Action::None => Task::none(),
            preview::Action::Back => {
                self.visit.preview = None;
                self.input(Input::Back)
            }
            preview::Action::Print => self.input(Input::Print),
            preview::Action::Logout => self.input(Input::Logout),
            preview::Action::SwitchLang => self.switch_lang(),
            preview::Action::Zoom(page) => self.zoom(page),
        };
        Task::batch([touch, next])
    }

    fn zoom(&self, page: usize) -> Task<Message> {
        let Some(doc) = self
            .visit
            .preview
            .as_ref()
            .and_then(|p| p.rendered.as_ref())
            .map(|r| r.doc.clone())
        else {
            return Task::none();
        };
        let generation = self.generation;
        Task::perform(work::zoom_page(self.setup.book, doc, page), move |r| {
            Message::Zoomed(generation, page, r)
        })
    }

    /// What is wrong with the printer, in plain words, if anything.
    fn printer_problem(&self) -> Option<T> {
        match self.printer {
            Device::Ok | Device::None => None,
            Device::Offline => Some(T::PrinterOffline),
            Device::Fault => {
                let reason = match self.printer_status.as_ref().map(readiness) {
                    Some(Readiness::NotReady { reason }) => reason,
                    _ => "other".to_string(),
                };
                Some(advice(&reason).text)
            }
        }
    }

    fn refresh_tech_lines(&mut self) {
        if !self.tech.unlocked {
            return;
        }
        let s = &self.setup;
        let mut lines = vec![
            format!("terminal: {} · {}", s.terminal_id, s.terminal_name),
            format!("platform: {}", s.platform_url),
            format!("printer: {} · {:?}", s.printer.describe(), self.printer),
        ];
        if let Some(st) = &self.printer_status {
            lines.push(format!(
                "printer state: {:?} · reasons: {}",
                st.state,
                st.reasons.join(", ")
            ));
            for supply in &st.supplies {
                lines.push(format!(
                    "supply: {} {}",
                    supply.name,
                    supply.level.map_or("?".to_string(), |l| format!("{l}%"))
                ));
            }
        }
        lines.push(format!("reader: {:?}", self.reader));
        lines.push(format!("services: {}", s.templates.len()));
        lines.push(work::quota_line(&s.telemetry));
        // What the platform has not taken yet (the outbox keeps it).
        lines.push(work::outbox_line(s.journal.as_ref()));
        lines.extend(self.tech.test_page.clone());
        self.tech.lines = lines;
    }

    fn test_page(&mut self) -> Task<Message> {
        let ports = self.setup.print_ports();
        let book = self.setup.book;
        let terminal = self.setup.terminal_id.clone();
        let issued_at = self.issued_at();
        Task::perform(work::test_page(ports, book, terminal, issued_at), Message::TestPageDone)
    }

    pub fn view(&self) -> Element<'_, Message> {
        let now = self.now();
        let look = self.look;
        if self.tech.open {
            return self.tech.view(look.lang, now).map(Message::Tech);
        }
        let leaving_in = self.session.leaving_in(now);
        let screen: Element<'_, Message> = match self.session.state() {
            State::Idle | State::Identifying { .. } => attract::view(attract::View {
                look,
                voice: self.setup.speech.is_some(),
                terminal: &self.setup.terminal_name,
                qr: self.qr.as_ref().map(|(_, h)| h),
                qr_trouble: self.qr_trouble || !self.setup.qr_login,
                identifying: matches!(self.session.state(), State::Identifying { .. }),
                reader: self.reader,
                printer_problem: self.printer_problem(),
                services: self.setup.templates.iter().map(|t| &t.file.service.name).collect(),
                demo: self
                    .setup
                    .demo
                    .as_ref()
                    .map(|d| (d.cards.as_slice(), d.printed_label.as_str())),
                focused: self
                    .focus_on(keypad::Place::Attract)
                    .and_then(|i| self.attract_controls().get(i).cloned()),
            })
            .map(Message::Attract),
            State::SignedIn { person, activity, .. } => {
                let who = screen::masked(&person.name, &person.id);
                match activity {
                    Activity::Choosing => services::view(
                        look,
                        who,
                        self.visit.services.as_deref().map(Vec::as_slice),
                        &self.visit.pages,
                        self.focus_on(keypad::Place::Services),
                    )
                    .map(Message::Services),
                    Activity::Previewing { .. } => match &self.visit.preview {
                        Some(p) => p.view(look, who).map(Message::Preview),
                        None => label(look.tr(T::Rendering), look.size(style::BODY)).into(),
                    },
                    Activity::Printing { .. } => match &self.visit.printing {
                        Some(p) => p.view(look, who).map(|m| match m {}),
                        None => label(look.tr(T::Preparing), look.size(style::BODY)).into(),
                    },
                }
            }
            State::Done { .. } => done::view(done::View {
                look,
                summary: self.visit.summary.as_ref(),
                rating: self.visit.rating,
                leaving_in,
                focused: self
                    .focus_on(keypad::Place::Done)
                    .and_then(|i| done::controls().get(i).cloned()),
            })
            .map(Message::Done),
            State::Fault { .. } => match &self.fault {
                Some(f) => fault::view(fault::View {
                    look,
                    message: &f.advice.message,
                    call_staff: f.advice.call_staff,
                    nothing_charged: f.advice.nothing_charged,
                    incident: &f.incident,
                    leaving_in,
                })
                .map(Message::Fault),
                None => label(look.tr(T::FaultTitle), look.size(style::BODY)).into(),
            },
        };
        match self.session.countdown(now) {
            Some(s) => stack![
                screen,
                opaque(
                    container(
                        container(
                            column![
                                heading(look.tr(T::StillThere), look.size(style::H1)),
                                label(seconds_left(look.lang, s), look.size(style::H2)),
                                wide_button(
                                    look.tr(T::Continue),
                                    look.size(style::H2),
                                    Kind::Primary,
                                    Some(Message::StillHere),
                                    look.size(360.0)
                                ),
                            ]
                            .spacing(style::GAP)
                            .align_x(iced::Alignment::Center)
                        )
                        .padding(48)
                        .style(style::panel)
                    )
                    .center(Length::Fill)
                    .style(|_| container::Style {
                        background: Some(iced::Background::Color(iced::Color::from_rgba8(0, 0, 0, 0.55))),
                        ..container::Style::default()
                    })
                )
            ]
            .into(),
            None => screen,
        }
    }

    pub fn subscription(&self) -> Subscription<Message> {
        let mut subs = vec![
            iced::time::every(std::time::Duration::from_millis(250)).map(|_| Message::Tick),
            iced::event::listen_with(|event, _status, _window| match event {
                iced::Event::Mouse(iced::mouse::Event::ButtonPressed(_))
                | iced::Event::Touch(iced::touch::Event::FingerPressed { .. }) => Some(Message::Touched),
                iced::Event::Keyboard(k @ keyboard::Event::KeyPressed { .. }) => Some(Message::Key(k)),
                _ => None,
            }),
        ];
        if matches!(self.session.state(), State::Idle) {
            subs.push(iced::time::every(std::time::Duration::from_secs(30)).map(|_| Message::CheckPrinter));
        }
        if let Some(r) = &self.setup.reader {
            subs.push(devices::reader(r.clone()).map(Message::Reader));
        }
        if let (Some(_), Some(jack)) = (&self.setup.speech, &self.setup.headphones) {
            subs.push(devices::headphones(jack.clone()).map(Message::Headphones));
        }
        if self.wants_qr() {
            subs.push(devices::qr(self.setup.platform.clone()).map(Message::Qr));
        }
        Subscription::batch(subs)
    }
}
