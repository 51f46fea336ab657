//! Text-file encodings, detected without asking the clerk.
//!
//! A UTF-8 BOM means UTF-8; otherwise bytes that are valid UTF-8 are UTF-8 (plain ASCII
//! included); anything else is decoded as Windows-31J (cp932, what Japanese Windows and Excel's
//! "CSV (コンマ区切り)" write; `encoding_rs::SHIFT_JIS` is the WHATWG Shift_JIS, which is cp932).
//! Bytes that are not valid cp932 either refuse the file with their position. UTF-16 (Excel's
//! "Unicode テキスト") is refused with a hint.

use encoding_rs::{DecoderResult, SHIFT_JIS};
use serde::Serialize;

use crate::error::{code, Problem};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The encoding a text file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// UTF-8 starting with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-8 without a byte-order mark (plain ASCII reads as this too).
    Utf8,
    /// Windows-31J / cp932 ("Shift_JIS" as Japanese Windows writes it).
    Cp932,
}

impl TextEncoding {
    /// How the clerk sees it named.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8Bom => "UTF-8（BOM付き）",
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Cp932 => "Shift_JIS（Windows-31J）",
        }
    }
}

/// A decoded text file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// What it was decoded from.
    pub encoding: TextEncoding,
}

/// Bytes that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Stable code: [`code::ENCODING_INVALID`] or [`code::ENCODING_UNSUPPORTED`].
    pub code: &'static str,
    /// 0-based byte offset of the first bad byte, when there is one.
    pub offset: Option<usize>,
    /// 1-based line of the first bad byte, when there is one.
    pub line: Option<usize>,
    /// The bad bytes in hex (`0x82 0xFF`).
    pub bytes: Option<String>,
    /// What is wrong and what to do, in Japanese.
    pub message: String,
}

impl DecodeError {
    /// The error as a file problem (row = line of the bad byte).
    pub fn into_problem(self) -> Problem {
        let mut problem = Problem::new(self.code, self.message);
        problem.row = self.line;
        problem.value = self.bytes;
        problem
    }

    fn invalid(bytes: &[u8], offset: usize, len: usize, as_what: &str) -> Self {
        let end = (offset + len.max(1)).min(bytes.len());
        let hex = bytes[offset..end]
            .iter()
            .map(|b| format!("0x{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ");
        DecodeError {
            code: code::ENCODING_INVALID,
            offset: Some(offset),
            line: Some(line_of(bytes, offset)),
            bytes: Some(hex),
            message: format!(
                "ファイル先頭から{}バイト目が{as_what}として読めません（UTF-8かShift_JISで保存し直してください）",
                offset + 1
            ),
        }
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

/// 1-based line of a byte offset. LF (0x0A) is never part of a multi-byte character in UTF-8 or
/// cp932, so counting it is exact.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Decodes a text file, detecting UTF-8 with BOM, UTF-8 or cp932.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok(Decoded {
                text: text.to_owned(),
                encoding: TextEncoding::Utf8Bom,
            }),
            Err(e) => Err(DecodeError::invalid(
                bytes,
                UTF8_BOM.len() + e.valid_up_to(),
                e.error_len().unwrap_or(1),
                "UTF-8（BOM付き）",
            )),
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(DecodeError {
            code: code::ENCODING_UNSUPPORTED,
            offset: None,
            line: None,
            bytes: None,
            message: "UTF-16のファイルには対応していません（Excelで「CSV UTF-8」か「CSV（コンマ区切り）」として保存してください）".to_owned(),
        });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: text.to_owned(),
            encoding: TextEncoding::Utf8,
        });
    }
    decode_cp932(bytes).map(|text| Decoded {
        text,
        encoding: TextEncoding::Cp932,
    })
}

fn decode_cp932(bytes: &[u8]) -> Result<String, DecodeError> {
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len() * 3),
    );
    let mut read = 0;
    loop {
        let (result, n) = decoder.decode_to_string_without_replacement(&bytes[read..], &mut text, true);
        read += n;
        match result {
            DecoderResult::InputEmpty => return Ok(text),
            DecoderResult::OutputFull => text.reserve(bytes.len() - read + 16),
            DecoderResult::Malformed(bad, after) => {
                let offset = read - usize::from(after) - usize::from(bad);
                return Err(DecodeError::invalid(
                    bytes,
                    offset,
                    usize::from(bad),
                    "Shift_JIS（Windows-31J）",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_counts_lf() {
        assert_eq!(line_of(b"a\nb\nc", 0), 1);
        assert_eq!(line_of(b"a\nb\nc", 2), 2);
        assert_eq!(line_of(b"a\nb\nc", 4), 3);
    }
}
