//! A table from a csv, xlsx or xls file: the header row and the data rows as text, with the row
//! numbers the clerk sees in Excel.
//!
//! - The format is told by the file's first bytes (zip → xlsx, OLE → xls, anything else → csv);
//!   a file named `.xlsx`/`.xls` that is not one is refused.
//! - csv: any encoding [`crate::encoding::decode`] detects; comma-separated, or tab-separated when
//!   the header line has tabs and no commas. Row numbers count blank lines and do not count line
//!   breaks inside quoted cells, as Excel shows them.
//! - xlsx/xls: the first sheet with any data. Date-formatted cells come as `YYYY-MM-DD`; whole
//!   numbers without a trailing `.0`.
//! - Fully blank rows are skipped; the header is the first row that is not blank.
//! - Cells keep their original text; readers normalise with [`crate::text`] and keep the
//!   original for the audit log.

use std::io::{Cursor, Read, Seek};
use std::path::Path;

use calamine::{Data, DataRef, Reader, Xlsx};

use crate::encoding::{decode, TextEncoding};
use crate::error::{code, FileError, Problem, Problems};
use crate::limits::{self, limit_code};
use crate::text::{header_key, normalize};

/// One data row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// 1-based row number as Excel shows it.
    pub row: usize,
    /// The cells' original text, left to right from the table's first column.
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in column `index`, `""` past the end of a short row.
    pub fn get(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }
}

/// A table read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The file's name (for positioned errors).
    pub file: String,
    /// The text encoding of a csv; `None` for an Excel workbook.
    pub encoding: Option<TextEncoding>,
    /// 1-based row number of the header row.
    pub header_row: usize,
    /// The header cells as written (trimmed).
    pub headers: Vec<String>,
    /// The data rows after the header, blank rows left out.
    pub rows: Vec<Row>,
}

/// A field a reader looks for in the header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The field's name in messages (`社員番号`).
    pub name: &'static str,
    /// Every header text that names this field; matched with case and width ignored.
    pub aliases: &'static [&'static str],
    /// Whether a file without this column is refused.
    pub required: bool,
}

/// Where the fields of a [`ColumnSpec`] list were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    found: Vec<(&'static str, usize)>,
    /// Indexes of the non-blank header cells that name no field, left to right.
    pub unknown: Vec<usize>,
}

impl Columns {
    /// The column index of the field named `name` ([`ColumnSpec::name`]), if the file has it.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.found
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, index)| *index)
    }
}

impl Table {
    /// The header text of column `index`, as written.
    pub fn header(&self, index: usize) -> &str {
        self.headers.get(index).map_or("", String::as_str)
    }

