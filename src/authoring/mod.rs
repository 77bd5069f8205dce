//! Tools for the people who write templates: what combines a template,
//! its sample data and the print pipeline to find what is wrong before a
//! terminal prints it. It sits above the template, data and pipeline
//! modules (which never use it), so checking can load data through the
//! file adapters without a cycle.

pub mod bundle;
pub mod check;
pub mod dry_run;
