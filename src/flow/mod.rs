//! The kiosk's flows: what the shell starts as a task and the command line
//! awaits, written once over the ports (`printing::Printer`,
//! `journal::Journal`, `core::clock::Clock`) so the student's print, the
//! technician's test page on screen and `kiosk printer test-page` behave
//! alike. No adapter code: the ports arrive as trait objects.

mod driver;
pub mod print;
pub mod test_page;