    /// Finds each field's column. A missing required column, or two columns naming one field,
    /// is a problem positioned on the header row; all of them are returned.
    pub fn columns(&self, specs: &[ColumnSpec]) -> Result<Columns, Vec<Problem>> {
        let keys: Vec<String> = self.headers.iter().map(|h| header_key(h)).collect();
        let mut found = Vec::new();
        let mut problems = Vec::new();
        let mut matched = vec![false; keys.len()];
        for spec in specs {
            let alias_keys: Vec<String> = spec.aliases.iter().map(|a| header_key(a)).collect();
            let hits: Vec<usize> = keys
                .iter()
                .enumerate()
                .filter(|(_, key)| !key.is_empty() && alias_keys.contains(key))
                .map(|(i, _)| i)
                .collect();
            for &i in &hits {
                matched[i] = true;
            }
            match hits.as_slice() {
                [] if spec.required => problems.push(
                    Problem::new(
                        code::MISSING_COLUMN,
                        format!(
                            "必須の列「{}」がありません（見出しに使える名前: {}）",
                            spec.name,
                            spec.aliases.join("、")
                        ),
                    )
                    .at_row(self.header_row),
                ),
                [] => {}
                [first, rest @ ..] => {
                    found.push((spec.name, *first));
                    for &other in rest {
                        problems.push(
                            Problem::new(
                                code::AMBIGUOUS_COLUMN,
                                format!(
                                    "列「{}」と同じ項目（{}）の列です。どちらか一方にしてください",
                                    self.header(*first),
                                    spec.name
                                ),
                            )
                            .at_row(self.header_row)
                            .in_column(self.header(other)),
                        );
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let unknown = keys
            .iter()
            .enumerate()
            .filter(|(i, key)| !key.is_empty() && !matched[*i])
            .map(|(i, _)| i)
            .collect();
        Ok(Columns { found, unknown })
    }
}

/// Reads a table from a file on disk.
pub fn read_table(path: &Path) -> Result<Table, FileError> {
    let name = file_name(path);
    let bytes = read_bounded(path, limits::MAX_WORKBOOK_BYTES.max(limits::MAX_TEXT_BYTES))?;
    read_table_bytes(&name, &bytes)
}

/// Reads a file of at most `max` bytes; a larger one is refused before it is read.
pub fn read_bounded(path: &Path, max: usize) -> Result<Vec<u8>, FileError> {
    let name = file_name(path);
    let unreadable = |e: std::io::Error| {
        FileError::single(
            &name,
            Problem::new(code::FILE_UNREADABLE, format!("ファイルを読めません（{e}）")),
        )
    };
    let len = std::fs::metadata(path).map_err(unreadable)?.len();
    limits::check_size(&name, usize::try_from(len).unwrap_or(usize::MAX), max, "ファイル")?;
    std::fs::read(path).map_err(unreadable)
}

/// The name a clerk knows a file by: its last path component.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Reads a table from a file's content; `name` is the file name used in messages and, for the
/// extension, to refuse a misnamed workbook.
pub fn read_table_bytes(name: &str, bytes: &[u8]) -> Result<Table, FileError> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    let (encoding, rows) = if bytes.starts_with(ZIP) || bytes.starts_with(OLE) {
        (None, read_workbook(name, bytes)?)
    } else {
        let lower = name.to_ascii_lowercase();
        if [".xlsx", ".xlsm", ".xls"].iter().any(|ext| lower.ends_with(ext)) {
            return Err(FileError::single(
                name,
                Problem::new(
                    code::WORKBOOK_UNREADABLE,
                    "Excelファイルとして読めません（ファイルが壊れているか、Excel形式ではありません）",
                ),
            ));
        }
        let (encoding, rows) = read_csv(name, bytes)?;
        (Some(encoding), rows)
    };
    let mut rows = rows
        .into_iter()
        .filter(|r| r.cells.iter().any(|c| !normalize(c).is_empty()));
    let Some(header) = rows.next() else {
        return Err(FileError::single(
            name,
            Problem::new(code::NO_HEADER, "見出しの行がありません（ファイルが空です）"),
        ));
    };
    Ok(Table {
        file: name.to_owned(),
        encoding,
        header_row: header.row,
        headers: header.cells.iter().map(|h| h.trim().to_owned()).collect(),
        rows: rows.collect(),
    })
}

fn read_csv(name: &str, bytes: &[u8]) -> Result<(TextEncoding, Vec<Row>), FileError> {
    limits::check_size(name, bytes.len(), limits::MAX_TEXT_BYTES, "CSVファイル")?;
    if let Some((line, len)) = bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .find(|(_, l)| l.len() > limits::MAX_LINE_BYTES)
        .map(|(i, l)| (i + 1, l.len()))
    {
        return Err(FileError::single(
            name,
            Problem::new(
                limit_code::TOO_LARGE,
                format!("1行が長すぎます（{len}バイト。{}バイトまで）", limits::MAX_LINE_BYTES),
            )
            .at_row(line),
        ));
    }
    let decoded = decode(bytes).map_err(|e| FileError::single(name, e.into_problem()))?;
    let first_line = decoded.text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(decoded.text.as_bytes());
    let mut rows = Vec::new();
    let mut problems = Problems::new();
    // The csv crate's line numbers miscount blank lines and CRLF, so rows are counted here from
    // each record's byte offset.
    let mut lines = LineCounter::new(&decoded.text);
    let mut cells_kept = 0usize;
    for record in reader.records() {
        match record {
            Ok(record) => {
                let byte = record.position().map_or(0, csv::Position::byte);
                let row = lines.row_at(byte);
                if record.len() > limits::MAX_COLUMNS {
                    let (c, value) = record
                        .iter()
                        .enumerate()
                        .skip(limits::MAX_COLUMNS)
                        .find(|(_, v)| !v.trim().is_empty())
                        .unwrap_or((limits::MAX_COLUMNS, ""));
                    return Err(FileError::single(
                        name,
                        Problem::new(
                            limit_code::OUT_OF_RANGE,
                            format!(
                                "列が多すぎます（{}列目まで。{}列あります）",
                                limits::MAX_COLUMNS,
                                record.len()
                            ),
                        )
                        .at_row(row)
                        .in_column(limits::column_name(c))
                        .with_value(value.chars().take(40).collect::<String>()),
                    ));
                }
                cells_kept += record.len();
                if cells_kept > limits::MAX_TABLE_CELLS {
                    return Err(FileError::single(
                        name,
                        Problem::new(
                            limit_code::TOO_LARGE,
                            format!("セルが多すぎます（{}個まで読み込めます）", limits::MAX_TABLE_CELLS),
                        )
                        .at_row(row),
                    ));
                }
                if let Some((c, long)) = record
                    .iter()
                    .enumerate()
                    .find(|(_, c)| c.len() > limits::MAX_CELL_CHARS && c.chars().count() > limits::MAX_CELL_CHARS)
                {
                    return Err(long_cell(name, row, c, long));
                }
                let cells: Vec<String> = record.iter().map(str::to_owned).collect();
                lines.inner_breaks += cells
                    .iter()
                    .map(|c| c.bytes().filter(|b| *b == b'\n').count())
                    .sum::<usize>();
                rows.push(Row { row, cells });
            }
            Err(e) => {
                let mut problem = Problem::new(code::CSV_MALFORMED, format!("CSVとして読めません（{e}）"));
                problem.row = e.position().map(|p| lines.row_at(p.byte()));
                problems.push(problem);
            }
        }
    }
    problems.finish(name)?;
    Ok((decoded.encoding, rows))
}

/// Excel row numbers of csv records: physical lines, less the line breaks inside quoted cells of
/// the records before (Excel shows such a record as one row).
struct LineCounter<'a> {
    text: &'a [u8],
    /// Bytes before `counted` hold `newlines` line feeds.
    counted: usize,
    newlines: usize,
    inner_breaks: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            counted: 0,
            newlines: 0,
            inner_breaks: 0,
        }
    }

