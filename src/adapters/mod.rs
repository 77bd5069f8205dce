//! Adapters: the only code that touches the world (files, network,
//! devices), grouped by the port each implements. The rest of the crate
//! sees them through narrow traits (`printing::Printer`,
//! `platform::Platform`, `journal::Journal`, `core::clock::Clock`,
//! `speech::Speaker`) with
//! fakes for tests.

pub mod card_reader;
pub mod clock;
pub mod files;
pub mod http_server;
pub mod journal;
pub mod metrics;
pub mod platform;
pub mod printing;
pub mod speech;
pub mod watchdog;
