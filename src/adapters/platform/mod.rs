//! The data platform's adapters: the HTTP client, the reference server
//! (the demo's and the tests' platform), the live login QR code and the
//! outbox that hands final records over.

pub mod demo;
pub mod http;
pub mod outbox;
pub mod qr_login;
