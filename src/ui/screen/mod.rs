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
