//! What a reader accepts at most, so that a hostile or broken file is refused with a positioned
//! message instead of exhausting memory (docs/RELIABILITY.md gives the reasons for each number).
//!
//! - Excel workbooks (zip) are checked **before** calamine sees them: every entry is decompressed
//!   once into a counter (never into memory), so a zip bomb whose header lies about its size is
//!   caught by what it really expands to; the cell addresses (`r="…"`, `ref="…"`) of worksheets are
//!   checked on the way, because calamine's address parser overflows a `u32` past 7 digits or
//!   3 letters.
//! - Sheets are read cell by cell; rows past Excel's last row and cells past [`MAX_COLUMNS`] are
//!   refused, so no reader ever materialises the used range of a sheet.
//! - Text files are bounded by size, line length and columns per record.

use std::io::{Cursor, Read};

use crate::error::{code, FileError, Problem};

/// Excel's last row (1,048,576): a row number past it is not an Excel row.
pub const MAX_ROWS: usize = 1_048_576;
/// Columns a table may use (`IV`, the old Excel limit). The widest format read here has 24.
pub const MAX_COLUMNS: usize = 256;
/// Characters in one cell: Excel's own limit.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Cells a table keeps in memory (rows × their width up to the last filled cell): 300,000 HR
/// rows of 20 columns are 6,000,000.
pub const MAX_TABLE_CELLS: usize = 30_000_000;
/// Bytes of a csv/text file (a 300,000-row HR csv is about 45 MB).
pub const MAX_TEXT_BYTES: usize = 256 * 1024 * 1024;
/// Bytes of one physical line of a csv file.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// Bytes of an Excel file as stored (zip).
pub const MAX_WORKBOOK_BYTES: usize = 512 * 1024 * 1024;
/// Decompressed bytes of one worksheet (streamed, never held whole; the 652,205-row roster's
/// sheet is about 0.5 GB).
pub const MAX_SHEET_XML_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Decompressed bytes of any other workbook part (shared strings, styles: calamine holds these
/// in memory).
pub const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;
/// Bytes of a bill package (JSON, read whole: the 300,000-member sample's is 754 MB).
pub const MAX_PACKAGE_BYTES: usize = 2 * 1024 * 1024 * 1024;
/// Entries in a workbook's zip.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// Largest amount of yen a file may state (10 digits: the Zengin amount field's width).
pub const MAX_YEN: i64 = 9_999_999_999;

/// Problem codes of the limits (`F1xxx`: the file's shape), from [`crate::error::code`].
pub mod limit_code {
    pub use crate::error::code::{OUT_OF_RANGE, TOO_LARGE};
}

fn too_large(name: &str, expected: String) -> FileError {
    FileError::single(name, Problem::new(limit_code::TOO_LARGE, expected))
}

/// Refuses a file larger than `max` bytes.
pub fn check_size(name: &str, len: usize, max: usize, what: &str) -> Result<(), FileError> {
    if len > max {
        return Err(too_large(
            name,
            format!("{what}が大きすぎます（{}バイト。{}バイトまで読み込めます）", len, max),
        ));
    }
    Ok(())
}

/// The Excel column name of a 0-based column index (0 → `A`, 16383 → `XFD`).
pub fn column_name(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + u8::try_from(r).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Checks an xlsx (zip) before it is opened: size, number of entries, what every entry really
/// decompresses to, and the cell addresses of the worksheets.
pub fn check_workbook_zip(name: &str, bytes: &[u8]) -> Result<(), FileError> {
    check_size(name, bytes.len(), MAX_WORKBOOK_BYTES, "Excelファイル")?;
    let unreadable = |detail: String| {
        FileError::single(
            name,
            Problem::new(
                code::WORKBOOK_UNREADABLE,
                format!("Excelファイルとして読めません（{detail}）"),
            ),
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(too_large(
            name,
            format!(
                "Excelファイルの部品が多すぎます（{}個。{MAX_ZIP_ENTRIES}個まで）",
                zip.len()
            ),
        ));
    }
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| unreadable(e.to_string()))?;
        let part = entry.name().to_owned();
        let sheet = part.starts_with("xl/worksheets/") && part.ends_with(".xml");
        let max = if sheet { MAX_SHEET_XML_BYTES } else { MAX_PART_BYTES };
        let declared = entry.size();
        let over = |size: u64| {
            too_large(
                name,
                format!("Excelファイルの部品「{part}」が展開すると大きすぎます（{size}バイト以上。{max}バイトまで）"),
            )
        };
        if declared > max {
            return Err(over(declared));
        }
        let mut scan = AddressScan::default();
        let mut total: u64 = 0;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = entry.read(&mut buf).map_err(|e| unreadable(format!("{part}: {e}")))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > max {
                return Err(over(total));
            }
            if sheet {
                if let Some(bad) = scan.feed(&buf[..n]) {
                    return Err(FileError::single(
                        name,
                        Problem::new(
                            limit_code::OUT_OF_RANGE,
                            format!("セル番地がExcelの範囲（XFD1048576まで）を超えているか、範囲の終わりが始まりより前です（{part}）"),
                        )
                        .with_value(bad),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Finds the values of the attributes `r` and `ref` in the tags of worksheet XML, fed in chunks,
/// and reports the first one with a run of more than 3 letters or 7 digits (XFD1048576 has 3 and
/// 7), or a `ref` range that ends before it starts: calamine would overflow on either. Text,
/// comments, CDATA, processing instructions and declarations are skipped as an XML parser skips
/// them, so a quote in a cell's text cannot hide an attribute.
#[derive(Default)]
struct AddressScan {
    /// The last bytes of the current name (attribute names are short).
    name: Vec<u8>,
    /// Whitespace followed the name: a name byte now starts a new name.
    name_ended: bool,
    state: ScanState,
    value: Vec<u8>,
    letters: usize,
    digits: usize,
    /// The bytes after `<!` while telling a comment from CDATA from a declaration.
    bang: Vec<u8>,
    /// The last two bytes seen while skipping (to find `-->`, `]]>`, `?>` across chunks).
    tail: [u8; 2],
    /// `[` depth inside a declaration.
    depth: usize,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum ScanState {
    /// Outside any tag (element text).
    #[default]
    Text,
    /// Just after `<`.
    Open,
    /// Inside a tag, between attributes.
    Tag,
    /// After `name=`, before the quote; `range`: the attribute is `ref`, a range whose end must
    /// not come before its start (calamine subtracts them).
    Equals {
        wanted: bool,
        range: bool,
    },
    /// Inside a quoted value.
    Value {
        quote: u8,
        wanted: bool,
        range: bool,
    },
    /// After `<!`, reading the next bytes into `bang`.
    Bang,
    Comment,
    Cdata,
    /// `<!DOCTYPE …>` and the like, up to the `>` outside brackets.
    Declaration,
    /// `<? … ?>`.
    Instruction,
}

impl AddressScan {
    fn feed(&mut self, chunk: &[u8]) -> Option<String> {
        for &b in chunk {
            let tail = self.tail;
            self.tail = [tail[1], b];
            match self.state {
                ScanState::Text => {
                    if b == b'<' {
                        self.state = ScanState::Open;
                    }
                }
                ScanState::Open => match b {
                    b'!' => {
                        self.bang.clear();
                        self.state = ScanState::Bang;
                    }
                    b'?' => {
                        self.tail = [0, 0];
                        self.state = ScanState::Instruction;
                    }
                    _ => {
                        self.name.clear();
                        self.name_ended = false;
                        self.state = ScanState::Tag;
                        if b == b'>' {
                            self.state = ScanState::Text;
                        }
                    }
                },
                ScanState::Bang => {
                    self.bang.push(b);
                    if self.bang == b"--" {
                        self.tail = [0, 0];
                        self.state = ScanState::Comment;
                    } else if self.bang == b"[CDATA[" {
                        self.tail = [0, 0];
                        self.state = ScanState::Cdata;
                    } else if !b"--".starts_with(&self.bang) && !b"[CDATA[".starts_with(&self.bang) {
                        self.depth = 0;
                        self.state = ScanState::Declaration;
                        self.skip_declaration(b);
                    }
                }
                ScanState::Comment => {
                    if b == b'>' && tail == *b"--" {
                        self.state = ScanState::Text;
                    }
                }
                ScanState::Cdata => {
                    if b == b'>' && tail == *b"]]" {
                        self.state = ScanState::Text;
                    }
                }
                ScanState::Declaration => self.skip_declaration(b),
                ScanState::Instruction => {
                    if b == b'>' && tail[1] == b'?' {
                        self.state = ScanState::Text;
                    }
                }
                ScanState::Tag => {
                    if b == b'>' {
                        self.state = ScanState::Text;
                    } else if b == b'=' {
                        let wanted = self.name == b"r" || self.name.ends_with(b"ref");
                        let range = self.name == b"ref";
                        self.state = ScanState::Equals { wanted, range };
                        self.name.clear();
                        self.name_ended = false;
                    } else if b.is_ascii_alphanumeric() || b == b':' || b == b'_' {
                        if self.name_ended {
                            self.name.clear();
                            self.name_ended = false;
                        }
                        if self.name.len() >= 8 {
                            self.name.remove(0);
                        }
                        self.name.push(b);
                    } else if b.is_ascii_whitespace() {
                        self.name_ended = true;
                    } else {
                        self.name.clear();
                    }
                }
                ScanState::Equals { wanted, range } => {
                    if b == b'"' || b == b'\'' {
                        self.state = ScanState::Value {
                            quote: b,
                            wanted,
                            range,
                        };
                        self.value.clear();
                        self.letters = 0;
                        self.digits = 0;
                    } else if b == b'>' {
                        self.state = ScanState::Text;
                    } else if !b.is_ascii_whitespace() {
                        self.state = ScanState::Tag;
                    }
                }
                ScanState::Value { quote, wanted, range } => {
                    if b == quote {
                        self.state = ScanState::Tag;
                        if range && reversed(&self.value) {
                            return Some(String::from_utf8_lossy(&self.value).into_owned());
                        }
                        continue;
                    }
                    if !wanted {
                        continue;
                    }
                    if self.value.len() < 40 {
                        self.value.push(b);
                    }
                    if b.is_ascii_alphabetic() {
                        self.letters += 1;
                        self.digits = 0;
                    } else if b.is_ascii_digit() {
                        self.digits += 1;
                    } else {
                        self.letters = 0;
                        self.digits = 0;
                    }
                    if self.letters > 3 || self.digits > 7 {
                        return Some(String::from_utf8_lossy(&self.value).into_owned());
                    }
                    if b.is_ascii_digit() {
                        self.letters = 0;
                    }
                }
            }
        }
        None
    }

    fn skip_declaration(&mut self, b: u8) {
        match b {
            b'[' => self.depth += 1,
            b']' => self.depth = self.depth.saturating_sub(1),
            b'>' if self.depth == 0 => self.state = ScanState::Text,
            _ => {}
        }
    }
}

/// Whether a range `A1:B2` ends before it starts (row or column), as calamine reads it.
fn reversed(value: &[u8]) -> bool {
    let mut parts = value.split(|b| *b == b':');
    let (Some(start), Some(end), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    match (cell_position(start), cell_position(end)) {
        (Some((r1, c1)), Some((r2, c2))) => r2 < r1 || c2 < c1,
        _ => false,
    }
}

/// (row, column) of an address such as `XFD1048576` (letters of any case, then digits).
fn cell_position(address: &[u8]) -> Option<(u64, u64)> {
    let split = address.iter().position(u8::is_ascii_digit)?;
    let (letters, digits) = address.split_at(split);
    if letters.is_empty() || letters.len() > 3 || digits.len() > 7 {
        return None;
    }
    let mut column = 0u64;
    for b in letters {
        column = column * 26 + u64::from(b.to_ascii_uppercase().checked_sub(b'A')?) + 1;
    }
    let mut row = 0u64;
    for b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        row = row * 10 + u64::from(b - b'0');
    }
    Some((row, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16383), "XFD");
    }

    #[test]
    fn address_scan_finds_overlong_addresses_across_chunks() {
        let mut scan = AddressScan::default();
        assert_eq!(
            scan.feed(br#"<dimension ref="A1:XFD1048576"/><row r="1"><c r="A1" s="1">"#),
            None
        );
        assert_eq!(scan.feed(br#"<c r="A1234"#), None);
        assert_eq!(scan.feed(br#"5678"/>"#).as_deref(), Some("A12345678"));
        let mut scan = AddressScan::default();
        assert_eq!(scan.feed(br#"<c r = 'ABCD1'/>"#).as_deref(), Some("ABCD"));
        let mut scan = AddressScan::default();
        assert_eq!(
            scan.feed(br#"<c t="s" xr:uid="{12345678-AAAA}"><v>123456789</v>"#),
            None
        );
    }
}
