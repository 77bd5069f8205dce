//! Exporters: draw a laid-out [`crate::page::Document`] as a PDF
//! or as raster pages. Both read the same page model and nothing else.

pub mod pdf;
pub mod raster;
