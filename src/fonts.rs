//! The bundled fonts, loaded once per process, and the fallback chains the
//! layout measures text with.
//!
//! Fonts come from `assets/fonts/` only: output never depends on the fonts
//! installed on the host. Each file is memory-mapped, so the large CJK faces
//! cost address space, not resident memory, until their glyphs are read.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// A typeface family a template may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Song/Ming style (宋体): the body face of official documents.
    Serif,
    /// Hei style (黑体): headings, the kiosk screens.
    Sans,
}

/// Weight of a face within a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weight {
    Regular,
    Bold,
}

/// Index of a face in the [`FontBook`]; stable for the life of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaceId(pub u8);

/// One font file of the book.
pub struct FaceInfo {
    /// File name within `assets/fonts/`.
    pub file: &'static str,
    /// PostScript-style name used in the PDF.
    pub postscript_name: &'static str,
    /// Licence file shipped beside it.
    pub licence: &'static str,
}

/// The faces the book loads, in [`FaceId`] order.
pub const FACES: &[FaceInfo] = &[
    FaceInfo {
        file: "NotoSerifSC-Regular.ttf",
        postscript_name: "NotoSerifSC-Regular",
        licence: "OFL-NotoSerifSC.txt",
    },
    FaceInfo {
        file: "NotoSerifSC-Bold.ttf",
        postscript_name: "NotoSerifSC-Bold",
        licence: "OFL-NotoSerifSC.txt",
    },
    FaceInfo {
        file: "NotoSansSC-Regular.ttf",
        postscript_name: "NotoSansSC-Regular",
        licence: "OFL-NotoSansSC.txt",
    },
    FaceInfo {
        file: "NotoSansSC-Bold.ttf",
        postscript_name: "NotoSansSC-Bold",
        licence: "OFL-NotoSansSC.txt",
    },
    FaceInfo {
        file: "HanaMinB.ttf",
        postscript_name: "HanaMinB",
        licence: "LICENSE-Hanazono.txt",
    },
];

const HANAMIN_B: u8 = 4;

/// Why the fonts could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error(
        "cannot open font file {path}: {source} (the fonts ship in assets/fonts/; set KIOSK_ASSETS to the assets folder)"
    )]
    Open { path: PathBuf, source: std::io::Error },
    #[error("font file {path} is not a usable TrueType/OpenType font: {reason}")]
    Parse { path: PathBuf, reason: String },
}

/// A glyph chosen for one character.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlyphInfo {
    pub face: FaceId,
    pub gid: u16,
    /// Advance width in em units (advance / units-per-em).
    pub advance_em: f32,
}

struct LoadedFace {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
    ascender_em: f32,
    descender_em: f32,
}

/// All bundled faces, parsed once. Lookups are cached per fallback chain.
pub struct FontBook {
    faces: Vec<LoadedFace>,
    cache: RwLock<HashMap<(Family, Weight, char), Option<GlyphInfo>>>,
}

impl fmt::Debug for FontBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FontBook").field("faces", &self.faces.len()).finish()
    }
}

/// Where the `assets/` folder is: `KIOSK_ASSETS`, beside the executable, or
/// the source tree the binary was built from.
pub fn assets_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KIOSK_ASSETS") {
        return PathBuf::from(dir);
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        for candidate in [dir.join("assets"), dir.join("../share/campus-kiosk/assets")] {
            if candidate.join("fonts").is_dir() {
                return candidate;
            }
        }
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets")
}

impl FontBook {
    /// Loads every face from `<assets>/fonts`.
    pub fn load(assets: &Path) -> Result<FontBook, FontError> {
        let dir = assets.join("fonts");
        let mut faces = Vec::with_capacity(FACES.len());
        for info in FACES {
            let path = dir.join(info.file);
            let file = File::open(&path).map_err(|source| FontError::Open {
                path: path.clone(),
                source,
            })?;
            // SAFETY: the font files are read-only assets of the installation;
            // nothing in the process writes them while they are mapped.
            let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|source| FontError::Open {
                path: path.clone(),
                source,
            })?;
            // The book lives for the whole process (see `FontBook::shared`), so
            // the mapping is never unmapped.
            let data: &'static [u8] = Box::leak(Box::new(map));
            let face = ttf_parser::Face::parse(data, 0).map_err(|e| FontError::Parse {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let upem = f32::from(face.units_per_em());
            faces.push(LoadedFace {
                data,
                units_per_em: upem,
                ascender_em: f32::from(face.ascender()) / upem,
                descender_em: f32::from(face.descender()) / upem,
                face,
            });
        }
        Ok(FontBook {
            faces,
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// The process-wide book, loaded on first use from [`assets_dir`].
    pub fn shared() -> Result<&'static FontBook, &'static FontError> {
        static BOOK: std::sync::OnceLock<Result<FontBook, FontError>> = std::sync::OnceLock::new();
        BOOK.get_or_init(|| FontBook::load(&assets_dir())).as_ref()
    }

    /// The faces tried, in order, for a family and weight.
    pub fn chain(family: Family, weight: Weight) -> [FaceId; 2] {
        let first = match (family, weight) {
            (Family::Serif, Weight::Regular) => 0,
            (Family::Serif, Weight::Bold) => 1,
            (Family::Sans, Weight::Regular) => 2,
            (Family::Sans, Weight::Bold) => 3,
        };
        [FaceId(first), FaceId(HANAMIN_B)]
    }

    /// The glyph for `ch` from the first face of the chain that has one, or
    /// `None` if no bundled face covers it.
    pub fn glyph(&self, family: Family, weight: Weight, ch: char) -> Option<GlyphInfo> {
        let key = (family, weight, ch);
        if let Some(hit) = self.cache.read().ok().and_then(|c| c.get(&key).copied()) {
            return hit;
        }
        let found = Self::chain(family, weight).into_iter().find_map(|id| {
            let f = &self.faces[usize::from(id.0)];
            let gid = f.face.glyph_index(ch)?;
            let adv = f.face.glyph_hor_advance(gid).unwrap_or(0);
            Some(GlyphInfo {
                face: id,
                gid: gid.0,
                advance_em: f32::from(adv) / f.units_per_em,
            })
        });
        if let Ok(mut c) = self.cache.write() {
            c.insert(key, found);
        }
        found
    }

    /// Ascender and descender (negative) of the chain's first face, in em.
    pub fn vertical_metrics(&self, family: Family, weight: Weight) -> (f32, f32) {
        let f = &self.faces[usize::from(Self::chain(family, weight)[0].0)];
        (f.ascender_em, f.descender_em)
    }

    /// The raw bytes of a face (for subsetting).
    pub fn data(&self, id: FaceId) -> &'static [u8] {
        self.faces[usize::from(id.0)].data
    }

    /// The parsed face (for outlines and metrics).
    pub fn face(&self, id: FaceId) -> &ttf_parser::Face<'static> {
        &self.faces[usize::from(id.0)].face
    }

    /// Units per em of a face.
    pub fn units_per_em(&self, id: FaceId) -> f32 {
        self.faces[usize::from(id.0)].units_per_em
    }

    /// Static description of a face.
    pub fn info(id: FaceId) -> &'static FaceInfo {
        &FACES[usize::from(id.0)]
    }
}
