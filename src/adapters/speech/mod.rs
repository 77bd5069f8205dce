//! Speech engines behind `speech::Speaker`.

pub mod espeak;
