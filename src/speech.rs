//! Speech guidance: the port through which the kiosk speaks each screen's
//! prompt, the chosen service, copies, faults and outcomes (an offline
//! text-to-speech engine behind it: `adapters::speech::espeak`). What is
//! said comes from the screens (`ui::screen::*::spoken`) and the catalogue
//! (`i18n::spoken`); this module only carries it.

use crate::i18n::Lang;

/// Something to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    pub lang: Lang,
    pub text: String,
    /// 0–100.
    pub volume: u8,
}

/// Loudness steps a person can choose with the keypad.
pub const VOLUMES: [u8; 3] = [50, 75, 100];

/// The longest text spoken at once; longer is cut at a sentence end.
pub const MAX_CHARS: usize = 1_000;

/// Why nothing could be said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("speech: {detail}")]
pub struct SpeechError {
    pub kind: SpeechErrorKind,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeechErrorKind {
    /// The engine is not installed or cannot start.
    Unavailable,
    /// It started and failed.
    Failed,
}

/// Speaks. `say` replaces whatever is being said (a new screen interrupts
/// the last one's prompt) and returns at once; `stop` silences it.
pub trait Speaker: Send + Sync {
    fn say(&self, u: &Utterance) -> Result<(), SpeechError>;
    fn stop(&self);
    /// For the technician: which engine, and where it speaks.
    fn describe(&self) -> String;
}

/// `text` cut to [`MAX_CHARS`], at the last sentence end before it if
/// there is one.
pub fn bounded(text: &str) -> &str {
    match text.char_indices().nth(MAX_CHARS) {
        None => text,
        Some((cut, _)) => {
            let head = &text[..cut];
            match head.rfind(['。', '.', '！', '!', '？', '?']) {
                Some(end) => &head[..end + head[end..].chars().next().map_or(0, char::len_utf8)],
                None => head,
            }
        }
    }
}

pub mod fake {
    //! A speaker that remembers what it was asked to say.

    use std::sync::{Mutex, PoisonError};

    use super::{SpeechError, Utterance};

    #[derive(Debug, Default)]
    pub struct FakeSpeaker {
        said: Mutex<Vec<Utterance>>,
        stops: Mutex<usize>,
    }

    impl FakeSpeaker {
        pub fn new() -> FakeSpeaker {
            FakeSpeaker::default()
        }

        /// Everything said, oldest first.
        pub fn said(&self) -> Vec<Utterance> {
            self.said.lock().unwrap_or_else(PoisonError::into_inner).clone()
        }

        /// How many times it was silenced.
        pub fn stops(&self) -> usize {
            *self.stops.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }

    impl super::Speaker for FakeSpeaker {
        fn say(&self, u: &Utterance) -> Result<(), SpeechError> {
            self.said.lock().unwrap_or_else(PoisonError::into_inner).push(u.clone());
            Ok(())
        }

        fn stop(&self) {
            *self.stops.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        }

        fn describe(&self) -> String {
            "fake speaker".into()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_text_is_cut_at_a_sentence_end() {
        let long = "好。".repeat(800);
        let cut = super::bounded(&long);
        assert!(cut.chars().count() <= super::MAX_CHARS);
        assert!(cut.ends_with('。'));
        assert_eq!(super::bounded("短句。"), "短句。");
    }
}
