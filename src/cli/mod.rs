//! Command-line interface. `anyhow` lives here, at the edge; the library
//! returns typed errors.

mod bench;
mod template;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kiosk",
    version,
    about = "Self-service print terminal of the smart-campus service centre"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check and preview print templates (for department staff).
    #[command(subcommand)]
    Template(TemplateCmd),
    /// Measure the print pipeline.
    #[command(subcommand)]
    Bench(BenchCmd),
}

#[derive(Debug, Subcommand)]
pub enum TemplateCmd {
    /// Validate templates: syntax, fields, placeholders, images, fonts.
    Check {
        /// Template folders, or folders of templates (default: print-templates/).
        dirs: Vec<PathBuf>,
    },
    /// Render a template with data from a folder, without a terminal or printer.
    Preview {
        /// The template folder.
        template: PathBuf,
        /// Folder with person.json, enrollment.json, transcript.json, datasets/.
        #[arg(long)]
        data: PathBuf,
        /// Write the PDF here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write one PNG per page into this folder.
        #[arg(long)]
        png: Option<PathBuf>,
        /// Resolution of the PNG pages.
        #[arg(long, default_value_t = 150.0)]
        dpi: f32,
        /// Issue time printed on the document (RFC 3339; default: now).
        #[arg(long)]
        issued_at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Render a template N times in one process and report timings.
    Render {
        template: PathBuf,
        #[arg(long)]
        data: PathBuf,
        #[arg(short = 'n', long, default_value_t = 50)]
        n: usize,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Template(TemplateCmd::Check { dirs }) => template::check(dirs),
        Command::Template(TemplateCmd::Preview {
            template,
            data,
            out,
            png,
            dpi,
            issued_at,
        }) => template::preview(&template, &data, out.as_deref(), png.as_deref(), dpi, issued_at),
        Command::Bench(BenchCmd::Render { template, data, n }) => bench::render(&template, &data, n),
    }
}

/// The font book, with a message that says what to do if it is missing.
pub fn fonts() -> anyhow::Result<&'static campus_kiosk::fonts::FontBook> {
    campus_kiosk::fonts::FontBook::shared().map_err(|e| anyhow::anyhow!("{e}"))
}
