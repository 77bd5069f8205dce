//! Layout: a template and bound data become pages of positioned items.
//!
//! Pure: no I/O, no clock. Given the same template, data and fonts it
//! produces the same [`crate::page::Document`], which the exporters then draw.

pub mod engine;
pub mod text;

pub use engine::{LayoutError, layout};
