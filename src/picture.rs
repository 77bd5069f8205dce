//! Decoding a picture from outside (a template's PNG, a recipient's photo
//! or scan) without letting its header decide how much memory it takes:
//! the pixel count is read first and refused past a limit, then the
//! decoder runs under an allocation limit. Pure: bytes in.

/// Why a picture was not decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureError {
    #[error("{width} × {height} pixels is more than the {limit} allowed")]
    TooLarge { width: u32, height: u32, limit: u64 },
    #[error("not a readable picture: {0}")]
    Unreadable(String),
}

/// Decodes `bytes` (as `format`, or the format its first bytes show) if it
/// has at most `max_pixels`.
pub fn decode(
    bytes: &[u8],
    format: Option<image::ImageFormat>,
    max_pixels: u64,
) -> Result<image::DynamicImage, PictureError> {
    let reader = || -> Result<_, PictureError> {
        let cursor = std::io::Cursor::new(bytes);
        match format {
            Some(f) => Ok(image::ImageReader::with_format(cursor, f)),
            None => image::ImageReader::new(cursor)
                .with_guessed_format()
                .map_err(|e| PictureError::Unreadable(e.to_string())),
        }
    };
    let (width, height) = reader()?
        .into_dimensions()
        .map_err(|e| PictureError::Unreadable(e.to_string()))?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(PictureError::TooLarge {
            width,
            height,
            limit: max_pixels,
        });
    }
    let mut r = reader()?;
    let mut limits = image::Limits::default();
    // RGBA at 8 bits, and room for the decoder's own buffers.
    limits.max_alloc = Some(max_pixels * 8 + (64 << 20));
    r.limits(limits);
    r.decode().map_err(|e| PictureError::Unreadable(e.to_string()))
}
