//! The template format (v1), as written by department staff in
//! `print-templates/<service-id>/template.toml`. See docs/templates.md.
//!
//! Lengths are millimetres, font sizes points. Every string marked
//! "template text" may hold `{{ placeholders }}` (minijinja syntax, no code
//! execution) and `**bold**` markup.

use serde::Deserialize;

use crate::fonts::Family;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateFile {
    pub service: Service,
    pub eligibility: Option<Eligibility>,
    /// Department spreadsheets the template reads (`spreadsheet:<name>`).
    #[serde(default)]
    pub sources: std::collections::BTreeMap<String, crate::sheets::SheetSource>,
    #[serde(default)]
    pub sample: Sample,
    #[serde(default)]
    pub page: PageSpec,
    #[serde(default)]
    pub header: Vec<Block>,
    #[serde(default)]
    pub body: Vec<Block>,
    #[serde(default)]
    pub footer: Vec<Block>,
    /// What the verification code certifies.
    #[serde(default)]
    pub seal: SealSpec,
}

/// What a document's seal certifies (`[seal]`): the fields a recipient
/// compares with the paper when checking it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealSpec {
    /// The language the paper is in: verifiers show the certified fields
    /// with labels in it first (`kiosk verify-page`).
    #[serde(default)]
    pub lang: DocLang,
    /// Field name → template text, e.g. `name = "{{ enrollment.name }}"`.
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// A document's language.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DocLang {
    #[default]
    Zh,
    En,
}

impl DocLang {
    pub fn code(self) -> &'static str {
        match self {
            DocLang::Zh => "zh",
            DocLang::En => "en",
        }
    }
}

/// Chinese and English forms of a name or message.
pub use crate::i18n::Bilingual;

/// Who may use a service.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Student,
    Staff,
}

/// The pictures a service's tile can show (drawn by the kiosk, so they stay
/// sharp in every size and text mode).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Icon {
    /// A sheet with lines: any document.
    #[default]
    Document,
    /// A sheet with a seal: a certificate (在读证明).
    Certificate,
    /// A sheet with a table: a transcript (成绩单).
    Transcript,
    /// A list: a department's roll or register.
    List,
    /// A house: housing, dormitories.
    Home,
    /// A card: the campus card.
    Card,
}

/// The manifest: what the service is and what it reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    pub version: String,
    pub name: Bilingual,
    /// One line on what the document is for, under its name on the
    /// kiosk's tile ("for a visa, a job or a bank").
    #[serde(default)]
    pub summary: Option<Bilingual>,
    /// The picture on the kiosk's tile.
    #[serde(default)]
    pub icon: Icon,
    pub audience: Vec<Audience>,
    /// Data sources: `person`, `enrollment`, `transcript`, `dataset:<name>`,
    /// or `spreadsheet:<name>` (declared in `[sources]`, read by the
    /// spreadsheet adapter).
    pub data: Vec<String>,
    #[serde(default = "default_max_copies")]
    pub max_copies: u32,
    #[serde(default)]
    pub duplex: bool,
    /// Copies one person may print per term (`[terms]` in the terminal's
    /// configuration); none: no limit.
    #[serde(default)]
    pub quota_per_term: Option<u32>,
    #[serde(default = "default_paper")]
    pub paper: String,
    /// Issuing body, written into the PDF's metadata (template text).
    pub issuer: String,
    /// Document title for the PDF's metadata (template text).
    pub title: String,
}

fn default_max_copies() -> u32 {
    5
}

fn default_paper() -> String {
    "A4".into()
}

/// When the service may be used, and what the person is told otherwise.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// An expression over the data, e.g. `enrollment.status == "enrolled"`.
    pub rule: String,
    pub message: Bilingual,
}

/// Sample data for `kiosk template check` and previews.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// Folder, relative to the template, laid out like the platform's
    /// responses (`person.json`, `enrollment.json`, ...).
    #[serde(default = "default_sample")]
    pub data: String,
}

impl Default for Sample {
    fn default() -> Self {
        Sample { data: default_sample() }
    }
}

fn default_sample() -> String {
    "sample".into()
}

/// Page geometry and defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageSpec {
    #[serde(default = "default_margins")]
    pub margins: Margins,
    #[serde(default = "default_family")]
    pub family: Family,
    #[serde(default = "default_size")]
    pub size: f32,
    #[serde(default = "default_leading")]
    pub leading: f32,
    /// Diagonal text across every page (template text).
    pub watermark: Option<String>,
    #[serde(default = "default_watermark_color")]
    pub watermark_color: String,
    /// Most pages the document may take (a one-page certificate: 1). A
    /// longer text than this allows is refused, never printed onto a
    /// second page; none: no limit.
    #[serde(default)]
    pub max_pages: Option<u32>,
}

