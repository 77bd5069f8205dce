//! eSpeak NG (`espeak-ng`, Debian's package), offline: Mandarin (`cmn`)
//! and English (`en-gb`). Each utterance is one process, killed when the
//! next one starts or speech stops; to a sound card, or, for tests and a
//! terminal without one, to numbered WAV files in a folder.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};

use crate::i18n::Lang;
use crate::speech::{SpeechError, SpeechErrorKind, Utterance, bounded};

/// Where the voice goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// The default sound device.
    Device,
    /// `0001-zh.wav`, `0002-en.wav`, … in this folder.
    Wav(PathBuf),
}

pub struct Espeak {
    program: PathBuf,
    /// Words per minute.
    rate: u16,
    output: Output,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    current: Option<Child>,
    count: u32,
}

impl Espeak {
    pub fn new(program: impl Into<PathBuf>, rate: u16, output: Output) -> Espeak {
        Espeak {
            program: program.into(),
            rate: rate.clamp(80, 400),
            output,
            state: Mutex::new(State::default()),
        }
    }

    /// Whether the engine runs here (`espeak-ng --version`).
    pub fn available(&self) -> bool {
        Command::new(&self.program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn voice(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "cmn",
        Lang::En => "en-gb",
    }
}

impl crate::speech::Speaker for Espeak {
    fn say(&self, u: &Utterance) -> Result<(), SpeechError> {
        let mut st = self.state();
        if let Some(mut c) = st.current.take() {
            // Aloud, the new prompt interrupts the old; into files, each
            // is written whole.
            if self.output == Output::Device {
                let _ = c.kill();
            }
            let _ = c.wait();
        }
        st.count += 1;
        let mut cmd = Command::new(&self.program);
        // Amplitude 0–200, 100 the engine's normal.
        cmd.args(["-v", voice(u.lang), "-s", &self.rate.to_string()])
            .args(["-a", &(u32::from(u.volume.min(100)) * 2).to_string()]);
        if let Output::Wav(dir) = &self.output {
            let tag = match u.lang {
                Lang::Zh => "zh",
                Lang::En => "en",
            };
            cmd.arg("-w").arg(dir.join(format!("{:04}-{tag}.wav", st.count)));
        }
        // The text is one argument after "--": never read as an option.
        cmd.arg("--").arg(bounded(&u.text));
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| SpeechError {
                kind: SpeechErrorKind::Unavailable,
                detail: format!("cannot start {}: {e}", self.program.display()),
            })?;
        st.current = Some(child);
        Ok(())
    }

    fn stop(&self) {
        if let Some(mut c) = self.state().current.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn describe(&self) -> String {
        match &self.output {
            Output::Device => format!("{} (Mandarin cmn, English en-gb)", self.program.display()),
            Output::Wav(dir) => format!("{} → WAV files in {}", self.program.display(), dir.display()),
        }
    }
}

impl Drop for Espeak {
    fn drop(&mut self) {
        crate::speech::Speaker::stop(self);
    }
}

impl Espeak {
    /// Waits for what is being said to end (tests read the WAV after it).
    pub fn finish(&self) {
        if let Some(mut c) = self.state().current.take() {
            let _ = c.wait();
        }
    }
}
