//! Speech engines behind `speech::Speaker`.

pub mod espeak;
pub mod jack;
