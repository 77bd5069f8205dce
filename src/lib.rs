//! campus-kiosk: the software of a university's self-service print
//! terminals. See ARCHITECTURE.md for the map.

pub mod adapters;
pub mod authoring;
pub mod bench;
pub mod config;
pub mod core;
pub mod data;
pub mod export;
pub mod flow;
pub mod fonts;
pub mod i18n;
pub mod journal;
pub mod layout;
pub mod metrics;
pub mod page;
pub mod picture;
pub mod pipeline;
pub mod platform;
pub mod printing;
pub mod qr;
pub mod reader;
pub mod recipient;
pub mod seal;
pub mod sheets;
pub mod speech;
pub mod studio;
pub mod template;
pub mod text;
pub mod toml_pos;
pub mod ui;
