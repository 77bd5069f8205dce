//! A person's session at the terminal, from the tap to the wipe.
//!
//! ```text
//! Idle ──card/QR──▶ Identifying ──person──▶ SignedIn(Choosing ⇄ Previewing ─▶ Printing) ──▶ Done ──▶ Idle
//!   ▲                    │ unknown/frozen/unavailable                │ idle timeout, logout
//!   └──── Fault ◀────────┘                                           └──────────────▶ Idle (wiped)
//! ```
//!
//! Everything about the person is dropped on every way back to `Idle`
//! (`Effect::Wipe`), and nothing of them survives in the state.

use crate::platform::{ErrorKind, Person};

/// Milliseconds on a monotonic clock the shell reads.
pub type Ms = u64;

/// How long "take your documents" shows when the next person's card is
/// already waiting.
const PENDING_DONE: Ms = 3_000;

/// How long the thanks for a rating stays on screen at least.
const THANKS: Ms = 3_000;

/// Timings of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// No touch for this long signs the person out.
    pub idle_timeout: Ms,
    /// The last part of `idle_timeout`, shown as a countdown.
    pub countdown: Ms,
    /// How long "take your documents" stays before signing out.
    pub done_timeout: Ms,
    /// How long a fault message stays before the attract screen returns.
    pub fault_timeout: Ms,
    /// How long identifying may take before it counts as failed.
    pub identify_timeout: Ms,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            idle_timeout: 60_000,
            countdown: 10_000,
            done_timeout: 15_000,
            fault_timeout: 15_000,
            identify_timeout: 10_000,
        }
    }
}

/// How a person identified themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A campus card, by UID (upper-case hex).
    Card(String),
    /// A confirmed scan-to-log-in session.
    Qr,
}

/// What a signed-in person is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activity {
    Choosing,
    Previewing { service: String },
    Printing { service: String },
}

/// Why the terminal shows a fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Identification failed (unknown or frozen card, platform down…).
    Identify(ErrorKind),
    /// Identifying took too long.
    IdentifyTimeout,
    /// The person's data could not be fetched.
    Data(ErrorKind),
    /// The print job did not print; the keyword says why (IPP reason,
    /// `offline`, `job-stuck`…). Nothing was charged.
    Printer(String),
}

/// Where the session is.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Idle,
    Identifying {
        via: Via,
        since: Ms,
    },
    SignedIn {
        person: Person,
        via: Via,
        activity: Activity,
        last_touch: Ms,
        /// A different card tapped while printing: taken when printing ends.
        pending_card: Option<String>,
    },
    Done {
        since: Ms,
        pending_card: Option<String>,
    },
    Fault {
        fault: Fault,
        since: Ms,
    },
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Time passed.
    Tick,
    /// The screen was touched.
    Touch,
    /// A card was read (normalised UID).
    CardTapped(String),
    /// A scan-to-log-in session was confirmed for this person.
    QrConfirmed(Person),
    /// The platform resolved the card being identified.
    Identified(Person),
    /// The platform could not resolve it.
    IdentifyFailed(ErrorKind),
    /// The person picked a service to preview.
    Preview(String),
    /// Back from a preview to the list.
    Back,
    /// The person confirmed printing the previewed service.
    Print,
    /// The print job printed.
    PrintEnded,
    /// The print job did not print (not ready, failed, cancelled, lost):
    /// the reason keyword.
    PrintFailed(String),
    /// The person's data could not be fetched.
    DataFailed(ErrorKind),
    /// The person chose to log out.
    Logout,
    /// The person rated the service (1–5) on the done screen.
    Rate(u8),
}

impl Input {
    /// The input for the answer to `Effect::LookUpCard`.
    pub fn from_lookup(answer: Result<Person, crate::platform::PlatformError>) -> Input {
        match answer {
            Ok(p) => Input::Identified(p),
            Err(e) => Input::IdentifyFailed(e.kind),
        }
    }
}

