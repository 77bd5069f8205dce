//! The pure core: the session state machine and the rules it applies. No
//! I/O, no clock reads: time and device events come in as inputs, and what
//! should happen in the world goes out as effects for the shell to carry
//! out.

pub mod backoff;
pub mod clock;
pub mod fault;
pub mod pin;
pub mod quota;
pub mod session;
