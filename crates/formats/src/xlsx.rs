//! A streaming writer of xlsx workbooks, for the big tables (the 300,000-member
//! roster): rows go out as sheet XML in chunks that are deflated on other threads while the next
//! rows are written, so memory stays constant and both cores work.
//!
//! Why not rust_xlsxwriter here: its constant-memory mode writes each row to a temporary file
//! and deflates the whole sheet XML on one thread at save time (level 6), which alone took longer
//! than the roster's 2-second budget at 650,000 rows (docs/OUTPUTS.md). This writer deflates at
//! level 1 in 1 MiB chunks, each ending with a sync flush so that the chunks concatenate into one
//! valid deflate stream (as pigz does), CRC-32 combined in order.
//!
//! What it writes: one or more sheets, each with a header row (bold, filled, bottom border,
//! centred), frozen; fixed column widths; a number format per column that its cells take (dates, months, yen, units); inline
//! strings; an autofilter over the table. Text cells of XML-invalid control characters are
//! written as Excel's `_xHHHH_` escapes. The archive is a plain ZIP (no ZIP64: a sheet over 4 GiB
//! is refused).

use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use chrono::{Datelike, NaiveDate};

use crate::atomic::AtomicFile;
use flate2::{Compress, Compression, FlushCompress, Status};

/// How the cells of a column look (their number format).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnFormat {
    General,
    /// `yyyy-mm-dd`
    Date,
    /// `yyyy-mm` (a month written as the date of its 1st)
    Month,
    /// `#,##0`
    Yen,
    /// `0`
    Whole,
    /// `0.0%` (a fraction: 0.35 shows 35.0%)
    Percent,
}

impl ColumnFormat {
    /// The cell style (index into `cellXfs` of [`STYLES`]).
    fn style(self) -> u8 {
        match self {
            ColumnFormat::General => 0,
            ColumnFormat::Date => 2,
            ColumnFormat::Month => 3,
            ColumnFormat::Yen => 4,
            ColumnFormat::Whole => 5,
            ColumnFormat::Percent => 6,
        }
    }
}

/// One column of the sheet.
#[derive(Clone, Copy, Debug)]
pub struct Column<'a> {
    pub title: &'a str,
    /// Width in characters, as Excel's column width dialog shows it.
    pub width: f64,
    pub format: ColumnFormat,
}