/// What the shell should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Look the card up on the platform.
    LookUpCard(String),
    /// Show a live login QR code and poll it.
    StartQrLogin,
    /// Stop showing and polling the login QR code.
    StopQrLogin,
    /// Drop everything about the person: data, rendered pages, choices.
    Wipe,
    /// Render the preview of a service.
    RenderPreview(String),
    /// Send the previewed document to the printer.
    StartPrint(String),
    /// Save the rating with the attempt that just printed.
    SaveRating(u8),
    /// Return the screen to the terminal's defaults (language, text size,
    /// speech): the person who chose them has gone.
    ResetPreferences,
}

/// The session state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub timings: Timings,
    state: State,
}

impl Session {
    /// A terminal that has just started: the attract screen. The shell
    /// should start the QR login (`Session::start`'s effects).
    pub fn new(timings: Timings) -> (Session, Vec<Effect>) {
        (
            Session {
                timings,
                state: State::Idle,
            },
            vec![Effect::StartQrLogin],
        )
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Seconds left before an automatic logout, while the countdown shows.
    pub fn countdown(&self, now: Ms) -> Option<u64> {
        match &self.state {
            State::SignedIn {
                activity, last_touch, ..
            } if !matches!(activity, Activity::Printing { .. }) => {
                let deadline = last_touch + self.timings.idle_timeout;
                let left = deadline.saturating_sub(now);
                (left > 0 && left <= self.timings.countdown).then(|| left.div_ceil(1000))
            }
            _ => None,
        }
    }

    /// The signed-in person, if any.
    pub fn person(&self) -> Option<&Person> {
        match &self.state {
            State::SignedIn { person, .. } => Some(person),
            _ => None,
        }
    }

    /// Seconds before the done or fault screen returns to the attract
    /// screen by itself (shown as a countdown).
    pub fn leaving_in(&self, now: Ms) -> Option<u64> {
        let deadline = match &self.state {
            State::Done { since, pending_card } => {
                since
                    + if pending_card.is_some() {
                        PENDING_DONE
                    } else {
                        self.timings.done_timeout
                    }
            }
            State::Fault { since, .. } => since + self.timings.fault_timeout,
            _ => return None,
        };
        Some(deadline.saturating_sub(now).div_ceil(1000))
    }

    fn sign_out(&mut self, fx: &mut Vec<Effect>) {
        self.state = State::Idle;
        fx.push(Effect::Wipe);
        fx.push(Effect::ResetPreferences);
        fx.push(Effect::StartQrLogin);
    }

    /// Someone else's card ends what is on screen: their visit starts
    /// with the terminal's defaults.
    fn next_person(&mut self, uid: String, now: Ms, fx: &mut Vec<Effect>) {
        fx.push(Effect::Wipe);
        fx.push(Effect::ResetPreferences);
        self.identify_card(uid, now, fx);
    }

    fn identify_card(&mut self, uid: String, now: Ms, fx: &mut Vec<Effect>) {
        fx.push(Effect::LookUpCard(uid.clone()));
        self.state = State::Identifying {
            via: Via::Card(uid),
            since: now,
        };
    }

    fn sign_in(&mut self, person: Person, via: Via, now: Ms) {
        self.state = State::SignedIn {
            person,
            via,
            activity: Activity::Choosing,
            last_touch: now,
            pending_card: None,
        };
    }

    /// Advances the machine; `now` is the shell's monotonic clock.
    pub fn update(&mut self, input: Input, now: Ms) -> Vec<Effect> {
        let mut fx = Vec::new();
        let t = self.timings;
        let state = std::mem::replace(&mut self.state, State::Idle);
        match (state, input) {
            // Attract screen.
            (State::Idle, Input::CardTapped(uid)) => {
                fx.push(Effect::StopQrLogin);
                self.identify_card(uid, now, &mut fx);
            }
            (State::Idle, Input::QrConfirmed(person)) => {
                fx.push(Effect::StopQrLogin);
                self.sign_in(person, Via::Qr, now);
            }
            (s @ State::Idle, _) => self.state = s,

            // Waiting for the platform.
            (State::Identifying { via, .. }, Input::Identified(person)) => self.sign_in(person, via, now),
            (State::Identifying { .. }, Input::IdentifyFailed(kind)) => {
                fx.push(Effect::Wipe);
                self.state = State::Fault {
                    fault: Fault::Identify(kind),
                    since: now,
                };
            }
            (State::Identifying { since, .. }, Input::Tick) if now >= since + t.identify_timeout => {
                fx.push(Effect::Wipe);
                self.state = State::Fault {
                    fault: Fault::IdentifyTimeout,
                    since: now,
                };
            }
            (
                State::Identifying {
                    via: Via::Card(old), ..
                },
                Input::CardTapped(uid),
            ) if uid != old => {
                // Another card while the first is looked up: the newest wins.
                self.identify_card(uid, now, &mut fx);
            }
            (s @ State::Identifying { .. }, _) => self.state = s,

            // Signed in.
            (
                State::SignedIn {
                    person,
                    via,
                    activity,
                    last_touch,
                    pending_card,
                },
                input,
            ) => {
                let printing = matches!(activity, Activity::Printing { .. });
                let keep = |activity: Activity, last_touch: Ms, pending_card: Option<String>| State::SignedIn {
                    person: person.clone(),
                    via: via.clone(),
                    activity,
                    last_touch,
                    pending_card,
                };
                match input {
                    Input::Tick if !printing && now >= last_touch + t.idle_timeout => self.sign_out(&mut fx),
                    Input::Touch => self.state = keep(activity, now, pending_card),
                    Input::Logout if !printing => self.sign_out(&mut fx),
                    Input::CardTapped(uid) => {
                        let same = via == Via::Card(uid.clone());
                        if same {
                            // The same card again: a touch.
                            self.state = keep(activity, now, pending_card);
                        } else if printing {
                            // Never interrupt a job: the new card waits.
                            self.state = keep(activity, last_touch, Some(uid));
                        } else {
                            // Someone else: end this session first.
                            self.next_person(uid, now, &mut fx);
                        }
                    }
                    Input::Preview(service) if !printing => {
                        fx.push(Effect::RenderPreview(service.clone()));
                        self.state = keep(Activity::Previewing { service }, now, pending_card);
                    }
                    Input::Back if matches!(activity, Activity::Previewing { .. }) => {
                        self.state = keep(Activity::Choosing, now, pending_card);
                    }
                    Input::Print => match activity {
                        Activity::Previewing { service } => {
                            fx.push(Effect::StartPrint(service.clone()));
                            self.state = keep(Activity::Printing { service }, now, pending_card);
                        }
                        other => self.state = keep(other, last_touch, pending_card),
                    },
                    Input::PrintEnded if printing => {
                        self.state = State::Done {
                            since: now,
                            pending_card,
                        };
                    }
                    Input::PrintFailed(reason) if printing => {
                        fx.push(Effect::Wipe);
                        self.state = State::Fault {
                            fault: Fault::Printer(reason),
                            since: now,
                        };
                    }
                    Input::DataFailed(kind) if !printing => {
                        fx.push(Effect::Wipe);
                        self.state = State::Fault {
                            fault: Fault::Data(kind),
                            since: now,
                        };
                    }
                    _ => self.state = keep(activity, last_touch, pending_card),
                }
            }

            // "Take your documents" (briefly, if someone is waiting).
            (
                State::Done {
                    since,
                    pending_card: Some(uid),
                },
                Input::Tick,
            ) if now >= since + PENDING_DONE => self.next_person(uid, now, &mut fx),
            (State::Done { .. }, Input::CardTapped(uid)) => self.next_person(uid, now, &mut fx),
            (State::Done { since, .. }, Input::Tick) if now >= since + t.done_timeout => self.sign_out(&mut fx),
            // Only "finish" ends it early: a stray touch (or the touch that
            // carries a rating) does not, so a rating is never lost.
            (State::Done { .. }, Input::Logout) => self.sign_out(&mut fx),
            (State::Done { since, pending_card }, Input::Rate(n)) if (1..=5).contains(&n) => {
                fx.push(Effect::SaveRating(n));
                // The thanks stays long enough to be read.
                let timeout = if pending_card.is_some() {
                    PENDING_DONE
                } else {
                    t.done_timeout
                };
                let since = since.max((now + THANKS).saturating_sub(timeout));
                self.state = State::Done { since, pending_card };
            }
            (s @ State::Done { .. }, _) => self.state = s,

            // A fault message.
            (State::Fault { .. }, Input::CardTapped(uid)) => self.identify_card(uid, now, &mut fx),
            // Nobody read it to the end: the next person starts afresh.
            (State::Fault { since, .. }, Input::Tick) if now >= since + t.fault_timeout => {
                self.state = State::Idle;
                fx.push(Effect::ResetPreferences);
                fx.push(Effect::StartQrLogin);
            }
            // "Back to start": the same person, who keeps their choices.
            (State::Fault { .. }, Input::Touch) => {
                self.state = State::Idle;
                fx.push(Effect::StartQrLogin);
            }
            (s @ State::Fault { .. }, _) => self.state = s,
        }
        fx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::PersonKind;

    fn person(id: &str) -> Person {
        Person {
            id: id.into(),
            kind: PersonKind::Student,
            name: "王小明".into(),
            record: serde_json::json!({ "id": id }),
        }
    }

    /// A session signed in by card `A1B2C3D4` at t = 1000.
    fn signed_in() -> Session {
        let (mut s, _) = Session::new(Timings::default());
        s.update(Input::CardTapped("A1B2C3D4".into()), 0);
        s.update(Input::Identified(person("2023011234")), 1000);
        s
    }

    fn activity(s: &Session) -> &Activity {
        match s.state() {
            State::SignedIn { activity, .. } => activity,
            other => panic!("not signed in: {other:?}"),
        }
    }

    #[test]
    fn starts_on_the_attract_screen_with_a_qr_login() {
        let (s, fx) = Session::new(Timings::default());
        assert_eq!(s.state(), &State::Idle);
        assert_eq!(fx, [Effect::StartQrLogin]);
    }

    #[test]
    fn card_tap_identifies_then_signs_in() {
        let (mut s, _) = Session::new(Timings::default());
        let fx = s.update(Input::CardTapped("A1B2C3D4".into()), 500);
        assert_eq!(fx, [Effect::StopQrLogin, Effect::LookUpCard("A1B2C3D4".into())]);
        assert!(matches!(
            s.state(),
            State::Identifying {
                via: Via::Card(_),
                since: 500
            }
        ));
        // Touches and ticks while waiting change nothing.
        assert!(s.update(Input::Touch, 600).is_empty());
        assert!(s.update(Input::Tick, 700).is_empty());
        assert!(s.update(Input::Identified(person("2023011234")), 900).is_empty());
        assert_eq!(s.person().unwrap().id, "2023011234");
        assert_eq!(activity(&s), &Activity::Choosing);
    }

    #[test]
    fn qr_confirmation_signs_in() {
        let (mut s, _) = Session::new(Timings::default());
        assert_eq!(
            s.update(Input::QrConfirmed(person("2024020456")), 10),
            [Effect::StopQrLogin]
        );
        assert!(matches!(s.state(), State::SignedIn { via: Via::Qr, .. }));
    }

    #[test]
    fn failed_identification_shows_a_fault_then_returns() {
        for kind in [ErrorKind::NotFound, ErrorKind::CardFrozen, ErrorKind::Unavailable] {
            let (mut s, _) = Session::new(Timings::default());
            s.update(Input::CardTapped("0BADCAFE".into()), 0);
            assert_eq!(s.update(Input::IdentifyFailed(kind), 300), [Effect::Wipe]);
            assert_eq!(
                s.state(),
                &State::Fault {
                    fault: Fault::Identify(kind),
                    since: 300
                }
            );
            assert_eq!(s.leaving_in(300), Some(15));
            assert_eq!(s.leaving_in(300 + 14_001), Some(1));
            assert!(s.update(Input::Tick, 300 + 14_999).is_empty());
            assert_eq!(
                s.update(Input::Tick, 300 + 15_000),
                [Effect::ResetPreferences, Effect::StartQrLogin],
                "nobody read it: the next person starts with the defaults"
            );
            assert_eq!(s.state(), &State::Idle);
        }
        // A touch dismisses it early; a card starts again at once.
        let (mut s, _) = Session::new(Timings::default());
        s.update(Input::CardTapped("0BADCAFE".into()), 0);
        s.update(Input::IdentifyFailed(ErrorKind::NotFound), 1);
        assert_eq!(s.update(Input::Touch, 2), [Effect::StartQrLogin]);
        s.update(Input::CardTapped("0BADCAFE".into()), 3);
        s.update(Input::IdentifyFailed(ErrorKind::NotFound), 4);
        assert_eq!(
            s.update(Input::CardTapped("A1B2C3D4".into()), 5),
            [Effect::LookUpCard("A1B2C3D4".into())]
        );
    }

    #[test]
    fn identifying_times_out() {
        let (mut s, _) = Session::new(Timings::default());
        s.update(Input::CardTapped("A1B2C3D4".into()), 0);
        assert!(s.update(Input::Tick, 9_999).is_empty());
        assert_eq!(s.update(Input::Tick, 10_000), [Effect::Wipe]);
        assert!(matches!(
            s.state(),
            State::Fault {
                fault: Fault::IdentifyTimeout,
                ..
            }
        ));
        // A late answer is ignored.
        s.update(Input::Identified(person("2023011234")), 10_500);
        assert!(s.person().is_none());
    }

    #[test]
    fn newest_card_wins_while_identifying() {
        let (mut s, _) = Session::new(Timings::default());
        s.update(Input::CardTapped("A1B2C3D4".into()), 0);
        assert!(s.update(Input::CardTapped("A1B2C3D4".into()), 100).is_empty());
        assert_eq!(
            s.update(Input::CardTapped("0BADCAFE".into()), 200),
            [Effect::LookUpCard("0BADCAFE".into())]
        );
    }

    #[test]
    fn countdown_shows_for_the_last_ten_seconds_and_a_touch_cancels_it() {
        let mut s = signed_in(); // last touch at 1000
        assert_eq!(s.countdown(1000), None);
        assert_eq!(s.countdown(50_999), None);
        assert_eq!(s.countdown(51_000), Some(10));
        assert_eq!(s.countdown(51_001), Some(10));
        assert_eq!(s.countdown(52_000), Some(9));
        assert_eq!(s.countdown(60_500), Some(1));
        s.update(Input::Touch, 55_000);
        assert_eq!(s.countdown(60_500), None);
        assert_eq!(s.countdown(105_001), Some(10));
    }

    #[test]
    fn inactivity_signs_out_and_wipes() {
        let mut s = signed_in();
        assert!(s.update(Input::Tick, 60_999).is_empty());
        assert_eq!(
            s.update(Input::Tick, 61_000),
            [Effect::Wipe, Effect::ResetPreferences, Effect::StartQrLogin]
        );
        assert_eq!(s.state(), &State::Idle);
        assert!(s.person().is_none());
        assert_eq!(s.countdown(61_000), None);
    }

    #[test]
    fn logout_wipes() {
        let mut s = signed_in();
        assert_eq!(
            s.update(Input::Logout, 5_000),
            [Effect::Wipe, Effect::ResetPreferences, Effect::StartQrLogin]
        );
        assert_eq!(s.state(), &State::Idle);
    }

    #[test]
    fn another_card_ends_the_session_first_the_same_card_is_a_touch() {
        let mut s = signed_in();
        assert!(s.update(Input::CardTapped("A1B2C3D4".into()), 40_000).is_empty());
        assert_eq!(s.countdown(51_000), None, "the re-tap counted as a touch");
        let fx = s.update(Input::CardTapped("04D5E6F708A1B2".into()), 41_000);
        assert_eq!(
            fx,
            [
                Effect::Wipe,
                Effect::ResetPreferences,
                Effect::LookUpCard("04D5E6F708A1B2".into())
            ]
        );
        assert!(s.person().is_none());
        assert!(matches!(s.state(), State::Identifying { .. }));
    }

    #[test]
    fn choose_preview_print_done() {
        let mut s = signed_in();
        assert!(
            s.update(Input::Print, 1_500).is_empty(),
            "nothing to print from the list"
        );
        assert_eq!(
            s.update(Input::Preview("transcript-zh".into()), 2_000),
            [Effect::RenderPreview("transcript-zh".into())]
        );
        assert_eq!(
            activity(&s),
            &Activity::Previewing {
                service: "transcript-zh".into()
            }
        );
        assert!(s.update(Input::Back, 3_000).is_empty());
        assert_eq!(activity(&s), &Activity::Choosing);
        s.update(Input::Preview("transcript-en".into()), 4_000);
        assert_eq!(
            s.update(Input::Print, 5_000),
            [Effect::StartPrint("transcript-en".into())]
        );
        assert_eq!(
            activity(&s),
            &Activity::Printing {
                service: "transcript-en".into()
            }
        );
        assert!(s.update(Input::PrintEnded, 20_000).is_empty());
        assert!(matches!(
            s.state(),
            State::Done {
                since: 20_000,
                pending_card: None
            }
        ));
        assert_eq!(s.leaving_in(20_000), Some(15));
        assert!(s.update(Input::Tick, 34_999).is_empty());
        assert_eq!(
            s.update(Input::Tick, 35_000),
            [Effect::Wipe, Effect::ResetPreferences, Effect::StartQrLogin]
        );
        assert_eq!(s.state(), &State::Idle);
    }

    #[test]
    fn a_failed_print_or_missing_data_is_a_fault_that_wipes() {
        let mut s = signed_in();
        assert!(
            s.update(Input::PrintFailed("media-empty".into()), 1_500).is_empty(),
            "no job, no failure"
        );
        s.update(Input::Preview("transcript-zh".into()), 2_000);
        s.update(Input::Print, 3_000);
        assert!(
            s.update(Input::DataFailed(ErrorKind::Unavailable), 3_500).is_empty(),
            "a job is never interrupted"
        );
        assert_eq!(
            s.update(Input::PrintFailed("media-empty".into()), 4_000),
            [Effect::Wipe]
        );
        assert_eq!(
            s.state(),
            &State::Fault {
                fault: Fault::Printer("media-empty".into()),
                since: 4_000
            }
        );
        assert!(s.person().is_none());
        // The fault times out to the attract screen.
        assert_eq!(
            s.update(Input::Tick, 4_000 + 15_000),
            [Effect::ResetPreferences, Effect::StartQrLogin]
        );

        let mut s = signed_in();
        assert_eq!(
            s.update(Input::DataFailed(ErrorKind::Unavailable), 2_000),
            [Effect::Wipe]
        );
        assert!(matches!(
            s.state(),
            State::Fault {
                fault: Fault::Data(ErrorKind::Unavailable),
                ..
            }
        ));
    }

    #[test]
    fn no_timeout_logout_or_swap_while_printing() {
        let mut s = signed_in();
        s.update(Input::Preview("transcript-zh".into()), 2_000);
        s.update(Input::Print, 3_000);
        // Ten minutes of a slow printer: still printing, no countdown.
        assert!(s.update(Input::Tick, 600_000).is_empty());
        assert_eq!(s.countdown(600_000), None);
        assert!(s.update(Input::Logout, 600_001).is_empty());
        assert!(s.update(Input::Preview("x".into()), 600_002).is_empty());
        // Another card waits for the job…
        assert!(s.update(Input::CardTapped("0BADCAFE".into()), 600_003).is_empty());
        assert!(matches!(activity(&s), Activity::Printing { .. }));
        s.update(Input::PrintEnded, 610_000);
        assert!(matches!(
            s.state(),
            State::Done {
                pending_card: Some(_),
                ..
            }
        ));
        // …and is taken after a short "take your documents".
        assert!(s.update(Input::Tick, 612_999).is_empty());
        assert_eq!(
            s.update(Input::Tick, 613_000),
            [
                Effect::Wipe,
                Effect::ResetPreferences,
                Effect::LookUpCard("0BADCAFE".into())
            ]
        );
    }

    #[test]
    fn done_screen_ends_on_finish_or_a_new_card_never_on_a_stray_touch() {
        let mut s = signed_in();
        s.update(Input::Preview("a".into()), 1);
        s.update(Input::Print, 2);
        s.update(Input::PrintEnded, 3);
        assert!(
            s.update(Input::Touch, 4).is_empty(),
            "a touch carries a rating, not a logout"
        );
        assert!(matches!(s.state(), State::Done { .. }));
        assert_eq!(
            s.update(Input::Logout, 5),
            [Effect::Wipe, Effect::ResetPreferences, Effect::StartQrLogin]
        );

        let mut s = signed_in();
        s.update(Input::Preview("a".into()), 1);
        s.update(Input::Print, 2);
        s.update(Input::PrintEnded, 3);
        assert_eq!(
            s.update(Input::CardTapped("0BADCAFE".into()), 4),
            [
                Effect::Wipe,
                Effect::ResetPreferences,
                Effect::LookUpCard("0BADCAFE".into())
            ]
        );
    }

    #[test]
    fn a_rating_is_saved_and_its_thanks_stays_readable() {
        let mut s = signed_in();
        s.update(Input::Preview("a".into()), 1);
        s.update(Input::Print, 2);
        s.update(Input::PrintEnded, 10_000);
        assert!(s.update(Input::Rate(0), 11_000).is_empty(), "ratings are 1 to 5");
        assert!(s.update(Input::Rate(6), 11_000).is_empty(), "ratings are 1 to 5");
        // Rated in the last second: saved, and the screen stays 3 s more.
        assert_eq!(s.update(Input::Rate(4), 24_500), [Effect::SaveRating(4)]);
        assert_eq!(s.leaving_in(24_500), Some(3));
        assert!(s.update(Input::Tick, 27_499).is_empty());
        assert_eq!(
            s.update(Input::Tick, 27_500),
            [Effect::Wipe, Effect::ResetPreferences, Effect::StartQrLogin]
        );
        // A rating early on does not cut the screen short.
        let mut s = signed_in();
        s.update(Input::Preview("a".into()), 1);
        s.update(Input::Print, 2);
        s.update(Input::PrintEnded, 10_000);
        assert_eq!(s.update(Input::Rate(5), 10_500), [Effect::SaveRating(5)]);
        assert_eq!(s.leaving_in(10_500), Some(15));
        // No rating after the session ended.
        s.update(Input::Logout, 11_000);
        assert!(s.update(Input::Rate(5), 11_001).is_empty());
    }

    #[test]
    fn ignored_inputs_change_nothing() {
        let (mut s, _) = Session::new(Timings::default());
        for i in [
            Input::Touch,
            Input::Tick,
            Input::Logout,
            Input::Back,
            Input::Print,
            Input::PrintEnded,
            Input::Rate(3),
            Input::Identified(person("x")),
        ] {
            assert!(s.update(i, 1).is_empty());
            assert_eq!(s.state(), &State::Idle);
        }
    }
}
