//! Files from outside: platform-shaped records in a folder, department
//! spreadsheets, and key files.

pub mod data_dir;
pub mod keys;
pub mod spreadsheet;