/// The columns of a sheet: titles and widths from `layout`, each column's format by its index.
pub fn columns<'a>(layout: &'a [(&'a str, f64)], format: impl Fn(usize) -> ColumnFormat) -> Vec<Column<'a>> {
    layout
        .iter()
        .enumerate()
        .map(|(c, (title, width))| Column {
            title,
            width: *width,
            format: format(c),
        })
        .collect()
}

const HEADER_STYLE: u8 = 1;

const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm"/><numFmt numFmtId="166" formatCode="0.0%"/></numFmts>"#,
    r#"<fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>"#,
    r#"<font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font></fonts>"#,
    r#"<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>"#,
    r#"<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>"#,
    r#"<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>"#,
    r#"<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center"/></xf>"#,
    r#"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>"#,
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    r#"<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>"#,
    "</styleSheet>\n"
);

const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// `[Content_Types].xml` for `sheets` worksheets.
fn content_types(sheets: usize) -> String {
    let mut s = String::from(XML_HEAD);
    s.push_str(concat!(
        r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
        r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
        r#"<Default Extension="xml" ContentType="application/xml"/>"#,
        r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    ));
    for n in 1..=sheets {
        s.push_str(&format!(
            r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        ));
    }
    s.push_str(r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#);
    s.push_str("</Types>\n");
    s
}

const ROOT_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
    "</Relationships>\n"
);

/// `xl/_rels/workbook.xml.rels`: sheet n is `rId<n>`, the styles come after them.
fn workbook_rels(sheets: usize) -> String {
    let mut s = String::from(XML_HEAD);
    s.push_str(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#);
    for n in 1..=sheets {
        s.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
    }
    s.push_str(&format!(
        r#"<Relationship Id="rId{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
        sheets + 1
    ));
    s.push_str("</Relationships>\n");
    s
}

/// Sheet XML is handed to the deflating threads in chunks of this size.
const CHUNK: usize = 1 << 20;

/// A workbook being written, one sheet at a time. Cells of a row must be written left to
/// right; [`SheetWriter::next_sheet`] closes a sheet and starts the next, [`SheetWriter::finish`]
/// completes the file.
pub struct SheetWriter {
    sheet_names: Vec<String>,
    /// Per closed sheet: rows (the header included) and columns, for the workbook's filters.
    closed: Vec<(u32, usize)>,
    formats: Vec<u8>,
    columns: usize,
    xml: Vec<u8>,
    row: u32,
    in_row: bool,
    pipeline: Option<Pipeline>,
    /// The archive between two sheets.
    zip: Option<Zip>,
}

/// Column letters: A … Z, AA … (enough for [`SheetWriter`]'s columns).
fn column_name(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Excel's stored column width for a width in characters (Calibri 11: 7 px digits, 5 px padding),
/// as rust_xlsxwriter and Excel compute it. Layout only, never money.
fn stored_width(width: f64) -> f64 {
    if width < 1.0 {
        ((width * 12.0).round() / 7.0 * 256.0).floor() / 256.0
    } else {
        ((width * 7.0 + 5.0) / 7.0 * 256.0).floor() / 256.0
    }
}

/// Escape text for XML element content; control characters XML cannot hold become `_xHHHH_`
/// (and a literal `_xHHHH_` is protected as Excel does, by escaping its underscore).
fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let rep: Option<&[u8]> = match b {
            b'&' => Some(b"&amp;"),
            b'<' => Some(b"&lt;"),
            b'>' => Some(b"&gt;"),
            b'_' if is_excel_escape(&bytes[i..]) => Some(b"_x005F_"),
            0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match rep {
            Some(r) => out.extend_from_slice(r),
            None => out.extend_from_slice(format!("_x{b:04X}_").as_bytes()),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

fn is_excel_escape(s: &[u8]) -> bool {
    s.len() >= 7 && s[1] == b'x' && s[2..6].iter().all(u8::is_ascii_hexdigit) && s[6] == b'_'
}

/// Excel's serial number of a date (1900 date system, with its 29 February 1900 that never
/// was); `None` before 1900 (Excel has no such dates).
pub fn excel_serial(d: NaiveDate) -> Option<i64> {
    if d.year() < 1900 {
        return None;
    }
    let base = if d < NaiveDate::from_ymd_opt(1900, 3, 1)? {
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    Some((d - base).num_days())
}

impl SheetWriter {
    /// Create `path` with one sheet `sheet_name` of `columns` and write the header row.
    pub fn create(path: &Path, sheet_name: &str, columns: &[Column<'_>]) -> io::Result<SheetWriter> {
        SheetWriter::create_workbook(path, &[sheet_name], columns)
    }

    /// Create `path` with the sheets `sheet_names` (at least one) and start the first, of
    /// `columns`, with its header row; [`SheetWriter::next_sheet`] starts each next one.
    pub fn create_workbook(path: &Path, sheet_names: &[&str], columns: &[Column<'_>]) -> io::Result<SheetWriter> {
        if sheet_names.is_empty() {
            return Err(io::Error::other("xlsx: a workbook needs a sheet"));
        }
        // Written under a temporary name and renamed by `finish` (crate::atomic).
        let file = BufWriter::with_capacity(1 << 16, AtomicFile::create(path)?);
        let mut zip = Zip {
            out: file,
            entries: Vec::new(),
            offset: 0,
        };
        zip.stored("[Content_Types].xml", content_types(sheet_names.len()).as_bytes())?;
        zip.stored("_rels/.rels", ROOT_RELS.as_bytes())?;
        zip.stored(
            "xl/_rels/workbook.xml.rels",
            workbook_rels(sheet_names.len()).as_bytes(),
        )?;
        zip.stored("xl/styles.xml", STYLES.as_bytes())?;
        let mut w = SheetWriter {
            sheet_names: sheet_names.iter().map(|n| n.to_string()).collect(),
            closed: Vec::new(),
            formats: Vec::new(),
            columns: 0,
            xml: Vec::with_capacity(CHUNK + 4096),
            row: 0,
            in_row: false,
            pipeline: None,
            zip: Some(zip),
        };
        w.begin_sheet(columns)?;
        Ok(w)
    }

    /// Close the current sheet and start the next of the names given at creation, of `columns`.
    pub fn next_sheet(&mut self, columns: &[Column<'_>]) -> io::Result<()> {
        if self.closed.len() + 1 >= self.sheet_names.len() {
            return Err(io::Error::other("xlsx: no more sheets were declared"));
        }
        self.end_sheet()?;
        self.begin_sheet(columns)
    }

    fn begin_sheet(&mut self, columns: &[Column<'_>]) -> io::Result<()> {
        let zip = self
            .zip
            .take()
            .ok_or_else(|| io::Error::other("the workbook is already finished"))?;
        let n = self.closed.len() + 1;
        self.pipeline = Some(Pipeline::start(zip, &format!("xl/worksheets/sheet{n}.xml"))?);
        self.formats = columns.iter().map(|c| c.format.style()).collect();
        self.columns = columns.len();
        self.row = 0;
        let w = self;
        w.xml.extend_from_slice(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                "\n",
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
                r#"<sheetViews><sheetView"#,
            )
            .as_bytes(),
        );
        if n == 1 {
            w.xml.extend_from_slice(br#" tabSelected="1""#);
        }
        w.xml.extend_from_slice(
            concat!(
                r#" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>"#,
                r#"<sheetFormatPr defaultRowHeight="15"/><cols>"#
            )
            .as_bytes(),
        );
        // Adjacent columns of one width and format share a <col> element, as Excel writes them.
        let mut i = 0;
        while i < columns.len() {
            let c = &columns[i];
            let same = |d: &Column<'_>| d.width == c.width && d.format == c.format;
            let run = columns[i..].iter().take_while(|d| same(d)).count();
            let style = c.format.style();
            let style = if style == 0 {
                String::new()
            } else {
                format!(r#" style="{style}""#)
            };
            w.xml.extend_from_slice(
                format!(
                    r#"<col min="{}" max="{}" width="{}"{style} customWidth="1"/>"#,
                    i + 1,
                    i + run,
                    stored_width(c.width)
                )
                .as_bytes(),
            );
            i += run;
        }
        w.xml.extend_from_slice(b"</cols><sheetData>");
        w.start_row();
        for (i, c) in columns.iter().enumerate() {
            w.cell_text(i, c.title, HEADER_STYLE);
        }
        w.end_row()
    }

    /// Close the current sheet (autofilter over every written row); the archive waits for the
    /// next sheet or the workbook.
    fn end_sheet(&mut self) -> io::Result<()> {
        let last_col = column_name(self.columns.saturating_sub(1));
        let rows = self.row.max(1);
        self.xml.extend_from_slice(
            format!(
                r#"</sheetData><autoFilter ref="A1:{last_col}{rows}"/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>"#
            )
            .as_bytes(),
        );
        let rest = std::mem::replace(&mut self.xml, Vec::with_capacity(CHUNK + 4096));
        let pipeline = self
            .pipeline
            .take()
            .ok_or_else(|| io::Error::other("the sheet is already finished"))?;
        self.zip = Some(pipeline.finish(rest)?);
        self.closed.push((rows, self.columns));
        Ok(())
    }

    /// Rows written so far, the header included.
    pub fn rows(&self) -> u32 {
        self.row
    }

    /// Begin the next row.
    pub fn start_row(&mut self) {
        self.row += 1;
        self.in_row = true;
        self.xml.extend_from_slice(b"<row r=\"");
        self.xml
            .extend_from_slice(itoa::Buffer::new().format(self.row).as_bytes());
        self.xml.extend_from_slice(b"\">");
    }

    /// End the row; hands a full chunk to the deflating threads.
    pub fn end_row(&mut self) -> io::Result<()> {
        self.xml.extend_from_slice(b"</row>");
        self.in_row = false;
        if self.xml.len() >= CHUNK {
            let full = std::mem::replace(&mut self.xml, Vec::with_capacity(CHUNK + 4096));
            self.pipeline()?.send(full, false)?;
        }
        Ok(())
    }

    fn pipeline(&mut self) -> io::Result<&mut Pipeline> {
        self.pipeline
            .as_mut()
            .ok_or_else(|| io::Error::other("the sheet is already finished"))
    }

    fn cell_start(&mut self, col: usize, style: u8, kind: &[u8]) {
        debug_assert!(self.in_row && col < self.columns.max(1));
        self.xml.extend_from_slice(b"<c r=\"");
        self.xml.extend_from_slice(column_name(col).as_bytes());
        self.xml
            .extend_from_slice(itoa::Buffer::new().format(self.row).as_bytes());
        self.xml.push(b'"');
        if style != 0 {
            self.xml.extend_from_slice(b" s=\"");
            self.xml.extend_from_slice(itoa::Buffer::new().format(style).as_bytes());
            self.xml.push(b'"');
        }
        self.xml.extend_from_slice(kind);
    }

    fn cell_text(&mut self, col: usize, s: &str, style: u8) {
        self.cell_start(col, style, b" t=\"inlineStr\"><is><t");
        let preserve = s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace);
        self.xml.extend_from_slice(if preserve {
            b" xml:space=\"preserve\">" as &[u8]
        } else {
            b">"
        });
        escape_into(&mut self.xml, s);
        self.xml.extend_from_slice(b"</t></is></c>");
    }

    /// A text cell; an empty string writes no cell.
    pub fn text(&mut self, col: usize, s: &str) {
        if !s.is_empty() {
            let style = self.formats.get(col).copied().unwrap_or(0);
            self.cell_text(col, s, style);
        }
    }

    /// A number cell (whole numbers: yen, units, counts).
    pub fn number(&mut self, col: usize, n: i64) {
        let style = self.formats.get(col).copied().unwrap_or(0);
        self.cell_start(col, style, b"><v>");
        self.xml.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        self.xml.extend_from_slice(b"</v></c>");
    }

    /// A date cell in the column's format; a date before 1900 (Excel has none) as `YYYY-MM-DD`
    /// text.
    pub fn date(&mut self, col: usize, d: NaiveDate) {
        match excel_serial(d) {
            Some(serial) => self.number(col, serial),
            None => self.text(col, &d.format("%Y-%m-%d").to_string()),
        }
    }

    /// A number cell of an exact decimal (a rate as a fraction: 0.35), written as its decimal
    /// text.
    pub fn decimal(&mut self, col: usize, value: rust_decimal::Decimal) {
        let style = self.formats.get(col).copied().unwrap_or(0);
        self.cell_start(col, style, b"><v>");
        self.xml.extend_from_slice(value.normalize().to_string().as_bytes());
        self.xml.extend_from_slice(b"</v></c>");
    }

    /// Close the last sheet, write the workbook and the ZIP directory; returns the number of
    /// data rows (without the header) of the last sheet. Sheets declared but not started are
    /// refused.
    pub fn finish(mut self) -> io::Result<u32> {
        let last_rows = self.row.saturating_sub(1);
        self.end_sheet()?;
        if self.closed.len() != self.sheet_names.len() {
            return Err(io::Error::other("xlsx: a declared sheet was not written"));
        }
        let mut zip = self
            .zip
            .take()
            .ok_or_else(|| io::Error::other("the workbook is already finished"))?;
        let mut workbook = Vec::new();
        workbook.extend_from_slice(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                "\n",
                r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
                r#"<bookViews><workbookView/></bookViews><sheets>"#
            )
            .as_bytes(),
        );
        for (i, sheet) in self.sheet_names.iter().enumerate() {
            let mut name = String::new();
            escape_name(&mut name, sheet);
            let n = i + 1;
            workbook.extend_from_slice(format!(r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#).as_bytes());
        }
        workbook.extend_from_slice(b"</sheets><definedNames>");
        for (i, (sheet, (rows, columns))) in self.sheet_names.iter().zip(&self.closed).enumerate() {
            let last_col = column_name(columns.saturating_sub(1));
            let quoted = sheet.replace('\'', "''");
            let mut filter = String::new();
            escape_name(&mut filter, &format!("'{quoted}'!$A$1:${last_col}${rows}"));
            workbook.extend_from_slice(
                format!(
                    r#"<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">{filter}</definedName>"#
                )
                .as_bytes(),
            );
        }
        workbook.extend_from_slice(b"</definedNames></workbook>");
        zip.stored("xl/workbook.xml", &workbook)?;
        zip.finish()?;
        Ok(last_rows)
    }
}

/// XML-escape an attribute or element value into `out`.
fn escape_name(out: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// One entry of the ZIP's central directory.
struct Entry {
    name: String,
    method: u16,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

/// A minimal ZIP writer: stored and deflated entries, sizes patched into the local header after
/// the data (no data descriptors, which some readers dislike), no ZIP64.
struct Zip {
    out: BufWriter<AtomicFile>,
    entries: Vec<Entry>,
    offset: u64,
}

fn too_big() -> io::Error {
    io::Error::other("xlsx: a part of the workbook is over 4 GiB (not supported)")
}

fn u32_of(n: u64) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| too_big())
}

/// DOS date of 1980-01-01 00:00 (the same bytes every time: same input, same file).
const DOS_DATE: u16 = (1 << 5) | 1;

impl Zip {
    fn write(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.offset += b.len() as u64;
        Ok(())
    }

    fn local_header(&mut self, name: &str, method: u16, crc: u32, compressed: u32, size: u32) -> io::Result<u32> {
        let offset = u32_of(self.offset)?;
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&20u16.to_le_bytes()); // version needed
        h.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
        h.extend_from_slice(&method.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // time
        h.extend_from_slice(&DOS_DATE.to_le_bytes());
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&compressed.to_le_bytes());
        h.extend_from_slice(&size.to_le_bytes());
        h.extend_from_slice(&u16::try_from(name.len()).map_err(|_| too_big())?.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // extra
        h.extend_from_slice(name.as_bytes());
        self.write(&h)?;
        Ok(offset)
    }

    fn stored(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        let crc = crc32fast::hash(data);
        let size = u32_of(data.len() as u64)?;
        let offset = self.local_header(name, 0, crc, size, size)?;
        self.write(data)?;
        self.entries.push(Entry {
            name: name.to_string(),
            method: 0,
            crc,
            compressed: size,
            size,
            offset,
        });
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        let start = u32_of(self.offset)?;
        let entries = std::mem::take(&mut self.entries);
        for e in &entries {
            let mut h = Vec::with_capacity(46 + e.name.len());
            h.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            h.extend_from_slice(&20u16.to_le_bytes()); // made by
            h.extend_from_slice(&20u16.to_le_bytes()); // needed
            h.extend_from_slice(&0x0800u16.to_le_bytes());
            h.extend_from_slice(&e.method.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            h.extend_from_slice(&DOS_DATE.to_le_bytes());
            h.extend_from_slice(&e.crc.to_le_bytes());
            h.extend_from_slice(&e.compressed.to_le_bytes());
            h.extend_from_slice(&e.size.to_le_bytes());
            h.extend_from_slice(&u16::try_from(e.name.len()).map_err(|_| too_big())?.to_le_bytes());
            h.extend_from_slice(&[0; 12]); // extra, comment, disk, internal and external attributes
            h.extend_from_slice(&e.offset.to_le_bytes());
            h.extend_from_slice(e.name.as_bytes());
            self.write(&h)?;
        }
        let size = u32_of(self.offset)? - start;
        let count = u16::try_from(entries.len()).map_err(|_| too_big())?;
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&[0; 4]); // disk numbers
        end.extend_from_slice(&count.to_le_bytes());
        end.extend_from_slice(&count.to_le_bytes());
        end.extend_from_slice(&size.to_le_bytes());
        end.extend_from_slice(&start.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.write(&end)?;
        self.out.into_inner().map_err(|e| e.into_error())?.commit()
    }
}

/// Deflate one chunk as raw deflate; a chunk that is not the last ends with a sync flush (byte
/// aligned, not final) so the next chunk's blocks can follow it.
fn deflate_chunk(data: &[u8], last: bool) -> io::Result<Vec<u8>> {
    let mut c = Compress::new(Compression::fast(), false);
    let mut out = Vec::with_capacity(data.len() / 3 + 1024);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        let consumed = usize::try_from(c.total_in()).map_err(|_| too_big())?;
        let status = c
            .compress_vec(&data[consumed..], &mut out, flush)
            .map_err(io::Error::other)?;
        let all_in = usize::try_from(c.total_in()).map_err(|_| too_big())? == data.len();
        let done = match status {
            Status::StreamEnd => true,
            _ => all_in && !last && out.len() < out.capacity(),
        };
        if done {
            return Ok(out);
        }
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(64 * 1024));
        }
    }
}

struct Deflated {
    index: usize,
    data: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u64,
}

/// The deflating threads and the thread that writes their output in order.
struct Pipeline {
    next: usize,
    input: Option<SyncSender<(usize, Vec<u8>, bool)>>,
    workers: Vec<JoinHandle<io::Result<()>>>,
    writer: JoinHandle<io::Result<Zip>>,
}

impl Pipeline {
    fn start(mut zip: Zip, name: &str) -> io::Result<Pipeline> {
        let header_at = zip.local_header(name, 8, 0, 0, 0)?;
        let data_start = zip.offset;
        let (input, rx) = sync_channel::<(usize, Vec<u8>, bool)>(2);
        let rx = Arc::new(Mutex::new(rx));
        let (done_tx, done_rx) = sync_channel::<Deflated>(4);
        let workers = (0..2)
            .map(|_| {
                let rx = Arc::clone(&rx);
                let done = done_tx.clone();
                std::thread::spawn(move || deflate_worker(&rx, &done))
            })
            .collect();
        drop(done_tx);
        let name = name.to_string();
        let writer = std::thread::spawn(move || write_in_order(zip, &done_rx, &name, header_at, data_start));
        Ok(Pipeline {
            next: 0,
            input: Some(input),
            workers,
            writer,
        })
    }

    fn send(&mut self, chunk: Vec<u8>, last: bool) -> io::Result<()> {
        let i = self.next;
        self.next += 1;
        self.input
            .as_ref()
            .ok_or_else(|| io::Error::other("xlsx: the sheet is closed"))?
            .send((i, chunk, last))
            .map_err(|_| io::Error::other("xlsx: the compressing thread stopped"))
    }

    fn finish(mut self, rest: Vec<u8>) -> io::Result<Zip> {
        let sent = self.send(rest, true);
        self.input = None;
        let mut first_error = sent.err();
        for w in self.workers {
            let r = w
                .join()
                .map_err(|_| io::Error::other("xlsx: a compressing thread panicked"))?;
            if let (Err(e), None) = (r, &first_error) {
                first_error = Some(e);
            }
        }
        // The writing thread's own error (a full disk) says more than the others' "stopped".
        let zip = self
            .writer
            .join()
            .map_err(|_| io::Error::other("xlsx: the writing thread panicked"))??;
        match first_error {
            Some(e) => Err(e),
            None => Ok(zip),
        }
    }
}

fn deflate_worker(rx: &Mutex<Receiver<(usize, Vec<u8>, bool)>>, done: &SyncSender<Deflated>) -> io::Result<()> {
    loop {
        let next = rx.lock().map_err(|_| io::Error::other("xlsx: poisoned"))?.recv();
        let Ok((index, chunk, last)) = next else {
            return Ok(());
        };
        let mut crc = crc32fast::Hasher::new();
        crc.update(&chunk);
        let data = deflate_chunk(&chunk, last)?;
        let d = Deflated {
            index,
            data,
            crc,
            len: chunk.len() as u64,
        };
        if done.send(d).is_err() {
            return Ok(());
        }
    }
}

fn write_in_order(
    mut zip: Zip,
    done: &Receiver<Deflated>,
    name: &str,
    header_at: u32,
    data_start: u64,
) -> io::Result<Zip> {
    let mut waiting = std::collections::BTreeMap::new();
    let mut next = 0usize;
    let mut crc = crc32fast::Hasher::new();
    let mut size = 0u64;
    for d in done {
        waiting.insert(d.index, d);
        while let Some(d) = waiting.remove(&next) {
            zip.write(&d.data)?;
            crc.combine(&d.crc);
            size += d.len;
            next += 1;
        }
    }
    if !waiting.is_empty() {
        return Err(io::Error::other("xlsx: a chunk of the sheet went missing"));
    }
    let crc = crc.finalize();
    let compressed = u32_of(zip.offset - data_start)?;
    let size = u32_of(size)?;
    // Patch crc and sizes into the local header (offset 14 in it).
    zip.out.flush()?;
    let end = zip.offset;
    let file = zip.out.get_mut();
    file.seek(SeekFrom::Start(u64::from(header_at) + 14))?;
    let mut patch = Vec::with_capacity(12);
    patch.extend_from_slice(&crc.to_le_bytes());
    patch.extend_from_slice(&compressed.to_le_bytes());
    patch.extend_from_slice(&size.to_le_bytes());
    file.write_all(&patch)?;
    file.seek(SeekFrom::Start(end))?;
    zip.entries.push(Entry {
        name: name.to_string(),
        method: 8,
        crc,
        compressed,
        size,
        offset: header_at,
    });
    Ok(zip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_and_serials() {
        assert_eq!(
            [0, 25, 26, 27, 51, 52, 701, 702].map(column_name),
            ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
        );
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // 1900-01-01 = 1, 1900-02-28 = 59, (60 is Excel's 1900-02-29), 1900-03-01 = 61,
        // 2026-12-01 = 46357.
        assert_eq!(excel_serial(d("1900-01-01")), Some(1));
        assert_eq!(excel_serial(d("1900-02-28")), Some(59));
        assert_eq!(excel_serial(d("1900-03-01")), Some(61));
        assert_eq!(excel_serial(d("2026-12-01")), Some(46357));
        assert_eq!(excel_serial(d("1899-12-31")), None);
    }

    #[test]
    fn text_is_escaped_for_xml_and_excel() {
        let mut out = Vec::new();
        escape_into(&mut out, "a&b<c>d\u{1}e_x0041_f");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a&amp;b&lt;c&gt;d_x0001_e_x005F_x0041_f"
        );
    }

    #[test]
    fn chunks_deflated_apart_inflate_as_one_stream() {
        use std::io::Read;
        let text: Vec<u8> = (0..300_000u32)
            .flat_map(|i| format!("<c>{i}</c>").into_bytes())
            .collect();
        let mut deflated = Vec::new();
        let parts: Vec<&[u8]> = text.chunks(100_000).collect();
        for (i, p) in parts.iter().enumerate() {
            deflated.extend(deflate_chunk(p, i + 1 == parts.len()).unwrap());
        }
        let mut back = Vec::new();
        flate2::read::DeflateDecoder::new(&deflated[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn a_workbook_of_two_sheets_reads_back_and_undeclared_sheets_are_refused() {
        use calamine::{open_workbook, Data, Reader, Xlsx};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.xlsx");
        let cols = |t: &'static str, f| {
            [Column {
                title: t,
                width: 10.0,
                format: f,
            }]
        };
        let mut w = SheetWriter::create_workbook(&path, &["一", "二"], &cols("数", ColumnFormat::Yen)).unwrap();
        w.start_row();
        w.number(0, 1234);
        w.end_row().unwrap();
        w.next_sheet(&cols("率", ColumnFormat::Percent)).unwrap();
        w.start_row();
        w.decimal(0, rust_decimal::Decimal::new(355, 3));
        w.end_row().unwrap();
        assert!(
            w.next_sheet(&cols("三", ColumnFormat::General)).is_err(),
            "only two were declared"
        );
        assert_eq!(w.finish().unwrap(), 1);
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        assert_eq!(wb.sheet_names(), ["一", "二"]);
        let one = wb.worksheet_range("一").unwrap();
        assert_eq!(one.get((1, 0)), Some(&Data::Float(1234.0)));
        let two = wb.worksheet_range("二").unwrap();
        assert_eq!(two.get((0, 0)), Some(&Data::String("率".into())));
        assert_eq!(two.get((1, 0)), Some(&Data::Float(0.355)));

        // A declared sheet never started is refused at finish.
        let w = SheetWriter::create_workbook(
            &dir.path().join("x.xlsx"),
            &["a", "b"],
            &cols("c", ColumnFormat::General),
        )
        .unwrap();
        assert!(w.finish().is_err());
    }
}
