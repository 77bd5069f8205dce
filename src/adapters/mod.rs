//! Adapters: the only code that touches the world (files, network,
//! devices). Each sits behind a narrow interface the rest of the crate uses.

pub mod card_reader;
pub mod clock;
pub mod data_dir;
pub mod demo_platform;
pub mod journal;
pub mod keys;
pub mod outbox;
pub mod platform_http;
pub mod printer;
pub mod printer_dir;
pub mod printer_ipp;
pub mod qr_login;
pub mod spreadsheet;
