//! The integration tests, one binary (as ripgrep keeps them): a module
//! per area, sharing `common`'s helpers, so the suite links once. Run one
//! area with `cargo test --test tests <module>::`, e.g. `layout::`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods,
    reason = "a failed unwrap in a test is a failed test, and tests time real servers"
)]

mod common;

mod audio_jack;
mod bundle;
mod campus;
mod card_reader;
mod config;
mod demo_platform_cli;
mod deploy;
mod diagnose;
mod dry_run;
mod gui_smoke;
mod hostile;
mod journal;
mod layout;
mod metrics;
mod outbox;
mod pdf_output;
mod platform;
mod printer_dir;
mod printer_ipp;
mod qr_login;
mod sheets;
mod studio;
mod template_check;
mod tidy;
mod ui_journeys;
mod verification;
mod verify_page;
mod verify_status;