impl Default for PageSpec {
    fn default() -> Self {
        PageSpec {
            margins: default_margins(),
            family: default_family(),
            size: default_size(),
            leading: default_leading(),
            watermark: None,
            watermark_color: default_watermark_color(),
            max_pages: None,
        }
    }
}

fn default_watermark_color() -> String {
    "#e6e6e6".into()
}

/// Page margins in mm. Header blocks sit in the top margin, footer blocks
/// in the bottom one.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Margins {
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
}

fn default_margins() -> Margins {
    Margins {
        top: 25.0,
        bottom: 20.0,
        left: 20.0,
        right: 20.0,
    }
}

fn default_family() -> Family {
    Family::Serif
}

fn default_size() -> f32 {
    11.0
}

fn default_leading() -> f32 {
    1.5
}

/// Horizontal alignment.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
    /// Both edges flush (两端对齐): Chinese lines spread between
    /// characters, Latin lines between words; a paragraph's last line is
    /// set flush left.
    Justify,
}

/// Text appearance shared by blocks that set text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextOpts {
    pub size: Option<f32>,
    #[serde(default)]
    pub bold: bool,
    pub family: Option<Family>,
    #[serde(default)]
    pub align: Align,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// First-line indent in em (Chinese paragraphs: 2).
    #[serde(default)]
    pub indent: f32,
    pub leading: Option<f32>,
    /// Letter spacing in em (titles such as 在 读 证 明).
    #[serde(default)]
    pub tracking: f32,
}

/// A piece of a page.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Block {
    /// A paragraph.
    Text {
        /// Template text.
        text: String,
        #[serde(flatten)]
        opts: TextOpts,
        #[serde(default)]
        space_before: f32,
        #[serde(default)]
        space_after: f32,
    },
    /// Label–value pairs in a grid.
    Fields {
        items: Vec<Field>,
        #[serde(default = "one")]
        columns: usize,
        /// Width of the label column in mm.
        #[serde(default = "default_label_width")]
        label_width: f32,
        size: Option<f32>,
        #[serde(default)]
        space_before: f32,
        #[serde(default)]
        space_after: f32,
    },
    /// A table bound to a list.
    Table(Box<TableSpec>),
    /// A PNG picture (a logo, a seal).
    Image {
        file: String,
        /// Width in mm; height follows the picture's proportions unless set.
        width: f32,
        height: Option<f32>,
        #[serde(default)]
        align: Align,
        /// Drawn over what follows instead of taking room (a seal over a
        /// signature), shifted by `offset` mm.
        #[serde(default)]
        float: bool,
        #[serde(default)]
        offset: [f32; 2],
        /// Placed at this position on the page (mm from the top-left
        /// corner), taking no room in the flow.
        at: Option<[f32; 2]>,
        #[serde(default)]
        space_after: f32,
    },
    /// The verification QR code (its content comes from the pipeline).
    Qr {
        /// Side in mm.
        #[serde(default = "default_qr_size")]
        size: f32,
        #[serde(default)]
        align: Align,
        /// Small text under the code (template text).
        caption: Option<String>,
        #[serde(default)]
        space_after: f32,
    },
    /// Vertical space in mm.
    Spacer { height: f32 },
    /// A horizontal rule.
    Rule {
        #[serde(default = "default_rule")]
        width: f32,
        #[serde(default)]
        space_before: f32,
        #[serde(default)]
        space_after: f32,
    },
    /// Blocks side by side; kept on one page.
    Row {
        cells: Vec<Cell>,
        #[serde(default)]
        space_before: f32,
        #[serde(default)]
        space_after: f32,
    },
}

fn one() -> usize {
    1
}

fn default_label_width() -> f32 {
    25.0
}

fn default_qr_size() -> f32 {
    25.0
}

fn default_rule() -> f32 {
    0.5
}

/// One label–value pair (both template text).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// One cell of a row.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    /// Relative width.
    #[serde(default = "one_f")]
    pub width: f32,
    pub blocks: Vec<Block>,
}

fn one_f() -> f32 {
    1.0
}

/// A table bound to a list in the data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Expression giving the list, e.g. `transcript.terms`.
    pub rows: String,
    /// If set, each item of `rows` is a group whose list of rows is this
    /// field, and the group gets a title row.
    pub group_rows: Option<String>,
    /// Title row of a group (template text; the group is `group`).
    pub group_title: Option<String>,
    /// Name of a row in the column values.
    #[serde(default = "default_row_var")]
    pub row_var: String,
    pub columns: Vec<Column>,
    pub size: Option<f32>,
    #[serde(default)]
    pub space_before: f32,
    #[serde(default)]
    pub space_after: f32,
    /// Text shown instead of the table when the list is empty.
    pub empty: Option<String>,
}

fn default_row_var() -> String {
    "row".into()
}

/// A table column.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Header text (template text).
    pub title: String,
    /// Relative width.
    #[serde(default = "one_f")]
    pub width: f32,
    /// Cell text (template text).
    pub value: String,
    #[serde(default)]
    pub align: Align,
}
