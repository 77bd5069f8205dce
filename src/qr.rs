//! QR symbols as module matrices, for documents' verification codes and
//! the attract screen's login code alike.

/// A QR symbol: `n`×`n` modules, row-major, `true` = dark. No quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    pub n: usize,
    pub dark: Vec<bool>,
}

/// Encodes `text` at error-correction level M (15 %: survives a scuffed
/// print or a scratched screen protector).
pub fn encode(text: &str) -> Result<QrMatrix, String> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).map_err(|e| e.to_string())?;
    Ok(QrMatrix {
        n: code.width(),
        dark: code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect(),
    })
}

impl QrMatrix {
    /// A greyscale raster with a 4-module quiet zone, `scale` pixels a
    /// module (for screens and for decoding in tests).
    pub fn to_luma(&self, scale: u32) -> (u32, u32, Vec<u8>) {
        let side = (self.n as u32 + 8) * scale;
        let mut px = vec![255u8; (side * side) as usize];
        for (i, d) in self.dark.iter().enumerate() {
            if *d {
                let (mx, my) = ((i % self.n) as u32 + 4, (i / self.n) as u32 + 4);
                for y in my * scale..(my + 1) * scale {
                    let row = (y * side) as usize;
                    px[row + (mx * scale) as usize..row + ((mx + 1) * scale) as usize].fill(0);
                }
            }
        }
        (side, side, px)
    }
}
