//! What an uploaded file really is, read from its first bytes: the name
//! and the type the browser claims are never trusted.

/// The image formats the shop stores and serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
}

impl ImageKind {
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
        }
    }

    /// The kind a stored file's extension names.
    pub fn of_extension(extension: &str) -> Option<ImageKind> {
        match extension {
            "png" => Some(ImageKind::Png),
            "jpg" => Some(ImageKind::Jpeg),
            "webp" => Some(ImageKind::Webp),
            _ => None,
        }
    }
}

/// Why a file is not taken, in words for the person who chose it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAnImage {
    #[error("The file is empty.")]
    Empty,
    #[error("SVG images are not accepted, as they can carry scripts: upload a PNG, JPEG or WebP image instead.")]
    Svg,
    #[error("This file is not a PNG, JPEG or WebP image (whatever its name says).")]
    Other,
}

/// The kind of image `bytes` hold, judged by their signature.
pub fn sniff(bytes: &[u8]) -> Result<ImageKind, NotAnImage> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.is_empty() {
        return Err(NotAnImage::Empty);
    }
    if bytes.starts_with(PNG) {
        return Ok(ImageKind::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageKind::Jpeg);
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(ImageKind::Webp);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    if head.contains("<svg") {
        return Err(NotAnImage::Svg);
    }
    Err(NotAnImage::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_signature() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Ok(ImageKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Ok(ImageKind::Jpeg));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Ok(ImageKind::Webp));
    }

    #[test]
    fn everything_else_is_refused_whatever_its_name() {
        assert_eq!(sniff(b""), Err(NotAnImage::Empty));
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), Err(NotAnImage::Other), "a Windows executable");
        assert_eq!(sniff(b"\x7fELF\x02\x01"), Err(NotAnImage::Other), "a Linux executable");
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><svg onload=\"alert(1)\">"), Err(NotAnImage::Svg));
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), Err(NotAnImage::Other));
    }
}