    /// The row of the record the csv crate places at `byte`: it may place it at the start of
    /// blank lines skipped before the record, so those are skipped first. Offsets only grow.
    fn row_at(&mut self, byte: u64) -> usize {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted {
            self.newlines += self.text[self.counted..start].iter().filter(|b| **b == b'\n').count();
            self.counted = start;
        }
        (self.newlines + 1).saturating_sub(self.inner_breaks)
    }
}

fn read_workbook(name: &str, bytes: &[u8]) -> Result<Vec<Row>, FileError> {
    let unreadable = |detail: String| {
        FileError::single(
            name,
            Problem::new(
                code::WORKBOOK_UNREADABLE,
                format!("Excelファイルとして読めません（{detail}）"),
            ),
        )
    };
    limits::check_size(name, bytes.len(), limits::MAX_WORKBOOK_BYTES, "Excelファイル")?;
    if bytes.starts_with(b"PK\x03\x04") {
        limits::check_workbook_zip(name, bytes)?;
        let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
        for sheet in workbook.sheet_names() {
            let mut rows = Vec::new();
            let mut cells = 0usize;
            stream_sheet(name, &mut workbook, &sheet, |row| {
                cells += row.cells.len();
                if cells > limits::MAX_TABLE_CELLS {
                    return Err(FileError::single(
                        name,
                        Problem::new(
                            limit_code::TOO_LARGE,
                            format!("セルが多すぎます（{}個まで読み込めます）", limits::MAX_TABLE_CELLS),
                        )
                        .at_row(row.row),
                    ));
                }
                rows.push(row);
                Ok(())
            })?;
            if !rows.is_empty() {
                return Ok(rows);
            }
        }
        return Ok(Vec::new());
    }
    // xls (BIFF): calamine decodes the whole workbook when it opens it, so it only sees a
    // compound file rebuilt by `cfb` whose sheets' ranges are bounded (xls_bounds,
    // docs/RELIABILITY.md); its parser indexes records without checking their length, so a
    // panic in it is a refusal too.
    let clean = crate::xls_bounds::checked_xls(name, bytes)?;
    // Only the first sheet with any data is taken out of calamine (each copy is a whole range).
    let opened = std::panic::catch_unwind(|| -> Result<Option<calamine::Range<Data>>, String> {
        let mut workbook: calamine::Xls<_> = calamine::Xls::new(Cursor::new(clean)).map_err(|e| e.to_string())?;
        for sheet in workbook.sheet_names() {
            let range = workbook.worksheet_range(&sheet).map_err(|e| e.to_string())?;
            if range
                .used_cells()
                .any(|(_, _, cell)| !cell_text(cell).trim().is_empty())
            {
                return Ok(Some(range));
            }
        }
        Ok(None)
    });
    let range = match opened {
        Ok(r) => r.map_err(unreadable)?,
        Err(_) => return Err(unreadable("壊れたレコードがあります".into())),
    };
    let Some(range) = range else {
        return Ok(Vec::new());
    };
    let first_row = range
        .start()
        .map_or(0, |(r, _)| usize::try_from(r).unwrap_or(usize::MAX));
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let row = first_row + i + 1;
        let cells: Vec<String> = cells.iter().map(cell_text).collect();
        if let Some((c, long)) = cells
            .iter()
            .enumerate()
            .find(|(_, c)| c.chars().count() > limits::MAX_CELL_CHARS)
        {
            return Err(long_cell(name, row, c, long));
        }
        rows.push(Row { row, cells });
    }
    Ok(rows)
}

fn long_cell(name: &str, row: usize, column: usize, text: &str) -> FileError {
    let head: String = text.chars().take(20).collect();
    FileError::single(
        name,
        Problem::new(
            limit_code::TOO_LARGE,
            format!(
                "セルの文字が多すぎます（{}文字。{}文字まで）",
                text.chars().count(),
                limits::MAX_CELL_CHARS
            ),
        )
        .at_row(row)
        .in_column(limits::column_name(column))
        .with_value(format!("{head}…")),
    )
}

/// Streams the rows of one sheet of an xlsx to `f`, in the file's order, each with the cells up to
/// its last filled one (empty cells are not stored). A row past Excel's last row, a filled cell
/// past [`limits::MAX_COLUMNS`] or a cell longer than [`limits::MAX_CELL_CHARS`] refuses the file
/// with its position; nothing larger than one row is held here. Blank rows are passed on too
/// (`cells` all empty) only when they hold empty strings; the caller skips them.
pub(crate) fn stream_sheet<RS: Read + Seek>(
    name: &str,
    workbook: &mut Xlsx<RS>,
    sheet: &str,
    mut f: impl FnMut(Row) -> Result<(), FileError>,
) -> Result<(), FileError> {
    let unreadable = |detail: String| {
        FileError::single(
            name,
            Problem::new(
                code::WORKBOOK_UNREADABLE,
                format!("Excelファイルとして読めません（{detail}）"),
            ),
        )
    };
    let mut reader = workbook
        .worksheet_cells_reader(sheet)
        .map_err(|e| unreadable(e.to_string()))?;
    let mut current = Row {
        row: 0,
        cells: Vec::new(),
    };
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(e.to_string()))? {
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize + 1, c as usize);
        let text = data_ref_text(value);
        if r > limits::MAX_ROWS || c >= limits::MAX_COLUMNS {
            let expected = if r > limits::MAX_ROWS {
                format!("行番号が大きすぎます（{}行目まで）", limits::MAX_ROWS)
            } else {
                format!(
                    "列が多すぎます（{}列目「{}」まで。この列の値を消してください）",
                    limits::MAX_COLUMNS,
                    limits::column_name(limits::MAX_COLUMNS - 1)
                )
            };
            let head: String = text.chars().take(40).collect();
            return Err(FileError::single(
                name,
                Problem::new(limit_code::OUT_OF_RANGE, expected)
                    .at_row(r)
                    .in_column(limits::column_name(c))
                    .with_value(head),
            ));
        }
        if text.len() > limits::MAX_CELL_CHARS && text.chars().count() > limits::MAX_CELL_CHARS {
            return Err(long_cell(name, r, c, &text));
        }
        if r != current.row {
            if !current.cells.is_empty() {
                f(std::mem::take(&mut current))?;
            }
            current.row = r;
        }
        if current.cells.len() <= c {
            current.cells.resize(c + 1, String::new());
        }
        current.cells[c] = text;
    }
    if !current.cells.is_empty() {
        f(current)?;
    }
    Ok(())
}

/// A streamed workbook cell as text, as [`cell_text`] gives it.
pub(crate) fn data_ref_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::Error(e) => e.to_string(),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if (hh, mm, ss) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            }
        }
        DataRef::DateTime(dt) => number_text(dt.as_f64()),
    }
}

/// A workbook cell as text: dates `YYYY-MM-DD` (with the time when it is not midnight), whole
/// numbers without `.0`, errors as Excel shows them (`#N/A`).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::Error(e) => e.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if (hh, mm, ss) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            }
        }
        Data::DateTime(dt) => number_text(dt.as_f64()),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}
